"""The pure verifier, check by check: parse, field formats, policy, URLs, signatures."""

import json
from datetime import timedelta
from pathlib import Path

import pytest

from tests.webhooks.factories import (
    TOPIC_ARN,
    body,
    confirmation,
    mutated,
    notification,
    read,
    rsa_key,
    verify_pure,
)
from webhooks import sns, sns_trust
from webhooks.errors import Forbidden, Malformed, TooLarge

JAVA = "aws-sdk-java-v2_notification-subject_sv1_us-west-2_2026.json"
JAVA_CONFIRM = "aws-sdk-java-v2_subscription-confirmation_sv1_us-west-2_2026.json"


# --- parse and field formats (400 / 413) --------------------------------------------


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"\xff\xfe{}", "UTF-8"),
        (b"not json", "not JSON"),
        (b"", "not JSON"),
        (b'["Type"]', "JSON object"),
        (b'"Notification"', "JSON object"),
        (b'{"Type": NaN}', "not JSON"),
        (b"\xef\xbb\xbf{}", "not JSON"),
        (b"[" * 100_000, "not JSON"),
        (b'{"notify": {"user": "alice", "text": "hi"}}', "not an SNS envelope"),
    ],
    ids=["bad-utf8", "not-json", "empty", "array", "string", "nan", "bom", "deep", "raw-body"],
)
def test_unparseable_bodies(raw: bytes, reason: str) -> None:
    with pytest.raises(Malformed, match=reason):
        sns.parse(raw, {})


def test_body_over_one_mebibyte_is_too_large() -> None:
    with pytest.raises(TooLarge):
        sns.parse(b" " * (sns.MAX_BODY_BYTES + 1), {})


def test_raw_delivery_header_is_refused(sns_dir: Path) -> None:
    with pytest.raises(Malformed, match="raw message delivery"):
        sns.parse(read(sns_dir, JAVA), {"X-Amz-Sns-Rawdelivery": "true"})
    sns.parse(read(sns_dir, JAVA), {"x-amz-sns-rawdelivery": "false"})


@pytest.mark.parametrize("kind", [" Notification", "notification", "Notification\n", "Other"])
def test_unknown_type(sns_dir: Path, kind: str) -> None:
    with pytest.raises(Malformed, match="unknown Type"):
        sns.parse(mutated(sns_dir, JAVA, Type=kind), {})


@pytest.mark.parametrize(
    ("name", "key"),
    [(JAVA, k) for k in ("Message", "MessageId", "Timestamp", "TopicArn", "SignatureVersion")]
    + [(JAVA_CONFIRM, k) for k in ("Token", "SubscribeURL")],
)
def test_missing_required_key(sns_dir: Path, name: str, key: str) -> None:
    with pytest.raises(Malformed, match=f"{key} missing"):
        sns.parse(mutated(sns_dir, name, **{key: None}), {})


@pytest.mark.parametrize(
    ("key", "value"),
    [("MessageId", 1), ("Message", {"a": 1}), ("SignatureVersion", 2), ("Timestamp", None)],
)
def test_signed_and_trailer_fields_must_be_strings(sns_dir: Path, key: str, value) -> None:
    data = json.loads(read(sns_dir, JAVA))
    data[key] = value
    with pytest.raises(Malformed, match=f"{key} is not a string"):
        sns.parse(json.dumps(data).encode(), {})


@pytest.mark.parametrize(
    "message_id",
    [
        "F3F2FC87-C426-4C2F-9044-B55890C0939C",
        "{f3f2fc87-c426-4c2f-9044-b55890c0939c}",
        "f3f2fc87c4264c2f9044b55890c0939c",
        "f3f2fc87-c426-4c2f-9044-b55890c0939c\n",
        "f3f2fc87-c426-4c2f-9044-b55890c0939c\nSubject\nx",
        "",
    ],
)
def test_message_id_must_be_a_bare_uuid(sns_dir: Path, message_id: str) -> None:
    with pytest.raises(Malformed, match="MessageId"):
        sns.parse(mutated(sns_dir, JAVA, MessageId=message_id), {})


@pytest.mark.parametrize(
    "value",
    [
        "2026-03-06T19:53:21Z",
        "2026-03-06T19:53:21.424+00:00",
        "2026-03-06 19:53:21.424Z",
        "2026-02-30T19:53:21.424Z",
        "2026-03-06T19:53:21.424Z\n",
        "٢٠٢٦-03-06T19:53:21.424Z",
    ],
)
def test_timestamp_must_be_iso_with_milliseconds_and_z(sns_dir: Path, value: str) -> None:
    with pytest.raises(Malformed, match="Timestamp"):
        sns.parse(mutated(sns_dir, JAVA, Timestamp=value), {})


