"""CPU of one hop to the writer's thread and back: `python bench/hop.py [N]`.

The batching writer hops twice per batch (to its thread, back to the loop), and at
moderate load a batch holds one job. This times a no-op both ways: through
`loop.run_in_executor` on a one-thread ThreadPoolExecutor (the writer before issue 17's
change) and through `WriterThread.run` (workers/writer_thread.py), process CPU and
wall time per hop, alternating, best of 3.
"""

import asyncio
import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor

sys.path[0] = os.getcwd()  # bench/ would shadow the standard library's `http`


def noop(value: int) -> int:
    return value


async def main(count: int) -> None:
    from workers.writer_thread import WriterThread

    loop = asyncio.get_running_loop()
    executor, thread = ThreadPoolExecutor(max_workers=1), WriterThread()
    ways = {
        "run_in_executor": lambda: loop.run_in_executor(executor, noop, 1),
        "WriterThread.run": lambda: thread.run(loop, noop, 1),
    }
    best: dict[str, tuple[float, float]] = {}
    for _ in range(3):
        for name, hop in ways.items():
            for _ in range(500):
                await hop()
            cpu, wall = time.process_time(), time.perf_counter()
            for _ in range(count):
                await hop()
            took = (
                1e6 * (time.process_time() - cpu) / count,
                1e6 * (time.perf_counter() - wall) / count,
            )
            best[name] = min(best.get(name, took), took)
    for name, (cpu, wall) in best.items():
        print(f"{name:>17}: {cpu:5.1f} us CPU, {wall:6.1f} us wall per hop (best of 3 x {count})")
    executor.shutdown()
    thread.shutdown()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 20000))
