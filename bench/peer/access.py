"""Who may read which channel: one channel per user, `user-<id>`, opened by a bearer token.

A stream token (bench/peer/tokens.py) is an HMAC of the user id under the project's secret
key, checked without a database query. The channel manager picks the user's own channel for
every request to `/events/` (query parameters cannot select another) and refuses reads of
any other channel.
"""

import hmac

from django.conf import settings
from django.http import HttpResponse
from django_eventstream.channelmanager import DefaultChannelManager

from bench.peer.tokens import stream_token


def channel_for(user_id: int) -> str:
    return f"user-{user_id}"


class StreamUser:
    """The authenticated reader of a stream: an id, nothing else stored."""

    is_authenticated = True

    def __init__(self, user_id: int) -> None:
        self.pk = self.id = user_id


def _bearer(request) -> str:
    header = request.headers.get("Authorization", "")
    return header[7:] if header.startswith("Bearer ") else ""


class BearerUserMiddleware:
    """`/events/` needs a valid stream token; it sets `request.user` to its user."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith("/events/"):
            token = _bearer(request)
            user_id, _, _ = token.partition(".")
            if not user_id.isdigit() or not hmac.compare_digest(
                token, stream_token(settings.SECRET_KEY, int(user_id))
            ):
                return HttpResponse("unauthorised\n", status=401, content_type="text/plain")
            request.user = StreamUser(int(user_id))
        return self.get_response(request)


def notify_token_ok(request) -> bool:
    return hmac.compare_digest(_bearer(request), settings.PEER_NOTIFY_TOKEN)


class UserChannelManager(DefaultChannelManager):
    def get_channels_for_request(self, request, view_kwargs):
        user = getattr(request, "user", None)
        return {channel_for(user.pk)} if user is not None else set()

    def can_read_channel(self, user, channel):
        return user is not None and channel == channel_for(user.pk)
