"""`python -m bench.daphne_uvloop <daphne arguments>`: daphne with uvloop's event loop.

daphne.server installs Twisted's asyncio reactor on `asyncio.new_event_loop()` when it is
imported, so uvloop's policy has to be in place before that import: `daphne` itself
cannot be told. Measured against plain daphne by `python -m bench --server daphne-uvloop`.
"""

import asyncio

import uvloop

asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())

from daphne.cli import CommandLineInterface  # noqa: E402

if __name__ == "__main__":
    CommandLineInterface.entrypoint()
