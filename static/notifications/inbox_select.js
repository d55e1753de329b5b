// The inbox's row selection and bulk actions (mark read, archive, unarchive, delete), and
// the frames that remove rows live: `archived`, `unarchived`, `deleted` (docs/protocol.md).
// Without this file the bulk form posts and redirects back. Displays only.
(function () {
  "use strict";

  const list = document.getElementById("inbox");
  const form = document.getElementById("inbox-bulk");
  if (!list || !form) return;
  const empty = document.getElementById("inbox-empty");
  const archivedView = list.dataset.archived === "1";
  // The frame each bulk action's answer stands for, applied here at once (the socket
  // brings the same frame to every tab, this one too; applying it twice changes nothing).
  const FRAMES = { read: "read", archive: "archived", unarchive: "unarchived", delete: "deleted" };

  function rowFor(id) {
    return list.querySelector('.inbox-item[data-id="' + Number(id) + '"]');
  }

  function checkbox(row) {
    const box = document.createElement("input");
    box.type = "checkbox";
    box.className = "inbox-select";
    box.name = "ids";
    box.value = row.dataset.id;
    box.setAttribute("form", "inbox-bulk");
    const text = row.querySelector(".inbox-text");
    box.setAttribute("aria-label", "Select: " + (text ? text.textContent.slice(0, 60) : row.dataset.id));
    row.prepend(box);
  }

  // Rows inbox.js adds live get their checkbox too.
  new MutationObserver((changes) => {
    for (const change of changes) {
      for (const node of change.addedNodes) {
        if (node.classList && node.classList.contains("inbox-item") && !node.querySelector(".inbox-select")) {
          checkbox(node);
        }
      }
    }
  }).observe(list, { childList: true });

  function removeRows(ids) {
    for (const id of ids) {
      const row = rowFor(id);
      if (row) row.remove();
    }
    if (empty) empty.hidden = list.querySelector(".inbox-item") !== null;
  }

  document.addEventListener("notifications:frame", (event) => {
    const frame = event.detail;
    if (frame.type === "archived" || frame.type === "deleted") {
      removeRows(frame.ids);
    } else if (archivedView && frame.type === "unarchived") {
      removeRows(frame.ids);
    } else if (archivedView && frame.type === "notification") {
      removeRows([frame.message.id]); // collapsed or marked unread: back in the inbox
    } else if (archivedView && frame.type === "sync") {
      removeRows(frame.unread.map((m) => m.id)); // unread means not archived
    }
  });

  form.addEventListener("submit", (event) => {
    const button = event.submitter;
    const action = button && button.value;
    const ids = Array.from(list.querySelectorAll(".inbox-select:checked"), (box) => Number(box.value));
    if (!FRAMES[action]) return; // let the browser post it
    event.preventDefault();
    if (!ids.length) return;
    const body = new FormData(form); // the checked boxes belong to the form (form="inbox-bulk")
    body.set("action", action);
    for (const b of form.querySelectorAll("button")) b.disabled = true;
    // Not form.action: the <button name="action">s shadow that property (a RadioNodeList).
    fetch(form.getAttribute("action"), {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    })
      .then((response) => {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.json();
      })
      .then((answer) => {
        // Rows the action did not change (already read, another tab's delete) stay as
        // they are; the frame names only the changed ones, like the server's push.
        const frame = { type: FRAMES[action], ids: answer.ids, unread_count: answer.unread_count };
        document.dispatchEvent(new CustomEvent("notifications:frame", { detail: frame }));
        document.dispatchEvent(new CustomEvent("notifications:count", { detail: answer.unread_count }));
        for (const box of list.querySelectorAll(".inbox-select:checked")) box.checked = false;
      })
      .catch(() => {
        const fallback = document.createElement("input");
        fallback.type = "hidden";
        fallback.name = "action";
        fallback.value = action;
        form.append(fallback);
        form.submit(); // the plain form path still works
      })
      .finally(() => {
        for (const b of form.querySelectorAll("button")) b.disabled = false;
      });
  });
})();
