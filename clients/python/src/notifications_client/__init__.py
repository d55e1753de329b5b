"""A small typed client for the live notifications service (docs/api.md, docs/protocol.md).

    from notifications_client import Client

    with Client("https://app.example.com", token=TOKEN, service_token=SERVICE) as client:
        client.notify("alice", "Your invoice is ready", level="success")
        for event in client.subscribe():
            ...

`AsyncClient` has the same calls for asyncio.
"""

from notifications_client.api import AsyncClient, Client
from notifications_client.subscription import AsyncSubscription, Subscription
from notifications_client.types import (
    AuthenticationError,
    Changed,
    Error,
    Event,
    FanOut,
    Message,
    Notification,
    NotificationsError,
    Page,
    StateChange,
    Sync,
    Unknown,
)

__all__ = [
    "AsyncClient",
    "AsyncSubscription",
    "AuthenticationError",
    "Changed",
    "Client",
    "Error",
    "Event",
    "FanOut",
    "Message",
    "Notification",
    "NotificationsError",
    "Page",
    "StateChange",
    "Subscription",
    "Sync",
    "Unknown",
]
