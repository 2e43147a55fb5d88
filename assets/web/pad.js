// The evaluation pad (评价器) at /pad/<counter>: a tablet facing the visitor at one counter.
// It follows the hall with HallMirror (mirror.js, docs/protocol.md section 13), reads its
// counter, clerk and the ticket to evaluate off the snapshot's `pad` part, and sends
// `evaluate`; every rule (the window, one evaluation per ticket, a reason for level 2 and 1)
// is the server's, and the page says the server's refusals in the visitor's language.
"use strict";

const TEXTS = {
  zh: {
    language: "English", connected: "", reconnecting: "正在重新连接…", setupTitle: "评价器设置",
    token: "设备令牌", save: "保存", clerkId: "工号", nowServing: "当前号码", nobody: "暂无工作人员",
    welcome: "欢迎光临", paused: "暂停服务", rateTitle: (n) => `请对本次服务(${n})进行评价`,
    level5: "非常满意", level4: "满意", level3: "基本满意", level2: "不满意", level1: "非常不满意",
    reasonTitle: "请选择不满意的原因", note: "补充说明(选填)", back: "返回", send: "提交评价",
    thanks: "感谢您的评价!", thanksMore: "您的意见将帮助我们改进服务。",
    wrongCounter: (c) => `此设备令牌属于${c}号窗口,不是本页地址中的窗口。`,
    tokenRefused: "设备令牌不正确,请重新输入。",
    errors: {
      nothing_to_evaluate: "没有可评价的办件。", already_evaluated: "该号已评价过。",
      reason_required: "不满意评价需选择原因。", unknown_reason: "评价原因无效。",
      bad_field: "评价内容有误,请重试。", auth_failed: "设备令牌不正确,请重新输入。",
    },
  },
  en: {
    language: "中文", connected: "", reconnecting: "Reconnecting…", setupTitle: "Pad setup",
    token: "Device token", save: "Save", clerkId: "Staff ID", nowServing: "Now serving", nobody: "No staff at this counter",
    welcome: "Welcome", paused: "Service paused", rateTitle: (n) => `How was our service today? (${n})`,
    level5: "Very satisfied", level4: "Satisfied", level3: "Basically satisfied", level2: "Dissatisfied",
    level1: "Very dissatisfied", reasonTitle: "Please tell us what went wrong", note: "Anything to add (optional)",
    back: "Back", send: "Send", thanks: "Thank you for your feedback!", thanksMore: "It helps us serve you better.",
    wrongCounter: (c) => `This device token belongs to counter ${c}, not the counter in this page's address.`,
    tokenRefused: "The device token was not accepted; please enter it again.",
    errors: {
      nothing_to_evaluate: "There is no service to evaluate now.", already_evaluated: "This ticket has already been evaluated.",
      reason_required: "Please choose a reason.", unknown_reason: "That reason is not known.",
      bad_field: "The evaluation could not be read; please try again.", auth_failed: "The device token was not accepted.",
    },
  },
};

const THANKS_MS = 5000; // the thank-you screen, then back to idle
const MESSAGE_MS = 6000; // a refusal stays this long
const TOKEN_KEY = "hallcall.pad.token";
const pathCounter = Number((location.pathname.match(/\/pad\/(\d+)/) || [])[1] || 0);
const mirror = new HallMirror();
let pad = null; // the snapshot's `pad` part
let lang = "zh";
let langChosen = false; // the visitor's choice lasts until the pad is idle again
let screen = "idle";
let evaluated = ""; // the ticket this page has just evaluated (until the next snapshot says so too)
let level = 0;
let reasonCode = null;
let screenTimer = null;
let messageTimer = null;
let refused = false; // the server refused the token: wait for a new one, do not reconnect
// request ids with a random prefix per page load (link.js): the server keeps an answer per
// device and id (protocol.md section 3), so a reloaded page or a second tab never reuses one
const link = new HallLink({
  prefix: "pad",
  onMessage: (m) => onMessage(m),
  onDown: () => {
    $("link").textContent = t("reconnecting");
    $("link").classList.add("down");
    return !refused;
  },
  reopen: () => connect(),
});
const send = (message, onAnswer) => link.send(message, onAnswer);

