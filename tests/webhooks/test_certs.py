"""Certificate loading and checks with test-generated keys and certificates. No database."""

import http.client
import io
import os
import ssl
from datetime import timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.webhooks.factories import (
    NOW,
    Pki,
    body,
    cert_url,
    certificate_pem,
    notification,
    rsa_key,
    verify_pure,
)
from webhooks import certs, sns
from webhooks.errors import Forbidden, Unavailable

CN_ARN = "arn:aws-cn:sns:cn-north-1:123456789012:transcoding-events"
GOV_ARN = "arn:aws-us-gov:sns:us-gov-west-1:123456789012:transcoding-events"
OPT_IN_ARN = "arn:aws:sns:af-south-1:123456789012:transcoding-events"


@pytest.mark.parametrize(
    ("arn", "host", "name"),
    [
        (CN_ARN, "sns.cn-north-1.amazonaws.com.cn", "sns-cn-north-1.amazonaws.com.cn"),
        (GOV_ARN, "sns.us-gov-west-1.amazonaws.com", "sns-us-gov-west-1.amazonaws.com"),
        (OPT_IN_ARN, "sns.af-south-1.amazonaws.com", "sns-signing.af-south-1.amazonaws.com"),
    ],
    ids=["china", "govcloud", "opt-in"],
)
def test_other_partitions_verify_with_their_hosts_and_names(
    pki: Pki, arn: str, host: str, name: str
) -> None:
    url = pki.pin(certificate_pem(pki.key, common_name=name, san=(name,)), host=host)
    data = notification("hello", key=pki.key, signing_cert_url=url, topic_arn=arn)
    assert verify_pure(body(data), cert_dir=pki.directory).topic_arn == arn
    # The commercial name is not accepted in those partitions, nor their host elsewhere.
    wrong = pki.pin(certificate_pem(pki.key), host=host)
    with pytest.raises(Forbidden, match="do not include"):
        verify_pure(body({**data, "SigningCertURL": wrong}), cert_dir=pki.directory)


def test_china_certificate_url_on_the_commercial_host_is_refused(pki: Pki) -> None:
    url = pki.pin(certificate_pem(pki.key), host="sns.cn-north-1.amazonaws.com")
    data = notification("hello", key=pki.key, signing_cert_url=url, topic_arn=CN_ARN)
    with pytest.raises(Forbidden, match="host"):
        verify_pure(body(data), cert_dir=pki.directory)


@pytest.mark.parametrize(
    ("pem_kwargs", "reason"),
    [
        ({"san": ("sns.amazonaws.com.evil.example",)}, "do not include"),
        ({"common_name": "sns.amazonaws.com", "san": ("evil.example",)}, "do not include"),
        ({"common_name": "evil.example", "san": None}, "do not include"),
        ({"not_after": NOW - timedelta(seconds=1)}, "not valid at this time"),
        ({"not_before": NOW + timedelta(seconds=1)}, "not valid at this time"),
    ],
    ids=["san-suffix", "wrong-san", "wrong-cn-no-san", "expired", "not-yet-valid"],
)
def test_bad_certificate_is_forbidden(pki: Pki, pem_kwargs: dict, reason: str) -> None:
    url = pki.pin(certificate_pem(pki.key, **pem_kwargs))
    data = notification("hello", key=pki.key, signing_cert_url=url)
    with pytest.raises(Forbidden, match=reason):
        verify_pure(body(data), cert_dir=pki.directory, now=NOW)


def test_common_name_is_used_when_there_is_no_san(pki: Pki) -> None:
    url = pki.pin(certificate_pem(pki.key, san=None))
    data = notification("hello", key=pki.key, signing_cert_url=url)
    verify_pure(body(data), cert_dir=pki.directory)


def test_rsa_1024_key_is_forbidden(pki: Pki) -> None:
    weak = rsa_key(1024)
    url = pki.pin(certificate_pem(weak))
    data = notification("hello", key=weak, signing_cert_url=url)
    with pytest.raises(Forbidden, match="2048"):
        verify_pure(body(data), cert_dir=pki.directory)


