"""The overload step (issue 17, items 3 and 6): a rate past capacity, open loop.

After a target's ladder, `OVERLOAD_RATE` notifications a second for `duration` seconds
through a pool of up to `IN_FLIGHT` keep-alive connections (a producer such as SNS does
not stop at 16: it opens more connections while answers are slow). Each POST's answer is
kept per notification, so what comes back is split:

- **accepted**: a 2xx; every tab must get its frame (else **lost**), latency from the
  scheduled send time to the frame on each tab, as in the ladder;
- **refused**: a 503 (the producer retries later); such a notification must reach no
  tab (a refusal after the write would be a duplicate on the retry);
- **failed**: any other status, or the connection failed; **unanswered**: no answer
  `ANSWER_TIMEOUT` seconds after the last send.

The bar (issue 17): the server sheds (refused > 0), accepted p99 ≤ 5 s, nothing lost.
"""

import asyncio
import time

from bench.http import Poster
from bench.steps import Target, percentile

IN_FLIGHT = 2000
ANSWER_TIMEOUT = 60.0
ACCEPTED_P99_BAR_MS = 5000.0


def request_of(payload: object) -> bytes:
    """The request bytes of a target's payload: ours carries (poster, bytes)."""
    return payload[1] if isinstance(payload, tuple) else payload  # type: ignore[return-value]


