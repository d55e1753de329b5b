"""The writer's thread: a batch hops to it and back without concurrent.futures."""

import asyncio
import concurrent.futures
import threading

import pytest

from notifications import writer
from tests.notifications.test_writer import Recording
from workers.writer_thread import WriterThread

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def futures_made(monkeypatch) -> list[concurrent.futures.Future]:
    made = []
    real = concurrent.futures.Future.__init__

    def spy(self):
        made.append(self)
        real(self)

    monkeypatch.setattr(concurrent.futures.Future, "__init__", spy)
    return made


async def test_a_batch_hops_without_a_concurrent_future(futures_made):
    kind = Recording()
    await writer.submit(kind, 1)  # the writer of this loop exists (and its thread)
    futures_made.clear()
    assert await asyncio.gather(*(writer.submit(kind, n) for n in (2, 3))) == [4, 6]
    assert futures_made == []


async def test_run_answers_on_the_loop_in_order_on_one_thread():
    thread = WriterThread()
    loop = asyncio.get_running_loop()
    seen: list[tuple[int, int]] = []

    def work(n: int) -> int:
        seen.append((n, threading.get_ident()))
        return n * 10

    assert await asyncio.gather(*(thread.run(loop, work, n) for n in range(5))) == [
        0, 10, 20, 30, 40
    ]  # fmt: skip
    assert [n for n, _ in seen] == list(range(5))
    assert len({ident for _, ident in seen}) == 1
    assert seen[0][1] != threading.get_ident()
    # submit (the Executor interface) runs on the same thread, after what came before.
    assert await asyncio.wrap_future(thread.submit(threading.get_ident)) == seen[0][1]
    thread.shutdown()


async def test_an_exception_reaches_the_waiter_and_the_thread_goes_on():
    thread = WriterThread()
    loop = asyncio.get_running_loop()

    def fail() -> None:
        raise ValueError("refused")

    with pytest.raises(ValueError, match="refused"):
        await thread.run(loop, fail)
    with pytest.raises(ValueError, match="refused"):
        thread.submit(fail).result(timeout=5)
    assert await thread.run(loop, int, "7") == 7
    thread.shutdown()


async def test_a_cancelled_waiter_is_left_alone():
    thread = WriterThread()
    loop = asyncio.get_running_loop()
    gate = threading.Event()
    waiting = thread.run(loop, gate.wait, 5)
    waiting.cancel()
    gate.set()
    assert await thread.run(loop, int, "1") == 1  # the cancelled one was answered first
    assert waiting.cancelled()
    thread.shutdown()


def test_shutdown_twice_is_harmless_and_later_work_is_refused():
    thread = WriterThread()
    assert thread.submit(int, "3").result(timeout=5) == 3
    thread.shutdown()
    thread.shutdown(wait=False)
    with pytest.raises(RuntimeError, match="after shutdown"):
        thread.submit(int, "4")
