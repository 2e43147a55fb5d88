// The console's appointments panel (预约): today's bookings per service and slot (booked, checked
// in, missed), asked once with `bookings {day}` after each snapshot and kept live by the
// `bookings` events the server sends supervisors (each carries one changed booking); and a small
// form to book on a visitor's behalf (`book`, the same request as the booking page's).  Loaded
// after console.js, whose helpers ($, el, t, send, names, errorText, mirror) it uses.
"use strict";

Object.assign(TEXTS.zh, {
  appointments: "预约", apSlot: "时段", apQuota: "名额", apBooked: "已预约", apCheckedIn: "已签到",
  apMissed: "失约", apNone: "今日暂无预约时段", apBookFor: "代为预约", apDay: "日期 YYYY-MM-DD",
  apStart: "时段开始 如 09:30", apName: "姓名", apPhone: "手机号", apBookDo: "预约",
  apBooked1: (b) => `已预约 ${b.code}:${b.day} ${b.start} ${b.name_masked} ${b.phone_masked}`,
});
Object.assign(TEXTS.en, {
  appointments: "Appointments", apSlot: "Slot", apQuota: "Places", apBooked: "Booked",
  apCheckedIn: "Checked in", apMissed: "Missed", apNone: "No appointment slots today", apBookFor: "Book for a visitor",
  apDay: "Day YYYY-MM-DD", apStart: "Time, e.g. 09:30", apName: "Name", apPhone: "Mobile phone",
  apBookDo: "Book",
  apBooked1: (b) => `Booked ${b.code}: ${b.day} ${b.start} ${b.name_masked} ${b.phone_masked}`,
});

const bookings = {
  day: "",
  slots: [], // the `bookings` answer's per-slot counts, kept up to date from the events
  byCode: new Map(), // code -> the last booking heard (to move a count when its state changes)

  // After each snapshot (a sign-in, a reconnect, a new day): the day's figures afresh.
  load(day) {
    this.day = day;
    send({ type: "bookings", day }, (a) => {
      $("appointments").hidden = a.type === "error"; // appointments_off: no panel
      if (a.type === "error") return;
      this.slots = a.data.slots;
      this.byCode = new Map(a.data.bookings.map((b) => [b.code, b]));
      this.draw();
    });
  },

  // A `bookings` event: one booking changed (booked, checked in, cancelled, missed, moved).
  changed(booking) {
    const before = this.byCode.get(booking.code);
    if (before && before.day === this.day) this.count(before, -1);
    this.byCode.set(booking.code, booking);
    if (booking.day === this.day) this.count(booking, +1);
    this.draw();
  },

  count(b, step) {
    const slot = this.slots.find((s) => s.service === b.service && s.start === b.start);
    if (!slot) return;
    if (b.state === "booked" || b.state === "checked_in") slot.booked += step;
    if (b.state === "checked_in") slot.checked_in += step;
    if (b.state === "missed") slot.missed += step;
  },

  draw() {
    const rows = $("booking-rows");
    if (!rows) return;
    const shown = this.slots.filter((s) => s.booked || s.checked_in || s.missed);
    $("booking-none").hidden = shown.length > 0;
    $("booking-table").hidden = shown.length === 0; // no headings over an empty table
    rows.replaceChildren(...shown.map((s) => {
      const service = names((mirror.serviceInfo(s.service) || {}).name) || s.service;
      return el("tr", { "data-slot": `${s.service} ${s.start}` },
        el("td", {}, service), el("td", {}, `${s.start}–${s.end}`), el("td", { class: "num" }, s.quota),
        el("td", { class: "num booked" }, s.booked), el("td", { class: "num in" }, s.checked_in),
        el("td", { class: "num missed" }, s.missed));
    }));
    const select = $("book-service");
    if (mirror.hall) { // the hall's services in the language on show, the choice kept
      const chosen = select.value;
      select.replaceChildren(...mirror.hall.services.map((s) => el("option", { value: s.id }, names(s.name))));
      if (chosen) select.value = chosen;
    }
  },
};

$("lang").addEventListener("click", () => bookings.draw());
$("book-form").addEventListener("submit", (e) => {
  e.preventDefault();
  const message = {
    type: "book", service: $("book-service").value, day: $("book-day").value.trim() || bookings.day,
    start: $("book-start").value.trim(), name: $("book-name").value.trim(), phone: $("book-phone").value.trim(),
  };
  send(message, (a) => {
    const said = $("book-result");
    said.className = a.type === "error" ? "result error" : "result";
    said.textContent = a.type === "error" ? errorText(a) : t("apBooked1", a.data.booking);
  });
});
