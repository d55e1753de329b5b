"""A raw asyncio Server-Sent Events client for the peer: one Protocol per stream.

Each stream is `GET /events/` with a bearer token. The response body is chunked
(daphne streams without a length); chunks are joined, split into events at blank lines,
and each `message` event's `data:` JSON (`{"text": "b <seq> <user>", ...}`) is recorded in
the same `Hub` as the WebSocket tabs, so bench/steps.py counts it the same way. Latency is
stamped once per read, before any parsing. `stream-open` marks a stream ready.
"""

import asyncio
import json
import time
from collections.abc import Callable

from bench.wsclient import Client, Hub


class Stream(Client):
    def __init__(self, hub: Hub, tab_id: int, request: bytes) -> None:
        super().__init__(hub, tab_id, request)
        self.raw = bytearray()  # bytes not yet de-chunked
        self.text = bytearray()  # de-chunked event-stream bytes not yet split into events
        self.chunk_left = -1  # bytes left in the current chunk (+2 for its CRLF); -1: size next
        self.chunked = False

    def data_received(self, data: bytes) -> None:
        now = time.perf_counter()
        raw = self.raw
        raw += data
        if not self.established:
            end = raw.find(b"\r\n\r\n")
            if end < 0:
                return
            head = bytes(raw[:end])
            if not head.startswith(b"HTTP/1.1 200"):
                self.done.set_exception(ConnectionError(head.decode(errors="replace")))
                self.transport.close()
                return
            self.chunked = b"transfer-encoding: chunked" in head.lower()
            del raw[: end + 4]
            self.established = True
        if self.chunked:
            self._dechunk()
        else:
            self.text += raw
            raw.clear()
        self._events(now)

    def _dechunk(self) -> None:
        raw, text = self.raw, self.text
        while raw:
            if self.chunk_left < 0:
                end = raw.find(b"\r\n")
                if end < 0:
                    return
                size = int(bytes(raw[:end]).split(b";", 1)[0], 16)
                del raw[: end + 2]
                if size == 0:
                    self.transport.close()
                    return
                self.chunk_left = size + 2
            take = min(self.chunk_left, len(raw))
            text += raw[:take]
            del raw[:take]
            self.chunk_left -= take
            if self.chunk_left == 0:
                del text[-2:]  # the CRLF after the chunk's data
                self.chunk_left = -1

    def _events(self, now: float) -> None:
        text = self.text
        while True:
            end = text.find(b"\n\n")
            if end < 0:
                return
            block = bytes(text[:end])
            del text[: end + 2]
            kind = b"message"
            data: list[bytes] = []
            for line in block.split(b"\n"):
                if line.startswith(b"event:"):
                    kind = line[6:].strip()
                elif line.startswith(b"data:"):
                    data.append(line[5:].removeprefix(b" "))
            if kind == b"message" and data:
                _, seq, user = json.loads(b"\n".join(data))["text"].split(" ")
                self.hub.arrivals.append((int(seq), self.tab_id, int(user), now))
            elif kind == b"stream-open":
                self.set_ready()
            elif kind == b"stream-error":
                self.hub.errors += 1

    def close(self) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.close()


def stream_request(port: int, path: str, token: str) -> bytes:
    return (
        f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAccept: text/event-stream\r\n"
        f"Cache-Control: no-cache\r\nAuthorization: Bearer {token}\r\n\r\n"
    ).encode()


async def open_streams(
    hub: Hub,
    port: int,
    users: int,
    tabs_per_user: int,
    *,
    path: str,
    token_for: Callable[[int], str],
    concurrency: int = 200,
    ready_timeout: float = 120,
) -> tuple[list[Stream], float, int]:
    """Open users x tabs streams; returns (streams, seconds until all were open, failures)."""
    loop = asyncio.get_running_loop()
    gate = asyncio.Semaphore(concurrency)
    streams: list[Stream] = []
    failures = 0

    async def one(tab_id: int) -> None:
        nonlocal failures
        request = stream_request(port, path, token_for(tab_id // tabs_per_user))
        async with gate:
            stream = Stream(hub, tab_id, request)
            try:
                await loop.create_connection(lambda: stream, "127.0.0.1", port)
                await asyncio.wait_for(stream.done, ready_timeout)
            except (OSError, ConnectionError, TimeoutError):
                failures += 1
                return
            streams.append(stream)

    started = time.perf_counter()
    await asyncio.gather(*(one(i) for i in range(users * tabs_per_user)))
    return streams, time.perf_counter() - started, failures
