// The supervisor console: signs in over the hall's websocket (link.js, signin.js), follows the
// hall with HallMirror (mirror.js, docs/protocol.md section 13) and draws it; every fact comes
// from the server.
"use strict";

const TEXTS = {
  zh: {
    title: "值班长控制台",
    signOut: "退出登录", language: "English", report: "报表", connected: "已连接", reconnecting: "正在重新连接…",
    counters: "窗口", counter: "窗口", clerk: "工作人员", state: "状态",
    current: "当前号码", servedToday: "今日已办", abClerks: "A岗 / B岗", services: "业务",
    service: "业务", waiting: "等候", estimate: "预计等候", longest: "最长等候", issued: "今日取号",
    served: "今日办结", warnings: "提醒", devices: "设备", notice: "公告", noticeZh: "中文公告",
    noticeEn: "英文公告", setNotice: "发布公告", clearNotice: "恢复默认公告",
    forceSignOut: "强制签退", forceSignOutDo: "签退", reason: "原因", ticketAction: "号码",
    ticketNumber: "如 A012", putBack: "放回队列", cancelTicket: "取消号码",
    idle: "空闲", calling: "呼叫中", serving: "办理中", paused: "暂停", out: "未登录",
    noWarnings: "暂无提醒", noDevices: "暂无设备报告", ok: "正常", fault: "故障",
    done: "已完成", noNumber: "请输入号码", noticeNone: "(无公告)",
    confirmSignOut: (c) => `确定将${c}强制签退吗?`,
    wait: (w, svc, c) => `${w.number} ${svc} 已等候 ${dur(w.waited_s)}(目标 ${dur(w.target_s)})${c ? " → " + c : ""}`,
    pauseLong: (w, c) => `${c} ${w.clerk || ""} 暂停已 ${dur(w.paused_s)}:${w.reason || ""}`,
    unstaffed: (w, c) => `${c} 无人值守${w.backups && w.backups.length ? ",可联系B岗:" + w.backups.join("、") : ""}`,
    deviceAbsent: (w, s) => `设备 ${w.device} 已断开 ${dur(s)}`,
    ago: (s) => `${dur(s)}前`, noticeSet: "公告已发布", noticeCleared: "已恢复默认公告",
    signedOut: (c) => `${c}已签退`, putBackDone: (n) => `${n} 已放回队列`, cancelled: (n) => `${n} 已取消`,
  },
  en: {
    title: "Supervisor console",
    signOut: "Sign out", language: "中文", report: "Report", connected: "Connected", reconnecting: "Reconnecting…",
    counters: "Counters", counter: "Counter", clerk: "Clerk", state: "State",
    current: "Current ticket", servedToday: "Served today", abClerks: "A / B clerks", services: "Services",
    service: "Service", waiting: "Waiting", estimate: "Est. wait", longest: "Longest wait", issued: "Issued",
    served: "Served", warnings: "Warnings", devices: "Devices", notice: "Notice", noticeZh: "中文公告",
    noticeEn: "English notice", setNotice: "Set notice", clearNotice: "Back to default",
    forceSignOut: "Force sign-out", forceSignOutDo: "Sign out", reason: "Reason", ticketAction: "Ticket",
    ticketNumber: "e.g. A012", putBack: "Put back", cancelTicket: "Cancel ticket",
    idle: "Idle", calling: "Calling", serving: "Serving", paused: "Paused", out: "Signed out",
    noWarnings: "No warnings", noDevices: "No device reports", ok: "OK", fault: "Fault",
    done: "Done", noNumber: "Enter a ticket number", noticeNone: "(no notice)",
    confirmSignOut: (c) => `Force ${c} to sign out?`,
    wait: (w, svc, c) => `${w.number} ${svc} has waited ${dur(w.waited_s)} (target ${dur(w.target_s)})${c ? " → " + c : ""}`,
    pauseLong: (w, c) => `${c}: ${w.clerk || ""} paused for ${dur(w.paused_s)}: ${w.reason || ""}`,
    unstaffed: (w, c) => `${c} has nobody signed in${w.backups && w.backups.length ? "; B clerks: " + w.backups.join(", ") : ""}`,
    deviceAbsent: (w, s) => `Device ${w.device} has been disconnected for ${dur(s)}`,
    ago: (s) => `${dur(s)} ago`, noticeSet: "Notice set", noticeCleared: "Notice back to default",
    signedOut: (c) => `${c} signed out`, putBackDone: (n) => `${n} put back`, cancelled: (n) => `${n} cancelled`,
  },
};

