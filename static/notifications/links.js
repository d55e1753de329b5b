// The one link check of the browser side: client.js, inbox.js and the service worker
// (sw.js imports this file). The server validates on write too; this guards display,
// because a link is only as safe as the way the browser parses it.

const BASE = "http://same-origin.invalid";

// Browsers drop ASCII tab and newlines anywhere in a URL and C0 controls or spaces at its
// ends, so "/\t/evil.example" becomes "//evil.example", another site. Rather than
// mirror that stripping, refuse any control character: no real link has one.
const CONTROL = /[\u0000-\u001f\u007f]/;

/** True for a path on this site ("/uploads/1/") or an absolute http(s) URL; else false. */
export function safeLink(link) {
  if (typeof link !== "string" || link === "" || link.length > 2048) return false;
  if (CONTROL.test(link) || link !== link.trim()) return false;
  let url;
  if (link.startsWith("/")) {
    // Resolved against a stand-in origin: "//host" and "/\host" leave it, a path does not.
    try {
      url = new URL(link, BASE);
    } catch {
      return false;
    }
    return url.origin === BASE;
  }
  if (!/^https?:\/\//i.test(link)) return false;
  try {
    url = new URL(link);
  } catch {
    return false;
  }
  return (url.protocol === "http:" || url.protocol === "https:") && url.hostname !== "";
}
