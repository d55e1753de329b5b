"""The channel layers of live.layers: Channels' layer API, on both backends."""

import asyncio
import json
import os
from collections.abc import AsyncIterator

import pytest
from asgiref.sync import async_to_sync
from channels.exceptions import ChannelFull
from channels.generic.websocket import AsyncWebsocketConsumer
from channels.layers import channel_layers
from channels.testing import WebsocketCommunicator
from channels_redis.pubsub import RedisPubSubChannelLayer
from django.utils.module_loading import import_string

from live import layers
from live.layers import LocalChannelLayer, PipelinedPubSubLayer

GUARD = 5  # seconds: only a bound on a hang, never a measurement


async def next_message(layer, channel: str) -> dict:
    return await asyncio.wait_for(layer.receive(channel), GUARD)


def redis_layer(url: str, cls=PipelinedPubSubLayer):
    # Its own prefix: pub/sub channels are global to the Redis server.
    return cls(hosts=[url], prefix=f"h_layer{os.getpid()}.")


@pytest.fixture(params=["local", "redis"])
async def any_layer(request: pytest.FixtureRequest) -> AsyncIterator:
    if request.param == "local":
        yield LocalChannelLayer()
    else:
        layer = redis_layer(request.getfixturevalue("redis_url"))
        yield layer
        await layer.flush()  # closes its connections in this test's loop


# --- both layers ---------------------------------------------------------------------
async def test_send_then_receive(any_layer):
    channel = await any_layer.new_channel()
    await any_layer.send(channel, {"type": "hello", "n": 1})
    assert await next_message(any_layer, channel) == {"type": "hello", "n": 1}


async def test_group_send_reaches_every_member_and_only_members(any_layer):
    first, second, outsider = [await any_layer.new_channel() for _ in range(3)]
    await any_layer.group_add("g1", first)
    await any_layer.group_add("g1", second)
    await any_layer.group_add("g2", outsider)
    await any_layer.group_send("g1", {"type": "news"})
    await any_layer.send(outsider, {"type": "marker"})
    assert await next_message(any_layer, first) == {"type": "news"}
    assert await next_message(any_layer, second) == {"type": "news"}
    # Sent after the group message: had the outsider got "news", it would come first.
    assert await next_message(any_layer, outsider) == {"type": "marker"}


async def test_a_discarded_channel_gets_no_more_group_messages(any_layer):
    stays, leaves = [await any_layer.new_channel() for _ in range(2)]
    for channel in (stays, leaves):
        await any_layer.group_add("g", channel)
    await any_layer.group_discard("g", leaves)
    await any_layer.group_discard("g", "never.joined")  # a no-op, not an error
    await any_layer.group_send("g", {"type": "after"})
    await any_layer.send(leaves, {"type": "marker"})
    assert await next_message(any_layer, stays) == {"type": "after"}
    assert await next_message(any_layer, leaves) == {"type": "marker"}


async def test_group_send_many_delivers_every_message_to_every_member_in_order(any_layer):
    a1, a2, b1 = [await any_layer.new_channel() for _ in range(3)]
    await any_layer.group_add("a", a1)
    await any_layer.group_add("a", a2)
    await any_layer.group_add("b", b1)
    batch = [(g, {"type": "frame.relay", "text": f"{g}{i}"}) for i in range(50) for g in "ab"]
    await any_layer.group_send_many(batch)
    for channel, group in ((a1, "a"), (a2, "a"), (b1, "b")):
        got = [(await next_message(any_layer, channel))["text"] for _ in range(50)]
        assert got == [f"{group}{i}" for i in range(50)]


async def test_group_send_from_a_worker_threads_own_loop_reaches_the_receiver(any_layer):
    """async_to_sync in a plain thread runs group_send in a new event loop of its own."""
    # Debug mode makes the loop refuse a wake-up from another thread without call_soon_threadsafe.
    asyncio.get_running_loop().set_debug(True)
    channel = await any_layer.new_channel()
    await any_layer.group_add("g", channel)
    waiting = asyncio.ensure_future(any_layer.receive(channel))
    await asyncio.sleep(0)  # the receiver is parked on its queue

    def from_thread() -> None:
        async_to_sync(any_layer.group_send)("g", {"type": "from.thread"})
        async_to_sync(any_layer.group_send_many)([("g", {"type": "many.from.thread"})])

    await asyncio.to_thread(from_thread)
    assert await asyncio.wait_for(waiting, GUARD) == {"type": "from.thread"}
    assert await next_message(any_layer, channel) == {"type": "many.from.thread"}


