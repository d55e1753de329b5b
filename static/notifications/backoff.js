// When to reconnect after a socket closes (docs/protocol.md, "Close codes"). Pure.

export const BASE_MS = 1000;
export const CAP_MS = 30000;
export const HINT_CAP_MS = 30000;

/**
 * The wait before the next connect, and the attempt number after it; null: never retry.
 * Exponential backoff with full jitter, from the first retry on: after a restart every
 * tab of every user reconnects, and only a random wait spreads them. A refused socket
 * (4429 too many, 4503 busy) starts one step further. A server that answers with a hint
 * (`hintMs`, its `retry_after`, see hintOf) knows its queue better than any guess: the
 * wait is drawn from [0, hint] instead (capped), sized by the server to how many clients
 * it is refusing, so the crowd spreads over the time the server needs, no longer.
 * 4401 means new credentials first.
 */
export function nextRetry(attempt, code, random = Math.random, hintMs = 0) {
  if (code === 4401) return null;
  let n = attempt;
  if ((code === 4429 || code === 4503) && n === 0) n = 1;
  const window = hintMs > 0 ? Math.min(HINT_CAP_MS, hintMs) : Math.min(CAP_MS, BASE_MS * 2 ** n);
  return { delay: random() * window, attempt: n + 1 };
}

/** The server's hint in a frame, in ms: an `error` frame's `retry_after` seconds, else 0. */
export function hintOf(frame) {
  if (frame.type !== "error" || !Number.isFinite(frame.retry_after)) return 0;
  return Math.max(0, frame.retry_after) * 1000;
}
