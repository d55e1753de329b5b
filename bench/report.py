"""The printed tables: steps, connects, a summary, and the ratios between targets.

Every figure of a target is printed absolute and as ÷ floor: divided by the Channels
floor (bench/floor/) on the same server, measured in the same run at the same rate.
Targets are named `<what>@<server>`: floor, ours, ours-noack, peer, procs-N, ...
"""

import statistics

from bench import overload
from bench.scenarios import SUSTAINED_P99_MS
from bench.steps import clean


def _f(value: float, digits: int = 1) -> str:
    return "-" if value != value else f"{value:.{digits}f}"  # NaN -> "-"


def _x(ours: float, theirs: float, digits: int = 2) -> str:
    if not theirs or ours != ours or theirs != theirs:
        return "-"
    return f"x{ours / theirs:.{digits}f}"


def cpu_ms(row: dict) -> float:
    """Server CPU per notification, ms: CPU % of one core over notifications/s."""
    return 10 * row["server_cpu"] / row["rate"] if row["rate"] else float("nan")


def floor_of(target: str) -> str | None:
    what, _, server = target.partition("@")
    if what == "floor" or not server:
        return None
    return f"floor@{server}"


def sustained(rows: list[dict], limit_ms: float = SUSTAINED_P99_MS) -> float:
    """The highest clean step with p99 <= limit_ms (0: none): nothing lost, duplicated,
    misrouted or refused. Any step, not only the ladder's first ones: on a shared machine
    one noisy step below it says less than a clean step above it."""
    return max((r["rate"] for r in rows if clean(r) and r["p99_ms"] <= limit_ms), default=0.0)


def _by_target(results: dict) -> dict[str, list[dict]]:
    by: dict[str, list[dict]] = {}
    for r in results["steps"]:
        by.setdefault(r["target"], []).append(r)
    return by


def table(results: dict) -> str:
    lines = []
    rtt = results["baselines"].get("redis_pubsub_rtt")
    if rtt:
        lines += [
            f"Redis pub/sub round trip (redis-py asyncio): p50 {rtt['p50_ms']:.3f} ms, "
            f"p99 {rtt['p99_ms']:.3f} ms, {rtt['per_second']:.0f} round trips/s",
            "",
        ]
    lines += _steps(results)
    lines += ["", *_connects(results)]
    lines += ["", *summary(results)]
    medians = over_rounds(results)
    if medians:
        lines += ["", *medians]
    for extra in (overload.table(results), _peer_ratios(results), _scale_out(results)):
        if extra:
            lines += ["", *extra]
    git = results.get("git")
    if git:
        dirty = ", ".join(git["dirty"]) or "none"
        lines += ["", f"measured: commit {git['head'][:12]}, files changed since: {dirty}"]
    return "\n".join(lines)


def _steps(results: dict) -> list[str]:
    by = _by_target(results)
    floor_at = {t: {r["rate"]: r for r in rows} for t, rows in by.items()}
    lines = [
        "| target | rate/s | achieved/s | p50 ms | p95 ms | p99 ms | max ms | delivered |"
        " lost | dup | misrouted | server CPU % | loop / threads CPU % | CPU ms/notif |"
        " server RSS MB | redis CPU % |"
        " postgres CPU % | client CPU % | other CPU % | machine CPU % |"
        " ÷floor p50 | ÷floor p99 | ÷floor CPU/notif |",
        "|" + "---|" * 23,
    ]
    for r in results["steps"]:
        f = floor_at.get(floor_of(r["target"]) or "", {}).get(r["rate"])
        ratios = (
            f"{_x(r['p50_ms'], f['p50_ms'])} | {_x(r['p99_ms'], f['p99_ms'])} |"
            f" {_x(cpu_ms(r), cpu_ms(f))}"
            if f
            else "- | - | -"
        )
        lines.append(
            f"| {r['target']} | {r['rate']:g} | {_f(r['achieved_per_s'])} | {_f(r['p50_ms'])} |"
            f" {_f(r['p95_ms'])} | {_f(r['p99_ms'])} | {_f(r['max_ms'])} |"
            f" {r['delivered']}/{r['frames_expected']} | {r['lost']} | {r['duplicated']} |"
            f" {r['misrouted']} | {r['server_cpu']:.0f} |"
            f" {_f(r.get('server_loop_cpu', float('nan')), 0)} /"
            f" {_f(r.get('server_threads_cpu', float('nan')), 0)} | {_f(cpu_ms(r), 2)} |"
            f" {r['server_rss_mb']:.0f} | {r.get('redis_cpu', 0):.0f} |"
            f" {r.get('postgres_cpu', 0):.0f} | {r['client_cpu']:.0f} | {r['other_cpu']:.0f} |"
            f" {r['machine_cpu']:.0f} | {ratios} |"
        )
    return lines


