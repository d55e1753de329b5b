// Bursts: more than `count` new notifications within `windowMs` collapse into one
// summary toast; later arrivals within the window of the last one join it. Pure: the
// caller passes the clock. A sync never calls arrive() (it restates, it is not news).
import { format, ngettext } from "./i18n.js";

export class Burst {
  constructor({ count, windowMs }) {
    this.count = count;
    this.windowMs = windowMs;
    this.arrivals = []; // {id, at}
    this.ids = new Set(); // the ids the summary stands for; empty: no summary
    this.last = -Infinity;
  }

  get active() {
    return this.ids.size > 0;
  }

  /** A new id arrived live at `now`; `present(id)` says whether it is still shown. */
  arrive(id, now, present = () => true) {
    this.arrivals = this.arrivals.filter((a) => now - a.at <= this.windowMs);
    this.arrivals.push({ id: id, at: now });
    if (this.active && now - this.last <= this.windowMs) {
      this.ids.add(id);
    } else if (this.arrivals.length > this.count) {
      for (const a of this.arrivals) if (present(a.id)) this.ids.add(a.id);
    } else {
      return false;
    }
    this.last = now;
    return true;
  }

  has(id) {
    return this.ids.has(id);
  }

  /** Forget one id (read elsewhere); true when the summary has nothing left. */
  remove(id) {
    return this.ids.delete(id) && this.ids.size === 0;
  }

  clear() {
    this.ids = new Set();
  }
}

const RANK = ["error", "warning", "success", "info"]; // most urgent first
// Each a function, so makemessages finds the strings and the language picks the form.
const NAMES = {
  error: (n) => ngettext("%(n)s error", "%(n)s errors", n),
  warning: (n) => ngettext("%(n)s warning", "%(n)s warnings", n),
  success: (n) => ngettext("%(n)s success", "%(n)s successes", n),
  info: (n) => ngettext("%(n)s info", "%(n)s info", n),
};

/** The summary of a burst's levels: the most urgent one (its style) and the counts per
 * level, most urgent first ("8 errors · 22 info"). */
export function levelSummary(levels) {
  const counts = new Map();
  for (const level of levels) counts.set(level, (counts.get(level) || 0) + 1);
  const present = RANK.filter((level) => counts.has(level));
  const parts = present.map((level) => {
    const n = counts.get(level);
    return format(NAMES[level](n), { n: n });
  });
  return { level: present[0] || "info", text: parts.join(" \u00b7 ") };
}
