// Building toast elements. Text only, never markup; links only through safeLink.
import { safeLink } from "./links.js";
import { inboxRowUrl } from "./api.js";
import { format, gettext, ngettext } from "./i18n.js";

// The levels' names, as the server's Level labels (notifications/models.py).
const LEVELS = { info: gettext("Info"), success: gettext("Success"), warning: gettext("Warning"), error: gettext("Error") };

function dismissButton(label) {
  const close = document.createElement("button");
  close.type = "button";
  close.className = "toast-dismiss";
  close.setAttribute("aria-label", label);
  close.textContent = "\u00d7";
  return close;
}

/** A level's name in the page's language ("Error", "Błąd"). */
export function levelName(level) {
  return LEVELS[level] || level;
}

/** "Open: <the message>": a control's name says which message it is for. */
export function named(action, text) {
  const short = text.length > 80 ? text.slice(0, 79) + "\u2026" : text;
  return action + ": " + short;
}

/** Fill (or refill, for a collapsed message with the same id) one message toast. */
export function fill(el, msg) {
  el.className = "toast toast-" + msg.level;
  el.dataset.level = msg.level;
  el.dataset.levelName = levelName(msg.level); // the stylesheet's visible label
  // Errors interrupt a screen reader; the rest wait their turn.
  el.setAttribute("role", msg.level === "error" ? "alert" : "status");
  el.replaceChildren();
  const level = document.createElement("span");
  level.className = "visually-hidden";
  level.textContent = levelName(msg.level) + ":";
  const text = document.createElement("p");
  text.className = "toast-text";
  text.textContent = msg.text;
  el.append(level, text);
  if (safeLink(msg.link)) {
    const a = document.createElement("a");
    a.className = "toast-link";
    a.href = msg.link;
    a.textContent = gettext("Open");
    a.setAttribute("aria-label", named(gettext("Open"), msg.text));
    el.append(a);
  }
  threadControls(el, msg);
  el.append(dismissButton(named(gettext("Dismiss notification"), msg.text)));
  delete el.dataset.clampChecked;
}

/** A thread's "Mute" and a message's actions (docs/inbox.md): buttons client.js handles. */
function threadControls(el, msg) {
  if (msg.group) el.dataset.group = msg.group;
  else delete el.dataset.group;
  const actions = Array.isArray(msg.actions) && msg.acted === undefined ? msg.actions.slice(0, 2) : [];
  actions.forEach((action, index) => {
    if (!action || typeof action.label !== "string") return;
    if (action.url !== undefined && !safeLink(action.url)) return;
    const button = document.createElement("button");
    button.type = "button";
    button.className = "toast-act";
    button.dataset.index = String(index);
    if (action.url) button.dataset.url = action.url;
    button.textContent = action.label;
    el.append(button);
  });
  if (msg.group) {
    const mute = document.createElement("button");
    mute.type = "button";
    mute.className = "toast-mute link";
    mute.textContent = gettext("Mute");
    el.append(mute);
  }
}

/** A toast rendered by the server on page load: drop a link the check refuses. */
export function sanitize(el) {
  for (const a of el.querySelectorAll("a.toast-link")) {
    if (!safeLink(a.getAttribute("href"))) a.remove();
  }
}

export function messageToast(msg) {
  const el = document.createElement("div");
  el.dataset.id = String(msg.id);
  fill(el, msg);
  return el;
}

export function summaryToast(inboxUrl) {
  const el = document.createElement("div");
  el.className = "toast toast-summary";
  el.dataset.summary = "1";
  el.setAttribute("role", "status");
  const text = document.createElement("p");
  text.className = "toast-text";
  const levels = document.createElement("p");
  levels.className = "toast-levels";
  const a = document.createElement("a");
  a.className = "toast-link";
  a.href = inboxUrl;
  a.textContent = gettext("View in inbox");
  // Reading them all is its own, explicit button; the × only closes the summary.
  const readAll = document.createElement("button");
  readAll.type = "button";
  readAll.className = "toast-read-all";
  el.append(text, levels, a, readAll, dismissButton(gettext("Close this summary")));
  return el;
}

/** n messages, `summary` from burst.js levelSummary: the text, the counts, the style. */
export function setSummaryCount(el, n, summary) {
  el.querySelector(".toast-text").textContent = format(ngettext("%(n)s new notification", "%(n)s new notifications", n), { n: n });
  el.querySelector(".toast-levels").textContent = summary.text;
  el.dataset.level = summary.level;
  el.dataset.levelName = summary.level === "info" ? gettext("New") : levelName(summary.level);
  el.className = "toast toast-summary toast-" + summary.level;
  el.querySelector(".toast-read-all").textContent = format(ngettext("Mark %(n)s read", "Mark all %(n)s read", n), { n: n });
}

/**
 * Long texts are clamped by the stylesheet to a few lines; when this one is cut, link
 * its inbox row, which shows the whole text. Measured once per content, when shown.
 */
export function linkFullText(el, inboxUrl) {
  if (el.hidden || el.dataset.clampChecked || el.dataset.summary) return;
  const text = el.querySelector(".toast-text");
  if (!text) return;
  el.dataset.clampChecked = "1";
  if (text.scrollHeight <= text.clientHeight + 1) return;
  const a = document.createElement("a");
  a.className = "toast-full";
  a.href = inboxRowUrl(inboxUrl, el.dataset.id);
  a.textContent = gettext("Show all");
  text.after(a);
}

/** A message from this tab to the user (not a server message): stays until dismissed. */
export function localAlert(text) {
  const el = document.createElement("div");
  el.className = "toast toast-error toast-local";
  el.dataset.local = "1";
  el.setAttribute("role", "alert");
  const p = document.createElement("p");
  p.className = "toast-text";
  p.textContent = text;
  el.append(p, dismissButton(gettext("Dismiss this message")));
  return el;
}