def _connects(results: dict) -> list[str]:
    conns = {c["target"]: c for c in results["connects"]}
    lines = [
        "| target | sockets | failed | seconds | connects/s | ÷floor | RSS before MB |"
        " RSS idle MB | KB/socket | ÷floor | server threads |",
        "|" + "---|" * 11,
    ]
    for c in results["connects"]:
        f = conns.get(floor_of(c["target"]) or "")
        lines.append(
            f"| {c['target']} | {c['sockets']} | {c['failures']} | {c['seconds']:.2f} |"
            f" {c['connects_per_s']:.0f} |"
            f" {_x(c['connects_per_s'], f['connects_per_s']) if f else '-'} |"
            f" {c['rss_before_mb']:.0f} | {c['rss_idle_mb']:.0f} | {_f(c['kb_per_socket'])} |"
            f" {_x(c['kb_per_socket'], f['kb_per_socket']) if f else '-'} |"
            f" {c.get('server_threads', '-')} |"
        )
    return lines


def summary(results: dict) -> list[str]:
    """Per target: sustained rate, CPU per notification, p99 at 100/s; each ÷ floor."""
    by = _by_target(results)
    lines = [
        f"Summary. sustained: highest clean step with p99 <= {SUSTAINED_P99_MS:g} ms (a floor"
        " at the top of its ladder may go higher); CPU/notif at the lowest step.",
        "| target | sustained /s | ÷floor | CPU ms/notif | ÷floor | p99 ms at 100/s | ÷floor |",
        "|" + "---|" * 7,
    ]
    for target, rows in by.items():
        f_rows = by.get(floor_of(target) or "")
        best, first = sustained(rows), rows[0]
        at100 = next((r for r in rows if r["rate"] == 100), None)
        p99 = at100["p99_ms"] if at100 else float("nan")
        if f_rows:
            f100 = next((r for r in f_rows if r["rate"] == 100), None)
            f_first = next((r for r in f_rows if r["rate"] == first["rate"]), None)
            ratios = [
                _x(best, sustained(f_rows)),
                _x(cpu_ms(first), cpu_ms(f_first)) if f_first else "-",
                _x(p99, f100["p99_ms"]) if f100 else "-",
            ]
        else:
            ratios = ["-", "-", "-"]
        lines.append(
            f"| {target} | {best:g} | {ratios[0]} | {_f(cpu_ms(first), 2)} | {ratios[1]} |"
            f" {_f(p99)} | {ratios[2]} |"
        )
    return lines


def _median(values: list[float]) -> float:
    """The median of the values that are numbers (NaN: not measured); NaN if none."""
    measured = [v for v in values if v == v]
    return statistics.median(measured) if measured else float("nan")


def over_rounds(results: dict) -> list[str]:
    """Per target measured in several rounds (`--rounds`): the median of its rounds' ratios
    to the floor (each round against the floor of that round, measured minutes apart),
    with every round's ratio beside it. On a shared virtual machine one round's CPU per
    notification moves by 20 % from one minute to the next, for the floor as for ours;
    the median of interleaved rounds is the run's figure, and the spread stays printed."""
    by = _by_target(results)
    conns = {c["target"]: c for c in results["connects"]}
    kinds: dict[str, list[str]] = {}
    for target in by:
        if floor_of(target):
            # `ours@procfile#2` is round 2 of `ours@procfile`.
            kinds.setdefault(target.partition("#")[0], []).append(target)
    lines: list[str] = []
    for name, targets in kinds.items():
        if len(targets) < 2:
            continue
        cpu, best, connects = [], [], []
        for target in targets:
            rows, f_rows = by[target], by.get(floor_of(target) or "")
            if not f_rows:
                continue
            first = rows[0]
            f_first = next((r for r in f_rows if r["rate"] == first["rate"]), None)
            if f_first and cpu_ms(f_first):
                cpu.append(cpu_ms(first) / cpu_ms(f_first))
            if sustained(f_rows):
                best.append(sustained(rows) / sustained(f_rows))
            mine, floor = conns.get(target), conns.get(floor_of(target) or "")
            if mine and floor and floor["connects_per_s"]:
                connects.append(mine["connects_per_s"] / floor["connects_per_s"])
        if not lines:
            lines = [
                "Over rounds: the median of each round's ÷ floor (every round's in brackets).",
                "| target | rounds | CPU/notif at the lowest step ÷ floor | sustained ÷ floor |"
                " connects/s ÷ floor |",
                "|" + "---|" * 5,
            ]
        lines.append(
            f"| {name} | {len(targets)} | {_spread(cpu)} | {_spread(best)} | {_spread(connects)} |"
        )
    return lines


