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


class _Late:
    def __init__(self) -> None:
        self.answered = 0

    def too_slow(self) -> None:
        self.answered += 1


def test_a_request_past_its_deadline_is_answered_by_the_sweep_and_only_then():
    from twisted.internet.task import Clock

    from project.server import Deadlines

    clock = Clock()
    deadlines = Deadlines(clock)
    late, on_time, extended = _Late(), _Late(), _Late()
    deadlines.start(late, 2.0)
    deadlines.start(on_time, 2.0)
    deadlines.start(extended, 2.0)
    deadlines.stop(on_time)  # arrived in full
    deadlines.extend(extended, 10.0)  # a body announced: more time
    clock.advance(1.0)
    assert late.answered == 0  # not yet due
    # The sweep compares with the monotonic clock; make the first deadline pass.
    deadlines.due[late] -= 2.0
    clock.advance(1.0)
    assert (late.answered, on_time.answered, extended.answered) == (1, 0, 0)
    assert list(deadlines.due) == [extended]
    deadlines.stop(extended)
    clock.advance(1.0)
    assert clock.getDelayedCalls() == []  # no sweeping with nothing awaited


def test_extending_a_request_that_arrived_does_not_bring_it_back():
    from twisted.internet.task import Clock

    from project.server import Deadlines

    deadlines = Deadlines(Clock())
    request = _Late()
    deadlines.start(request, 1.0)
    deadlines.stop(request)
    deadlines.extend(request, 5.0)
    assert deadlines.due == {}


def test_far_behind_a_new_connection_is_refused_with_503_before_it_is_read(monkeypatch):
    from project import admission, server

    factory = daphne_server.HTTPFactory(Server())
    address = IPv4Address("TCP", "127.0.0.1", 50000)
    monkeypatch.setattr(type(admission.lag), "seconds", property(lambda self: 4.2))
    protocol = factory.buildProtocol(address)
    transport = StringTransport()
    protocol.makeConnection(transport)
    assert transport.value().startswith(b"HTTP/1.1 503 Service Unavailable\r\nRetry-After: 5\r\n")
    assert transport.disconnecting
    protocol.dataReceived(b"GET /ws/notifications/ HTTP/1.1\r\n")  # never read
    # Half a second behind is not far: the connection is served as any other.
    monkeypatch.setattr(type(admission.lag), "seconds", property(lambda self: 0.5))
    served = factory.buildProtocol(address)
    assert not isinstance(served, server.Shed)
    served.makeConnection(StringTransport())
    served.connectionLost(None)


def test_autobahn_highlights_names_only_for_a_line_it_logs(monkeypatch):
    # Per frame autobahn asks for terminal-coloured names and values (click.style) for a
    # debug line that is never logged: they are made only when formatted.
    from autobahn import util
    from autobahn.twisted import websocket
    from autobahn.websocket import protocol

    styled: list = []
    real = util.click.style
    monkeypatch.setattr(util.click, "style", lambda *a, **k: styled.append(a) or real(*a, **k))
    fn = test_autobahn_highlights_names_only_for_a_line_it_logs
    for module in (websocket, protocol):
        name, value = module.hltype(fn), module.hlval(42)
        assert styled == []
        assert f"{name} {value}" == f"{util.hltype(fn)} {util.hlval(42)}"
        styled.clear()


def connected_port(pending: int):
    """A listening Twisted port with `pending` connections waiting in its accept queue,
    and the protocols it built; the reactor is not run: each doRead is one turn."""
    import socket

    from twisted.internet import protocol, reactor, tcp

    built: list = []

    class Factory(protocol.Factory):
        def buildProtocol(self, addr: object) -> protocol.Protocol:
            built.append(protocol.Protocol())
            return built[-1]

    port = tcp.Port(0, Factory(), interface="127.0.0.1", reactor=reactor)
    port.startListening()
    clients = [socket.create_connection(("127.0.0.1", port.getHost().port)) for _ in range(pending)]

    def close() -> None:
        for made in built:
            made.transport.stopReading()
            made.transport.socket.close()
        port.stopReading()
        port.socket.close()
        for client in clients:
            client.close()

    return port, built, close


def test_the_server_accepts_at_most_its_limit_per_turn_of_the_loop(settings):
    # After a restart thousands connect at once; Twisted took them all in one turn (and
    # more each turn), so no handshake already admitted could move.
    from project import server

    assert settings.SERVER_ACCEPTS_PER_TURN == 16
    port, built, close = connected_port(40)
    try:
        port.doRead()
        assert len(built) == 16
        port.doRead()
        assert len(built) == 32
        server.limit_accepts(0)  # Twisted's own: everything waiting, in one turn
        port.doRead()
        assert len(built) == 40
    finally:
        server.limit_accepts(settings.SERVER_ACCEPTS_PER_TURN)
        close()
