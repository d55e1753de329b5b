import assert from "node:assert/strict";
import { test } from "node:test";

import { ThreadToasts } from "../../static/notifications/threads.js";

test("a message without a group has its own toast", () => {
  const t = new ThreadToasts();
  assert.deepEqual(t.place({ id: 1 }), { show: true, replaces: null });
  assert.deepEqual(t.idsWith(1), [1]);
  assert.equal(t.covered(), 0);
});

test("a newer message of a thread takes over the thread's toast, in place", () => {
  const t = new ThreadToasts();
  assert.deepEqual(t.place({ id: 1, group: "upload:42" }), { show: true, replaces: null });
  assert.deepEqual(t.place({ id: 3, group: "upload:42" }), { show: true, replaces: 1 });
  assert.deepEqual(t.place({ id: 5, group: "upload:42" }), { show: true, replaces: 3 });
  assert.deepEqual(t.idsWith(5).sort(), [1, 3, 5]);
  assert.equal(t.covered(), 2);
});

test("an older message of a thread (a sync, oldest first or not) shows no toast of its own", () => {
  const t = new ThreadToasts();
  t.place({ id: 7, group: "g" });
  assert.deepEqual(t.place({ id: 4, group: "g" }), { show: false, replaces: null });
  assert.deepEqual(t.place({ id: 7, group: "g" }), { show: true, replaces: null }); // again
  assert.deepEqual(t.idsOf("g").sort(), [4, 7]);
  assert.deepEqual(t.idsOf("other"), []);
});

test("two threads keep apart", () => {
  const t = new ThreadToasts();
  t.place({ id: 1, group: "a" });
  t.place({ id: 2, group: "b" });
  assert.deepEqual(t.place({ id: 3, group: "a" }), { show: true, replaces: 1 });
  assert.deepEqual(t.idsWith(2), [2]);
  assert.equal(t.covered(), 1);
});

test("an older member read leaves the toast; the toast's own message read drops the thread", () => {
  const t = new ThreadToasts();
  for (const id of [1, 2, 3]) t.place({ id: id, group: "g" });
  assert.deepEqual(t.forget(1), [1]);
  assert.deepEqual(t.idsWith(3).sort(), [2, 3]);
  assert.deepEqual(t.forget(3).sort(), [2, 3]);
  assert.equal(t.has(2), false);
  assert.equal(t.covered(), 0);
  assert.deepEqual(t.forget(99), []);
});
