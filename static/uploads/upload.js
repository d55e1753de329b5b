// The upload form. Without S3 the form posts to Django as usual; this only checks the
// size first. With S3 (data-direct-url set) the file goes from the browser to S3 with a
// presigned POST, then "complete" records it and starts the job.
(function () {
  "use strict";

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
        if (!response.ok) throw new Error(data.error || "The upload failed.");
        return data;
      }),
    );
  }

  // XMLHttpRequest rather than fetch: it reports upload progress.
  function sendToS3(post, file) {
    return new Promise((resolve, reject) => {
      const data = new FormData();
      for (const [key, value] of Object.entries(post.fields)) data.append(key, value);
      data.append("file", file); // S3 requires the file to be the last field
      const xhr = new XMLHttpRequest();
      xhr.open("POST", post.url);
      xhr.upload.addEventListener("progress", (event) => {
        if (event.lengthComputable) bar.value = Math.round((event.loaded / event.total) * 100);
      });
      xhr.addEventListener("load", () =>
        xhr.status >= 200 && xhr.status < 300 ? resolve() : reject(new Error("The storage refused the file.")),
      );
      xhr.addEventListener("error", () => reject(new Error("The upload was interrupted.")));
      xhr.send(data);
    });
  }

  form.addEventListener("submit", (event) => {
    showError("");
    const file = input.files && input.files[0];
    if (file && maxBytes && file.size > maxBytes) {
      event.preventDefault();
      showError("The file is too large (" + sizeText(file.size) + "); the limit is " + sizeText(maxBytes) + ".");
      return;
    }
    if (!file || !form.dataset.directUrl) return; // the normal form post
    event.preventDefault();
    button.disabled = true;
    bar.hidden = false;
    bar.value = 0;
    postJson(form.dataset.directUrl, { filename: file.name, size: file.size })
      .then((post) =>
        sendToS3(post, file).then(() =>
          postJson(form.dataset.completeUrl, { token: post.token, name: nameInput ? nameInput.value : "" }),
        ),
      )
      .then((done) => window.location.assign(done.list_url))
      .catch((err) => {
        showError(err.message);
        button.disabled = false;
        bar.hidden = true;
      });
  });
})();
