"""The outbound webhook settings refuse a URL without a usable secret, at start."""

import pytest

from tests.project.test_settings import checkout, load  # noqa: F401 - the fixture

KEY = {"SECRET_KEY": "k" * 50}
URL = "https://hooks.example.com/in"


@pytest.mark.parametrize(
    "secret",
    ["", "not-a-whsec", "whsec_", "whsec_c2hvcnQ="],
    ids=["unset", "prefix", "empty", "short"],
)
def test_a_url_without_a_usable_secret_refuses_to_start(checkout, secret):  # noqa: F811
    result = load(checkout, OUTBOUND_WEBHOOK_URL=URL, OUTBOUND_WEBHOOK_SECRET=secret, **KEY)
    assert result.returncode != 0
    assert "OUTBOUND_WEBHOOK_SECRET must be set" in result.stderr


def test_a_non_http_url_refuses_to_start(checkout):  # noqa: F811
    result = load(checkout, OUTBOUND_WEBHOOK_URL="ftp://x/", **KEY)
    assert "OUTBOUND_WEBHOOK_URL must be an http(s) URL" in result.stderr


def test_a_url_with_a_good_secret_starts_and_loopback_stays_off(checkout):  # noqa: F811
    code = "import project.settings as s; print(s.OUTBOUND_WEBHOOK_ALLOW_LOOPBACK)"
    secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    result = load(checkout, code, OUTBOUND_WEBHOOK_URL=URL, OUTBOUND_WEBHOOK_SECRET=secret, **KEY)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"
