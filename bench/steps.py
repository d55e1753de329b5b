"""Open-loop steps: fire on schedule, collect every delivery, count what went wrong.

Latency runs from each notification's scheduled send time (the client fires right then,
so queueing anywhere, the client's own included, counts) to the read of the frame on
each tab of the user.
"""

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from bench.procstat import Sampler, rss_mb
from bench.wsclient import Hub


@dataclass
class Target:
    """What a step drives: the Django stack through the webhook, the peer, or the floor."""

    name: str
    hub: Hub
    users: int
    tabs_per_user: int
    # prepare(seqs_and_users) -> opaque per-notification payloads, built before the step
    prepare: Callable[[list[tuple[int, int]]], list]
    # fire(payload) starts one notification and may return an awaitable to finish it
    fire: Callable[[object], object]
    sampler: Sampler
    server_pid: int
    next_seq: int = 0
    server_pids: list[int] = field(default_factory=list)  # several processes: all of them
    sent: dict[int, int] = field(default_factory=dict)  # seq -> user, every step so far
    # Per user, the tabs that opened (None: every tab). A tab that never connected is a
    # connect failure, reported as such, not a frame lost by every step after it.
    owed: dict[int, int] | None = None

    def tabs_of(self, user: int) -> int:
        return self.tabs_per_user if self.owed is None else self.owed.get(user, 0)


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    return values[min(len(values) - 1, int(q * len(values)))]


async def run_step(target: Target, rate: float, duration: float, grace: float) -> dict:
    count = max(1, int(rate * duration))
    plan = [(target.next_seq + i, (target.next_seq + i) % target.users) for i in range(count)]
    target.next_seq += count
    sign_started = time.perf_counter()
    payloads = target.prepare(plan)
    prepare_s = time.perf_counter() - sign_started
    hub = target.hub
    expected = sum(target.tabs_of(user) for _, user in plan)
    hub.reset(expected)
    closed_before = hub.closed
    scheduled: dict[int, float] = {}
    pending: list = []

    begin = target.sampler.snap(time.perf_counter())
    start = time.perf_counter() + 0.02
    for i, (seq, user) in enumerate(plan):
        due = start + i / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        scheduled[seq] = due
        target.sent[seq] = user
        result = target.fire(payloads[i])
        if result is not None:
            pending.append(asyncio.ensure_future(result))
    send_end = target.sampler.snap(time.perf_counter())
    deadline = time.perf_counter() + grace
    while len(hub.arrivals) < expected and time.perf_counter() < deadline:  # noqa: ASYNC110
        await asyncio.sleep(0.02)
    drained = target.sampler.snap(time.perf_counter())
    unfinished = 0
    if pending:
        # Lost is counted at the grace deadline; the next step still waits for this one's
        # requests (bounded), so a backlog is not charged to the next rate.
        _, left = await asyncio.wait(pending, timeout=max(0.1, deadline - time.perf_counter()))
        unfinished = len(left)
        if left:
            await asyncio.wait(left, timeout=30)

    latencies: list[float] = []
    seen: set[tuple[int, int]] = set()
    duplicated = misrouted = late = 0
    tab_user = target.tabs_per_user
    last_arrival = start
    for seq, tab, text_user, at in hub.arrivals:
        user = target.sent.get(seq)
        if user is not None and seq not in scheduled:
            late += 1  # a frame of an earlier step, after that step's grace
            continue
        if user is None or text_user != user or tab // tab_user != user:
            misrouted += 1
            continue
        if (seq, tab) in seen:
            duplicated += 1
            continue
        seen.add((seq, tab))
        latencies.append(1000 * (at - scheduled[seq]))
        last_arrival = max(last_arrival, at)
    latencies.sort()
    delivered = len(seen)
    per_seq: dict[int, int] = {}
    for seq, _ in seen:
        per_seq[seq] = per_seq.get(seq, 0) + 1
    complete = sum(1 for seq, n in per_seq.items() if n == target.tabs_of(target.sent[seq]))
    row = {
        "target": target.name,
        "rate": rate,
        "notifications": count,
        "frames_expected": expected,
        "delivered": delivered,
        "lost": expected - delivered,
        "duplicated": duplicated,
        "misrouted": misrouted,
        "late_from_earlier_step": late,
        "achieved_per_s": complete / max(last_arrival - start, duration),
        "p50_ms": percentile(latencies, 0.50),
        "p95_ms": percentile(latencies, 0.95),
        "p99_ms": percentile(latencies, 0.99),
        "max_ms": latencies[-1] if latencies else float("nan"),
        "ws_errors": hub.errors,
        "sockets_closed": hub.closed - closed_before,
        "prepare_s": prepare_s,
        "server_rss_mb": sum(rss_mb(p) for p in target.server_pids or [target.server_pid]),
        "requests_unfinished_at_grace": unfinished,
    }
    row.update(target.sampler.between(begin, send_end))
    row["drain_s"] = drained.at - send_end.at
    return row


def clean(row: dict) -> bool:
    bad = ("lost", "duplicated", "misrouted", "http_errors", "ws_errors", "sockets_closed")
    return all(not row.get(key) for key in bad)


async def ladder(
    target: Target,
    rates: list[float],
    *,
    duration: float,
    grace: float,
    p99_limit_ms: float | None,
    deadline: float,
    extra: Callable[[dict], None] | None = None,
    before: Callable[[float, float], None] | None = None,
) -> list[dict]:
    """Steps at rising rates; stop after the first step over the p99 limit or with loss."""
    rows = []
    for rate in rates:
        if time.monotonic() + duration + grace > deadline:
            break
        if before is not None:
            before(rate, duration)
        row = await run_step(target, rate, duration, grace)
        if extra is not None:
            extra(row)
        rows.append(row)
        yield_row(row)
        if p99_limit_ms is not None and (not clean(row) or row["p99_ms"] > p99_limit_ms):
            break
        await asyncio.sleep(0.5)
    return rows


def yield_row(row: dict) -> None:
    print(
        f"  {row['target']:<14} {row['rate']:>6.0f}/s  p50 {row['p50_ms']:7.1f}  "
        f"p99 {row['p99_ms']:7.1f}  max {row['max_ms']:7.1f} ms  "
        f"lost {row['lost']} dup {row['duplicated']} mis {row['misrouted']} "
        f"http-err {row.get('http_errors', 0)}  "
        f"server {row.get('server_cpu', 0):3.0f}% (loop {row.get('server_loop_cpu', 0):.0f}%"
        f" threads {row.get('server_threads_cpu', 0):.0f}%)  machine {row['machine_cpu']:3.0f}%"
        + (f"  gc {row['gc_full']} full, {row['gc_full_ms']:.0f} ms" if "gc_full" in row else ""),
        flush=True,
    )