async def overload_step(
    target: Target,
    port: int,
    path: str,
    rate: float,
    duration: float,
    grace: float,
) -> dict:
    """One step at `rate`; frames are owed to the tabs that opened (`target.owed`)."""
    count = max(1, int(rate * duration))
    plan = [(target.next_seq + i, (target.next_seq + i) % target.users) for i in range(count)]
    target.next_seq += count
    payloads = [request_of(p) for p in target.prepare(plan)]
    poster = Poster(port, path, max_connections=IN_FLIGHT)
    hub = target.hub
    hub.reset(count * target.tabs_per_user)
    closed_before = hub.closed
    scheduled: dict[int, float] = {}
    answers: dict[int, tuple[int, float]] = {}  # seq -> (status, answered at)

    async def fire(seq: int, request: bytes) -> None:
        status = await poster.post(request)
        answers[seq] = (status, time.perf_counter())

    pending = []
    begin = target.sampler.snap(time.perf_counter())
    start = time.perf_counter() + 0.02
    for i, (seq, user) in enumerate(plan):
        due = start + i / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        scheduled[seq] = due
        target.sent[seq] = user
        pending.append(asyncio.ensure_future(fire(seq, payloads[i])))
    send_end = target.sampler.snap(time.perf_counter())
    _, left = await asyncio.wait(pending, timeout=ANSWER_TIMEOUT)
    for task in left:
        task.cancel()
    answered = target.sampler.snap(time.perf_counter())
    accepted = {seq for seq, (status, _) in answers.items() if status // 100 == 2}
    owed = {user: target.tabs_of(user) for user in range(target.users)}
    expected = sum(owed[target.sent[seq]] for seq in accepted)
    deadline = time.perf_counter() + grace
    while time.perf_counter() < deadline:
        if sum(1 for seq, *_ in hub.arrivals if seq in accepted) >= expected:
            break
        await asyncio.sleep(0.05)
    poster.close()
    row = tally(target, plan, scheduled, answers, accepted, owed)
    row.update(rate=rate, duration=duration, unanswered=len(left), in_flight_cap=IN_FLIGHT)
    row.update(sockets_open=sum(owed.values()), sockets_closed=hub.closed - closed_before)
    row.update(target.sampler.between(begin, send_end))
    row["answer_s"] = answered.at - send_end.at
    return row


def owed_tabs(target: Target, open_tabs: set[int]) -> dict[int, int]:
    """Per user, how many of their tabs are open (each is owed every frame)."""
    owed = dict.fromkeys(range(target.users), 0)
    for tab_id in open_tabs:
        owed[tab_id // target.tabs_per_user] += 1
    return owed


def tally(
    target: Target,
    plan: list[tuple[int, int]],
    scheduled: dict[int, float],
    answers: dict[int, tuple[int, float]],
    accepted: set[int],
    owed: dict[int, int],
) -> dict:
    """Split the step's notifications by answer, and their frames by what was owed."""
    refused = {seq for seq, (status, _) in answers.items() if status == 503}
    tabs = target.tabs_per_user
    seen: set[tuple[int, int]] = set()
    latencies: list[float] = []
    duplicated = misrouted = delivered_refused = 0
    for seq, tab, text_user, at in target.hub.arrivals:
        user = target.sent.get(seq)
        if seq not in scheduled:
            continue  # an earlier step's frame
        if user is None or text_user != user or tab // tabs != user:
            misrouted += 1
        elif (seq, tab) in seen:
            duplicated += 1
        else:
            seen.add((seq, tab))
            if seq in accepted:
                latencies.append(1000 * (at - scheduled[seq]))
            else:
                delivered_refused += 1
    latencies.sort()
    frames = sum(1 for seq, _ in seen if seq in accepted)
    owed_frames = sum(owed[target.sent[seq]] for seq in accepted)
    per_seq: dict[int, int] = {}
    for seq, _ in seen:
        per_seq[seq] = per_seq.get(seq, 0) + 1
    refusal_ms = sorted(1000 * (answers[s][1] - scheduled[s]) for s in refused)
    return {
        "target": target.name,
        "notifications": len(plan),
        "accepted": len(accepted),
        "refused_503": len(refused),
        "failed": len(answers) - len(accepted) - len(refused),
        "lost": sum(1 for seq in accepted if per_seq.get(seq, 0) < owed[target.sent[seq]]),
        "lost_frames": owed_frames - frames,
        "duplicated": duplicated,
        "misrouted": misrouted,
        "delivered_when_refused": delivered_refused,
        "accepted_p50_ms": percentile(latencies, 0.50),
        "accepted_p99_ms": percentile(latencies, 0.99),
        "accepted_max_ms": latencies[-1] if latencies else float("nan"),
        "refusal_p99_ms": percentile(refusal_ms, 0.99),
    }


def passed(row: dict) -> bool:
    """Issue 17's bar for the step: it sheds, nothing accepted is lost, accepted p99 ≤ 5 s."""
    return (
        row["refused_503"] > 0
        and not (row["lost"] or row["unanswered"] or row["duplicated"] or row["misrouted"])
        and not row["delivered_when_refused"]
        and row["accepted_p99_ms"] <= ACCEPTED_P99_BAR_MS
    )


def print_row(row: dict) -> None:
    print(
        f"  {row['target']:<14} {row['rate']:>6.0f}/s overload: {row['accepted']} accepted, "
        f"{row['refused_503']} refused (503, p99 answer {row['refusal_p99_ms']:.0f} ms), "
        f"{row['failed']} failed, {row['unanswered']} unanswered, lost {row['lost']}; "
        f"accepted p50 {row['accepted_p50_ms']:.0f} p99 {row['accepted_p99_ms']:.0f} ms; "
        f"server {row.get('server_cpu', 0):3.0f}%",
        flush=True,
    )


def table(results: dict) -> list[str]:
    """The overload steps, each beside the floor's of the same server and round."""
    rows = results.get("overload") or []
    if not rows:
        return []
    floors = {r["target"]: r for r in rows if r["target"].startswith("floor@")}
    lines = [
        f"Overload (issue 17.3): {IN_FLIGHT} connections at most; bar: refuses with 503,"
        f" nothing accepted lost, accepted p99 <= {ACCEPTED_P99_BAR_MS / 1000:g} s.",
        "| target | rate/s | sent | accepted | refused 503 | failed | unanswered | lost |"
        " accepted p50 ms | accepted p99 ms | ÷floor p99 | 503 answer p99 ms |"
        " server CPU % | bar |",
        "|" + "---|" * 14,
    ]
    for r in rows:
        what, _, server = r["target"].partition("@")
        floor = floors.get(f"floor@{server}") if what != "floor" else None
        ratio = "-"
        if floor and floor["accepted_p99_ms"] == floor["accepted_p99_ms"]:
            ratio = f"x{r['accepted_p99_ms'] / max(floor['accepted_p99_ms'], 1e-9):.2f}"
        lines.append(
            f"| {r['target']} | {r['rate']:g} | {r['notifications']} | {r['accepted']} |"
            f" {r['refused_503']} | {r['failed']} | {r['unanswered']} | {r['lost']} |"
            f" {r['accepted_p50_ms']:.0f} | {r['accepted_p99_ms']:.0f} | {ratio} |"
            f" {r['refusal_p99_ms']:.0f} | {r.get('server_cpu', 0):.0f} |"
            f" {'pass' if passed(r) else 'FAIL'} |"
        )
    return lines
