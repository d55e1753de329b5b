// One socket per browser (docs/protocol.md, "One socket per browser"). The tabs of one user
// in one browser elect a leader with the Web Locks API: the leader holds the WebSocket,
// relays every frame and its connection state to the other tabs over a BroadcastChannel,
// and sends their `ack`, `seen` and `sync` on its socket. When the leader's page goes away
// (closed, navigated, frozen) its lock is released and the next tab waiting on it takes
// over at once: it connects, and the `sync` every new socket gets is relayed to every tab,
// which covers frames pushed during the hand-over. Where either API is missing, each tab
// keeps its own LiveSocket. SharedSocket has LiveSocket's interface, so client.js does not
// know which one it has. The lock and channel names hold the user id: two users of one
// browser profile never share a socket.
import { ACK, SEEN, SYNC, syncFrame } from "./frames.js";
import { LiveSocket } from "./socket.js";

const STATES = new Set(["connecting", "live", "offline"]);
const TRANSPORTS = new Set(["websocket", "sse"]); // fallback.js
// What a follower may have the leader send: the frames client.js sends.
const RELAYED = new Set([ACK, SEEN, SYNC]);
// Syncs asked for by tabs opening together go out as one frame: the server rate-limits
// frames per socket, and now every tab's frames share one.
export const SYNC_COALESCE_MS = 50;

export function lockName(userId) {
  return "notifications.socket." + userId;
}

export function channelName(userId) {
  return "notifications.frames." + userId;
}

/** Web Locks and BroadcastChannel are both there (else each tab keeps its own socket). */
export function canShare(scope) {
  return Boolean(
    scope &&
      scope.navigator &&
      scope.navigator.locks &&
      typeof scope.navigator.locks.request === "function" &&
      typeof scope.BroadcastChannel === "function",
  );
}

function isFrame(value) {
  return Boolean(value) && typeof value === "object" && typeof value.type === "string";
}

/** What the leader does with a message from another tab, or null to ignore it. Pure. */
export function leaderAction(message) {
  if (!message || typeof message !== "object") return null;
  if (message.kind === "hello") return { do: "announce" };
  if (message.kind === "retry") return { do: "retry" };
  if (message.kind === "send" && isFrame(message.frame) && RELAYED.has(message.frame.type)) {
    return message.frame.type === SYNC ? { do: "sync" } : { do: "send", frame: message.frame };
  }
  return null;
}

/** What a follower does with a message from the leader tab, or null to ignore it. Pure. */
export function followerAction(message) {
  if (!message || typeof message !== "object") return null;
  if (message.kind === "state" && STATES.has(message.state)) return { do: "state", state: message.state };
  if (message.kind === "frame" && isFrame(message.frame)) return { do: "frame", frame: message.frame };
  if (message.kind === "unauthorized") return { do: "unauthorized" };
  if (message.kind === "transport" && TRANSPORTS.has(message.transport)) {
    return { do: "transport", transport: message.transport };
  }
  return null;
}

export class SharedSocket {
  /**
   * handlers: as LiveSocket's. options: userId; probeUrl (LiveSocket's); locks
   * (navigator.locks); openChannel(name) -> a BroadcastChannel; createSocket(url, handlers)
   * -> a LiveSocket (tests pass fakes).
   */
  constructor(url, handlers, options) {
    this.url = url;
    this.handlers = handlers;
    this.userId = options.userId;
    this.locks = options.locks;
    this.openChannel = options.openChannel;
    // Only the leader's LiveSocket probes (socket.js): one prober per browser.
    this.createSocket = options.createSocket || ((u, h) => new LiveSocket(u, h, { probeUrl: options.probeUrl }));
    this.role = "idle"; // "follower" (waiting on the lock), "leader", or "idle" (frozen, gone)
    this.state = "connecting"; // the leader's connection state, as this tab last knew it
    this.live = null; // the LiveSocket, while this tab leads
    this.transport = null; // what the leader's connection uses (fallback.js), if it tells
    this.channel = null;
    this.abort = null; // cancels this tab's place in the lock's queue
    this.release = null; // releases the held lock
    this.syncTimer = null;
  }

  get leading() {
    return this.role === "leader";
  }

  get open() {
    if (this.role === "leader") return this.live.open;
    return this.role === "follower" && this.state === "live";
  }

  send(frame) {
    if (this.role === "leader") return this.live.send(frame);
    if (!this.open) return false;
    // Lost if the leader goes at this moment: acks stay queued until a sync shows them
    // read (acks.js), so only a `seen` can be lost, and a later one records the same.
    this.post({ kind: "send", frame: frame });
    return true;
  }

  connect() {
    if (this.role !== "idle") return;
    this.role = "follower";
    this.setState("connecting");
    this.channel = this.openChannel(channelName(this.userId));
    this.channel.onmessage = (event) => this.receive(event.data);
    this.post({ kind: "hello" }); // a leader answers with its state and a sync for all
    const abort = new AbortController();
    this.abort = abort;
    this.locks
      .request(lockName(this.userId), { signal: abort.signal }, () => this.lead(abort))
      .catch((err) => {
        // Aborted: this tab resigned while waiting. Anything else (locks refused here):
        // this tab keeps a socket of its own, as without Web Locks.
        if (!abort.signal.aborted && this.abort === abort) this.goSolo(err);
      });
  }