const $ = (id) => document.getElementById(id);
const t = (key, ...args) => {
  const v = (TEXTS[lang] || TEXTS.zh)[key];
  return typeof v === "function" ? v(...args) : v === undefined ? key : v;
};
const names = (n) => (n ? n[lang] || n.zh || n.en || "" : "");

// ------------------------------------------------------------------ the token
function takeToken() {
  const query = new URLSearchParams(location.search);
  const given = query.get("token");
  if (given) {
    localStorage.setItem(TOKEN_KEY, given);
    query.delete("token"); // kept in localStorage, not left in the address bar
    const rest = query.toString();
    history.replaceState(null, "", location.pathname + (rest ? "?" + rest : ""));
  }
  return localStorage.getItem(TOKEN_KEY);
}

// ------------------------------------------------------------------ the link
function connect() {
  const token = localStorage.getItem(TOKEN_KEY);
  if (!token) { show("setup"); return; }
  refused = false;
  link.open({ role: "pad", token }, onWelcome);
}

function onWelcome(answer) {
  if (answer.type === "welcome") {
    $("link").textContent = "";
    $("link").classList.remove("down");
    return;
  }
  if (answer.code === "auth_failed") localStorage.removeItem(TOKEN_KEY);
  refused = true;
  link.close();
  $("setup-error").textContent = answer.code === "auth_failed" ? t("tokenRefused") : errorText(answer);
  show("setup");
}

function onMessage(m) {
  const before = pad && mirror.counters.get(pad.counter);
  if (m.type === "snapshot") pad = m.pad || null;
  const update = mirror.apply(m);
  if (!update || !pad) return;
  if (update.topic === "snapshot") {
    if (!langChosen) lang = mirror.firstLanguage;
    if (evaluated && (!pad.awaiting || pad.awaiting.number !== evaluated)) evaluated = "";
  } else if (update.topic === "counters" && update.data.counter === pad.counter) {
    // the snapshot's `pad` part says which ticket awaits evaluation: ask again when the counter
    // finished a ticket or its clerk changed (protocol.md 4.3)
    if (!before || update.data.served_today !== before.served_today || update.data.clerk !== before.clerk) {
      send({ type: "snapshot" });
    }
  }
  draw();
}

function errorText(e) {
  const own = (TEXTS[lang] || TEXTS.zh).errors[e.code];
  if (own) return own;
  return (lang === "zh" ? e.message_zh : e.message) || e.message_zh || e.code;
}

// ------------------------------------------------------------------ evaluating
function awaiting() {
  if (!pad || !pad.awaiting || pad.awaiting.number === evaluated) return null;
  const finished = pad.awaiting.finished_at || 0;
  if (mirror.now() >= finished + pad.window_s) return null; // the server would say nothing_to_evaluate
  return pad.awaiting;
}

function evaluate(lvl, reason, note) {
  const ticket = awaiting();
  if (!ticket || !link.connected) return;
  const request = { type: "evaluate", level: lvl };
  if (reason) request.reason = reason;
  if (note) request.note = note;
  setBusy(true);
  send(request, (answer) => {
    setBusy(false);
    if (answer.type === "result") {
      evaluated = answer.data.ticket.number;
      say("");
      show("thanks");
      clearTimeout(screenTimer);
      screenTimer = setTimeout(backToIdle, THANKS_MS);
      return;
    }
    say(errorText(answer));
    if (answer.code === "already_evaluated" || answer.code === "nothing_to_evaluate") {
      evaluated = ticket.number;
      backToIdle(false);
    }
  });
}

