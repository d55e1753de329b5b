"""Channel layers: a lean in-process one, and the Redis pub/sub one with batched sends.

`LocalChannelLayer` is the embedded default (`make run`, the fast tests). Channels'
`InMemoryChannelLayer` walks every channel on each receive and deep-copies every send,
about 430 µs per frame at 1,000 sockets; this one does a dict lookup and a queue put.

Messages are shared, not copied: every member of a group receives the same dict. A
consumer must not mutate a message it receives; payloads are JSON types (see STYLE.md),
which is also what keeps them valid on the Redis layer, where they are serialised.
"""

import asyncio
import logging
import time
import uuid
from typing import Any

from channels.exceptions import ChannelFull
from channels.layers import BaseChannelLayer

logger = logging.getLogger(__name__)

Message = dict[str, Any]


class _Channel:
    """One channel's queue, the loop its receiver runs in, and the groups it is in."""

    __slots__ = ("groups", "loop", "queue", "receivers", "touched")

    def __init__(self, capacity: int, loop: asyncio.AbstractEventLoop) -> None:
        self.queue: asyncio.Queue[Message] = asyncio.Queue(maxsize=capacity)
        self.loop = loop
        self.groups: set[str] = set()
        self.receivers = 0
        self.touched = time.monotonic()


class LocalChannelLayer(BaseChannelLayer):
    """An in-process channel layer: one bounded queue per channel, groups as sets.

    Channels are created on demand and removed once they are in no group, hold nothing
    and have no receiver waiting: a consumer's channel goes when its socket closes
    (channels discards the groups, then cancels the pending receive).

    A channel belongs to the event loop that created it (`new_channel`, in the consumer's
    loop). A send from another loop (`async_to_sync` in a worker thread runs its own) is
    handed to that loop with `call_soon_threadsafe`, as `asyncio.Queue` is not
    thread-safe; from there, a full channel drops the message as `group_send` does, so a
    cross-loop `send` raises `ChannelFull` only when the channel is already seen full.

    Expiry is per channel, not per message: at most once per `expiry` seconds, channels of
    the current loop with no receiver for `expiry` seconds that either hold messages
    nobody took or are in no group are dropped, with their memberships; so are channels
    of closed loops. `group_expiry` (InMemoryChannelLayer's) is accepted and ignored:
    memberships end by `group_discard` (channels calls it on disconnect) or with their
    channel.
    """

    extensions = ["groups", "flush"]

    def __init__(
        self,
        expiry: int = 60,
        capacity: int = 100,
        channel_capacity: dict[Any, int] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(expiry=expiry, capacity=capacity, channel_capacity=channel_capacity)
        # BaseChannelLayer keeps the raw dict, which get_capacity cannot iterate as pairs.
        self.channel_capacity = self.compile_capacities(channel_capacity or {})
        self.channels: dict[str, _Channel] = {}
        self.groups: dict[str, set[str]] = {}
        self._next_sweep = time.monotonic() + expiry

    # --- channels ----------------------------------------------------------------
    async def new_channel(self, prefix: str = "specific.") -> str:
        """A new process-local channel name, bound to the calling loop."""
        name = f"{prefix}local!{uuid.uuid4().hex}"
        self._channel(name)
        self._maybe_sweep()
        return name

    async def send(self, channel: str, message: Message) -> None:
        """Queue `message` on `channel`; raises ChannelFull when it is at capacity."""
        assert isinstance(message, dict), "message is not a dict"
        self.require_valid_channel_name(channel)
        assert "__asgi_channel__" not in message
        target = self._channel(channel)
        loop = asyncio.get_running_loop()
        if target.loop is loop:
            try:
                target.queue.put_nowait(message)
            except asyncio.QueueFull:
                raise ChannelFull(channel) from None
        else:
            if target.queue.full():
                raise ChannelFull(channel)
            self._hand_off(target.loop, [(channel, message, True)])
        self._maybe_sweep()

    async def receive(self, channel: str) -> Message:
        """The next message on `channel`, waiting for one."""
        self.require_valid_channel_name(channel)
        target = self._channel(channel)
        loop = asyncio.get_running_loop()
        if target.loop is not loop:
            target = self._rebind(channel, target, loop)
        target.receivers += 1
        try:
            return await target.queue.get()
        finally:
            target.receivers -= 1
            target.touched = time.monotonic()
            # A cancelled receive is how channels ends a consumer: drop its channel then.
            self._discard_if_unused(channel, target)

    # --- groups ------------------------------------------------------------------
    async def group_add(self, group: str, channel: str) -> None:
        self.require_valid_group_name(group)
        self.require_valid_channel_name(channel)
        target = self._channel(channel)
        target.groups.add(group)
        self.groups.setdefault(group, set()).add(channel)

    async def group_discard(self, group: str, channel: str) -> None:
        self.require_valid_group_name(group)
        self.require_valid_channel_name(channel)
        members = self.groups.get(group)
        if members is not None:
            members.discard(channel)
            if not members:
                del self.groups[group]
        target = self.channels.get(channel)
        if target is not None:
            target.groups.discard(group)
            self._discard_if_unused(channel, target)

    async def group_send(self, group: str, message: Message) -> None:
        """Queue `message` on every channel of `group`; a full channel misses it."""
        assert isinstance(message, dict), "message is not a dict"
        self.require_valid_group_name(group)
        self._fan_out([(group, message)])

    async def group_send_many(self, messages: list[tuple[str, Message]]) -> None:
        """group_send for each (group, message), in order."""
        for group, message in messages:
            assert isinstance(message, dict), "message is not a dict"
            self.require_valid_group_name(group)
        self._fan_out(messages)

    # --- flush -------------------------------------------------------------------
    async def flush(self) -> None:
        self.channels = {}
        self.groups = {}

    async def close(self) -> None:
        pass  # nothing held outside this process

    # --- internals ---------------------------------------------------------------
    def _channel(self, name: str) -> _Channel:
        target = self.channels.get(name)
        if target is None:
            target = _Channel(self.get_capacity(name), asyncio.get_running_loop())
            # setdefault: a foreign thread may have created it meanwhile.
            target = self.channels.setdefault(name, target)
        return target

    def _fan_out(self, messages: list[tuple[str, Message]]) -> None:
        loop = asyncio.get_running_loop()
        foreign: dict[asyncio.AbstractEventLoop, list[tuple[str, Message, bool]]] = {}
        for group, message in messages:
            # tuple(): another thread may add or discard members while we iterate.
            for name in tuple(self.groups.get(group, ())):
                target = self.channels.get(name)
                if target is None:
                    continue
                if target.loop is loop:
                    try:
                        target.queue.put_nowait(message)
                    except asyncio.QueueFull:
                        logger.debug("channel %s is full; group message dropped", name)
                else:
                    foreign.setdefault(target.loop, []).append((name, message, False))
        for target_loop, items in foreign.items():
            self._hand_off(target_loop, items)
        self._maybe_sweep()

    def _hand_off(
        self, loop: asyncio.AbstractEventLoop, items: list[tuple[str, Message, bool]]
    ) -> None:
        """Deliver (channel, message, create) items in their channels' loop, in one wake-up."""
        try:
            loop.call_soon_threadsafe(self._put_all, items)
        except RuntimeError:  # that loop is closed: its consumers are gone
            for name, _, _ in items:
                target = self.channels.get(name)
                if target is not None and target.loop is loop:
                    self._remove(name, target)

    def _put_all(self, items: list[tuple[str, Message, bool]]) -> None:
        for name, message, create in items:
            # Looked up again here: the channel may have gone, or been recreated, meanwhile.
            # A direct send creates it, as a same-loop send would; a group send does not.
            target = self._channel(name) if create else self.channels.get(name)
            if target is None:
                continue
            try:
                target.queue.put_nowait(message)
            except asyncio.QueueFull:
                logger.debug("channel %s is full; message from another loop dropped", name)

    def _rebind(self, name: str, target: _Channel, loop: asyncio.AbstractEventLoop) -> _Channel:
        """A receive from another loop than the channel's (one created by a foreign send)."""
        if target.receivers and not target.loop.is_closed():
            raise RuntimeError(f"channel {name} is being received on in another event loop")
        moved = _Channel(target.queue.maxsize, loop)
        moved.groups = target.groups
        while not target.queue.empty():
            moved.queue.put_nowait(target.queue.get_nowait())
        self.channels[name] = moved
        return moved

    def _discard_if_unused(self, name: str, target: _Channel) -> None:
        if not target.groups and not target.receivers and target.queue.empty():
            self._remove(name, target)

    def _remove(self, name: str, target: _Channel) -> None:
        if self.channels.get(name) is target:
            del self.channels[name]
        for group in target.groups:
            members = self.groups.get(group)
            if members is not None:
                members.discard(name)
                if not members:
                    self.groups.pop(group, None)
        target.groups = set()

    def _maybe_sweep(self) -> None:
        now = time.monotonic()
        if now < self._next_sweep:
            return
        self._next_sweep = now + self.expiry
        loop = asyncio.get_running_loop()
        stale = now - self.expiry
        for name, target in list(self.channels.items()):
            if target.loop.is_closed():
                self._remove(name, target)
            elif (
                target.loop is loop
                and not target.receivers
                and target.touched < stale
                and (not target.groups or not target.queue.empty())
            ):
                logger.info("channel %s expired: nobody received for %ss", name, self.expiry)
                self._remove(name, target)


# The Redis layer, where it always was for settings and imports (CHANNEL_LAYERS names it).
from live.pubsub import PipelinedPubSubLayer  # noqa: E402

__all__ = ["LocalChannelLayer", "PipelinedPubSubLayer"]
