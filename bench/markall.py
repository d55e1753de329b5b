"""Mark-all-read over many unread messages, and what it does to everyone else meanwhile.

    python -m bench.markall [--sizes 10000 100000] [--rate 20]

With the server's environment (DATABASE_URL: SQLite by default, PostgreSQL when set). In
its own users (`markall-*`, made once, their messages deleted after each size): one user
gets N unread messages; then, in a thread, the HTTP path `services.mark_all_read` runs
over them, while on the event loop other users' notifications go through the batching
writer at `--rate` per second, and the same user's socket acks one message through the
writer (the attack of issue #19: a user's own big write held the writer's batch). Prints
one JSON line per size: the mark-all time, and the writer latency of the other users'
notifications during it (p50, p99, max).
"""

import argparse
import asyncio
import json
import os
import statistics
import sys
import threading
import time

OTHERS = 20


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] if ordered else 0.0


def _users():
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password

    model = get_user_model()
    names = [f"markall-{i}" for i in range(OTHERS + 1)]
    unusable = make_password(None)
    for name in names:
        model.objects.get_or_create(username=name, defaults={"password": unusable})
    users = list(model.objects.filter(username__in=names).order_by("username"))
    return users[0], users[1:]


def _fill(user, count: int) -> int:
    from notifications.models import Message

    Message.objects.filter(recipient=user).delete()
    Message.objects.bulk_create(
        (Message(recipient_id=user.pk, text=f"bench {i}") for i in range(count)), batch_size=5000
    )
    return Message.objects.filter(recipient=user).order_by("-id").values_list("id", flat=True)[0]


async def _one_size(heavy, others, count: int, rate: float) -> dict:
    from django.db import close_old_connections

    from notifications import bulk, services, writer
    from notifications.models import Message

    last_id = await asyncio.to_thread(_fill, heavy, count)
    latencies: list[float] = []
    failures = 0
    done = threading.Event()
    took: dict[str, float] = {}

    def mark_all() -> None:
        started = time.perf_counter()
        try:
            changed = services.mark_all_read(user=heavy)
            took["mark_all_s"] = time.perf_counter() - started
            took["changed"] = len(changed)
        finally:
            close_old_connections()
            done.set()

    async def deliver(index: int) -> None:
        nonlocal failures
        user = others[index % len(others)]
        started = time.perf_counter()
        try:
            await writer.submit(bulk.NOTIFY, bulk.NotifySpec(text="meanwhile", user_id=user.pk))
        except Exception:
            failures += 1
            return
        latencies.append(time.perf_counter() - started)

    marking = asyncio.get_running_loop().run_in_executor(None, mark_all)
    await asyncio.sleep(0.05)  # the mark-all has begun its work
    ack = asyncio.ensure_future(writer.submit(bulk.ACK, (heavy.pk, [last_id]), bounded=False))
    tasks, index = [], 0
    while not done.is_set():
        tasks.append(asyncio.ensure_future(deliver(index)))
        index += 1
        await asyncio.sleep(1 / rate)
    await marking
    await asyncio.gather(*tasks, ack)
    await asyncio.to_thread(lambda: Message.objects.filter(recipient__in=[heavy, *others]).delete())
    return {
        "unread": count,
        "mark_all_s": round(took.get("mark_all_s", float("nan")), 3),
        "changed": took.get("changed"),
        "others_delivered": len(latencies),
        "others_failed": failures,
        "others_p50_ms": round(1000 * statistics.median(latencies), 1) if latencies else None,
        "others_p99_ms": round(1000 * _percentile(latencies, 0.99), 1) if latencies else None,
        "others_max_ms": round(1000 * max(latencies), 1) if latencies else None,
    }


async def _main(args: argparse.Namespace) -> None:
    from django.db import connection

    heavy, others = await asyncio.to_thread(_users)
    for count in args.sizes:
        result = await _one_size(heavy, others, count, args.rate)
        result["database"] = connection.vendor
        sys.stdout.write(json.dumps(result) + "\n")
        sys.stdout.flush()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--rate", type=float, default=20.0, help="other users' notifications/s")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    asyncio.run(_main(args))


if __name__ == "__main__":
    main()
