"""Keys, certificates and signed SNS envelopes made by the tests themselves.

For what no genuine sample covers: MediaConvert inside a signed envelope, the China and
GovCloud partitions, attacker topics and broken certificates. Also: reading the shared
fixtures, posting to the webhook like SNS, and a snapshot of what a delivery may write.
"""

import base64
import json
import os
import secrets
import uuid
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID

from webhooks import certs, sns

TOPIC_ARN = "arn:aws:sns:us-west-2:123456789012:transcoding-events"
NOW = datetime(2026, 11, 25, 12, 0, 0, 123000, tzinfo=UTC)


@lru_cache(maxsize=4)
def rsa_key(bits: int = 2048, index: int = 0) -> rsa.RSAPrivateKey:
    """A private key per (size, index), generated once per test session."""
    return rsa.generate_private_key(public_exponent=65537, key_size=bits)


def certificate_pem(
    key: rsa.RSAPrivateKey,
    *,
    common_name: str = "sns.amazonaws.com",
    san: tuple[str, ...] | None = ("sns.amazonaws.com",),
    not_before: datetime = NOW - timedelta(days=30),
    not_after: datetime = NOW + timedelta(days=300),
) -> bytes:
    """A self-signed certificate shaped like SNS's (the chain is TLS's job, not ours)."""
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
    )
    if san is not None:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.DNSName(n) for n in san]), critical=False
        )
    cert = builder.sign(key, hashes.SHA256())
    return cert.public_bytes(serialization.Encoding.PEM)


def cert_url(host: str = "sns.us-west-2.amazonaws.com", digest: str | None = None) -> str:
    return f"https://{host}/SimpleNotificationService-{digest or secrets.token_hex(16)}.pem"


def timestamp(at: datetime = NOW) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%S.") + f"{at.microsecond // 1000:03d}Z"


def sign(fields: dict[str, Any], key: rsa.RSAPrivateKey, version: str = "2") -> dict[str, Any]:
    """Add SignatureVersion and Signature over the per-type string-to-sign of `fields`."""
    data = dict(fields)
    keys = sns.SIGNED_KEYS[data["Type"]]
    text = "".join(f"{k}\n{data[k]}\n" for k in keys if k in data).encode("utf-8")
    algorithm = hashes.SHA1() if version == "1" else hashes.SHA256()
    data["SignatureVersion"] = version
    data["Signature"] = base64.b64encode(key.sign(text, padding.PKCS1v15(), algorithm)).decode(
        "ascii"
    )
    return data


def notification(
    message: str | dict[str, Any],
    *,
    key: rsa.RSAPrivateKey,
    signing_cert_url: str,
    topic_arn: str = TOPIC_ARN,
    at: datetime = NOW,
    subject: str | None = None,
    message_id: str | None = None,
    version: str = "2",
) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "Type": "Notification",
        "MessageId": message_id or str(uuid.uuid4()),
        "TopicArn": topic_arn,
        "Message": message if isinstance(message, str) else json.dumps(message),
        "Timestamp": timestamp(at),
    }
    if subject is not None:
        fields["Subject"] = subject
    data = sign(fields, key, version)
    data["SigningCertURL"] = signing_cert_url
    data["UnsubscribeURL"] = (
        f"https://sns.us-west-2.amazonaws.com/?Action=Unsubscribe&SubscriptionArn={topic_arn}:x"
    )
    return data


def confirmation(
    kind: str,
    *,
    key: rsa.RSAPrivateKey,
    signing_cert_url: str,
    topic_arn: str = TOPIC_ARN,
    host: str = "sns.us-west-2.amazonaws.com",
    at: datetime = NOW,
    token: str | None = None,
    version: str = "2",
) -> dict[str, Any]:
    token = token or secrets.token_hex(128)
    fields = {
        "Type": kind,
        "MessageId": str(uuid.uuid4()),
        "Token": token,
        "TopicArn": topic_arn,
        "Message": f"You have chosen to subscribe to the topic {topic_arn}.\nTo confirm...",
        "SubscribeURL": (
            f"https://{host}/?Action=ConfirmSubscription&TopicArn={topic_arn}&Token={token}"
        ),
        "Timestamp": timestamp(at),
    }
    data = sign(fields, key, version)
    data["SigningCertURL"] = signing_cert_url
    return data


