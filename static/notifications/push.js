// The inbox's "Notify me when no tab is open" button: subscribes this browser to Web
// Push (docs/inbox.md, "Web Push"). The button stays hidden unless the server has push
// configured (GET /notifications/push/key/ gives a key) and the browser supports it.
(function () {
  "use strict";

  const wrapper = document.getElementById("push-optin");
  const button = document.getElementById("push-toggle");
  if (!wrapper || !button) return;
  if (!("serviceWorker" in navigator && "PushManager" in window && "Notification" in window)) {
    return;
  }
  const csrfToken = document.querySelector('meta[name="csrf-token"]').content;
  const LABEL_ON = "Notify me when no tab is open";
  const LABEL_OFF = "Stop notifying me when no tab is open";

  function keyBytes(base64url) {
    const base64 = (base64url + "=".repeat((4 - (base64url.length % 4)) % 4))
      .replace(/-/g, "+")
      .replace(/_/g, "/");
    return Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
  }

  function post(url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "Content-Type": "application/json",
        Accept: "application/json",
        "X-CSRFToken": csrfToken,
      },
      body: JSON.stringify(body),
    }).then((response) => {
      if (!response.ok) throw new Error("push " + url + ": " + response.status);
      return response;
    });
  }

  function show(subscribed) {
    wrapper.hidden = false;
    if (Notification.permission === "denied") {
      button.disabled = true;
      button.textContent = "Notifications are blocked in this browser";
      return;
    }
    button.disabled = false;
    button.textContent = subscribed ? LABEL_OFF : LABEL_ON;
  }

  async function start() {
    const response = await fetch("/notifications/push/key/", {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    });
    if (!response.ok) return;
    const publicKey = (await response.json()).public_key;
    if (!publicKey) return; // Web Push is off on this server.
    const registration = await navigator.serviceWorker.register("/notifications/sw.js", {
      scope: "/notifications/",
    });
    let subscription = await registration.pushManager.getSubscription();
    // Sent again on every visit: the server drops subscriptions the push service gave up.
    if (subscription) await post("/notifications/push/subscribe/", subscription.toJSON());
    show(Boolean(subscription));

    button.addEventListener("click", async () => {
      button.disabled = true;
      try {
        if (subscription) {
          const endpoint = subscription.endpoint;
          await subscription.unsubscribe();
          subscription = null;
          await post("/notifications/push/unsubscribe/", { endpoint: endpoint });
        } else {
          if ((await Notification.requestPermission()) !== "granted") return;
          subscription = await registration.pushManager.subscribe({
            userVisibleOnly: true,
            applicationServerKey: keyBytes(publicKey),
          });
          await post("/notifications/push/subscribe/", subscription.toJSON());
        }
      } catch (error) {
        console.warn(error);
      } finally {
        show(Boolean(subscription));
      }
    });
  }

  start().catch((error) => console.warn(error));
})();
