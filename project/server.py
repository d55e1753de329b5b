"""The edge of the server we ship: daphne, bounded where only daphne can bound it.

`install()` (called from project/asgi.py, which daphne imports before it listens) makes
daphne:

- listen with a backlog of `SERVER_LISTEN_BACKLOG` (Twisted's default is 50: after a
  restart thousands of clients connect at once, and the rest time out in SYN queues);
- accept at most `SERVER_ACCEPTS_PER_TURN` connections per turn of the event loop
  (Twisted starts at 100 and adds 20 each time it takes all it asked for): after a
  restart of 10,002 clients it took thousands a turn, each turn grew to most of a
  second of parsing and refusing them, and the handshakes already admitted, which need
  several turns each, took 9 s; none was admitted for 11 s. The crowd waits in the
  kernel's listen queue instead, at no cost, and is let in as fast as the process
  finishes handshakes (docs/performance.md, the seventh round);
- refuse a TCP connection from an address that already holds
  `SERVER_MAX_CONNECTIONS_PER_ADDRESS` (closed at once; TRUSTED_PROXIES are exempt: they
  speak for many clients);
- close a connection whose request (line, headers and body) has not fully arrived
  `SERVER_REQUEST_TIMEOUT` seconds after it began, plus the time its declared body
  needs at `SERVER_MIN_BODY_RATE` bytes a second (a 50 MB upload on a slow phone
  still fits), with 408: a client that promises a large body and sends a byte now and
  then would otherwise hold a descriptor for as long as it likes;
- refuse every new connection with 503 and `Retry-After`, before reading a byte of it,
  while the event loop is more than `SHED_FACTOR` x `ADMISSION_MAX_LAG` behind (and a
  WebSocket upgrade accepted before it fell behind, before its handshake and any
  application instance): under a reconnect storm of thousands, even the door's refusal
  (accept, error frame, close handshake) costs too much; the browser sees a failed
  connect and backs off with full jitter;
- skip autobahn's per-connection `pprint.pformat` of its settings, and its per-frame
  highlighting of names and values for the terminal (`hltype`, `hlval`: `inspect` and
  two `click.style` calls each, ~3 % of the event loop's time at 50 notifications/s),
  made only for debug lines that are never logged: they are made when formatted;
- skip Twisted's parsing of every POST's Content-Type (through `email.headerregistry`,
  ~7 % of the event loop's time at 50 notifications/s, issue 17) and of form bodies into
  `request.args`, which daphne never reads: the application gets the raw body and
  parses it itself (Django for forms and uploads).

The per-address and slow-request refusals are logged once per address per `LOG_WINDOW`
seconds, not per connection; sheds are counted in `admission_refused_total`.
A no-op outside daphne.
"""

import logging
import math
import pprint
import time
from collections import Counter
from typing import Any

from django.conf import settings

from project import admission
from project.forwarded import is_trusted_proxy

logger = logging.getLogger(__name__)

LOG_WINDOW = 60.0
SHED_FACTOR = 4  # how far behind the loop must be before upgrades are refused unseen


class OncePerWindow:
    """Logs a refusal once per (reason, address) and window, with the count since."""

    def __init__(self) -> None:
        self.last: dict[tuple[str, str], float] = {}
        self.counts: Counter[tuple[str, str]] = Counter()

    def warn(self, reason: str, address: str) -> None:
        key = (reason, address)
        self.counts[key] += 1
        now = time.monotonic()
        if now - self.last.get(key, -LOG_WINDOW) < LOG_WINDOW:
            return
        if len(self.last) > 10_000:  # a spray from many addresses: forget old windows
            self.last.clear()
            self.counts.clear()
        logger.warning(
            "%s from %s: %d refused in the last %g s", reason, address, self.counts[key], LOG_WINDOW
        )
        self.last[key] = now
        self.counts[key] = 0


refusals = OncePerWindow()


class _Deferred:
    """`fn(*args)` made when formatted into a log line, not when the line is asked for."""

    __slots__ = ("args", "fn")

    def __init__(self, fn: Any, *args: Any) -> None:
        self.fn = fn
        self.args = args

    def __str__(self) -> str:
        return str(self.fn(*self.args))

    __repr__ = __str__

    def __format__(self, spec: str) -> str:
        return format(str(self), spec)


