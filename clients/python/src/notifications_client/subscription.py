"""The notification socket (docs/protocol.md), sync and async, with resync on reconnect.

Iterating a subscription yields Events. It reconnects by itself as the protocol says: at
once after 4000 (the server is stopping on purpose), with exponential backoff and jitter
after anything else, never after 4401 (the credential is refused: AuthenticationError).
The server's first frame on every connect is a `sync`, so whatever was pushed while the
socket was away arrives there; `unread` and `unread_count` are kept from the frames, a
`sync` replacing them, so they are right after each reconnect.
"""

import asyncio
import json
import random
import threading
import time
from collections.abc import AsyncIterator, Iterable, Iterator
from typing import Any

from websockets.asyncio.client import connect as async_connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake
from websockets.sync.client import connect

from notifications_client.types import (
    AuthenticationError,
    Event,
    Message,
    Notification,
    StateChange,
    Sync,
    parse_frame,
)

RECONNECT_AT_ONCE = 4000
REFUSED = 4401
ABNORMAL = 1006


class _Session:
    """What both kinds of subscription share: options, the unread state, the retry rule."""

    def __init__(
        self,
        url: str,
        token: str,
        *,
        reconnect: bool = True,
        backoff: float = 0.5,
        backoff_max: float = 30.0,
        open_timeout: float = 10.0,
    ) -> None:
        self.url, self.token = url, token
        self.reconnect, self.backoff, self.backoff_max = reconnect, backoff, backoff_max
        self.open_timeout = open_timeout
        self.unread: dict[int, Message] = {}  # by id, as the frames say
        self.unread_count = 0
        self.connects = 0  # sockets opened so far (1 + reconnects)
        self.closed = False
        self._failures = 0

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def apply(self, event: Event) -> None:
        if isinstance(event, Sync):
            self.unread = {m.id: m for m in event.unread}
            self._failures = 0
        elif isinstance(event, Notification):
            self.unread[event.message.id] = event.message
        elif isinstance(event, StateChange) and event.type != "unarchived":
            for message_id in event.ids:
                self.unread.pop(message_id, None)
        if hasattr(event, "unread_count"):
            self.unread_count = event.unread_count  # type: ignore[union-attr]

    def wait_before_reconnect(self, code: int | None) -> float | None:
        """Seconds to wait before the next connect; None: stop. Raises on 4401."""
        if code == REFUSED:
            raise AuthenticationError(401, "unauthenticated", "the socket was closed with 4401")
        if self.closed or not self.reconnect:
            return None
        if code == RECONNECT_AT_ONCE:
            return 0.0
        self._failures += 1
        delay = min(self.backoff_max, self.backoff * 2 ** min(self._failures - 1, 20))
        return delay * random.uniform(0.5, 1.0)  # noqa: S311 - jitter


def _frame(raw: str | bytes) -> Event | None:
    return parse_frame(json.loads(raw))


class Subscription(_Session):
    """Blocking: `for event in client.subscribe(): ...`; close() from any thread stops it."""

    _ws: Any = None
    _lock = threading.Lock()

    def __enter__(self) -> "Subscription":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __iter__(self) -> Iterator[Event]:
        while not self.closed:
            code: int | None = ABNORMAL
            try:
                with connect(
                    self.url, additional_headers=self.headers, open_timeout=self.open_timeout
                ) as ws:
                    self._ws = ws
                    self.connects += 1
                    try:
                        for raw in ws:
                            event = _frame(raw)
                            if event is not None:
                                self.apply(event)
                                yield event
                    except ConnectionClosed:
                        pass
                    code = ws.close_code
            except (OSError, InvalidHandshake, TimeoutError):
                code = ABNORMAL
            finally:
                self._ws = None
            delay = self.wait_before_reconnect(code)
            if delay is None:
                return
            time.sleep(delay)

    def send(self, frame: dict[str, Any]) -> None:
        """Send a client frame on the open socket (ConnectionError when none is open)."""
        ws = self._ws
        if ws is None:
            raise ConnectionError("the socket is not open")
        ws.send(json.dumps(frame))

    def ack(self, ids: Iterable[int]) -> None:
        self.send({"type": "ack", "ids": list(ids)})

    def request_sync(self) -> None:
        self.send({"type": "sync"})

    def close(self) -> None:
        self.closed = True
        ws = self._ws
        if ws is not None:
            ws.close()


class AsyncSubscription(_Session):
    """For asyncio: `async with client.subscribe() as sub: async for event in sub: ...`."""

    _ws: Any = None

    async def __aenter__(self) -> "AsyncSubscription":
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def __aiter__(self) -> AsyncIterator[Event]:
        while not self.closed:
            code: int | None = ABNORMAL
            try:
                async with async_connect(
                    self.url, additional_headers=self.headers, open_timeout=self.open_timeout
                ) as ws:
                    self._ws = ws
                    self.connects += 1
                    try:
                        async for raw in ws:
                            event = _frame(raw)
                            if event is not None:
                                self.apply(event)
                                yield event
                    except ConnectionClosed:
                        pass
                    code = ws.close_code
            except (OSError, InvalidHandshake, TimeoutError):
                code = ABNORMAL
            finally:
                self._ws = None
            delay = self.wait_before_reconnect(code)
            if delay is None:
                return
            await asyncio.sleep(delay)

    async def send(self, frame: dict[str, Any]) -> None:
        ws = self._ws
        if ws is None:
            raise ConnectionError("the socket is not open")
        await ws.send(json.dumps(frame))

    async def ack(self, ids: Iterable[int]) -> None:
        await self.send({"type": "ack", "ids": list(ids)})

    async def request_sync(self) -> None:
        await self.send({"type": "sync"})

    async def close(self) -> None:
        self.closed = True
        ws = self._ws
        if ws is not None:
            await ws.close()
