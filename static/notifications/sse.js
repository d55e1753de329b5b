// The socket's Server-Sent Events fallback (docs/protocol.md, "Server-Sent Events"): the
// same frames on a GET /sse/notifications/ event stream, and the frames this side sends
// POSTed with the stream's name (session cookie and CSRF token). LiveSocket's interface
// (socket.js), so the tabs' leader and client.js do not know which one they hold.
// EventSource reconnects by itself only on some failures; this closes it on any and keeps
// the socket's backoff and close codes (backoff.js) instead.
import { postJson } from "./api.js";
import { nextRetry } from "./backoff.js";
import { receiveFrame } from "./socket.js";

/** The close code an event stream ended with: its `close` event's, else a network failure's. */
export function closeCode(data) {
  try {
    const code = JSON.parse(data).code;
    return Number.isInteger(code) ? code : 1006;
  } catch {
    return 1006;
  }
}

export class EventStreamSocket {
  /**
   * url: the stream ("/sse/notifications/?user=<id>"); handlers: LiveSocket's, and
   * onClosed({code, wasLive}); sendUrl: where frames are POSTed. createSource(url) and
   * post(url, frame) -> Promise: an EventSource and postJson (tests pass fakes).
   */
  constructor(url, handlers, { sendUrl, createSource, post = postJson } = {}) {
    this.url = url;
    this.handlers = handlers;
    this.sendUrl = sendUrl;
    this.createSource = createSource || ((u) => new EventSource(u));
    this.post = post;
    this.source = null;
    this.stream = null; // the name frames are POSTed with (the `stream` event)
    this.live = false;
    this.attempt = 0;
    this.hintMs = 0;
    this.retryTimer = null;
  }

  get open() {
    return this.source !== null && this.live && this.stream !== null;
  }

  send(frame) {
    if (!this.open) return false;
    const url = this.sendUrl + "?stream=" + encodeURIComponent(this.stream);
    // Fire and forget, as on a socket: answers and errors come on the stream, and what
    // is lost (the stream ended meanwhile) is sent again after the next sync (acks.js).
    this.post(url, frame).then(
      ({ status }) => {
        if (status >= 400) console.warn("notifications: frame not passed on,", status);
      },
      () => {}, // offline: the stream ends too, and reconnects
    );
    return true;
  }

  connect() {
    clearTimeout(this.retryTimer);
    this.live = false;
    this.stream = null;
    this.hintMs = 0;
    this.handlers.onState("connecting");
    const source = this.createSource(this.url);
    this.source = source;
    source.addEventListener("stream", (event) => {
      if (this.source !== source) return;
      try {
        this.stream = JSON.parse(event.data).stream;
      } catch (err) {
        console.warn("notifications: bad stream event", err);
      }
    });
    source.addEventListener("message", (event) => {
      // Live once the first sync arrives, as a socket (a refused stream sends none).
      if (this.source === source) receiveFrame(this, event.data);
    });
    source.addEventListener("close", (event) => this.ended(source, closeCode(event.data)));
    // A network failure, or the response ended without a `close` event.
    source.addEventListener("error", () => this.ended(source, 1006));
  }

  ended(source, code) {
    if (this.source !== source) return;
    source.close();
    const wasLive = this.live;
    this.source = null;
    this.stream = null;
    this.live = false;
    this.handlers.onState("offline");
    const retry = nextRetry(this.attempt, code, Math.random, this.hintMs);
    if (!retry) {
      this.handlers.onUnauthorized();
      return;
    }
    this.attempt = retry.attempt;
    this.retryTimer = setTimeout(() => this.connect(), retry.delay);
    if (this.handlers.onClosed) this.handlers.onClosed({ code: code, wasLive: wasLive });
  }

  /** Close for good: no reconnect, no state change (LiveSocket.close). */
  close() {
    clearTimeout(this.retryTimer);
    const source = this.source;
    this.source = null;
    this.stream = null;
    this.live = false;
    if (source) source.close();
  }

  retryNow() {
    if (this.source === null) {
      this.attempt = 0;
      this.connect();
    }
  }
}
