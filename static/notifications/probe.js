// Is the server back? (docs/protocol.md, "Reconnecting"). Pure: the decisions only;
// socket.js does the timers and the requests.
//
// The backoff (backoff.js) waits up to 30 s with full jitter: after a restart every tab
// of every user reconnects, and only a random wait spreads those the server cannot tell
// when to come. But a server that answers again while a client sleeps 25 s of that wait
// leaves the user offline for nothing. So during a long wait after a socket that never
// reached the server, the leader tab (one per browser) asks GET /ping (204, no database,
// no Redis; 503 + Retry-After at the admission door) every couple of seconds, and on a
// 2xx reconnects after a short random wait. A server that did answer the socket (accepted
// it, then closed it: busy with a retry_after, rate limited, an error) decides the wait
// itself, so there is no probe then: the handshake door's hint spreads a crowd over the
// time the server needs, and a probe would only bring it back early.

export const PROBE_AFTER_MS = 4000; // shorter waits end soon anyway: not probed
export const PROBE_EVERY_MS = 2000; // the mean gap between probes, jittered by ±25%
export const RESUME_MS = 1000; // after a 2xx: reconnect within a random wait up to this

/** The gap before the next probe: [0.75, 1.25] × PROBE_EVERY_MS, so browsers are not in step. */
export function probeGap(random) {
  return PROBE_EVERY_MS * (0.75 + random() / 2);
}

/**
 * The delay before the first probe of a backoff wait of `waitMs`, or null: no probe.
 * reached: the socket that closed had opened (the server answered; its close and hint
 * decide). probed: that socket was opened on a probe's word; if it failed anyway (a proxy
 * without WebSockets, an origin refused) the probe's yes is not believed twice in a row.
 */
export function firstProbe(waitMs, { reached, probed }, random = Math.random) {
  if (reached || probed || waitMs < PROBE_AFTER_MS) return null;
  return probeGap(random);
}

/**
 * What a probe's answer means, `leftMs` before the backoff's own retry: { connectIn }
 * (reconnect then), { probeIn } (ask again then), or null (wait out the backoff).
 * status: the HTTP status, 0 for a network failure; retryAfter: the Retry-After header
 * in seconds, else NaN. A 503's Retry-After is honoured: no probe before it.
 */
export function afterProbe(status, retryAfter, leftMs, random = Math.random) {
  if (status >= 200 && status < 300) return { connectIn: Math.min(leftMs, random() * RESUME_MS) };
  let gap = probeGap(random);
  if (status === 503 && Number.isFinite(retryAfter) && retryAfter > 0) gap = Math.max(gap, retryAfter * 1000);
  return gap < leftMs ? { probeIn: gap } : null;
}