def _deferring(fn: Any) -> Any:
    return lambda *args: _Deferred(fn, *args)


def shedding() -> bool:
    """The event loop is so far behind that new connections are refused unread."""
    return admission.lag.seconds > SHED_FACTOR * settings.ADMISSION_MAX_LAG


SHED_RESPONSE = (
    b"HTTP/1.1 503 Service Unavailable\r\nRetry-After: %d\r\nContent-Length: 0\r\n"
    b"Connection: close\r\n\r\n"
)


try:
    from twisted.internet.protocol import Protocol as _Protocol
except ImportError:  # no daphne here: install() does nothing either
    _Protocol = object  # type: ignore[assignment,misc]


class Shed(_Protocol):
    """A connection refused as soon as it is accepted: 503 with Retry-After, then closed.

    A Twisted protocol with nothing to parse: the request is never read (a browser's
    WebSocket sees a failed connect and backs off with full jitter; an HTTP client,
    SNS included, sees 503 and retries later)."""

    def makeConnection(self, transport: Any) -> None:
        retry_after = max(1, math.ceil(admission.lag.seconds))
        transport.write(SHED_RESPONSE % retry_after)
        transport.loseConnection()

    def dataReceived(self, data: bytes) -> None:
        pass  # the request is not read


class Deadlines:
    """Requests that must arrive in full by a time, checked by one sweep a second.

    One timer of Twisted's per request (a `DelayedCall` made, put in the reactor's heap
    and cancelled for each of them) cost 2-6 % of the loop in a reconnect storm, where
    every handshake is a request that arrives at once; a dict entry costs next to
    nothing. A deadline is kept to within `SWEEP` seconds.
    """

    SWEEP = 1.0

    def __init__(self, reactor: Any) -> None:
        self.reactor = reactor
        self.due: dict[Any, float] = {}
        self._timer: Any = None

    def start(self, request: Any, seconds: float) -> None:
        self.due[request] = time.monotonic() + seconds
        if self._timer is None:
            self._timer = self.reactor.callLater(self.SWEEP, self._sweep)

    def extend(self, request: Any, seconds: float) -> None:
        """From now, if the request is still awaited."""
        if request in self.due:
            self.due[request] = time.monotonic() + seconds

    def stop(self, request: Any) -> None:
        self.due.pop(request, None)

    def _sweep(self) -> None:
        self._timer = None
        now = time.monotonic()
        late = [request for request, due in self.due.items() if due <= now]
        for request in late:
            del self.due[request]
            try:
                request.too_slow()
            except Exception:  # one broken connection must not end the sweeps
                logger.warning("could not answer a late request", exc_info=True)
        if self.due:
            self._timer = self.reactor.callLater(self.SWEEP, self._sweep)


