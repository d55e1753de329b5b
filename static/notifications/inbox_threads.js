// The inbox's threads, live (docs/inbox.md, "Threads"): a new message of a thread takes
// over its row ("N updates", the older ones under the disclosure); "Mute" / "Unmute" and a
// message's actions without a page load; the `muted` and `interacted` frames from any tab.
// Runs after inbox.js, which adds and updates the plain rows. Without this file the same
// forms post and redirect back. Displays only: the server decides.
import { actUrl, postForm } from "./api.js";
import { INTERACTED, MUTED, NOTIFICATION, SYNC } from "./frames.js";
import { format, gettext, ngettext } from "./i18n.js";
import { safeLink } from "./links.js";

const list = document.getElementById("inbox");
if (list) start(list);

function start(list) {
  const csrfToken = document.querySelector('meta[name="csrf-token"]').content;
  const nextUrl = list.dataset.next || location.pathname;

  function element(tag, className, text) {
    const el = document.createElement(tag);
    if (className) el.className = className;
    if (text !== undefined) el.textContent = text;
    return el;
  }

  function hidden(name, value) {
    const input = element("input");
    input.type = "hidden";
    input.name = name;
    input.value = value;
    return input;
  }

  function rowFor(id) {
    return list.querySelector('.inbox-item[data-id="' + Number(id) + '"]');
  }

  function threadRows(group) {
    return Array.from(list.querySelectorAll(".inbox-item[data-group]")).filter((r) => r.dataset.group === group);
  }

  function members(row) {
    return (row.dataset.members || row.dataset.id).split(" ").filter(Boolean).map(Number);
  }

  // --- a thread's parts of a row --------------------------------------------------------
  function setMuted(row, muted) {
    if (muted) row.dataset.muted = "";
    else delete row.dataset.muted;
    const form = row.querySelector("form.inbox-mute");
    if (form) {
      form.action = muted ? list.dataset.unmuteAction : list.dataset.muteAction;
      form.querySelector("button").textContent = muted ? gettext("Unmute") : gettext("Mute");
    }
    let label = row.querySelector(".inbox-muted");
    if (muted && !label) row.querySelector(".inbox-body").append(element("span", "inbox-muted", gettext("Muted")));
    else if (!muted && label) label.remove();
  }

  function muteForm(row) {
    const form = element("form", "inbox-mute");
    form.method = "post";
    form.append(hidden("csrfmiddlewaretoken", csrfToken), hidden("next", nextUrl), hidden("group", row.dataset.group));
    const button = element("button");
    button.type = "submit";
    form.append(button);
    row.append(form);
    setMuted(row, "muted" in row.dataset);
  }

  function olderItem(id, text, time) {
    const li = element("li");
    li.dataset.id = String(id);
    li.append(element("span", "inbox-thread-text", text));
    if (time) li.append(" ", time.cloneNode(true));
    return li;
  }

  // The disclosure of the older messages: kept across inbox.js's refills of the body.
  const kept = new WeakMap();
  function details(row, older) {
    let el = row.querySelector("details.inbox-thread") || kept.get(row);
    const count = Number(row.dataset.count || 1);
    if (count < 2) return;
    if (!el) {
      el = element("details", "inbox-thread");
      el.append(element("summary"), element("ol", "inbox-thread-older"));
    }
    el.querySelector("summary").textContent = format(ngettext("%(n)s update", "%(n)s updates", count), { n: count });
    if (older) el.querySelector("ol").prepend(...older);
    kept.set(row, el);
    const body = row.querySelector(".inbox-body");
    if (el.parentNode !== body) body.append(el);
  }

  function actionsOf(row, msg) {
    if (!Array.isArray(msg.actions) || row.querySelector(".inbox-actions")) return;
    const span = element("span", "inbox-actions");
    msg.actions.slice(0, 2).forEach((action, index) => {
      if (!action || typeof action.label !== "string") return;
      if (action.url !== undefined && !safeLink(action.url)) return;
      const form = element("form", "inbox-act");
      form.method = "post";
      form.action = actUrl(list.dataset.actAction, msg.id, index);
      const button = element("button", "", action.label);
      button.type = "submit";
      form.append(hidden("csrfmiddlewaretoken", csrfToken), hidden("next", nextUrl), button);
      span.append(form);
    });
    row.querySelector(".inbox-body").append(span);
    if (msg.acted !== undefined) acted(row);
  }

  function acted(row) {
    const span = row.querySelector(".inbox-actions");
    if (!span) return;
    for (const button of span.querySelectorAll("button")) button.disabled = true;
    if (!span.querySelector(".inbox-acted")) span.append(element("span", "inbox-acted", gettext("Done")));
  }

  // --- a new or changed message ------------------------------------------------------------
  function arrived(msg) {
    const row = rowFor(msg.id);
    if (msg.group) {
      const others = threadRows(msg.group).filter((r) => r !== row);
      const newer = others.find((r) => Number(r.dataset.id) > msg.id);
      if (newer) {
        // An older message of a thread shown by a newer row (marked unread elsewhere):
        // the thread's row is unread again; inbox.js's plain row for it goes.
        if (row && !row.dataset.group) row.remove();
        if (!members(newer).includes(msg.id)) {
          newer.dataset.members = members(newer).concat([msg.id]).join(" ");
        }
        if (newer.dataset.state === "read") newer.dataset.state = "seen";
        return;
      }
      if (!row) return; // not on this page
      details(row); // inbox.js refilled the body of a row updated in place
      let ids = [msg.id];
      let count = Math.max(1, Number(row.dataset.count || 1));
      let older = [];
      let muted = "muted" in row.dataset;
      for (const other of others) {
        const text = other.querySelector(".inbox-text");
        older.push(olderItem(other.dataset.id, text ? text.textContent : "", other.querySelector(".inbox-body > time")));
        const previous = other.querySelector("ol.inbox-thread-older");
        if (previous) older = older.concat(Array.from(previous.children));
        ids = ids.concat(members(other));
        count = Math.max(count, Number(other.dataset.count || 1) + 1);
        muted = muted || "muted" in other.dataset;
        other.remove();
      }
      row.dataset.group = msg.group;
      row.dataset.members = Array.from(new Set(ids.concat(members(row)))).join(" ");
      row.dataset.count = String(count);
      if (muted) row.dataset.muted = "";
      details(row, older);
      if (!row.querySelector("form.inbox-mute")) muteForm(row);
      setMuted(row, muted);
    }
    if (row) actionsOf(row, msg);
  }

  document.addEventListener("notifications:frame", (event) => {
    const frame = event.detail;
    if (list.dataset.archived === "1") return;
    if (frame.type === NOTIFICATION) {
      arrived(frame.message);
    } else if (frame.type === SYNC) {
      for (const msg of frame.unread) arrived(msg);
    } else if (frame.type === MUTED) {
      for (const row of threadRows(frame.group)) setMuted(row, frame.muted);
    } else if (frame.type === INTERACTED) {
      const row = rowFor(frame.id);
      if (row) acted(row);
    }
  });

  // --- the forms, without a page load ----------------------------------------------------
  list.addEventListener("submit", (event) => {
    const mute = event.target.closest("form.inbox-mute");
    const act = event.target.closest("form.inbox-act");
    if (!mute && !act) return;
    event.preventDefault();
    const form = mute || act;
    const button = form.querySelector("button");
    if (button.getAttribute("aria-disabled") === "true") return;
    button.setAttribute("aria-disabled", "true");
    const row = form.closest(".inbox-item");
    const fields = mute ? { group: row.dataset.group } : {};
    postForm(form.action, fields)
      .then(({ status, body }) => {
        if (status !== 200) throw new Error("HTTP " + status);
        if (mute) {
          for (const r of threadRows(row.dataset.group)) setMuted(r, body.muted);
        } else if (body.url) {
          window.location.assign(body.url);
        } else {
          acted(row);
        }
      })
      .catch(() => form.submit()) // the plain form path still works
      .finally(() => button.removeAttribute("aria-disabled"));
  });
}
