"""accounts/sessions.py: a handshake's session and user in two plain statements, by
Django's rules (the ones Channels' `get_user` applies to a socket)."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.sessions import session_user, user_by_pk

pytestmark = pytest.mark.django_db


def logged_in(username: str = "alice") -> tuple[object, str]:
    user = get_user_model().objects.create_user(username, password="pw-long-enough-1")
    client = Client()
    client.force_login(user)
    return user, client.cookies["sessionid"].value


def test_a_live_session_gives_its_user_in_two_statements():
    user, key = logged_in()
    with CaptureQueriesContext(connection) as queries:
        session, found = session_user(key)
    assert found == user and found.is_authenticated
    assert found.username == "alice" and found.is_active is True
    assert found.date_joined == user.date_joined  # converted as the ORM would (SQLite: text)
    assert session.session_key == key
    assert len(queries) == 2


def test_no_key_an_unknown_key_and_a_malformed_key_are_anonymous():
    logged_in()
    for key in (None, "", "x" * 32, "short"):
        _, found = session_user(key)
        assert not found.is_authenticated, key


def test_an_expired_session_is_anonymous_and_its_key_is_not_kept():
    _, key = logged_in()
    Session.objects.filter(pk=key).update(expire_date=timezone.now() - timedelta(seconds=1))
    session, found = session_user(key)
    assert not found.is_authenticated
    assert session.session_key is None  # as the engine does: this is not that session


def test_a_password_changed_since_ends_the_session():
    user, key = logged_in()
    user.set_password("another-pw-long-enough")
    user.save()
    _, found = session_user(key)
    assert not found.is_authenticated
    assert not Session.objects.filter(pk=key).exists()  # flushed, as Channels does


def test_an_inactive_user_is_anonymous():
    user, key = logged_in()
    get_user_model().objects.filter(pk=user.pk).update(is_active=False)
    assert not session_user(key)[1].is_authenticated


def test_a_deleted_user_is_anonymous():
    user, key = logged_in()
    get_user_model().objects.filter(pk=user.pk).delete()
    assert not session_user(key)[1].is_authenticated


def test_a_backend_no_longer_configured_is_anonymous(settings):
    _, key = logged_in()
    settings.AUTHENTICATION_BACKENDS = ["tests.accounts.test_sessions.OtherBackend"]
    assert not session_user(key)[1].is_authenticated


class OtherBackend:
    pass


def test_user_by_pk_is_the_orm_row():
    user, _ = logged_in()
    found = user_by_pk(user.pk)
    expected = get_user_model().objects.get(pk=user.pk)
    fields = [f.attname for f in get_user_model()._meta.concrete_fields]
    assert [getattr(found, f) for f in fields] == [getattr(expected, f) for f in fields]
    assert user_by_pk(user.pk + 1000) is None


def test_many_keys_are_read_together_each_by_the_same_rules():
    from accounts.sessions import session_users

    alice, alice_key = logged_in("alice")
    bob, bob_key = logged_in("bob")
    carol, carol_key = logged_in("carol")
    carol.set_password("another-pw-long-enough")  # her session is over
    carol.save()
    _, dave_key = logged_in("dave")
    Session.objects.filter(pk=dave_key).update(expire_date=timezone.now() - timedelta(seconds=1))
    keys = [alice_key, None, bob_key, "x" * 32, carol_key, dave_key, alice_key]
    with CaptureQueriesContext(connection) as queries:
        found = session_users(keys)
    assert [user.username if user.is_authenticated else None for _, user in found] == [
        "alice",
        None,
        "bob",
        None,
        None,
        None,
        "alice",
    ]
    assert [session.session_key for session, _ in found] == [
        alice_key,
        None,
        bob_key,
        None,
        None,  # flushed: a new, empty session
        None,  # expired: not that session
        alice_key,
    ]
    assert found[0][1] == alice and found[2][1] == bob
    assert found[0][1] is not found[6][1]  # each socket its own instance
    assert not Session.objects.filter(pk=carol_key).exists()
    if connection.vendor == "postgresql":
        # The six well-formed keys in one round trip, the four users in one; then carol's flush
        # (Django's delete: a SELECT and a DELETE).
        assert len(queries) == 4, [q["sql"][:80] for q in queries]
        assert queries[0]["sql"].count("django_session") == 6
