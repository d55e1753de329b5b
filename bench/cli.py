"""The command line of `python -m bench`: arguments, and the scenario they adjust."""

import argparse
from pathlib import Path

from bench.scenarios import SCENARIOS
from harness.servers import SERVERS

USAGE = """\
python -m bench --smoke                   # tiny, < 60 s; exit 1 on loss/dup/misroute
python -m bench                           # the deployed shape: the Procfile's daphne, the
                                          # floor then ours, 50..250/s, 1,002 sockets
python -m bench --server procfile,uvicorn # more servers (repeatable, or a comma list)
python -m bench --peer --scale 10002      # add the django-eventstream peer, 10k sockets
python -m bench --scenarios scaleout      # the ladder on 1, 2 and 4 server processes
python -m bench --processes 2 ...         # add a ladder on N processes to any scenario
python -m bench --scenarios storm         # 10,002 sockets and the restart storm, floor and ours
"""
# procfile: the Procfile's `web:` command; daphne: `daphne -v 0` (no access log);
# daphne-uvloop: daphne with uvloop's loop policy (bench/daphne_uvloop.py), to compare.
SERVER_CHOICES = (*SERVERS, "daphne-uvloop")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description="The load tool (docs/performance.md).\n\n" + USAGE,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add = parser.add_argument
    add("--scenarios", default="standard", choices=sorted(SCENARIOS))
    add("--smoke", action="store_true", help="same as --scenarios smoke")
    add(
        "--server",
        action="append",
        metavar="NAME[,NAME]",
        help=f"servers to measure, of {', '.join(SERVER_CHOICES)} (default: the scenario's)",
    )
    add("--sockets", type=int, help="sockets for the ladder (users x tabs)")
    add("--users", type=int, help="users for the ladder")
    add("--rates", help="comma-separated notifications/s per step")
    add("--duration", type=float, help="seconds per step")
    add("--gc-interval", help="GC_FREEZE_INTERVAL of every server (default: the app's)")
    add("--gc-compare", help="comma-separated rates for GC on/off runs of ours; '' = skip")
    add(
        "--gc-unfreeze",
        type=float,
        default=0,
        help="also run the GC comparison with this GC_UNFREEZE_INTERVAL",
    )
    add(
        "--overload",
        type=float,
        help="rate of the overload step after each ladder (0 = skip; standard: 1600)",
    )
    add("--overload-duration", type=float, help="seconds of the overload step")
    add("--scale", type=int, help="sockets for the scale run (0 = skip)")
    add(
        "--server-env",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="extra environment for every server of ours (repeatable), e.g. DB_CONN_MAX_AGE=0",
    )
    add(
        "--server-arg",
        action="append",
        default=[],
        metavar="ARG",
        help="extra argument for every server process, e.g. --server-arg=--access-log=-",
    )
    add(
        "--py-spy",
        metavar="RATE[,RATE]",
        help="record ours with py-spy at these steps (pip install py-spy into the venv)",
    )
    add(
        "--bearer",
        action="store_true",
        help="open our sockets with bearer tokens (a script) instead of session cookies",
    )
    add(
        "--rounds",
        type=int,
        default=1,
        help="the floor then ours, this many times (round k labelled '#k')",
    )
    add(
        "--compare",
        metavar="REF",
        help="also run ours at commit REF ('base@<server>', after ours in each round): A vs B",
    )
    add("--no-floor", action="store_true", help="skip the Channels floor")
    peer = parser.add_mutually_exclusive_group()
    peer.add_argument("--no-peer", action="store_true", help="skip the django-eventstream peer")
    peer.add_argument("--peer", action="store_true", help="run the peer in any scenario")
    add(
        "--peer-db",
        choices=("sqlite", "postgres"),
        default="sqlite",
        help="the peer's database (postgres: each open stream holds a connection)",
    )
    add(
        "--processes",
        metavar="N[,N...]",
        help="also run ours on N unpinned server processes (comma list; '' = none)",
    )
    add("--skip-ladder", action="store_true", help="skip the one-process ladder of ours")
    add("--no-pin", action="store_true", help="do not pin server/client to CPUs")
    add("--out", type=Path, help="JSON file (default bench/results/<time>.json)")
    args = parser.parse_args(argv)
    if args.smoke:
        args.scenarios = "smoke"
    return args


def config_from(args: argparse.Namespace) -> dict:
    config = dict(SCENARIOS[args.scenarios])
    if args.server:
        config["servers"] = [s for item in args.server for s in item.split(",") if s]
        unknown = set(config["servers"]) - set(SERVER_CHOICES)
        if unknown:
            raise SystemExit(f"unknown server(s) {sorted(unknown)}: one of {SERVER_CHOICES}")
    if args.users:
        config["users"] = args.users
    if args.sockets:
        config["tabs"] = max(1, args.sockets // config["users"])
    if args.rates:
        config["rates"] = [float(r) for r in args.rates.split(",") if r]
    if args.duration:
        config["duration"] = args.duration
    if args.gc_compare is not None:
        config["gc_compare"] = [float(r) for r in args.gc_compare.split(",") if r]
    if args.overload is not None:
        config["overload_rate"] = args.overload
    if args.overload_duration:
        config["overload_duration"] = args.overload_duration
    config.setdefault("overload_duration", 8.0)
    config.setdefault("overload_grace", 10.0)
    if args.scale is not None:
        config["scale_sockets"] = args.scale
    if args.no_floor:
        config["floor"] = False
    if args.no_peer:
        config["peer"] = False
    if args.peer:
        config["peer"] = True
    config["peer_db"] = args.peer_db
    if args.processes is not None:
        config["processes"] = [int(n) for n in args.processes.split(",") if n]
    if args.skip_ladder:
        config["ladder"] = False
    return config
