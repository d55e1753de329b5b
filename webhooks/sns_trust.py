"""Whether to trust a well-formed SNS envelope (webhooks/sns.py parses it): the topic
allow-list, freshness, the certificate and subscribe URLs, the signature. Each check
raises Forbidden (403); `sns.verify` runs them in the order of cost.

Pure: no ORM, no settings, no network.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING
from urllib.parse import SplitResult, parse_qsl, urlsplit

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from webhooks.errors import Forbidden

if TYPE_CHECKING:  # sns imports this module to run the checks
    from webhooks.sns import Envelope, Topic

MAX_FUTURE = timedelta(minutes=5)
HASHES = {"1": hashes.SHA1, "2": hashes.SHA256}
# Printable ASCII, no space: a URL SNS sends (sns.py checks SubscribeURL with it too).
URL_CHARS = re.compile(r"[!-~]{1,4096}")
_CERT_PATH = re.compile(r"/SimpleNotificationService-[0-9a-f]{32}\.pem")


def check_topic_allowed(envelope: Envelope, allowed_topic_arns: Iterable[str]) -> None:
    """Forbidden unless TopicArn is allow-listed: a valid signature only proves *some* topic."""
    if envelope.topic_arn not in set(allowed_topic_arns):
        raise Forbidden(f"topic {envelope.topic_arn} is not allowed")


def check_fresh(envelope: Envelope, *, now: datetime, max_age: timedelta) -> None:
    """Forbidden when Timestamp is older than `max_age` or too far in the future."""
    if now - envelope.sent_at > max_age:
        raise Forbidden("Timestamp is older than the freshness window")
    if envelope.sent_at - now > MAX_FUTURE:
        raise Forbidden("Timestamp is in the future")


def _split(url: str, name: str) -> SplitResult:
    """urlsplit, with its ValueError (an unbalanced IPv6 bracket) as a refusal."""
    try:
        return urlsplit(url)
    except ValueError:
        raise Forbidden(f"{name} does not parse as a URL") from None


def check_signing_cert_url(url: str, topic: Topic) -> None:
    """Forbidden unless `url` is exactly the regional SNS certificate URL for `topic`."""
    if not URL_CHARS.fullmatch(url) or "\\" in url:
        raise Forbidden("SigningCertURL has whitespace, backslash or non-ASCII characters")
    # The raw prefix, not urlsplit's lower-cased scheme: one spelling, nothing to normalise.
    if not url.startswith("https://") or "?" in url or "#" in url or "@" in url:
        raise Forbidden("SigningCertURL is not plain https without query or userinfo")
    parts = _split(url, "SigningCertURL")
    if parts.netloc != topic.sns_host:
        raise Forbidden("SigningCertURL host is not the SNS endpoint of the topic's region")
    if not _CERT_PATH.fullmatch(parts.path):
        raise Forbidden("SigningCertURL path is not /SimpleNotificationService-<hex>.pem")


def check_subscribe_url(envelope: Envelope) -> None:
    """Forbidden unless SubscribeURL is the ConfirmSubscription call for this topic and token.

    We never fetch it (we confirm through the API), but a signed message whose URL points
    anywhere else is not something SNS sends.
    """
    url = envelope.subscribe_url
    if not url.startswith("https://") or "#" in url or "@" in url or "\\" in url:
        raise Forbidden("SubscribeURL is not plain https")
    parts = _split(url, "SubscribeURL")
    if parts.netloc != envelope.topic.sns_host or parts.path != "/":
        raise Forbidden("SubscribeURL is not the SNS endpoint of the topic's region")
    try:
        pairs = parse_qsl(parts.query, keep_blank_values=True, strict_parsing=True)
    except ValueError:
        raise Forbidden("SubscribeURL query does not parse") from None
    query = dict(pairs)
    expected = {
        "Action": "ConfirmSubscription",
        "TopicArn": envelope.topic_arn,
        "Token": envelope.token,
    }
    if len(pairs) != len(query) or query != expected:
        raise Forbidden("SubscribeURL query is not ConfirmSubscription for this topic and token")


def string_to_sign(envelope: Envelope) -> bytes:
    """The exact bytes SNS signed: `Key\\nValue\\n` per signed key, trailing newline included."""
    return "".join(f"{key}\n{value}\n" for key, value in envelope.signed).encode("utf-8")


def check_signature(envelope: Envelope, key: rsa.RSAPublicKey) -> None:
    """Forbidden unless the signature verifies under the hash SignatureVersion selects."""
    algorithm = HASHES[envelope.signature_version]()
    try:
        key.verify(envelope.signature, string_to_sign(envelope), padding.PKCS1v15(), algorithm)
    except InvalidSignature:
        raise Forbidden("signature does not verify") from None
