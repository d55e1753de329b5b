import assert from "node:assert/strict";
import { mock, test } from "node:test";

import {
  FALLBACK_AFTER,
  FallbackSocket,
  maybeBlocked,
  UPGRADE_CAP_MS,
  UPGRADE_FIRST_MS,
  upgradeDelay,
} from "../../static/notifications/fallback.js";

const SYNC = { type: "sync", unread: [], unread_count: 0 };
const NOTE = { type: "notification", message: { id: 9, text: "Hi" }, unread_count: 1 };

// A fake transport with LiveSocket's interface; the test plays the server and the network.
function fakeTransport(kind, url, handlers, made) {
  const transport = {
    kind: kind,
    url: url,
    handlers: handlers,
    sent: [],
    closed: false,
    isLive: false,
    connects: 0,
    get open() {
      return this.isLive && !this.closed;
    },
    connect() {
      this.connects += 1;
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
    retryNow() {},
    push(frame) {
      if (frame.type === "sync" && !this.isLive) {
        this.isLive = true;
        handlers.onState("live");
      }
      handlers.onFrame(frame);
      if (frame.type === "sync") handlers.onLive();
    },
    // A handshake that failed (a proxy refusing the upgrade: never opened), or a socket
    // the server accepted and closed.
    drop(code = 1006, reached = code !== 1006) {
      const wasLive = this.isLive;
      this.isLive = false;
      handlers.onState("offline");
      if (handlers.onClosed) handlers.onClosed({ code: code, wasLive: wasLive, reached: reached || wasLive });
    },
  };
  made.push(transport);
  return transport;
}

function setUp({ answers = true } = {}) {
  const made = [];
  const seen = { frames: [], states: [], lives: 0, transports: [], unauthorized: 0 };
  const pings = [];
  const socket = new FallbackSocket(
    "/ws/notifications/?user=1",
    {
      onFrame: (frame) => seen.frames.push(frame),
      onState: (state) => seen.states.push(state),
      onLive: () => (seen.lives += 1),
      onUnauthorized: () => (seen.unauthorized += 1),
      onTransport: (name) => seen.transports.push(name),
    },
    {
      streamUrl: "/sse/notifications/?user=1",
      createSocket: (url, handlers) => fakeTransport("websocket", url, handlers, made),
      createStream: (url, handlers) => fakeTransport("sse", url, handlers, made),
      ping: () => {
        pings.push(Date.now());
        return Promise.resolve(answers);
      },
      random: () => 1,
    },
  );
  return { socket, made, seen, pings, last: () => made[made.length - 1] };
}

const flush = () => new Promise((resolve) => setImmediate(resolve));

test("which closes may be a proxy's refusal: a handshake that failed, not a server's close", () => {
  assert.equal(maybeBlocked({ code: 1006, wasLive: false, reached: false }), true);
  // Accepted, then closed: the server decided (4503 busy, 4429, 1011...), with its backoff.
  for (const code of [1006, 1011, 4000, 4401, 4408, 4409, 4429, 4503]) {
    assert.equal(maybeBlocked({ code: code, wasLive: false, reached: true }), false, String(code));
  }
  assert.equal(maybeBlocked({ code: 1006, wasLive: true, reached: true }), false);
});

test("the socket is tried again after a jittered, doubling, capped wait", () => {
  assert.equal(upgradeDelay(0, () => 1), UPGRADE_FIRST_MS);
  assert.equal(upgradeDelay(0, () => 0), UPGRADE_FIRST_MS / 2);
  assert.equal(upgradeDelay(1, () => 1), 2 * UPGRADE_FIRST_MS);
  assert.equal(upgradeDelay(40, () => 1), UPGRADE_CAP_MS);
});

test("sockets refused on the way while the server answers: the frames come over SSE", async () => {
  const t = setUp();
  t.socket.connect();
  assert.deepEqual(t.seen.transports, ["websocket"]);
  const ws = t.last();
  for (let i = 0; i < FALLBACK_AFTER; i += 1) {
    ws.drop(1006); // LiveSocket retries by itself; the same fake stands for each retry
    await flush();
  }
  assert.equal(t.pings.length, FALLBACK_AFTER);
  assert.equal(ws.closed, true, "the socket's retries stop");
  const stream = t.last();
  assert.equal(stream.kind, "sse");
  assert.equal(stream.url, "/sse/notifications/?user=1");
  assert.deepEqual(t.seen.transports, ["websocket", "sse"]);
  assert.equal(t.socket.open, false);
  stream.push(SYNC);
  stream.push(NOTE);
  assert.equal(t.socket.open, true);
  assert.deepEqual(t.seen.frames, [SYNC, NOTE]);
  assert.equal(t.seen.lives, 1);
  assert.equal(t.seen.states.at(-1), "live");
  // Client frames go over the stream's transport (POSTs, sse.js).
  assert.equal(t.socket.send({ type: "ack", ids: [9] }), true);
  assert.deepEqual(stream.sent, [{ type: "ack", ids: [9] }]);
  t.socket.close();
});

test("a server that is down (no answer to /ping) keeps the socket: a restart is no proxy", async () => {
  const t = setUp({ answers: false });
  t.socket.connect();
  const ws = t.last();
  for (let i = 0; i < 5; i += 1) {
    ws.drop(1006);
    await flush();
  }
  assert.equal(t.made.length, 1);
  assert.equal(ws.closed, false);
  assert.deepEqual(t.seen.transports, ["websocket"]);
});

test("sockets the server accepted and closed never make it fall back", async () => {
  const t = setUp();
  t.socket.connect();
  for (let i = 0; i < 5; i += 1) {
    t.made[0].drop(1011); // opened, then closed before any sync
    t.made[0].drop(4503);
    await flush();
  }
  assert.equal(t.made.length, 1);
  assert.equal(t.pings.length, 0);
});

test("once a socket of the page worked, failures are the network's: no fallback", async () => {
  const t = setUp();
  t.socket.connect();
  const ws = t.last();
  ws.drop(1006);
  await flush();
  ws.push(SYNC); // the retry worked: this way passes WebSockets
  ws.drop(4000); // a deploy: the server closed it
  for (let i = 0; i < 5; i += 1) {
    ws.drop(1006); // then the network goes
    await flush();
  }
  assert.equal(t.made.length, 1);
  assert.equal(t.pings.length, 1, "only the failure before the socket worked was checked");
});

test("on SSE the socket is tried again later; once it has its sync it takes over", async () => {
  mock.timers.enable({ apis: ["setTimeout"] });
  try {
    const t = setUp();
    t.socket.connect();
    const ws = t.last();
    for (let i = 0; i < FALLBACK_AFTER; i += 1) {
      ws.drop(1006);
      await flush();
    }
    const stream = t.last();
    stream.push(SYNC);
    // A trial that fails leaves the stream alone, and is tried again after a longer wait.
    mock.timers.tick(UPGRADE_FIRST_MS);
    const trial = t.last();
    assert.equal(trial.kind, "websocket");
    assert.equal(trial.connects, 1);
    assert.equal(t.seen.states.at(-1), "live", "the trial's states are not shown");
    trial.drop(1006);
    assert.equal(trial.closed, true);
    assert.equal(stream.closed, false);
    assert.deepEqual(t.seen.transports, ["websocket", "sse"]);
    mock.timers.tick(UPGRADE_FIRST_MS);
    assert.equal(t.made.length, 3, "no new trial before the doubled wait");
    mock.timers.tick(UPGRADE_FIRST_MS);
    const second = t.last();
    assert.notEqual(second, trial);
    // Frames keep coming over the stream meanwhile; the socket's sync takes over.
    stream.push(NOTE);
    second.push(SYNC);
    assert.equal(stream.closed, true);
    assert.deepEqual(t.seen.transports, ["websocket", "sse", "websocket"]);
    assert.deepEqual(t.seen.frames, [SYNC, NOTE, SYNC]);
    assert.equal(t.seen.lives, 2);
    assert.equal(t.socket.send({ type: "seen", ids: [9] }), true);
    assert.deepEqual(second.sent, [{ type: "seen", ids: [9] }]);
    assert.deepEqual(stream.sent, []);
  } finally {
    mock.timers.reset();
  }
});

test("closing for good closes the stream and any trial, and no trial starts after", async () => {
  mock.timers.enable({ apis: ["setTimeout"] });
  try {
    const t = setUp();
    t.socket.connect();
    for (let i = 0; i < FALLBACK_AFTER; i += 1) {
      t.made[0].drop(1006);
      await flush();
    }
    const stream = t.last();
    t.socket.close();
    assert.equal(stream.closed, true);
    mock.timers.tick(UPGRADE_CAP_MS);
    assert.equal(t.made.length, 2);
    assert.equal(t.socket.open, false);
    assert.equal(t.socket.send({ type: "sync" }), false);
  } finally {
    mock.timers.reset();
  }
});

test("a 4401 on the stream is passed on: the login page, as for the socket", async () => {
  const t = setUp();
  t.socket.connect();
  for (let i = 0; i < FALLBACK_AFTER; i += 1) {
    t.made[0].drop(1006);
    await flush();
  }
  t.last().handlers.onUnauthorized();
  assert.equal(t.seen.unauthorized, 1);
});
