import assert from "node:assert/strict";
import { test } from "node:test";

import { CAP_MS, QUICK_RETRY_MS, nextRetry } from "../../static/notifications/backoff.js";

test("the first retry after a plain close is at once, then exponential with full jitter", () => {
  assert.deepEqual(nextRetry(0, 1006, () => 0.5), { delay: QUICK_RETRY_MS, attempt: 1 });
  assert.deepEqual(nextRetry(1, 1006, () => 1), { delay: 1000, attempt: 2 });
  assert.deepEqual(nextRetry(3, 1006, () => 1), { delay: 4000, attempt: 4 });
  assert.deepEqual(nextRetry(3, 1006, () => 0.25), { delay: 1000, attempt: 4 });
});

test("the wait is capped", () => {
  assert.equal(nextRetry(30, 1006, () => 1).delay, CAP_MS);
});

test("a refused socket never gets the quick retry", () => {
  for (const code of [4429, 4503]) {
    const retry = nextRetry(0, code, () => 1);
    assert.notEqual(retry.delay, QUICK_RETRY_MS);
    assert.deepEqual(retry, { delay: 1000, attempt: 2 });
  }
});

test("4401 is never retried with the same credentials", () => {
  assert.equal(nextRetry(0, 4401), null);
});
