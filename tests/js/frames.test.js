import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";

import * as frames from "../../static/notifications/frames.js";

const PROTOCOL = readFileSync(new URL("../../docs/protocol.md", import.meta.url), "utf8");

/** The `type` of every frame in the table under `heading` in docs/protocol.md. */
function documented(heading) {
  const section = PROTOCOL.split(/^## /m).find((part) => part.startsWith(heading + "\n"));
  assert.ok(section, heading);
  return [...section.matchAll(/^\| `\{"type":"([a-z_]+)"/gm)].map((match) => match[1]);
}

test("the declared types are the protocol's, both ways", () => {
  assert.deepEqual([...frames.SERVER_TYPES].sort(), documented("Server → client").sort());
  assert.deepEqual([...frames.CLIENT_TYPES].sort(), documented("Client → server").sort());
});

test("dispatch calls the handler of the frame's type with the frame", () => {
  const calls = [];
  const handlers = {
    read: (frame) => {
      calls.push(frame.ids);
      return "done";
    },
  };
  assert.equal(frames.dispatch({ type: frames.READ, ids: [1] }, handlers), "done");
  assert.deepEqual(calls, [[1]]);
});

test("dispatch ignores types without a handler, and what is not a frame", () => {
  const handlers = { read: () => assert.fail("not a read") };
  for (const frame of [{ type: "from_a_newer_server" }, { type: "toString" }, {}, null, { type: 1 }]) {
    assert.equal(frames.dispatch(frame, handlers), undefined);
  }
});

test("each gives one handler to several types", () => {
  const seen = [];
  const handlers = frames.each(frames.LEAVING_UNREAD, (frame) => seen.push(frame.type));
  for (const type of frames.SERVER_TYPES) frames.dispatch({ type: type, ids: [] }, handlers);
  assert.deepEqual(seen, ["read", "archived", "deleted", "snoozed"]);
});

test("client frames carry their type", () => {
  assert.deepEqual(frames.ackFrame([1, 2]), { type: "ack", ids: [1, 2] });
  assert.deepEqual(frames.seenFrame([3]), { type: "seen", ids: [3] });
  assert.deepEqual(frames.syncFrame(), { type: "sync" });
});