def _spread(ratios: list[float]) -> str:
    if not ratios:
        return "-"
    each = ", ".join(f"x{r:.2f}" for r in ratios)
    return f"x{_median(ratios):.2f} ({each})"


def _peer_ratios(results: dict) -> list[str]:
    """Ours / theirs (django-eventstream, storage on): sustained rate, p50 and p99.

    `ours@daphne` acks every notification (3 more `read` frames); `ours-noack@daphne`
    does the peer's work: 1 POST and 3 frames.
    """
    by = _by_target(results)
    if "peer@daphne" not in by:
        return []
    out = []
    conns = {c["target"]: c for c in results["connects"]}
    peer_rows = by["peer@daphne"]
    peer_best = sustained(peer_rows)
    peer_at = {r["rate"]: r for r in peer_rows}
    for name in [t for t in by if t.startswith(("ours@", "ours-noack@"))]:
        ours_best = sustained(by[name])
        out += [
            f"{name} / peer@daphne (django-eventstream, storage on):",
            f"  sustained (p99 <= {SUSTAINED_P99_MS:g} ms): {ours_best:g}/s / {peer_best:g}/s"
            f" = {_x(ours_best, peer_best)}",
        ]
        for r in by[name]:
            p = peer_at.get(r["rate"])
            if p is None:
                continue
            out.append(
                f"  at {r['rate']:g}/s: p50 {r['p50_ms']:.1f}/{p['p50_ms']:.1f} ms ="
                f" {_x(r['p50_ms'], p['p50_ms'])}, p99 {r['p99_ms']:.1f}/{p['p99_ms']:.1f} ms ="
                f" {_x(r['p99_ms'], p['p99_ms'])}; CPU/notif {cpu_ms(r):.2f}/{cpu_ms(p):.2f} ms"
                f"{'' if clean(p) else ' (peer step not clean)'}"
                f"{'' if clean(r) else ' (our step not clean)'}"
            )
        if name in conns:
            ours, theirs = conns[name], conns["peer@daphne"]
            out.append(
                f"  connects/s {ours['connects_per_s']:.0f}/{theirs['connects_per_s']:.0f} ="
                f" {_x(ours['connects_per_s'], theirs['connects_per_s'])}; KB/socket"
                f" {ours['kb_per_socket']:.1f}/{theirs['kb_per_socket']:.1f}"
            )
    return out


def _scale_out(results: dict) -> list[str]:
    """One line per process count: highest clean step and what the machine did there."""
    by = _by_target(results)
    names = {int(t.split("@")[0].split("-", 1)[1]): t for t in by if t.startswith("procs-")}
    counts = sorted(names)
    if not counts:
        return []
    out = [
        "| processes | sustained /s | p50 ms | p99 ms | server CPU % |"
        " postgres CPU % | redis CPU % | client CPU % | other CPU % | machine CPU % |"
        " next step |",
        "|" + "---|" * 11,
    ]
    first = 0.0
    for n in counts:
        rows = by[names[n]]
        best = sustained(rows)
        at = next((r for r in rows if r["rate"] == best), None)
        after = next((r for r in rows if r["rate"] > best), None)
        if after is None:
            nxt = "top of the ladder"
        else:
            nxt = (
                f"{after['rate']:g}/s: p99 {_f(after['p99_ms'])} ms, lost {after['lost']},"
                f" http errors {after.get('http_errors', 0)}, server CPU"
                f" {after['server_cpu']:.0f}%, other CPU {after['other_cpu']:.0f}%"
            )
        if at is None:
            out.append(f"| {n} | 0 | - | - | - | - | - | - | - | - | {nxt} |")
            continue
        first = first or best
        out.append(
            f"| {n} | {best:g} ({_x(best, first, 1)}) | {_f(at['p50_ms'])} |"
            f" {_f(at['p99_ms'])} | {at['server_cpu']:.0f} | {at.get('postgres_cpu', 0):.0f} |"
            f" {at.get('redis_cpu', 0):.0f} | {at['client_cpu']:.0f} | {at['other_cpu']:.0f} |"
            f" {at['machine_cpu']:.0f} | {nxt} |"
        )
    return out


def unclean(results: dict) -> list[str]:
    problems = []
    for r in results["steps"]:
        if not clean(r):
            problems.append(
                f"{r['target']} {r['rate']:g}/s: lost {r['lost']}, dup {r['duplicated']}, "
                f"misrouted {r['misrouted']}, http errors {r.get('http_errors', 0)}, "
                f"ws errors {r['ws_errors']}, closed {r['sockets_closed']}"
            )
    for c in results["connects"]:
        if c["failures"]:
            problems.append(f"{c['target']}: {c['failures']} sockets failed to connect")
    if not results["steps"]:
        problems.append("no step ran")
    return problems
