// Times as people read them: "2 min ago", the exact local time on hover, and the inbox
// grouped by day. Display only; rows added live by inbox.js are picked up as they come.
(function () {
  "use strict";

  const exact = new Intl.DateTimeFormat(undefined, { dateStyle: "full", timeStyle: "short" });
  const clock = new Intl.DateTimeFormat(undefined, { hour: "numeric", minute: "2-digit" });
  const dayMonth = new Intl.DateTimeFormat(undefined, { day: "numeric", month: "short" });
  const full = new Intl.DateTimeFormat(undefined, { day: "numeric", month: "short", year: "numeric" });
  const weekday = new Intl.DateTimeFormat(undefined, { weekday: "long" });
  const DAY = 86400000;

  function startOfDay(date) {
    return new Date(date.getFullYear(), date.getMonth(), date.getDate()).getTime();
  }

  function relative(date, now) {
    const seconds = Math.round((now - date) / 1000);
    if (seconds < 45) return "just now";
    const minutes = Math.round(seconds / 60);
    if (minutes < 60) return minutes + " min ago";
    const hours = Math.round(minutes / 60);
    if (startOfDay(date) === startOfDay(now)) return hours + " h ago";
    if (startOfDay(now) - startOfDay(date) === DAY) return "yesterday, " + clock.format(date);
    const sameYear = date.getFullYear() === now.getFullYear();
    return (sameYear ? dayMonth : full).format(date) + ", " + clock.format(date);
  }

  function dayLabel(date, now) {
    const days = Math.round((startOfDay(now) - startOfDay(date)) / DAY);
    if (days === 0) return "Today";
    if (days === 1) return "Yesterday";
    if (days < 7) return weekday.format(date);
    return (date.getFullYear() === now.getFullYear() ? dayMonth : full).format(date);
  }

  function render() {
    const now = new Date();
    for (const t of document.querySelectorAll("time[datetime]")) {
      const date = new Date(t.getAttribute("datetime"));
      if (isNaN(date)) continue;
      const text = relative(date, now);
      // Writing only on change keeps the observer below from looping.
      if (t.textContent !== text) t.textContent = text;
      const title = exact.format(date);
      if (t.title !== title) t.title = title;
    }
    const list = document.getElementById("inbox");
    if (!list) return;
    let previous = "";
    for (const row of list.querySelectorAll(".inbox-item")) {
      const t = row.querySelector("time[datetime]");
      const date = t && new Date(t.getAttribute("datetime"));
      const label = date && !isNaN(date) ? dayLabel(date, now) : "";
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
})();
