"""SNS signing certificates: fetch or pin, check, cache. No ORM, no settings.

`make_loader` returns the `sns.KeyLoader` the verifier calls once every cheap check has
passed. A pinned PEM (a file in `cert_dir` named like the URL's last segment) replaces
only the fetch: the URL rules, the name and validity checks and the signature still apply.
"""

import functools
import http.client
import logging
import os
import re
import ssl
import stat
import threading
import time
from collections import OrderedDict
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from webhooks.errors import Forbidden, Unavailable
from webhooks.sns import KeyLoader, Topic

logger = logging.getLogger(__name__)

MAX_PEM_BYTES = 16 * 1024  # real SNS certificates are about 2 KB
MIN_RSA_BITS = 2048
CACHE_TTL_SECONDS = 24 * 3600

# Commercial regions that are opt-in sign with a regional name (AWS SDK for Java v2,
# SnsHostProvider); the rest of the partition signs as sns.amazonaws.com.
OPT_IN_REGIONS = frozenset(
    {
        "af-south-1",
        "ap-east-1",
        "ap-east-2",
        "ap-south-2",
        "ap-southeast-3",
        "ap-southeast-4",
        "ap-southeast-5",
        "ap-southeast-6",
        "ap-southeast-7",
        "ca-west-1",
        "eu-central-2",
        "eu-south-1",
        "eu-south-2",
        "il-central-1",
        "me-central-1",
        "me-south-1",
        "mx-central-1",
    }
)

# One certificate block and nothing around it: lenient PEM readers skip surrounding text,
# which is how a page that merely contains a certificate could pass for one.
_PEM = re.compile(
    rb"\s*-----BEGIN CERTIFICATE-----\r?\n"
    rb"(?:[A-Za-z0-9+/=]{1,76}\r?\n)+"
    rb"-----END CERTIFICATE-----\s*"
)


def signing_name(topic: Topic) -> str:
    """The DNS name an SNS signing certificate for `topic`'s region must carry."""
    if topic.partition == "aws-cn":
        return f"sns-{topic.region}.amazonaws.com.cn"
    if topic.partition == "aws-us-gov":
        return "sns-us-gov-west-1.amazonaws.com"
    if topic.region in OPT_IN_REGIONS:
        return f"sns-signing.{topic.region}.amazonaws.com"
    return "sns.amazonaws.com"


def parse_pem(pem: bytes) -> x509.Certificate:
    """Exactly one PEM certificate block, parsed; Forbidden otherwise."""
    if not _PEM.fullmatch(pem):
        raise Forbidden("certificate is not exactly one PEM block")
    try:
        return x509.load_pem_x509_certificate(pem)
    except ValueError:
        raise Forbidden("certificate does not parse") from None


def check_certificate(
    cert: x509.Certificate, *, expected_name: str, now: datetime
) -> rsa.RSAPublicKey:
    """Return the RSA key if `cert` is an SNS signing certificate valid at `now`."""
    key, names, not_before, not_after = _read(cert)
    if not isinstance(key, rsa.RSAPublicKey) or key.key_size < MIN_RSA_BITS:
        raise Forbidden(f"certificate key is not RSA of at least {MIN_RSA_BITS} bits")
    if expected_name not in names:
        raise Forbidden(f"certificate names {sorted(names)} do not include {expected_name}")
    if not not_before <= now <= not_after:
        raise Forbidden("certificate is not valid at this time")
    return key


@functools.lru_cache(maxsize=64)
def _read(cert: x509.Certificate) -> tuple[Any, frozenset[str], datetime, datetime]:
    # Read once per certificate, not once per delivery (each read builds new Python
    # objects); the checks still run each time.
    names = frozenset(certificate_names(cert))
    return cert.public_key(), names, cert.not_valid_before_utc, cert.not_valid_after_utc


def certificate_names(cert: x509.Certificate) -> set[str]:
    """SAN DNS names when the extension exists (RFC 6125), else the subject CNs."""
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName)
    except x509.ExtensionNotFound:
        return {
            str(attr.value) for attr in cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
        }
    return set(san.value.get_values_for_type(x509.DNSName))


