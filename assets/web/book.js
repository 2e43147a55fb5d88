// The booking page (/book, 预约): a visitor picks a service that takes appointments, a day and a
// slot with free places, gives a name and a phone, and gets a booking code with its QR code (the
// kiosk's check-in reads it).  "My booking" finds a booking by its code to cancel it or move it to
// another slot (same code).  The server decides everything (free places, the days that may be
// booked, the phone's form) and masks the name and phone in what it answers; the page only asks
// as a `booking` (no sign-in, docs/protocol.md) and says what the server said, in the chosen
// language.  The shell comes from the server with the hall's names, services and bookable days.
"use strict";

const DATA = JSON.parse(document.getElementById("book-data").textContent);

const TEXTS = {
  zh: {
    switch: "English", tabBook: "预约", tabMine: "我的预约", pickTitle: "预约办理", service: "业务", day: "日期",
    slot: "时段", name: "姓名", phone: "手机号", book: "提交预约", code: "预约码", find: "查询",
    mineTitle: "查询我的预约", when: "时间", state: "状态", cancel: "取消预约", rebook: "改约",
    rebookHere: "改约到此时段", back: "返回", free: (n) => `余 ${n} 个`, full: "已约满",
    noSlots: "当天没有可预约的时段", closed: "不开放", off: "本大厅暂不接受预约", today: "今天", booked: "预约成功", yours: "您的预约",
    rebookingNote: (code) => `正在为预约 ${code} 选择新的时段`, pickSlot: "请先选择时段",
    qrHint: "到大厅后在取号机上点“我有预约”，扫描此二维码或输入预约码签到",
    states: { booked: "已预约", checked_in: "已签到", cancelled: "已取消", missed: "已失约" },
    confirmCancel: "确定取消这个预约吗？", down: "连接中断，正在重新连接……", live: "已连接",
    weekdays: ["周日", "周一", "周二", "周三", "周四", "周五", "周六"],
  },
  en: {
    switch: "中文", tabBook: "Book", tabMine: "My booking", pickTitle: "Book an appointment", service: "Service",
    day: "Day", slot: "Time", name: "Name", phone: "Mobile phone", book: "Book", code: "Booking code",
    find: "Find", mineTitle: "Find my booking", when: "When", state: "State", cancel: "Cancel booking",
    rebook: "Change time", rebookHere: "Move my booking here", back: "Back", free: (n) => `${n} free`,
    full: "Full", noSlots: "No times can be booked that day", closed: "Closed", off: "This hall takes no appointments at present",
    today: "Today", booked: "Booked",
    yours: "Your booking", rebookingNote: (code) => `Choosing a new time for booking ${code}`,
    pickSlot: "Please choose a time first",
    qrHint: "In the hall, tap \u201cI have an appointment\u201d on the kiosk and scan this code or type the booking code",
    states: { booked: "Booked", checked_in: "Checked in", cancelled: "Cancelled", missed: "Missed" },
    confirmCancel: "Cancel this booking?", down: "Connection lost; reconnecting…", live: "Connected",
    weekdays: ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"],
  },
};

const $ = (id) => document.getElementById(id);
let lang = DATA.lang;
const t = (key, ...args) => {
  const value = TEXTS[lang][key];
  return typeof value === "function" ? value(...args) : value;
};

const pick = { service: DATA.services.length ? DATA.services[0].id : "", day: DATA.days[0] || "", start: "" };
let slots = []; // the last `slots` answer's slots for pick.service on pick.day
let booking = null; // the booking on show (booked here or found by its code)
let rebooking = null; // the code being moved to another slot, while the picker is open for it
let errors = {}; // element id -> the server's error (said again on a language switch)

const link = new HallLink({
  prefix: "b",
  onDown: () => { $("link").textContent = t("down"); return true; },
  reopen: () => connect(),
});

function connect() {
  link.open({ role: "booking" }, (answer) => {
    $("link").textContent = answer.type === "welcome" ? t("live") : errorText(answer);
    if (answer.type === "welcome") loadSlots();
  });
}

