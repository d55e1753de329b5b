// Dismissing toasts: gone at once in every tab of this browser, then marked read by an
// `ack` over the socket, else over HTTP, else queued (acks.js) until either works.
import { postJson } from "./api.js";
import { ackFrame } from "./frames.js";
import { format, ngettext } from "./i18n.js";
import { localAlert } from "./toasts.js";

/**
 * view: the toast set (toast_set.js); acks: the AckQueue; socket: the (shared) socket;
 * requestSync(delayMs); config: readUrl and userId.
 */
export function createDismissals(view, { stack, acks, socket, requestSync, config }) {
  let httpAcks = false; // an ack POST is in flight

  // Dismissed here: gone at once in this browser's other tabs too (also offline; the
  // server's `read` frame confirms later), and the badge counts it at once.
  const channel = "BroadcastChannel" in window ? new BroadcastChannel("notifications-dismissed-" + config.userId) : null;
  if (channel) {
    channel.addEventListener("message", (event) => {
      const ids = Array.isArray(event.data && event.data.ids) ? event.data.ids.map(Number) : [];
      forget(ids);
      view.layout();
    });
  }

  function forget(ids) {
    let gone = 0;
    for (const id of ids) {
      if (view.toasts.has(id) || view.threads.has(id)) gone += 1;
      view.remove(id);
    }
    if (gone) view.setCount(Math.max(0, view.unreadCount - gone));
  }

  function dismiss(ids) {
    forget(ids);
    if (channel) channel.postMessage({ ids: ids });
    acks.add(ids);
    view.layout();
    flushAcks();
  }

  function flushAcks() {
    if (!acks.size) return;
    if (socket.open) {
      socket.send(ackFrame(acks.take()));
      return;
    }
    if (httpAcks) return;
    httpAcks = true;
    const batch = acks.take();
    postJson(config.readUrl, { ids: batch })
      .then(({ status, body }) => {
        if (status === 200) {
          acks.confirm(batch);
          if (body) view.setCount(body.unread_count);
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
        view.layout();
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
    view.layout();
  }

  return { dismiss, flushAcks, tellFailed };
}
