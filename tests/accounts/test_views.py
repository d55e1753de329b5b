"""Sign-up, log-in and log-out through the real forms, with CSRF enforced."""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from tests.conftest import PASSWORD as USER_PASSWORD

pytestmark = pytest.mark.django_db

PASSWORD = "Sturdy-pass-9876"


def csrf_client(path: str) -> tuple[Client, str]:
    client = Client(enforce_csrf_checks=True)
    response = client.get(path)
    assert response.status_code == 200
    return client, response.cookies["csrftoken"].value


def test_sign_up_creates_the_account_and_logs_in():
    client, token = csrf_client("/accounts/signup/")
    response = client.post(
        "/accounts/signup/",
        {
            "username": "newbie",
            "password1": PASSWORD,
            "password2": PASSWORD,
            "csrfmiddlewaretoken": token,
        },
        follow=True,
    )
    assert response.redirect_chain == [("/", 302)]
    assert b"Hello, newbie" in response.content
    assert get_user_model().objects.get(username="newbie").check_password(PASSWORD)


@pytest.mark.parametrize(
    ("password2", "username", "error"),
    [
        ("Other-pass-9876", "newbie", b"didn"),  # "The two password fields didn't match."
        (PASSWORD, "", b"This field is required"),
    ],
)
def test_a_bad_sign_up_shows_the_error_and_creates_nothing(password2, username, error):
    client, token = csrf_client("/accounts/signup/")
    response = client.post(
        "/accounts/signup/",
        {
            "username": username,
            "password1": PASSWORD,
            "password2": password2,
            "csrfmiddlewaretoken": token,
        },
    )
    assert response.status_code == 200
    assert error in response.content
    assert not get_user_model().objects.exists()


def test_sign_up_without_the_csrf_token_is_refused():
    client, _ = csrf_client("/accounts/signup/")
    response = client.post(
        "/accounts/signup/", {"username": "x", "password1": PASSWORD, "password2": PASSWORD}
    )
    assert response.status_code == 403
    assert not get_user_model().objects.exists()


def test_log_in_and_log_out(make_user):
    make_user("alice")
    client, token = csrf_client("/accounts/login/")
    response = client.post(
        "/accounts/login/",
        {"username": "alice", "password": USER_PASSWORD, "csrfmiddlewaretoken": token},
        follow=True,
    )
    assert b"Hello, alice" in response.content
    token = client.cookies["csrftoken"].value
    response = client.post("/accounts/logout/", {"csrfmiddlewaretoken": token}, follow=True)
    assert response.redirect_chain[-1][0].startswith("/accounts/login/")
    assert b"Hello, alice" not in client.get("/").content
