"""The daphne edge (project/server.py) at the level of one request, no server process."""

import io

import pytest
from daphne import http_protocol
from daphne import server as daphne_server
from twisted.internet.address import IPv4Address
from twisted.internet.testing import StringTransport
from twisted.web import http

import project.asgi  # noqa: F401 - installs the edge, as daphne's import of it does


class Server:
    """What a daphne request asks of its server before it is processed."""

    def protocol_connected(self, protocol: object) -> None:
        pass

    def protocol_disconnected(self, protocol: object) -> None:
        pass


def received_request(content_type: bytes, body: bytes, monkeypatch) -> list:
    """A POST received in full by the edge's request class; the requests processed."""
    processed: list = []
    monkeypatch.setattr(http_protocol.WebRequest, "process", lambda self: processed.append(self))
    factory = daphne_server.HTTPFactory(Server())
    generic = factory.wrappedFactory.buildProtocol(IPv4Address("TCP", "127.0.0.1", 50000))
    generic.makeConnection(StringTransport())
    channel = generic._channel  # Twisted's HTTP/1.1 channel behind its protocol switch
    request = channel.requestFactory(channel)
    request.requestHeaders.setRawHeaders(b"content-type", [content_type])
    request.content = io.BytesIO()
    request.content.write(body)  # as Twisted leaves it: written, at its end
    request.requestReceived(b"POST", b"/webhooks/sns/", b"HTTP/1.1")
    return processed


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        (b"text/plain; charset=UTF-8", b'{"Type": "Notification"}'),
        (b"application/x-www-form-urlencoded", b"a=1&b=2"),
        (b"multipart/form-data; boundary=x", b"--x not a multipart body"),
    ],
)
def test_a_post_reaches_the_application_unparsed_and_whole(content_type, body, monkeypatch):
    def parse(line: bytes) -> bytes:
        raise AssertionError("Twisted parsed the Content-Type")

    monkeypatch.setattr(http, "_parseContentType", parse)
    processed = received_request(content_type, body, monkeypatch)
    assert len(processed) == 1  # a bad multipart body is the application's to refuse
    request = processed[0]
    assert request.args == {}
    assert request.content.read() == body  # what daphne sends the application
