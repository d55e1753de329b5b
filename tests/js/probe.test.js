import assert from "node:assert/strict";
import { test } from "node:test";

import { PROBE_AFTER_MS, PROBE_EVERY_MS, RESUME_MS, afterProbe, firstProbe, probeGap } from "../../static/notifications/probe.js";

const UNREACHED = { reached: false, probed: false };

test("a long wait after a socket that never reached the server is probed, every few seconds with jitter", () => {
  const gap = firstProbe(20000, UNREACHED, () => 0.5);
  assert.equal(gap, PROBE_EVERY_MS);
  const gaps = new Set(Array.from({ length: 50 }, () => probeGap(Math.random)));
  assert.ok(gaps.size > 40, "the probes of many browsers are spread, not in step");
  for (const g of gaps) assert.ok(g >= 0.75 * PROBE_EVERY_MS && g <= 1.25 * PROBE_EVERY_MS, g);
  assert.ok(PROBE_EVERY_MS * 1.25 + RESUME_MS <= 4000, "back within 4 s of the server answering");
});

test("a short wait is not probed: the retry comes soon anyway", () => {
  assert.equal(firstProbe(PROBE_AFTER_MS - 1, UNREACHED, () => 0.5), null);
  assert.notEqual(firstProbe(PROBE_AFTER_MS, UNREACHED, () => 0.5), null);
});

test("a server that answered the socket decides the wait: no probe (its close, its retry_after)", () => {
  // Accepted then refused (4503 busy with a hint, 4429, 1011): the server is up and
  // said how long; a probe would only bring the crowd back before its time.
  assert.equal(firstProbe(20000, { reached: true, probed: false }, () => 0.5), null);
});

test("a probe's yes is not believed twice in a row", () => {
  // The probe answers but the socket still fails (a proxy without WebSockets, an origin
  // refused): the next wait is the backoff's, not another shortcut every few seconds.
  assert.equal(firstProbe(20000, { reached: false, probed: true }, () => 0.5), null);
});

test("a 2xx: reconnect after a short random wait, never later than the backoff's own retry", () => {
  assert.deepEqual(afterProbe(204, NaN, 15000, () => 0.5), { connectIn: RESUME_MS / 2 });
  assert.deepEqual(afterProbe(200, NaN, 15000, () => 1), { connectIn: RESUME_MS });
  assert.deepEqual(afterProbe(204, NaN, 300, () => 1), { connectIn: 300 });
  assert.ok(RESUME_MS <= 2000);
});

test("a network failure or an error keeps the backoff, probing again until its retry", () => {
  for (const status of [0, 500, 502, 504, 404]) {
    assert.deepEqual(afterProbe(status, NaN, 15000, () => 0.5), { probeIn: PROBE_EVERY_MS }, String(status));
  }
  // No probe the backoff's retry would overtake.
  assert.equal(afterProbe(0, NaN, PROBE_EVERY_MS, () => 0.5), null);
});

test("a 503 with Retry-After is honoured: no probe before it, and no early reconnect", () => {
  assert.deepEqual(afterProbe(503, 10, 15000, () => 0.5), { probeIn: 10000 });
  assert.equal(afterProbe(503, 20, 15000, () => 0.5), null);
  // A hint shorter than the probe gap changes nothing.
  assert.deepEqual(afterProbe(503, 1, 15000, () => 0.5), { probeIn: PROBE_EVERY_MS });
});
