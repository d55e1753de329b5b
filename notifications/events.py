"""The channel-layer side of the protocol: group names and the one pusher.

Frames are serialised once here, so each socket only relays a ready string.
"""

import asyncio
import json
import logging
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings

from notifications import metrics

logger = logging.getLogger(__name__)

# The consumer handles this layer message type by relaying `text` as-is.
RELAY = "frame.relay"


def user_group(user_id: int) -> str:
    return f"notifications.user.{user_id}"


def encode(frame: dict[str, Any]) -> str:
    return json.dumps(frame, separators=(",", ":"), ensure_ascii=False)


def push_to_user(user_id: int, frame: dict[str, Any]) -> bool:
    """Send a frame to every socket of the user now; only for on_commit hooks in services.

    Never raises: a layer failure or timeout is logged and reported as False. The message
    is already saved, and clients recover it on their next sync.
    """
    try:
        async_to_sync(_group_send)(user_group(user_id), {"type": RELAY, "text": encode(frame)})
    except Exception:
        logger.warning("push of %s to user %s failed", frame.get("type"), user_id, exc_info=True)
        metrics.PUSHES_FAILED.inc()
        return False
    return True


def signal_user(user_id: int, event: dict[str, Any]) -> bool:
    """Send a control event (not a frame) to every socket of the user now; never raises.

    For on_commit hooks in services, like push_to_user. The consumer handles `event["type"]`.
    """
    try:
        async_to_sync(_group_send)(user_group(user_id), event)
    except Exception:
        logger.warning("signal %s to user %s failed", event.get("type"), user_id, exc_info=True)
        metrics.PUSHES_FAILED.inc()
        return False
    return True


async def _group_send(group: str, message: dict[str, Any]) -> None:
    layer = get_channel_layer()
    await asyncio.wait_for(
        layer.group_send(group, message), timeout=settings.NOTIFICATIONS_PUSH_TIMEOUT
    )