function ask(message, onResult, errorBox) {
  setError(errorBox, null);
  const sent = link.send(message, (answer) => {
    if (answer.type === "error") setError(errorBox, answer);
    else onResult(answer.data);
  });
  if (sent === null) setError(errorBox, { code: "", message: t("down"), message_zh: TEXTS.zh.down });
}

// ------------------------------------------------------------------ words
function errorText(e) {
  return (lang === "zh" ? e.message_zh : e.message) || e.message_zh || e.message || e.code;
}

function setError(id, error) {
  if (!id) return;
  if (error) errors[id] = error;
  else delete errors[id];
  $(id).hidden = !error;
  $(id).textContent = error ? (error.own ? t(error.own) : errorText(error)) : "";
}

function serviceName(id) {
  const s = DATA.services.find((x) => x.id === id);
  return s ? s.name[lang] || s.name.zh : id;
}

function dayLabel(day) {
  const [y, m, d] = day.split("-").map(Number);
  const weekday = TEXTS[lang].weekdays[new Date(Date.UTC(y, m - 1, d)).getUTCDay()];
  const date = lang === "zh" ? `${m}月${d}日` : `${d}/${m}`;
  return day === DATA.days[0] ? `${t("today")} ${date}` : `${weekday} ${date}`;
}

// ------------------------------------------------------------------ the picker
function choice(text, sub, on, enabled, onClick) {
  const button = document.createElement("button");
  button.type = "button";
  button.textContent = text;
  if (sub) {
    const small = document.createElement("span");
    small.className = "free";
    small.textContent = sub;
    button.append(small);
  }
  button.classList.toggle("on", on);
  button.disabled = !enabled;
  button.addEventListener("click", onClick);
  return button;
}

function drawPicker() {
  $("services").replaceChildren(...DATA.services.map((s) => choice(serviceName(s.id), "", s.id === pick.service,
    !rebooking, () => { pick.service = s.id; pick.start = ""; loadSlots(); })));
  $("days").replaceChildren(...DATA.days.map((day) => {
    const open = openDays(pick.service).includes(day);
    return choice(dayLabel(day), open ? "" : t("closed"), day === pick.day, open,
      () => { pick.day = day; pick.start = ""; loadSlots(); });
  }));
  $("slots").replaceChildren(...slots.map((s) => choice(`${s.start}–${s.end}`, s.free > 0 ? t("free", s.free) : t("full"),
    s.start === pick.start, s.free > 0, () => { pick.start = s.start; drawPicker(); })));
  const off = !DATA.services.length || !DATA.days.length;
  $("no-slots").hidden = slots.length > 0;
  $("no-slots").textContent = off ? t("off") : t("noSlots");
  $("who").hidden = Boolean(rebooking) || off;
  $("rebook").hidden = $("rebook-cancel").hidden = !rebooking;
  $("rebooking").hidden = !rebooking;
  $("rebooking").textContent = rebooking ? t("rebookingNote", rebooking) : "";
}

// the days the server says a service has slots on (a closed day stays listed, marked and disabled)
function openDays(service) {
  const s = DATA.services.find((x) => x.id === service);
  return s ? s.days : [];
}

function loadSlots() {
  const open = openDays(pick.service);
  if (open.length && !open.includes(pick.day)) { pick.day = open[0]; pick.start = ""; }
  drawPicker();
  if (!pick.service || !pick.day) return;
  const asked = { service: pick.service, day: pick.day };
  ask({ type: "slots", ...asked }, (data) => {
    if (data.service !== pick.service || data.day !== pick.day) return; // an older question's answer
    slots = data.slots;
    if (!slots.some((s) => s.start === pick.start && s.free > 0)) pick.start = "";
    drawPicker();
  }, "picker-error");
}

function bookIt(event) {
  event.preventDefault();
  if (!pick.start) return setError("picker-error", { own: "pickSlot" });
  const message = { type: "book", service: pick.service, day: pick.day, start: pick.start,
    name: $("name").value.trim(), phone: $("phone").value.trim() };
  ask(message, (data) => { showBooking(data.booking, true); loadSlots(); }, "picker-error");
}

