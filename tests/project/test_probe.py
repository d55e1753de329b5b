"""GET /ping (project/probe.py): 204 no-store without the database, 503 + Retry-After
at the admission door while the process is behind (issue 18 item 11)."""

import asyncio

from channels.testing import HttpCommunicator

from project.asgi import application
from tests.project.test_admission import block_the_loop


async def request(method: str, path: str = "/ping") -> dict:
    return await HttpCommunicator(application, method, path).get_response(timeout=5)


async def test_ping_answers_204_no_store_without_the_database():
    # No django_db mark: any database query here would fail the test.
    for method in ("GET", "HEAD"):
        answer = await request(method)
        assert answer["status"] == 204, method
        assert answer["body"] == b""
        assert dict(answer["headers"])[b"cache-control"] == b"no-store"


async def test_ping_refuses_other_methods():
    answer = await request("POST")
    assert answer["status"] == 405
    assert dict(answer["headers"])[b"allow"] == b"GET, HEAD"


async def test_ping_gets_503_with_retry_after_while_the_loop_is_behind():
    await block_the_loop(1.0)
    busy = await request("GET")
    assert busy["status"] == 503
    assert dict(busy["headers"])[b"retry-after"] == b"5"
    await asyncio.sleep(0.3)
    assert (await request("GET"))["status"] == 204