@pytest.mark.parametrize(
    "arn",
    [
        "arn:aws:sqs:us-west-2:131990247566:queue",
        "arn:aws:sns:us-west-2:1319902475:short-account",
        "arn:aws:sns:us-west-2:131990247566:",
        "arn:evil:sns:us-west-2:131990247566:t",
        "arn:aws:sns:us-west-2:131990247566:t\n",
    ],
)
def test_topic_arn_must_be_an_sns_topic(sns_dir: Path, arn: str) -> None:
    with pytest.raises(Malformed, match="TopicArn"):
        sns.parse(mutated(sns_dir, JAVA, TopicArn=arn), {})


@pytest.mark.parametrize(
    ("subject", "reason"),
    [
        (None, "Subject is not a string"),
        ("", "Subject is empty"),
        ("two\nlines", "single printable line"),
        ("tab\there", "single printable line"),
        ("x" * 100, "too long"),
    ],
)
def test_subject_must_be_short_single_line(sns_dir: Path, subject, reason: str) -> None:
    data = json.loads(read(sns_dir, JAVA))
    data["Subject"] = subject
    with pytest.raises(Malformed, match=reason):
        sns.parse(json.dumps(data).encode(), {})


@pytest.mark.parametrize("token", ["", "abc def", "abc\n", "tökén"])
def test_token_must_be_printable_ascii(sns_dir: Path, token: str) -> None:
    with pytest.raises(Malformed, match="Token"):
        sns.parse(mutated(sns_dir, JAVA_CONFIRM, Token=token), {})


@pytest.mark.parametrize("version", ["3", "0", "", " 1", "SHA256"])
def test_signature_version_must_be_1_or_2(sns_dir: Path, version: str) -> None:
    with pytest.raises(Malformed, match="SignatureVersion"):
        sns.parse(mutated(sns_dir, JAVA, SignatureVersion=version), {})


@pytest.mark.parametrize(
    "signature",
    ["", "abc", "ab=c", "a-_b", "YWJj\n", "YWJj YWJj", "YWJjZA", "=" * 4, "QUJD" * 400],
)
def test_signature_must_be_strict_base64(sns_dir: Path, signature: str) -> None:
    with pytest.raises(Malformed, match="Signature"):
        sns.parse(mutated(sns_dir, JAVA, Signature=signature), {})


def test_message_with_a_lone_surrogate_is_malformed(sns_dir: Path) -> None:
    raw = read(sns_dir, JAVA).replace(b'"Message" : "', b'"Message" : "\\ud800', 1)
    with pytest.raises(Malformed, match="surrogate"):
        sns.parse(raw, {})


def test_unsigned_extras_must_have_their_types(sns_dir: Path) -> None:
    with pytest.raises(Malformed, match="UnsubscribeURL"):
        sns.parse(mutated(sns_dir, JAVA, UnsubscribeURL=["x"]), {})
    with pytest.raises(Malformed, match="MessageAttributes"):
        sns.parse(mutated(sns_dir, JAVA, MessageAttributes="x"), {})


@pytest.mark.parametrize(
    ("header", "value"),
    [
        ("x-amz-sns-message-type", "SubscriptionConfirmation"),
        ("x-amz-sns-message-id", "00000000-0000-0000-0000-000000000000"),
        ("x-amz-sns-topic-arn", "arn:aws:sns:us-west-2:131990247566:other"),
        ("x-amz-sns-subscription-arn", "arn:aws:sns:us-west-2:131990247566:other:abc"),
    ],
)
def test_sns_headers_must_agree_with_the_body(sns_dir: Path, header: str, value: str) -> None:
    with pytest.raises(Malformed, match="header"):
        sns.parse(read(sns_dir, JAVA), {header.upper(): value})


def test_agreeing_headers_pass(sns_dir: Path) -> None:
    data = json.loads(read(sns_dir, JAVA))
    headers = {
        "X-Amz-Sns-Message-Type": data["Type"],
        "X-Amz-Sns-Message-Id": data["MessageId"],
        "X-Amz-Sns-Topic-Arn": data["TopicArn"],
        "X-Amz-Sns-Subscription-Arn": data["TopicArn"] + ":b24e11a2-06bd-4e73-aa29-0ed2de3b41b5",
    }
    verify_pure(read(sns_dir, JAVA), cert_dir=sns_dir / "certs", headers=headers)


# --- policy: topic and freshness (403) ----------------------------------------------


def test_topic_not_in_allow_list_is_forbidden_before_any_load(sns_dir: Path) -> None:
    raw = read(sns_dir, JAVA)
    for allowed in ([], ["arn:aws:sns:us-west-2:131990247566:other"]):
        with pytest.raises(Forbidden, match="not allowed"):
            verify_pure(raw, cert_dir=Path("/nonexistent"), allowed=allowed)


