import assert from "node:assert/strict";
import { test } from "node:test";

import { focusSlot, ordered, plan } from "../../static/notifications/stack.js";

const msg = (id, suppressed = false) => ({ id: id, summary: false, suppressed: suppressed });

test("newest on top, whatever order the toasts were added in (a sync after a missed push)", () => {
  // 7 arrived live, then a sync brought 6, which this tab had missed.
  const entries = [msg(7), msg(5), msg(4), msg(6)];
  assert.deepEqual(ordered(entries).map((e) => e.id), [7, 6, 5, 4]);
});

test("the burst summary stays above every message", () => {
  const entries = [msg(9), { summary: true }, msg(10)];
  assert.deepEqual(ordered(entries).map((e) => (e.summary ? "summary" : e.id)), ["summary", 10, 9]);
});

test("at most `limit` show; the rest and unread messages without a toast are '+K more'", () => {
  const entries = ordered([1, 2, 3, 4, 5, 6, 7].map((id) => msg(id)));
  assert.deepEqual(plan(entries, { limit: 5, unreadCount: 7 }), { shown: [7, 6, 5, 4, 3], more: 2 });
  // 120 unread, 7 in this tab (the sync cap): the other 113 count too.
  assert.equal(plan(entries, { limit: 5, unreadCount: 120 }).more, 115);
  // Dismissed here, read not yet confirmed: not counted as missing.
  assert.equal(plan(entries, { limit: 5, unreadCount: 9, dismissed: 2 }).more, 2);
});

test("hidden (auto-hide, burst) toasts take no slot and are not 'more'", () => {
  const entries = ordered([msg(3, true), msg(2), msg(1)]);
  assert.deepEqual(plan(entries, { limit: 1, unreadCount: 3 }), { shown: [2], more: 1 });
});

test("focus goes to the toast that took the dismissed one's place, else the last", () => {
  assert.equal(focusSlot(0, 3), 0);
  assert.equal(focusSlot(2, 2), 1);
  assert.equal(focusSlot(0, 0), -1);
  assert.equal(focusSlot(-1, 2), -1);
});
