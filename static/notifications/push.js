// The inbox's "Notify me when no tab is open" button: subscribes this browser to Web
// Push (docs/inbox.md, "Web Push"). The button stays hidden unless the server has push
// configured (its key URL gives a key) and the browser supports it. URLs: the data-
// attributes of #push-toggle.
import { csrfToken } from "./api.js";
import { gettext } from "./i18n.js";

const LABEL_ON = gettext("Notify me when no tab is open");
const LABEL_OFF = gettext("Stop notifying me when no tab is open");

const wrapper = document.getElementById("push-optin");
const button = document.getElementById("push-toggle");
if (wrapper && button && "serviceWorker" in navigator && "PushManager" in window && "Notification" in window) {
  start(button.dataset).catch((error) => console.warn(error));
}

function keyBytes(base64url) {
  const base64 = (base64url + "=".repeat((4 - (base64url.length % 4)) % 4)).replace(/-/g, "+").replace(/_/g, "/");
  return Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
}

function post(url, body) {
  return fetch(url, {
    method: "POST",
    credentials: "same-origin",
    headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrfToken() },
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
    button.textContent = gettext("Notifications are blocked in this browser");
    return;
  }
  button.disabled = false;
  button.textContent = subscribed ? LABEL_OFF : LABEL_ON;
}

async function start(urls) {
  const response = await fetch(urls.keyUrl, { credentials: "same-origin", headers: { Accept: "application/json" } });
  if (!response.ok) return;
  const publicKey = (await response.json()).public_key;
  if (!publicKey) return; // Web Push is off on this server.
  // A module worker, so it can import the one link check (links.js); its scope is the
  // folder of its URL, /notifications/.
  const registration = await navigator.serviceWorker.register(urls.workerUrl, { type: "module" });
  let subscription = await registration.pushManager.getSubscription();
  // Sent again on every visit: the server drops subscriptions the push service gave up.
  if (subscription) await post(urls.subscribeUrl, subscription.toJSON());
  show(Boolean(subscription));

  button.addEventListener("click", async () => {
    button.disabled = true;
    try {
      if (subscription) {
        const endpoint = subscription.endpoint;
        await subscription.unsubscribe();
        subscription = null;
        await post(urls.unsubscribeUrl, { endpoint: endpoint });
      } else {
        if ((await Notification.requestPermission()) !== "granted") return;
        subscription = await registration.pushManager.subscribe({
          userVisibleOnly: true,
          applicationServerKey: keyBytes(publicKey),
        });
        await post(urls.subscribeUrl, subscription.toJSON());
      }
    } catch (error) {
      console.warn(error);
    } finally {
      show(Boolean(subscription));
    }
  });
}