def test_non_rsa_key_is_forbidden(pki: Pki) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "sns.amazonaws.com")])
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(NOW - timedelta(days=1))
        .not_valid_after(NOW + timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    url = pki.pin(cert.public_bytes(serialization.Encoding.PEM))
    data = notification("hello", key=pki.key, signing_cert_url=url)
    with pytest.raises(Forbidden, match="RSA"):
        verify_pure(body(data), cert_dir=pki.directory)


@pytest.mark.parametrize(
    "wrap",
    [
        lambda pem: pem + pem,
        lambda pem: pem + certificate_pem(rsa_key(2048, 1)),
        lambda pem: b"<xml><value>" + pem + b"</value></xml>",
        lambda pem: b"garbage\n" + pem,
        lambda pem: pem.replace(b"CERTIFICATE", b"PUBLIC KEY"),
        lambda pem: pem[:-40] + b"\n-----END CERTIFICATE-----\n",
        lambda pem: b"",
    ],
    ids=["two-blocks", "two-certs", "xml-wrapped", "leading-text", "wrong-label", "cut", "empty"],
)
def test_pem_must_be_exactly_one_certificate_block(pki: Pki, wrap) -> None:
    url = pki.pin(wrap(certificate_pem(pki.key)))
    data = notification("hello", key=pki.key, signing_cert_url=url)
    with pytest.raises(Forbidden, match=r"PEM block|does not parse"):
        verify_pure(body(data), cert_dir=pki.directory)


def test_pem_with_surrounding_whitespace_and_crlf_is_accepted(pki: Pki) -> None:
    pem = certificate_pem(pki.key).replace(b"\n", b"\r\n")
    url = pki.pin(b"\n  " + pem + b"\n\n")
    data = notification("hello", key=pki.key, signing_cert_url=url)
    verify_pure(body(data), cert_dir=pki.directory)


def test_signature_from_another_key_is_forbidden(pki: Pki) -> None:
    data = notification("hello", key=rsa_key(2048, 1), signing_cert_url=pki.url)
    with pytest.raises(Forbidden, match="signature does not verify"):
        verify_pure(body(data), cert_dir=pki.directory)


# --- pinning bypasses nothing --------------------------------------------------------


def test_pinned_certificate_still_needs_a_valid_url(pki: Pki) -> None:
    # The file is there, but the URL naming it is on another host: nothing is loaded.
    name = pki.url.rsplit("/", 1)[-1]
    data = notification("hello", key=pki.key, signing_cert_url=f"https://evil.example/{name}")
    with pytest.raises(Forbidden, match="host"):
        verify_pure(body(data), cert_dir=pki.directory)


def test_pinned_certificate_is_used_without_fetching(pki: Pki, monkeypatch) -> None:
    monkeypatch.setattr(certs, "fetch_pem", lambda *a: pytest.fail("must not fetch"))
    data = notification("hello", key=pki.key, signing_cert_url=pki.url)
    verify_pure(body(data), cert_dir=pki.directory)


def test_a_replaced_pinned_file_takes_effect_at_once(pki: Pki) -> None:
    topic = sns.parse_topic_arn("arn:aws:sns:us-west-2:123456789012:t")
    load = certs.make_loader(cert_dir=str(pki.directory), timeout=1, cache_size=2, fetch=False)
    assert load(pki.url, topic, NOW).public_numbers() == pki.key.public_key().public_numbers()

    other = rsa_key(2048, 2)
    path = pki.directory / pki.url.rsplit("/", 1)[-1]
    mtime = path.stat().st_mtime_ns

    def replace(pem: bytes) -> None:
        # A new modification time, as any later write has: the file's clock is coarser
        # than two writes in a row of a test.
        nonlocal mtime
        path.write_bytes(pem)
        mtime += 1_000_000_000
        os.utime(path, ns=(mtime, mtime))

    replace(certificate_pem(other))
    assert load(pki.url, topic, NOW).public_numbers() == other.public_key().public_numbers()
    # The validity read once per certificate is still checked against the clock each use.
    replace(certificate_pem(other, not_after=NOW - timedelta(days=1)))
    with pytest.raises(Forbidden, match="not valid"):
        load(pki.url, topic, NOW)

    path.unlink()
    with pytest.raises(certs.NotCached):
        load(pki.url, topic, NOW)


def test_only_a_file_is_a_pin(pki: Pki) -> None:
    # A directory named like the certificate is no pin: the certificate must be fetched.
    url = cert_url()
    (pki.directory / url.rsplit("/", 1)[-1]).mkdir()
    load = certs.make_loader(cert_dir=str(pki.directory), timeout=1, cache_size=2, fetch=False)
    with pytest.raises(certs.NotCached):
        load(url, sns.parse_topic_arn("arn:aws:sns:us-west-2:123456789012:t"), NOW)


def test_unpinned_url_is_fetched_checked_and_cached(pki: Pki, monkeypatch) -> None:
    pem = certificate_pem(pki.key)
    fetched: list[tuple[str, float]] = []

    def fetch(url: str, timeout: float) -> bytes:
        fetched.append((url, timeout))
        return pem

    monkeypatch.setattr(certs, "fetch_pem", fetch)
    url = cert_url()
    load = certs.make_loader(cert_dir="", timeout=2.5, cache_size=2)
    topic = sns.parse_topic_arn("arn:aws:sns:us-west-2:123456789012:t")
    load(url, topic, NOW)
    load(url, topic, NOW)
    assert fetched == [(url, 2.5)]
    # A cached certificate is still checked against the clock on every use.
    with pytest.raises(Forbidden, match="not valid"):
        load(url, topic, NOW + timedelta(days=3650))


def test_cache_is_bounded_and_never_stores_failures(pki: Pki, monkeypatch) -> None:
    good = certificate_pem(pki.key)
    monkeypatch.setattr(certs, "fetch_pem", lambda url, timeout: good)
    topic = sns.parse_topic_arn("arn:aws:sns:us-west-2:123456789012:t")
    load = certs.make_loader(cert_dir="", timeout=1, cache_size=3)
    urls = [cert_url() for _ in range(5)]
    for url in urls:
        load(url, topic, NOW)
    assert len(certs.cache) == 3
    assert certs.cache.get(urls[0]) is None and certs.cache.get(urls[-1]) is not None

    certs.cache.clear()
    monkeypatch.setattr(certs, "fetch_pem", lambda url, timeout: b"nope")
    with pytest.raises(Forbidden):
        load(urls[0], topic, NOW)
    assert len(certs.cache) == 0


def test_fetch_failure_is_unavailable(pki: Pki, monkeypatch) -> None:
    def down(url: str, timeout: float) -> bytes:
        raise Unavailable("certificate fetch failed: TimeoutError")

    monkeypatch.setattr(certs, "fetch_pem", down)
    data = notification("hello", key=pki.key, signing_cert_url=cert_url())
    with pytest.raises(Unavailable):
        verify_pure(body(data), cert_dir=Path(pki.directory))


# --- the HTTPS fetch itself (connection replaced, behaviour of fetch_pem checked) ----


class FakeResponse:
    def __init__(self, status: int, payload: bytes) -> None:
        self.status = status
        self._stream = io.BytesIO(payload)

    def read(self, size: int = -1) -> bytes:
        return self._stream.read(size)


class FakeConnection:
    made: list[dict] = []

    def __init__(self, host: str, *, timeout: float, context: ssl.SSLContext) -> None:
        self.record = {"host": host, "timeout": timeout, "context": context}
        FakeConnection.made.append(self.record)

    def request(self, method: str, path: str, headers: dict) -> None:
        self.record.update(method=method, path=path)
        if FakeConnection.raise_on_request:
            raise FakeConnection.raise_on_request

    def getresponse(self) -> FakeResponse:
        return FakeConnection.response

    def close(self) -> None:
        self.record["closed"] = True


@pytest.fixture
def fake_https(monkeypatch):
    FakeConnection.made = []
    FakeConnection.raise_on_request = None
    FakeConnection.response = FakeResponse(200, b"pem")
    monkeypatch.setattr(http.client, "HTTPSConnection", FakeConnection)
    return FakeConnection


def test_fetch_uses_verified_tls_the_exact_host_and_path(fake_https) -> None:
    url = cert_url(digest="0" * 32)
    assert certs.fetch_pem(url, 3.0) == b"pem"
    (made,) = fake_https.made
    assert made["host"] == "sns.us-west-2.amazonaws.com"
    assert made["path"] == "/SimpleNotificationService-" + "0" * 32 + ".pem"
    assert made["timeout"] == 3.0 and made["closed"]
    assert made["context"].verify_mode == ssl.CERT_REQUIRED
    assert made["context"].check_hostname


@pytest.mark.parametrize(
    ("status", "payload", "error"),
    [
        (500, b"", Unavailable),
        (503, b"", Unavailable),
        (404, b"", Forbidden),
        (301, b"", Forbidden),
        (200, b"x" * (certs.MAX_PEM_BYTES + 1), Forbidden),
    ],
    ids=["500", "503", "404", "redirect-not-followed", "over-size-cap"],
)
def test_fetch_status_mapping(fake_https, status: int, payload: bytes, error) -> None:
    fake_https.response = FakeResponse(status, payload)
    with pytest.raises(error):
        certs.fetch_pem(cert_url(), 3.0)


@pytest.mark.parametrize(
    "exc", [TimeoutError(), ConnectionRefusedError(), ssl.SSLCertVerificationError()]
)
def test_fetch_network_errors_are_unavailable(fake_https, exc: Exception) -> None:
    fake_https.raise_on_request = exc
    with pytest.raises(Unavailable):
        certs.fetch_pem(cert_url(), 3.0)
