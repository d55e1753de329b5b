// Times as people read them, pure: "2 min ago", "in 59 min", "until 08:00 tomorrow", the
// inbox's day labels. `formats` holds the Intl formatters (the browser's locale and zone;
// tests pass fixed ones); time.js applies these to the page. The words are translated
// (i18n.js); without a catalogue they are English.
import { format, gettext } from "./i18n.js";

const DAY = 86400000;

/** The Intl formatters the functions below use, for `locale` (undefined: the browser's). */
export function formatsFor(locale, timeZone) {
  const zone = timeZone ? { timeZone: timeZone } : {};
  return {
    exact: new Intl.DateTimeFormat(locale, { dateStyle: "full", timeStyle: "short", ...zone }),
    // 24-hour in every language, as the pages' own times (Django's "H:i").
    clock: new Intl.DateTimeFormat(locale, { hour: "2-digit", minute: "2-digit", hourCycle: "h23", ...zone }),
    dayMonth: new Intl.DateTimeFormat(locale, { day: "numeric", month: "short", ...zone }),
    full: new Intl.DateTimeFormat(locale, { day: "numeric", month: "short", year: "numeric", ...zone }),
    weekday: new Intl.DateTimeFormat(locale, { weekday: "long", ...zone }),
    ymd: new Intl.DateTimeFormat("en-CA", { year: "numeric", month: "2-digit", day: "2-digit", ...zone }),
  };
}

// Days since the epoch of the calendar day `date` falls on in the formatters' zone.
function dayNumber(date, formats) {
  return Math.round(Date.parse(formats.ymd.format(date) + "T00:00:00Z") / DAY);
}

function onDay(date, now, formats) {
  return (formats.ymd.format(date).slice(0, 4) === formats.ymd.format(now).slice(0, 4) ? formats.dayMonth : formats.full).format(date);
}

/** "just now", "5 min ago", "3 h ago", "yesterday, 17:00", or in the future "in 59 min",
 * "18:00 today", "08:00 tomorrow", "3 Dec, 08:00". */
export function relative(date, now, formats) {
  const seconds = Math.round((now - date) / 1000);
  const days = dayNumber(now, formats) - dayNumber(date, formats);
  const clock = formats.clock.format(date);
  if (seconds < -45) {
    const minutes = Math.floor(-seconds / 60); // 3599 s to go reads "in 59 min"
    if (minutes <= 60) return format(gettext("in %(n)s min"), { n: minutes });
    if (days === 0) return format(gettext("%(time)s today"), { time: clock });
    if (days === -1) return format(gettext("%(time)s tomorrow"), { time: clock });
    return onDay(date, now, formats) + ", " + clock;
  }
  if (seconds < 45) return gettext("just now");
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return format(gettext("%(n)s min ago"), { n: minutes });
  if (days === 0) return format(gettext("%(n)s h ago"), { n: Math.round(minutes / 60) });
  if (days === 1) return format(gettext("yesterday, %(time)s"), { time: clock });
  return onDay(date, now, formats) + ", " + clock;
}

/** The end of a state that lasts until `date`: "until 08:00 tomorrow", "until 12:34 (in 59 min)". */
export function until(date, now, formats) {
  const text = relative(date, now, formats);
  // Within the hour relative() says "in N min": the clock time goes first.
  const seconds = Math.round((now - date) / 1000);
  if (seconds < -45 && Math.floor(-seconds / 60) <= 60) {
    return format(gettext("until %(time)s (%(relative)s)"), { time: formats.clock.format(date), relative: text });
  }
  if (date <= now) return gettext("until just now");
  return format(gettext("until %(when)s"), { when: text });
}

/** The inbox's day label: "Today", "Yesterday", a weekday within the week, else a date. */
export function dayLabel(date, now, formats) {
  const days = dayNumber(now, formats) - dayNumber(date, formats);
  if (days === 0) return gettext("Today");
  if (days === 1) return gettext("Yesterday");
  if (days < 7 && days > 0) return formats.weekday.format(date);
  return onDay(date, now, formats);
}