function moveIt() {
  if (!pick.start) return setError("picker-error", { own: "pickSlot" });
  ask({ type: "rebook", code: rebooking, day: pick.day, start: pick.start }, (data) => {
    rebooking = null;
    showBooking(data.booking, true);
    loadSlots();
  }, "picker-error");
}

// ------------------------------------------------------------------ a booking
function showBooking(found, justBooked) {
  booking = found;
  $("booking").hidden = false;
  $("booking-title").textContent = justBooked ? t("booked") : t("yours");
  $("booking-title").dataset.just = justBooked ? "1" : "";
  $("code").textContent = found.code;
  const qr = qrcode(0, "M"); // the vendored qrcode-generator: the same plain code the kiosk reads
  qr.addData(found.code);
  qr.make();
  $("qr").innerHTML = qr.createSvgTag({ cellSize: 6, margin: 2, scalable: true });
  drawBooking();
  $("booking").scrollIntoView({ block: "start" });
}

function drawBooking() {
  if (!booking) return;
  $("booking-title").textContent = $("booking-title").dataset.just ? t("booked") : t("yours");
  $("b-service").textContent = serviceName(booking.service);
  $("b-when").textContent = `${dayLabel(booking.day)} ${booking.start}–${booking.end}`;
  $("b-name").textContent = booking.name_masked;
  $("b-phone").textContent = booking.phone_masked;
  $("b-state").textContent = TEXTS[lang].states[booking.state] || booking.state;
  $("b-state").className = `state-${booking.state}`;
  const open = booking.state === "booked";
  $("cancel").hidden = $("change").hidden = !open;
}

function findIt(event) {
  event.preventDefault();
  const code = $("lookup-code").value.trim().toUpperCase();
  ask({ type: "booking", code }, (data) => showBooking(data.booking, false), "lookup-error");
}

function cancelIt() {
  if (!booking || !window.confirm(t("confirmCancel"))) return;
  ask({ type: "cancel_booking", code: booking.code }, (data) => {
    booking = data.booking;
    drawBooking();
    loadSlots();
  }, "booking-error");
}

function startRebook() {
  if (!booking) return;
  rebooking = booking.code;
  pick.service = booking.service;
  pick.start = "";
  showTab("book");
  loadSlots();
  $("picker").scrollIntoView({ block: "start" });
}

// ------------------------------------------------------------------ page
function showTab(which) {
  $("tab-book").classList.toggle("on", which === "book");
  $("tab-mine").classList.toggle("on", which === "mine");
  $("picker").hidden = which !== "book";
  $("lookup").hidden = which !== "mine";
}

function setLang(next) {
  lang = next;
  document.documentElement.lang = lang === "zh" ? "zh-CN" : "en";
  document.title = `${t("pickTitle")} · ${DATA.hall[lang] || DATA.hall.zh}`;
  $("hall").textContent = DATA.hall[lang] || DATA.hall.zh;
  $("lang").textContent = t("switch");
  for (const node of document.querySelectorAll("[data-t]")) node.textContent = t(node.dataset.t);
  for (const [id, error] of Object.entries(errors)) setError(id, error);
  if (link.connected) $("link").textContent = t("live");
  drawPicker();
  drawBooking();
}

$("lang").addEventListener("click", () => setLang(lang === "zh" ? "en" : "zh"));
$("tab-book").addEventListener("click", () => showTab("book"));
$("tab-mine").addEventListener("click", () => showTab("mine"));
$("who").addEventListener("submit", bookIt);
$("rebook").addEventListener("click", moveIt);
$("rebook-cancel").addEventListener("click", () => { rebooking = null; drawPicker(); showBooking(booking, false); });
$("lookup-form").addEventListener("submit", findIt);
$("cancel").addEventListener("click", cancelIt);
$("change").addEventListener("click", startRebook);
setLang(lang);
connect();
