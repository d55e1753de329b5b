import assert from "node:assert/strict";
import { mock, test } from "node:test";

import { closeCode, EventStreamSocket } from "../../static/notifications/sse.js";

// An EventSource the test drives: named events and `message` events, as the server sends.
class FakeSource {
  constructor(url) {
    this.url = url;
    this.listeners = new Map();
    this.closed = false;
  }

  addEventListener(name, listener) {
    this.listeners.set(name, [...(this.listeners.get(name) || []), listener]);
  }

  emit(name, data) {
    for (const listener of this.listeners.get(name) || []) listener({ data: data });
  }

  close() {
    this.closed = true;
  }
}

function setUp() {
  const sources = [];
  const posts = [];
  const seen = { frames: [], states: [], lives: 0, unauthorized: 0, closes: [] };
  const stream = new EventStreamSocket(
    "/sse/notifications/?user=1",
    {
      onFrame: (frame) => seen.frames.push(frame),
      onState: (state) => seen.states.push(state),
      onLive: () => (seen.lives += 1),
      onUnauthorized: () => (seen.unauthorized += 1),
      onClosed: (info) => seen.closes.push(info),
    },
    {
      sendUrl: "/api/streams/send/",
      createSource: (url) => {
        const source = new FakeSource(url);
        sources.push(source);
        return source;
      },
      post: (url, frame) => {
        posts.push([url, frame]);
        return Promise.resolve({ status: 202, body: {} });
      },
    },
  );
  return { stream, sources, posts, seen, source: () => sources[sources.length - 1] };
}

const SYNC = { type: "sync", unread: [], unread_count: 0 };

test("a close event's code, else a network failure's", () => {
  assert.equal(closeCode('{"code":4401}'), 4401);
  assert.equal(closeCode("nonsense"), 1006);
  assert.equal(closeCode('{"code":"x"}'), 1006);
});

test("frames arrive as on a socket: live at the sync; sends are POSTed with the stream's name", () => {
  const t = setUp();
  t.stream.connect();
  assert.equal(t.source().url, "/sse/notifications/?user=1");
  assert.deepEqual(t.seen.states, ["connecting"]);
  t.source().emit("stream", JSON.stringify({ stream: "a b/c" }));
  assert.equal(t.stream.send({ type: "ack", ids: [1] }), false, "not live before the sync");
  t.source().emit("message", JSON.stringify(SYNC));
  assert.deepEqual(t.seen.states, ["connecting", "live"]);
  assert.deepEqual(t.seen.frames, [SYNC]);
  assert.equal(t.seen.lives, 1);
  assert.equal(t.stream.send({ type: "ack", ids: [1] }), true);
  assert.deepEqual(t.posts, [["/api/streams/send/?stream=a%20b%2Fc", { type: "ack", ids: [1] }]]);
});

test("a close event or a network error: offline, the socket's backoff, then a new stream", () => {
  mock.timers.enable({ apis: ["setTimeout"] });
  try {
    const t = setUp();
    t.stream.connect();
    const first = t.source();
    first.emit("stream", '{"stream":"s"}');
    first.emit("message", JSON.stringify(SYNC));
    first.emit("close", '{"code":4000}');
    first.emit("error", ""); // the response's end after the close event: ignored
    assert.equal(first.closed, true, "EventSource's own reconnect is not used");
    assert.deepEqual(t.seen.closes, [{ code: 4000, wasLive: true }]);
    assert.equal(t.seen.states.at(-1), "offline");
    assert.equal(t.stream.open, false);
    mock.timers.tick(1000); // the first backoff window (backoff.js BASE_MS)
    assert.equal(t.sources.length, 2);
    t.source().emit("error", "");
    assert.deepEqual(t.seen.closes[1], { code: 1006, wasLive: false });
  } finally {
    mock.timers.reset();
  }
});

test("4401 means log in again: no reconnect", () => {
  mock.timers.enable({ apis: ["setTimeout"] });
  try {
    const t = setUp();
    t.stream.connect();
    t.source().emit("close", '{"code":4401}');
    assert.equal(t.seen.unauthorized, 1);
    mock.timers.tick(60000);
    assert.equal(t.sources.length, 1);
  } finally {
    mock.timers.reset();
  }
});

test("a busy server's retry_after is the wait's window", () => {
  mock.timers.enable({ apis: ["setTimeout"] });
  try {
    const t = setUp();
    mock.method(Math, "random", () => 1);
    t.stream.connect();
    t.source().emit("message", '{"type":"error","code":"busy","retry_after":7}');
    t.source().emit("close", '{"code":4503}');
    mock.timers.tick(6999);
    assert.equal(t.sources.length, 1);
    mock.timers.tick(1);
    assert.equal(t.sources.length, 2);
  } finally {
    mock.timers.reset();
    mock.restoreAll();
  }
});

test("closing for good: no reconnect; retryNow reconnects at once", () => {
  mock.timers.enable({ apis: ["setTimeout"] });
  try {
    const t = setUp();
    t.stream.connect();
    t.stream.close();
    assert.equal(t.source().closed, true);
    t.source().emit("error", "");
    mock.timers.tick(60000);
    assert.equal(t.sources.length, 1);
    t.stream.retryNow();
    assert.equal(t.sources.length, 2);
  } finally {
    mock.timers.reset();
  }
});
