import assert from "node:assert/strict";
import { test } from "node:test";

import { BASE_MS, CAP_MS, HINT_CAP_MS, hintOf, nextRetry } from "../../static/notifications/backoff.js";

test("every retry waits a random time, the first one too (full jitter)", () => {
  // A fleet of tabs whose server restarted must not come back in lockstep.
  assert.deepEqual(nextRetry(0, 1006, () => 0), { delay: 0, attempt: 1 });
  assert.deepEqual(nextRetry(0, 1006, () => 0.5), { delay: BASE_MS / 2, attempt: 1 });
  assert.deepEqual(nextRetry(1, 1006, () => 1), { delay: 2 * BASE_MS, attempt: 2 });
  assert.deepEqual(nextRetry(3, 1006, () => 0.25), { delay: 2 * BASE_MS, attempt: 4 });
  const firsts = new Set(Array.from({ length: 50 }, () => nextRetry(0, 1006).delay));
  assert.ok(firsts.size > 40, "the first retry is spread, not one fixed wait");
});

test("the wait is capped", () => {
  assert.equal(nextRetry(30, 1006, () => 1).delay, CAP_MS);
});

test("a refused socket starts one step further", () => {
  for (const code of [4429, 4503]) {
    assert.deepEqual(nextRetry(0, code, () => 1), { delay: 2 * BASE_MS, attempt: 2 });
  }
});

test("the server's hint is the window the wait is drawn from", () => {
  assert.deepEqual(nextRetry(0, 4503, () => 1, 20000), { delay: 20000, attempt: 2 });
  assert.equal(nextRetry(0, 4503, () => 0.5, 20000).delay, 10000);
  // The server knows its queue: after many refusals a short hint still means soon.
  assert.equal(nextRetry(10, 4503, () => 1, 3000).delay, 3000);
  assert.equal(nextRetry(0, 4503, () => 1, 10 * HINT_CAP_MS).delay, HINT_CAP_MS);
  // Without a hint, the backoff of the attempt number.
  assert.equal(nextRetry(10, 4503, () => 1, 0).delay, CAP_MS);
});

test("the hint is read from the server's error frame", () => {
  assert.equal(hintOf({ type: "error", code: "busy", retry_after: 7 }), 7000);
  assert.equal(hintOf({ type: "error", code: "rate_limited" }), 0);
  assert.equal(hintOf({ type: "error", code: "busy", retry_after: "7; drop" }), 0);
  assert.equal(hintOf({ type: "sync" }), 0);
});

test("4401 is never retried with the same credentials", () => {
  assert.equal(nextRetry(0, 4401), null);
});
