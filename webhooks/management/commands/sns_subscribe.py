"""Subscribe this site's webhook to an SNS topic (HTTPS, confirmation by the webhook)."""

from typing import Any
from urllib.parse import urlsplit

from botocore.exceptions import BotoCoreError, ClientError
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from webhooks import services
from webhooks.errors import Malformed
from webhooks.sns import parse_topic_arn


class Command(BaseCommand):
    help = (
        "Subscribe ENDPOINT_URL (https://<host>/webhooks/sns/) to the SNS topic TOPIC_ARN. "
        "SNS then posts a SubscriptionConfirmation, which the webhook confirms through the "
        "API, so TOPIC_ARN must already be in SNS_ALLOWED_TOPIC_ARNS on the server. "
        "On topics we own, set SignatureVersion=2 (SHA256 signatures instead of SHA1): "
        "pass --set-signature-version-2, or run `aws sns set-topic-attributes --topic-arn "
        "TOPIC_ARN --attribute-name SignatureVersion --attribute-value 2`. "
        "Raw message delivery must stay off: raw bodies cannot be authenticated."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("topic_arn", metavar="TOPIC_ARN")
        parser.add_argument("endpoint_url", metavar="ENDPOINT_URL")
        parser.add_argument(
            "--set-signature-version-2",
            action="store_true",
            help="first set the topic attribute SignatureVersion=2 (needs "
            "sns:SetTopicAttributes; only on topics we own)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            topic = parse_topic_arn(options["topic_arn"])
        except Malformed as exc:
            raise CommandError(exc.reason) from None
        endpoint = options["endpoint_url"]
        parts = urlsplit(endpoint)
        if parts.scheme != "https" or not parts.hostname:
            raise CommandError("ENDPOINT_URL must be an https:// URL (SNS signs only to HTTPS)")
        if topic.arn not in settings.SNS_ALLOWED_TOPIC_ARNS:
            self.stderr.write(
                f"Warning: {topic.arn} is not in SNS_ALLOWED_TOPIC_ARNS here; the server that "
                "receives the confirmation must allow it, or it answers 403 and nothing is "
                "confirmed."
            )
        client = services.sns_client(topic.region)
        try:
            if options["set_signature_version_2"]:
                client.set_topic_attributes(
                    TopicArn=topic.arn, AttributeName="SignatureVersion", AttributeValue="2"
                )
                self.stdout.write(f"Set SignatureVersion=2 on {topic.arn}")
            response = client.subscribe(
                TopicArn=topic.arn,
                Protocol="https",
                Endpoint=endpoint,
                ReturnSubscriptionArn=True,
            )
        except (ClientError, BotoCoreError) as exc:
            raise CommandError(f"SNS refused: {exc}") from None
        self.stdout.write(
            f"Subscription {response.get('SubscriptionArn', '?')} created; it is pending until "
            "the webhook receives and confirms the SubscriptionConfirmation."
        )
