"""Sign-up errors are announced and tied to their fields, not a bare list."""

import pytest

pytestmark = pytest.mark.django_db


def test_signup_errors_are_styled_and_tied_to_their_fields(client, alice):
    response = client.post(
        "/accounts/signup/", {"username": "alice", "password1": "abc", "password2": "abd"}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert '<div class="form-errors" role="alert">' in html
    assert '<p class="field-error" id="id_username_error">' in html
    assert 'aria-invalid="true"' in html
    assert 'class="field has-error"' in html
