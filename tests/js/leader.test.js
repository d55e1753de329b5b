import assert from "node:assert/strict";
import { test } from "node:test";

import {
  canShare,
  channelName,
  followerAction,
  leaderAction,
  lockName,
  openSocket,
  SharedSocket,
  SYNC_COALESCE_MS,
} from "../../static/notifications/leader.js";
import { LiveSocket } from "../../static/notifications/socket.js";

// --- fakes of one browser profile: Web Locks, BroadcastChannel, the server's sockets ---

class FakeLocks {
  constructor() {
    this.queues = new Map(); // name -> [{grant, signal}], the head holds the lock
  }

  request(name, options, callback) {
    return new Promise((resolve, reject) => {
      const queue = this.queues.get(name) || [];
      this.queues.set(name, queue);
      const entry = {
        grant: () => {
          // As in browsers: held until the callback's promise settles.
          Promise.resolve(callback()).then((value) => {
            queue.splice(queue.indexOf(entry), 1);
            if (queue.length) queue[0].grant();
            resolve(value);
          });
        },
      };
      options.signal.addEventListener("abort", () => {
        const i = queue.indexOf(entry);
        if (i > 0) {
          queue.splice(i, 1);
          reject(new Error("AbortError"));
        }
      });
      queue.push(entry);
      if (queue.length === 1) entry.grant();
    });
  }
}

class FakeHub {
  constructor() {
    this.channels = [];
  }

  open(name) {
    const hub = this;
    const channel = {
      name: name,
      onmessage: null,
      closed: false,
      postMessage(data) {
        if (this.closed) throw new Error("InvalidStateError");
        const copy = structuredClone(data);
        for (const other of hub.channels) {
          if (other !== channel && other.name === name && !other.closed) {
            queueMicrotask(() => other.onmessage && other.onmessage({ data: copy }));
          }
        }
      },
      close() {
        this.closed = true;
      },
    };
    this.channels.push(channel);
    return channel;
  }
}

class FakeServer {
  constructor() {
    this.sockets = []; // every socket a tab opened, with the frames it sent
  }

  get open() {
    return this.sockets.filter((s) => !s.closed);
  }

  create(url, handlers) {
    const server = this;
    const socket = {
      handlers: handlers,
      sent: [],
      closed: false,
      isLive: false,
      get open() {
        return this.isLive && !this.closed;
      },
      connect() {
        handlers.onState("connecting");
      },
      send(frame) {
        if (!this.open) return false;
        this.sent.push(frame);
        return true;
      },
      close() {
        this.closed = true;
      },
      retryNow() {
        this.retried = true;
      },
      // The server's side: the first sync makes it live, as LiveSocket does.
      push(frame) {
        if (frame.type === "sync" && !this.isLive) {
          this.isLive = true;
          handlers.onState("live");
        }
        handlers.onFrame(frame);
        if (frame.type === "sync") handlers.onLive();
      },
    };
    server.sockets.push(socket);
    return socket;
  }
}

function tab(profile, userId = 1) {
  const seen = { frames: [], states: [], lives: 0, unauthorized: 0 };
  const socket = new SharedSocket(
    "/ws/notifications/",
    {
      onFrame: (frame) => seen.frames.push(frame),
      onState: (state) => seen.states.push(state),
      onLive: () => (seen.lives += 1),
      onUnauthorized: () => (seen.unauthorized += 1),
    },
    {
      userId: userId,
      locks: profile.locks,
      openChannel: (name) => profile.hub.open(name),
      createSocket: (url, handlers) => profile.server.create(url, handlers),
    },
  );
  socket.connect();
  return { socket, seen, last: () => seen.states[seen.states.length - 1] };
}

function profile() {
  return { locks: new FakeLocks(), hub: new FakeHub(), server: new FakeServer() };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, SYNC_COALESCE_MS + 20));
const SYNC = { type: "sync", unread: [], unread_count: 0 };
const NOTE = { type: "notification", message: { id: 9, text: "Hi" }, unread_count: 1 };

