"""The JSON API (docs/api.md), sync (`Client`) and async (`AsyncClient`), one set of calls.

Each call is described once (notifications_client.calls: method, path, body, how to read
the answer); the two clients only differ in how they send it.
"""

from collections.abc import AsyncIterator, Iterable, Iterator
from typing import Any, TypeVar

import httpx

from notifications_client.calls import Call, Calls, answer
from notifications_client.subscription import AsyncSubscription, Subscription
from notifications_client.types import AuthenticationError, Changed, FanOut, Message, Page

T = TypeVar("T")


class _Base:
    def __init__(self, base_url: str, token: str | None, service_token: str | None) -> None:
        self.base_url = base_url.rstrip("/")
        self.token, self.service_token = token, service_token

    def _headers(self, call: Call[Any]) -> dict[str, str]:
        secret = self.service_token if call.service else self.token
        if not secret:
            which = "service_token" if call.service else "token"
            raise AuthenticationError(401, "unauthenticated", f"this call needs a {which}")
        return {"Authorization": f"Bearer {secret}"}

    def _socket_token(self) -> str:
        if not self.token:
            raise AuthenticationError(401, "unauthenticated", "the socket needs a token")
        return self.token

    def socket_url(self) -> str:
        scheme = "wss" if self.base_url.startswith("https:") else "ws"
        return scheme + ":" + self.base_url.split(":", 1)[1] + "/ws/notifications/"


class Client(_Base):
    """The API, blocking. `token`: a user's (list, ack, subscribe); `service_token`:
    NOTIFY_SERVICE_TOKEN (notify). Use as a context manager, or call close()."""

    def __init__(
        self,
        base_url: str,
        *,
        token: str | None = None,
        service_token: str | None = None,
        timeout: float = 10.0,
    ) -> None:
        super().__init__(base_url, token, service_token)
        self.http = httpx.Client(base_url=self.base_url, timeout=timeout)

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.http.close()

    def _send(self, call: Call[T]) -> T:
        response = self.http.request(
            call.method, call.path, json=call.body, params=call.params, headers=self._headers(call)
        )
        return answer(call, response)

    def notify(
        self,
        user: str,
        text: str,
        *,
        level: str = "info",
        link: str = "",
        source_id: str | None = None,
        thread: str | None = None,
    ) -> int:
        """Notify one user by username, in `thread` if given (its group key); the message id
        (the first one's, for a repeated source_id)."""
        return self._send(Calls.notify(user, text, level, link, source_id, thread))

    def notify_followers(
        self,
        thread: str,
        text: str,
        *,
        level: str = "info",
        link: str = "",
        source_id: str | None = None,
        exclude: str | None = None,
    ) -> FanOut:
        """One message in `thread` for each of its followers (but `exclude`, a username)."""
        return self._send(Calls.notify_followers(thread, text, level, link, source_id, exclude))

    def notify_many(
        self,
        text: str,
        *,
        users: Iterable[str] | None = None,
        everyone: bool = False,
        group: str | None = None,
        level: str = "info",
        link: str = "",
        source_id: str | None = None,
    ) -> FanOut:
        """Notify many users: exactly one of users, everyone or group."""
        call = Calls.notify_many(users, everyone, group, text, level, link, source_id)
        return self._send(call)

    def list(
        self,
        *,
        unread: bool = False,
        archived: bool = False,
        before: int | None = None,
        limit: int | None = None,
    ) -> Page:
        """One page, newest first; pass `next_before` as `before` for the next."""
        return self._send(Calls.list(unread, archived, before, limit))

    def iter_messages(self, *, unread: bool = False, archived: bool = False) -> Iterator[Message]:
        """Every message, newest first, page after page."""
        before: int | None = None
        while True:
            page = self.list(unread=unread, archived=archived, before=before, limit=100)
            yield from page.results
            if page.next_before is None:
                return
            before = page.next_before

    def get(self, message_id: int) -> Message:
        return self._send(Calls.get(message_id))

    def unread_count(self) -> int:
        return self._send(Calls.unread_count())

    def ack(self, ids: Iterable[int]) -> Changed:
        """Mark these read (1 to 500 ids; others' and unknown ids are skipped)."""
        return self._send(Calls.change("read", ids))

    def read_all(self) -> Changed:
        return self._send(Calls.read_all())

    def archive(self, ids: Iterable[int]) -> Changed:
        return self._send(Calls.change("archive", ids))

    def delete(self, ids: Iterable[int]) -> Changed:
        return self._send(Calls.change("delete", ids))

    def export(self) -> dict[str, Any]:
        """All the user's notifications, preferences and Web Push subscriptions (JSON)."""
        return self._send(Calls.export())

    def erase(self) -> int:
        """Delete every message of the user (open sockets are told); how many."""
        return self._send(Calls.erase())

    def subscribe(self, **options: Any) -> Subscription:
        """The socket: a `Subscription` to iterate (notifications_client.subscription)."""
        return Subscription(self.socket_url(), self._socket_token(), **options)


