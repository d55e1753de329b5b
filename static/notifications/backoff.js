// When to reconnect after a socket closes (docs/protocol.md, "Close codes"). Pure.

export const QUICK_RETRY_MS = 250;
export const BASE_MS = 500;
export const CAP_MS = 30000;

/**
 * The wait before the next connect, and the attempt number after it; null: never retry.
 * The first retry is at once (a server restarting), then exponential backoff with full
 * jitter so a fleet of tabs does not reconnect in lockstep. A refused socket (4429 too
 * many, 4503 not set up) never gets the quick retry; 4401 means new credentials first.
 */
export function nextRetry(attempt, code, random = Math.random) {
  if (code === 4401) return null;
  let n = attempt;
  if ((code === 4429 || code === 4503) && n === 0) n = 1;
  const delay = n === 0 ? QUICK_RETRY_MS : random() * Math.min(CAP_MS, BASE_MS * 2 ** n);
  return { delay: delay, attempt: n + 1 };
}
