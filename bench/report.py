"""The printed tables: steps, connects, baselines and the ratios between them.

Ratios: ours (`django`) against the floor and against the peer (django-eventstream), and
the scale-out summary (`procs-N`: N server processes).
"""

from bench.steps import clean


def _f(value: float, digits: int = 1) -> str:
    return "-" if value != value else f"{value:.{digits}f}"  # NaN -> "-"


def table(results: dict) -> str:
    lines = []
    rtt = results["baselines"].get("redis_pubsub_rtt")
    if rtt:
        lines.append(
            f"Redis pub/sub round trip (redis-py asyncio): p50 {rtt['p50_ms']:.3f} ms, "
            f"p99 {rtt['p99_ms']:.3f} ms, {rtt['per_second']:.0f} round trips/s"
        )
        lines.append("")
    head = (
        "| target | rate/s | achieved/s | p50 ms | p95 ms | p99 ms | max ms | delivered |"
        " lost | dup | misrouted | server CPU % | server RSS MB | redis CPU % |"
        " postgres CPU % | client CPU % | other CPU % | machine CPU % |"
    )
    lines += [head, "|" + "---|" * 18]
    for r in results["steps"]:
        lines.append(
            f"| {r['target']} | {r['rate']:g} | {_f(r['achieved_per_s'])} | {_f(r['p50_ms'])} |"
            f" {_f(r['p95_ms'])} | {_f(r['p99_ms'])} | {_f(r['max_ms'])} |"
            f" {r['delivered']}/{r['frames_expected']} | {r['lost']} | {r['duplicated']} |"
            f" {r['misrouted']} | {r['server_cpu']:.0f} | {r['server_rss_mb']:.0f} |"
            f" {r.get('redis_cpu', 0):.0f} | {r.get('postgres_cpu', 0):.0f} |"
            f" {r['client_cpu']:.0f} | {r['other_cpu']:.0f} | {r['machine_cpu']:.0f} |"
        )
    lines.append("")
    lines.append(
        "| target | sockets | failed | seconds | connects/s | RSS before MB |"
        " RSS idle MB | KB/socket | server threads |"
    )
    lines.append("|" + "---|" * 9)
    for c in results["connects"]:
        lines.append(
            f"| {c['target']} | {c['sockets']} | {c['failures']} | {c['seconds']:.2f} |"
            f" {c['connects_per_s']:.0f} | {c['rss_before_mb']:.0f} |"
            f" {c['rss_idle_mb']:.0f} | {c['kb_per_socket']:.1f} |"
            f" {c.get('server_threads', '-')} |"
        )
    ratios = _ratios(results)
    if ratios:
        lines += ["", *ratios]
    peer = _peer_ratios(results)
    if peer:
        lines += ["", *peer]
    scale = _scale_out(results)
    if scale:
        lines += ["", *scale]
    git = results.get("git")
    if git:
        dirty = ", ".join(git["dirty"]) or "none"
        lines += ["", f"measured: commit {git['head'][:12]}, files changed since: {dirty}"]
    return "\n".join(lines)


def _best_clean(rows: list[dict], limit_ms: float = 100.0) -> float:
    best = 0.0
    for r in rows:
        if not clean(r) or r["p99_ms"] > limit_ms:
            break
        best = r["rate"]
    return best


def _by_target(results: dict) -> dict[str, list[dict]]:
    by: dict[str, list[dict]] = {}
    for r in results["steps"]:
        by.setdefault(r["target"], []).append(r)
    return by


def _x(ours: float, theirs: float, digits: int = 2) -> str:
    if not theirs or ours != ours or theirs != theirs:
        return "-"
    return f"x{ours / theirs:.{digits}f}"


