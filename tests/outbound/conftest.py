from collections.abc import Iterator

import pytest

from tests.outbound.receiver import SECRET, Receiver


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver().start()
    yield server
    server.stop()


@pytest.fixture
def outbound(settings, receiver: Receiver) -> Receiver:
    """Outbound webhooks on, to the loopback receiver; delivery only when a test asks."""
    settings.OUTBOUND_WEBHOOK_URL = receiver.url
    settings.OUTBOUND_WEBHOOK_SECRET = SECRET
    settings.OUTBOUND_WEBHOOK_ALLOW_LOOPBACK = True
    settings.OUTBOUND_WEBHOOK_IN_PROCESS = False
    settings.OUTBOUND_WEBHOOK_TIMEOUT = 2.0
    return receiver