def test_freshness_window_edges(sns_dir: Path) -> None:
    envelope = sns.parse(read(sns_dir, JAVA), {})
    hour = timedelta(hours=1)
    sns_trust.check_fresh(envelope, now=envelope.sent_at + hour, max_age=hour)
    sns_trust.check_fresh(envelope, now=envelope.sent_at - sns_trust.MAX_FUTURE, max_age=hour)
    with pytest.raises(Forbidden, match="older"):
        sns_trust.check_fresh(
            envelope, now=envelope.sent_at + hour + timedelta(seconds=1), max_age=hour
        )
    with pytest.raises(Forbidden, match="future"):
        sns_trust.check_fresh(
            envelope,
            now=envelope.sent_at - sns_trust.MAX_FUTURE - timedelta(seconds=1),
            max_age=hour,
        )


# --- SubscribeURL (never fetched, but must be SNS's own) ----------------------------


@pytest.mark.parametrize(
    "url",
    [
        "http://169.254.169.254/latest/meta-data/",
        "https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription&TopicArn={arn}&Token={t}",
        "https://sns.us-west-2.amazonaws.com/x?Action=ConfirmSubscription&TopicArn={arn}&Token={t}",
        "https://sns.us-west-2.amazonaws.com/?Action=Unsubscribe&TopicArn={arn}&Token={t}",
        "https://sns.us-west-2.amazonaws.com/?Action=ConfirmSubscription&TopicArn={arn}&Token=x",
        "https://sns.us-west-2.amazonaws.com/?Action=ConfirmSubscription&TopicArn={arn}&Token={t}"
        "&Token={t}",
        "https://sns.us-west-2.amazonaws.com/?Action=ConfirmSubscription&TopicArn={arn}&Token={t}"
        "&Next=http://evil.example",
        "https://evil.example@sns.us-west-2.amazonaws.com/?Action=ConfirmSubscription",
        # urlsplit raises ValueError on an unclosed IPv6 bracket: still a refusal, not a 500.
        "https://[sns.us-west-2.amazonaws.com/?Action=ConfirmSubscription&TopicArn={arn}",
    ],
)
def test_subscribe_url_must_be_this_topics_confirmation(url: str) -> None:
    key = rsa_key()
    token = "ab" * 128
    data = confirmation("SubscriptionConfirmation", key=key, signing_cert_url="x", token=token)
    data["SubscribeURL"] = url.format(arn=TOPIC_ARN, t=token)
    with pytest.raises(Forbidden, match="SubscribeURL"):
        sns_trust.check_subscribe_url(sns.parse(body(data), {}))


def test_ssrf_subscribe_url_is_refused_before_any_certificate_load(sns_dir: Path) -> None:
    raw = (sns_dir / "derived-negative" / "subscribeurl-ssrf.json").read_bytes()
    envelope = sns.parse(raw, {})
    with pytest.raises(Forbidden, match="SubscribeURL"):
        sns.verify(
            raw,
            {},
            allowed_topic_arns=[envelope.topic_arn],
            max_age=timedelta(hours=1),
            now=envelope.sent_at,
            load_key=lambda *a: pytest.fail("must not load a certificate"),
        )


# --- signature versions with a generated key -----------------------------------------


@pytest.mark.parametrize("version", ["1", "2"])
def test_generated_notification_verifies_in_both_versions(pki, version: str) -> None:
    data = notification("hello", key=pki.key, signing_cert_url=pki.url, version=version)
    envelope = verify_pure(body(data), cert_dir=pki.directory)
    assert envelope.message == "hello"


def test_relabelled_signature_version_fails(pki) -> None:
    data = notification("hello", key=pki.key, signing_cert_url=pki.url, version="2")
    data["SignatureVersion"] = "1"
    with pytest.raises(Forbidden, match="signature does not verify"):
        verify_pure(body(data), cert_dir=pki.directory)


def test_attacker_topic_with_genuine_looking_signature_is_forbidden(pki) -> None:
    """The attacker owns a topic and SNS signs for it: only the allow-list stops it."""
    attacker = "arn:aws:sns:us-west-2:999999999999:attacker-topic"
    data = notification("hello", key=pki.key, signing_cert_url=pki.url, topic_arn=attacker)
    verify_pure(body(data), cert_dir=pki.directory, allowed=[attacker])  # signature is fine
    with pytest.raises(Forbidden, match="not allowed"):
        verify_pure(body(data), cert_dir=pki.directory, allowed=[TOPIC_ARN])


@pytest.mark.parametrize(
    "url",
    [
        "https://[sns.us-west-2.amazonaws.com/SimpleNotificationService-0123.pem",
        "https://sns.us-west-2.amazonaws.com]/SimpleNotificationService-0123.pem",
    ],
)
def test_a_signing_cert_url_urlsplit_cannot_read_is_forbidden(url: str) -> None:
    # Found by the mutation property test: a `[` made urlsplit raise ValueError (a 500).
    with pytest.raises(Forbidden, match="SigningCertURL"):
        sns_trust.check_signing_cert_url(url, sns.parse_topic_arn(TOPIC_ARN))