def fetch_pem(url: str, timeout: float) -> bytes:
    """GET `url` over verified HTTPS: no redirects, a deadline, a size cap.

    Unavailable (503, SNS retries) when we could not get an answer; Forbidden when the
    host answered with something that is not a certificate.
    """
    parts = urlsplit(url)
    deadline = time.monotonic() + timeout
    connection = http.client.HTTPSConnection(
        parts.hostname or "", timeout=timeout, context=ssl.create_default_context()
    )
    try:
        connection.request("GET", parts.path, headers={"Accept": "application/x-pem-file"})
        response = connection.getresponse()
        if response.status >= 500:
            raise Unavailable(f"certificate host answered {response.status}")
        if response.status != 200:
            # http.client never follows redirects; a 3xx or 4xx is not a certificate.
            raise Forbidden(f"certificate host answered {response.status}")
        chunks: list[bytes] = []
        size = 0
        while chunk := response.read(4096):
            size += len(chunk)
            if size > MAX_PEM_BYTES:
                raise Forbidden("certificate response is over the size cap")
            if time.monotonic() > deadline:
                raise Unavailable("certificate fetch timed out")
            chunks.append(chunk)
        return b"".join(chunks)
    except (OSError, http.client.HTTPException) as exc:
        raise Unavailable(f"certificate fetch failed: {type(exc).__name__}") from None
    finally:
        connection.close()


class CertificateCache:
    """A bounded LRU of parsed certificates by exact URL, each kept at most a day.

    Only certificates that passed every check are stored, so a failure is never cached.
    """

    def __init__(self) -> None:
        self._entries: OrderedDict[str, tuple[float, x509.Certificate]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, url: str) -> x509.Certificate | None:
        with self._lock:
            entry = self._entries.get(url)
            if entry is None:
                return None
            stored_at, cert = entry
            if time.monotonic() - stored_at > CACHE_TTL_SECONDS:
                del self._entries[url]
                return None
            self._entries.move_to_end(url)
            return cert

    def put(self, url: str, cert: x509.Certificate, *, max_size: int) -> None:
        with self._lock:
            self._entries[url] = (time.monotonic(), cert)
            self._entries.move_to_end(url)
            while len(self._entries) > max(max_size, 0):
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)


cache = CertificateCache()


class NotCached(Exception):
    """The key needs a fetch, which a loader made with `fetch=False` does not do."""


def make_loader(*, cert_dir: str, timeout: float, cache_size: int, fetch: bool = True) -> KeyLoader:
    """A key loader: pinned file first, then the cache, then one fetch.

    With `fetch=False` it does no network I/O (it raises NotCached instead), so it can run
    on the event loop: the common case, a known certificate, then needs no thread.
    """

    def load(url: str, topic: Topic, now: datetime) -> rsa.RSAPublicKey:
        expected = signing_name(topic)
        pinned = _pinned_cert(cert_dir, url)
        if pinned is not None:
            return check_certificate(pinned, expected_name=expected, now=now)
        cert = cache.get(url)
        if cert is not None:
            return check_certificate(cert, expected_name=expected, now=now)
        if not fetch:
            raise NotCached(url)
        # Looked up at call time so tests (and nothing else) can swap the fetcher.
        cert = parse_pem(fetch_pem(url, timeout))
        key = check_certificate(cert, expected_name=expected, now=now)
        cache.put(url, cert, max_size=cache_size)
        logger.info("fetched SNS signing certificate %s", url)
        return key

    return load


def _pinned_cert(cert_dir: str, url: str) -> x509.Certificate | None:
    """The certificate pinned for `url` in `cert_dir`, or None: one stat per delivery.
    Keyed on the file's identity and time: replacing a pinned file takes effect at once."""
    if not cert_dir:
        return None
    path = os.path.join(cert_dir, _file_name(url))
    try:
        found = os.stat(path)
    except OSError:
        return None
    if not stat.S_ISREG(found.st_mode):
        return None
    return _parse_pinned(path, found.st_mtime_ns, found.st_size, found.st_ino)


@functools.lru_cache(maxsize=32)
def _parse_pinned(path: str, mtime_ns: int, size: int, inode: int) -> x509.Certificate:
    return parse_pem(Path(path).read_bytes())


@functools.lru_cache(maxsize=64)
def _file_name(url: str) -> str:
    # The URL has passed sns_trust.check_signing_cert_url, so this is a bare file name.
    return urlsplit(url).path.rsplit("/", 1)[-1]
