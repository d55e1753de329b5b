// The upload form. Without S3 the form posts to Django as usual; this only checks the
// size first. With S3 (data-direct-url set) the file goes from the browser to S3 with a
// presigned POST, then "complete" records it and starts the job.
(function () {
  "use strict";
  // Django's JavaScript catalogue (base.html loads it first); English without it.
  const gettext = window.gettext || ((text) => text);
  const interpolate = window.interpolate || ((text, values) => text.replace(/%\((\w+)\)s/g, (w, k) => values[k]));

  const form = document.getElementById("upload-form");
  if (!form) return;
  const input = form.querySelector('input[type="file"]');
  const nameInput = form.querySelector('input[name="name"]');
  const errorBox = document.getElementById("upload-error");
  const bar = document.getElementById("upload-progress");
  const button = form.querySelector('button[type="submit"]');
  const maxBytes = parseInt(form.dataset.maxBytes, 10) || 0;
  const csrfToken = form.querySelector('input[name="csrfmiddlewaretoken"]').value;

  function showError(text) {
    errorBox.textContent = text;
    errorBox.hidden = !text;
  }

  function sizeText(bytes) {
    return (bytes / (1024 * 1024)).toFixed(1) + " MB";
  }

  function postJson(url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken },
      body: JSON.stringify(body),
    }).then((response) =>
      response.json().then((data) => {
        if (!response.ok) throw new Error(data.error || gettext("The upload failed."));
        return data;
      }),
    );
  }

  // XMLHttpRequest rather than fetch: it reports upload progress.
  function send(url, data, headers, refused) {
    return new Promise((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      xhr.open("POST", url);
      for (const [name, value] of Object.entries(headers)) xhr.setRequestHeader(name, value);
      xhr.upload.addEventListener("progress", (event) => {
        if (event.lengthComputable) bar.value = Math.round((event.loaded / event.total) * 100);
      });
      xhr.addEventListener("load", () => {
        if (xhr.status >= 200 && xhr.status < 300) return resolve(xhr.responseText);
        let text = refused;
        try {
          text = JSON.parse(xhr.responseText).error || refused;
        } catch {
          // not JSON: the generic text
        }
        reject(new Error(text));
      });
      xhr.addEventListener("error", () => reject(new Error(gettext("The upload was interrupted."))));
      xhr.send(data);
    });
  }

  function sendToS3(post, file) {
    const data = new FormData();
    for (const [key, value] of Object.entries(post.fields)) data.append(key, value);
    data.append("file", file); // S3 requires the file to be the last field
    return send(post.url, data, {}, gettext("The storage refused the file."));
  }

  // Without S3: the same form post, with progress; the server answers JSON.
  function sendToServer() {
    const headers = { Accept: "application/json", "X-CSRFToken": csrfToken };
    return send(form.getAttribute("action"), new FormData(form), headers, gettext("The upload failed.")).then((text) =>
      JSON.parse(text),
    );
  }

  function busy(on) {
    button.disabled = on;
    button.setAttribute("aria-busy", String(on));
    bar.hidden = !on;
    if (on) bar.value = 0;
  }

  form.addEventListener("submit", (event) => {
    showError("");
    const file = input.files && input.files[0];
    if (file && maxBytes && file.size > maxBytes) {
      event.preventDefault();
      showError(interpolate(gettext("The file is too large (%(size)s); the limit is %(limit)s."), { size: sizeText(file.size), limit: sizeText(maxBytes) }, true));
      return;
    }
    if (!file) return; // the server says what is missing
    event.preventDefault();
    busy(true);
    const sent = form.dataset.directUrl
      ? postJson(form.dataset.directUrl, { filename: file.name, size: file.size }).then((post) =>
          sendToS3(post, file).then(() =>
            postJson(form.dataset.completeUrl, { token: post.token, name: nameInput ? nameInput.value : "" }),
          ),
        )
      : sendToServer();
    sent
      .then((done) => window.location.assign(done.list_url))
      .catch((err) => {
        showError(err.message);
        busy(false);
      });
  });
})();