  /** The lock is ours: hold it (the returned promise) until this tab resigns. */
  lead(abort) {
    if (this.abort !== abort) return undefined; // resigned meanwhile: release at once
    this.role = "leader";
    this.live = this.createSocket(this.url, {
      onFrame: (frame) => {
        this.post({ kind: "frame", frame: frame });
        this.handlers.onFrame(frame);
      },
      onState: (state) => {
        this.post({ kind: "state", state: state });
        this.setState(state);
      },
      onLive: () => this.handlers.onLive(),
      onUnauthorized: () => {
        this.post({ kind: "unauthorized" });
        this.handlers.onUnauthorized();
      },
      onTransport: (transport) => {
        this.post({ kind: "transport", transport: transport });
        this.setTransport(transport);
      },
    });
    this.live.connect();
    return new Promise((resolve) => {
      this.release = resolve;
    });
  }

  goSolo(err) {
    console.warn("notifications: no shared socket,", err);
    this.closeChannel();
    this.role = "leader";
    this.live = this.createSocket(this.url, this.handlers);
    this.live.connect();
  }

  /** This page goes away or freezes: hand the socket (or the place in the queue) on. */
  resign() {
    if (this.role === "idle") return;
    if (this.role === "leader") {
      // The next leader says "live" once its socket has its sync; until then followers
      // fall back to HTTP for acks, as while offline.
      this.post({ kind: "state", state: "connecting" });
      this.live.close();
      this.live = null;
    }
    clearTimeout(this.syncTimer);
    this.syncTimer = null;
    if (this.abort) this.abort.abort();
    this.abort = null;
    if (this.release) this.release();
    this.release = null;
    this.closeChannel();
    this.role = "idle";
  }

  retryNow() {
    if (this.role === "leader") this.live.retryNow();
    else this.post({ kind: "retry" });
  }

  receive(message) {
    if (this.role === "leader") {
      const action = leaderAction(message);
      if (!action) return;
      if (action.do === "announce") {
        this.post({ kind: "state", state: this.state });
        if (this.transport) this.post({ kind: "transport", transport: this.transport });
        if (this.live.open) this.syncSoon(); // the new tab may have missed frames since its page was made
      } else if (action.do === "sync") {
        this.syncSoon();
      } else if (action.do === "send") {
        this.live.send(action.frame);
      } else if (action.do === "retry") {
        this.live.retryNow();
      }
    } else if (this.role === "follower") {
      const action = followerAction(message);
      if (!action) return;
      if (action.do === "state") {
        this.setState(action.state);
      } else if (action.do === "frame") {
        this.handlers.onFrame(action.frame);
        if (action.frame.type === SYNC && this.state === "live") this.handlers.onLive();
      } else if (action.do === "unauthorized") {
        this.handlers.onUnauthorized();
      } else if (action.do === "transport") {
        this.setTransport(action.transport);
      }
    }
  }

  syncSoon() {
    if (this.syncTimer !== null) return;
    this.syncTimer = setTimeout(() => {
      this.syncTimer = null;
      if (this.role === "leader") this.live.send(syncFrame());
    }, SYNC_COALESCE_MS);
  }

  setState(state) {
    this.state = state;
    this.handlers.onState(state);
  }

  setTransport(transport) {
    this.transport = transport;
    if (this.handlers.onTransport) this.handlers.onTransport(transport);
  }

  post(message) {
    if (!this.channel) return;
    try {
      this.channel.postMessage(message);
    } catch (err) {
      console.warn("notifications: relay failed", err); // a closed channel
    }
  }

  closeChannel() {
    if (!this.channel) return;
    this.channel.onmessage = null;
    this.channel.close();
    this.channel = null;
  }
}

/**
 * A SharedSocket where the browser can share one, else a LiveSocket of this tab's own.
 * createSocket(url, handlers): what the leader (or a lone tab) connects with instead of a
 * LiveSocket (client.js passes fallback.js's).
 */
export function openSocket(url, handlers, { userId, probeUrl = null, scope = globalThis, createSocket = null } = {}) {
  if (!userId || !canShare(scope)) {
    return createSocket ? createSocket(url, handlers) : new LiveSocket(url, handlers, { probeUrl: probeUrl });
  }
  const socket = new SharedSocket(url, handlers, {
    userId: userId,
    probeUrl: probeUrl,
    createSocket: createSocket,
    locks: scope.navigator.locks,
    openChannel: (name) => new scope.BroadcastChannel(name),
  });
  // A frozen or cached page runs no code, so it cannot relay: it hands over, and takes
  // its place again (and gets a sync) when it is back.
  scope.document.addEventListener("freeze", () => socket.resign());
  scope.document.addEventListener("resume", () => socket.connect());
  scope.addEventListener("pagehide", () => socket.resign());
  scope.addEventListener("pageshow", (event) => {
    if (event.persisted) socket.connect();
  });
  return socket;
}
