// Clicks and keys on the toast stack: dismiss, read all, open a link, a thread's "Mute"
// and a message's actions (docs/inbox.md), Escape; focus never lands on <body>.
import { actUrl, postForm, postJson } from "./api.js";
import { gettext } from "./i18n.js";
import { localAlert } from "./toasts.js";

/** view: the toast set (toast_set.js); dismiss(ids): dismissals.js's; config: URLs. */
export function bindStackInput(stack, view, { dismiss, config }) {
  stack.addEventListener("click", (event) => {
    const toast = event.target.closest(".toast");
    if (!toast) return;
    if (event.target.closest(".toast-link") && toast.dataset.id) {
      // Opening a message's target reads it; keepalive survives the navigation.
      postJson(config.readUrl, { ids: [Number(toast.dataset.id)] }, { keepalive: true }).catch(() => {});
      return;
    }
    const readAll = event.target.closest(".toast-read-all");
    if (!readAll && !event.target.closest(".toast-dismiss")) return;
    const hadFocus = toast.contains(document.activeElement);
    const index = view.visible().indexOf(toast);
    if (toast.dataset.local) {
      toast.remove();
    } else if (toast.dataset.summary) {
      toast.remove();
      const ids = view.closeSummary();
      if (readAll) {
        dismiss(ids);
      } else {
        // Closed, not read: they stay unread in the inbox, and off the stack here.
        for (const id of ids) view.hidden.add(id);
        view.layout();
      }
    } else {
      dismiss(view.threads.idsWith(Number(toast.dataset.id))); // a thread's toast: all it stands for
    }
    if (hadFocus) view.moveFocus(index);
  });

  // A thread's "Mute" and a message's actions (docs/inbox.md); the frames that follow
  // (`muted`, `read`, `interacted`) update every tab, this one too.
  stack.addEventListener("click", (event) => {
    const toast = event.target.closest(".toast[data-id]");
    const mute = event.target.closest(".toast-mute");
    const act = event.target.closest(".toast-act");
    if (!toast || (!mute && !act)) return;
    const id = Number(toast.dataset.id);
    if (mute && config.muteUrl) {
      const group = toast.dataset.group;
      postForm(config.muteUrl, { group: group })
        .then(({ status }) => {
          if (status !== 200) throw new Error("HTTP " + status);
          for (const member of view.threads.idsOf(group)) view.quiet.add(member);
          view.layout();
        })
        .catch(() => tellFailedAction(gettext("The thread could not be muted; try again.")));
    } else if (act && config.actUrl) {
      act.setAttribute("aria-disabled", "true");
      postForm(actUrl(config.actUrl, id, act.dataset.index), {})
        .then(({ status, body }) => {
          if (status !== 200) throw new Error("HTTP " + status);
          if (body && body.url) window.location.assign(body.url);
        })
        .catch(() => {
          act.removeAttribute("aria-disabled");
          tellFailedAction(gettext("That action could not be sent; try again."));
        });
    }
  });

  function tellFailedAction(text) {
    stack.prepend(localAlert(text));
    view.layout();
  }

  stack.addEventListener("keydown", (event) => {
    if (event.key !== "Escape") return;
    const toast = event.target.closest(".toast");
    const button = toast && toast.querySelector(".toast-dismiss");
    if (!button) return;
    event.preventDefault();
    button.focus(); // so focus moves on to the next toast, as for Enter on the button
    button.click();
  });
}
