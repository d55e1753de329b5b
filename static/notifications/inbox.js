// The inbox, live: follows the frames client.js re-dispatches ("notifications:frame")
// and turns the page's forms into requests that keep the page. Without this file the
// same forms post and redirect back. Displays only; the server decides.
import { withId } from "./api.js";
import { NOTIFICATION, READ, SYNC } from "./frames.js";
import { gettext } from "./i18n.js";
import { safeLink } from "./links.js";
import { levelName, named } from "./toasts.js";

const inbox = document.getElementById("inbox");
if (inbox) start(inbox);

function start(list) {
  const empty = document.getElementById("inbox-empty");
  const csrfToken = document.querySelector('meta[name="csrf-token"]').content;
  const firstPage = list.dataset.firstPage === "1";
  const nextUrl = list.dataset.next || location.pathname;
  const html = document.documentElement;
  const when = new Intl.DateTimeFormat(html.lang || undefined, { dateStyle: "medium", timeStyle: "short", ...(html.dataset.timeZone ? { timeZone: html.dataset.timeZone } : {}) });
  const LABELS = { unseen: gettext("New"), seen: gettext("Unread"), read: "" };

  function localTimes(root) {
    for (const t of root.querySelectorAll("time[datetime]")) {
      const date = new Date(t.getAttribute("datetime"));
      if (!isNaN(date)) t.textContent = when.format(date);
    }
  }

  function rows() {
    return Array.from(list.querySelectorAll(".inbox-item"));
  }

  function rowFor(id) {
    return list.querySelector('.inbox-item[data-id="' + Number(id) + '"]');
  }

  function setState(row, state) {
    row.dataset.state = state;
    row.querySelector(".inbox-state").textContent = LABELS[state];
    const form = row.querySelector("form.inbox-toggle");
    form.action = withId(state === "read" ? list.dataset.unreadAction : list.dataset.readAction, row.dataset.id);
    const button = form.querySelector("button");
    button.textContent = state === "read" ? gettext("Mark unread") : gettext("Mark read");
    const text = row.querySelector(".inbox-text");
    button.setAttribute("aria-label", named(button.textContent, text ? text.textContent : ""));
  }

  function element(tag, className, text) {
    const el = document.createElement(tag);
    if (className) el.className = className;
    if (text !== undefined) el.textContent = text;
    return el;
  }

  function setContent(row, msg) {
    row.className = "inbox-item inbox-" + msg.level;
    row.dataset.level = msg.level;
    const body = row.querySelector(".inbox-body");
    const level = element("span", "visually-hidden", levelName(msg.level) + ":");
    let text;
    if (safeLink(msg.link)) {
      text = element("a", "inbox-text", msg.text);
      text.href = msg.link;
    } else {
      text = element("span", "inbox-text", msg.text);
    }
    const time = element("time");
    time.setAttribute("datetime", msg.created_at);
    time.dataset.levelName = levelName(msg.level); // the stylesheet's visible label
    body.replaceChildren(level, text, time);
    localTimes(row);
  }

  function buildRow(msg) {
    const row = element("li");
    row.dataset.id = String(msg.id);
    const form = element("form", "inbox-toggle");
    form.method = "post";
    const csrf = element("input");
    csrf.type = "hidden";
    csrf.name = "csrfmiddlewaretoken";
    csrf.value = csrfToken;
    const next = element("input");
    next.type = "hidden";
    next.name = "next";
    next.value = nextUrl;
    const button = element("button");
    button.type = "submit";
    form.append(csrf, next, button);
    row.append(element("span", "inbox-state"), element("div", "inbox-body"), form);
    setContent(row, msg);
    setState(row, "unseen");
    return row;
  }

  // Keyset pages: a row belongs on this page if it is newer than the top row (first
  // page only) or falls between this page's first and last ids.
  function belongsHere(id) {
    const ids = rows().map((r) => Number(r.dataset.id));
    if (list.dataset.filtered === "1") return false; // search results: on the next search
    if (!ids.length) return firstPage;
    return (firstPage && id > ids[0]) || (id < ids[0] && id > ids[ids.length - 1]);
  }

  function upsert(msg) {
    let row = rowFor(msg.id);
    if (row) {
      setContent(row, msg); // collapsed in place, or marked unread elsewhere
      if (row.dataset.state === "read") setState(row, "seen");
      return;
    }
    if (!belongsHere(msg.id)) return;
    row = buildRow(msg);
    row.classList.add("is-new");
    const before = rows().find((r) => Number(r.dataset.id) < msg.id) || null;
    list.insertBefore(row, before);
    empty.hidden = true;
  }

  // In the "Unread only" view a row that is read leaves it at once.
  function readRow(row) {
    if (list.dataset.unreadOnly === "1") {
      row.remove();
      empty.hidden = rows().length > 0;
    } else {
      setState(row, "read");
    }
  }

  function markRead(ids) {
    for (const id of ids) {
      // A thread's row (inbox_threads.js) lists its messages' ids in data-members.
      const row = rowFor(id) || list.querySelector('.inbox-item[data-members~="' + Number(id) + '"]');
      if (row) readRow(row);
    }
  }

  document.addEventListener("notifications:frame", (event) => {
    const frame = event.detail;
    // The Archived view: inbox_select.js; the Snoozed view: inbox_snooze.js.
    if (list.dataset.archived === "1" || list.dataset.snoozed === "1") return;
    if (frame.type === NOTIFICATION) {
      upsert(frame.message);
    } else if (frame.type === READ) {
      markRead(frame.ids);
    } else if (frame.type === SYNC) {
      // The unread set, capped: below its oldest id, only a complete set proves a row read.
      const unread = new Set(frame.unread.map((m) => m.id));
      const complete = frame.unread_count <= frame.unread.length;
      const oldest = frame.unread.length ? frame.unread[0].id : Infinity;
      for (const row of rows()) {
        const id = Number(row.dataset.id);
        if (unread.has(id)) {
          if (row.dataset.state === "read") setState(row, "seen");
        } else if (complete || id >= oldest) {
          readRow(row);
        }
      }
      for (const msg of frame.unread) if (!rowFor(msg.id)) upsert(msg); // missed while away
    }
  });

  // Toasts shown in a focused tab (client.js) are no longer new.
  document.addEventListener("notifications:seen", (event) => {
    for (const id of event.detail.ids) {
      const row = rowFor(id);
      if (row && row.dataset.state === "unseen") setState(row, "seen");
    }
  });

  function post(form) {
    return fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    }).then((response) => {
      if (!response.ok) throw new Error("HTTP " + response.status);
      return response.json();
    });
  }

  // The button is marked busy, not disabled: disabling the focused button would drop
  // keyboard focus to <body>.
  function submit(form, apply) {
    const button = form.querySelector("button");
    if (button.getAttribute("aria-disabled") === "true") return;
    button.setAttribute("aria-disabled", "true");
    post(form)
      .then((body) => {
        apply();
        document.dispatchEvent(new CustomEvent("notifications:count", { detail: body.unread_count }));
      })
      .catch(() => form.submit()) // the plain form path still works
      .finally(() => {
        button.removeAttribute("aria-disabled");
      });
  }

  // After "Mark read" from the keyboard, go on to the next row still unread (the reader
  // works down the list), else stay on this row's button, now "Mark unread".
  function focusAfterRead(row) {
    const all = rows();
    const after = all.slice(all.indexOf(row) + 1).concat(all.slice(0, all.indexOf(row)));
    const next = after.find((r) => r.dataset.state !== "read");
    (next || row).querySelector("form.inbox-toggle button").focus();
  }

  // Delegated, so rows added live are covered too.
  list.addEventListener("submit", (event) => {
    const form = event.target.closest("form.inbox-toggle");
    if (!form) return;
    event.preventDefault();
    const toRead = /\/read\/$/.test(form.action);
    const row = form.closest(".inbox-item");
    const hadFocus = form.contains(document.activeElement);
    // The answer lists only ids that changed; the row's state follows the action.
    submit(form, () => {
      setState(row, toRead ? "read" : "seen");
      if (toRead && hadFocus) focusAfterRead(row);
    });
  });

  const all = document.querySelector("form.inbox-all");
  if (all) {
    all.addEventListener("submit", (event) => {
      event.preventDefault();
      submit(all, () => markRead(rows().map((r) => r.dataset.id)));
    });
  }

  // Opening a message's target reads it; keepalive lets the request outlive the page.
  list.addEventListener("click", (event) => {
    const link = event.target.closest("a.inbox-text");
    const row = link && link.closest(".inbox-item");
    if (!row || row.dataset.state === "read") return;
    fetch(withId(list.dataset.readAction, row.dataset.id), {
      method: "POST",
      credentials: "same-origin",
      keepalive: true,
      headers: { "X-CSRFToken": csrfToken, Accept: "application/json" },
    }).catch(() => {});
  });

  // "Show all" on a clamped toast links here (inbox?before=id+1#message-id): the row
  // with the whole text, first on the page; take the reader to it.
  function showLinkedRow() {
    const match = /^#message-(\d+)$/.exec(location.hash);
    const row = match && rowFor(match[1]);
    if (!row) return;
    row.classList.add("is-target");
    row.tabIndex = -1;
    row.focus();
    row.scrollIntoView({ block: "nearest" });
  }

  // Rows rendered by the server: a link the check refuses shows as plain text.
  for (const a of list.querySelectorAll("a.inbox-text")) {
    if (safeLink(a.getAttribute("href"))) continue;
    const span = element("span", "inbox-text", a.textContent);
    a.replaceWith(span);
  }

  localTimes(list);
  showLinkedRow();
}
