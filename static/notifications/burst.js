// Bursts: more than `count` new notifications within `windowMs` collapse into one
// summary toast; later arrivals within the window of the last one join it. Pure: the
// caller passes the clock. A sync never calls arrive() (it restates, it is not news).

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
const NAMES = { error: ["error", "errors"], warning: ["warning", "warnings"], success: ["success", "successes"], info: ["info", "info"] };

/** The summary of a burst's levels: the most urgent one (its style) and the counts per
 * level, most urgent first ("8 errors · 22 info"). */
export function levelSummary(levels) {
  const counts = new Map();
  for (const level of levels) counts.set(level, (counts.get(level) || 0) + 1);
  const present = RANK.filter((level) => counts.has(level));
  const parts = present.map((level) => {
    const n = counts.get(level);
    return n + " " + NAMES[level][n === 1 ? 0 : 1];
  });
  return { level: present[0] || "info", text: parts.join(" \u00b7 ") };
}
