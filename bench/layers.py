"""`python -m bench.layers`: what the channel layer costs per frame, outside any server.

Two micro-benchmarks, one process, no Django:
- in-process layers: Channels' InMemoryChannelLayer against live.layers'
  LocalChannelLayer, SOCKETS channels in GROUPS groups, each channel received by channels'
  own `await_many_dispatch` (as a consumer does); one group message at a time, waited for
  until every member has it;
- Redis pub/sub (REDIS_URL, default the local one): BATCH notifications for as many users
  sent as BATCH `group_send`s or one `group_send_many`, until every socket has its frame;
  with redis-py's pure-Python parser and with hiredis when it is importable; and the
  cost of reading one pub/sub message off the connection with each parser.

CPU is this process's (senders and receivers both); Redis's own is not counted.
"""

import argparse
import asyncio
import functools
import os
import random
import statistics
import time
from collections.abc import Callable
from typing import Any

from channels.layers import InMemoryChannelLayer
from channels.utils import await_many_dispatch
from redis import asyncio as aioredis
from redis.asyncio.connection import _AsyncRESP2Parser

from live.layers import LocalChannelLayer, PipelinedPubSubLayer

try:
    from redis._parsers import _AsyncHiredisParser
    from redis.utils import HIREDIS_AVAILABLE
except ImportError:  # pragma: no cover - older redis-py
    HIREDIS_AVAILABLE = False


class Sockets:
    """SOCKETS consumers' receive loops on one layer, counting frames as they arrive."""

    def __init__(self, layer: Any, sockets: int, groups: int) -> None:
        self.layer = layer
        self.sockets = sockets
        self.groups = groups
        self.received = 0
        self.target = 0
        self.done = asyncio.Event()
        self.tasks: list[asyncio.Task] = []

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        for i in range(self.sockets):
            channel = await self.layer.new_channel()
            await self.layer.group_add(f"user.{i % self.groups}", channel)
            # The ASGI side, quiet here; one future each, as each socket has its own.
            never = loop.create_future()
            callables = [lambda never=never: never, functools.partial(self.layer.receive, channel)]
            self.tasks.append(asyncio.create_task(await_many_dispatch(callables, self.dispatch)))
        await asyncio.sleep(0.1)  # every loop parked on its receive

    async def dispatch(self, message: dict) -> None:
        self.received += 1
        if self.received >= self.target:
            self.done.set()

    async def expect(self, frames: int) -> None:
        self.target = self.received + frames
        self.done.clear()
        await asyncio.wait_for(self.done.wait(), 30)

    async def stop(self) -> None:
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)


def members(sockets: int, groups: int, group: int) -> int:
    return len(range(group, sockets, groups))


async def timed(body: Callable[[], Any]) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    await body()
    return time.perf_counter() - wall, time.process_time() - cpu


async def in_process(layer: Any, sockets: int, groups: int, messages: int) -> dict:
    consumers = Sockets(layer, sockets, groups)
    await consumers.start()
    rng = random.Random(1)
    plan = [rng.randrange(groups) for _ in range(messages)]
    frames = sum(members(sockets, groups, g) for g in plan)

    async def run() -> None:
        for g in plan:
            await layer.group_send(f"user.{g}", {"type": "frame.relay", "text": '{"n":1}'})
            await consumers.expect(members(sockets, groups, g))

    wall, cpu = await timed(run)
    await consumers.stop()
    return {"frames": frames, "wall_us": 1e6 * wall / frames, "cpu_us": 1e6 * cpu / frames}


