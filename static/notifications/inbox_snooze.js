// The inbox's snooze: each row's "Snooze" menu (a popover that works without this file) and
// the Snoozed view's "Unsnooze", posted in place; the `snoozed` frame removes the rows in
// every tab, and in the Snoozed view a message that comes back (`notification`) leaves it.
// Displays only: the server decides when a snooze ends (docs/inbox.md, "Snooze").
import { NOTIFICATION, SNOOZED, SYNC } from "./frames.js";
import { gettext } from "./i18n.js";

const list = document.getElementById("inbox");
if (list) start(list);

function start(list) {
  const snoozedView = list.dataset.snoozed === "1";
  const template = document.getElementById("snooze-template");
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone || "";

  function rowFor(id) {
    return list.querySelector('.inbox-item[data-id="' + Number(id) + '"]');
  }

  // "This evening" means the evening where the user is, unless the account names a zone.
  function setZone(root) {
    for (const input of root.querySelectorAll('input[name="tz"]')) input.value = zone;
  }

  // Rows inbox.js adds live get the same menu as the server's rows.
  function addMenu(row) {
    if (!template || row.querySelector(".inbox-snooze-open")) return;
    const id = row.dataset.id;
    const menu = template.content.cloneNode(true);
    const open = menu.querySelector(".inbox-snooze-open");
    const text = row.querySelector(".inbox-text");
    open.setAttribute("popovertarget", "snooze-" + id);
    open.setAttribute("aria-label", gettext("Snooze") + ": " + (text ? text.textContent.slice(0, 80) : id));
    menu.querySelector("[popover]").id = "snooze-" + id;
    menu.querySelector('input[name="ids"]').value = id;
    setZone(menu);
    row.append(menu);
  }

  function removeRows(ids) {
    for (const id of ids) {
      const row = rowFor(id);
      if (!row) continue;
      const menu = row.querySelector("[popover]");
      if (menu && menu.matches(":popover-open")) menu.hidePopover();
      row.remove();
    }
  }

  function post(form, submitter) {
    return fetch(form.getAttribute("action"), {
      method: "POST",
      body: new FormData(form, submitter),
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    }).then((response) => {
      if (response.status === 400) {
        // Refused with a reason (a time in the past, too far ahead): say it here.
        return response.json().then((body) => {
          throw new Refused(body.detail || gettext("This time cannot be used."));
        });
      }
      if (!response.ok) throw new Error("HTTP " + response.status);
      return response.json();
    });
  }

  class Refused extends Error {}

  function showError(form, text) {
    let error = form.querySelector(".snooze-error");
    if (!error) {
      error = document.createElement("p");
      error.className = "snooze-error";
      error.setAttribute("role", "alert");
      form.append(error);
    }
    error.textContent = text;
  }

  function fallback(form, submitter) {
    // The plain form path: what was asked, the browser's way.
    if (submitter && submitter.name) {
      const input = document.createElement("input");
      input.type = "hidden";
      input.name = submitter.name;
      input.value = submitter.value;
      form.append(input);
    }
    form.submit();
  }

  list.addEventListener("submit", (event) => {
    const form = event.target.closest("form.inbox-snooze, form.inbox-unsnooze");
    if (!form) return;
    const submitter = event.submitter;
    const at = form.querySelector('input[name="at"]');
    if (at) {
      // A chosen time needs a value; the menu's other choices ignore the field.
      at.required = Boolean(submitter && submitter.value === "at");
      if (!form.reportValidity()) {
        event.preventDefault();
        return;
      }
    }
    event.preventDefault();
    const row = form.closest(".inbox-item");
    const next = row.nextElementSibling || row.previousElementSibling;
    const hadFocus = row.contains(document.activeElement);
    post(form, submitter)
      .then((answer) => {
        removeRows([Number(row.dataset.id)]);
        if (hadFocus && next) (next.querySelector(".inbox-snooze-open, .inbox-unsnooze button") || next).focus();
        document.dispatchEvent(new CustomEvent("notifications:count", { detail: answer.unread_count }));
      })
      .catch((error) => (error instanceof Refused ? showError(form, error.message) : fallback(form, submitter)));
  });

  document.addEventListener("notifications:frame", (event) => {
    const frame = event.detail;
    if (!snoozedView && frame.type === SNOOZED) {
      removeRows(frame.ids);
    } else if (snoozedView && frame.type === NOTIFICATION) {
      removeRows([frame.message.id]); // its time came, or it was unsnoozed elsewhere
    } else if (snoozedView && frame.type === SYNC) {
      removeRows(frame.unread.map((m) => m.id)); // unread means not snoozed
    }
  });

  if (!snoozedView) {
    new MutationObserver((changes) => {
      for (const change of changes) {
        for (const node of change.addedNodes) {
          if (node.classList && node.classList.contains("inbox-item")) addMenu(node);
        }
      }
    }).observe(list, { childList: true });
  }
  setZone(list);
}
