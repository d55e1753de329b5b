"""The admin's Revoke asks first, like Delete, and only the confirmation revokes."""

import pytest
from django.urls import reverse

from accounts.models import ApiToken
from accounts.services import create_token

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, make_user):
    client.force_login(make_user("root", is_staff=True, is_superuser=True))
    return client


def test_revoke_asks_for_confirmation_first(admin_client, alice):
    token, _ = create_token(user=alice, name="laptop")
    url = reverse("admin:accounts_apitoken_changelist")
    response = admin_client.post(url, {"action": "revoke", "_selected_action": [token.pk]})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Revoke this token?" in html and "laptop" in html and "Yes, revoke" in html
    token.refresh_from_db()
    assert token.revoked_at is None

    response = admin_client.post(
        url, {"action": "revoke", "_selected_action": [token.pk], "post": "yes"}, follow=True
    )
    assert "Revoked 1 token(s)" in response.content.decode()
    assert ApiToken.objects.get(pk=token.pk).revoked_at is not None
