"""The pure verifier against genuine AWS messages and every derived bad input. No database."""

import base64
import hashlib
import json
from datetime import timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

from tests.webhooks.factories import (
    TOPIC_ARN,
    body,
    confirmation,
    notification,
    rsa_key,
    shared_files,
    shared_json,
    verify_pure,
)
from webhooks import certs, sns
from webhooks.errors import Forbidden, Malformed, TooLarge

JAVA = "aws-sdk-java-v2_notification-subject_sv1_us-west-2_2026.json"
JAVA_CONFIRM = "aws-sdk-java-v2_subscription-confirmation_sv1_us-west-2_2026.json"
URL_CASES = shared_json("sns/derived-negative/signing-cert-url-cases.json")
UNICODE = "perl-aws-sns-verify_notification-unicode_sv1_us-east-1_2019.json"


def read(sns_dir: Path, name: str) -> bytes:
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


def pem_key(path: Path):
    return certs.parse_pem(path.read_bytes()).public_key()


# --- genuine messages ---------------------------------------------------------------


@pytest.mark.parametrize("name", shared_files("sns/messages"))
def test_every_genuine_message_verifies(shared_fixtures: Path, name: str) -> None:
    sns_dir = shared_fixtures / "sns"
    raw = read(sns_dir, name)
    envelope = verify_pure(raw, cert_dir=sns_dir / "certs")
    data = json.loads(raw)
    assert envelope.message_id == data["MessageId"]
    assert envelope.message == data["Message"]
    assert envelope.type == data["Type"]
    assert envelope.signature_version == data["SignatureVersion"]


def test_all_thirteen_genuine_messages_are_present(sns_dir: Path) -> None:
    assert len(list((sns_dir / "messages").glob("*.json"))) == 13


@pytest.mark.parametrize(
    ("name", "size", "digest"),
    [
        (JAVA_CONFIRM, 1033, "9aec1d9a2cac3ebdf7b36ad5b1b0ae28afa659eea3c88731ab7c53800306b643"),
        (JAVA, 236, "3ed598eefedbe672e5470c5282d595a0ba8f8d1a0eb7def1821919dffd0ed372"),
        (UNICODE, 176, "a4fc92a065b3c306c3e983b544c0f003f6178d21ad6711205e31d46489232393"),
    ],
)
def test_string_to_sign_matches_reference_anchors(
    sns_dir: Path, name: str, size: int, digest: str
) -> None:
    data = sns.string_to_sign(sns.parse(read(sns_dir, name), {}))
    assert (len(data), hashlib.sha256(data).hexdigest()) == (size, digest)


def test_certificate_validity_is_checked_with_the_injected_clock(sns_dir: Path) -> None:
    raw = read(sns_dir, JAVA)
    later = sns.parse(raw, {}).sent_at + timedelta(days=365)
    with pytest.raises(Forbidden, match="freshness"):
        verify_pure(raw, cert_dir=sns_dir / "certs", now=later)
    # Freshness aside (a signed message whose own time is after the certificate's end):
    envelope = sns.parse(raw, {})
    cert = certs.parse_pem(
        (sns_dir / "certs" / envelope.signing_cert_url.rsplit("/")[-1]).read_bytes()
    )
    with pytest.raises(Forbidden, match="not valid at this time"):
        certs.check_certificate(cert, expected_name="sns.amazonaws.com", now=later)


# --- derived negatives, as the manifest says ----------------------------------------