def _peer_ratios(results: dict) -> list[str]:
    """Ours / theirs: sustained rate (highest clean step, p99 <= 100 ms), p50 and p99.

    `django` acks every notification (3 more `read` frames); `django-noack` does the
    peer's work: 1 POST and 3 frames.
    """
    by = _by_target(results)
    if "peer" not in by:
        return []
    out = []
    conns = {c["target"]: c for c in results["connects"]}
    peer_best = _best_clean(by["peer"])
    peer_at = {r["rate"]: r for r in by["peer"]}
    for ours_name in ("django", "django-noack"):
        if ours_name not in by:
            continue
        ours_best = _best_clean(by[ours_name])
        out += [
            f"ours ({ours_name}) / peer (django-eventstream, storage on):",
            f"  sustained (highest clean step, p99 <= 100 ms): {ours_best:g}/s / {peer_best:g}/s"
            f" = {_x(ours_best, peer_best)}",
        ]
        for r in by[ours_name]:
            p = peer_at.get(r["rate"])
            if p is None:
                continue
            out.append(
                f"  at {r['rate']:g}/s: p50 {r['p50_ms']:.1f}/{p['p50_ms']:.1f} ms ="
                f" {_x(r['p50_ms'], p['p50_ms'])}, p99 {r['p99_ms']:.1f}/{p['p99_ms']:.1f} ms ="
                f" {_x(r['p99_ms'], p['p99_ms'])}; server CPU {r['server_cpu']:.0f}%"
                f" / {p['server_cpu']:.0f}%, other CPU {r['other_cpu']:.0f}%"
                f" / {p['other_cpu']:.0f}%{'' if clean(p) else ' (peer step not clean)'}"
                f"{'' if clean(r) else ' (our step not clean)'}"
            )
        if "peer" in conns and ours_name in conns:
            ours, theirs = conns[ours_name], conns["peer"]
            out.append(
                f"  connects/s {ours['connects_per_s']:.0f}/{theirs['connects_per_s']:.0f} ="
                f" {_x(ours['connects_per_s'], theirs['connects_per_s'])}; KB/socket"
                f" {ours['kb_per_socket']:.1f}/{theirs['kb_per_socket']:.1f}"
            )
    return out


def _scale_out(results: dict) -> list[str]:
    """One line per process count: highest clean step and what the machine did there."""
    by = _by_target(results)
    counts = sorted(int(t.split("-", 1)[1]) for t in by if t.startswith("procs-"))
    if not counts:
        return []
    out = [
        "| processes | highest clean step /s | p50 ms | p99 ms | server CPU % |"
        " postgres CPU % | redis CPU % | client CPU % | other CPU % | machine CPU % |"
        " next step |",
        "|" + "---|" * 11,
    ]
    first = 0.0
    for n in counts:
        rows = by[f"procs-{n}"]
        best = _best_clean(rows)
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


def _ratios(results: dict) -> list[str]:
    by = _by_target(results)
    if "floor" not in by or "django" not in by:
        return []
    out = []
    floor_best, django_best = _best_clean(by["floor"]), _best_clean(by["django"])
    out.append(
        f"highest clean step with p99 <= 100 ms: django {django_best:g}/s, "
        f"floor {floor_best:g}/s (floor stops at the top of the ladder)"
    )
    floor_at = {r["rate"]: r for r in by["floor"]}
    for r in by["django"]:
        f = floor_at.get(r["rate"])
        if f and f["p99_ms"] == f["p99_ms"] and f["p99_ms"] > 0:
            out.append(
                f"  at {r['rate']:g}/s: p99 django/floor = {r['p99_ms']:.1f}/"
                f"{f['p99_ms']:.2f} ms = x{r['p99_ms'] / f['p99_ms']:.1f}; server CPU "
                f"{r['server_cpu']:.0f}% vs {f['server_cpu']:.0f}%"
            )
    conns = {c["target"]: c for c in results["connects"]}
    if "floor" in conns and "django" in conns:
        out.append(
            f"connects/s django/floor = {conns['django']['connects_per_s']:.0f}/"
            f"{conns['floor']['connects_per_s']:.0f}"
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