async def test_the_layer_works_as_new_after_a_flush(any_layer):
    await any_layer.group_add("g", await any_layer.new_channel())
    await any_layer.flush()
    after = await any_layer.new_channel()
    await any_layer.group_add("g", after)
    await any_layer.group_send("g", {"type": "post.flush"})
    assert await next_message(any_layer, after) == {"type": "post.flush"}


# --- the local layer -----------------------------------------------------------------
async def test_capacity_raises_channel_full_on_send_and_drops_on_group_send():
    layer = LocalChannelLayer(capacity=2, channel_capacity={"small.*": 1})
    channel = await layer.new_channel()
    await layer.group_add("g", channel)
    await layer.send(channel, {"n": 1})
    await layer.group_send("g", {"n": 2})
    with pytest.raises(ChannelFull):
        await layer.send(channel, {"n": 3})
    await layer.group_send("g", {"n": 4})  # dropped for this member, no error
    assert [await next_message(layer, channel) for _ in range(2)] == [{"n": 1}, {"n": 2}]
    await layer.send("small.one", {"n": 5})
    with pytest.raises(ChannelFull):
        await layer.send("small.one", {"n": 6})


async def test_a_full_channel_in_another_loop_raises_channel_full_there_too():
    layer = LocalChannelLayer(capacity=1)
    channel = await layer.new_channel()
    await layer.send(channel, {"n": 1})
    with pytest.raises(ChannelFull):
        await asyncio.to_thread(async_to_sync(layer.send), channel, {"n": 2})


async def test_flush_forgets_channels_groups_and_queued_messages():
    layer = LocalChannelLayer()
    channel = await layer.new_channel()
    await layer.group_add("g", channel)
    await layer.send(channel, {"type": "before.flush"})
    await layer.flush()
    assert layer.channels == {}
    assert layer.groups == {}
    await layer.group_send("g", {"type": "to.nobody"})
    await layer.send(channel, {"type": "marker"})
    assert await next_message(layer, channel) == {"type": "marker"}


async def test_a_direct_send_from_another_loop_reaches_the_receiver():
    asyncio.get_running_loop().set_debug(True)  # as above
    layer = LocalChannelLayer()
    channel = await layer.new_channel()
    waiting = asyncio.ensure_future(layer.receive(channel))
    await asyncio.sleep(0)
    assert layer.channels[channel].receivers == 1
    await asyncio.to_thread(async_to_sync(layer.send), channel, {"type": "direct"})
    assert await asyncio.wait_for(waiting, GUARD) == {"type": "direct"}


@pytest.mark.parametrize(
    ("method", "args"),
    [
        ("send", ("bad name!", {})),
        ("send", ("x" * 100, {})),
        ("receive", ("spaces are bad",)),
        ("group_add", ("bad group!", "ok")),
        ("group_add", ("ok", "bad channel?")),
        ("group_discard", ("bad/group", "ok")),
        ("group_send", ("bad group", {})),
        ("group_send_many", ([("ok", {}), ("bad group", {})],)),
    ],
)
async def test_invalid_names_are_refused(method, args):
    layer = LocalChannelLayer()
    with pytest.raises(TypeError):
        await getattr(layer, method)(*args)


async def test_a_message_is_shared_not_copied():
    """Documented: the layer does not deep-copy, so receivers must not mutate messages."""
    layer = LocalChannelLayer()
    channels = [await layer.new_channel() for _ in range(2)]
    for channel in channels:
        await layer.group_add("g", channel)
    message = {"type": "frame.relay", "text": "{}"}
    await layer.group_send("g", message)
    assert all([await next_message(layer, c) is message for c in channels])


async def test_a_channel_is_removed_once_discarded_from_its_groups_and_its_receive_ends():
    layer = LocalChannelLayer()
    channel = await layer.new_channel()
    await layer.group_add("g", channel)
    await layer.group_add("h", channel)
    receiving = asyncio.ensure_future(layer.receive(channel))
    await asyncio.sleep(0)
    await layer.group_discard("g", channel)
    await layer.group_discard("h", channel)
    assert channel in layer.channels  # its consumer is still waiting on it
    receiving.cancel()
    with pytest.raises(asyncio.CancelledError):
        await receiving
    assert layer.channels == {}
    assert layer.groups == {}


class GroupConsumer(AsyncWebsocketConsumer):
    groups = ["room"]

    async def room_message(self, event: dict) -> None:
        await self.send(text_data=event["text"])


