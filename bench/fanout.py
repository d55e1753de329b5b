"""One notification to 10,000 users: time the fan-out (docs/performance.md, "Fan-out").

    python -m bench.fanout [--users 10000] [--repeat 3]

Uses DATABASE_URL (a throwaway SQLite file when unset: never point it at a database you
care about, it gets migrated and filled with `fanout*` users) and REDIS_URL / REDIS_PREFIX
for the channel layer like the server. Each run resolves every active user
(`"all": true`), stores one message each in chunked inserts and pushes each user's frame
after commit, through `services.notify_users`, the path of the API and the admin action.
Prints one JSON line per run and a summary.
"""

import argparse
import json
import logging
import os
import sys
import tempfile
import time

logger = logging.getLogger("bench.fanout")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL"):
        path = os.path.join(tempfile.mkdtemp(prefix="fanout-"), "db.sqlite3")
        os.environ["DATABASE_URL"] = f"sqlite:///{path}"
    os.environ.setdefault("SECRET_KEY", "bench-only-not-secret")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings")
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command
    from django.db import connection

    import live
    from notifications import selectors, services
    from notifications.models import Message

    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
    call_command("migrate", verbosity=0)
    users = get_user_model()
    have = users.objects.filter(username__startswith="fanout").count()
    if have < args.users:
        unusable = make_password(None)
        users.objects.bulk_create(
            [users(username=f"fanout{i:06d}", password=unusable) for i in range(have, args.users)],
            batch_size=1000,
        )
    # Time the push separately: wrap the one pusher the service's commit hook calls.
    pushed = {"seconds": 0.0, "frames": 0, "failed": 0}
    real_push_many = live.send_many

    async def timed_push_many(pushes):
        started = time.perf_counter()
        ok = await real_push_many(pushes)
        pushed["seconds"] += time.perf_counter() - started
        pushed["frames"] += len(pushes)
        pushed["failed"] += 0 if ok else len(pushes)  # timed out or the layer failed
        return ok

    live.send_many = timed_push_many
    runs = []
    for run in range(args.repeat):
        pushed.update(seconds=0.0, frames=0, failed=0)
        started = time.perf_counter()
        user_ids = selectors.recipient_ids(all_active=True)
        result = services.notify_users(user_ids=user_ids, text=f"Maintenance tonight ({run})")
        total = time.perf_counter() - started
        line = {
            "run": run,
            "vendor": connection.vendor,
            "layer": "redis" if os.environ.get("REDIS_URL") else "memory",
            "recipients": result.recipients,
            "created": result.created,
            "frames_pushed": pushed["frames"],
            "frames_failed": pushed["failed"],
            "seconds_total": round(total, 3),
            "seconds_push": round(pushed["seconds"], 3),
            "seconds_write": round(total - pushed["seconds"], 3),
        }
        runs.append(line)
        print(json.dumps(line), flush=True)
    best = min(r["seconds_total"] for r in runs)
    logger.info(
        "fan-out to %d users: best %.2f s total (%s, %s layer); messages now %d",
        runs[0]["recipients"],
        best,
        runs[0]["vendor"],
        runs[0]["layer"],
        Message.objects.count(),
    )


if __name__ == "__main__":
    main()
