"""Credential events leave only once the change they announce is in the database."""

import pytest
from django.contrib.auth import get_user_model

import live
from accounts import services
from accounts.models import ApiToken
from accounts.selectors import token_is_usable

pytestmark = pytest.mark.django_db(transaction=True)  # autocommit, as a script saves


@pytest.fixture
def sent(monkeypatch):
    """Each credentials event with what a socket re-checking at that moment would read."""
    seen: list[tuple[int, bool, bool]] = []

    def record(user_id: int, event: dict) -> bool:
        if event["type"] == live.CREDENTIALS_CHANGED:
            row = get_user_model().objects.filter(pk=user_id).values_list("is_active", "password")
            active, password = row.first() or (None, "")
            token = ApiToken.objects.filter(user_id=user_id).first()
            seen.append((active, password, token is not None and token_is_usable(token.pk)))
        return True

    monkeypatch.setattr(live, "signal_now", record)
    return seen


def test_deactivation_is_announced_after_it_is_saved(alice, sent):
    services.create_token(user=alice)
    alice.is_active = False
    alice.save()
    assert sent == [(False, alice.password, False)]


def test_a_password_change_is_announced_after_it_is_saved(alice, sent):
    alice.set_password("another-long-password-7")
    alice.save()
    assert [password for _, password, _ in sent] == [alice.password]


def test_saves_that_change_no_credential_say_nothing(alice, sent):
    alice.first_name = "Alice"
    alice.save()
    alice.save(update_fields=["first_name"])
    assert sent == []


def test_inside_a_transaction_the_event_waits_for_the_commit(alice, sent):
    from django.db import transaction

    with transaction.atomic():
        alice.is_active = False
        alice.save()
        assert sent == []
    assert sent == [(False, alice.password, False)]
