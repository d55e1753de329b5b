"""offline/webpush/network.py: a push is sent to public addresses only, checked on the
address connected to."""

from collections.abc import Iterator

import pytest

from notifications import services
from tests.offline.webpush.fixtures import Browser, PushService, run

pytestmark = pytest.mark.django_db


@pytest.fixture
def private_service() -> Iterator[PushService]:
    """A push service on loopback, without the loopback allowance the other tests have."""
    service = PushService()
    service.thread.start()
    yield service
    service.server.shutdown()
    service.server.server_close()


@pytest.mark.parametrize("host", ["127.0.0.1", "127.1", "local-push.example.com"])
def test_sending_never_connects_to_a_private_address(vapid, alice, private_service, host):
    port = private_service.server.server_address[1]
    # Stored directly, as a subscription made before the check, or a name that resolved
    # to a public address at subscribe time and to loopback now (DNS rebinding).
    phone = Browser(alice, f"http://{host}:{port}/push/x")
    services.notify(alice, "hello")

    assert run() == 1

    assert private_service.requests == []
    phone.subscription.refresh_from_db()
    assert "non-public address" in phone.subscription.last_error


def test_sending_connects_to_the_address_it_checked(vapid, alice, push_service):
    # Only the test DNS knows this name: the request reached the service, so the socket
    # went to the address the check resolved, not to a second lookup by the HTTP client.
    port = push_service.server.server_address[1]
    phone = Browser(alice, f"http://local-push.example.com:{port}/push/x")
    services.notify(alice, "hello")

    assert run() == 1

    [request] = push_service.to("/push/x")
    assert phone.decrypt(request)["text"] == "hello"
    assert request["headers"]["Host"] == f"local-push.example.com:{port}"