async def pubsub(
    url: str, parser: type | None, sockets: int, groups: int, batch: int, rounds: int
) -> dict[str, dict]:
    host: dict[str, Any] = {"address": url}
    if parser is not None:
        host["parser_class"] = parser
    layer = PipelinedPubSubLayer(hosts=[host], prefix=f"bench{os.getpid()}.")
    consumers = Sockets(layer, sockets, groups)
    await consumers.start()
    rng = random.Random(2)
    results = {}
    try:
        for mode in ("group_send", "group_send_many", "group_send", "group_send_many"):
            walls, cpus, frames = [], [], 0
            for _ in range(rounds):
                chosen = rng.sample(range(groups), batch)
                sends = [(f"user.{g}", {"type": "frame.relay", "text": '{"n":1}'}) for g in chosen]
                count = sum(members(sockets, groups, g) for g in chosen)

                async def one_batch(sends=sends, count=count, mode=mode) -> None:
                    waiting = asyncio.ensure_future(consumers.expect(count))
                    if mode == "group_send":
                        for group, message in sends:
                            await layer.group_send(group, message)
                    else:
                        await layer.group_send_many(sends)
                    await waiting

                wall, cpu = await timed(one_batch)
                walls.append(wall)
                cpus.append(cpu)
                frames += count
            # The second pass of each mode is the one kept: the first warms the pool.
            results[mode] = {
                "batch_ms": 1e3 * statistics.median(walls),
                "cpu_us_per_notification": 1e6 * sum(cpus) / (rounds * batch),
                "cpu_us_per_frame": 1e6 * sum(cpus) / frames,
            }
    finally:
        await consumers.stop()
        await layer.flush()
    return results


async def parse_only(url: str, parser: type, messages: int) -> float:
    """CPU µs to read one pub/sub message off a subscribed connection, all of them waiting."""
    client = aioredis.from_url(url, parser_class=parser)
    pubsub = client.pubsub()
    channel = f"bench{os.getpid()}.parse"
    await pubsub.subscribe(channel)
    await pubsub.get_message(timeout=1)  # the subscribe confirmation
    frame = {"type": "frame.relay", "text": '{"type":"new","id":123456,"text":"' + "x" * 80}
    data = PipelinedPubSubLayer().serialize(frame)
    publisher = aioredis.from_url(url)
    pipe = publisher.pipeline(transaction=False)
    for _ in range(messages):
        pipe.publish(channel, data)
    await pipe.execute()
    got, cpu = 0, time.process_time()
    while got < messages:
        if await pubsub.get_message(ignore_subscribe_messages=True, timeout=1):
            got += 1
    cpu = time.process_time() - cpu
    await pubsub.aclose()
    await client.aclose()
    await publisher.aclose()
    return 1e6 * cpu / messages


async def main(args: argparse.Namespace) -> None:
    if args.only in (None, "local"):
        print(f"in-process layers: {args.sockets} channels in {args.groups} groups")
        for name, layer in (
            ("InMemoryChannelLayer", InMemoryChannelLayer()),
            ("LocalChannelLayer", LocalChannelLayer()),
        ):
            r = await in_process(layer, args.sockets, args.groups, args.messages)
            print(f"  {name:22} {r['wall_us']:7.1f} µs wall/frame  {r['cpu_us']:7.1f} µs CPU/frame")
    if args.only == "local":
        return

    parsers: list[tuple[str, type | None]] = [("pure-Python parser", _AsyncRESP2Parser)]
    if HIREDIS_AVAILABLE:
        parsers.append(("hiredis parser", _AsyncHiredisParser))
    else:
        print("hiredis is not importable: only the pure-Python parser is measured")
    print(
        f"Redis pub/sub ({args.redis_url}): batches of {args.batch} notifications, "
        f"{args.rounds} rounds, {args.sockets} channels in {args.groups} groups"
    )
    for label, parser in parsers:
        parse_us = min([await parse_only(args.redis_url, parser, 20_000) for _ in range(3)])
        print(f"  {label:18} reading one pub/sub message: {parse_us:5.1f} µs CPU (best of 3)")
    for label, parser in parsers:
        results = await pubsub(
            args.redis_url, parser, args.sockets, args.groups, args.batch, args.rounds
        )
        for mode, r in results.items():
            print(
                f"  {label:18} {mode:16} {r['batch_ms']:6.2f} ms/batch (median)  "
                f"{r['cpu_us_per_notification']:6.1f} µs CPU/notification  "
                f"{r['cpu_us_per_frame']:6.1f} µs CPU/frame"
            )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sockets", type=int, default=1000)
    parser.add_argument("--groups", type=int, default=334)
    parser.add_argument("--messages", type=int, default=2000, help="in-process group sends")
    parser.add_argument("--batch", type=int, default=50, help="notifications per Redis batch")
    parser.add_argument("--rounds", type=int, default=40, help="Redis batches per mode")
    parser.add_argument("--only", choices=["local", "redis"], help="one half only")
    parser.add_argument(
        "--redis-url", default=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    )
    asyncio.run(main(parser.parse_args()))
