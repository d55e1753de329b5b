import assert from "node:assert/strict";
import { test } from "node:test";

import { isTyping, shortcutFor } from "../../static/notifications/keys.js";

// A stand-in for an element: `closest` answers for the tags it is inside.
function element(tags = [], { editable = false } = {}) {
  return {
    isContentEditable: editable,
    closest: (selector) => (tags.some((tag) => selector.split(/,\s*/).some((s) => s.startsWith(tag))) ? {} : null),
  };
}

function key(k, extra = {}) {
  return { key: k, target: element(), shiftKey: false, ctrlKey: false, altKey: false, metaKey: false, ...extra };
}

test("each shortcut maps to its action", () => {
  assert.equal(shortcutFor(key("j")), "next");
  assert.equal(shortcutFor(key("k")), "previous");
  assert.equal(shortcutFor(key("x")), "select");
  assert.equal(shortcutFor(key("e")), "archive");
  assert.equal(shortcutFor(key("s")), "snooze");
  assert.equal(shortcutFor(key("m")), "mute");
  assert.equal(shortcutFor(key("I", { shiftKey: true })), "read");
  assert.equal(shortcutFor(key("?", { shiftKey: true })), "help");
  assert.equal(shortcutFor(key("?")), "help"); // layouts where ? needs no Shift
});

test("never while typing in a field, nor with a modifier, nor a key already handled", () => {
  for (const tag of ["input", "textarea", "select"]) {
    assert.equal(shortcutFor(key("j", { target: element([tag]) })), null, tag);
  }
  assert.equal(shortcutFor(key("e", { target: element([], { editable: true }) })), null);
  assert.equal(isTyping(element(["input"])), true);
  assert.equal(shortcutFor(key("e", { ctrlKey: true })), null);
  assert.equal(shortcutFor(key("s", { metaKey: true })), null);
  assert.equal(shortcutFor(key("j", { altKey: true })), null);
  assert.equal(shortcutFor(key("j", { defaultPrevented: true })), null);
  assert.equal(shortcutFor(key("j", { isComposing: true })), null);
});

test("a plain i is not read, a shifted letter is not its shortcut, other keys are nothing", () => {
  assert.equal(shortcutFor(key("i")), null);
  assert.equal(shortcutFor(key("E", { shiftKey: true })), null);
  assert.equal(shortcutFor(key("J", { shiftKey: true })), null);
  assert.equal(shortcutFor(key("a")), null);
  assert.equal(shortcutFor(key("Enter")), null);
});
