// The hall as the server last described it: a port of hallcall/mirror.py for the browser.
// It follows docs/protocol.md section 13 "Following the hall" step by step and keeps no rules
// of its own: every fact a page shows is read off the server's snapshot and events.
"use strict";

const RECENT_CALLS = 20; // as many as a snapshot carries
const KNOWN_TOPICS = ["calls", "counters", "queue", "warnings", "devices", "presence", "notice", "journal", "session"];

class HallMirror {
  constructor() {
    this.loaded = false;
    this.seq = 0;
    this.day = "";
    this.hall = null;
    this.services = new Map(); // service id -> summary, in config order
    this.counters = new Map(); // counter number -> counter view, in config order
    this.callable = new Map(); // counter number -> tickets it could call next
    this.calls = []; // oldest first, at most RECENT_CALLS
    this.notice = { zh: "", en: "" };
    this.warnings = new Map(); // key -> warning
    this.devices = new Map(); // device name -> last report
    this.presence = new Map(); // device name -> connected now or not, since when (supervisors)
    this.serverTime = 0;
    this.clockSpeed = 1;
    this.localAt = 0;
  }

  // Step 1: a snapshot replaces everything; remember its seq and the server's clock.
  applySnapshot(snap, localNow = Date.now() / 1000) {
    this.serverTime = snap.server_time;
    this.clockSpeed = snap.clock_speed || 1;
    this.localAt = localNow;
    this.seq = snap.seq;
    this.day = snap.day;
    this.hall = snap.hall;
    this.services = new Map(snap.services.map((s) => [s.service, s]));
    this.counters = new Map(snap.counters.map((c) => [c.counter, c]));
    this.callable = new Map(Object.entries(snap.callable || {}).map(([k, v]) => [Number(k), v]));
    this.calls = snap.calls.slice(-RECENT_CALLS);
    this.notice = snap.notice;
    this.warnings = new Map((snap.warnings || []).map((w) => [w.key, w]));
    this.devices = new Map((snap.devices || []).map((d) => [d.device, d]));
    this.presence = new Map((snap.presence || []).map((d) => [d.device, d]));
    this.loaded = true;
  }

  // Steps 2 and 3: drop what the snapshot already has and unknown topics; fold the rest in.
  // Returns {topic, name, data} for an event that was taken, null otherwise.
  applyEvent(ev) {
    const seq = Number(ev.seq || 0);
    const topic = String(ev.topic || "");
    const name = String(ev.name || "");
    if (!this.loaded || seq <= this.seq || !KNOWN_TOPICS.includes(topic)) return null;
    this.seq = Math.max(this.seq, seq);
    const data = ev.data || {};
    if (topic === "calls") {
      this.calls.push(data);
      if (this.calls.length > RECENT_CALLS) this.calls.splice(0, this.calls.length - RECENT_CALLS);
    } else if (topic === "counters") {
      this.counters.set(data.counter, data);
    } else if (topic === "queue") {
      // every service this client sees (protocol 7.4): one no longer listed is gone
      this.services = new Map((data.services || []).map((s) => [s.service, s]));
      for (const [k, v] of Object.entries(data.callable || {})) this.callable.set(Number(k), v);
    } else if (topic === "warnings") {
      if (name === "cleared") this.warnings.delete(data.key);
      else this.warnings.set(data.key, data); // "raised" or "acknowledged": replace by key
    } else if (topic === "devices") {
      this.devices.set(data.device, data);
    } else if (topic === "presence") {
      this.presence.set(data.device, data);
    } else if (topic === "notice") {
      this.notice = data;
    }
    // journal and session change nothing a screen keeps (session/ended: say hello again)
    return { topic, name, data };
  }

  // Any server message: a snapshot or an event; other messages return null.
  apply(message, localNow) {
    if (message.type === "snapshot") {
      this.applySnapshot(message, localNow);
      return { topic: "snapshot", name: "snapshot", data: null };
    }
    if (message.type === "event") return this.applyEvent(message);
    return null;
  }

  // Step 4: facts are read off this state.
  serviceInfo(id) {
    return this.hall ? this.hall.services.find((s) => s.id === id) || null : null;
  }

  counterInfo(number) {
    return this.hall ? this.hall.counters.find((c) => c.number === number) || null : null;
  }

  get firstLanguage() {
    return this.hall && this.hall.languages && this.hall.languages.length ? this.hall.languages[0] : "zh";
  }

  // Step 5: the hall's clock runs from the snapshot's server_time at its clock_speed.
  now(localNow = Date.now() / 1000) {
    return this.serverTime + (localNow - this.localAt) * this.clockSpeed;
  }
}

if (typeof module !== "undefined") module.exports = { HallMirror, RECENT_CALLS };
