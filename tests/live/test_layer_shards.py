"""REDIS_URL with several hosts: the layer shards over them, and every message arrives.

Two redis-server processes of the test's own, on free loopback ports, stopped at the end.
"""

import asyncio
import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import redis

from harness.servers import RedisServer
from live.layers import PipelinedPubSubLayer
from tests.conftest import require

GUARD = 5  # seconds: only a bound on a hang, never a measurement


@pytest.fixture
def two_redis(tmp_path: Path) -> Iterator[list[RedisServer]]:
    require(shutil.which("redis-server") is not None, "redis-server is not installed")
    servers = [RedisServer(tmp_path / f"r{i}") for i in range(2)]
    for server in servers:
        server.workdir.mkdir()
        server.start()
    yield servers
    for server in servers:
        server.stop()


@pytest.fixture
async def sharded(two_redis: list[RedisServer]) -> AsyncIterator[PipelinedPubSubLayer]:
    layer = PipelinedPubSubLayer(hosts=[s.url for s in two_redis], prefix="shards.")
    yield layer
    await layer.flush()


async def test_groups_spread_over_both_servers_and_every_message_arrives(sharded, two_redis):
    groups = [f"notifications.user.{n}" for n in range(40)]
    channels = {}
    for group in groups:
        channels[group] = await sharded.new_channel()
        await sharded.group_add(group, channels[group])
    # Each server holds the subscriptions of its share of the groups, none holds all.
    subscribed = [len(redis.Redis.from_url(s.url).pubsub_channels("shards.*")) for s in two_redis]
    assert all(n > 0 for n in subscribed), subscribed
    assert sum(subscribed) >= len(groups)
    # group_send_many: one pipelined round trip per shard, every frame to its group only.
    await sharded.group_send_many(
        [(group, {"type": "frame.relay", "text": group}) for group in groups]
    )
    for group in groups:
        got = await asyncio.wait_for(sharded.receive(channels[group]), GUARD)
        assert got == {"type": "frame.relay", "text": group}
    # And plain group_send through the same shards.
    await sharded.group_send(groups[7], {"type": "frame.relay", "text": "again"})
    got = await asyncio.wait_for(sharded.receive(channels[groups[7]]), GUARD)
    assert got["text"] == "again"
