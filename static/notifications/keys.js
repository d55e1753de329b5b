// Which inbox shortcut a key press is, if any: pure, so it is unit-tested (tests/js).

const KEYS = { j: "next", k: "previous", x: "select", e: "archive", s: "snooze", m: "mute", I: "read", "?": "help" };

/** True when the key goes to something the user types in or operates with keys. */
export function isTyping(target) {
  if (!target || !target.closest) return false;
  if (target.isContentEditable) return true;
  return Boolean(target.closest("input, textarea, select, [contenteditable]:not([contenteditable='false'])"));
}

/** The action of a keydown event ("next", "read", "help", ...), or null. */
export function shortcutFor(event) {
  if (event.defaultPrevented) return null;
  if (event.ctrlKey || event.altKey || event.metaKey || event.isComposing) return null;
  if (isTyping(event.target)) return null;
  const action = KEYS[event.key];
  if (!action) return null;
  // Shift+I for read; a plain "i" is nothing. "?" needs Shift on most layouts.
  if (action === "read" && !event.shiftKey) return null;
  if (action !== "read" && action !== "help" && event.shiftKey) return null;
  return action;
}