test("three tabs: one socket, and every frame and the state reach all three", async () => {
  const browser = profile();
  const tabs = [tab(browser), tab(browser), tab(browser)];
  await settle();
  assert.equal(browser.server.sockets.length, 1);
  assert.deepEqual(
    tabs.map((t) => t.socket.leading),
    [true, false, false],
  );

  const socket = browser.server.sockets[0];
  socket.push(SYNC);
  socket.push(NOTE);
  await settle();
  for (const t of tabs) {
    assert.equal(t.last(), "live");
    assert.equal(t.socket.open, true);
    assert.deepEqual(
      t.seen.frames.map((f) => f.type),
      ["sync", "notification"],
    );
    assert.deepEqual(t.seen.frames[1], NOTE);
    assert.equal(t.seen.lives, 1); // acks queued while offline go out after the sync
  }
});

test("a follower's ack and seen go out on the leader's socket; offline, it says so", async () => {
  const browser = profile();
  const leader = tab(browser);
  const follower = tab(browser);
  await settle();
  assert.equal(follower.socket.send({ type: "ack", ids: [9] }), false); // not live yet: HTTP
  const socket = browser.server.sockets[0];
  socket.push(SYNC);
  await settle();
  assert.equal(follower.socket.send({ type: "ack", ids: [9] }), true);
  assert.equal(follower.socket.send({ type: "seen", ids: [9] }), true);
  assert.equal(leader.socket.send({ type: "seen", ids: [10] }), true);
  await settle();
  // The leader's own frame goes at once, the follower's after a hop: order across tabs is free.
  assert.deepEqual(socket.sent.map((f) => JSON.stringify(f)).sort(), [
    '{"type":"ack","ids":[9]}',
    '{"type":"seen","ids":[10]}',
    '{"type":"seen","ids":[9]}',
  ]);
});

test("a tab that opens asks for one sync for all; tabs opening together share it", async () => {
  const browser = profile();
  const first = tab(browser);
  await settle();
  const socket = browser.server.sockets[0];
  socket.push(SYNC);
  const later = [tab(browser), tab(browser)];
  await settle();
  assert.deepEqual(socket.sent, [{ type: "sync" }]);
  socket.push(SYNC); // the answer reaches every tab
  await settle();
  const syncs = (t) => t.seen.frames.filter((f) => f.type === "sync").length;
  assert.equal(syncs(first), 2);
  for (const t of later) {
    assert.equal(syncs(t), 1);
    assert.equal(t.last(), "live");
  }
});

test("the leader goes: the next tab takes over with one new socket and its sync reaches all", async () => {
  const browser = profile();
  const tabs = [tab(browser), tab(browser), tab(browser)];
  await settle();
  browser.server.sockets[0].push(SYNC);
  await settle();

  tabs[0].socket.resign(); // the page closed
  await settle();
  assert.equal(browser.server.sockets[0].closed, true);
  assert.equal(browser.server.open.length, 1);
  assert.equal(browser.server.sockets.length, 2);
  const [, next, other] = tabs;
  assert.equal(next.socket.leading, true);
  assert.equal(other.last(), "connecting"); // acks go over HTTP until the new socket is live
  assert.equal(other.socket.open, false);

  // A message created during the hand-over is in the new socket's first sync.
  const missed = { type: "sync", unread: [{ id: 11, text: "During" }], unread_count: 1 };
  browser.server.sockets[1].push(missed);
  await settle();
  for (const t of [next, other]) {
    assert.deepEqual(t.seen.frames[t.seen.frames.length - 1], missed);
    assert.equal(t.last(), "live");
  }
  const before = tabs[0].seen.frames.length;
  browser.server.sockets[1].push(NOTE);
  await settle();
  assert.equal(tabs[0].seen.frames.length, before); // the gone tab hears nothing
  assert.deepEqual(other.seen.frames[other.seen.frames.length - 1], NOTE);
});

test("a frozen follower gives up its place and gets a sync when it resumes", async () => {
  const browser = profile();
  const leader = tab(browser);
  const follower = tab(browser);
  await settle();
  const socket = browser.server.sockets[0];
  socket.push(SYNC);
  await settle();
  follower.socket.resign();
  socket.push(NOTE);
  await settle();
  assert.equal(follower.seen.frames.some((f) => f.type === "notification"), false);
  leader.socket.resign();
  await settle();
  assert.equal(browser.server.sockets.length, 1); // nobody is waiting: no new socket

  follower.socket.connect(); // resumed
  await settle();
  assert.equal(follower.socket.leading, true);
  assert.equal(browser.server.sockets.length, 2);
});

