// Info toasts the timer hid, remembered in localStorage so they stay hidden on the next
// page load and in new tabs of this browser (they stay unread). Bounded: only ids still
// in the unread set are kept, and at most MAX of them.

export const MAX = 500;
const KEY = "notifications.hidden";

/** The ids to keep: those still unread (when known), newest MAX. Pure. */
export function pruned(ids, unread = null) {
  let kept = Array.from(new Set(ids)).filter((id) => Number.isInteger(id) && id > 0);
  if (unread) kept = kept.filter((id) => unread.has(id));
  return kept.sort((a, b) => b - a).slice(0, MAX);
}

export class HiddenStore {
  constructor(storage) {
    this.storage = storage; // window.localStorage, or null where it is blocked
    this.ids = new Set(pruned(this.read()));
  }

  read() {
    try {
      const value = JSON.parse(this.storage.getItem(KEY) || "[]");
      return Array.isArray(value) ? value : [];
    } catch {
      return [];
    }
  }

  write() {
    try {
      this.storage.setItem(KEY, JSON.stringify(Array.from(this.ids)));
    } catch {
      // Blocked or full storage: hiding still works for this page.
    }
  }

  has(id) {
    return this.ids.has(id);
  }

  add(id) {
    // Another tab may have added some since: merge, do not overwrite.
    this.ids = new Set(pruned([...this.read(), ...this.ids, id]));
    this.write();
  }

  delete(id) {
    if (!this.ids.delete(id)) return;
    this.ids = new Set(pruned(this.read().filter((x) => x !== id)));
    this.ids.delete(id);
    this.write();
  }

  /** Keep only ids still unread (after a complete sync). */
  keepOnly(unread) {
    this.ids = new Set(pruned([...this.read(), ...this.ids], unread));
    this.write();
  }
}
