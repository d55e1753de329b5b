// Applies when.js to the page: every <time datetime> reads relative ("2 min ago", "in 59
// min"; <time data-until>: "until 08:00 tomorrow"), the exact local time on hover, and the
// inbox grouped by day. Rows added live by inbox.js are picked up as they come.
import { dayLabel, formatsFor, relative, until } from "./when.js";

// The page's language and, when the user chose one on the account page, their zone
// (base.html's <html lang data-time-zone>); else the browser's zone.
const html = document.documentElement;
const formats = formatsFor(html.lang || undefined, html.dataset.timeZone || undefined);

function render() {
  const now = new Date();
  for (const t of document.querySelectorAll("time[datetime]")) {
    const date = new Date(t.getAttribute("datetime"));
    if (isNaN(date)) continue;
    const text = t.hasAttribute("data-until") ? until(date, now, formats) : relative(date, now, formats);
    // Writing only on change keeps the observer below from looping.
    if (t.textContent !== text) t.textContent = text;
    const title = formats.exact.format(date);
    if (t.title !== title) t.title = title;
  }
  const list = document.getElementById("inbox");
  if (!list) return;
  let previous = "";
  for (const row of list.querySelectorAll(".inbox-item")) {
    const t = row.querySelector("time[datetime]");
    const date = t && new Date(t.getAttribute("datetime"));
    const label = date && !isNaN(date) ? dayLabel(date, now, formats) : "";
    if (label && label !== previous) {
      if (row.dataset.day !== label) row.dataset.day = label;
    } else if (row.hasAttribute("data-day")) {
      delete row.dataset.day;
    }
    previous = label || previous;
  }
}

let pending = false;
function schedule() {
  if (pending) return;
  pending = true;
  requestAnimationFrame(() => {
    pending = false;
    render();
  });
}

render();
new MutationObserver(schedule).observe(document.body, { childList: true, subtree: true, characterData: true });
setInterval(render, 30000);
