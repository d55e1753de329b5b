"""The floor: a bare `websockets` server that relays `<seq> <user>` to that user's sockets.

`python -m bench.floor PORT`. Sockets connect to /u/<user>; the load client writes
triggers on /ctl. No Django, no channel layer, no database: what Python and the
kernel cost for the same fan-out.
"""

import asyncio
import sys

from websockets.asyncio.server import broadcast, serve

users: dict[int, set] = {}


async def handler(ws) -> None:
    path = ws.request.path
    if path == "/ctl":
        await ws.send("ready")
        async for message in ws:
            conns = users.get(int(message.split(" ", 1)[1]))
            if conns:
                broadcast(conns, message)
        return
    user = int(path.rsplit("/", 1)[1])
    conns = users.setdefault(user, set())
    conns.add(ws)
    try:
        await ws.send("ready")
        await ws.wait_closed()
    finally:
        conns.discard(ws)


async def main(port: int) -> None:
    async with serve(handler, "127.0.0.1", port, compression=None, backlog=4096):
        await asyncio.get_running_loop().create_future()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1])))
