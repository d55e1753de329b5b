// The inbox's keyboard shortcuts (docs/inbox.md, "Keyboard"): j/k move between rows, x
// selects, e archives, Shift+I marks read, s snoozes, m mutes, ? lists them in a dialog.
// Each one presses the page's own button for it, so what happens is what a click does;
// never while the user types in a field or with Ctrl/Alt/Meta held.
import { shortcutFor } from "./keys.js";

const list = document.getElementById("inbox");
const dialog = document.getElementById("keys-help");
if (list && dialog) start(list, dialog);

function start(list, dialog) {
  const opener = document.getElementById("keys-open");
  let current = null; // the row the keys act on

  opener.closest("p").hidden = false;
  opener.addEventListener("click", () => dialog.showModal());

  function rows() {
    return Array.from(list.querySelectorAll(".inbox-item"));
  }

  function focusRow(row) {
    if (current) current.classList.remove("is-current");
    current = row;
    if (!row) return;
    row.classList.add("is-current");
    row.tabIndex = -1;
    row.focus();
    row.scrollIntoView({ block: "nearest" });
  }

  // The row with focus (or holding it), else the last one the keys moved to.
  function target() {
    const focused = document.activeElement && document.activeElement.closest ? document.activeElement.closest(".inbox-item") : null;
    if (focused && list.contains(focused)) return focused;
    return current && current.isConnected ? current : null;
  }

  function move(step) {
    const all = rows();
    if (!all.length) return;
    const at = all.indexOf(target());
    const index = at === -1 ? (step > 0 ? 0 : all.length - 1) : Math.min(all.length - 1, Math.max(0, at + step));
    focusRow(all[index]);
  }

  function toggleSelect(row) {
    const box = row.querySelector(".inbox-select");
    if (!box) return;
    box.checked = !box.checked;
    box.dispatchEvent(new Event("change", { bubbles: true }));
  }

  // The bulk bar's action on the selected rows, or on this row when none is selected.
  function bulk(row, action) {
    const button = document.querySelector('#inbox-bulk button[name="action"][value="' + action + '"]');
    if (!button) return;
    const selected = list.querySelectorAll(".inbox-select:checked");
    if (!selected.length) {
      if (!row) return;
      toggleSelect(row);
    }
    moveOffIfGone(row);
    button.click();
  }

  // The acted-on row may leave the list: the keys go on from its neighbour.
  function moveOffIfGone(row) {
    if (!row) return;
    const next = row.nextElementSibling || row.previousElementSibling;
    const observer = new MutationObserver(() => {
      if (row.isConnected) return;
      observer.disconnect();
      if (next && next.isConnected) focusRow(next);
    });
    observer.observe(list, { childList: true });
  }

  function press(row, selector) {
    const button = row && Array.from(row.querySelectorAll(selector)).find((b) => b.getClientRects().length);
    if (button) button.click();
    return Boolean(button);
  }

  function mute(row) {
    // The thread's "Mute" button, where the row has one and the thread is not muted yet. Found
    // by its form's class, never by its label: the label is in the page's language.
    const button = row && !("muted" in row.dataset) ? row.querySelector("form.inbox-mute button") : null;
    if (button) button.click();
  }

  document.addEventListener("keydown", (event) => {
    const action = shortcutFor(event);
    if (!action || dialog.open) return;
    const row = target();
    event.preventDefault();
    switch (action) {
      case "next":
        move(1);
        break;
      case "previous":
        move(-1);
        break;
      case "select":
        if (row) toggleSelect(row);
        break;
      case "archive":
        bulk(row, list.dataset.archived === "1" ? "unarchive" : "archive");
        break;
      case "read":
        bulk(row, "read");
        break;
      case "snooze":
        press(row, ".inbox-snooze-open, .inbox-unsnooze button");
        break;
      case "mute":
        mute(row);
        break;
      case "help":
        dialog.showModal();
        break;
    }
  });
}
