// The ticket status page, live: follows one ticket over the websocket as a `visitor`
// (docs/protocol.md 4.1, 7.2; the link is link.js, inlined before this). The server rendered the
// page whole; this script only keeps it current, rings and vibrates when the ticket is called,
// tells the visitor when the chosen number of people are ahead (a browser notification, else a
// message on the page), and, on the page opened from the ticket's QR link (its key), sends the
// five-level evaluation once the server says the ticket may be evaluated (`evaluable`).
"use strict";
(function () {
  const main = document.getElementById("ticket");
  const S = JSON.parse(document.getElementById("strings").textContent);
  const $ = (id) => document.getElementById(id);
  const fill = (text, fields) => text.replace(/\{(\w+)\}/g, (m, k) => (k in fields ? String(fields[k]) : m));
  const day = main.dataset.day, number = main.dataset.number, key = main.dataset.key || "";
  let shown = null; // the last view drawn
  let threshold = null, told = false; // "tell me when N are ahead"
  let audio = null, gaveUp = false;
  let level = 0, reason = null, thanked = false; // the evaluation being given, and whether it was taken

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
    drawRating(v);
  }

  // ------------------------------------------------------------------ the evaluation (key holder only)
  function drawRating(v) {
    const rate = $("rate"), rated = $("rated");
    if (!rate) return; // the address had no key (or a wrong one): no evaluation here
    rate.hidden = thanked || !v.evaluable;
    if (thanked) rated.textContent = S.thanks;
    rated.hidden = !thanked && (v.evaluable || v.state !== "done");
  }

  function sayRating(text) { const p = $("rate-said"); p.textContent = text; p.hidden = !text; }

  function choose(n) {
    level = n;
    reason = null;
    sayRating("");
    if (n <= 2) { // a reason, as at the counter's pad
      $("levels").hidden = true;
      $("reason").hidden = false;
      document.querySelectorAll("#reason .why").forEach((b) => b.classList.remove("chosen"));
    } else {
      evaluate("");
    }
  }

  function evaluate(note) {
    const request = { type: "evaluate", level };
    if (reason) request.reason = reason;
    if (note) request.note = note;
    const sent = link.send(request, (a) => {
      if (a.type === "result") {
        thanked = true;
        if (shown) drawRating(shown);
        return;
      }
      sayRating(S["err_" + a.code] || S.err_other);
      if (a.code === "already_evaluated") { $("rate").hidden = true; $("rated").hidden = false; }
    });
    if (sent === null) sayRating(S.offline);
  }

  if ($("rate")) {
    document.querySelectorAll("#levels .level").forEach((b) => b.addEventListener("click", () => choose(Number(b.dataset.level))));
    document.querySelectorAll("#reason .why").forEach((b) => b.addEventListener("click", () => {
      reason = b.dataset.reason;
      document.querySelectorAll("#reason .why").forEach((o) => o.classList.toggle("chosen", o === b));
      sayRating("");
    }));
    $("reason-back").addEventListener("click", () => {
      $("reason").hidden = true;
      $("levels").hidden = false;
      sayRating("");
    });
    $("reason-send").addEventListener("click", () => {
      if (!reason) { sayRating(S.reason_needed); return; }
      evaluate($("note").value.trim());
    });
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

  // ------------------------------------------------------------------ the link (link.js)
  const link = new HallLink({
    prefix: "v",
    onMessage: (m) => {
      if (m.type === "snapshot" && m.visitor) draw(m.visitor);
      else if (m.type === "event" && m.topic === "visitor" && m.data.number === number) draw(m.data);
    },
    onDown: () => { $("footer").textContent = S.offline; return !gaveUp; },
    reopen: () => connect(),
    firstDelay: 1000,
    maxDelay: 15000,
  });

  function connect() {
    const hello = { role: "visitor", day, number };
    if (key) hello.key = key; // the QR link's: this phone may evaluate the ticket
    link.open(hello, (a) => {
      if (a.type === "welcome") $("footer").textContent = $("footer").dataset.live;
      else { gaveUp = true; link.close(); fallBack(); }
    });
  }

  function fallBack() { setTimeout(() => location.reload(), 20000); } // as without JavaScript

  if (window.WebSocket) connect(); else fallBack();
  window.hallcallStatus = { view: () => shown };
})();
