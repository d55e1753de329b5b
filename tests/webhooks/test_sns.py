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
    mutated,
    read,
    shared_files,
    shared_json,
    verify_pure,
)
from webhooks import certs, sns, sns_trust
from webhooks.errors import Forbidden, Malformed

JAVA = "aws-sdk-java-v2_notification-subject_sv1_us-west-2_2026.json"
JAVA_CONFIRM = "aws-sdk-java-v2_subscription-confirmation_sv1_us-west-2_2026.json"
URL_CASES = shared_json("sns/derived-negative/signing-cert-url-cases.json")
UNICODE = "perl-aws-sns-verify_notification-unicode_sv1_us-east-1_2019.json"


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
    data = sns_trust.string_to_sign(sns.parse(read(sns_dir, name), {}))
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
            sns_trust.check_signature(sns.parse(raw, {}), pem_key(cert_path))
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
        sns_trust.check_signing_cert_url(case["url"], topic)
        return
    # "accept-or-reject" (upper-case scheme): we take the strict side.
    with pytest.raises(Forbidden):
        sns_trust.check_signing_cert_url(case["url"], topic)


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
