import hashlib

from django.conf import settings
from django.db import models


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiToken(models.Model):
    """A personal token for non-browser clients. Only its hash is stored."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100, blank=True, default="")
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    # The first characters, to tell tokens apart in the admin.
    prefix = models.CharField(max_length=8, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.user} · {self.name or self.prefix}"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class AccountSettings(models.Model):
    """What a user sets for themselves on the account page, beside Django's User fields."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="account_settings"
    )
    # A code of settings.LANGUAGES, "" for the site's default.
    language = models.CharField(max_length=15, blank=True, default="")
    # An IANA zone name ("Europe/Paris"), "" for the browser's own.
    time_zone = models.CharField(max_length=64, blank=True, default="")

    def __str__(self) -> str:
        return f"{self.user} · {self.language or '-'} · {self.time_zone or '-'}"
