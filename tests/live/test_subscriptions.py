"""Subscriptions of one turn of the loop go to Redis as one SUBSCRIBE, and a name whose
socket went away before it was sent is never subscribed (live/subscriptions.py)."""

import asyncio
import os
from collections.abc import AsyncIterator

import pytest
import redis

from live.layers import PipelinedPubSubLayer

GUARD = 5  # seconds: only a bound on a hang, never a measurement


@pytest.fixture
async def layer(redis_url: str) -> AsyncIterator[tuple[PipelinedPubSubLayer, str]]:
    prefix = f"subs{os.getpid()}."
    found = PipelinedPubSubLayer(hosts=[redis_url], prefix=prefix)
    yield found, prefix
    await found.flush()


def subscribed(redis_url: str, prefix: str) -> set[str]:
    return {name.decode() for name in redis.Redis.from_url(redis_url).pubsub_channels(f"{prefix}*")}


@pytest.fixture
def commands(monkeypatch) -> list[tuple[str, ...]]:
    """Every SUBSCRIBE the layer sends, with its names."""
    from redis.asyncio.client import PubSub

    sent: list[tuple[str, ...]] = []
    real = PubSub.subscribe

    async def subscribe(self, *names, **kwargs):
        sent.append(names)
        return await real(self, *names, **kwargs)

    monkeypatch.setattr(PubSub, "subscribe", subscribe)
    return sent


async def test_the_subscriptions_of_one_turn_are_one_command(layer, commands, redis_url):
    found, prefix = layer
    channels = await asyncio.gather(*(found.new_channel() for _ in range(10)))
    assert len(commands) == 1 and set(commands[0]) == set(channels)
    await asyncio.gather(*(found.group_add(f"g{i}", c) for i, c in enumerate(channels)))
    assert len(commands) == 2
    assert subscribed(redis_url, prefix) == set(channels) | {
        f"{prefix}__group__g{i}" for i in range(10)
    }
    # And a message reaches a group joined in a batch.
    await found.group_send("g3", {"type": "frame.relay", "text": "hi"})
    got = await asyncio.wait_for(found.receive(channels[3]), GUARD)
    assert got == {"type": "frame.relay", "text": "hi"}


async def test_a_group_discarded_before_its_batch_went_out_is_never_subscribed(
    layer, commands, redis_url
):
    found, prefix = layer
    kept, gone = await found.new_channel(), await found.new_channel()
    joins = [
        asyncio.ensure_future(found.group_add("kept", kept)),
        asyncio.ensure_future(found.group_add("gone", gone)),
    ]
    await asyncio.sleep(0)  # both joins asked for, not sent yet
    await found.group_discard("gone", gone)
    await asyncio.gather(*joins)
    names = subscribed(redis_url, prefix)
    assert f"{prefix}__group__kept" in names
    assert f"{prefix}__group__gone" not in names


async def test_a_handshake_cancelled_before_its_batch_went_out_leaves_nothing(layer, redis_url):
    found, prefix = layer
    opening = asyncio.ensure_future(found.new_channel())
    await asyncio.sleep(0)  # its SUBSCRIBE is waiting for the end of the turn
    opening.cancel()
    with pytest.raises(asyncio.CancelledError):
        await opening
    await asyncio.sleep(0.1)
    assert subscribed(redis_url, prefix) == set()


async def test_a_socket_joining_while_the_last_one_leaves_keeps_the_group(layer, redis_url):
    """A tab reloads, or the next tab takes the browser's socket over: the old socket's
    discard (the group's last member) waits for the shard's lock while the new socket
    joins. The group must stay subscribed for the new member."""
    found, prefix = layer
    old, new = await found.new_channel(), await found.new_channel()
    await found.group_add("alice", old)
    shard = found._get_layer()._get_shard(f"{prefix}__group__alice")
    async with shard._lock:  # busy with another command: the discard waits here
        leaving = asyncio.ensure_future(found.group_discard("alice", old))
        await asyncio.sleep(0)
        joining = asyncio.ensure_future(found.group_add("alice", new))
        await asyncio.sleep(0)
    await asyncio.wait_for(asyncio.gather(leaving, joining), GUARD)
    assert f"{prefix}__group__alice" in subscribed(redis_url, prefix)
    await found.group_send("alice", {"type": "frame.relay", "text": "after"})
    got = await asyncio.wait_for(found.receive(new), GUARD)
    assert got == {"type": "frame.relay", "text": "after"}


async def test_a_socket_joining_while_the_unsubscribe_is_in_flight_keeps_the_group(
    layer, redis_url, monkeypatch
):
    """The same, with the last member's UNSUBSCRIBE already on its way to Redis."""
    from redis.asyncio.client import PubSub

    found, prefix = layer
    old, new = await found.new_channel(), await found.new_channel()
    await found.group_add("alice", old)
    sent, proceed = asyncio.Event(), asyncio.Event()
    real = PubSub.unsubscribe

    async def unsubscribe(self, *names):
        sent.set()
        await proceed.wait()
        return await real(self, *names)

    monkeypatch.setattr(PubSub, "unsubscribe", unsubscribe)
    leaving = asyncio.ensure_future(found.group_discard("alice", old))
    await asyncio.wait_for(sent.wait(), GUARD)
    joining = asyncio.ensure_future(found.group_add("alice", new))
    await asyncio.sleep(0.05)
    proceed.set()
    await asyncio.wait_for(asyncio.gather(leaving, joining), GUARD)
    assert f"{prefix}__group__alice" in subscribed(redis_url, prefix)
    await found.group_send("alice", {"type": "frame.relay", "text": "after"})
    got = await asyncio.wait_for(found.receive(new), GUARD)
    assert got == {"type": "frame.relay", "text": "after"}
