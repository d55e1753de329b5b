// What the toasts do with each frame from the server (docs/protocol.md): a handler per
// type for frames.js's `dispatch`. Types the stack has no use for (pong, unarchived,
// interacted) have none; pages with live parts of their own listen for
// `notifications:frame` instead.
import { ERROR, LEAVING_UNREAD, MUTED, NOTIFICATION, SYNC, each } from "./frames.js";

/**
 * view: the toast set (toast_set.js); acks: the AckQueue; requestSync(delayMs);
 * tellFailed(n): dismissals that could not be marked read; syncLimit: the server's cap
 * on a sync's unread set.
 */
export function frameHandlers(view, { acks, requestSync, tellFailed, syncLimit }) {
  // After a change: the server's count, the stack laid out, and a resync if they disagree.
  function counted(frame) {
    view.setCount(frame.unread_count);
    view.layout();
    checkDrift(frame.unread_count);
  }

  // Pushes are at most once: if what we show disagrees with the server's count, resync.
  function checkDrift(count) {
    if (acks.size || view.toasts.size + view.threads.covered() === Math.min(count, syncLimit)) return;
    requestSync(250);
  }

  function applySync(frame) {
    const unread = frame.unread.map((m) => m.id);
    const complete = frame.unread_count <= frame.unread.length;
    const failed = acks.reconcile({ unread: unread, complete: complete });
    if (failed.length) tellFailed(failed.length);
    for (const id of [...view.toasts.keys(), ...view.threads.known()]) if (!unread.includes(id) || acks.has(id)) view.remove(id);
    for (const msg of frame.unread) {
      if (acks.has(msg.id)) continue;
      // The server decides what toasts, as for a live frame.
      view.show(msg, { live: false, toast: msg.toast !== false });
    }
    if (complete) view.hidden.keepOnly(new Set(unread));
    view.setCount(frame.unread_count);
    view.layout();
  }

  return {
    [SYNC]: applySync,
    [NOTIFICATION]: (frame) => {
      if (!acks.has(frame.message.id)) {
        // Quiet (`toast: false`: the user's preferences, or do not disturb): counted and in
        // the inbox, not shown as a toast until a sync or page load says otherwise.
        view.show(frame.message, { live: true, toast: frame.toast !== false });
      }
      counted(frame);
    },
    // No longer unread: the toast goes (archived and deleted messages are not unread;
    // a snoozed one is back as a `notification` when its time comes).
    ...each(LEAVING_UNREAD, (frame) => {
      for (const id of frame.ids) view.remove(id);
      acks.confirm(frame.ids);
      counted(frame);
    }),
    [MUTED]: (frame) => {
      // A thread muted (in any tab): its messages stay unread, and toast no more.
      if (frame.muted) for (const id of view.threads.idsOf(frame.group)) view.quiet.add(id);
      view.layout();
    },
    [ERROR]: (frame) => {
      // The cookie is now another user's (a logout and a login in another tab): the
      // server closes with 4409, and the page reloads as whoever is signed in.
      if (frame.code === "wrong_user") {
        location.reload();
        return;
      }
      console.warn("notifications:", frame.code, frame.detail);
      // A refused ack (rate limited) is retried from the next sync.
      if (acks.size) requestSync(1000);
    },
  };
}
