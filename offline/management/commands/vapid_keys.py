"""Generate a VAPID key pair for Web Push (docs/inbox.md, "Web Push")."""

import base64
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from django.core.management.base import BaseCommand, CommandError, CommandParser


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def generate() -> tuple[str, str]:
    """(public, private): the uncompressed P-256 point and the raw 32-byte scalar, base64url."""
    key = ec.generate_private_key(ec.SECP256R1())
    private = key.private_numbers().private_value.to_bytes(32, "big")
    public = key.public_key().public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)
    return b64url(public), b64url(private)


class Command(BaseCommand):
    help = "Print a new VAPID key pair as environment lines (keep the private key secret)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--subject",
            default="mailto:admin@example.com",
            help="contact for push services: a mailto: or https: URL",
        )

    def handle(self, *args: Any, subject: str, **options: Any) -> None:
        if not subject.startswith(("mailto:", "https://")):
            raise CommandError("--subject must be a mailto: or https: URL")
        public, private = generate()
        self.stdout.write(f"WEBPUSH_VAPID_PUBLIC_KEY={public}")
        self.stdout.write(f"WEBPUSH_VAPID_PRIVATE_KEY={private}")
        self.stdout.write(f"WEBPUSH_VAPID_SUBJECT={subject}")
