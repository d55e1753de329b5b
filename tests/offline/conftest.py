import pytest

DELAY = 900  # NOTIFICATIONS_EMAIL_DELAY_SECONDS in the digest's tests


@pytest.fixture
def email_settings(settings):
    """The digest's settings: mail kept in mail.outbox, links on a public origin."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.NOTIFICATIONS_EMAIL_DELAY_SECONDS = DELAY
    settings.SITE_URL = "https://audio.example.com"
    settings.DEFAULT_FROM_EMAIL = "notifications@example.com"


@pytest.fixture
def carol(make_user):
    return make_user("carol", email="carol@example.com")


@pytest.fixture
def dave(make_user):
    return make_user("dave", email="dave@example.com")
