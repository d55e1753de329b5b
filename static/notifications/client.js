// Live notifications: renders server frames and sends acks. The server decides;
// this file only displays. Protocol: docs/protocol.md.
(function () {
  "use strict";

  const stack = document.getElementById("toasts");
  if (!stack || !("WebSocket" in window)) return;
  const badge = document.getElementById("unread-badge");
  const indicator = document.getElementById("connection");
  const csrfToken = document.querySelector('meta[name="csrf-token"]').content;
  const syncLimit = parseInt(stack.dataset.syncLimit, 10) || 100;
  const baseTitle = document.title.replace(/^\(\d+\) /, "");

  const toasts = new Map(); // message id -> element, the unread set this tab shows
  const pending = new Set(); // ids dismissed here whose `read` has not come back yet
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

  function fill(el, msg) {
    el.className = "toast toast-" + msg.level;
    el.replaceChildren();
    const text = document.createElement("p");
    text.className = "toast-text";
    text.textContent = msg.text;
    el.append(text);
    if (safeLink(msg.link)) {
      const a = document.createElement("a");
      a.className = "toast-link";
      a.href = msg.link;
      a.textContent = "Open";
      el.append(a);
    }
    const close = document.createElement("button");
    close.type = "button";
    close.className = "toast-dismiss";
    close.setAttribute("aria-label", "Dismiss notification");
    close.textContent = "\u00d7";
    el.append(close);
  }

  function upsert(msg) {
    let el = toasts.get(msg.id);
    if (!el) {
      el = document.createElement("div");
      el.dataset.id = String(msg.id);
      el.setAttribute("role", "status");
      toasts.set(msg.id, el);
    }
    fill(el, msg); // a collapsed message (same id) is replaced in place
    if (el.parentNode !== stack) stack.prepend(el);
  }

  function remove(id) {
    const el = toasts.get(id);
    if (el) el.remove();
    toasts.delete(id);
  }

  function setCount(n) {
    if (!badge || typeof n !== "number") return;
    badge.textContent = String(n);
    badge.dataset.count = String(n);
    document.title = (n > 0 ? "(" + n + ") " : "") + baseTitle;
  }

  function setState(state) {
    if (!indicator) return;
    indicator.dataset.state = state;
    indicator.textContent = state === "live" ? "" : state === "offline" ? "Offline, retrying\u2026" : "Connecting\u2026";
  }

  // --- frames from the server -------------------------------------------------
  function onFrame(frame) {
    // Pages with live parts of their own (e.g. "my files") listen for this.
    document.dispatchEvent(new CustomEvent("notifications:frame", { detail: frame }));
    switch (frame.type) {
      case "sync": {
        pending.clear();
        const wanted = new Set(frame.unread.map((m) => m.id));
        for (const id of Array.from(toasts.keys())) if (!wanted.has(id)) remove(id);
        for (const msg of frame.unread) upsert(msg); // oldest first, so newest ends on top
        setCount(frame.unread_count);
        return;
      }
      case "notification":
        if (!pending.has(frame.message.id)) upsert(frame.message);
        break;
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
    checkDrift(frame.unread_count);
  }

  // Pushes are at most once: if what we show disagrees with the server's count, resync.
  function checkDrift(count) {
    if (pending.size || toasts.size === Math.min(count, syncLimit)) return;
    clearTimeout(syncTimer);
    syncTimer = setTimeout(() => send({ type: "sync" }), 250);
  }

  // --- dismiss ------------------------------------------------------------------
  stack.addEventListener("click", (event) => {
    const button = event.target.closest(".toast-dismiss");
    if (!button) return;
    const id = Number(button.closest(".toast").dataset.id);
    remove(id);
    pending.add(id);
    if (!send({ type: "ack", ids: [id] })) markReadOverHttp(id);
  });

  function markReadOverHttp(id) {
    fetch("/notifications/" + id + "/read/", {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken },
    })
      .then((r) => (r.ok ? r.json() : null))
      .then((body) => {
        pending.delete(id);
        if (body) setCount(body.unread_count);
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
    socket.addEventListener("open", () => {
      attempt = 0;
      setState("live");
    });
    socket.addEventListener("message", (event) => {
      try {
        onFrame(JSON.parse(event.data));
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
      // jitter so a fleet of tabs does not reconnect in lockstep.
      const delay = attempt === 0 ? 250 : Math.random() * Math.min(30000, 500 * 2 ** attempt);
      attempt += 1;
      setTimeout(connect, delay);
    });
  }

  connect();
})();
