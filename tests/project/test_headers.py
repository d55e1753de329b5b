"""Production headers: HTTPS redirect and HSTS behind the proxy, a strict CSP everywhere."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.fixture
def https_site(settings):
    # What SECURE_COOKIES=1 BEHIND_HTTPS_PROXY=1 set (tests/project/test_settings.py).
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 31_536_000
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = True


def test_plain_http_through_the_proxy_is_redirected_to_https(https_site):
    response = Client().get("/accounts/login/", headers={"X-Forwarded-Proto": "http"})
    assert response.status_code == 301
    assert response["Location"] == "https://testserver/accounts/login/"


def test_https_answers_carry_hsts(https_site):
    response = Client().get("/accounts/login/", headers={"X-Forwarded-Proto": "https"})
    assert response.status_code == 200
    assert response["Strict-Transport-Security"] == "max-age=31536000"


def test_metrics_scraped_over_plain_http_is_not_redirected(https_site, settings):
    settings.METRICS_TOKEN = "m"
    response = Client().get("/metrics", headers={"Authorization": "Bearer m"})
    assert response.status_code == 200


@pytest.mark.parametrize("path", ["/", "/accounts/login/", "/api/notifications/", "/nope/"])
def test_every_answer_has_a_strict_csp(client, path):
    policy = client.get(path)["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["default-src"] == "'self'"
    assert directives["object-src"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe" not in policy


def test_csp_lets_browser_uploads_reach_the_bucket(settings):
    from project.csp import policy

    settings.AWS_STORAGE_BUCKET_NAME = "b"
    settings.AWS_S3_REGION_NAME = "eu-west-1"
    settings.AWS_S3_ENDPOINT_URL = None
    connect = next(d for d in policy().split("; ") if d.startswith("connect-src"))
    assert connect == (
        "connect-src 'self' https://b.s3.amazonaws.com https://b.s3.eu-west-1.amazonaws.com"
    )
