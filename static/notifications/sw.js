// Web Push service worker (docs/inbox.md, "Web Push"), served at /notifications/sw.js
// and registered as a module worker (push.js). Shows a pushed message as a system
// notification; a click opens its link or the inbox.
// The import path is fixed: a service worker cannot import dynamically, and this file
// is served from a fixed URL rather than the static one.
import { safeLink } from "/static/notifications/links.js";

const TITLES = { info: "Notification", success: "Done", warning: "Warning", error: "Error" };

// The worker's scope is the inbox (/notifications/).
const inboxUrl = () => new URL(self.registration.scope).pathname;

self.addEventListener("push", (event) => {
  let msg = {};
  try {
    msg = event.data ? event.data.json() : {};
  } catch {
    msg = {};
  }
  // The server's title is in the user's language; an older payload has none.
  const title = typeof msg.title === "string" ? msg.title : "Audio: " + (TITLES[msg.level] || TITLES.info);
  event.waitUntil(
    self.registration.showNotification(title, {
      body: typeof msg.text === "string" ? msg.text : "You have a new notification.",
      tag: msg.id ? "message-" + msg.id : undefined,
      data: { link: safeLink(msg.link) ? msg.link : inboxUrl() },
    })
  );
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const stored = event.notification.data && event.notification.data.link;
  const url = new URL(safeLink(stored) ? stored : inboxUrl(), self.location.origin).href;
  event.waitUntil(
    self.clients.matchAll({ type: "window", includeUncontrolled: true }).then((tabs) => {
      for (const tab of tabs) {
        if (tab.url === url && "focus" in tab) return tab.focus();
      }
      return self.clients.openWindow(url);
    })
  );
});