const mirror = new HallMirror();
let lang = localStorage.getItem("hallcall.console.lang") || localStorage.getItem("hallcall.console.hallLang") || "zh";
// request ids with a random prefix per page load (link.js): the server keeps a supervisor's
// answers by account and id (protocol.md section 3), so a reloaded page never reuses one
const link = new HallLink({
  prefix: "c",
  onMessage: (m) => onMessage(m),
  onDown: () => { showLink(false); return session.signedIn; },
  reopen: () => session.resume(),
});
const session = new SupervisorSignIn({
  section: document.getElementById("signin"),
  link,
  lang: () => lang,
  onSignedIn: (name) => { $("who").textContent = name; },
  onSignIn: () => {
    $("console").hidden = true;
    $("sign-out").hidden = true;
    $("link").textContent = "";
    $("who").textContent = "";
  },
});
const send = (message, onAnswer) => link.send(message, onAnswer);
const errorText = (e) => session.errorText(e);

const $ = (id) => document.getElementById(id);
const t = (key, ...args) => {
  const v = (TEXTS[lang] || TEXTS.zh)[key];
  return typeof v === "function" ? v(...args) : v === undefined ? key : v;
};
const names = (n) => (n ? n[lang] || n.zh || n.en || "" : "");
// A clerk as the server names them (`clerk_name`, the hall's [[clerks]] entry), else the login id.
const clerkName = (name, login) => names(name) || login;

function dur(seconds) {
  const s = Math.max(0, Math.round(seconds || 0));
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
  if (h) return lang === "zh" ? `${h}小时${m}分` : `${h} h ${m} min`;
  if (m) return lang === "zh" ? `${m}分${String(r).padStart(2, "0")}秒` : `${m} min ${String(r).padStart(2, "0")} s`;
  return lang === "zh" ? `${r}秒` : `${r} s`;
}

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") node.className = v;
    else node.setAttribute(k, v);
  }
  for (const c of children) node.append(c instanceof Node ? c : document.createTextNode(String(c ?? "")));
  return node;
}

// ------------------------------------------------------------------ what the server says
function onMessage(m) {
  if (m.type === "event" && m.topic === "session" && m.name === "ended") {
    session.ended();
    return;
  }
  if (m.type === "event" && m.topic === "bookings") {
    bookings.changed(m.data.booking || m.data); // the appointments panel, bookings.js
    return;
  }
  const update = mirror.apply(m);
  if (!update) return;
  if (update.topic === "snapshot") {
    localStorage.setItem("hallcall.console.hallLang", mirror.firstLanguage);
    if (!localStorage.getItem("hallcall.console.lang")) lang = mirror.firstLanguage;
    showConsole();
    bookings.load(mirror.day);
  }
  render();
}

// ------------------------------------------------------------------ screens
function applyTexts() {
  document.documentElement.lang = lang;
  for (const node of document.querySelectorAll("[data-t]")) node.textContent = t(node.dataset.t);
  for (const node of document.querySelectorAll("[data-ph]")) node.placeholder = t(node.dataset.ph);
  $("lang").textContent = t("language");
  document.title = `${t("title")} · hallcall`;
  session.applyTexts();
  showLink(linkUp);
}

function showConsole() {
  session.hide();
  $("console").hidden = false;
  $("sign-out").hidden = false;
  showLink(true);
}

let linkUp = true; // said again in the other language when the language changes

function showLink(up) {
  linkUp = up;
  if (!session.signedIn) return;
  $("link").textContent = up ? t("connected") : t("reconnecting");
  $("link").className = up ? "link" : "link down";
}

function counterLabel(number) {
  const info = mirror.counterInfo(number);
  return info ? names(info.name) : String(number);
}

function counterState(c) {
  if (!c.clerk) return "out";
  if (c.paused) return "paused";
  if (c.current && c.current.state === "called") return "calling";
  if (c.current && c.current.state === "serving") return "serving";
  return "idle";
}

