// The toast stack's rules, pure: order, which show, the "+K more" count, where focus
// goes after a dismiss. client.js applies them to the DOM.

/**
 * Display order: the burst summary first, then messages newest first. Ids grow with
 * creation time, and the server's `sync` and page load order by id too, so a message
 * missed while away lands below newer ones instead of on top.
 */
export function ordered(entries) {
  return entries.slice().sort((a, b) => {
    if (a.summary !== b.summary) return a.summary ? -1 : 1;
    return b.id - a.id;
  });
}

/**
 * entries: [{id, summary, suppressed}] in display order (suppressed: hidden by the
 * timer or inside the burst summary). Returns the ids shown and K for "+K more":
 * messages over the limit plus unread ones this tab has no toast for (beyond the sync
 * cap), minus those dismissed here whose read has not come back.
 */
export function plan(entries, { limit, unreadCount, dismissed = 0 }) {
  const shown = [];
  let overflow = 0;
  let messages = 0;
  for (const e of entries) {
    if (!e.summary) messages += 1;
    if (e.suppressed && !e.summary) continue;
    if (shown.length < limit) shown.push(e.summary ? "summary" : e.id);
    else overflow += 1;
  }
  const more = overflow + Math.max(0, unreadCount - messages - dismissed);
  return { shown: shown, more: more };
}

/**
 * Where focus goes after the toast at `index` of the visible ones was dismissed, given
 * how many show now: the one that took its place (the next), else the last; -1: none.
 */
export function focusSlot(index, count) {
  if (count <= 0 || index < 0) return -1;
  return Math.min(index, count - 1);
}
