"""Log filters named in settings.LOGGING."""

import asyncio
import logging


class CancelledChannelCleanup(logging.Filter):
    """Drops channels-redis's traceback for a channel cleanup that was cancelled.

    Daphne cancels a handshake the client gave up on, sometimes twice; channels-redis
    then logs a traceback per socket ("Unexpected exception while cleaning-up channel"),
    thousands in a reconnect storm. The consumer finishes that cleanup itself
    (NotificationConsumer.forget_layer), so the line says nothing worth its cost.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        return not (
            isinstance(exc, asyncio.CancelledError)
            and record.getMessage().startswith("Unexpected exception while cleaning-up channel")
        )
