"""Where Web Push may connect: public addresses only, checked on the address connected to.

A subscription's endpoint is a URL the browser (or anyone with a session) hands us, and
the push worker POSTs to it. A textual check of the host cannot work ("localhost.",
"127.1", "0x7f.0.0.1" and any DNS name can mean loopback), so the host is resolved and
every address checked, at subscribe time, and again at send time by the connection
itself: it connects only to an address it has just checked, so a name that resolves to
a public address for the check and a private one a moment later (DNS rebinding) gets
nowhere.
"""

import ipaddress
import socket
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import NewConnectionError
from urllib3.util import connection

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
# NAT64 (RFC 6052): a gateway forwards these to the IPv4 address in the last 32 bits.
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


class PrivateAddress(ValueError):
    """The host is missing, does not resolve, or resolves to a non-public address."""


def resolve(host: str, port: int) -> list[IPAddress]:
    """Every address `host` resolves to (numeric hosts in any form inet_aton takes)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise PrivateAddress(f"{host} does not resolve") from exc
    return [ipaddress.ip_address(info[4][0].split("%")[0]) for info in infos]


def is_public_address(address: IPAddress) -> bool:
    """Globally routable unicast: not loopback, private, link-local, reserved, multicast."""
    if isinstance(address, ipaddress.IPv6Address):
        # An IPv4 address wrapped in IPv6 is checked as the IPv4 address it reaches.
        inner = address.ipv4_mapped or address.sixtofour or (address.teredo or (None, None))[1]
        if address in _NAT64:
            inner = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
        if inner is not None:
            return is_public_address(inner)
    return address.is_global and not address.is_multicast


def public_addresses(host: str, port: int) -> list[IPAddress]:
    """The addresses of `host`; PrivateAddress unless there is one and all are public."""
    if not host:
        raise PrivateAddress("no host")
    addresses = resolve(host, port)
    if not addresses or not all(is_public_address(a) for a in addresses):
        raise PrivateAddress(f"{host} resolves to a non-public address")
    return addresses


class _Checked:
    """Mixed into urllib3's connections: connect to a checked address, never to a name."""

    host: str
    port: int
    timeout: Any
    source_address: Any
    socket_options: Any

    def _new_conn(self) -> socket.socket:
        try:
            addresses = public_addresses(self.host.strip("[]"), self.port)
        except PrivateAddress as exc:
            raise NewConnectionError(self, f"refused: {exc}") from None  # type: ignore[arg-type]
        error: OSError | None = None
        for address in addresses:
            try:
                # TLS still verifies the certificate against self.host (urllib3 wraps
                # this socket with server_hostname=self.host), as for a name.
                return connection.create_connection(
                    (str(address), self.port),
                    self.timeout,
                    source_address=self.source_address,
                    socket_options=self.socket_options,
                )
            except OSError as exc:
                error = exc
        raise NewConnectionError(self, f"Failed to establish a new connection: {error}")  # type: ignore[arg-type]


class _HTTPConnection(_Checked, HTTPConnection):
    pass


class _HTTPSConnection(_Checked, HTTPSConnection):
    pass


class _HTTPPool(HTTPConnectionPool):
    ConnectionCls = _HTTPConnection


class _HTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _HTTPSConnection


class _Adapter(HTTPAdapter):
    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _HTTPPool, "https": _HTTPSPool}


def session() -> requests.Session:
    """A requests session that connects to public addresses only, with no proxy."""
    checked = requests.Session()
    # A proxy from the environment would be the address connected to, not the endpoint.
    checked.trust_env = False
    adapter = _Adapter()
    checked.mount("http://", adapter)
    checked.mount("https://", adapter)
    return checked
