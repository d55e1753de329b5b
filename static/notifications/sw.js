// Web Push service worker (docs/inbox.md, "Web Push"), served at /notifications/sw.js.
// Shows a pushed message as a system notification; a click opens its link or the inbox.
"use strict";

const TITLES = { info: "Notification", success: "Done", warning: "Warning", error: "Error" };

function safeLink(link) {
  return typeof link === "string" && (/^\/(?!\/)/.test(link) || /^https?:\/\//i.test(link));
}

self.addEventListener("push", (event) => {
  let msg = {};
  try {
    msg = event.data ? event.data.json() : {};
  } catch (e) {
    msg = {};
  }
  const title = "Audio: " + (TITLES[msg.level] || TITLES.info);
  event.waitUntil(
    self.registration.showNotification(title, {
      body: typeof msg.text === "string" ? msg.text : "You have a new notification.",
      tag: msg.id ? "message-" + msg.id : undefined,
      data: { link: safeLink(msg.link) ? msg.link : "/notifications/" },
    })
  );
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const link = (event.notification.data && event.notification.data.link) || "/notifications/";
  const url = new URL(link, self.location.origin).href;
  event.waitUntil(
    self.clients.matchAll({ type: "window", includeUncontrolled: true }).then((tabs) => {
      for (const tab of tabs) {
        if (tab.url === url && "focus" in tab) return tab.focus();
      }
      return self.clients.openWindow(url);
    })
  );
});