@pytest.mark.parametrize(
    "case",
    shared_json("sns/derived-negative/manifest.json"),
    ids=lambda c: c["file"].rsplit("/", 1)[-1] if c else "-",
)
def test_derived_case_handled_as_manifest_says(shared_fixtures: Path, case: dict) -> None:
    sns_dir = shared_fixtures / "sns"
    raw = (sns_dir / case["file"]).read_bytes()
    cert_path = sns_dir / case["cert"]

    def manifest_cert(url: str, topic: sns.Topic, now):
        cert = certs.parse_pem(cert_path.read_bytes())
        return certs.check_certificate(cert, expected_name=certs.signing_name(topic), now=now)

    def run() -> sns.Envelope:
        envelope = sns.parse(raw, {})
        return sns.verify(
            raw,
            {},
            allowed_topic_arns=[envelope.topic_arn],
            max_age=timedelta(hours=1),
            now=envelope.sent_at,
            load_key=manifest_cert,
        )

    if case["expected"] == "accept":
        envelope = run()
        original = sns.parse((sns_dir / case["derived_from"]).read_bytes(), {})
        assert envelope.signed == original.signed
        return
    stage = case["rejected_at"]
    if stage in {"parse", "field-validation"}:
        with pytest.raises(Malformed):
            sns.parse(raw, {})
        return
    with pytest.raises(Forbidden):
        run()
    if stage == "signature":
        # The exact stage: the signature itself fails under the manifest's certificate.
        with pytest.raises(Forbidden, match="signature does not verify"):
            sns.check_signature(sns.parse(raw, {}), pem_key(cert_path))
    assert stage in {"signature", "signature+url-check"}


def test_repartitioned_message_id_has_a_valid_rsa_signature_yet_is_refused(
    sns_dir: Path,
) -> None:
    """Why field formats matter: the raw RSA check passes on this replay."""
    data = json.loads((sns_dir / "derived-negative" / "repartitioned-messageid.json").read_text())
    keys = [k for k in sns.SIGNED_KEYS["Notification"] if k in data]
    text = "".join(f"{k}\n{data[k]}\n" for k in keys).encode()
    key = pem_key(sns_dir / "certs" / data["SigningCertURL"].rsplit("/")[-1])
    key.verify(base64.b64decode(data["Signature"]), text, padding.PKCS1v15(), hashes.SHA1())
    with pytest.raises(Malformed, match="MessageId"):
        sns.parse(json.dumps(data).encode(), {})


@pytest.mark.parametrize("case", URL_CASES, ids=lambda c: c["why"] if c else "-")
def test_signing_cert_url_case(shared_fixtures: Path, case: dict) -> None:
    topic = sns.parse_topic_arn(case["topic_arn"])
    if case["expected"] == "accept":
        sns.check_signing_cert_url(case["url"], topic)
        return
    # "accept-or-reject" (upper-case scheme): we take the strict side.
    with pytest.raises(Forbidden):
        sns.check_signing_cert_url(case["url"], topic)


@pytest.mark.parametrize(
    "case",
    [c for c in URL_CASES if c is None or c["expected"] != "accept"],
    ids=lambda c: c["why"] if c else "-",
)
def test_rejected_signing_cert_url_is_never_fetched(shared_fixtures: Path, case: dict) -> None:
    raw = mutated(shared_fixtures / "sns", JAVA, SigningCertURL=case["url"])
    envelope = sns.parse(raw, {})
    calls: list[str] = []

    def loader(url, topic, now):
        calls.append(url)
        raise AssertionError("must not load")

    with pytest.raises(Forbidden):
        sns.verify(
            raw,
            {},
            allowed_topic_arns=[envelope.topic_arn],
            max_age=timedelta(hours=1),
            now=envelope.sent_at,
            load_key=loader,
        )
    assert calls == []


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
    sns.check_fresh(envelope, now=envelope.sent_at + hour, max_age=hour)
    sns.check_fresh(envelope, now=envelope.sent_at - sns.MAX_FUTURE, max_age=hour)
    with pytest.raises(Forbidden, match="older"):
        sns.check_fresh(envelope, now=envelope.sent_at + hour + timedelta(seconds=1), max_age=hour)
    with pytest.raises(Forbidden, match="future"):
        sns.check_fresh(
            envelope, now=envelope.sent_at - sns.MAX_FUTURE - timedelta(seconds=1), max_age=hour
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
    ],
)
def test_subscribe_url_must_be_this_topics_confirmation(url: str) -> None:
    key = rsa_key()
    token = "ab" * 128
    data = confirmation("SubscriptionConfirmation", key=key, signing_cert_url="x", token=token)
    data["SubscribeURL"] = url.format(arn=TOPIC_ARN, t=token)
    with pytest.raises(Forbidden, match="SubscribeURL"):
        sns.check_subscribe_url(sns.parse(body(data), {}))


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
