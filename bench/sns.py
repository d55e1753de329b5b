"""Signed SNS Notification envelopes for the webhook, made with a key of our own.

The certificate is self-signed with the SNS signing name; the server pins it through
SNS_CERT_DIR, so nothing is fetched. Signatures are SignatureVersion 2 (SHA256withRSA).
"""

import base64
import json
import secrets
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID

TOPIC_ARN = "arn:aws:sns:us-east-1:123456789012:bench-notifications"
SNS_HOST = "sns.us-east-1.amazonaws.com"
SIGNING_NAME = "sns.amazonaws.com"


class Signer:
    def __init__(self, cert_dir: Path) -> None:
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        now = datetime.now(UTC)
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, SIGNING_NAME)])
        cert = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(self.key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=1))
            .not_valid_after(now + timedelta(days=30))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(SIGNING_NAME)]), False)
            .sign(self.key, hashes.SHA256())
        )
        file_name = f"SimpleNotificationService-{secrets.token_hex(16)}.pem"
        cert_dir.mkdir(parents=True, exist_ok=True)
        (cert_dir / file_name).write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        self.cert_url = f"https://{SNS_HOST}/{file_name}"

    def notification(self, message: str) -> tuple[str, bytes]:
        """A signed Notification carrying `message`, stamped now; returns (MessageId, body)."""
        message_id = str(uuid.uuid4())
        timestamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
        signed = (
            ("Message", message),
            ("MessageId", message_id),
            ("Timestamp", timestamp),
            ("TopicArn", TOPIC_ARN),
            ("Type", "Notification"),
        )
        to_sign = "".join(f"{k}\n{v}\n" for k, v in signed).encode()
        signature = self.key.sign(to_sign, padding.PKCS1v15(), hashes.SHA256())
        body = dict(signed)
        body.update(
            SignatureVersion="2",
            Signature=base64.b64encode(signature).decode(),
            SigningCertURL=self.cert_url,
            UnsubscribeURL=f"https://{SNS_HOST}/?Action=Unsubscribe&SubscriptionArn="
            f"{TOPIC_ARN}:{uuid.uuid4()}",
        )
        return message_id, json.dumps(body).encode()


def notify_message(username: str, text: str) -> str:
    return json.dumps({"notify": {"user": username, "text": text, "level": "info"}})
