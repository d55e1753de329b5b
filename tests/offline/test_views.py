"""offline/views.py: the digest's one-click unsubscribe link (RFC 8058), no login."""

import pytest
from django.test import Client

from notifications import preferences, services
from offline import digest
from tests.offline.test_digest import run

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("email_settings")]


def test_unsubscribe_link_confirms_on_get_and_unsubscribes_on_post(carol):
    path = digest.unsubscribe_url(carol.pk).removeprefix("https://audio.example.com")
    client = Client(enforce_csrf_checks=True)  # no login, no CSRF cookie: as a mail client

    page = client.get(path)
    assert page.status_code == 200 and b"Unsubscribe" in page.content
    assert preferences.snapshot_for(carol.pk).email  # a link scanner's GET changes nothing

    # RFC 8058: the mail client POSTs this body to the List-Unsubscribe URL.
    done = client.post(
        path, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )
    assert done.status_code == 200 and b"no more notification emails" in done.content
    assert not preferences.snapshot_for(carol.pk).email
    services.notify(carol, "after unsubscribing")
    assert run() == 0


@pytest.mark.parametrize("token", ["nonsense", "MQ:bad-signature"])
def test_a_bad_unsubscribe_token_is_a_404_and_changes_nothing(carol, token):
    response = Client().post(f"/notifications/email/unsubscribe/{token}/")
    assert response.status_code == 404
    assert preferences.snapshot_for(carol.pk).email


def test_a_token_signed_with_another_salt_is_refused(carol):
    from django.core import signing

    other = signing.Signer(salt="something else").sign_object(carol.pk)
    assert digest.user_for_token(other) is None
    assert digest.user_for_token(digest.unsubscribe_token(carol.pk)) == carol.pk