function render() {
  if (!mirror.loaded) return;
  applyTexts();
  const now = mirror.now();
  $("hall-name").textContent = `${names(mirror.hall.name)} · ${t("title")}`;
  const clock = new Date(now * 1000);
  $("clock").textContent = clock.toLocaleTimeString(lang === "zh" ? "zh-CN" : "en-GB", { timeZone: mirror.hall.timezone, hour12: false });
  const notice = names(mirror.notice);
  $("notice").textContent = `${t("notice")}: ${notice || t("noticeNone")}`;

  const rows = [];
  for (const c of mirror.counters.values()) {
    const info = mirror.counterInfo(c.counter) || { clerks: [], backups: [] };
    const state = counterState(c);
    let stateText = t(state);
    if (state === "paused") stateText += c.pause_reason ? ` · ${c.pause_reason}` : "";
    const current = c.current;
    const since = current ? (current.state === "serving" ? current.serving_at : current.called_at) : null;
    const stateCell = el("td", {}, el("span", { class: `state ${state}` }, stateText));
    if (state === "paused" && c.paused_at) stateCell.append(el("div", { class: "small" }, dur(now - c.paused_at)));
    const role = c.clerk && info.backups.includes(c.clerk) ? " (B)" : c.clerk && info.clerks.includes(c.clerk) ? " (A)" : "";
    rows.push(el("tr", { "data-counter": c.counter },
      el("td", {}, el("span", { class: "counter-name" }, counterLabel(c.counter))),
      el("td", { title: c.clerk || "" }, c.clerk ? clerkName(c.clerk_name, c.clerk) + role : "—"),
      stateCell,
      el("td", {}, current ? el("span", { class: "ticket" }, current.number) : "—",
        current && since ? el("span", { class: "small" }, `  ${dur(now - since)}`) : ""),
      el("td", { class: "num" }, c.served_today),
      clerksCell(info, c.clerk)));
  }
  $("counter-rows").replaceChildren(...rows);

  const srows = [];
  for (const s of mirror.services.values()) {
    const info = mirror.serviceInfo(s.service);
    const longest = s.oldest_waiting_since ? now - s.oldest_waiting_since : null;
    const late = info && info.target_wait_s && longest !== null && longest >= info.target_wait_s;
    srows.push(el("tr", { "data-service": s.service, class: late ? "late" : "" },
      el("td", {}, info ? `${info.prefix} ${names(info.name)}` : s.service),
      el("td", { class: "num" }, s.waiting),
      el("td", { class: "num" }, s.waiting ? dur(s.estimated_wait_s) : "—"),
      el("td", { class: "num longest" }, longest === null ? "—" : dur(longest)),
      el("td", { class: "num" }, s.issued),
      el("td", { class: "num" }, s.finished)));
  }
  $("service-rows").replaceChildren(...srows);

  const warnings = [...mirror.warnings.values()].sort((a, b) => b.level - a.level || a.raised_at - b.raised_at);
  $("warning-count").textContent = warnings.length ? String(warnings.length) : "";
  $("warning-list").replaceChildren(...(warnings.length ? warnings.map((w) => {
    const svc = mirror.serviceInfo(w.service);
    let text;
    if (w.kind === "wait") text = t("wait", w, svc ? names(svc.name) : w.service || "", w.counter ? counterLabel(w.counter) : "");
    else if (w.kind === "pause_long") text = t("pauseLong", w, counterLabel(w.counter));
    else if (w.kind === "unstaffed") text = t("unstaffed", w, counterLabel(w.counter));
    else if (w.kind === "device_absent") text = t("deviceAbsent", w, Math.max(0, now - w.since));
    else text = w.key;
    const acked = w.acknowledged_by !== undefined;
    // the age and the button float right on the first line, so every row reads alike and the words
    // take the rest of the width
    const li = el("li", { class: `level${w.level}${acked ? " acknowledged" : ""}`, "data-key": w.key },
      el("span", { class: "age" }, t("ago", now - w.raised_at)));
    if (acked) li.append(text, el("span", { class: "acked" }, t("ackedBy", w.acknowledged_by, now - w.acknowledged_at)));
    else {
      const button = el("button", { class: "ack", type: "button" }, t("acknowledge"));
      button.addEventListener("click", () => send({ type: "acknowledge", key: w.key }, (a) => { if (a.type === "error") report(a, ""); }));
      li.append(button, text);
    }
    return li;
  }) : [el("li", { class: "none" }, t("noWarnings"))]));

  const devices = [...mirror.devices.values()];
  $("device-list").replaceChildren(...(devices.length ? devices.map((d) =>
    el("li", { class: d.state, "data-device": d.device }, el("span", { class: "age" }, t("ago", now - d.at)),
      `${d.device} (${d.role}) — ${t(d.state)}${names(d.text) ? ": " + names(d.text) : ""}`,
      d.detail ? el("span", { class: "small detail" }, ` (${d.detail})`) : "")) : [el("li", { class: "none" }, t("noDevices"))]));
  drawPresence();

  const select = $("signout-counter");
  const chosen = select.value;
  select.replaceChildren(...[...mirror.counters.values()].filter((c) => c.clerk).map((c) =>
    el("option", { value: c.counter }, `${counterLabel(c.counter)} · ${clerkName(c.clerk_name, c.clerk)}`)));
  if ([...select.options].some((o) => o.value === chosen)) select.value = chosen;
}

