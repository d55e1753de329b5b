"""SUBSCRIBEs asked for in one turn of the event loop, sent to Redis as one command.

channels-redis sends one SUBSCRIBE per channel and per group, each behind its shard's
lock: two commands for every socket's handshake, each a few dozen µs of redis-py on the
event loop. A reconnect storm starts many handshakes in one turn of the loop; here their
subscriptions to a shard wait for the end of that turn and go out together, in one
command (Redis's SUBSCRIBE takes any number of channels), under the same lock and on the
same connection, so they are recorded in `_subscribed_to` exactly as channels-redis
records its own.

A name whose socket went away before its batch was sent is taken out of the batch
(`drop`): it is never subscribed, so nothing is left behind for a cancelled handshake.

`unsubscribe` is the way out: a group's last member leaving while another socket of the
same user joins (a reload, the next tab taking the browser's socket over) must not leave
the newcomer in a group Redis no longer sends it. channels-redis's own `unsubscribe`
checks nothing under its lock and records the name as unsubscribed only once Redis has
answered, so a join meanwhile saw the group still subscribed and sent nothing, then the
UNSUBSCRIBE went through: that socket got no pushes until it reconnected.
Reaches into channels-redis 4.3's shard objects, as `live.layers` does (pinned there).
"""

import asyncio
from collections.abc import Callable
from typing import Any


class _Batch:
    __slots__ = ("names", "sent", "task")

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.names: set[str] = set()
        self.sent = loop.create_future()
        self.task: asyncio.Future | None = None


async def subscribe(shard: Any, name: str) -> None:
    """Subscribe `shard` to `name` (no Redis work when it already is), with every other
    name asked for in this turn of the loop."""
    if name in shard._subscribed_to:
        return
    batch: _Batch | None = getattr(shard, "_batch", None)
    if batch is None:
        loop = asyncio.get_running_loop()
        batch = shard._batch = _Batch(loop)
        loop.call_soon(_send_later, shard, batch)
    batch.names.add(name)
    # Shielded: one handshake cancelled must not cancel the others' subscriptions.
    await asyncio.shield(batch.sent)


def drop(shard: Any, name: str) -> None:
    """`name` no longer wanted: out of the batch still waiting to be sent, if any."""
    batch: _Batch | None = getattr(shard, "_batch", None)
    if batch is not None:
        batch.names.discard(name)


async def unsubscribe(
    shard: Any, name: str, wanted: Callable[[], bool], *, unrecorded: bool = False
) -> None:
    """UNSUBSCRIBE `name` unless `wanted()` says a member joined while this waited for
    the shard's lock. The name is recorded as unsubscribed before Redis answers, so a
    join from then on sends its SUBSCRIBE, after this one under the same lock.

    `unrecorded`: also when it is not recorded as subscribed (a SUBSCRIBE cut short by a
    cancellation may have reached Redis without being recorded)."""
    async with shard._lock:
        if wanted() or not (unrecorded or name in shard._subscribed_to):
            return
        shard._subscribed_to.discard(name)
        if shard._pubsub is not None:
            await shard._pubsub.unsubscribe(name)


def _send_later(shard: Any, batch: _Batch) -> None:
    batch.task = asyncio.ensure_future(_send(shard, batch))


async def _send(shard: Any, batch: _Batch) -> None:
    try:
        async with shard._lock:
            # From here on the batch takes no more names (and `drop` cannot reach it):
            # a later subscribe starts a new batch, a later forget unsubscribes for real.
            if getattr(shard, "_batch", None) is batch:
                shard._batch = None
            names = [name for name in batch.names if name not in shard._subscribed_to]
            if names:
                shard._ensure_redis()
                shard._ensure_receiver()
                await shard._pubsub.subscribe(*names)
                shard._subscribed_to.update(names)
    except BaseException as exc:
        if getattr(shard, "_batch", None) is batch:
            shard._batch = None
        if not batch.sent.done():
            batch.sent.set_exception(exc)
            batch.sent.exception()  # retrieved: a batch nobody waits for any more is quiet
        if isinstance(exc, asyncio.CancelledError):
            raise
        return
    if not batch.sent.done():
        batch.sent.set_result(None)