def install() -> None:
    try:
        from autobahn.websocket import protocol as autobahn_protocol
        from daphne import http_protocol
        from daphne import server as daphne_server
        from twisted.internet import reactor
        from twisted.protocols.policies import ProtocolWrapper, WrappingFactory
    except ImportError:
        return

    # Only ever formatted into debug log lines.
    autobahn_protocol.pformat = _deferring(pprint.pformat)
    from autobahn import util as autobahn_util
    from autobahn.twisted import websocket as autobahn_twisted

    for module in (autobahn_protocol, autobahn_twisted):  # each imported them by name
        module.hltype = _deferring(autobahn_util.hltype)
        module.hlval = _deferring(autobahn_util.hlval)
    autobahn_protocol.Timings.__str__ = lambda self: pprint.pformat(self._timings)

    deadlines = Deadlines(reactor)

    class DeadlineRequest(http_protocol.WebRequest):
        """A request that must arrive in full within SERVER_REQUEST_TIMEOUT seconds."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            deadlines.start(self, settings.SERVER_REQUEST_TIMEOUT)
            # Twisted's form parsing (Content-Type through email.headerregistry, then the
            # body into request.args): daphne hands the raw body to the application.
            self._parsePOSTFormSubmission = False

        def gotLength(self, length: int | None) -> None:
            super().gotLength(length)
            if length:
                # Counted from now, a little later than the start: the headers are in.
                deadlines.extend(
                    self, settings.SERVER_REQUEST_TIMEOUT + length / settings.SERVER_MIN_BODY_RATE
                )

        def requestReceived(self, command: bytes, path: bytes, version: bytes) -> None:
            deadlines.stop(self)  # all of it is here: the app may take its time
            super().requestReceived(command, path, version)

        def connectionLost(self, reason: Any) -> None:
            deadlines.stop(self)
            super().connectionLost(reason)

        def too_slow(self) -> None:
            transport = self.channel.transport if self.channel else None
            if transport is None:
                return
            peer = transport.getPeer()
            refusals.warn("request not received in time", getattr(peer, "host", "?"))
            transport.write(
                b"HTTP/1.1 408 Request Timeout\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            )
            transport.loseConnection()

    class EdgeHTTPFactory(http_protocol.HTTPFactory):
        def buildProtocol(self, addr: Any) -> Any:
            protocol = super().buildProtocol(addr)
            protocol.requestFactory = DeadlineRequest
            return protocol

    class Counted(ProtocolWrapper):
        """Counts its connection against its address until it ends, WebSocket or not
        (daphne hands an upgraded connection to the WebSocket protocol through this)."""

        def connectionLost(self, reason: Any) -> None:
            self.factory.release(self.address)
            super().connectionLost(reason)

    class PerAddressFactory(WrappingFactory):
        protocol = Counted

        def __init__(self, wrapped: Any) -> None:
            super().__init__(wrapped)
            self.open: Counter[str] = Counter()

        def buildProtocol(self, addr: Any) -> Any:
            if shedding():
                # Far behind: answer before reading a byte. A WebSocket upgrade refused
                # after daphne parsed it and autobahn checked it (onConnect below) cost
                # most of what an admitted handshake costs, and a restart's crowd made
                # tens of thousands of them while the process fell further behind.
                admission.REFUSED.labels("connections", "shed").inc()
                return Shed()
            host = getattr(addr, "host", None)
            limited = host is not None and not is_trusted_proxy(host)
            if limited and self.open[host] >= settings.SERVER_MAX_CONNECTIONS_PER_ADDRESS:
                refusals.warn("too many connections", host)
                return None  # Twisted closes the connection at once
            wrapper = super().buildProtocol(addr)
            wrapper.address = host if limited else None
            if wrapper.address is not None:
                self.open[host] += 1
            return wrapper

        def release(self, host: str | None) -> None:
            if host is None:
                return
            self.open[host] -= 1
            if self.open[host] <= 0:
                del self.open[host]

        # daphne's Server reads nothing else of its factory; the log attributes of
        # twisted's HTTPFactory stay on the wrapped one.

    from autobahn.websocket.types import ConnectionDeny
    from daphne.ws_protocol import WebSocketFactory

    class SheddingWebSocketProtocol(WebSocketFactory.protocol):  # backpressure's, if installed
        def onConnect(self, request: Any) -> Any:
            if shedding():  # fell behind since the connection was accepted
                admission.REFUSED.labels("handshakes", "shed").inc()
                raise ConnectionDeny(code=503, reason="Service Unavailable")
            return super().onConnect(request)

    WebSocketFactory.protocol = SheddingWebSocketProtocol

    def factory(server: Any) -> Any:
        return PerAddressFactory(EdgeHTTPFactory(server))

    real_server_from_string = daphne_server.serverFromString

    def server_from_string(reactor: Any, description: str) -> Any:
        if description.startswith("tcp:") and ":backlog=" not in description:
            description += f":backlog={settings.SERVER_LISTEN_BACKLOG}"
        return real_server_from_string(reactor, description)

    daphne_server.HTTPFactory = factory
    daphne_server.serverFromString = server_from_string
    limit_accepts(settings.SERVER_ACCEPTS_PER_TURN)


def limit_accepts(most: int) -> None:
    """At most `most` connections accepted per turn of the loop, per listening port (0:
    Twisted's own growing number)."""
    from twisted.internet import tcp

    real_do_read = getattr(tcp.Port.doRead, "unlimited", tcp.Port.doRead)
    if most <= 0:
        tcp.Port.doRead = real_do_read
        return

    def do_read(self: Any) -> Any:
        self.numberAccepts = min(self.numberAccepts, most)
        return real_do_read(self)

    do_read.unlimited = real_do_read  # type: ignore[attr-defined]
    tcp.Port.doRead = do_read
