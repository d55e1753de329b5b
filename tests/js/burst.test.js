import assert from "node:assert/strict";
import { test } from "node:test";

import { Burst, levelSummary } from "../../static/notifications/burst.js";

test("up to `count` arrivals in the window are no burst", () => {
  const burst = new Burst({ count: 3, windowMs: 2000 });
  assert.equal(burst.arrive(1, 0), false);
  assert.equal(burst.arrive(2, 100), false);
  assert.equal(burst.arrive(3, 200), false);
  assert.equal(burst.active, false);
});

test("one more within the window collapses all of them, and later ones join", () => {
  const burst = new Burst({ count: 3, windowMs: 2000 });
  for (const [id, at] of [[1, 0], [2, 100], [3, 200]]) burst.arrive(id, at);
  assert.equal(burst.arrive(4, 300), true);
  assert.deepEqual([...burst.ids], [1, 2, 3, 4]);
  // Within the window of the last arrival, not of the first.
  assert.equal(burst.arrive(5, 2200), true);
  assert.equal(burst.has(5), true);
});

test("arrivals spread out never burst", () => {
  const burst = new Burst({ count: 3, windowMs: 2000 });
  for (let i = 0; i < 10; i++) assert.equal(burst.arrive(i, i * 1000), false);
});

test("ids already gone (read elsewhere) do not join; the summary ends when all are read", () => {
  const burst = new Burst({ count: 1, windowMs: 2000 });
  burst.arrive(1, 0);
  burst.arrive(2, 10, (id) => id !== 1);
  assert.deepEqual([...burst.ids], [2]);
  assert.equal(burst.remove(2), true);
  assert.equal(burst.active, false);
  assert.equal(burst.remove(2), false);
});

test("a burst's summary takes its most urgent level and counts each", () => {
  const levels = [...Array(22).fill("info"), ...Array(8).fill("error")];
  assert.deepEqual(levelSummary(levels), { level: "error", text: "8 errors \u00b7 22 info" });
  assert.deepEqual(levelSummary(["success", "warning"]), { level: "warning", text: "1 warning \u00b7 1 success" });
  assert.deepEqual(levelSummary([]), { level: "info", text: "" });
});
