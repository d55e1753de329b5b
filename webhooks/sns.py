"""The SNS HTTP envelope: parse and check its fields (here), then decide whether to
trust it (webhooks/sns_trust.py: topic, freshness, URLs, signature); `verify` does both.

Pure: no ORM, no settings, no network. The caller passes the policy, the clock and a
certificate loader, so every rule here is testable without a database. The order of
`verify` is the order of cost: nothing is fetched before every cheap check has passed.
"""

import base64
import binascii
import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from cryptography.hazmat.primitives.asymmetric import rsa

from webhooks.errors import Malformed, TooLarge
from webhooks.sns_trust import (
    HASHES,
    URL_CHARS,
    check_fresh,
    check_signature,
    check_signing_cert_url,
    check_subscribe_url,
    check_topic_allowed,
)

MAX_BODY_BYTES = 1024 * 1024
MAX_SUBJECT = 99  # SNS refuses subjects of 100 characters or more at publish time.
MAX_SIGNATURE_BYTES = 1024

NOTIFICATION = "Notification"
SUBSCRIPTION_CONFIRMATION = "SubscriptionConfirmation"
UNSUBSCRIBE_CONFIRMATION = "UnsubscribeConfirmation"
TYPES = (NOTIFICATION, SUBSCRIPTION_CONFIRMATION, UNSUBSCRIBE_CONFIRMATION)

# The string-to-sign takes these keys, in this (byte-sorted) order, per Type; a key list
# fixed per Type keeps an attacker from adding or dropping signed keys.
SIGNED_KEYS = {
    NOTIFICATION: ("Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"),
    SUBSCRIPTION_CONFIRMATION: (
        "Message",
        "MessageId",
        "SubscribeURL",
        "Timestamp",
        "Token",
        "TopicArn",
        "Type",
    ),
}
SIGNED_KEYS[UNSUBSCRIBE_CONFIRMATION] = SIGNED_KEYS[SUBSCRIPTION_CONFIRMATION]
_ENVELOPE = ("Message", "MessageId", "Timestamp", "TopicArn", "Type")
_TRAILER = ("SignatureVersion", "Signature", "SigningCertURL")
REQUIRED_KEYS = {
    NOTIFICATION: (*_ENVELOPE, *_TRAILER),
    SUBSCRIPTION_CONFIRMATION: (*_ENVELOPE, "SubscribeURL", "Token", *_TRAILER),
}
REQUIRED_KEYS[UNSUBSCRIBE_CONFIRMATION] = REQUIRED_KEYS[SUBSCRIPTION_CONFIRMATION]

_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_TIMESTAMP = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z")
_TOPIC_ARN = re.compile(
    r"arn:(?P<partition>aws|aws-cn|aws-us-gov):sns:"
    r"(?P<region>[a-z]{2}(?:-[a-z]+)+-[0-9]{1,2}):(?P<account>[0-9]{12}):(?P<name>[A-Za-z0-9_-]{1,256})"
)
_TOKEN = re.compile(r"[!-~]{1,2048}")  # printable ASCII, no space
_BASE64 = re.compile(r"(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?")
_SNS_HEADERS = {
    "x-amz-sns-message-type": "Type",
    "x-amz-sns-message-id": "MessageId",
    "x-amz-sns-topic-arn": "TopicArn",
}


@dataclass(frozen=True)
class Topic:
    arn: str
    partition: str
    region: str
    account: str
    name: str

    @property
    def sns_host(self) -> str:
        """The regional SNS endpoint: the only host we trust for certificates and URLs."""
        suffix = "amazonaws.com.cn" if self.partition == "aws-cn" else "amazonaws.com"
        return f"sns.{self.region}.{suffix}"


@dataclass(frozen=True)
class Envelope:
    """A parsed, field-checked SNS delivery. `signed` holds exactly the signed pairs."""

    type: str
    message_id: str
    topic: Topic
    message: str
    timestamp: str
    sent_at: datetime
    signature_version: str
    signature: bytes
    signing_cert_url: str
    signed: tuple[tuple[str, str], ...]
    subject: str | None = None
    token: str = ""
    subscribe_url: str = ""

    @property
    def topic_arn(self) -> str:
        return self.topic.arn


# A certificate loader returns the public key for a checked SigningCertURL, or raises
# Forbidden (bad certificate) or Unavailable (fetch failed).
KeyLoader = Callable[[str, Topic, datetime], rsa.RSAPublicKey]


def verify(
    body: bytes,
    headers: Mapping[str, str],
    *,
    allowed_topic_arns: Iterable[str],
    max_age: timedelta,
    now: datetime,
    load_key: KeyLoader,
) -> Envelope:
    """Return the envelope if every check passes; raise a `Rejected` subclass otherwise."""
    envelope = parse(body, headers)
    check_topic_allowed(envelope, allowed_topic_arns)
    check_fresh(envelope, now=now, max_age=max_age)
    check_signing_cert_url(envelope.signing_cert_url, envelope.topic)
    if envelope.type != NOTIFICATION:
        check_subscribe_url(envelope)
    key = load_key(envelope.signing_cert_url, envelope.topic, now)
    check_signature(envelope, key)
    return envelope


