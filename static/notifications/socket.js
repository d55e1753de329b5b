// The WebSocket to /ws/notifications/ (docs/protocol.md): connects, parses frames, backs
// off and reconnects, and during a long wait asks whether the server is back (probe.js).
// Knows nothing of toasts.
import { hintOf, nextRetry } from "./backoff.js";
import { ERROR, SYNC } from "./frames.js";
import { afterProbe, firstProbe } from "./probe.js";

/** One frame's text from the server, on a socket or an event stream (sse.js): parsed,
 * its backoff hint kept, live from the first sync, then handed to the client. */
export function receiveFrame(transport, text) {
  let frame;
  try {
    frame = JSON.parse(text);
  } catch (err) {
    console.warn("notifications: bad frame", err);
    return;
  }
  // A busy server says how long to wait at least, before it closes (4503, 4429).
  if (frame.type === ERROR) transport.hintMs = Math.max(transport.hintMs, hintOf(frame));
  // Live only once the first sync arrives: the server accepts a socket before it
  // refuses it (4429, 4503), and a refused one must keep backing off.
  if (frame.type === SYNC && !transport.live) {
    transport.live = true;
    transport.attempt = 0;
    transport.handlers.onState("live");
  }
  transport.handlers.onFrame(frame);
  if (frame.type === SYNC) transport.handlers.onLive();
}

export class LiveSocket {
  /**
   * url: a path ("/ws/notifications/") or a ws(s):// URL; handlers: onFrame, onState,
   * onLive, onUnauthorized, optionally onClosed({code, wasLive, reached}); probeUrl: GET
   * it during long waits (none: no probes).
   */
  constructor(url, handlers, { probeUrl = null } = {}) {
    this.url = url;
    this.handlers = handlers;
    this.probeUrl = probeUrl;
    this.socket = null;
    this.attempt = 0;
    this.retryTimer = null;
    this.retryAt = 0; // when the backoff's retry is due (Date.now() ms)
    this.hintMs = 0; // the server's retry_after of this attempt (backoff.js)
    this.probed = false; // this attempt was started on a probe's word
    this.probeTimer = null;
    this.probing = null; // the probe request in flight (an AbortController)
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

  connect(onProbe = false) {
    clearTimeout(this.retryTimer);
    this.stopProbing();
    this.live = false;
    this.hintMs = 0;
    this.probed = onProbe;
    this.handlers.onState("connecting");
    const socket = new WebSocket(this.absoluteUrl());
    this.socket = socket;
    let reached = false; // the server answered the handshake
    socket.addEventListener("open", () => {
      reached = true;
    });
    socket.addEventListener("message", (event) => receiveFrame(this, event.data));
    socket.addEventListener("close", (event) => {
      if (this.socket !== socket) return;
      const wasLive = this.live;
      this.socket = null;
      this.live = false;
      this.handlers.onState("offline");
      const retry = nextRetry(this.attempt, event.code, Math.random, this.hintMs);
      if (!retry) {
        this.handlers.onUnauthorized();
        return;
      }
      this.attempt = retry.attempt;
      this.retryAt = Date.now() + retry.delay;
      this.retryTimer = setTimeout(() => this.connect(), retry.delay);
      const gap = this.probeUrl ? firstProbe(retry.delay, { reached: reached, probed: this.probed }) : null;
      if (gap !== null) this.probeTimer = setTimeout(() => this.probe(), gap);
      // Last: a fallback (fallback.js) may close this socket for good, retry timer included.
      if (this.handlers.onClosed) {
        this.handlers.onClosed({ code: event.code, wasLive: wasLive, reached: reached });
      }
    });
  }

  /** Ask the server whether it answers again; reconnect early only on a 2xx (probe.js). */
  probe() {
    const request = new AbortController();
    this.probing = request;
    fetch(this.probeUrl, { cache: "no-store", credentials: "omit", signal: request.signal })
      .then(
        (response) => [response.status, Number(response.headers.get("Retry-After") || NaN)],
        () => [0, NaN], // the network failed: the server is still away
      )
      .then(([status, retryAfter]) => {
        if (this.probing !== request) return; // connected or closed meanwhile
        this.probing = null;
        const next = afterProbe(status, retryAfter, this.retryAt - Date.now());
        if (next && "connectIn" in next) {
          clearTimeout(this.retryTimer);
          this.retryTimer = setTimeout(() => this.connect(true), next.connectIn);
        } else if (next) {
          this.probeTimer = setTimeout(() => this.probe(), next.probeIn);
        }
      });
  }

  stopProbing() {
    clearTimeout(this.probeTimer);
    if (this.probing) this.probing.abort();
    this.probing = null;
  }

  /** Close for good (this tab hands the socket to another): no reconnect, no state change. */
  close() {
    clearTimeout(this.retryTimer);
    this.stopProbing();
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
