from typing import Any

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
