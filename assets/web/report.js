// The supervisor's report page (/console/report): signs in like the console (signin.js: the same
// session token in sessionStorage, over link.js), asks the server's `report` request and draws its
// answer as tables, two Chart.js charts (vendored: /console/vendor/chart.umd.js) and CSV
// downloads.  The columns and their headings come from Python (window.REPORT_COLUMNS,
// /console/report-columns.js, generated from hallcall.server.reports) so the CSV equals
// `hallcall report --csv --bom` for the same range: UTF-8 with a byte-order mark, which Excel
// needs to read Chinese, and the days in the file's name written YYYY-MM-DD.
"use strict";

const TEXTS = {
  zh: {
    title: "报表",
    language: "English", toConsole: "返回控制台", from: "起始日", to: "截止日", by: "分组",
    service: "按服务", counter: "按窗口", clerk: "按工作人员", show: "查询", today: "今天", print: "打印",
    csv: "下载 CSV", hourlyChart: "每小时到达与平均等候", counterChart: "各窗口办结与平均办理",
    hoursTable: "时段", countersTable: "各窗口", loading: "正在查询…", none: "所选日期没有数据",
    arrivals: "到达", meanWait: "平均等候(分)", served: "办结", meanHandling: "平均办理(分)",
  },
  en: {
    title: "Report",
    language: "中文", toConsole: "Back to console", from: "From", to: "To", by: "Group by",
    service: "Service", counter: "Counter", clerk: "Clerk", show: "Show", today: "Today", print: "Print",
    csv: "Download CSV", hourlyChart: "Arrivals and mean wait per hour", counterChart: "Served and mean handling per counter",
    hoursTable: "Hours", countersTable: "Counters", loading: "Asking the server…", none: "No figures for these days",
    arrivals: "Arrivals", meanWait: "Mean wait (min)", served: "Served", meanHandling: "Mean handling (min)",
  },
};

const COLUMNS = window.REPORT_COLUMNS;
let lang = localStorage.getItem("hallcall.console.lang") || localStorage.getItem("hallcall.console.hallLang") || "zh";
let hall = null;
let day = null; // the hall's business day, from the snapshot
let answer = null; // the last report answer, drawn and turned into CSV
const charts = {};
const link = new HallLink({
  prefix: "r",
  onMessage: (m) => {
    if (m.type === "snapshot") onSnapshot(m);
    else if (m.type === "event" && m.topic === "session" && m.name === "ended") session.ended();
  },
  onDown: () => session.signedIn,
  reopen: () => session.resume(),
});
const session = new SupervisorSignIn({ // shared with the console: the same tab keeps one sign-in
  section: document.getElementById("signin"),
  link,
  lang: () => lang,
  onSignedIn: (name) => { $("who").textContent = name; },
  onSignIn: () => { $("report").hidden = true; $("who").textContent = ""; },
});
const send = (message, onAnswer) => link.send(message, onAnswer);

const $ = (id) => document.getElementById(id);
const t = (key) => (TEXTS[lang] || TEXTS.zh)[key] ?? key;
const head = () => COLUMNS.head[lang] || COLUMNS.head.zh;
const nameOf = (row) => (row.name ? row.name[lang] || row.name.zh || row.key : row.key);

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  for (const c of children) node.append(c instanceof Node ? c : document.createTextNode(String(c ?? "")));
  return node;
}

// ------------------------------------------------------------------ numbers as the CLI writes them
// Python's csv module writes a float with repr(): 3.0 -> "3.0", 0.25 -> "0.25"; JSON drops the ".0".
const pyFloat = (x) => (Number.isInteger(x) ? x.toFixed(1) : String(x));
const minutes = (x) => x.toFixed(1); // the CLI's table: one decimal
const share = (x) => (x === null || x === undefined ? "—" : `${(x * 100).toFixed(1)}%`);

const count = (x) => (x === null ? "—" : x); // a count the grouping lacks (issued by counter…)
const blank = (x) => (x === null ? "" : x); // a CSV field with nothing to count

function groupCells(row) { // the CLI's table cells (launch/report.py _cells)
  return [nameOf(row), count(row.issued), row.served, row.no_shows, row.transfers, count(row.appointments),
    count(row.appointment_no_shows), minutes(row.mean_wait_minutes), minutes(row.p90_wait_minutes),
    minutes(row.mean_handling_minutes), minutes(row.p90_handling_minutes), share(row.within_target),
    ...row.evaluations, share(row.satisfaction)];
}

