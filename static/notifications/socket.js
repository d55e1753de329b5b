// The WebSocket to /ws/notifications/ (docs/protocol.md): connects, parses frames, backs
// off and reconnects. Knows nothing of toasts.
import { hintOf, nextRetry } from "./backoff.js";

export class LiveSocket {
  /** url: a path ("/ws/notifications/") or a ws(s):// URL; handlers: onFrame, onState, onLive, onUnauthorized. */
  constructor(url, handlers) {
    this.url = url;
    this.handlers = handlers;
    this.socket = null;
    this.attempt = 0;
    this.retryTimer = null;
    this.hintMs = 0; // the server's retry_after of this attempt (backoff.js)
  }

  get open() {
    return this.socket !== null && this.socket.readyState === WebSocket.OPEN && this.live;
  }

  send(frame) {
    if (!this.open) return false;
    this.socket.send(JSON.stringify(frame));
    return true;
  }

  absoluteUrl() {
    if (/^wss?:\/\//.test(this.url)) return this.url;
    return (location.protocol === "https:" ? "wss://" : "ws://") + location.host + this.url;
  }

  connect() {
    clearTimeout(this.retryTimer);
    this.live = false;
    this.hintMs = 0;
    this.handlers.onState("connecting");
    const socket = new WebSocket(this.absoluteUrl());
    this.socket = socket;
    socket.addEventListener("message", (event) => {
      let frame;
      try {
        frame = JSON.parse(event.data);
      } catch (err) {
        console.warn("notifications: bad frame", err);
        return;
      }
      // A busy server says how long to wait at least, before it closes (4503, 4429).
      if (frame.type === "error") this.hintMs = Math.max(this.hintMs, hintOf(frame));
      // Live only once the first sync arrives: the server accepts a socket before it
      // refuses it (4429, 4503), and a refused socket must keep backing off.
      if (frame.type === "sync" && !this.live) {
        this.live = true;
        this.attempt = 0;
        this.handlers.onState("live");
      }
      this.handlers.onFrame(frame);
      if (frame.type === "sync") this.handlers.onLive();
    });
    socket.addEventListener("close", (event) => {
      if (this.socket !== socket) return;
      this.socket = null;
      this.live = false;
      this.handlers.onState("offline");
      const retry = nextRetry(this.attempt, event.code, Math.random, this.hintMs);
      if (!retry) {
        this.handlers.onUnauthorized();
        return;
      }
      this.attempt = retry.attempt;
      this.retryTimer = setTimeout(() => this.connect(), retry.delay);
    });
  }

  /** Close for good (this tab hands the socket to another): no reconnect, no state change. */
  close() {
    clearTimeout(this.retryTimer);
    const socket = this.socket;
    this.socket = null; // its close event is then ignored
    this.live = false;
    if (socket) socket.close(1000);
  }

  /** The network is back (the browser's `online` event): skip the rest of the wait. */
  retryNow() {
    if (this.socket === null) {
      this.attempt = 0;
      this.connect();
    }
  }
}
