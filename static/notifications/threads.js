// Toasts of one thread (a message's `group`, docs/protocol.md): one toast per thread,
// updated in place by each newer message, standing for the older ones this tab knows.
// Pure bookkeeping; client.js applies it to the DOM.

export class ThreadToasts {
  constructor() {
    this.heads = new Map(); // group -> the id its toast shows (the newest known)
    this.members = new Map(); // group -> Set of every id known in it
    this.groupOf = new Map(); // id -> group
  }

  /**
   * Where a message goes: {show: true, replaces: null} (its own toast, or one without a
   * thread), {show: true, replaces: oldId} (the thread's toast, now for this newer id), or
   * {show: false} (older than the thread's toast, which stands for it).
   */
  place(msg) {
    const group = msg.group;
    if (!group) return { show: true, replaces: null };
    this.groupOf.set(msg.id, group);
    if (!this.members.has(group)) this.members.set(group, new Set());
    this.members.get(group).add(msg.id);
    const head = this.heads.get(group);
    if (head === undefined || head === msg.id) {
      this.heads.set(group, msg.id);
      return { show: true, replaces: null };
    }
    if (msg.id > head) {
      this.heads.set(group, msg.id);
      return { show: true, replaces: head };
    }
    return { show: false, replaces: null };
  }

  /** Every id this tab knows in a thread. */
  known() {
    return Array.from(this.groupOf.keys());
  }

  has(id) {
    return this.groupOf.has(id);
  }

  /** Every id a toast stands for: its thread's known ids, or itself alone. */
  idsWith(id) {
    const group = this.groupOf.get(id);
    return group ? Array.from(this.members.get(group)) : [id];
  }

  /** The ids of one thread this tab knows (a `muted` frame names a group). */
  idsOf(group) {
    return Array.from(this.members.get(group) || []);
  }

  /**
   * A message gone (read, archived, deleted). The thread's toast going drops the whole
   * thread here: members still unread come back with the next sync, under a new toast.
   * Returns the ids forgotten.
   */
  forget(id) {
    const group = this.groupOf.get(id);
    if (!group) return [];
    if (this.heads.get(group) !== id) {
      this.members.get(group).delete(id);
      this.groupOf.delete(id);
      return [id];
    }
    const ids = this.idsOf(group);
    for (const member of ids) this.groupOf.delete(member);
    this.members.delete(group);
    this.heads.delete(group);
    return ids;
  }

  /** How many known unread messages have no toast of their own (a thread's older ones). */
  covered() {
    let n = 0;
    for (const ids of this.members.values()) n += ids.size - 1;
    return n;
  }
}
