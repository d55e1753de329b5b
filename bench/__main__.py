"""`python -m bench`: the load tool. See docs/performance.md for what it measures, and
`python -m bench --help` (bench/cli.py) for the options."""

import asyncio
import json
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from bench import report
from bench.cli import config_from, parse_args
from bench.run import RESULTS, Run
from harness.servers import raise_fd_limit


def main() -> int:
    args = parse_args()
    config = config_from(args)
    run = Run(args, config, Path(tempfile.mkdtemp(prefix="bench-")))
    run.results["fd_limit"] = raise_fd_limit()
    try:
        results = asyncio.run(run.run())
    finally:
        run.procs.close()
    print()
    print(report.table(results))
    out = args.out or RESULTS / f"{datetime.now(UTC):%Y%m%dT%H%M%SZ}-{args.scenarios}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2, default=str))
    print(f"\nJSON: {out}\nserver logs: {run.workdir}")
    if args.scenarios == "smoke":
        bad = report.unclean(results)
        if bad:
            print("SMOKE FAILED: " + "; ".join(bad))
            return 1
        print("smoke: clean (nothing lost, duplicated or misrouted)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
