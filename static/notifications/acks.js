// Dismissals not yet confirmed by the server. A dismiss made while the server is
// unreachable is kept here and sent again on reconnect (as `seen` is), so it is never
// silently lost; after MAX_TRIES unconfirmed sends the caller tells the user. Pure.

export const MAX_TRIES = 3;

export class AckQueue {
  /** maxIds: the most ids in one ack (the page's data-max-ack-ids, NOTIFICATIONS_MAX_ACK_IDS). */
  constructor(maxIds) {
    if (!Number.isInteger(maxIds) || maxIds < 1) throw new Error("AckQueue: maxIds must be a positive integer");
    this.maxIds = maxIds;
    this.entries = new Map(); // id -> {tries}
  }

  get size() {
    return this.entries.size;
  }

  has(id) {
    return this.entries.has(id);
  }

  add(ids) {
    for (const id of ids) if (!this.entries.has(id)) this.entries.set(id, { tries: 0 });
  }

  /** The next batch to send (at most maxIds); each counts as one try. */
  take() {
    const batch = Array.from(this.entries.keys()).slice(0, this.maxIds);
    for (const id of batch) this.entries.get(id).tries += 1;
    return batch;
  }

  /** The server says these are read (a `read` frame, an HTTP answer): done. */
  confirm(ids) {
    for (const id of ids) this.entries.delete(id);
  }

  /** A send that never left (offline): it does not count as a try. */
  untry(ids) {
    for (const id of ids) {
      const entry = this.entries.get(id);
      if (entry && entry.tries > 0) entry.tries -= 1;
    }
  }

  /**
   * A fresh unread set: ids no longer in it are read (confirmed). An id still unread
   * after MAX_TRIES sends has failed: it is dropped and returned, for the caller to
   * show again and tell the user. A capped set proves nothing about ids below its
   * oldest, so those stay queued.
   */
  reconcile({ unread, complete }) {
    const ids = new Set(unread);
    const oldest = unread.length ? Math.min(...unread) : Infinity;
    const failed = [];
    for (const [id, entry] of this.entries) {
      if (!ids.has(id)) {
        if (complete || id > oldest) this.entries.delete(id);
      } else if (entry.tries >= MAX_TRIES) {
        this.entries.delete(id);
        failed.push(id);
      }
    }
    return failed;
  }

  /** Give up on these at once (the server refused them for good). */
  fail(ids) {
    const failed = ids.filter((id) => this.entries.has(id));
    for (const id of failed) this.entries.delete(id);
    return failed;
  }
}
