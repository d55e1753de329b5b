"""The live path: group names, frames, and the one sender to the channel layer.

Every frame to users' open tabs goes through this module, and this module is the only one
that talks to the channel layer ("live", to tell it from Web Push in notifications/webpush).
Frames are serialised once here, so each socket only relays a ready string. Writers call
`send_on_commit` / `signal_on_commit` inside their transaction (they register the hook
themselves: nothing unsaved is ever sent); the batching writer, which sends a whole batch
after its own commit, calls `send_many`.
"""

import asyncio
import json
import logging
from functools import partial
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.db import transaction

from notifications import metrics

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
# The layer watch's probe, sent to its own channel only (consumers/watch.py).
WATCH_PROBE = "watch.probe"
# A client frame POSTed for an event stream, to that stream's channel only, from whichever
# process took the POST (consumers/eventstream.py handles it as the socket does).
CLIENT_FRAME = "client.frame"


def user_group(user_id: int) -> str:
    return f"notifications.user.{user_id}"


def encode(frame: dict[str, Any]) -> str:
    return json.dumps(frame, separators=(",", ":"), ensure_ascii=False)


def notification_frame(
    message: dict[str, Any], unread_count: int, *, toast: bool = True
) -> dict[str, Any]:
    """A new or changed message (`Message.to_payload()`), with the user's unread total.

    `toast: false` (only ever sent as false) tells clients to add it to the inbox quietly:
    the user's preferences hold toasts for this level, or do-not-disturb is on.
    """
    frame = {"type": "notification", "message": message, "unread_count": unread_count}
    if not toast:
        frame["toast"] = False
    return frame


def read_frame(ids: list[int], unread_count: int) -> dict[str, Any]:
    return {"type": "read", "ids": sorted(ids), "unread_count": unread_count}


def archived_frame(ids: list[int], unread_count: int) -> dict[str, Any]:
    """Messages hidden from the default inbox (kept); they no longer count as unread."""
    return {"type": "archived", "ids": sorted(ids), "unread_count": unread_count}


def unarchived_frame(ids: list[int], unread_count: int) -> dict[str, Any]:
    """Messages back in the default inbox (the unread ones also come as `notification`)."""
    return {"type": "unarchived", "ids": sorted(ids), "unread_count": unread_count}


def snoozed_frame(ids: list[int], until: str, unread_count: int) -> dict[str, Any]:
    """Messages away until `until` (ISO time); back as `notification` frames when it comes."""
    return {"type": "snoozed", "ids": sorted(ids), "until": until, "unread_count": unread_count}


def deleted_frame(ids: list[int], unread_count: int) -> dict[str, Any]:
    """Messages gone for good."""
    return {"type": "deleted", "ids": sorted(ids), "unread_count": unread_count}


def muted_frame(group: str, muted: bool) -> dict[str, Any]:
    """The user muted (or unmuted) thread `group`: its toasts go, its rows say so."""
    return {"type": "muted", "group": group, "muted": muted}


def interacted_frame(message_id: int, action: int, unread_count: int) -> dict[str, Any]:
    """The user clicked action number `action` (0 or 1) of a message; it is read now."""
    return {"type": "interacted", "id": message_id, "action": action, "unread_count": unread_count}


def send_on_commit(user_id: int, frame: dict[str, Any]) -> None:
    """Send `frame` to every socket of the user once the current transaction commits."""
    transaction.on_commit(partial(send_now, user_id, frame), robust=True)


# Frames per `send_many` call in a fan-out: each call has NOTIFICATIONS_SEND_TIMEOUT to
# itself, and 10,000 group_sends one Redis round trip each take longer than that.
FANOUT_SLICE = 500


def send_many_on_commit(sends: list[tuple[int, dict[str, Any]]]) -> None:
    """Send many frames (each to every socket of its user) once the transaction commits:
    one hook for a whole fan-out, in slices, pipelined where the layer can (`send_many`)."""
    if sends:
        transaction.on_commit(partial(async_to_sync(_send_slices), sends), robust=True)


async def _send_slices(sends: list[tuple[int, dict[str, Any]]]) -> None:
    # A slice that fails (timeout, Redis down) is logged by send_many; the rest still go,
    # and every message is saved for the recipients' next sync.
    for start in range(0, len(sends), FANOUT_SLICE):
        await send_many(sends[start : start + FANOUT_SLICE])


def signal_on_commit(user_id: int, event_type: str, **fields: Any) -> None:
    """Send a control event to every socket of the user once the transaction commits."""
    transaction.on_commit(partial(signal_now, user_id, {"type": event_type, **fields}), robust=True)


async def send_many(sends: list[tuple[int, dict[str, Any]]]) -> bool:
    """Send frames now, each to every socket of its user: one round trip where the layer
    can pipeline (notifications.layers). Never raises; False when the layer failed."""
    if not sends:
        return True
    messages = [(user_group(user_id), _relay(frame)) for user_id, frame in sends]
    layer = get_channel_layer()
    many = getattr(layer, "group_send_many", None)
    try:
        async with asyncio.timeout(settings.NOTIFICATIONS_SEND_TIMEOUT):
            if many is not None:
                await many(messages)
            else:
                for group, message in messages:
                    await layer.group_send(group, message)
    except Exception:
        logger.warning("sending %d frames to the layer failed", len(messages), exc_info=True)
        metrics.sends_failed(len(messages))
        return False
    return True


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
    try:
        async_to_sync(_group_send)(user_group(user_id), message)
    except Exception:
        logger.warning("sending %s to user %s failed", message["type"], user_id, exc_info=True)
        metrics.sends_failed()
        return False
    return True


async def _group_send(group: str, message: dict[str, Any]) -> None:
    layer = get_channel_layer()
    await asyncio.wait_for(
        layer.group_send(group, message), timeout=settings.NOTIFICATIONS_SEND_TIMEOUT
    )


def pass_client_frame(channel: str, text: str) -> bool:
    """Hand a client frame to the event stream listening on `channel` (any process).

    Never raises; False when the layer failed (the client sends it again later)."""
    try:
        async_to_sync(_channel_send)(channel, {"type": CLIENT_FRAME, "text": text})
    except Exception:
        logger.warning("passing a client frame to %s failed", channel, exc_info=True)
        return False
    return True


async def _channel_send(channel: str, message: dict[str, Any]) -> None:
    layer = get_channel_layer()
    await asyncio.wait_for(
        layer.send(channel, message), timeout=settings.NOTIFICATIONS_SEND_TIMEOUT
    )