function choose(lvl) {
  level = lvl;
  reasonCode = null;
  if (lvl <= 2) {
    $("note").value = "";
    show("reason");
  } else {
    evaluate(lvl, null, "");
  }
}

function backToIdle(clearMessage = true) {
  clearTimeout(screenTimer);
  level = 0;
  reasonCode = null;
  if (clearMessage) say("");
  langChosen = false;
  lang = mirror.firstLanguage;
  show("idle");
  if (link.connected) send({ type: "snapshot" });
}

function say(text) {
  $("message").textContent = text;
  clearTimeout(messageTimer);
  if (text) messageTimer = setTimeout(() => { $("message").textContent = ""; }, MESSAGE_MS);
}

function setBusy(busy) {
  for (const b of document.querySelectorAll("#rate button, #reason button")) b.disabled = busy;
}

// ------------------------------------------------------------------ drawing
function show(name) {
  screen = name;
  draw();
}

function draw() {
  document.documentElement.lang = lang;
  for (const node of document.querySelectorAll("[data-t]")) node.textContent = t(node.dataset.t);
  $("lang").textContent = t("language");
  const setup = screen === "setup";
  if (!setup) {
    const ticket = awaiting();
    if ((screen === "rate" || screen === "reason") && !ticket) screen = "idle";
    else if (screen === "idle" && ticket) screen = "rate";
  }
  for (const id of ["setup", "idle", "rate", "reason", "thanks"]) $(id).hidden = id !== screen;
  $("clerk-card").hidden = setup || !pad;
  if (!pad) return;
  const view = mirror.counters.get(pad.counter) || {};
  $("counter-name").textContent = names(view.name || pad.counter_name);
  const clerk = view.clerk || null;
  // The server names the clerk ({zh,en}): the pad's own part knows the account's name too.
  const shown = clerk === pad.clerk ? pad.clerk_name || view.clerk_name : view.clerk_name;
  $("clerk-name").textContent = clerk ? names(shown) || clerk : t("nobody");
  $("clerk-id").textContent = clerk || "—";
  $("clerk-card").querySelector(".clerk-id").hidden = !clerk;
  $("current").textContent = view.current ? view.current.number : "—";
  $("welcome").textContent = view.paused ? t("paused") : t("welcome");
  const ticket = awaiting();
  $("rate-title").textContent = ticket ? t("rateTitle", ticket.number) : "";
  const box = $("reasons");
  box.replaceChildren(...pad.reasons.map((r) => {
    const b = document.createElement("button");
    b.type = "button";
    b.dataset.reason = r.code;
    b.className = r.code === reasonCode ? "chosen" : "";
    b.textContent = names(r);
    b.addEventListener("click", () => { reasonCode = r.code; draw(); });
    return b;
  }));
  if (pathCounter && pad.counter !== pathCounter) say(t("wrongCounter", pad.counter));
}

// ------------------------------------------------------------------ wiring
for (const b of document.querySelectorAll("#rate .level")) {
  b.addEventListener("click", () => choose(Number(b.dataset.level)));
}
$("reason-send").addEventListener("click", () => evaluate(level, reasonCode, $("note").value.trim()));
$("reason-back").addEventListener("click", () => { reasonCode = null; show("rate"); });
$("lang").addEventListener("click", () => {
  lang = lang === "zh" ? "en" : "zh";
  langChosen = true;
  say("");
  draw();
});
$("setup-form").addEventListener("submit", (e) => {
  e.preventDefault();
  const token = $("token").value.trim();
  if (!token) return;
  localStorage.setItem(TOKEN_KEY, token);
  $("token").value = "";
  $("setup-error").textContent = "";
  show("idle");
  connect();
});
setInterval(() => { if (screen === "rate" || screen === "reason") draw(); }, 1000); // the window ends

takeToken();
show(localStorage.getItem(TOKEN_KEY) ? "idle" : "setup");
connect();
