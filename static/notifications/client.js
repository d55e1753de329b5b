// Live notifications in every page but the inbox: renders the server's frames as toasts
// and sends acks and `seen`. The server owns the messages and the unread count; this
// client decides only how they show: which toasts collapse into a burst, when an info
// toast hides, when to ask for a resync, and retrying dismissals made offline.
// Protocol: docs/protocol.md; toasts: docs/inbox.md. Settings and URLs: #toasts' data-.
import { AckQueue } from "./acks.js";
import { actUrl, postForm, postJson } from "./api.js";
import { Burst, levelSummary } from "./burst.js";
import { stackConfig } from "./config.js";
import { HiddenStore } from "./hidden.js";
import { withFallback } from "./fallback.js";
import { format, gettext, ngettext } from "./i18n.js";
import { openSocket } from "./leader.js";
import { focusSlot, ordered, plan } from "./stack.js";
import { ThreadToasts } from "./threads.js";
import { fill, linkFullText, localAlert, messageToast, sanitize, setSummaryCount, summaryToast } from "./toasts.js";

const root = document.getElementById("toasts");
if (root && "WebSocket" in window) start(root);

function localStorageOrNull() {
  try {
    return window.localStorage;
  } catch {
    return null; // blocked by the browser's privacy settings
  }
}

