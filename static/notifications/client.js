// Live notifications: renders server frames as toasts and sends acks. The server
// decides; this file only displays. Protocol: docs/protocol.md; toasts: docs/inbox.md.
(function () {
  "use strict";

  const stack = document.getElementById("toasts");
  if (!stack || !("WebSocket" in window)) return;
  const badge = document.getElementById("unread-badge");
  const indicator = document.getElementById("connection");
  const csrfToken = document.querySelector('meta[name="csrf-token"]').content;
  const config = stack.dataset;
  const syncLimit = parseInt(config.syncLimit, 10) || 100;
  const toastLimit = parseInt(config.toastLimit, 10) || 5;
  const hideAfterMs = 1000 * (config.hideAfter === undefined ? 8 : parseFloat(config.hideAfter) || 0);
  const burstCount = parseInt(config.burstCount, 10) || 3;
  const burstWindowMs = 1000 * (parseFloat(config.burstWindow) || 2);
  const inboxUrl = config.inboxUrl || "/notifications/";
  const more = stack.querySelector(".toast-more");
  const moreCount = more && more.querySelector(".toast-more-count");
  const baseTitle = document.title.replace(/^\(\d+\) /, "");

  const toasts = new Map(); // message id -> element, the unread set this tab shows
  const pending = new Set(); // ids dismissed here whose `read` has not come back yet
  const autoHidden = new Set(); // info toasts hidden by the timer here; still unread
  const viewed = new Set(); // ids shown in this tab while it had focus
  const reported = new Set(); // ids whose `seen` went to the server
  const hideTimers = new Map();
  let arrivals = []; // {id, at} of live notifications, for burst detection
  let burst = null; // {ids: Set, last: ms, el} while a burst summary is shown
  let unreadCount = badge ? parseInt(badge.dataset.count, 10) || 0 : 0;
  let socket = null;
  let attempt = 0;
  let syncTimer = null;

  for (const el of stack.querySelectorAll(".toast[data-id]")) {
    toasts.set(Number(el.dataset.id), el);
  }

  // --- rendering -------------------------------------------------------------
  function safeLink(link) {
    return typeof link === "string" && (/^\/(?!\/)/.test(link) || /^https?:\/\//i.test(link));
  }

  function dismissButton(label) {
    const close = document.createElement("button");
    close.type = "button";
    close.className = "toast-dismiss";
    close.setAttribute("aria-label", label);
    close.textContent = "\u00d7";
    return close;
  }

  function fill(el, msg) {
    el.className = "toast toast-" + msg.level;
    el.dataset.level = msg.level;
    el.replaceChildren();
    const level = document.createElement("span");
    level.className = "visually-hidden";
    level.textContent = msg.level.charAt(0).toUpperCase() + msg.level.slice(1) + ":";
    const text = document.createElement("p");
    text.className = "toast-text";
    text.textContent = msg.text;
    el.append(level, text);
    if (safeLink(msg.link)) {
      const a = document.createElement("a");
      a.className = "toast-link";
      a.href = msg.link;
      a.textContent = "Open";
      el.append(a);
    }
    el.append(dismissButton("Dismiss notification"));
  }

  function upsert(msg, live) {
    let el = toasts.get(msg.id);
    const isNew = !el;
    if (!el) {
      el = document.createElement("div");
      el.dataset.id = String(msg.id);
      el.setAttribute("role", "status");
      toasts.set(msg.id, el);
    }
    fill(el, msg); // a collapsed message (same id) is replaced in place
    if (live) {
      // Pushed again (collapsed, or marked unread elsewhere): show it again in this tab.
      // A sync only restates the set, so what the timer hid here stays hidden.
      autoHidden.delete(msg.id);
      viewed.delete(msg.id);
      clearTimeout(hideTimers.get(msg.id));
    }
    if (live || el.parentNode !== stack) stack.prepend(el); // newest on top
    if (live && isNew) noteArrival(msg.id);
  }

  function remove(id) {
    const el = toasts.get(id);
    if (el) el.remove();
    toasts.delete(id);
    autoHidden.delete(id);
    viewed.delete(id);
    clearTimeout(hideTimers.get(id));
    hideTimers.delete(id);
    if (burst && burst.ids.delete(id) && !burst.ids.size) {
      burst.el.remove();
      burst = null;
    }
  }

  // --- bursts: many notifications at once become one summary toast ---------------
  function noteArrival(id) {
    const now = Date.now();
    arrivals = arrivals.filter((a) => now - a.at <= burstWindowMs);
    arrivals.push({ id: id, at: now });
    if (burst && now - burst.last <= burstWindowMs) {
      burst.ids.add(id);
    } else if (arrivals.length > burstCount) {
      if (!burst) burst = { ids: new Set(), el: summaryElement() };
      for (const a of arrivals) if (toasts.has(a.id)) burst.ids.add(a.id);
    } else {
      return;
    }
    burst.last = now;
    const n = burst.ids.size;
    burst.el.querySelector(".toast-text").textContent = n + " new notifications";
    burst.el.querySelector(".toast-dismiss").setAttribute("aria-label", "Dismiss these " + n + " notifications");
    stack.prepend(burst.el);
  }

  function summaryElement() {
    const el = document.createElement("div");
    el.className = "toast toast-summary";
    el.dataset.summary = "1";
    el.setAttribute("role", "status");
    const text = document.createElement("p");
    text.className = "toast-text";
    const a = document.createElement("a");
    a.className = "toast-link";
    a.href = inboxUrl;
    a.textContent = "View in inbox";
    el.append(text, a, dismissButton("Dismiss these notifications"));
    return el;
  }

  // --- which toasts show: at most toastLimit, then "+K more" ----------------------
  function layout() {
    let shown = 0;
    let overflow = 0;
    for (const el of stack.children) {
      if (el === more) continue;
      const id = Number(el.dataset.id);
      if (!el.dataset.summary && (autoHidden.has(id) || (burst && burst.ids.has(id)))) {
        el.hidden = true;
      } else if (shown < toastLimit) {
        el.hidden = false;
        shown += 1;
      } else {
        el.hidden = true;
        overflow += 1;
      }
    }
    // Unread messages beyond the sync cap are in the inbox only.
    const k = overflow + Math.max(0, unreadCount - toasts.size - pending.size);
    if (more) {
      more.hidden = k === 0;
      moreCount.textContent = String(k);
    }
    noteViewed();
  }

  // --- seen: a toast shown in a focused tab -------------------------------------
  function noteViewed() {
    if (document.visibilityState !== "visible" || !document.hasFocus()) return;
    if (!stack.getClientRects().length) return; // the page does not show toasts (the inbox)
    const fresh = [];
    for (const [id, el] of toasts) {
      if (el.hidden || viewed.has(id)) continue;
      viewed.add(id);
      fresh.push(id);
      if (hideAfterMs > 0 && el.dataset.level === "info") scheduleHide(id, hideAfterMs);
    }
    if (fresh.length) document.dispatchEvent(new CustomEvent("notifications:seen", { detail: { ids: fresh } }));
    reportSeen();
  }

  function reportSeen() {
    const ids = [];
    for (const id of viewed) if (!reported.has(id) && toasts.has(id)) ids.push(id);
    // Unsent ones go with the next layout or reconnect; the server keeps the first time.
    if (ids.length && send({ type: "seen", ids: ids.slice(0, 500) })) {
      for (const id of ids.slice(0, 500)) reported.add(id);
    }
  }

  // Auto-hide only hides here (the message stays unread), and waits while the pointer
  // or keyboard focus is on the stack, so nobody loses a toast they are reading.
  function scheduleHide(id, delay) {
    clearTimeout(hideTimers.get(id));
    hideTimers.set(
      id,
      setTimeout(() => {
        if (!toasts.has(id)) return;
        if (stack.matches(":hover") || stack.contains(document.activeElement)) {
          scheduleHide(id, 1000);
          return;
        }
        autoHidden.add(id);
        layout();
      }, delay)
    );
  }

  window.addEventListener("focus", noteViewed);
  document.addEventListener("visibilitychange", noteViewed);

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

  function setState(state) {
    if (!indicator) return;
    indicator.dataset.state = state;
    indicator.textContent = state === "live" ? "" : state === "offline" ? "Offline, retrying\u2026" : "Connecting\u2026";
  }

  // --- frames from the server -------------------------------------------------
  function onFrame(frame) {
    // Pages with live parts of their own (the inbox, "my files") listen for this.
    document.dispatchEvent(new CustomEvent("notifications:frame", { detail: frame }));
    switch (frame.type) {
      case "sync": {
        pending.clear();
        const wanted = new Set(frame.unread.map((m) => m.id));
        for (const id of Array.from(toasts.keys())) if (!wanted.has(id)) remove(id);
        for (const msg of frame.unread) upsert(msg, false); // oldest first: newest ends on top
        setCount(frame.unread_count);
        layout();
        return;
      }
      case "notification":
        if (!pending.has(frame.message.id)) upsert(frame.message, true);
        break;
      case "archived": // no longer unread either: the toast goes, as on `read`
      case "deleted":
      case "read":
        for (const id of frame.ids) {
          remove(id);
          pending.delete(id);
        }
        break;
      case "error":
        console.warn("notifications:", frame.code, frame.detail);
        return;
      default:
        return;
    }
    setCount(frame.unread_count);
    layout();
    checkDrift(frame.unread_count);
  }

  // Pushes are at most once: if what we show disagrees with the server's count, resync.
  function checkDrift(count) {
    if (pending.size || toasts.size === Math.min(count, syncLimit)) return;
    clearTimeout(syncTimer);
    syncTimer = setTimeout(() => send({ type: "sync" }), 250);
  }

  // --- dismiss, open ------------------------------------------------------------
  stack.addEventListener("click", (event) => {
    const toast = event.target.closest(".toast");
    if (!toast) return;
    if (event.target.closest(".toast-link")) {
      // Opening a message's target reads it; keepalive survives the navigation.
      if (!toast.dataset.summary) markReadOverHttp(Number(toast.dataset.id), true);
      return;
    }
    if (!event.target.closest(".toast-dismiss")) return;
    const ids = toast.dataset.summary && burst ? Array.from(burst.ids) : [Number(toast.dataset.id)];
    if (toast.dataset.summary) {
      toast.remove();
      burst = null;
    }
    for (const id of ids) {
      remove(id);
      pending.add(id);
    }
    layout();
    if (!send({ type: "ack", ids: ids })) for (const id of ids) markReadOverHttp(id, false);
  });

  function markReadOverHttp(id, keepalive) {
    fetch("/notifications/" + id + "/read/", {
      method: "POST",
      credentials: "same-origin",
      keepalive: keepalive,
      headers: { "X-CSRFToken": csrfToken, Accept: "application/json" },
    })
      .then((r) => (r.ok ? r.json() : null))
      .then((body) => {
        pending.delete(id);
        if (body) setCount(body.unread_count);
        layout();
      })
      .catch(() => pending.delete(id));
  }

  // --- the socket ---------------------------------------------------------------
  function send(frame) {
    if (!socket || socket.readyState !== WebSocket.OPEN) return false;
    socket.send(JSON.stringify(frame));
    return true;
  }

  function connect() {
    setState("connecting");
    const scheme = location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + location.host + "/ws/notifications/");
    socket.addEventListener("message", (event) => {
      try {
        const frame = JSON.parse(event.data);
        // Live only once the first sync arrives: the server accepts a socket before it
        // refuses it (4429, 4503), and a refused socket must keep backing off.
        if (frame.type === "sync") {
          attempt = 0;
          setState("live");
        }
        onFrame(frame);
      } catch (err) {
        console.warn("notifications: bad frame", err);
      }
    });
    socket.addEventListener("close", (event) => {
      socket = null;
      if (event.code === 4401) {
        setState("offline");
        window.location.assign("/accounts/login/?next=" + encodeURIComponent(location.pathname));
        return;
      }
      setState("offline");
      // First retry at once (a server restarting), then exponential backoff with full
      // jitter so a fleet of tabs does not reconnect in lockstep. Too many sockets (4429)
      // or a server that cannot set one up (4503) never gets the quick retry.
      if ((event.code === 4429 || event.code === 4503) && attempt === 0) attempt = 1;
      const delay = attempt === 0 ? 250 : Math.random() * Math.min(30000, 500 * 2 ** attempt);
      attempt += 1;
      setTimeout(connect, delay);
    });
  }

  layout();
  connect();
})();