// resetting a clerk's password (protocol.md 6.26): a button beside each clerk of a counter (its A
// and B clerks, and whoever is signed in there); the one-time password is shown once, to hand over
Object.assign(TEXTS.zh, {
  resetPassword: "重置密码",
  confirmReset: (c) => `确定为 ${c} 重置密码吗?其下次登录时须设置新密码。`,
  resetDone: (c, w) => `${c} 的一次性密码:${w}(请当面交给本人;其下次登录时须设置新密码)`,
});
Object.assign(TEXTS.en, {
  resetPassword: "Reset password",
  confirmReset: (c) => `Reset the password of ${c}? They set a new one at their next sign-in.`,
  resetDone: (c, w) => `One-time password for ${c}: ${w} (hand it over in person; they set their own at the next sign-in)`,
});

function resetButton(login) {
  const button = el("button", { class: "reset-password", type: "button", "data-clerk": login,
    style: "font-size: 0.8em; padding: 0 6px; margin-left: 4px; min-height: 0" }, t("resetPassword"));
  button.addEventListener("click", () => {
    if (!window.confirm(t("confirmReset", login))) return;
    send({ type: "reset_password", clerk: login },
      (a) => report(a, a.type === "error" ? "" : t("resetDone", login, a.data.one_time_password)));
  });
  return button;
}

// a long list of B clerks wraps between clerks, never between a clerk and their button, so the
// counters table stays inside its panel
function clerksCell(info, signedIn) {
  const td = el("td", { class: "small ab-clerks" });
  const clerk = (login) => el("span", { class: "clerk" }, login, resetButton(login));
  const line = (label, logins) => {
    td.append(`${label}: `);
    if (!logins.length) td.append("—");
    logins.forEach((login, i) => td.append(i ? ", " : "", clerk(login)));
  };
  line("A", info.clerks);
  td.append(el("br"));
  line("B", info.backups);
  if (signedIn && !info.clerks.includes(signedIn) && !info.backups.includes(signedIn)) {
    td.append(el("br"), clerk(signedIn));
  }
  return td;
}

// acknowledging a warning (protocol.md 6.24): it stays listed, muted, until its cause clears
Object.assign(TEXTS.zh, { acknowledge: "知悉", ackedBy: (who, s) => `${who} 已知悉(${dur(s)}前)` });
Object.assign(TEXTS.en, { acknowledge: "Acknowledge", ackedBy: (who, s) => `acknowledged by ${who} ${dur(s)} ago` });

// ------------------------------------------------------------------ device presence (protocol.md 5.9)
// Beside each device's last reported status: connected now, or disconnected since HH:MM, as the
// server pushes it the moment a kiosk, display or pad connects or goes away.
Object.assign(TEXTS.zh, { online: "已连接", offlineSince: (hm) => `${hm} 起断开`, neverSeen: "未连接" });
Object.assign(TEXTS.en, { online: "connected now", offlineSince: (hm) => `disconnected since ${hm}`, neverSeen: "not connected" });

function hhmm(at) {
  return new Date(at * 1000).toLocaleTimeString(lang === "zh" ? "zh-CN" : "en-GB",
    { timeZone: mirror.hall.timezone, hour: "2-digit", minute: "2-digit", hour12: false });
}

