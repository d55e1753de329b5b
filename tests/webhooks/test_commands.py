"""manage.py sns_subscribe against botocore's Stubber."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tests.webhooks.factories import TOPIC_ARN
from webhooks.management.commands.sns_subscribe import Command

ENDPOINT = "https://example.com/webhooks/sns/"


def run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("sns_subscribe", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_subscribes_over_https_returning_the_arn(sns_stub, settings) -> None:
    settings.SNS_ALLOWED_TOPIC_ARNS = [TOPIC_ARN]
    stub = sns_stub("us-west-2")
    stub.add_response(
        "subscribe",
        {"SubscriptionArn": TOPIC_ARN + ":abc"},
        expected_params={
            "TopicArn": TOPIC_ARN,
            "Protocol": "https",
            "Endpoint": ENDPOINT,
            "ReturnSubscriptionArn": True,
        },
    )
    out, err = run(TOPIC_ARN, ENDPOINT)
    stub.assert_no_pending_responses()
    assert stub.regions == ["us-west-2"]
    assert TOPIC_ARN + ":abc" in out and err == ""


def test_can_set_signature_version_2_first(sns_stub, settings) -> None:
    settings.SNS_ALLOWED_TOPIC_ARNS = []
    stub = sns_stub("us-west-2")
    stub.add_response(
        "set_topic_attributes",
        {},
        expected_params={
            "TopicArn": TOPIC_ARN,
            "AttributeName": "SignatureVersion",
            "AttributeValue": "2",
        },
    )
    stub.add_response("subscribe", {"SubscriptionArn": "pending confirmation"})
    out, err = run(TOPIC_ARN, ENDPOINT, "--set-signature-version-2")
    stub.assert_no_pending_responses()
    assert "SignatureVersion=2" in out
    assert "not in SNS_ALLOWED_TOPIC_ARNS" in err


@pytest.mark.parametrize(
    ("arn", "endpoint", "message"),
    [
        ("arn:aws:sqs:us-west-2:123456789012:q", ENDPOINT, "TopicArn"),
        (TOPIC_ARN, "http://example.com/webhooks/sns/", "https"),
        (TOPIC_ARN, "example.com/webhooks/sns/", "https"),
    ],
)
def test_refuses_bad_arguments(arn: str, endpoint: str, message: str) -> None:
    with pytest.raises(CommandError, match=message):
        run(arn, endpoint)


def test_sns_error_is_a_command_error(sns_stub) -> None:
    stub = sns_stub("us-west-2")
    stub.add_client_error("subscribe", "AuthorizationError", http_status_code=403)
    with pytest.raises(CommandError, match="AuthorizationError"):
        run(TOPIC_ARN, ENDPOINT)


def test_help_documents_signature_version_2() -> None:
    parser = Command().create_parser("manage.py", "sns_subscribe")
    text = parser.format_help()
    assert "SignatureVersion=2" in text and "--set-signature-version-2" in text
