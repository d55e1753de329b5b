"""Mutations of a signed body: refused with no effect, or the same signed content and end.

"Equivalent" means the signed fields (and so everything dispatch reads) are equal to the
original's: JSON whitespace, key order, escapes, and unsigned fields such as UnsubscribeURL
or MessageAttributes may differ, because nobody can prove who wrote those.
"""

import json
from datetime import timedelta
from typing import Any

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.webhooks.factories import (
    NOW,
    TOPIC_ARN,
    body,
    certificate_pem,
    db_state,
    notification,
    post,
    rsa_key,
)
from webhooks import certs, sns, sns_trust
from webhooks.errors import Forbidden, Rejected

KEY = rsa_key()
URL = "https://sns.us-west-2.amazonaws.com/SimpleNotificationService-" + "ab" * 16 + ".pem"
CERT = certs.parse_pem(certificate_pem(KEY))


def load_key(url: str, topic: sns.Topic, now) -> Any:
    # Only URLs that passed the URL rules get here; any other well-formed name is a 404
    # from SNS, which the real fetcher turns into Forbidden.
    sns_trust.check_signing_cert_url(url, topic)
    if url != URL:
        raise Forbidden("certificate host answered 404")
    return certs.check_certificate(CERT, expected_name=certs.signing_name(topic), now=now)


def verify(raw: bytes) -> sns.Envelope:
    return sns.verify(
        raw,
        {},
        allowed_topic_arns=[TOPIC_ARN],
        max_age=timedelta(hours=1),
        now=NOW,
        load_key=load_key,
    )


ORIGINAL = notification(
    {"notify": {"user": "alice", "text": "Your file is ready", "link": "/uploads/1/"}},
    key=KEY,
    signing_cert_url=URL,
    subject="Transcoding",
)
ORIGINAL_BODY = json.dumps(ORIGINAL, indent=1).encode()

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=5,
)


@st.composite
def mutations(draw: st.DrawFn) -> bytes:
    kind = draw(st.sampled_from(["flip", "change", "drop", "add", "string-edit"]))
    if kind == "flip":
        raw = bytearray(ORIGINAL_BODY)
        index = draw(st.integers(0, len(raw) - 1))
        raw[index] ^= draw(st.integers(1, 255))
        return bytes(raw)
    data = dict(ORIGINAL)
    keys = sorted(data)
    if kind == "drop":
        del data[draw(st.sampled_from(keys))]
    elif kind == "change":
        data[draw(st.sampled_from(keys))] = draw(json_values)
    elif kind == "add":
        name = draw(
            st.sampled_from(["Subject", "Token", "SubscribeURL", "Extra", "MessageAttributes"])
            | st.text(max_size=12)
        )
        data[name] = draw(json_values)
    else:
        key = draw(st.sampled_from([k for k in keys if isinstance(data[k], str)]))
        value = data[key]
        at = draw(st.integers(0, len(value)))
        data[key] = value[:at] + draw(st.text(min_size=1, max_size=3)) + value[at:]
    return body(data)


def signed_content(envelope: sns.Envelope) -> tuple:
    return (envelope.type, envelope.signed)


@settings(max_examples=200, deadline=None)
@given(mutations())
def test_pure_verifier_mutation_is_refused_or_equivalent(raw: bytes) -> None:
    original = verify(ORIGINAL_BODY)
    try:
        envelope = verify(raw)
    except Rejected:
        return
    assert signed_content(envelope) == signed_content(original)


@settings(max_examples=200, deadline=None)
@given(index=st.integers(0, 10_000), delta=st.integers(1, 255))
def test_genuine_message_byte_flip_is_refused_or_equivalent(
    shared_fixtures, index: int, delta: int
) -> None:
    path = (
        shared_fixtures
        / "sns/messages/aws-sdk-java-v2_notification-subject_sv1_us-west-2_2026.json"
    )
    raw = bytearray(path.read_bytes())
    original = sns.parse(bytes(raw), {})
    raw[index % len(raw)] ^= delta
    loader = certs.make_loader(
        cert_dir=str(shared_fixtures / "sns/certs"), timeout=1.0, cache_size=4
    )
    try:
        envelope = sns.verify(
            bytes(raw),
            {},
            allowed_topic_arns=[original.topic_arn],
            max_age=timedelta(hours=1),
            now=original.sent_at,
            load_key=loader,
        )
    except Rejected:
        return
    assert signed_content(envelope) == signed_content(original)


@pytest.mark.django_db
@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(raw=mutations())
def test_view_mutation_is_refused_without_effect_or_ends_like_the_original(
    client, alice, configure, tmp_path_factory, monkeypatch, raw: bytes
) -> None:
    def not_found(url: str, timeout: float) -> bytes:
        raise Forbidden("certificate host answered 404")

    # A mutated but well-formed certificate name is fetched; SNS would answer 404.
    monkeypatch.setattr(certs, "fetch_pem", not_found)
    directory = tmp_path_factory.mktemp("pinned", numbered=True)
    (directory / URL.rsplit("/", 1)[-1]).write_bytes(certificate_pem(KEY))
    configure(topics=[TOPIC_ARN], cert_dir=directory, now=NOW)
    empty = db_state()
    with transaction.atomic():
        assert post(client, ORIGINAL_BODY).status_code == 200
        after_original = db_state()
        transaction.set_rollback(True)
    assert db_state() == empty and after_original != empty

    with transaction.atomic():
        response = post(client, raw)
        if response.status_code == 200:
            assert db_state() == after_original
        else:
            assert response.status_code in {400, 403, 413}
            assert db_state() == empty
        transaction.set_rollback(True)
