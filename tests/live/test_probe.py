"""The layer watch's probe: through the layer and back, or False; its channel let go."""

import asyncio
import os
from collections.abc import AsyncIterator

import pytest

import live
from live.layers import LocalChannelLayer, PipelinedPubSubLayer
from live.probe import Probe

GUARD = 5  # seconds: only a bound on a hang, never a measurement


async def test_a_probe_goes_through_a_working_layer_on_one_channel():
    layer = LocalChannelLayer()
    probe = Probe(layer)
    assert await probe.check(within=GUARD)
    channel = probe._channel
    assert channel is not None and channel.startswith("watch.")
    assert await probe.check(within=GUARD)
    assert probe._channel == channel  # one channel for the watch run, not one per probe


class BrokenLayer(LocalChannelLayer):
    async def send(self, channel, message):
        raise ConnectionError("layer down")


async def test_a_failing_layer_fails_the_probe_and_its_channel_is_made_afresh():
    probe = Probe(BrokenLayer())
    assert not await probe.check(within=GUARD)
    assert probe._channel is None
    assert not probe.timed_out  # an error: the watch takes it as news whatever the loop


class Silent(LocalChannelLayer):
    async def receive(self, channel):
        await asyncio.Event().wait()  # pub/sub lost the message: nothing ever comes


async def test_a_probe_that_never_comes_back_is_a_failure():
    probe = Probe(Silent())
    assert not await probe.check(within=0.05)
    assert probe.timed_out


class Forgetting(LocalChannelLayer):
    forgotten: list[str]

    async def forget(self, channel, groups=()):
        self.forgotten.append(channel)


async def test_closing_forgets_the_probe_channel_once():
    layer = Forgetting()
    layer.forgotten = []
    probe = Probe(layer)
    assert await probe.check(within=GUARD)
    channel = probe._channel
    await probe.close()
    await probe.close()
    assert layer.forgotten == [channel]


async def test_recovery_reaches_every_socket_even_past_a_failing_one():
    layer = LocalChannelLayer(capacity=1)
    full, fine = await layer.new_channel(), await layer.new_channel()
    await layer.send(full, {"type": "x"})  # at capacity: its send raises ChannelFull
    await Probe(layer).tell_recovered([full, fine])
    assert await asyncio.wait_for(layer.receive(fine), GUARD) == {"type": live.LAYER_RECOVERED}


# --- through Redis: busy is not down, lost is ------------------------------------------


@pytest.fixture
async def redis_layer(redis_url: str) -> AsyncIterator[PipelinedPubSubLayer]:
    found = PipelinedPubSubLayer(hosts=[redis_url], prefix=f"probe{os.getpid()}.")
    yield found
    await found.flush()


async def test_a_probe_through_redis_knows_redis_delivered_it(redis_layer):
    probe = Probe(redis_layer)
    assert await probe.check(within=GUARD)
    assert probe.delivered == 1  # Redis's answer to the PUBLISH: one subscriber, ours


async def test_a_probe_stuck_behind_the_layers_own_queue_had_no_answer_from_redis(redis_layer):
    # A reconnect storm: thousands of SUBSCRIBEs and UNSUBSCRIBEs queue on the shard's
    # lock, the loop itself on time. The probe runs out of time before Redis has said
    # anything: no news about the layer (consumers/watch.py).
    probe = Probe(redis_layer)
    assert await probe.check(within=GUARD)
    shard = redis_layer._get_layer()._get_shard(probe._channel)
    async with shard._lock:
        assert not await probe.check(within=0.1)
    assert probe.timed_out and probe.delivered is None


async def test_a_probe_redis_has_no_subscriber_for_fails_at_once(redis_layer, redis_url):
    # Redis restarted and the subscription is gone: what is published now is lost.
    probe = Probe(redis_layer)
    assert await probe.check(within=GUARD)
    shard = redis_layer._get_layer()._get_shard(probe._channel)
    async with shard._lock:
        await shard._pubsub.unsubscribe(probe._channel)  # behind the layer's back
    assert not await probe.check(within=GUARD)
    assert probe.delivered == 0 and not probe.timed_out
