"""`python -m bench.ingress`: server CPU per signed SNS POST, with no socket open.

The ingress half of a notification on its own: one daphne process (pinned to CPU0 when
there are two), a fresh database, N pre-signed `notify` deliveries POSTed with C in
flight. Prints statuses, server CPU per POST and POSTs per second. Uses DATABASE_URL
(default: the local PostgreSQL) and a private Redis like `python -m bench`.
"""

import argparse
import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path

from bench.cli import SERVER_CHOICES
from bench.http import Poster
from bench.processes import Processes
from bench.procstat import cpu_seconds
from bench.sns import TOPIC_ARN, Signer, notify_message

USERS = 20
HEADERS = {
    "Content-Type": "text/plain; charset=UTF-8",
    "x-amz-sns-message-type": "Notification",
    "x-amz-sns-topic-arn": TOPIC_ARN,
}


async def run(
    posts: int, in_flight: int, workdir: Path, server: str = "daphne", args: tuple = ()
) -> dict:
    procs = Processes(workdir, server_args=args)
    try:
        redis_url, _ = procs.redis()
        signer = Signer(workdir / "sns-certs")
        stack = procs.make_stack(
            redis_url,
            {
                "LOG_LEVEL": "WARNING",
                "SNS_ALLOWED_TOPIC_ARNS": TOPIC_ARN,
                "SNS_CERT_DIR": str(workdir / "sns-certs"),
                "SNS_MAX_AGE_SECONDS": "600",
            },
        )
        seed = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bench.seed", str(USERS), env=stack.env, stdout=-1
        )
        await seed.communicate()
        process, port = procs.ours({}, 0 if (os.cpu_count() or 1) > 1 else "all", server)
        poster = Poster(port, "/webhooks/sns/", max_connections=in_flight)

        def requests(count: int) -> list[bytes]:
            out = []
            for i in range(count):
                text = notify_message(f"bench{i % USERS:05d}", f"ingress {i}")
                message_id, body = signer.notification(text)
                out.append(poster.request(body, {**HEADERS, "x-amz-sns-message-id": message_id}))
            return out

        for request in requests(50):  # warm up: imports, pool connections
            await poster.post(request)
        batch = requests(posts)
        cpu0, t0 = cpu_seconds(process.pid), time.perf_counter()
        await asyncio.gather(*(poster.post(r) for r in batch))
        cpu1, t1 = cpu_seconds(process.pid), time.perf_counter()
        poster.close()
        return {
            "statuses": dict(poster.statuses),
            "failures": poster.failures,
            "cpu_ms_per_post": 1000 * (cpu1 - cpu0) / posts,
            "posts_per_s": posts / (t1 - t0),
        }
    finally:
        procs.close()


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.ingress", description=__doc__)
    parser.add_argument("--posts", type=int, default=1000)
    parser.add_argument("--in-flight", type=int, default=8)
    parser.add_argument("--server", default="daphne", choices=SERVER_CHOICES)
    parser.add_argument("--server-arg", action="append", default=[], metavar="ARG")
    args = parser.parse_args()
    if (os.cpu_count() or 1) > 1:
        os.sched_setaffinity(0, {1})
    workdir = Path(tempfile.mkdtemp(prefix="ingress-"))
    result = asyncio.run(
        run(args.posts, args.in_flight, workdir, args.server, tuple(args.server_arg))
    )
    print(
        f"{args.posts} signed POSTs, {args.in_flight} in flight: statuses {result['statuses']}, "
        f"{result['failures']} failed; server CPU {result['cpu_ms_per_post']:.2f} ms/POST; "
        f"{result['posts_per_s']:.0f} POSTs/s"
    )
    bad = result["failures"] or any(s != 200 for s in result["statuses"])
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
