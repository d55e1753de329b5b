from typing import Any
from urllib.parse import urlparse

from channels.security.websocket import OriginValidator as ChannelsOriginValidator
from django.conf import settings


class OriginValidator(ChannelsOriginValidator):
    """Browsers must connect from one of ALLOWED_HOSTS; non-browser clients send no Origin.

    Browsers always send Origin on a WebSocket handshake, so a missing header means a
    script or app, which can't be tricked into riding someone else's cookies.
    """

    def __init__(self, application: Any) -> None:
        super().__init__(application, settings.ALLOWED_HOSTS)

    def valid_origin(self, parsed_origin: Any) -> bool:
        if parsed_origin is None:
            return True
        return self.validate_origin(parsed_origin)


def origin_allowed(scope: dict[str, Any]) -> bool:
    """The rule above for any connection (the event stream's too): no Origin, or one of
    ALLOWED_HOSTS."""
    origin = next((value for name, value in scope.get("headers", []) if name == b"origin"), None)
    if origin is None:
        return True
    return OriginValidator(None).valid_origin(urlparse(origin.decode("latin1")))