function drawPresence() {
  const list = $("device-list");
  if (mirror.presence.size) for (const none of list.querySelectorAll("li.none")) none.remove();
  for (const p of mirror.presence.values()) {
    let li = [...list.children].find((n) => n.dataset.device === p.device);
    if (!li) { // connected or not, but no status reported yet
      li = el("li", { "data-device": p.device }, `${p.device} (${p.role})`);
      list.append(li);
    }
    li.dataset.connected = p.connected ? "yes" : "no";
    const said = p.connected ? t("online") : p.since ? t("offlineSince", hhmm(p.since)) : t("neverSeen");
    li.append(el("span", { class: `presence ${p.connected ? "up" : "gone"}` }, said));
  }
}

// ------------------------------------------------------------------ actions
function report(answer, good) {
  const node = $("action-result");
  if (answer.type === "error") {
    node.textContent = errorText(answer);
    node.className = "result bad";
  } else {
    node.textContent = good;
    node.className = "result good";
  }
}

function ticketNumber() {
  const number = $("ticket-number").value.trim().toUpperCase();
  if (!number) report({ type: "error", code: "", message: t("noNumber"), message_zh: t("noNumber") });
  return number;
}

$("sign-out").addEventListener("click", () => session.signOut());
$("lang").addEventListener("click", () => {
  lang = lang === "zh" ? "en" : "zh";
  localStorage.setItem("hallcall.console.lang", lang);
  applyTexts();
  render();
});
$("notice-form").addEventListener("submit", (e) => {
  e.preventDefault();
  send({ type: "notice", zh: $("notice-zh").value.trim(), en: $("notice-en").value.trim() }, (a) => report(a, t("noticeSet")));
});
$("notice-clear").addEventListener("click", () => {
  $("notice-zh").value = $("notice-en").value = "";
  send({ type: "notice", zh: "", en: "" }, (a) => report(a, t("noticeCleared")));
});
$("signout-form").addEventListener("submit", (e) => {
  e.preventDefault();
  const counter = Number($("signout-counter").value);
  if (!counter || !window.confirm(t("confirmSignOut", counterLabel(counter)))) return;
  send({ type: "force_sign_out", counter, reason: $("signout-reason").value.trim() }, (a) => report(a, t("signedOut", counterLabel(counter))));
});
$("ticket-form").addEventListener("submit", (e) => {
  e.preventDefault();
  const number = ticketNumber();
  if (number) send({ type: "put_back", number }, (a) => report(a, t("putBackDone", number)));
});
$("cancel").addEventListener("click", () => {
  const number = ticketNumber();
  if (number) send({ type: "cancel", number, reason: $("ticket-reason").value.trim() }, (a) => report(a, t("cancelled", number)));
});

// ------------------------------------------------------------------ ticket journey (issue 12)
// The `ticket` request's journey (protocol.md 6.3), drawn as it comes: after_s is the server's.
Object.assign(TEXTS.zh, {
  journeyTitle: "号码轨迹", journeyDay: "日期 YYYY-MM-DD", journeyShow: "查询", journeyAt: "时间",
  journeyAction: "步骤", journeyAfter: "距上一步",
  journeyHead: (n, d) => `${n}(${d})`,
  journeyLongest: (d, a, where) => `最长间隔:${where ? where + " " : ""}${a}前等了 ${d}`,
  journeyNoGap: "各步之间没有间隔",
  journeyErr: { bad_field: () => "日期格式应为 YYYY-MM-DD。", no_number: () => t("noNumber") },
  actions: {
    issue: "取号", call: "叫号", call_number: "指定叫号", recall: "重呼", serve: "开始办理", finish: "办结",
    no_show: "过号", put_back: "放回队列", transfer: "转办", hold: "挂起", call_back: "回呼", cancel: "取消",
    expire: "作废", evaluate: "评价", device_ok: "已出票", device_fault: "未能打印,号码在屏幕上",
  },
  neverShown: "无人看到此号(取号机未出示),已自动取消",
});
Object.assign(TEXTS.en, {
  journeyTitle: "Ticket journey", journeyDay: "Day YYYY-MM-DD", journeyShow: "Show", journeyAt: "Time",
  journeyAction: "Step", journeyAfter: "After previous",
  journeyHead: (n, d) => `${n} (${d})`,
  journeyLongest: (d, a, where) => `Longest: ${d} waiting before the ${a}${where ? " at " + where : ""}`,
  journeyNoGap: "No time passed between the steps",
  journeyErr: {
    unknown_ticket: (e) => `There is no ticket ${e.details.number}${e.details.day ? " on " + e.details.day : " today"}.`,
    bad_field: () => "The day must be written YYYY-MM-DD.", no_number: () => t("noNumber"),
  },
  actions: {
    issue: "issue", call: "call", call_number: "call by number", recall: "recall", serve: "start of service",
    finish: "finish", no_show: "no-show", put_back: "put back", transfer: "transfer", hold: "hold",
    call_back: "call back", cancel: "cancel", expire: "expiry", evaluate: "evaluation",
    device_ok: "ticket handed out", device_fault: "not printed, number on screen",
  },
  neverShown: "seen by nobody (the kiosk never showed it): cancelled",
});

