// Live "my files": when a notification links to one of our files, refetch that file's
// row from the server and swap it in. The server renders; this file only fetches.
(function () {
  "use strict";

  const table = document.querySelector("[data-files-live]");
  if (!table) return;
  const body = table.querySelector("tbody");
  const prefix = table.dataset.filePrefix; // e.g. "/uploads/"
  const single = body.hasAttribute("data-single"); // a detail page never gains rows
  const empty = document.getElementById("files-empty");
  const latest = new Map(); // file id -> number of the newest request, so late replies lose
  let counter = 0;

  function fileId(link) {
    if (typeof link !== "string" || !link.startsWith(prefix)) return null;
    const match = /^(\d+)\/$/.exec(link.slice(prefix.length));
    return match ? match[1] : null;
  }

  function rowOf(id) {
    return body.querySelector('tr[data-file-row="' + id + '"]');
  }

  function refresh(id, mayAdd) {
    if (!rowOf(id) && (single || !mayAdd)) return;
    const ticket = ++counter;
    latest.set(id, ticket);
    fetch(prefix + id + "/row/", { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then((response) => (response.ok ? response.text() : null))
      .then((html) => {
        if (html === null || latest.get(id) !== ticket) return;
        const template = document.createElement("template");
        template.innerHTML = html.trim();
        const row = template.content.querySelector("tr[data-file-row]");
        if (!row) return;
        const current = rowOf(id);
        if (current) current.replaceWith(row);
        else body.prepend(row); // uploaded from another tab
        if (empty) empty.hidden = true;
      })
      .catch((err) => console.warn("files: could not refresh row", id, err));
  }

  document.addEventListener("notifications:frame", (event) => {
    const frame = event.detail || {};
    if (frame.type === "notification" && frame.message) {
      const id = fileId(frame.message.link);
      if (id) refresh(id, true);
    } else if (frame.type === "sync" && Array.isArray(frame.unread)) {
      // After a reconnect: pushes may have been missed, so recheck the rows they name.
      for (const message of frame.unread) {
        const id = fileId(message.link);
        if (id) refresh(id, false);
      }
    }
  });
})();
