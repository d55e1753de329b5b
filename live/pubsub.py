"""The Redis layer: channels-redis's pub/sub layer, with batched sends and batched
subscriptions, leaving nothing subscribed behind a cancelled handshake."""

import asyncio
import uuid
from collections import defaultdict
from typing import Any

from channels_redis.pubsub import RedisPubSubChannelLayer

from live import subscriptions

Message = dict[str, Any]


class PipelinedPubSubLayer(RedisPubSubChannelLayer):
    """channels-redis's pub/sub layer, plus `group_send_many`: one round trip per shard.

    Reaches into channels-redis 4.3's shard objects (`_lock`, `_ensure_redis`, `_redis`),
    which is why that version is pinned: the publishes go through the same per-shard lock
    and connection pool as `group_send`, and each is an ordinary PUBLISH of the same
    serialised message, so consumers receive them exactly as they receive group_send's.
    """

    async def new_channel(self, prefix: str = "specific.") -> str:
        """channels-redis's new_channel, its SUBSCRIBE sent with the others of this turn
        of the loop (live/subscriptions.py); a handshake cancelled while it waits for the
        shard's lock or for Redis leaves no subscription behind (channels-redis's does)."""
        layer = self._get_layer()
        channel = f"{layer.prefix}{prefix}{uuid.uuid4().hex}"
        layer.channels[channel] = asyncio.Queue()
        try:
            await subscriptions.subscribe(layer._get_shard(channel), channel)
        except BaseException:
            await asyncio.shield(self.forget(channel))
            raise
        return channel

    async def group_add(self, group: str, channel: str) -> None:
        """channels-redis's group_add, its SUBSCRIBE sent with the others of this turn of
        the loop (live/subscriptions.py)."""
        layer = self._get_layer()
        if channel not in layer.channels:
            raise RuntimeError("group_add() needs a channel of this process (new_channel)")
        name = layer._get_group_channel_name(group)
        layer.groups.setdefault(name, set()).add(channel)
        await subscriptions.subscribe(layer._get_shard(name), name)

    async def group_discard(self, group: str, channel: str) -> None:
        """channels-redis's group_discard, also taking the group out of a SUBSCRIBE not
        sent yet (live/subscriptions.py), which would otherwise outlive its last member."""
        layer = self._get_layer()
        name = layer._get_group_channel_name(group)
        members = layer.groups.get(name, set())
        if channel not in members:
            return
        members.remove(channel)
        if not members:
            del layer.groups[name]
            shard = layer._get_shard(name)
            subscriptions.drop(shard, name)
            await subscriptions.unsubscribe(shard, name, lambda: name in layer.groups)

    async def forget(self, channel: str, groups: tuple[str, ...] = ()) -> None:
        """Drop `channel` and its memberships of `groups` for good, with their Redis
        subscriptions: also one whose SUBSCRIBE a cancellation cut short, which
        channels-redis never records and so never unsubscribes. No Redis work for a
        channel already gone (the usual close) and no group."""
        layer = self._get_layer()
        known = layer.channels.pop(channel, None) is not None
        # channels-redis's own cleanup (in receive) may have dropped the channel from its
        # map and then been cancelled before its UNSUBSCRIBE: still subscribed, so go on.
        shard = layer._get_shard(channel)
        if known or channel in shard._subscribed_to:
            subscriptions.drop(shard, channel)  # not sent yet: it never will be
            await subscriptions.unsubscribe(shard, channel, lambda: False, unrecorded=True)
        for group in groups:
            name = layer._get_group_channel_name(group)
            members = layer.groups.get(name, set())
            members.discard(channel)
            if not members:
                layer.groups.pop(name, None)
                shard = layer._get_shard(name)
                subscriptions.drop(shard, name)
                # Another socket may join the group meanwhile: then it stays subscribed.
                await subscriptions.unsubscribe(
                    shard, name, lambda n=name: n in layer.groups, unrecorded=True
                )

    async def send_counted(self, channel: str, message: Message) -> int:
        """channels-redis's send, with Redis's answer to the PUBLISH: how many connections
        it delivered the message to (0: nobody is subscribed, so it is lost)."""
        layer = self._get_layer()
        shard = layer._get_shard(channel)
        data = self.serialize(message)
        async with shard._lock:
            shard._ensure_redis()
            return int(await shard._redis.publish(channel, data))

    async def group_send_many(self, messages: list[tuple[str, Message]]) -> None:
        """group_send for each (group, message); a group's messages arrive in order.

        Everything is serialised before anything is sent, so a message the serialiser
        refuses fails the call with nothing published.
        """
        if not messages:
            return
        layer = self._get_layer()
        by_shard: dict[Any, list[tuple[str, bytes]]] = defaultdict(list)
        for group, message in messages:
            assert isinstance(message, dict), "message is not a dict"
            channel = layer._get_group_channel_name(group)
            by_shard[layer._get_shard(channel)].append((channel, self.serialize(message)))
        await asyncio.gather(*(_publish_all(shard, items) for shard, items in by_shard.items()))


async def _publish_all(shard: Any, items: list[tuple[str, bytes]]) -> None:
    async with shard._lock:
        shard._ensure_redis()
        pipe = shard._redis.pipeline(transaction=False)
        for channel, data in items:
            pipe.publish(channel, data)
        await pipe.execute()
