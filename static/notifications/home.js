// The home page's test button: stay on the page, the toast arrives over the socket like
// any other. Without this file the form posts and the server redirects back home.
(function () {
  "use strict";
  const form = document.getElementById("send-test");
  if (!form) return;
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    });
  });
})();