function start(stack) {
  const config = stackConfig(stack.dataset);
  const badge = document.getElementById("unread-badge");
  const indicator = document.getElementById("connection");
  const more = stack.querySelector(".toast-more");
  const baseTitle = document.title.replace(/^\(\d+\) /, "");
  let leaving = false; // a form post or link is taking this page away
  window.addEventListener("beforeunload", () => {
    leaving = true;
  });
  window.addEventListener("pageshow", () => {
    leaving = false;
  });
  const narrow = window.matchMedia(config.narrowQuery);

  const toasts = new Map(); // message id -> element: the unread set this tab shows
  const threads = new ThreadToasts(); // one toast per thread (a message's `group`)
  const acks = new AckQueue(config.maxAckIds); // dismissed here, not yet confirmed read
  const hidden = new HiddenStore(localStorageOrNull()); // info toasts the timer hid
  // Messages the server said not to toast (preferences, do not disturb): decided again by
  // every page load and sync, so a toast held by do-not-disturb shows once it ends.
  const quiet = new Set();
  const burst = new Burst({ count: config.burstCount, windowMs: config.burstWindowMs });
  const seen = { viewed: new Set(), reported: new Set(), timers: new Map() };
  let summary = null; // the burst's summary toast while it shows
  let unreadCount = badge ? parseInt(badge.dataset.count, 10) || 0 : 0;
  let syncTimer = null;
  let httpAcks = false; // an ack POST is in flight

  // Shown in the offline indicator (setState): the server may answer again before the
  // backoff's next try.
  const retryButton = document.createElement("button");
  retryButton.type = "button";
  retryButton.className = "link connection-retry";
  retryButton.textContent = gettext("Retry now");
  retryButton.addEventListener("click", () => socket.retryNow());

  // One socket per browser: this tab's own, or the leader tab's, relayed (leader.js).
  const socket = openSocket(config.socketUrl, {
    onFrame: onFrame,
    onState: setState,
    onLive: () => {
      flushAcks();
      reportSeen();
    },
    onUnauthorized: unauthorized,
    // Which connection the frames come over (fallback.js), for tests and support.
    onTransport: (name) => {
      if (indicator) indicator.dataset.transport = name;
    },
  }, {
    userId: config.userId,
    probeUrl: config.probeUrl,
    // Server-Sent Events when a proxy refuses WebSockets (fallback.js).
    createSocket: withFallback({ streamUrl: config.streamUrl, sendUrl: config.streamSendUrl, probeUrl: config.probeUrl }),
  });

  // A 4401 close: the session ended, or was re-keyed by this very page (a password change
  // cycles the key). A page already on its way to the next one lets that page connect; else
  // the login page only when the cookie no longer logs in (the login page redirects then).
  function unauthorized() {
    if (leaving) return;
    fetch(config.loginUrl, { credentials: "same-origin", redirect: "manual" })
      .then((response) => {
        if (leaving) return;
        if (response.type === "opaqueredirect") window.location.reload();
        else window.location.assign(config.loginUrl + "?next=" + encodeURIComponent(location.pathname));
      })
      .catch(() => {}); // offline: the socket's own retry tells again
  }

  const rendered = Array.from(stack.querySelectorAll(".toast[data-id]"));
  rendered.sort((a, b) => Number(a.dataset.id) - Number(b.dataset.id));
  for (const el of rendered) {
    sanitize(el);
    const id = Number(el.dataset.id);
    // A thread rendered as several toasts: its newest stands for the rest.
    const placed = threads.place({ id: id, group: el.dataset.group });
    if (!placed.show) {
      el.remove();
      continue;
    }
    if (placed.replaces !== null) {
      toasts.get(placed.replaces).remove();
      toasts.delete(placed.replaces);
    }
    toasts.set(id, el);
    if ("quiet" in el.dataset) quiet.add(id); // the server said: no toast
  }

  // --- the set of toasts ---------------------------------------------------------
  function upsert(msg, live) {
    const placed = threads.place(msg);
    if (!placed.show) return; // an older message of a thread: its thread's toast stands for it
    if (placed.replaces !== null && toasts.has(placed.replaces)) {
      // The thread's toast, updated in place for its newest message (like a collapse key).
      const old = placed.replaces;
      toasts.set(msg.id, toasts.get(old));
      toasts.get(msg.id).dataset.id = String(msg.id);
      toasts.delete(old);
      quiet.delete(old);
      seen.viewed.delete(old);
      clearTimeout(seen.timers.get(old));
    }
    let el = toasts.get(msg.id);
    const isNew = !el;
    if (isNew) {
      el = messageToast(msg);
      toasts.set(msg.id, el);
    } else {
      fill(el, msg); // a collapsed message (same id) is replaced in place
    }
    if (live) {
      // Pushed again (collapsed, or marked unread elsewhere): show it again. A sync only
      // restates the set, so what the timer hid stays hidden.
      hidden.delete(msg.id);
      seen.viewed.delete(msg.id);
      seen.reported.delete(msg.id); // unseen again on the server (an update, a snooze's end)
      clearTimeout(seen.timers.get(msg.id));
    }
    if (live && isNew && burst.arrive(msg.id, Date.now(), (id) => toasts.has(id))) {
      if (!summary) summary = summaryToast(config.inboxUrl);
      const levels = Array.from(burst.ids, (id) => (toasts.get(id) ? toasts.get(id).dataset.level : "info"));
      setSummaryCount(summary, burst.ids.size, levelSummary(levels));
    }
  }

  function remove(id) {
    for (const member of threads.forget(id)) if (member !== id) remove(member);
    const el = toasts.get(id);
    if (el) el.remove();
    toasts.delete(id);
    quiet.delete(id);
    seen.viewed.delete(id);
    clearTimeout(seen.timers.get(id));
    seen.timers.delete(id);
    if (burst.remove(id) && summary) {
      summary.remove();
      summary = null;
    }
  }

  // Applies the stack's rules (stack.js) to the DOM: order, which show, "+K more".
  function layout() {
    const entries = [];
    if (summary) entries.push({ summary: true, el: summary });
    for (const [id, el] of toasts) entries.push({ id: id, el: el, summary: false, suppressed: hidden.has(id) || quiet.has(id) || burst.has(id) });
    const order = ordered(entries);
    const alerts = Array.from(stack.querySelectorAll(".toast[data-local]"));
    place([...alerts, ...order.map((e) => e.el), ...(more ? [more] : [])]);
    const limit = narrow.matches ? Math.min(config.toastLimit, config.narrowLimit) : config.toastLimit;
    // A thread's older messages have no toast but are shown (by its toast): not "+K more".
    const result = plan(order, { limit: limit, unreadCount: unreadCount, dismissed: acks.size + threads.covered() });
    const shown = new Set(result.shown);
    for (const e of order) {
      e.el.hidden = !shown.has(e.summary ? "summary" : e.id);
      linkFullText(e.el, config.inboxUrl);
    }
    if (more) {
      more.hidden = result.more === 0;
      more.querySelector(".toast-more-count").textContent = String(result.more);
    }
    noteViewed();
    reserve();
  }

  // The stack's height, for app.css to keep the page's own controls clear of it.
  function reserve() {
    document.documentElement.style.setProperty("--toasts-height", stack.offsetHeight + "px");
  }

  // Moves only the elements out of place: moving a node restarts its entry animation.
  function place(desired) {
    desired.forEach((el, i) => {
      const current = stack.children[i];
      if (current !== el) stack.insertBefore(el, current || null);
    });
  }

  // --- seen: a toast shown in a focused tab -----------------------------------------
  function noteViewed() {
    if (document.visibilityState !== "visible" || !document.hasFocus()) return;
    if (!stack.getClientRects().length) return; // the page does not show toasts (the inbox)
    const fresh = [];
    for (const [id, el] of toasts) {
      if (el.hidden || seen.viewed.has(id)) continue;
      seen.viewed.add(id);
      fresh.push(id);
      if (config.hideAfterMs > 0 && el.dataset.level === "info") scheduleHide(id, config.hideAfterMs);
    }
    if (fresh.length) document.dispatchEvent(new CustomEvent("notifications:seen", { detail: { ids: fresh } }));
    reportSeen();
  }

  function reportSeen() {
    const ids = [];
    for (const id of seen.viewed) if (!seen.reported.has(id) && toasts.has(id)) ids.push(id);
    // Unsent ones go with the next layout or reconnect; the server keeps the first time.
    const batch = ids.slice(0, config.maxAckIds);
    if (batch.length && socket.send({ type: "seen", ids: batch })) for (const id of batch) seen.reported.add(id);
  }

  // Auto-hide only hides (the message stays unread), and waits while the pointer or
  // keyboard focus is on the stack, so nobody loses a toast they are reading.
  function scheduleHide(id, delay) {
    clearTimeout(seen.timers.get(id));
    const timer = setTimeout(() => {
      if (!toasts.has(id)) return;
      if (stack.matches(":hover") || stack.contains(document.activeElement)) {
        scheduleHide(id, 1000);
        return;
      }
      hidden.add(id);
      layout();
    }, delay);
    seen.timers.set(id, timer);
  }

  window.addEventListener("focus", noteViewed);
  document.addEventListener("visibilitychange", noteViewed);

  // --- badge, title, connection indicator -------------------------------------------
  function setCount(n) {
    if (typeof n !== "number") return;
    unreadCount = n;
    if (badge) {
      badge.textContent = String(n);
      badge.dataset.count = String(n);
    }
    document.title = (n > 0 ? "(" + n + ") " : "") + baseTitle;
  }

  // Pages that change messages over HTTP (the inbox) report the new count here, so the
  // badge is right even while the socket is down.
  document.addEventListener("notifications:count", (event) => {
    setCount(event.detail);
    layout();
  });
  narrow.addEventListener("change", layout);

  function setState(state) {
    if (!indicator) return;
    // Each retry goes "connecting" then "offline" again: stay "Offline, retrying…" until
    // live, so the text does not flicker and the Retry button stays put.
    if (indicator.dataset.state === "offline" && state !== "live") return;
    indicator.dataset.state = state;
    indicator.textContent = state === "live" ? "" : state === "offline" ? gettext("Offline, retrying\u2026") + " " : gettext("Connecting\u2026");
    if (state === "offline") indicator.append(retryButton);
  }


  // --- frames from the server -------------------------------------------------------
  function onFrame(frame) {
    // Pages with live parts of their own (the inbox, "my files") listen for this.
    document.dispatchEvent(new CustomEvent("notifications:frame", { detail: frame }));
    switch (frame.type) {
      case "sync":
        applySync(frame);
        return;
      case "notification":
        if (acks.has(frame.message.id)) break;
        if (frame.toast === false) {
          // Quiet (the user's preferences, or do not disturb): counted and in the inbox,
          // not shown as a toast until a sync or page load says otherwise.
          upsert(frame.message, false);
          quiet.add(frame.message.id);
        } else {
          quiet.delete(frame.message.id);
          upsert(frame.message, true);
        }
        break;
      case "archived": // no longer unread either: the toast goes, as on `read`
      case "snoozed": // back as a `notification` when its time comes
      case "deleted":
      case "read":
        for (const id of frame.ids) remove(id);
        acks.confirm(frame.ids);
        break;
      case "muted":
        // A thread muted (in any tab): its messages stay unread, and toast no more.
        if (frame.muted) for (const id of threads.idsOf(frame.group)) quiet.add(id);
        layout();
        return;
      case "error":
        // The cookie is now another user's (a logout and a login in another tab): the
        // server closes with 4409, and the page reloads as whoever is signed in.
        if (frame.code === "wrong_user") {
          location.reload();
          return;
        }
        console.warn("notifications:", frame.code, frame.detail);
        // A refused ack (rate limited) is retried from the next sync.
        if (acks.size) requestSync(1000);
        return;
      default:
        return;
    }
    setCount(frame.unread_count);
    layout();
    checkDrift(frame.unread_count);
  }

  function applySync(frame) {
    const unread = frame.unread.map((m) => m.id);
    const complete = frame.unread_count <= frame.unread.length;
    const failed = acks.reconcile({ unread: unread, complete: complete });
    if (failed.length) tellFailed(failed.length);
    for (const id of [...toasts.keys(), ...threads.known()]) if (!unread.includes(id) || acks.has(id)) remove(id);
    for (const msg of frame.unread) {
      if (acks.has(msg.id)) continue;
      upsert(msg, false);
      if (msg.toast === false) quiet.add(msg.id); // the server decides, as for a live frame
      else quiet.delete(msg.id);
    }
    if (complete) hidden.keepOnly(new Set(unread));
    setCount(frame.unread_count);
    layout();
  }

  // Pushes are at most once: if what we show disagrees with the server's count, resync.
  function checkDrift(count) {
    if (acks.size || toasts.size + threads.covered() === Math.min(count, config.syncLimit)) return;
    requestSync(250);
  }

  function requestSync(delay) {
    clearTimeout(syncTimer);
    syncTimer = setTimeout(() => socket.send({ type: "sync" }), delay);
  }

  // --- dismissing: acks over the socket, else over HTTP, else queued -----------------
  // Dismissed here: gone at once in this browser's other tabs too (also offline; the
  // server's `read` frame confirms later), and the badge counts it at once.
  const dismissals = "BroadcastChannel" in window ? new BroadcastChannel("notifications-dismissed-" + config.userId) : null;
  if (dismissals) {
    dismissals.addEventListener("message", (event) => {
      const ids = Array.isArray(event.data && event.data.ids) ? event.data.ids.map(Number) : [];
      forget(ids);
      layout();
    });
  }

  function forget(ids) {
    let gone = 0;
    for (const id of ids) {
      if (toasts.has(id) || threads.has(id)) gone += 1;
      remove(id);
    }
    if (gone) setCount(Math.max(0, unreadCount - gone));
  }

  function dismiss(ids) {
    forget(ids);
    if (dismissals) dismissals.postMessage({ ids: ids });
    acks.add(ids);
    layout();
    flushAcks();
  }

  function flushAcks() {
    if (!acks.size) return;
    if (socket.open) {
      socket.send({ type: "ack", ids: acks.take() });
      return;
    }
    if (httpAcks) return;
    httpAcks = true;
    const batch = acks.take();
    postJson(config.readUrl, { ids: batch })
      .then(({ status, body }) => {
        if (status === 200) {
          acks.confirm(batch);
          if (body) setCount(body.unread_count);
        } else if (status >= 400 && status < 500 && status !== 429) {
          // Refused for good (session ended, CSRF): the messages are still unread.
          const failed = acks.fail(batch);
          if (failed.length) tellFailed(failed.length);
        } else {
          acks.untry(batch); // the server is struggling: sent again on reconnect
        }
      })
      .catch(() => acks.untry(batch)) // offline: sent again on reconnect
      .finally(() => {
        httpAcks = false;
        layout();
      });
  }

  function tellFailed(n) {
    const text = format(
      ngettext(
        "A notification you dismissed could not be marked read; it is shown again.",
        "%(n)s notifications you dismissed could not be marked read; they are shown again.",
        n,
      ),
      { n: n },
    );
    stack.prepend(localAlert(text));
    requestSync(0); // show them again now if the socket is up
    layout();
  }

  window.addEventListener("online", () => {
    socket.retryNow();
    flushAcks();
  });

  // --- clicks and keys on the stack ---------------------------------------------------
  function visibleToasts() {
    return Array.from(stack.querySelectorAll(":scope > .toast:not([hidden])"));
  }

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
    const index = visibleToasts().indexOf(toast);
    if (toast.dataset.local) {
      toast.remove();
    } else if (toast.dataset.summary) {
      const ids = Array.from(burst.ids);
      toast.remove();
      summary = null;
      burst.clear();
      if (readAll) {
        dismiss(ids);
      } else {
        // Closed, not read: they stay unread in the inbox, and off the stack here.
        for (const id of ids) hidden.add(id);
        layout();
      }
    } else {
      dismiss(threads.idsWith(Number(toast.dataset.id))); // a thread's toast: all it stands for
    }
    if (hadFocus) moveFocus(index);
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
          for (const member of threads.idsOf(group)) quiet.add(member);
          layout();
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
    layout();
  }

  // Keyboard users land on the toast that took the dismissed one's place, else on the
  // "+K more" link, else on the inbox link in the header: never on <body>.
  function moveFocus(index) {
    const now = visibleToasts();
    const slot = focusSlot(index, now.length);
    const target =
      slot >= 0
        ? now[slot].querySelector(".toast-dismiss")
        : (more && !more.hidden && more) || document.querySelector("a.unread") || null;
    if (target) target.focus();
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

  layout();
  socket.connect();
}
