"""The live transport: the one door to the channel layer, at the ground floor.

It imports none of the project's apps and knows no `Message`. Here: group names, the
layer's message types, and the senders; `live/layers.py` holds the channel layer backends
CHANNEL_LAYERS names, `live/probe.py` the probe the layer watch (consumers/watch.py) sends.
The senders live in this package's own module, so `live.send_now` is one name whether a
caller or a test looks it up (a re-export would give a test two places to patch).

Every frame to users' open tabs goes through here ("live", to tell it from Web Push in
offline/webpush). A frame is any JSON-able dict (its builders live with the messages,
in notifications/frames.py); it is serialised once here, so each socket only relays a
ready string. Writers call `send_on_commit` / `signal_on_commit` inside their transaction
(they register the hook themselves: nothing unsaved is ever sent); the batching writer,
which sends a whole batch after its own commit, calls `send_many`.
"""

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import InMemoryChannelLayer, get_channel_layer
from django.conf import settings
from django.db import transaction

from live import metrics
from live.layers import LocalChannelLayer

logger = logging.getLogger(__name__)

# Every layer message type, here and nowhere else. The consumer handles each one in the
# method of the same name with the dot as an underscore (channels' convention).
# A ready frame: relayed to the client as-is.
RELAY = "frame.relay"
# Control events, never sent to clients: close the sockets of a logged-out session or a
# revoked token; re-check every socket's credential; rejoin and resync after an outage.
SESSION_ENDED = "session.ended"
TOKEN_REVOKED = "token.revoked"  # noqa: S105 - an event name
CREDENTIALS_CHANGED = "credentials.changed"
LAYER_RECOVERED = "layer.recovered"
# The layer watch's probe, sent to its own channel only (live/probe.py).
WATCH_PROBE = "watch.probe"
# A client frame POSTed for an event stream, to that stream's channel only, from whichever
# process took the POST (consumers/eventstream.py handles it as the socket does).
CLIENT_FRAME = "client.frame"


def user_group(user_id: int) -> str:
    return f"notifications.user.{user_id}"


def is_process_local() -> bool:
    """The layer lives in this process (no REDIS_URL): nothing sent leaves it, and nothing
    outside it can fail."""
    return isinstance(get_channel_layer(), LocalChannelLayer | InMemoryChannelLayer)


# One send: a frame for every socket of one user, (user id, frame). Writers return the
# sends their commit makes; the batching writer sends them in one round trip.
Send = tuple[int, dict[str, Any]]


def encode(frame: dict[str, Any]) -> str:
    return json.dumps(frame, separators=(",", ":"), ensure_ascii=False)


def send_on_commit(user_id: int, frame: dict[str, Any]) -> None:
    """Send `frame` to every socket of the user once the current transaction commits."""
    transaction.on_commit(partial(send_now, user_id, frame), robust=True)


# Frames per `send_many` call in a fan-out: each call has NOTIFICATIONS_SEND_TIMEOUT to
# itself, and 10,000 group_sends one Redis round trip each take longer than that.
FANOUT_SLICE = 500


def send_many_on_commit(sends: list[Send]) -> None:
    """Send many frames (each to every socket of its user) once the transaction commits:
    one hook for a whole fan-out, in slices, pipelined where the layer can (`send_many`)."""
    if sends:
        transaction.on_commit(partial(async_to_sync(_send_slices), sends), robust=True)


async def _send_slices(sends: list[Send]) -> None:
    # A slice that fails (timeout, Redis down) is logged by send_many; the rest still go,
    # and every message is saved for the recipients' next sync.
    for start in range(0, len(sends), FANOUT_SLICE):
        await send_many(sends[start : start + FANOUT_SLICE])


def signal_on_commit(user_id: int, event_type: str, **fields: Any) -> None:
    """Send a control event to every socket of the user once the transaction commits."""
    transaction.on_commit(partial(signal_now, user_id, {"type": event_type, **fields}), robust=True)


async def send_many(sends: list[Send]) -> bool:
    """Send frames now, each to every socket of its user: one round trip where the layer
    can pipeline (`group_send_many`, live/pubsub.py). Never raises; False when the layer
    failed."""
    if not sends:
        return True
    messages = [(user_group(user_id), _relay(frame)) for user_id, frame in sends]
    try:
        await _within_send_timeout(lambda layer: _group_send_all(layer, messages))
    except Exception:
        logger.warning("sending %d frames to the layer failed", len(messages), exc_info=True)
        metrics.sends_failed(len(messages))
        return False
    return True


async def _group_send_all(layer: Any, messages: list[tuple[str, dict[str, Any]]]) -> None:
    many = getattr(layer, "group_send_many", None)
    if many is not None:
        await many(messages)
    else:
        for group, message in messages:
            await layer.group_send(group, message)


def send_now(user_id: int, frame: dict[str, Any]) -> bool:
    """Send a frame to every socket of the user now: the hook `send_on_commit` registers."""
    return _send_now(user_id, _relay(frame))


def signal_now(user_id: int, event: dict[str, Any]) -> bool:
    """Send a control event now: the hook `signal_on_commit` registers."""
    return _send_now(user_id, event)


def _relay(frame: dict[str, Any]) -> dict[str, Any]:
    return {"type": RELAY, "text": encode(frame)}


def _send_now(user_id: int, message: dict[str, Any]) -> bool:
    # Runs in a worker thread (an on_commit hook): never raises; the message is saved,
    # and clients recover it on their next sync.
    group = user_group(user_id)
    try:
        async_to_sync(_within_send_timeout)(lambda layer: layer.group_send(group, message))
    except Exception:
        logger.warning("sending %s to user %s failed", message["type"], user_id, exc_info=True)
        metrics.sends_failed()
        return False
    return True


async def _within_send_timeout(send: Callable[[Any], Awaitable[None]]) -> None:
    """`send(layer)` on the event loop, given up after NOTIFICATIONS_SEND_TIMEOUT: a layer
    that hangs (Redis unreachable) must hold neither the writer nor a thread waiting for
    it. A timeout scope, not `wait_for`: no task of its own per send on the hot path."""
    async with asyncio.timeout(settings.NOTIFICATIONS_SEND_TIMEOUT):
        await send(get_channel_layer())


def pass_client_frame(channel: str, text: str) -> bool:
    """Hand a client frame to the event stream listening on `channel` (any process).

    Never raises; False when the layer failed (the client sends it again later)."""
    message = {"type": CLIENT_FRAME, "text": text}
    try:
        async_to_sync(_within_send_timeout)(lambda layer: layer.send(channel, message))
    except Exception:
        logger.warning("passing a client frame to %s failed", channel, exc_info=True)
        return False
    return True