# Channels' stock consumer closes old database connections before each handler: where an
# earlier test left this worker's executor thread a connection, that is database access.
@pytest.mark.django_db
async def test_a_closed_socket_leaves_nothing_behind_in_the_layer(settings):
    """Through channels' own consumer lifecycle: group_discard, then a cancelled receive."""
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "live.layers.LocalChannelLayer"}}
    channel_layers.backends.clear()
    try:
        layer = channel_layers["default"]
        sockets = [WebsocketCommunicator(GroupConsumer.as_asgi(), "/") for _ in range(3)]
        for socket in sockets:
            assert (await socket.connect(timeout=GUARD))[0]
        assert len(layer.channels) == 3
        await layer.group_send("room", {"type": "room.message", "text": "hi"})
        for socket in sockets:
            assert await socket.receive_from(timeout=GUARD) == "hi"
        for socket in sockets:
            await socket.disconnect(timeout=GUARD)
        assert layer.channels == {}
        assert layer.groups == {}
    finally:
        channel_layers.backends.clear()


async def test_unreceived_channels_expire_with_their_memberships(monkeypatch):
    """A channel nobody receives on (a consumer that died without discarding) is swept."""
    now = [1000.0]
    monkeypatch.setattr(layers.time, "monotonic", lambda: now[0])
    layer = LocalChannelLayer(expiry=60)
    dead, alive = [await layer.new_channel() for _ in range(2)]
    await layer.group_add("g", dead)
    await layer.group_add("g", alive)
    receiving = asyncio.ensure_future(layer.receive(alive))
    await asyncio.sleep(0)
    await layer.group_send("g", {"n": 1})
    assert await receiving == {"n": 1}
    receiving = asyncio.ensure_future(layer.receive(alive))
    await asyncio.sleep(0)
    now[0] += 61
    await layer.group_send("g", {"n": 2})  # the first call past expiry sweeps
    assert dead not in layer.channels
    assert layer.groups == {"g": {alive}}
    assert await receiving == {"n": 2}


async def test_a_channel_of_a_closed_loop_is_dropped_on_the_next_group_send():
    """A layer outliving an event loop (a test's, a thread's) must not keep its channels."""
    layer = LocalChannelLayer()

    async def join() -> None:
        await layer.group_add("g", await layer.new_channel())

    await asyncio.to_thread(asyncio.run, join())
    here = await layer.new_channel()
    await layer.group_add("g", here)
    await layer.group_send("g", {"n": 1})
    assert set(layer.channels) == {here}
    assert await next_message(layer, here) == {"n": 1}


# --- the pub/sub layer ---------------------------------------------------------------
async def test_group_send_many_is_received_by_a_plain_pubsub_layer_as_group_send_is(redis_url):
    sender = redis_layer(redis_url)
    receiver = redis_layer(redis_url, RedisPubSubChannelLayer)
    try:
        channel = await receiver.new_channel()
        await receiver.group_add("g", channel)
        payload = {"type": "frame.relay", "text": json.dumps({"type": "new", "id": 7})}
        await sender.group_send("g", payload)
        await sender.group_send_many([("g", payload), ("other", payload), ("g", {"n": 2})])
        got = [await next_message(receiver, channel) for _ in range(3)]
        assert got == [payload, payload, {"n": 2}]
    finally:
        await sender.flush()
        await receiver.flush()


async def test_group_send_many_publishes_nothing_when_one_message_cannot_be_serialised(
    redis_url,
):
    layer = redis_layer(redis_url)
    try:
        channel = await layer.new_channel()
        await layer.group_add("g", channel)
        with pytest.raises(TypeError):
            await layer.group_send_many([("g", {"n": 1}), ("g", {"bad": object()})])
        await layer.send(channel, {"type": "marker"})
        assert await next_message(layer, channel) == {"type": "marker"}
    finally:
        await layer.flush()


async def test_group_send_many_of_nothing_is_a_no_op(any_layer):
    await any_layer.group_send_many([])


def test_the_old_dotted_path_still_names_the_layers(settings):
    """Deployments may still name notifications.layers.* in CHANNEL_LAYERS: the alias holds."""
    assert import_string("notifications.layers.PipelinedPubSubLayer") is PipelinedPubSubLayer
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "notifications.layers.LocalChannelLayer"}}
    channel_layers.backends.clear()
    try:
        assert type(channel_layers["default"]) is LocalChannelLayer
    finally:
        channel_layers.backends.clear()
