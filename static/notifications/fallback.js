// The socket, or its Server-Sent Events fallback when WebSockets cannot open here
// (docs/protocol.md, "Server-Sent Events"). Some proxies refuse the WebSocket upgrade
// while they pass plain HTTP: after FALLBACK_AFTER sockets in a row whose handshake failed
// (never opened), each while the server answered GET /ping (so it was not simply down,
// e.g. restarting), the frames come over an event stream (sse.js) instead. A socket the
// server accepted and closed is the server's decision (its codes, its backoff), not a
// proxy's refusal; and once a socket of this page has worked, the way is known to pass
// WebSockets (SockJS and Centrifugo's clients also choose a transport when they first
// connect): a later failure is the network or the server, and the socket's backoff copes. The socket is tried
// again after a while (UPGRADE_FIRST_MS, doubling up to UPGRADE_CAP_MS, jittered) while
// the stream stays in use; once that socket has its sync, the stream is closed.
// LiveSocket's interface (socket.js); `onTransport("websocket"|"sse")` tells which one.
import { SYNC } from "./frames.js";
import { EventStreamSocket } from "./sse.js";
import { LiveSocket } from "./socket.js";

export const FALLBACK_AFTER = 2;
export const UPGRADE_FIRST_MS = 60000;
export const UPGRADE_CAP_MS = 15 * 60000;
/** A socket that closed like this may have been refused on the way (a proxy). Pure. */
export function maybeBlocked({ wasLive, reached }) {
  return !wasLive && !reached;
}

/** The wait before the `n`th (from 0) try of the socket again. Pure. */
export function upgradeDelay(n, random = Math.random) {
  return Math.min(UPGRADE_CAP_MS, UPGRADE_FIRST_MS * 2 ** n) * (0.5 + random() / 2);
}

/** Does the server answer HTTP? GET /ping (project/probe.py): a 2xx, else no. */
export function pingServer(url) {
  return fetch(url, { cache: "no-store", credentials: "omit" }).then(
    (response) => response.ok,
    () => false,
  );
}

export class FallbackSocket {
  /**
   * url: the socket's; handlers: LiveSocket's, and onTransport(name). options: streamUrl,
   * sendUrl, probeUrl; createSocket(url, handlers), createStream(url, handlers) and
   * ping() -> Promise<bool> (tests pass fakes); random.
   */
  constructor(url, handlers, options) {
    this.url = url;
    this.handlers = handlers;
    this.streamUrl = options.streamUrl;
    this.createSocket = options.createSocket || ((u, h) => new LiveSocket(u, h, { probeUrl: options.probeUrl }));
    this.createStream = options.createStream || ((u, h) => new EventStreamSocket(u, h, { sendUrl: options.sendUrl }));
    this.ping = options.ping || (() => pingServer(options.probeUrl));
    this.random = options.random || Math.random;
    this.current = null; // the LiveSocket or EventStreamSocket in use
    this.trial = null; // a socket tried again while the stream is in use
    this.transport = null;
    this.blocked = 0; // sockets in a row that were refused on the way
    this.worked = false; // a socket of this page had its sync: WebSockets pass here
    this.upgrades = 0;
    this.upgradeTimer = null;
  }

  get open() {
    return this.current !== null && this.current.open;
  }

  send(frame) {
    return this.current !== null && this.current.send(frame);
  }

  connect() {
    if (this.current !== null) return;
    this.current = this.newSocket();
    this.setTransport("websocket");
    this.current.connect();
  }

  newSocket() {
    const socket = this.createSocket(this.url, {
      onFrame: (frame) => {
        if (this.trial === socket && frame.type === SYNC) this.promote(socket);
        if (this.current === socket) this.handlers.onFrame(frame);
      },
      onState: (state) => {
        if (this.current === socket) this.handlers.onState(state);
      },
      onLive: () => {
        if (this.current === socket) this.handlers.onLive();
      },
      onUnauthorized: () => {
        if (this.current === socket) this.handlers.onUnauthorized();
        else this.trialFailed(socket);
      },
      onClosed: (info) => {
        if (this.current === socket) this.socketClosed(socket, info);
        else this.trialFailed(socket);
      },
    });
    return socket;
  }

  socketClosed(socket, info) {
    if (info.wasLive) this.worked = true;
    if (this.worked || !maybeBlocked(info)) return;
    // Only while the server answers HTTP: a server that is down refuses both alike.
    this.ping().then((answers) => {
      if (this.current !== socket || socket.open) return;
      this.blocked = answers ? this.blocked + 1 : 0;
      if (this.blocked >= FALLBACK_AFTER) this.fallBack(socket);
    });
  }

  fallBack(socket) {
    socket.close();
    const stream = this.createStream(this.streamUrl, {
      onFrame: (frame) => {
        if (this.current === stream) this.handlers.onFrame(frame);
      },
      onState: (state) => {
        if (this.current === stream) this.handlers.onState(state);
      },
      onLive: () => {
        if (this.current === stream) this.handlers.onLive();
      },
      onUnauthorized: () => {
        if (this.current === stream) this.handlers.onUnauthorized();
      },
    });
    this.current = stream;
    this.blocked = 0;
    this.setTransport("sse");
    stream.connect();
    this.scheduleUpgrade();
  }

  scheduleUpgrade() {
    clearTimeout(this.upgradeTimer);
    const delay = upgradeDelay(this.upgrades, this.random);
    this.upgrades += 1;
    this.upgradeTimer = setTimeout(() => {
      if (this.transport !== "sse" || this.trial !== null) return;
      this.trial = this.newSocket();
      this.trial.connect();
    }, delay);
  }

  /** The socket tried again has its sync: it takes over, and the stream goes. */
  promote(socket) {
    const stream = this.current;
    this.trial = null;
    this.current = socket;
    this.worked = true;
    this.upgrades = 0;
    stream.close();
    this.setTransport("websocket");
    this.handlers.onState("live");
  }

  trialFailed(socket) {
    if (this.trial !== socket) return;
    this.trial = null;
    socket.close();
    this.scheduleUpgrade();
  }

  setTransport(name) {
    this.transport = name;
    if (this.handlers.onTransport) this.handlers.onTransport(name);
  }

  /** Close for good (LiveSocket.close). */
  close() {
    clearTimeout(this.upgradeTimer);
    for (const transport of [this.trial, this.current]) if (transport) transport.close();
    this.trial = null;
    this.current = null;
  }

  retryNow() {
    if (this.current !== null) this.current.retryNow();
  }
}

/** createSocket for leader.js: sockets that fall back to an event stream. */
export function withFallback({ streamUrl, sendUrl, probeUrl }) {
  return (url, handlers) => new FallbackSocket(url, handlers, { streamUrl, sendUrl, probeUrl });
}
