"""The account page's writers: an email address confirmed by a signed link, language and
time zone (docs/accounts.md). Passwords change through Django's own form and view."""

from zoneinfo import available_timezones

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core import signing
from django.core.mail import send_mail
from django.urls import reverse
from django.utils.translation import gettext

from accounts.models import AccountSettings

EMAIL_SALT = "accounts.email.confirm"
# A confirmation link works for two days; then the user asks for a new one.
EMAIL_MAX_AGE = 2 * 24 * 3600


class InvalidSettings(ValueError):
    """A value the account page will not store; the text says which."""


def settings_for(user: AbstractBaseUser) -> AccountSettings:
    return AccountSettings.objects.filter(user=user).first() or AccountSettings(user=user)


def user_zone(user: AbstractBaseUser, browser_zone: str = "") -> str:
    """The zone a user's "this evening" and dates mean: the account's time zone, else the
    browser's (a form's `tz`, a client's parameter), else the site's ("")."""
    return settings_for(user).time_zone or browser_zone[:100]


def update_settings(*, user: AbstractBaseUser, language: str, time_zone: str) -> AccountSettings:
    if language and language not in dict(settings.LANGUAGES):
        raise InvalidSettings(f"unknown language {language!r}")
    if time_zone and time_zone not in available_timezones():
        raise InvalidSettings(f"unknown time zone {time_zone!r}")
    row, _ = AccountSettings.objects.update_or_create(
        user=user, defaults={"language": language, "time_zone": time_zone}
    )
    return row


def email_token(user_id: int, email: str) -> str:
    """A signed, timestamped token naming the user and the address to confirm."""
    return signing.dumps({"user": user_id, "email": email}, salt=EMAIL_SALT)


def confirmation_url(token: str) -> str:
    return settings.SITE_URL + reverse("email_confirm", args=[token])


def request_email_change(*, user: AbstractBaseUser, email: str) -> str:
    """Email a confirmation link to `email`; the address is stored once the link is used.

    Returns the token (the link's last part)."""
    token = email_token(user.pk, email)
    # In the language of the page that asked (the request's, activated by the middleware).
    send_mail(
        subject=gettext("Confirm your email address"),
        message=gettext(
            "Hello %(name)s,\n\n"
            "Confirm that notification emails may be sent to this address:\n"
            "%(url)s\n\n"
            "The link works for two days. If you did not ask for this, ignore this email.\n"
        )
        % {"name": user.get_username(), "url": confirmation_url(token)},
        from_email=None,
        recipient_list=[email],
    )
    return token


def confirm_email(token: str) -> AbstractBaseUser | None:
    """Store the address a valid token names for its user; None when the token is bad,
    expired, or its user is gone."""
    try:
        data = signing.loads(token, salt=EMAIL_SALT, max_age=EMAIL_MAX_AGE)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("user"), int):
        return None
    user = get_user_model().objects.filter(pk=data["user"], is_active=True).first()
    if user is None or not isinstance(data.get("email"), str):
        return None
    user.email = data["email"]
    user.save(update_fields=["email"])
    return user