let journey = null; // the latest answer to the journey form: result or error

function actionText(action) {
  return (TEXTS[lang] || TEXTS.zh).actions[action] || action;
}

function renderJourney() {
  const error = $("journey-error");
  const panel = $("journey-panel");
  if (!journey) { error.textContent = ""; panel.hidden = true; return; }
  if (journey.type === "error") {
    const own = t("journeyErr")[journey.code];
    error.textContent = own ? own(journey) : errorText(journey); // zh: the server's own sentence
    panel.hidden = true;
    return;
  }
  error.textContent = "";
  const steps = journey.journey || [];
  let longest = -1;
  steps.forEach((s, i) => { if (s.after_s > 0 && (longest < 0 || s.after_s > steps[longest].after_s)) longest = i; });
  const timeOf = (at) => new Date(at * 1000).toLocaleTimeString(lang === "zh" ? "zh-CN" : "en-GB",
    { timeZone: mirror.hall ? mirror.hall.timezone : undefined, hour12: false });
  const where = (s) => [s.counter ? counterLabel(s.counter) : "", s.clerk ? `(${clerkName(s.clerk_name, s.clerk)})` : ""].filter(Boolean).join(" ");
  $("journey-rows").replaceChildren(...steps.map((s, i) => {
    let reason = s.reason || "";
    if (s.action === "cancel" && s.reason === "never_shown") reason = t("neverShown");
    else if (s.action.startsWith("device_")) reason = (s.detail && s.detail.device) || "";  // which kiosk
    if (s.action === "transfer" && s.detail && s.detail.to_service) {
      const svc = mirror.serviceInfo(s.detail.to_service);
      reason = `→ ${svc ? names(svc.name) : s.detail.to_service}${s.detail.to_counter ? " / " + counterLabel(s.detail.to_counter) : ""}${reason ? " · " + reason : ""}`;
    }
    return el("tr", { class: i === longest ? "longest" : "", "data-action": s.action },
      el("td", {}, timeOf(s.at)),
      el("td", { class: "action" }, actionText(s.action)),
      el("td", { class: "who" }, s.counter ? counterLabel(s.counter) : "—"),
      el("td", { class: "who", title: s.clerk || "" }, s.clerk ? clerkName(s.clerk_name, s.clerk) : "—"),
      el("td", {}, reason),
      el("td", { class: "after" }, i === 0 ? "—" : dur(s.after_s)));
  }));
  const head = t("journeyHead", journey.ticket.number, journey.day);
  const summary = $("journey-summary");
  if (longest >= 0) {
    const s = steps[longest];
    summary.textContent = `${head} · ${t("journeyLongest", dur(s.after_s), actionText(s.action), where(s))}`;
    summary.className = "summary late";
  } else {
    summary.textContent = `${head} · ${t("journeyNoGap")}`;
    summary.className = "summary";
  }
  panel.hidden = false;
}

$("journey-form").addEventListener("submit", (e) => {
  e.preventDefault();
  const number = $("journey-number").value.trim().toUpperCase();
  const day = $("journey-day").value.trim();
  if (!number) {
    journey = { type: "error", code: "no_number" };
    renderJourney();
    return;
  }
  send({ type: "ticket", number, ...(day ? { day } : {}) }, (a) => {
    journey = a.type === "error" ? a : { type: "result", ...a.data };
    renderJourney();
  });
});
$("lang").addEventListener("click", renderJourney);

setInterval(render, 1000); // durations and the clock run on locally; nothing is asked of the server
applyTexts();
session.start();
