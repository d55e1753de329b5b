"""The printed tables: steps, connects, baselines and the ratios between them."""

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
        " RSS idle MB | KB/socket |"
    )
    lines.append("|" + "---|" * 8)
    for c in results["connects"]:
        lines.append(
            f"| {c['target']} | {c['sockets']} | {c['failures']} | {c['seconds']:.2f} |"
            f" {c['connects_per_s']:.0f} | {c['rss_before_mb']:.0f} |"
            f" {c['rss_idle_mb']:.0f} | {c['kb_per_socket']:.1f} |"
        )
    ratios = _ratios(results)
    if ratios:
        lines += ["", *ratios]
    return "\n".join(lines)


def _best_clean(rows: list[dict], limit_ms: float = 100.0) -> float:
    best = 0.0
    for r in rows:
        if not clean(r) or r["p99_ms"] > limit_ms:
            break
        best = r["rate"]
    return best


def _ratios(results: dict) -> list[str]:
    by = {}
    for r in results["steps"]:
        by.setdefault(r["target"], []).append(r)
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
