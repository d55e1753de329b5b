"""Event streams (consumers/eventstream.py) through the real ASGI stack, for tests."""

import json
from typing import Any

from asgiref.testing import ApplicationCommunicator

from project.asgi import application
from tests.consumers.sockets import ORIGIN, TIMEOUT, session_cookie


class Stream:
    """One `GET /sse/notifications/` response, read event by event."""

    def __init__(self, communicator: ApplicationCommunicator) -> None:
        self.communicator = communicator
        self.buffer = ""
        self.ended = False
        self.status: int | None = None
        self.headers: dict[bytes, bytes] = {}

    async def start(self) -> "Stream":
        message = await self.communicator.receive_output(timeout=TIMEOUT)
        assert message["type"] == "http.response.start", message
        self.status = message["status"]
        self.headers = dict(message["headers"])
        return self

    async def next(self) -> dict[str, Any]:
        """The next event: {"event": name, "data": the parsed JSON} or {"comment": text}."""
        while "\n\n" not in self.buffer:
            assert not self.ended, f"the stream ended; left: {self.buffer!r}"
            message = await self.communicator.receive_output(timeout=TIMEOUT)
            assert message["type"] == "http.response.body", message
            self.buffer += message.get("body", b"").decode()
            self.ended = not message.get("more_body", False)
        block, self.buffer = self.buffer.split("\n\n", 1)
        fields: dict[str, Any] = {"event": "message"}
        for line in block.split("\n"):
            name, _, value = line.partition(":")
            value = value[1:] if value.startswith(" ") else value
            if name == "":
                fields = {"comment": value}
            elif name == "data":
                fields["data"] = json.loads(value)
            elif name in ("event", "retry"):
                fields[name] = value
        return fields

    async def frame(self) -> dict[str, Any]:
        """The next frame (a default `message` event), skipping heartbeats."""
        while True:
            event = await self.next()
            if event.get("event") == "message":
                return event["data"]

    async def opened(self) -> str:
        """The `stream` event's name for POSTs; the stream has started."""
        await self.start()
        event = await self.next()
        assert event["event"] == "stream", event
        return event["data"]["stream"]

    async def disconnect(self) -> None:
        await self.communicator.send_input({"type": "http.disconnect"})
        await self.communicator.wait(timeout=TIMEOUT)


async def open_stream(
    user: Any = None,
    *,
    headers: list | None = None,
    query: str = "",
    method: str = "GET",
    origin: bool = True,
    address: str = "127.0.0.1",
) -> Stream:
    all_headers = [*([ORIGIN] if origin else []), *(headers or [])]
    if user is not None:
        all_headers.append((b"cookie", await session_cookie(user)))
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": "/sse/notifications/",
        "raw_path": b"/sse/notifications/",
        "query_string": query.encode(),
        "headers": all_headers,
        "client": (address, 50000),
        "server": ("localhost", 8000),
    }
    communicator = ApplicationCommunicator(application, scope)
    await communicator.send_input({"type": "http.request", "body": b""})
    return Stream(communicator)