def parse(body: bytes, headers: Mapping[str, str]) -> Envelope:
    """Parse and field-check a delivery: TooLarge (413) or Malformed (400) on failure."""
    if len(body) > MAX_BODY_BYTES:
        raise TooLarge(f"body is {len(body)} bytes, over {MAX_BODY_BYTES}")
    data = _load_json(body)
    lowered = {k.lower(): v for k, v in headers.items()}
    if lowered.get("x-amz-sns-rawdelivery", "false").strip().lower() != "false":
        raise Malformed("raw message delivery cannot be authenticated")
    if not all(key in data for key in ("Type", "Signature", "SigningCertURL")):
        raise Malformed("not an SNS envelope (raw delivery or another sender)")
    kind = data["Type"]
    if kind not in TYPES:
        raise Malformed("unknown Type")
    for key in REQUIRED_KEYS[kind]:
        if key not in data:
            raise Malformed(f"{key} missing for {kind}")
        if not isinstance(data[key], str):
            raise Malformed(f"{key} is not a string")
    _check_optional(data, kind)
    envelope = _build(data, kind)
    _check_headers(lowered, data)
    return envelope


def _load_json(body: bytes) -> dict[str, Any]:
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise Malformed("body is not UTF-8") from None
    try:
        data = json.loads(text, object_pairs_hook=_refuse_duplicates, parse_constant=_refuse)
    except _DuplicateKey as exc:
        raise Malformed(f"duplicate JSON key {exc.args[0]!r}") from None
    except (ValueError, RecursionError):
        raise Malformed("body is not JSON") from None
    if not isinstance(data, dict):
        raise Malformed("body is not a JSON object")
    return data


class _DuplicateKey(ValueError):
    pass


def _refuse_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # Parsers disagree on which copy of a key wins; refusing both closes that gap.
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise _DuplicateKey(key[:40])
        result[key] = value
    return result


def _refuse(constant: str) -> None:
    raise ValueError(f"{constant} is not JSON")


def _check_optional(data: dict[str, Any], kind: str) -> None:
    if kind == NOTIFICATION and "Subject" in data:
        subject = data["Subject"]
        if not isinstance(subject, str):
            raise Malformed("Subject is not a string")
        if not subject or len(subject) > MAX_SUBJECT or not subject.isprintable():
            raise Malformed("Subject is empty, too long or not a single printable line")
    if "UnsubscribeURL" in data and not isinstance(data["UnsubscribeURL"], str):
        raise Malformed("UnsubscribeURL is not a string")
    if "MessageAttributes" in data and not isinstance(data["MessageAttributes"], dict):
        raise Malformed("MessageAttributes is not an object")


def _build(data: dict[str, Any], kind: str) -> Envelope:
    # Field formats matter because the string-to-sign does not bind field boundaries: a
    # newline inside a value can move text between fields without changing the signature.
    if not _UUID.fullmatch(data["MessageId"]):
        raise Malformed("MessageId is not a bare lower-case UUID")
    timestamp = data["Timestamp"]
    if not _TIMESTAMP.fullmatch(timestamp):
        raise Malformed("Timestamp is not YYYY-MM-DDTHH:MM:SS.mmmZ")
    try:
        # The format is checked above; fromisoformat reads it as strptime would, in a
        # fiftieth of its time (strptime is Python, on every delivery's event loop turn).
        sent_at = datetime.fromisoformat(timestamp)
    except ValueError:
        raise Malformed("Timestamp is not a valid date") from None
    topic = parse_topic_arn(data["TopicArn"])
    if kind != NOTIFICATION:
        if not _TOKEN.fullmatch(data["Token"]):
            raise Malformed("Token is empty or has whitespace or non-ASCII characters")
        if not URL_CHARS.fullmatch(data["SubscribeURL"]):
            raise Malformed("SubscribeURL has whitespace or non-ASCII characters")
    version = data["SignatureVersion"]
    if version not in HASHES:
        raise Malformed("SignatureVersion is not '1' or '2'")
    signature = _decode_signature(data["Signature"])
    try:
        data["Message"].encode("utf-8")
    except UnicodeEncodeError:
        raise Malformed("Message holds a lone surrogate") from None
    signed = tuple((key, data[key]) for key in SIGNED_KEYS[kind] if key in data)
    return Envelope(
        type=kind,
        message_id=data["MessageId"],
        topic=topic,
        message=data["Message"],
        timestamp=timestamp,
        sent_at=sent_at,
        signature_version=version,
        signature=signature,
        signing_cert_url=data["SigningCertURL"],
        signed=signed,
        subject=data.get("Subject") if kind == NOTIFICATION else None,
        token=data.get("Token", ""),
        subscribe_url=data.get("SubscribeURL", ""),
    )


def parse_topic_arn(arn: str) -> Topic:
    """Split an SNS topic ARN into its parts; Malformed if it is not one."""
    match = _TOPIC_ARN.fullmatch(arn)
    if match is None:
        raise Malformed("TopicArn is not an SNS topic ARN")
    return Topic(arn=arn, **match.groupdict())


def _decode_signature(value: str) -> bytes:
    if not value or not _BASE64.fullmatch(value):
        raise Malformed("Signature is not strict base64")
    try:
        raw = base64.b64decode(value, validate=True)
    except binascii.Error:
        raise Malformed("Signature is not strict base64") from None
    if len(raw) > MAX_SIGNATURE_BYTES:
        raise Malformed("Signature is too long")
    return raw


def _check_headers(headers: Mapping[str, str], data: dict[str, Any]) -> None:
    # Headers are not signed; they may only agree with the body, never add to it.
    for header, key in _SNS_HEADERS.items():
        if header in headers and headers[header] != data[key]:
            raise Malformed(f"header {header} disagrees with {key}")
    subscription = headers.get("x-amz-sns-subscription-arn")
    if subscription is not None and not subscription.startswith(data["TopicArn"] + ":"):
        raise Malformed("header x-amz-sns-subscription-arn is not a subscription of TopicArn")
