import assert from "node:assert/strict";
import { test } from "node:test";

import { AckQueue, MAX_TRIES } from "../../static/notifications/acks.js";

const MAX_IDS = 500; // the page's data-max-ack-ids by default

test("a dismiss made offline stays queued until the server confirms it", () => {
  const acks = new AckQueue(MAX_IDS);
  acks.add([5, 6]);
  const batch = acks.take();
  acks.untry(batch); // the POST never left: offline
  assert.equal(acks.size, 2);
  // Reconnect: the sync still lists them as unread, so they are sent again.
  assert.deepEqual(acks.reconcile({ unread: [5, 6, 7], complete: true }), []);
  assert.deepEqual(acks.take(), [5, 6]);
  acks.confirm([5]); // a `read` frame
  assert.equal(acks.has(5), false);
  // A sync without 6: read (by this ack or elsewhere).
  acks.reconcile({ unread: [7], complete: true });
  assert.equal(acks.size, 0);
});

test("after MAX_TRIES sends still unread, it fails and is reported once", () => {
  const acks = new AckQueue(MAX_IDS);
  acks.add([5]);
  for (let i = 0; i < MAX_TRIES; i++) {
    assert.deepEqual(acks.reconcile({ unread: [5], complete: true }), []);
    acks.take();
  }
  assert.deepEqual(acks.reconcile({ unread: [5], complete: true }), [5]);
  assert.equal(acks.size, 0);
});

test("a capped sync proves nothing about ids below its oldest", () => {
  const acks = new AckQueue(MAX_IDS);
  acks.add([2, 50]);
  acks.reconcile({ unread: [10, 11], complete: false });
  assert.equal(acks.has(2), true);
  assert.equal(acks.has(50), false);
});

test("batches are at most MAX_IDS; refused ids fail at once", () => {
  const acks = new AckQueue(MAX_IDS);
  acks.add(Array.from({ length: MAX_IDS + 3 }, (_, i) => i + 1));
  assert.equal(acks.take().length, MAX_IDS);
  assert.deepEqual(acks.fail([1, 2, 99999]), [1, 2]);
});

test("the batch limit is the page's (data-max-ack-ids), not a copy: a lowered setting is kept", () => {
  const acks = new AckQueue(3);
  acks.add([1, 2, 3, 4, 5]);
  assert.deepEqual(acks.take(), [1, 2, 3]);
  assert.throws(() => new AckQueue(undefined), /maxIds/);
  assert.throws(() => new AckQueue(0), /maxIds/);
});
