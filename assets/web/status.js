// The ticket status page, live: follows one ticket over the websocket as a `visitor`
// (docs/protocol.md 4.1, 7.2). The server rendered the page whole; this script only keeps it
// current, rings and vibrates when the ticket is called, and tells the visitor when the
// chosen number of people are ahead (a browser notification, else a message on the page).
"use strict";
(function () {
  const main = document.getElementById("ticket");
  const S = JSON.parse(document.getElementById("strings").textContent);
  const $ = (id) => document.getElementById(id);
  const fill = (text, fields) => text.replace(/\{(\w+)\}/g, (m, k) => (k in fields ? String(fields[k]) : m));
  const day = main.dataset.day, number = main.dataset.number;
  let shown = null; // the last view drawn
  let threshold = null, told = false; // "tell me when N are ahead"
  let audio = null, retry = 1000, ids = 0;

  function unlockSound() { // browsers let a page make sound only after the visitor touched it
    if (audio) return;
    const Ctx = window.AudioContext || window.webkitAudioContext;
    if (Ctx) { audio = new Ctx(); audio.resume && audio.resume(); }
  }
  document.addEventListener("pointerdown", unlockSound, { once: false, passive: true });

  function ring() {
    if (audio) {
      const t0 = audio.currentTime;
      [0, 0.45, 0.9].forEach((at) => {
        const osc = audio.createOscillator(), gain = audio.createGain();
        osc.type = "sine"; osc.frequency.value = 880;
        gain.gain.setValueAtTime(0.0001, t0 + at);
        gain.gain.exponentialRampToValueAtTime(0.5, t0 + at + 0.03);
        gain.gain.exponentialRampToValueAtTime(0.0001, t0 + at + 0.35);
        osc.connect(gain).connect(audio.destination);
        osc.start(t0 + at); osc.stop(t0 + at + 0.4);
      });
    }
    if (navigator.vibrate) navigator.vibrate([400, 150, 400, 150, 400]);
  }

  function minutes(seconds) { return fill(S.minutes, { n: Math.max(1, Math.round(seconds / 60)) }); }

  function draw(v) {
    const before = shown;
    shown = v;
    main.dataset.state = v.state;
    const state = $("state");
    state.textContent = fill(S[v.state] || v.state, { counter: v.counter == null ? "" : v.counter });
    state.className = "state" + ({ called: " go", no_show: " over", expired: " over" }[v.state] || "");
    const waiting = v.state === "waiting";
    document.querySelectorAll(".waiting").forEach((el) => { el.hidden = !waiting; });
    if (waiting) {
      $("ahead").textContent = fill(S.ahead_n, { n: v.ahead });
      $("estimate").textContent = minutes(v.estimated_wait_s);
    }
    $("next").hidden = !(waiting && v.ahead === 0);
    $("notify").hidden = !waiting;
    const called = v.state === "called";
    if (called && (!before || before.state !== "called" || before.recalls !== v.recalls)) {
      if (before) ring(); // a call (or a recall) while the page is open; not a reload's first view
    }
    if (!waiting) alertText(""); // the "N ahead" message is over once the ticket stops waiting
    else if (told) alertText(fill(S.notify_now, { n: v.ahead })); // and it keeps counting down
    if (waiting && threshold !== null && !told && v.ahead <= threshold) tell(v.ahead);
  }

  function alertText(text) { const a = $("alert"); a.textContent = text; a.hidden = !text; }

  function tell(ahead) {
    told = true;
    const text = fill(S.notify_now, { n: ahead });
    alertText(text);
    ring();
    if (window.Notification && Notification.permission === "granted") {
      try { new Notification(number, { body: text, tag: "hallcall-" + number }); } catch (e) { /* Android wants a service worker */ }
    }
  }

  $("notify-set") && $("notify-set").addEventListener("click", async () => {
    unlockSound();
    const n = Math.max(0, Math.min(99, parseInt($("notify-n").value, 10) || 0));
    threshold = n; told = false;
    let allowed = false;
    if (window.Notification) {
      try { allowed = (await Notification.requestPermission()) === "granted"; } catch (e) { allowed = false; }
    }
    const said = $("notify-said");
    said.textContent = fill(S.notify_set, { n }) + (allowed ? "" : " " + S.notify_denied);
    said.dataset.allowed = allowed ? "yes" : "no";
    said.hidden = false;
    if (shown && shown.state === "waiting" && shown.ahead <= n) tell(shown.ahead);
  });

  function connect() {
    const ws = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/");
    let welcomed = false;
    ws.onopen = () => ws.send(JSON.stringify({ type: "hello", id: "v" + ++ids, role: "visitor", day, number }));
    ws.onmessage = (e) => {
      const m = JSON.parse(e.data);
      if (m.type === "welcome") { welcomed = true; retry = 1000; $("footer").textContent = $("footer").dataset.live; }
      else if (m.type === "snapshot" && m.visitor) draw(m.visitor);
      else if (m.type === "event" && m.topic === "visitor" && m.data.number === number) draw(m.data);
      else if (m.type === "error" && !welcomed) { ws.onclose = null; ws.close(); fallBack(); }
    };
    ws.onclose = () => {
      $("footer").textContent = S.offline;
      setTimeout(connect, retry);
      retry = Math.min(retry * 2, 15000);
    };
  }

  function fallBack() { setTimeout(() => location.reload(), 20000); } // as without JavaScript

  if (window.WebSocket) connect(); else fallBack();
  window.hallcallStatus = { view: () => shown };
})();