function groupCsv(row) { // the CLI's CSV fields (launch/report.py to_csv), in COLUMNS.csv order
  const v = {
    key: row.key, name: row.name[lang] || row.name.zh, issued: blank(row.issued),
    served: row.served, no_shows: row.no_shows, transfers: row.transfers,
    appointments: blank(row.appointments), appointment_no_shows: blank(row.appointment_no_shows),
    mean_wait_minutes: pyFloat(row.mean_wait_minutes), p90_wait_minutes: pyFloat(row.p90_wait_minutes),
    mean_handling_minutes: pyFloat(row.mean_handling_minutes), p90_handling_minutes: pyFloat(row.p90_handling_minutes),
    within_target: row.within_target === null ? "" : pyFloat(row.within_target),
    satisfaction: row.satisfaction === null ? "" : pyFloat(row.satisfaction),
  };
  row.evaluations.forEach((n, i) => { v[`eval_${i + 1}`] = n; });
  return COLUMNS.csv.map((c) => v[c]);
}

function csvText(header, rows) { // RFC 4180 like Python's csv.writer: quote when needed, CRLF
  const cell = (x) => {
    const s = String(x ?? "");
    return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  return [header, ...rows].map((r) => r.map(cell).join(",") + "\r\n").join("");
}

function csvOf(which) {
  if (which === "groups") return csvText(COLUMNS.csv, [...answer.rows, answer.total].map(groupCsv));
  if (which === "hours") return csvText(COLUMNS.hours_csv, answer.hours.map((h) => COLUMNS.hours_csv.map((c) => (c === "hour" ? h.hour : pyFloatIf(h[c])))));
  return csvText(COLUMNS.counters_csv, answer.counters.map((g) => COLUMNS.counters_csv.map((c) => pyFloatIf(g[c]))));
}
const pyFloatIf = (x) => (typeof x === "number" && !Number.isInteger(x) ? String(x) : x);

const BOM = "\ufeff"; // as `hallcall report --csv --bom`: Excel reads the file as UTF-8 only with it

function download(which) {
  if (!answer) return;
  const text = BOM + csvOf(which);
  const blob = new Blob([text], { type: "text/csv;charset=utf-8" });
  const a = el("a", { href: URL.createObjectURL(blob), download: `hallcall-report-${which}-${answer.from}_${answer.to}-${answer.by}.csv` });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 10000);
}

// ------------------------------------------------------------------ the hall and the report
function onSnapshot(snap) {
  hall = snap.hall;
  day = snap.day;
  if (!localStorage.getItem("hallcall.console.lang") && hall.languages && hall.languages.length) lang = hall.languages[0];
  session.hide();
  $("report").hidden = false;
  if (!$("from").value) { $("from").value = day; $("to").value = day; ask(); }
  applyTexts();
}

function ask() {
  const from = $("from").value, to = $("to").value || from;
  $("status").textContent = t("loading");
  send({ type: "report", from, to, by: $("by").value }, (m) => {
    if (m.type === "error") {
      $("status").textContent = (lang === "zh" ? m.message_zh : m.message) || m.code;
      return;
    }
    answer = m.data;
    $("status").textContent = answer.total.issued || answer.total.served ? "" : t("none");
    draw();
  });
}

// ------------------------------------------------------------------ drawing
function applyTexts() {
  document.documentElement.lang = lang;
  for (const node of document.querySelectorAll("[data-t]")) node.textContent = t(node.dataset.t);
  $("lang").textContent = t("language");
  const hallName = hall && hall.name ? hall.name[lang] || hall.name.zh : "hallcall";
  $("title").textContent = `${hallName} · ${t("title")}`;
  document.title = `${t("title")} · hallcall`;
  session.applyTexts();
  if (answer) draw();
}

function fillTable(id, header, rows, totalLast) {
  const table = $(id);
  table.tHead.replaceChildren(el("tr", {}, ...header.map((h, j) => el("th", j ? { class: "num" } : {}, h))));
  table.tBodies[0].replaceChildren(...rows.map((r, i) => {
    const tr = el("tr", totalLast && i === rows.length - 1 ? { class: "total" } : {});
    r.forEach((c, j) => tr.append(el("td", j ? { class: "num" } : {}, c)));
    return tr;
  }));
}

