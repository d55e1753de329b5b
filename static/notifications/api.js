// HTTP calls of the browser side (session cookie + CSRF token from the page).

/** "/notifications/0/read/" with the placeholder id 0 replaced by `id`. */
export function withId(template, id) {
  const i = template.lastIndexOf("/0/");
  if (i === -1) throw new Error("no /0/ placeholder in " + template);
  return template.slice(0, i) + "/" + Number(id) + "/" + template.slice(i + 3);
}

/** The inbox page that shows message `id` with the newer ones above it (`show`). */
export function inboxRowUrl(inboxUrl, id) {
  return inboxUrl + "?show=" + Number(id) + "#message-" + Number(id);
}

export function csrfToken() {
  const meta = document.querySelector('meta[name="csrf-token"]');
  return meta ? meta.content : "";
}

/** POST JSON; resolves to {status, body} (body null unless JSON), rejects when offline. */
export async function postJson(url, data, { keepalive = false } = {}) {
  const response = await fetch(url, {
    method: "POST",
    credentials: "same-origin",
    keepalive: keepalive,
    headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrfToken() },
    body: data === undefined ? undefined : JSON.stringify(data),
  });
  let body = null;
  try {
    body = await response.json();
  } catch {
    body = null;
  }
  return { status: response.status, body: body };
}

/** POST form fields (a view's plain-form path, as JSON to a script); resolves to
 * {status, body} like postJson. */
export async function postForm(url, fields) {
  // URL-encoded, not FormData: an empty multipart body is refused by Django's parser (400).
  const body = new URLSearchParams();
  for (const [name, value] of Object.entries(fields)) body.set(name, String(value));
  const response = await fetch(url, {
    method: "POST",
    credentials: "same-origin",
    headers: { Accept: "application/json", "X-CSRFToken": csrfToken() },
    body: body,
  });
  let answer = null;
  try {
    answer = await response.json();
  } catch {
    answer = null;
  }
  return { status: response.status, body: answer };
}

/** "/notifications/0/actions/0/" for message `id`'s action `index`. */
export function actUrl(template, id, index) {
  return template.replace(/\/0\/actions\/0\/$/, "/" + Number(id) + "/actions/" + Number(index) + "/");
}