def body(data: dict[str, Any]) -> bytes:
    return json.dumps(data).encode("utf-8")


class Pki:
    """One generated signing key with its certificate pinned in a directory."""

    def __init__(self, directory: Path, *, host: str = "sns.us-west-2.amazonaws.com") -> None:
        self.directory = directory
        self.key = rsa_key()
        self.host = host
        self.url = self.pin(certificate_pem(self.key))

    def pin(self, pem: bytes, *, host: str | None = None) -> str:
        """Write `pem` where SNS_CERT_DIR finds it; return the URL that names it."""
        url = cert_url(host or self.host)
        (self.directory / url.rsplit("/", 1)[-1]).write_bytes(pem)
        return url


def genuine_messages(sns_dir: Path) -> list[Path]:
    return sorted((sns_dir / "messages").glob("*.json"))


def verify_pure(
    body: bytes,
    *,
    cert_dir: Path,
    headers: dict[str, str] | None = None,
    allowed: list[str] | None = None,
    now: Any = None,
) -> sns.Envelope:
    """Run the verifier with a pinned certificate directory and the message's own clock."""
    envelope = sns.parse(body, headers or {})
    return sns.verify(
        body,
        headers or {},
        allowed_topic_arns=[envelope.topic_arn] if allowed is None else allowed,
        max_age=timedelta(hours=1),
        now=envelope.sent_at if now is None else now,
        load_key=certs.make_loader(cert_dir=str(cert_dir), timeout=1.0, cache_size=8),
    )


def load_json(path: Path) -> Any:
    return json.loads(path.read_text())


def shared_path() -> Path:
    """Where the shared fixtures live, for parametrizing at collection time.

    Mirrors tests/conftest.py's `shared_fixtures`; tests still request that fixture, which
    skips (or fails in CI) when the directory is absent.
    """
    default = Path(__file__).resolve().parents[3] / "shared" / "fixtures"
    return Path(os.environ.get("SHARED_FIXTURES_DIR", default))


def shared_json(relative: str) -> list[Any]:
    """A JSON list from the shared fixtures, or one placeholder when they are absent."""
    path = shared_path() / relative
    return load_json(path) if path.is_file() else [None]


def shared_files(relative: str) -> list[str]:
    directory = shared_path() / relative
    return sorted(p.name for p in directory.glob("*.json")) if directory.is_dir() else ["-"]


def post(client: Any, payload: bytes | dict[str, Any], **headers: str) -> Any:
    """POST a body to the webhook the way SNS does (text/plain, x-amz-sns-* headers)."""
    raw = payload if isinstance(payload, bytes) else body(payload)
    return client.post(
        "/webhooks/sns/",
        data=raw,
        # SNS writes "UTF-8"; the test client would re-encode (and choke on) invalid bytes
        # for any spelling but "utf-8".
        content_type="text/plain; charset=utf-8",
        headers={"User-Agent": "Amazon Simple Notification Service Agent", **headers},
    )


def sns_headers(data: dict[str, Any]) -> dict[str, str]:
    return {
        "x-amz-sns-message-type": data["Type"],
        "x-amz-sns-message-id": data["MessageId"],
        "x-amz-sns-topic-arn": data["TopicArn"],
    }


def db_state() -> tuple[list[tuple], ...]:
    """Everything a delivery may write, without ids and clocks (for before/after checks)."""
    from notifications.models import Message
    from uploads.models import AudioFile
    from webhooks.models import ProcessedMessage, UnmatchedMessage

    return (
        sorted(ProcessedMessage.objects.values_list("message_id", "type", "topic_arn", "outcome")),
        sorted(UnmatchedMessage.objects.values_list("message_id", "reason", "resolved_at")),
        sorted(Message.objects.values_list("recipient_id", "text", "level", "link", "source_id")),
        sorted(AudioFile.objects.values_list("pk", "status", "progress", "output", "error")),
    )


def read(sns_dir: Path, name: str) -> bytes:
    """A genuine message from the shared fixtures, byte for byte."""
    return (sns_dir / "messages" / name).read_bytes()


def mutated(sns_dir: Path, name: str, **changes: object) -> bytes:
    """A genuine message with fields replaced (None deletes the key)."""
    data = json.loads(read(sns_dir, name))
    for key, value in changes.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    return json.dumps(data).encode()