function draw() {
  const h = head();
  $("range").textContent = h.title.replace("{first}", answer.from).replace("{last}", answer.to).replace("{by}", h[answer.by]);
  $("groups-title").textContent = h[answer.by];
  const rows = [...answer.rows, answer.total];
  fillTable("groups", [h[answer.by], ...h.cols], rows.map(groupCells), true);
  [...$("groups").tBodies[0].rows].forEach((tr, i) => tr.setAttribute("data-key", rows[i].key));
  fillTable("hours", h.hours, answer.hours.map((x) => [`${String(x.hour).padStart(2, "0")}:00`, x.arrivals, minutes(x.mean_wait_minutes)]), false);
  fillTable("counters", h.counters, answer.counters.map((g) => [counterName(g.key), g.served, minutes(g.mean_handling_minutes)]), false);
  drawCharts();
}

function counterName(key) {
  const c = hall && hall.counters ? hall.counters.find((x) => String(x.number) === String(key)) : null;
  return c && c.name ? c.name[lang] || c.name.zh || key : key;
}

function chart(id, config) {
  if (charts[id]) charts[id].destroy();
  charts[id] = new Chart($(id), config);
}

function drawCharts() {
  Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
  Chart.defaults.font.size = 15;
  Chart.defaults.color = "#1b1e23";
  const common = { responsive: true, maintainAspectRatio: false, animation: false,
    plugins: { legend: { position: "bottom" } } };
  chart("hours-chart", {
    data: {
      labels: answer.hours.map((x) => `${String(x.hour).padStart(2, "0")}:00`),
      datasets: [
        { type: "line", label: t("meanWait"), data: answer.hours.map((x) => x.mean_wait_minutes), borderColor: "#b3261e",
          backgroundColor: "#b3261e", yAxisID: "y1", tension: 0.2, borderWidth: 3, order: 0 },
        { type: "bar", label: t("arrivals"), data: answer.hours.map((x) => x.arrivals), backgroundColor: "#7ea6e0", yAxisID: "y", order: 1 },
      ],
    },
    options: { ...common, scales: {
      y: { beginAtZero: true, grace: "10%", position: "left", title: { display: true, text: t("arrivals") }, ticks: { precision: 0 } },
      y1: { beginAtZero: true, grace: "10%", position: "right", grid: { drawOnChartArea: false }, title: { display: true, text: t("meanWait") } },
    } },
  });
  chart("counters-chart", {
    data: {
      labels: answer.counters.map((g) => counterName(g.key)),
      datasets: [
        { type: "bar", label: t("served"), data: answer.counters.map((g) => g.served), backgroundColor: "#1d6b3a", yAxisID: "y" },
        { type: "bar", label: t("meanHandling"), data: answer.counters.map((g) => g.mean_handling_minutes), backgroundColor: "#d89b00", yAxisID: "y1" },
      ],
    },
    options: { ...common, scales: {
      y: { beginAtZero: true, grace: "10%", position: "left", title: { display: true, text: t("served") }, ticks: { precision: 0 } },
      y1: { beginAtZero: true, grace: "10%", position: "right", grid: { drawOnChartArea: false }, title: { display: true, text: t("meanHandling") } },
    } },
  });
}

// ------------------------------------------------------------------ controls
$("report-form").addEventListener("submit", (e) => { e.preventDefault(); ask(); });
$("today").addEventListener("click", () => { if (day) { $("from").value = day; $("to").value = day; ask(); } });
$("print").addEventListener("click", () => window.print());
$("by").addEventListener("change", ask);
for (const b of document.querySelectorAll("button.csv")) b.addEventListener("click", () => download(b.dataset.csv));
$("lang").addEventListener("click", () => {
  lang = lang === "zh" ? "en" : "zh";
  localStorage.setItem("hallcall.console.lang", lang);
  applyTexts();
});
// charts are redrawn at the page's width before printing (A4) and after
window.addEventListener("beforeprint", () => { for (const c of Object.values(charts)) c.resize(); });
window.addEventListener("afterprint", () => { for (const c of Object.values(charts)) c.resize(); });

applyTexts();
session.start();
