// The toasts this tab shows: the unread set, laid out on the stack by stack.js's rules,
// with the badge and title counting it and `seen` told for what a focused tab shows.
// Frames (client_frames.js) and dismissals (dismissals.js) change it through this.
import { Burst, levelSummary } from "./burst.js";
import { seenFrame } from "./frames.js";
import { HiddenStore } from "./hidden.js";
import { focusSlot, ordered, plan } from "./stack.js";
import { ThreadToasts } from "./threads.js";
import { fill, linkFullText, messageToast, sanitize, setSummaryCount, summaryToast } from "./toasts.js";

function localStorageOrNull() {
  try {
    return window.localStorage;
  } catch {
    return null; // blocked by the browser's privacy settings
  }
}

/**
 * The set of toasts on `stack` (#toasts), from the page's own toasts on. acks: the
 * AckQueue (dismissed here, not yet confirmed read: counted off "+K more"); send(frame):
 * the socket's, for `seen`.
 */
export function createToastSet(stack, config, { acks, send }) {
  const badge = document.getElementById("unread-badge");
  const more = stack.querySelector(".toast-more");
  const baseTitle = document.title.replace(/^\(\d+\) /, "");
  const narrow = window.matchMedia(config.narrowQuery);

  const toasts = new Map(); // message id -> element: the unread set this tab shows
  const threads = new ThreadToasts(); // one toast per thread (a message's `group`)
  const hidden = new HiddenStore(localStorageOrNull()); // info toasts the timer hid
  // Messages the server said not to toast (preferences, do not disturb): decided again by
  // every page load and sync, so a toast held by do-not-disturb shows once it ends.
  const quiet = new Set();
  const burst = new Burst({ count: config.burstCount, windowMs: config.burstWindowMs });
  const seen = { viewed: new Set(), reported: new Set(), timers: new Map() };
  let summary = null; // the burst's summary toast while it shows
  let unreadCount = badge ? parseInt(badge.dataset.count, 10) || 0 : 0;

  const rendered = Array.from(stack.querySelectorAll(".toast[data-id]"));
  rendered.sort((a, b) => Number(a.dataset.id) - Number(b.dataset.id));
  for (const el of rendered) {
    sanitize(el);
    const id = Number(el.dataset.id);
    // A thread rendered as several toasts: its newest stands for the rest.
    const placed = threads.place({ id: id, group: el.dataset.group });
    if (!placed.show) {
      el.remove();
      continue;
    }
    if (placed.replaces !== null) {
      toasts.get(placed.replaces).remove();
      toasts.delete(placed.replaces);
    }
    toasts.set(id, el);
    if ("quiet" in el.dataset) quiet.add(id); // the server said: no toast
  }

  function upsert(msg, live) {
    const placed = threads.place(msg);
    if (!placed.show) return; // an older message of a thread: its thread's toast stands for it
    if (placed.replaces !== null && toasts.has(placed.replaces)) {
      // The thread's toast, updated in place for its newest message (like a collapse key).
      const old = placed.replaces;
      toasts.set(msg.id, toasts.get(old));
      toasts.get(msg.id).dataset.id = String(msg.id);
      toasts.delete(old);
      quiet.delete(old);
      seen.viewed.delete(old);
      clearTimeout(seen.timers.get(old));
    }
    let el = toasts.get(msg.id);
    const isNew = !el;
    if (isNew) {
      el = messageToast(msg);
      toasts.set(msg.id, el);
    } else {
      fill(el, msg); // a collapsed message (same id) is replaced in place
    }
    if (live) {
      // Pushed again (collapsed, or marked unread elsewhere): show it again. A sync only
      // restates the set, so what the timer hid stays hidden.
      hidden.delete(msg.id);
      seen.viewed.delete(msg.id);
      seen.reported.delete(msg.id); // unseen again on the server (an update, a snooze's end)
      clearTimeout(seen.timers.get(msg.id));
    }
    if (live && isNew && burst.arrive(msg.id, Date.now(), (id) => toasts.has(id))) {
      if (!summary) summary = summaryToast(config.inboxUrl);
      const levels = Array.from(burst.ids, (id) => (toasts.get(id) ? toasts.get(id).dataset.level : "info"));
      setSummaryCount(summary, burst.ids.size, levelSummary(levels));
    }
  }

  /** A message shown again by the server: quietly (`toast: false`) or as a toast. */
  function show(msg, { live, toast }) {
    upsert(msg, live && toast);
    if (toast) quiet.delete(msg.id);
    else quiet.add(msg.id);
  }

  function remove(id) {
    for (const member of threads.forget(id)) if (member !== id) remove(member);
    const el = toasts.get(id);
    if (el) el.remove();
    toasts.delete(id);
    quiet.delete(id);
    seen.viewed.delete(id);
    clearTimeout(seen.timers.get(id));
    seen.timers.delete(id);
    if (burst.remove(id) && summary) {
      summary.remove();
      summary = null;
    }
  }

  // Applies the stack's rules (stack.js) to the DOM: order, which show, "+K more".
  function layout() {
    const entries = [];
    if (summary) entries.push({ summary: true, el: summary });
    for (const [id, el] of toasts) entries.push({ id: id, el: el, summary: false, suppressed: hidden.has(id) || quiet.has(id) || burst.has(id) });
    const order = ordered(entries);
    const alerts = Array.from(stack.querySelectorAll(".toast[data-local]"));
    place([...alerts, ...order.map((e) => e.el), ...(more ? [more] : [])]);
    const limit = narrow.matches ? Math.min(config.toastLimit, config.narrowLimit) : config.toastLimit;
    // A thread's older messages have no toast but are shown (by its toast): not "+K more".
    const result = plan(order, { limit: limit, unreadCount: unreadCount, dismissed: acks.size + threads.covered() });
    const shown = new Set(result.shown);
    for (const e of order) {
      e.el.hidden = !shown.has(e.summary ? "summary" : e.id);
      linkFullText(e.el, config.inboxUrl);
    }
    if (more) {
      more.hidden = result.more === 0;
      more.querySelector(".toast-more-count").textContent = String(result.more);
    }
    noteViewed();
    reserve();
  }

  // The stack's height, for app.css to keep the page's own controls clear of it.
  function reserve() {
    document.documentElement.style.setProperty("--toasts-height", stack.offsetHeight + "px");
  }

  // Moves only the elements out of place: moving a node restarts its entry animation.
  function place(desired) {
    desired.forEach((el, i) => {
      const current = stack.children[i];
      if (current !== el) stack.insertBefore(el, current || null);
    });
  }

  // --- seen: a toast shown in a focused tab -----------------------------------------
  function noteViewed() {
    if (document.visibilityState !== "visible" || !document.hasFocus()) return;
    if (!stack.getClientRects().length) return; // the page does not show toasts (the inbox)
    const fresh = [];
    for (const [id, el] of toasts) {
      if (el.hidden || seen.viewed.has(id)) continue;
      seen.viewed.add(id);
      fresh.push(id);
      if (config.hideAfterMs > 0 && el.dataset.level === "info") scheduleHide(id, config.hideAfterMs);
    }
    if (fresh.length) document.dispatchEvent(new CustomEvent("notifications:seen", { detail: { ids: fresh } }));
    reportSeen();
  }

  function reportSeen() {
    const ids = [];
    for (const id of seen.viewed) if (!seen.reported.has(id) && toasts.has(id)) ids.push(id);
    // Unsent ones go with the next layout or reconnect; the server keeps the first time.
    const batch = ids.slice(0, config.maxAckIds);
    if (batch.length && send(seenFrame(batch))) for (const id of batch) seen.reported.add(id);
  }

  // Auto-hide only hides (the message stays unread), and waits while the pointer or
  // keyboard focus is on the stack, so nobody loses a toast they are reading.
  function scheduleHide(id, delay) {
    clearTimeout(seen.timers.get(id));
    const timer = setTimeout(() => {
      if (!toasts.has(id)) return;
      if (stack.matches(":hover") || stack.contains(document.activeElement)) {
        scheduleHide(id, 1000);
        return;
      }
      hidden.add(id);
      layout();
    }, delay);
    seen.timers.set(id, timer);
  }

  window.addEventListener("focus", noteViewed);
  document.addEventListener("visibilitychange", noteViewed);

  // --- badge and title ----------------------------------------------------------------
  function setCount(n) {
    if (typeof n !== "number") return;
    unreadCount = n;
    if (badge) {
      badge.textContent = String(n);
      badge.dataset.count = String(n);
    }
    document.title = (n > 0 ? "(" + n + ") " : "") + baseTitle;
  }

  // Pages that change messages over HTTP (the inbox) report the new count here, so the
  // badge is right even while the socket is down.
  document.addEventListener("notifications:count", (event) => {
    setCount(event.detail);
    layout();
  });
  narrow.addEventListener("change", layout);

  // --- what the stack's controls need -------------------------------------------------
  /** Closes the burst's summary toast; returns the ids it stood for. */
  function closeSummary() {
    const ids = Array.from(burst.ids);
    if (summary) summary.remove();
    summary = null;
    burst.clear();
    return ids;
  }

  /** The visible toasts, in stack order. */
  function visible() {
    return Array.from(stack.querySelectorAll(":scope > .toast:not([hidden])"));
  }

  // Keyboard users land on the toast that took the dismissed one's place, else on the
  // "+K more" link, else on the inbox link in the header: never on <body>.
  function moveFocus(index) {
    const now = visible();
    const slot = focusSlot(index, now.length);
    const target =
      slot >= 0
        ? now[slot].querySelector(".toast-dismiss")
        : (more && !more.hidden && more) || document.querySelector("a.unread") || null;
    if (target) target.focus();
  }

  return {
    toasts,
    threads,
    hidden,
    quiet,
    upsert,
    show,
    remove,
    layout,
    setCount,
    reportSeen,
    closeSummary,
    visible,
    moveFocus,
    get unreadCount() {
      return unreadCount;
    },
  };
}
