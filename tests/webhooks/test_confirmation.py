"""SubscriptionConfirmation and UnsubscribeConfirmation: boto3 against botocore's Stubber."""

import logging
from pathlib import Path

import pytest
from botocore.exceptions import EndpointConnectionError

from tests.webhooks.factories import NOW, certificate_pem, confirmation, db_state, post
from webhooks import services, sns
from webhooks.models import ProcessedMessage, UnmatchedMessage

pytestmark = pytest.mark.django_db

JAVA = "aws-sdk-java-v2_subscription-confirmation_sv1_us-west-2_2026.json"
RAKU = "raku-aws-sns-notification_subscription-confirmation_sv1_us-east-1_2021.json"
UNSUBSCRIBE = "aws-sdk-java-v2_unsubscribe-confirmation_sv2_us-west-2_2026.json"


def genuine(shared_fixtures: Path, configure, name: str) -> tuple[bytes, sns.Envelope]:
    raw = (shared_fixtures / "sns/messages" / name).read_bytes()
    envelope = sns.parse(raw, {})
    configure(
        topics=[envelope.topic_arn], cert_dir=shared_fixtures / "sns/certs", now=envelope.sent_at
    )
    return raw, envelope


@pytest.mark.parametrize(("name", "region"), [(JAVA, "us-west-2"), (RAKU, "us-east-1")])
def test_genuine_confirmation_calls_confirm_subscription_in_the_topic_region(
    client, configure, shared_fixtures: Path, sns_stub, no_outbound_http, name: str, region: str
) -> None:
    raw, envelope = genuine(shared_fixtures, configure, name)
    stub = sns_stub(region)
    arn = envelope.topic_arn + ":b24e11a2-06bd-4e73-aa29-0ed2de3b41b5"
    stub.add_response(
        "confirm_subscription",
        {"SubscriptionArn": arn},
        expected_params={
            "TopicArn": envelope.topic_arn,
            "Token": envelope.token,
            "AuthenticateOnUnsubscribe": "true",
        },
    )
    response = post(client, raw, **{"x-amz-sns-message-type": "SubscriptionConfirmation"})
    assert response.status_code == 200
    stub.assert_no_pending_responses()
    assert stub.regions == [region]
    assert stub.client.meta.region_name == region
    assert ProcessedMessage.objects.get().outcome == f"confirmed {arn}"
    # SubscribeURL was never fetched: no connection of any kind was opened.
    assert no_outbound_http == []

    # SNS retries the confirmation: nothing is confirmed twice.
    assert post(client, raw).content == b"duplicate\n"
    stub.assert_no_pending_responses()


def test_china_confirmation_uses_the_china_region(
    client, configure, pki, sns_stub, no_outbound_http
) -> None:
    arn = "arn:aws-cn:sns:cn-north-1:123456789012:transcoding-events"
    name = "sns-cn-north-1.amazonaws.com.cn"
    url = pki.pin(
        certificate_pem(pki.key, common_name=name, san=(name,)),
        host="sns.cn-north-1.amazonaws.com.cn",
    )
    data = confirmation(
        "SubscriptionConfirmation",
        key=pki.key,
        signing_cert_url=url,
        topic_arn=arn,
        host="sns.cn-north-1.amazonaws.com.cn",
    )
    configure(topics=[arn], cert_dir=pki.directory, now=NOW)
    stub = sns_stub("cn-north-1")
    stub.add_response(
        "confirm_subscription",
        {"SubscriptionArn": arn + ":1"},
        expected_params={
            "TopicArn": arn,
            "Token": data["Token"],
            "AuthenticateOnUnsubscribe": "true",
        },
    )
    assert post(client, data).status_code == 200
    stub.assert_no_pending_responses()
    assert stub.regions == ["cn-north-1"]
    assert stub.client.meta.endpoint_url.endswith(".amazonaws.com.cn")


def test_confirmation_refused_by_sns_is_logged_and_answered_200(
    client, configure, shared_fixtures: Path, sns_stub, caplog
) -> None:
    raw, envelope = genuine(shared_fixtures, configure, JAVA)
    stub = sns_stub("us-west-2")
    stub.add_client_error("confirm_subscription", "InvalidParameter", http_status_code=400)
    with caplog.at_level(logging.ERROR, logger="webhooks"):
        assert post(client, raw).status_code == 200
    assert ProcessedMessage.objects.get().outcome == "confirmation refused: InvalidParameter"
    assert any("refused" in r.getMessage() for r in caplog.records)
    assert all(envelope.token not in r.getMessage() for r in caplog.records)


def test_confirmation_server_error_is_503_and_leaves_nothing(
    client, configure, shared_fixtures: Path, sns_stub
) -> None:
    raw, _ = genuine(shared_fixtures, configure, JAVA)
    stub = sns_stub("us-west-2")
    stub.add_client_error("confirm_subscription", "InternalError", http_status_code=500)
    before = db_state()
    assert post(client, raw).status_code == 503
    assert db_state() == before


def test_confirmation_connection_failure_is_503(
    client, configure, shared_fixtures: Path, monkeypatch
) -> None:
    raw, _ = genuine(shared_fixtures, configure, JAVA)

    class Unreachable:
        def confirm_subscription(self, **kwargs):
            raise EndpointConnectionError(endpoint_url="https://sns.us-west-2.amazonaws.com")

    monkeypatch.setattr(services, "sns_client", lambda region: Unreachable())
    before = db_state()
    assert post(client, raw).status_code == 503
    assert db_state() == before


def test_unsubscribe_confirmation_is_logged_and_nothing_is_visited(
    client, configure, shared_fixtures: Path, monkeypatch, no_outbound_http, caplog
) -> None:
    raw, envelope = genuine(shared_fixtures, configure, UNSUBSCRIBE)
    monkeypatch.setattr(services, "sns_client", lambda region: pytest.fail("no API call"))
    with caplog.at_level(logging.WARNING, logger="webhooks"):
        assert post(client, raw).status_code == 200
    assert ProcessedMessage.objects.get().outcome == "unsubscribe confirmation logged"
    assert not UnmatchedMessage.objects.exists()
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and envelope.topic_arn in warnings[0]
    assert envelope.subscribe_url not in warnings[0] and envelope.token not in warnings[0]
    assert no_outbound_http == []


def test_ssrf_confirmation_is_refused_before_any_confirmation(
    client, configure, shared_fixtures: Path, monkeypatch, no_outbound_http
) -> None:
    raw = (shared_fixtures / "sns/derived-negative/subscribeurl-ssrf.json").read_bytes()
    envelope = sns.parse(raw, {})
    configure(
        topics=[envelope.topic_arn], cert_dir=shared_fixtures / "sns/certs", now=envelope.sent_at
    )
    monkeypatch.setattr(services, "sns_client", lambda region: pytest.fail("no API call"))
    before = db_state()
    assert post(client, raw).status_code == 403
    assert db_state() == before
    assert no_outbound_http == []


def test_confirmation_from_an_attacker_topic_is_never_confirmed(
    client, signed, monkeypatch, no_outbound_http
) -> None:
    attacker = "arn:aws:sns:us-west-2:999999999999:attacker"
    data = confirmation(
        "SubscriptionConfirmation", key=signed.key, signing_cert_url=signed.url, topic_arn=attacker
    )
    monkeypatch.setattr(services, "sns_client", lambda region: pytest.fail("no API call"))
    assert post(client, data).status_code == 403
    assert not ProcessedMessage.objects.exists()