class AsyncClient(_Base):
    """The same API for asyncio; use `async with`, or await aclose()."""

    def __init__(
        self,
        base_url: str,
        *,
        token: str | None = None,
        service_token: str | None = None,
        timeout: float = 10.0,
    ) -> None:
        super().__init__(base_url, token, service_token)
        self.http = httpx.AsyncClient(base_url=self.base_url, timeout=timeout)

    async def __aenter__(self) -> "AsyncClient":
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self.http.aclose()

    async def _send(self, call: Call[T]) -> T:
        response = await self.http.request(
            call.method, call.path, json=call.body, params=call.params, headers=self._headers(call)
        )
        return answer(call, response)

    async def notify(
        self,
        user: str,
        text: str,
        *,
        level: str = "info",
        link: str = "",
        source_id: str | None = None,
        thread: str | None = None,
    ) -> int:
        return await self._send(Calls.notify(user, text, level, link, source_id, thread))

    async def notify_followers(
        self,
        thread: str,
        text: str,
        *,
        level: str = "info",
        link: str = "",
        source_id: str | None = None,
        exclude: str | None = None,
    ) -> FanOut:
        call = Calls.notify_followers(thread, text, level, link, source_id, exclude)
        return await self._send(call)

    async def notify_many(
        self,
        text: str,
        *,
        users: Iterable[str] | None = None,
        everyone: bool = False,
        group: str | None = None,
        level: str = "info",
        link: str = "",
        source_id: str | None = None,
    ) -> FanOut:
        call = Calls.notify_many(users, everyone, group, text, level, link, source_id)
        return await self._send(call)

    async def list(
        self,
        *,
        unread: bool = False,
        archived: bool = False,
        before: int | None = None,
        limit: int | None = None,
    ) -> Page:
        return await self._send(Calls.list(unread, archived, before, limit))

    async def iter_messages(
        self, *, unread: bool = False, archived: bool = False
    ) -> AsyncIterator[Message]:
        before: int | None = None
        while True:
            page = await self.list(unread=unread, archived=archived, before=before, limit=100)
            for message in page.results:
                yield message
            if page.next_before is None:
                return
            before = page.next_before

    async def get(self, message_id: int) -> Message:
        return await self._send(Calls.get(message_id))

    async def unread_count(self) -> int:
        return await self._send(Calls.unread_count())

    async def ack(self, ids: Iterable[int]) -> Changed:
        return await self._send(Calls.change("read", ids))

    async def read_all(self) -> Changed:
        return await self._send(Calls.read_all())

    async def archive(self, ids: Iterable[int]) -> Changed:
        return await self._send(Calls.change("archive", ids))

    async def delete(self, ids: Iterable[int]) -> Changed:
        return await self._send(Calls.change("delete", ids))

    async def export(self) -> dict[str, Any]:
        return await self._send(Calls.export())

    async def erase(self) -> int:
        return await self._send(Calls.erase())

    def subscribe(self, **options: Any) -> AsyncSubscription:
        """The socket: an `AsyncSubscription` (`async with ... as sub: async for event in sub`)."""
        return AsyncSubscription(self.socket_url(), self._socket_token(), **options)
