// The inbox's row selection and bulk actions (mark read, archive, unarchive, delete), and
// the frames that remove rows live: `archived`, `unarchived`, `deleted` (docs/protocol.md).
// Select all and "N selected"; the actions show only with a selection; a delete waits a
// few seconds (data-undo-seconds) with an Undo before it is sent. Without this file the
// bulk form posts and redirects back. Displays only.
import { ARCHIVED, DELETED, NOTIFICATION, READ, SYNC, UNARCHIVED } from "./frames.js";
import { format, gettext, ngettext } from "./i18n.js";

const list = document.getElementById("inbox");
const form = document.getElementById("inbox-bulk");
if (list && form) start(list, form);

function start(list, form) {
  const empty = document.getElementById("inbox-empty");
  const archivedView = list.dataset.archived === "1";
  const actions = document.getElementById("inbox-bulk-actions");
  const selected = document.getElementById("inbox-selected");
  const selectAll = document.getElementById("inbox-select-all");
  const undo = document.getElementById("inbox-undo");
  const undoMs = 1000 * Number(form.dataset.undoSeconds);
  // The frame each bulk action's answer stands for, applied here at once (the socket
  // brings the same frame to every tab, this one too; applying it twice changes nothing).
  const FRAMES = { read: READ, archive: ARCHIVED, unarchive: UNARCHIVED, delete: DELETED };
  let pendingDelete = null; // {ids, rows, timer} while its Undo is offered

  selectAll.closest("label").hidden = false;

  function rowFor(id) {
    return list.querySelector('.inbox-item[data-id="' + Number(id) + '"]');
  }

  function boxes() {
    return Array.from(list.querySelectorAll(".inbox-item .inbox-select"));
  }

  // "N selected", the actions only with a selection, no bar on an empty list.
  function refresh() {
    const all = boxes();
    const n = all.filter((box) => box.checked).length;
    selected.textContent = n ? format(ngettext("%(n)s selected", "%(n)s selected", n), { n: n }) : "";
    actions.hidden = n === 0;
    selectAll.checked = n > 0 && n === all.length;
    selectAll.indeterminate = n > 0 && n < all.length;
    form.hidden = all.length === 0;
    if (empty) empty.hidden = all.length > 0;
  }

  function checkbox(row) {
    const box = document.createElement("input");
    box.type = "checkbox";
    box.className = "inbox-select";
    box.name = "ids";
    box.value = row.dataset.id;
    box.setAttribute("form", "inbox-bulk");
    const text = row.querySelector(".inbox-text");
    box.setAttribute("aria-label", gettext("Select:") + " " + (text ? text.textContent.slice(0, 60) : row.dataset.id));
    row.prepend(box);
  }

  // Rows inbox.js adds live get their checkbox too; rows that go update the count.
  new MutationObserver((changes) => {
    for (const change of changes) {
      for (const node of change.addedNodes) {
        if (node.classList && node.classList.contains("inbox-item") && !node.querySelector(".inbox-select")) {
          checkbox(node);
        }
      }
    }
    refresh();
  }).observe(list, { childList: true });

  list.addEventListener("change", (event) => {
    if (event.target.closest(".inbox-select")) refresh();
  });
  selectAll.addEventListener("change", () => {
    for (const box of boxes()) box.checked = selectAll.checked;
    refresh();
  });

  function removeRows(ids) {
    for (const id of ids) {
      const row = rowFor(id);
      if (row) row.remove();
    }
    refresh();
  }

  document.addEventListener("notifications:frame", (event) => {
    const frame = event.detail;
    if (frame.type === ARCHIVED || frame.type === DELETED) {
      removeRows(frame.ids);
    } else if (archivedView && frame.type === UNARCHIVED) {
      removeRows(frame.ids);
    } else if (archivedView && frame.type === NOTIFICATION) {
      removeRows([frame.message.id]); // collapsed or marked unread: back in the inbox
    } else if (archivedView && frame.type === SYNC) {
      removeRows(frame.unread.map((m) => m.id)); // unread means not archived
    }
  });

  function post(action, ids, { keepalive = false } = {}) {
    const body = new FormData();
    body.set("csrfmiddlewaretoken", form.querySelector('input[name="csrfmiddlewaretoken"]').value);
    body.set("action", action);
    for (const id of ids) body.append("ids", String(id));
    // Not form.action: the <button name="action">s shadow that property (a RadioNodeList).
    return fetch(form.getAttribute("action"), {
      method: "POST",
      body: body,
      credentials: "same-origin",
      keepalive: keepalive,
      headers: { Accept: "application/json" },
    }).then((response) => {
      if (!response.ok) throw new Error("HTTP " + response.status);
      return response.json();
    });
  }

  function apply(action, answer) {
    // Rows the action did not change (already read, another tab's delete) stay as they
    // are; the frame names only the changed ones, like the server's push.
    const frame = { type: FRAMES[action], ids: answer.ids, unread_count: answer.unread_count };
    document.dispatchEvent(new CustomEvent("notifications:frame", { detail: frame }));
    document.dispatchEvent(new CustomEvent("notifications:count", { detail: answer.unread_count }));
  }

  function fallback(action, ids) {
    // The plain form path still works: post what was asked, the browser's way.
    for (const box of list.querySelectorAll(".inbox-select")) box.checked = ids.includes(Number(box.value));
    const input = document.createElement("input");
    input.type = "hidden";
    input.name = "action";
    input.value = action;
    form.append(input);
    form.submit();
  }

  // A delete is held for undoMs: the rows hide, Undo brings them back, else it is sent.
  function sendDelete() {
    if (!pendingDelete) return;
    const { ids, rows, timer } = pendingDelete;
    clearTimeout(timer);
    pendingDelete = null;
    undo.hidden = true;
    post("delete", ids, { keepalive: true })
      .then((answer) => apply("delete", answer))
      .catch(() => {
        restore(rows);
        fallback("delete", ids);
      });
  }

  function holdDelete(ids) {
    sendDelete(); // one pending delete at a time: the earlier one goes now
    const rows = ids.map(rowFor).filter(Boolean);
    for (const row of rows) {
      row.querySelector(".inbox-select").checked = false;
      row.remove();
    }
    undo.querySelector(".inbox-undo-text").textContent = format(ngettext("%(n)s deleted.", "%(n)s deleted.", ids.length), { n: ids.length });
    undo.hidden = false;
    pendingDelete = { ids: ids, rows: rows, timer: setTimeout(sendDelete, undoMs) };
    refresh();
  }

  // Rows back in id order (newest first), as the page lists them.
  function restore(rows) {
    for (const row of rows) {
      if (rowFor(row.dataset.id)) continue;
      const after = Array.from(list.querySelectorAll(".inbox-item")).find((r) => Number(r.dataset.id) < Number(row.dataset.id));
      list.insertBefore(row, after || null);
    }
    refresh();
  }

  undo.querySelector("button").addEventListener("click", () => {
    if (!pendingDelete) return;
    clearTimeout(pendingDelete.timer);
    restore(pendingDelete.rows);
    pendingDelete = null;
    undo.hidden = true;
    refresh();
  });
  // Leaving the page within the Undo time: the delete is sent (keepalive) as promised.
  window.addEventListener("pagehide", sendDelete);

  form.addEventListener("submit", (event) => {
    const button = event.submitter;
    const action = button && button.value;
    if (!FRAMES[action]) return; // let the browser post it
    event.preventDefault();
    const ids = boxes().filter((box) => box.checked).map((box) => Number(box.value));
    if (!ids.length) return;
    if (action === "delete") {
      holdDelete(ids);
      return;
    }
    for (const b of form.querySelectorAll("button")) b.disabled = true;
    // The action takes the selection now: what is selected while it is on the way (a
    // keyboard user's `x` on the next row) is the next action's, so the answer leaves the
    // boxes alone (the plain-form fallback checks its ids again).
    for (const box of boxes()) if (ids.includes(Number(box.value))) box.checked = false;
    refresh();
    post(action, ids)
      .then((answer) => {
        apply(action, answer);
        refresh();
      })
      .catch(() => fallback(action, ids))
      .finally(() => {
        for (const b of form.querySelectorAll("button")) b.disabled = false;
      });
  });

  refresh();
}