test("two users of one browser profile never share a socket or a frame", async () => {
  const browser = profile();
  const alice = [tab(browser, 1), tab(browser, 1)];
  const bob = tab(browser, 2);
  await settle();
  assert.equal(browser.server.sockets.length, 2);
  assert.equal(bob.socket.leading, true);
  const [aliceSocket] = browser.server.sockets;
  aliceSocket.push(SYNC);
  aliceSocket.push(NOTE);
  await settle();
  assert.equal(alice[1].seen.frames.length, 2);
  assert.deepEqual(bob.seen.frames, []);
  assert.notEqual(lockName(1), lockName(2));
  assert.notEqual(channelName(1), channelName(2));
});

test("a 4401 at the leader sends every tab to the login page", async () => {
  const browser = profile();
  const tabs = [tab(browser), tab(browser)];
  await settle();
  browser.server.sockets[0].handlers.onUnauthorized();
  await settle();
  assert.deepEqual(
    tabs.map((t) => t.seen.unauthorized),
    [1, 1],
  );
});

test("the network is back in a follower: the leader retries now", async () => {
  const browser = profile();
  tab(browser);
  const follower = tab(browser);
  await settle();
  follower.socket.retryNow();
  await settle();
  assert.equal(browser.server.sockets[0].retried, true);
});

test("the leader relays only what client.js sends, and followers only known messages", () => {
  assert.deepEqual(leaderAction({ kind: "send", frame: { type: "ack", ids: [1] } }), {
    do: "send",
    frame: { type: "ack", ids: [1] },
  });
  assert.deepEqual(leaderAction({ kind: "send", frame: { type: "sync" } }), { do: "sync" });
  for (const bad of [null, "x", {}, { kind: "send" }, { kind: "send", frame: { type: "ping" } }, { kind: "frame" }]) {
    assert.equal(leaderAction(bad), null);
  }
  assert.deepEqual(followerAction({ kind: "state", state: "offline" }), { do: "state", state: "offline" });
  for (const bad of [null, { kind: "state", state: "weird" }, { kind: "frame", frame: "x" }, { kind: "hello" }]) {
    assert.equal(followerAction(bad), null);
  }
});

test("without Web Locks or BroadcastChannel each tab keeps its own socket", () => {
  const handlers = { onFrame() {}, onState() {}, onLive() {}, onUnauthorized() {} };
  const events = { addEventListener() {} };
  const full = { navigator: { locks: { request() {} } }, BroadcastChannel: class {}, document: events, ...events };
  assert.equal(canShare(full), true);
  assert.equal(canShare({ ...full, BroadcastChannel: undefined }), false);
  assert.equal(canShare({ ...full, navigator: {} }), false);
  assert.ok(openSocket("/ws/", handlers, { userId: "1", scope: { ...full, navigator: {} } }) instanceof LiveSocket);
  assert.ok(openSocket("/ws/", handlers, { userId: "", scope: full }) instanceof LiveSocket);
  assert.ok(openSocket("/ws/", handlers, { userId: "1", scope: full }) instanceof SharedSocket);
});

test("the leader's transport (socket or event stream) reaches every tab, late ones too", async () => {
  const browser = profile();
  const transports = [[], []];
  const make = (i) => {
    const socket = new SharedSocket(
      "/ws/notifications/",
      {
        onFrame: () => {},
        onState: () => {},
        onLive: () => {},
        onUnauthorized: () => {},
        onTransport: (name) => transports[i].push(name),
      },
      {
        userId: 1,
        locks: browser.locks,
        openChannel: (name) => browser.hub.open(name),
        createSocket: (url, handlers) => browser.server.create(url, handlers),
      },
    );
    socket.connect();
    return socket;
  };
  make(0);
  await settle();
  browser.server.sockets[0].handlers.onTransport("sse"); // the leader's fallback says so
  make(1); // opens later: told on its hello
  await settle();
  assert.deepEqual(transports, [["sse"], ["sse"]]);
  assert.equal(followerAction({ kind: "transport", transport: "pigeon" }), null);
});
