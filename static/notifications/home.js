// The home page's test button: stay on the page, the toast arrives over the socket like
// any other. While the request is on its way the button is busy (one click, one message);
// a failure is said next to it. Without this file the form posts and the server
// redirects back home.
import { gettext } from "./i18n.js";

const form = document.getElementById("send-test");
if (form) {
  const button = form.querySelector("button");
  const status = document.getElementById("send-test-status");
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (button.disabled) return;
    button.disabled = true;
    button.setAttribute("aria-busy", "true");
    status.textContent = "";
    fetch(form.getAttribute("action"), {
      method: "POST",
      body: new FormData(form),
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    })
      .then((response) => {
        if (!response.ok) throw new Error("HTTP " + response.status);
      })
      .catch(() => {
        status.textContent = gettext("The test notification could not be sent. Try again in a moment.");
      })
      .finally(() => {
        button.disabled = false;
        button.removeAttribute("aria-busy");
      });
  });
}
