"""Every Web Push test gets the fixtures of tests/offline/webpush/fixtures.py."""

from tests.offline.webpush.fixtures import (  # noqa: F401
    browser,
    fake_dns,
    loopback_allowed,
    push_off,
    push_service,
    vapid,
)
