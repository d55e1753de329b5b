// Live notifications in every page but the inbox: renders the server's frames as toasts
// and sends acks and `seen`. The server owns the messages and the unread count; this
// client decides only how they show: which toasts collapse into a burst, when an info
// toast hides, when to ask for a resync, and retrying dismissals made offline.
// Protocol: docs/protocol.md; toasts: docs/inbox.md. Settings and URLs: #toasts' data-.
//
// The parts: the toasts this tab shows (toast_set.js), what each server frame does to
// them (client_frames.js, dispatched by frames.js), dismissals and acks (dismissals.js),
// clicks and keys (stack_input.js); here, the socket and the connection indicator.
import { AckQueue } from "./acks.js";
import { stackConfig } from "./config.js";
import { frameHandlers } from "./client_frames.js";
import { createDismissals } from "./dismissals.js";
import { withFallback } from "./fallback.js";
import { dispatch, syncFrame } from "./frames.js";
import { gettext } from "./i18n.js";
import { openSocket } from "./leader.js";
import { bindStackInput } from "./stack_input.js";
import { createToastSet } from "./toast_set.js";

const root = document.getElementById("toasts");
if (root && "WebSocket" in window) start(root);

function start(stack) {
  const config = stackConfig(stack.dataset);
  const indicator = document.getElementById("connection");
  const acks = new AckQueue(config.maxAckIds); // dismissed here, not yet confirmed read
  let syncTimer = null;
  // `seen` frames go over the socket opened next (only ever sent once it is).
  const view = createToastSet(stack, config, { acks: acks, send: (frame) => socket.send(frame) });

  // One socket per browser: this tab's own, or the leader tab's, relayed (leader.js).
  const socket = openSocket(config.socketUrl, {
    onFrame: onFrame,
    onState: connectionIndicator(indicator, () => socket.retryNow()),
    onLive: () => {
      dismissals.flushAcks();
      view.reportSeen();
    },
    onUnauthorized: whenUnauthorized(config.loginUrl),
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

  const dismissals = createDismissals(view, { stack: stack, acks: acks, socket: socket, requestSync: requestSync, config: config });
  const handlers = frameHandlers(view, { acks: acks, requestSync: requestSync, tellFailed: dismissals.tellFailed, syncLimit: config.syncLimit });
  bindStackInput(stack, view, { dismiss: dismissals.dismiss, config: config });

  function onFrame(frame) {
    // Pages with live parts of their own (the inbox, "my files") listen for this.
    document.dispatchEvent(new CustomEvent("notifications:frame", { detail: frame }));
    dispatch(frame, handlers);
  }

  function requestSync(delay) {
    clearTimeout(syncTimer);
    syncTimer = setTimeout(() => socket.send(syncFrame()), delay);
  }

  window.addEventListener("online", () => {
    socket.retryNow();
    dismissals.flushAcks();
  });

  view.layout();
  socket.connect();
}

/** The offline indicator's onState: "Connecting…", "Offline, retrying…" with a Retry
 * button (the server may answer again before the backoff's next try), or nothing. */
function connectionIndicator(indicator, retryNow) {
  const retryButton = document.createElement("button");
  retryButton.type = "button";
  retryButton.className = "link connection-retry";
  retryButton.textContent = gettext("Retry now");
  retryButton.addEventListener("click", retryNow);
  return (state) => {
    if (!indicator) return;
    // Each retry goes "connecting" then "offline" again: stay "Offline, retrying…" until
    // live, so the text does not flicker and the Retry button stays put.
    if (indicator.dataset.state === "offline" && state !== "live") return;
    indicator.dataset.state = state;
    indicator.textContent = state === "live" ? "" : state === "offline" ? gettext("Offline, retrying\u2026") + " " : gettext("Connecting\u2026");
    if (state === "offline") indicator.append(retryButton);
  };
}

/** The socket's onUnauthorized. A 4401 close: the session ended, or was re-keyed by this
 * very page (a password change cycles the key). A page already on its way to the next one
 * lets that page connect; else the login page only when the cookie no longer logs in (the
 * login page redirects then). */
function whenUnauthorized(loginUrl) {
  let leaving = false; // a form post or link is taking this page away
  window.addEventListener("beforeunload", () => {
    leaving = true;
  });
  window.addEventListener("pageshow", () => {
    leaving = false;
  });
  return () => {
    if (leaving) return;
    fetch(loginUrl, { credentials: "same-origin", redirect: "manual" })
      .then((response) => {
        if (leaving) return;
        if (response.type === "opaqueredirect") window.location.reload();
        else window.location.assign(loginUrl + "?next=" + encodeURIComponent(location.pathname));
      })
      .catch(() => {}); // offline: the socket's own retry tells again
  };
}
