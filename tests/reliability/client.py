"""A test client that behaves like static/notifications/client.js: reconnects, resyncs,
drops duplicates by id, and remembers what it displayed."""

import asyncio
import contextlib
import json
from collections import Counter

import websockets


class Tab:
    def __init__(self, urls: list[str], token: str, *, acks: bool = False) -> None:
        self.urls = urls
        self.acks = acks  # dismiss every third message, like a person would some
        self.headers = {"Authorization": f"Bearer {token}"}
        self.shown: dict[int, str] = {}
        self.displayed: Counter[int] = Counter()  # times a toast was newly shown
        self.closes: list[int | None] = []
        self.connects = 0
        self.count = 0
        self._task: asyncio.Task | None = None
        self._synced = asyncio.Event()

    def start(self, first: int = 0) -> None:
        self._task = asyncio.create_task(self._run(first))

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def synced(self) -> None:
        await asyncio.wait_for(self._synced.wait(), 15)

    def _show(self, message: dict) -> None:
        if message["id"] not in self.shown:
            self.displayed[message["id"]] += 1
        self.shown[message["id"]] = message["text"]

    async def _run(self, index: int) -> None:
        while True:
            url = self.urls[index % len(self.urls)]
            try:
                async with websockets.connect(url, additional_headers=self.headers) as ws:
                    self.connects += 1
                    async for raw in ws:
                        ack = self._on_frame(json.loads(raw))
                        if ack is not None:
                            await ws.send(json.dumps({"type": "ack", "ids": [ack]}))
                    self.closes.append(ws.close_code)
            except websockets.ConnectionClosed as exc:
                self.closes.append(exc.rcvd.code if exc.rcvd else None)
            except (OSError, websockets.WebSocketException):
                self.closes.append(None)
            # Like the browser: retry at once, on the next server.
            index += 1
            await asyncio.sleep(0.1)

    def _on_frame(self, frame: dict) -> int | None:
        if frame["type"] == "sync":
            wanted = {m["id"] for m in frame["unread"]}
            for stale in set(self.shown) - wanted:
                del self.shown[stale]
            for message in frame["unread"]:
                self._show(message)
            self._synced.set()
        elif frame["type"] == "notification":
            self._show(frame["message"])
        elif frame["type"] == "read":
            for id_ in frame["ids"]:
                self.shown.pop(id_, None)
        if "unread_count" in frame:
            self.count = frame["unread_count"]
        if self.acks and frame["type"] == "notification" and frame["message"]["id"] % 3 == 0:
            return frame["message"]["id"]
        return None
