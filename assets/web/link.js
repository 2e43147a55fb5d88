// The one websocket link every hall page uses (the console, the report page, the evaluation pad
// and the ticket status page): it opens the connection to the server that served the page, says
// hello, gives each request an id no earlier page load used (the server keeps answers by sender
// and id, protocol.md section 3) and hands each answer to the callback of its request; every
// other message (snapshot, event) goes to the page.  When the connection is lost the page says
// whether to come back, and the link opens again after a growing pause.
// This file is inlined into the status page's <script>: it must never hold a closing tag.
"use strict";

class HallLink {
  // options: prefix (the ids' first letters), onMessage(m), onDown() -> true to reconnect,
  // reopen() (called after the pause; it calls open again), firstDelay / maxDelay in ms.
  constructor(options) {
    this.options = options;
    this.run = `${options.prefix || "w"}${Math.random().toString(36).slice(2, 10)}${Date.now().toString(36).slice(-4)}`;
    this.ws = null;
    this.nextId = 1;
    this.retries = 0;
    this.pending = new Map(); // request id -> callback(answer)
  }

  get url() {
    return `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/`;
  }

  get connected() {
    return this.ws !== null && this.ws.readyState === WebSocket.OPEN;
  }

  // Connect (closing any earlier connection) and say hello; onWelcome gets the welcome or the error.
  open(hello, onWelcome) {
    this.close();
    const ws = new WebSocket(this.url);
    this.ws = ws;
    ws.onopen = () => this.send({ type: "hello", protocol: 1, ...hello }, (answer) => {
      if (answer.type === "welcome") this.retries = 0;
      if (onWelcome) onWelcome(answer);
    });
    ws.onmessage = (e) => this.receive(JSON.parse(e.data));
    ws.onclose = () => {
      if (this.ws !== ws) return;
      this.ws = null;
      this.pending.clear();
      const again = this.options.onDown ? this.options.onDown() : false;
      if (again && this.options.reopen) {
        const first = this.options.firstDelay || 300, most = this.options.maxDelay || 5000;
        setTimeout(() => this.options.reopen(), Math.min(most, first * 2 ** this.retries++));
      }
    };
  }

  // Close on purpose: no reconnecting, no onDown.
  close() {
    const ws = this.ws;
    this.ws = null;
    this.pending.clear();
    if (ws) { ws.onclose = null; ws.close(); }
  }

  // Send one request; onAnswer (optional) gets its result or error.  Returns the id, or null
  // when there is no open connection (nothing was sent).
  send(message, onAnswer) {
    if (!this.connected) return null;
    const id = `${this.run}-${this.nextId++}`;
    if (onAnswer) this.pending.set(id, onAnswer);
    this.ws.send(JSON.stringify({ ...message, id }));
    return id;
  }

  receive(m) {
    if ((m.type === "result" || m.type === "error" || m.type === "welcome") && m.re && this.pending.has(m.re)) {
      const callback = this.pending.get(m.re);
      this.pending.delete(m.re);
      callback(m);
      return;
    }
    if (this.options.onMessage) this.options.onMessage(m);
  }
}

if (typeof module !== "undefined") module.exports = { HallLink };
