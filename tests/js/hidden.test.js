import assert from "node:assert/strict";
import { test } from "node:test";

import { HiddenStore, MAX, pruned } from "../../static/notifications/hidden.js";

class MemoryStorage {
  constructor() {
    this.data = new Map();
  }
  getItem(key) {
    return this.data.has(key) ? this.data.get(key) : null;
  }
  setItem(key, value) {
    this.data.set(key, String(value));
  }
}

test("an info toast hidden by the timer stays hidden on the next page load", () => {
  const storage = new MemoryStorage();
  new HiddenStore(storage).add(7);
  assert.equal(new HiddenStore(storage).has(7), true);
});

test("pushed again (marked unread, collapsed): shown again everywhere", () => {
  const storage = new MemoryStorage();
  const store = new HiddenStore(storage);
  store.add(7);
  store.delete(7);
  assert.equal(new HiddenStore(storage).has(7), false);
});

test("two tabs hiding different toasts keep both", () => {
  const storage = new MemoryStorage();
  const a = new HiddenStore(storage);
  const b = new HiddenStore(storage);
  a.add(1);
  b.add(2);
  const later = new HiddenStore(storage);
  assert.equal(later.has(1) && later.has(2), true);
});

test("bounded: only unread ids, at most MAX, garbage ignored", () => {
  assert.deepEqual(pruned([3, 1, 2], new Set([1, 3])), [3, 1]);
  assert.equal(pruned(Array.from({ length: MAX + 10 }, (_, i) => i + 1)).length, MAX);
  assert.deepEqual(pruned(["x", -1, 1.5, 4]), [4]);
  const storage = new MemoryStorage();
  storage.setItem("notifications.hidden", "not json");
  assert.equal(new HiddenStore(storage).ids.size, 0);
});

test("no storage (blocked): hiding works for the page", () => {
  const store = new HiddenStore(null);
  store.add(1);
  assert.equal(store.has(1), true);
});
