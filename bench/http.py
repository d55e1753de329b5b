"""Keep-alive HTTP/1.1 POSTs over raw asyncio streams: a small pool, no client library."""

import asyncio


class Poster:
    def __init__(self, port: int, path: str, max_connections: int = 64) -> None:
        self.port, self.path = port, path
        self.idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []
        self.gate = asyncio.Semaphore(max_connections)
        self.statuses: dict[int, int] = {}
        self.failures = 0

    def request(self, body: bytes, headers: dict[str, str]) -> bytes:
        extra = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        return (
            f"POST {self.path} HTTP/1.1\r\nHost: 127.0.0.1:{self.port}\r\n{extra}"
            f"Content-Length: {len(body)}\r\n\r\n"
        ).encode() + body

    async def post(self, request: bytes) -> int:
        async with self.gate:
            try:
                status = await self._once(request)
            except (OSError, asyncio.IncompleteReadError, ValueError):
                self.failures += 1
                return 0
        self.statuses[status] = self.statuses.get(status, 0) + 1
        return status

    async def _once(self, request: bytes) -> int:
        reader = writer = None
        while self.idle:
            reader, writer = self.idle.pop()
            # The server closes keep-alive connections left idle too long (Twisted: 60 s,
            # e.g. while 10,000 sockets connect); its EOF is already read by then.
            if not reader.at_eof() and not writer.is_closing():
                break
            writer.close()
            reader = writer = None
        if reader is None or writer is None:
            reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
        writer.write(request)
        head = await reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        length = 0
        keep = True
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"connection" and value.strip().lower() == b"close":
                keep = False
        if length:
            await reader.readexactly(length)
        if keep:
            self.idle.append((reader, writer))
        else:
            writer.close()
        return status

    def close(self) -> None:
        for _, writer in self.idle:
            writer.close()
        self.idle.clear()
