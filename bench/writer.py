"""CPU of the write path alone, one job per batch: `python bench/writer.py [N]`.

What a verified SNS delivery and an ack cost in the batching writer when the load is
moderate (each batch holds one job: the case the ladder's low steps measure, and the one
a shared machine distorts most, as a starved server batches more). The process's CPU time
(every thread) per job, with no sockets, no HTTP and the in-process layer, so the figure
is the writer's own: user lookup, claim, insert, counts, preferences, transactions, the
thread hop. Signatures are checked before the clock starts.

Run from a checkout's root with DATABASE_URL (PostgreSQL): it creates its own users in
that database. To compare two commits, run this file from each tree (it puts the current
directory first on the path): `cd <other tree> && python <this checkout>/bench/writer.py`.
"""

import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

# This file's folder (bench/) would shadow the standard library's `http`: the tree to
# measure comes first instead.
sys.path[0] = os.getcwd()

ROUNDS = 5


async def run(count: int) -> None:
    from channels.db import database_sync_to_async
    from django.contrib.auth import get_user_model

    from bench.sns import TOPIC_ARN, notify_message
    from notifications import bulk, writer
    from notifications.models import Message
    from webhooks import notify, services
    from webhooks.batch import SNS_NOTIFY

    signer = SIGNER
    names = [f"wbench{i:03d}" for i in range(50)]

    @database_sync_to_async
    def users() -> None:
        model = get_user_model()
        for name in names:
            model.objects.get_or_create(username=name)

    await users()

    def deliveries(n: int) -> list:
        out = []
        for i in range(n):
            message_id, body = signer.notification(notify_message(names[i % 50], f"w {i}"))
            headers = {
                "content-type": "text/plain; charset=UTF-8",
                "x-amz-sns-message-type": "Notification",
                "x-amz-sns-topic-arn": TOPIC_ARN,
                "x-amz-sns-message-id": message_id,
            }
            out.append(services.verify_delivery(body=body, headers=headers, fetch=False))
        return out

    @database_sync_to_async
    def stored(envelopes: list) -> list[tuple[int, int]]:
        ids = [e.message_id for e in envelopes]
        rows = Message.objects.filter(source_id__in=ids).values_list("recipient_id", "pk")
        return list(rows)

    for _ in range(20):  # warm up: imports, pools, caches
        await writer.submit(SNS_NOTIFY, notify.parse(deliveries(1)[0]))
    notify_us, ack_us = [], []
    for _ in range(ROUNDS):
        envelopes = deliveries(count)
        started = time.process_time()
        for envelope in envelopes:
            # Parsed as the ASGI entry parses it (webhooks/notify.py), inside the timing.
            await writer.submit(SNS_NOTIFY, notify.parse(envelope))
        notify_us.append(1e6 * (time.process_time() - started) / count)
        acks = await stored(envelopes)
        started = time.process_time()
        for user_id, message_id in acks:
            await writer.submit(bulk.ACK, (user_id, [message_id]), bounded=False)
        ack_us.append(1e6 * (time.process_time() - started) / len(acks))
    print(
        f"{os.getcwd()}: CPU per job, batches of one, median of {ROUNDS} x {count}: "
        f"delivery {statistics.median(notify_us):.0f} us, ack {statistics.median(ack_us):.0f} us, "
        f"together {statistics.median(notify_us) + statistics.median(ack_us):.0f} us"
    )


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings")
    os.environ.setdefault("SECRET_KEY", "bench-writer")
    os.environ.pop("REDIS_URL", None)  # the in-process layer: the writer's cost alone
    from bench.sns import TOPIC_ARN, Signer

    certs = Path(tempfile.mkdtemp(prefix="bench-writer-"))
    SIGNER = Signer(certs)
    os.environ.update(
        SNS_CERT_DIR=str(certs), SNS_ALLOWED_TOPIC_ARNS=TOPIC_ARN, SNS_MAX_AGE_SECONDS="600"
    )
    import django

    django.setup()
    asyncio.run(run(int(sys.argv[1]) if len(sys.argv) > 1 else 200))
