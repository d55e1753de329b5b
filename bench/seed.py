"""Bulk users, bearer tokens and logged-in sessions in the bench's own database.

Run as `python -m bench.seed COUNT` with the server's environment; prints one
`username token session_key` line per user. Passwords are unusable (hashing one per
user would take minutes); each user's session is made as `django.contrib.auth.login`
makes it (the user's id, backend and session auth hash, through the configured session
engine), so a socket opened with that cookie is authenticated exactly as a browser's.
"""

import os
import secrets
import sys


def main() -> None:
    count = int(sys.argv[1])
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings")
    import django

    django.setup()
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import (
        BACKEND_SESSION_KEY,
        HASH_SESSION_KEY,
        SESSION_KEY,
        get_user_model,
    )
    from django.contrib.auth.hashers import make_password

    from accounts.models import ApiToken, hash_token

    user_model = get_user_model()
    unusable = make_password(None)
    names = [f"bench{i:05d}" for i in range(count)]
    user_model.objects.bulk_create(
        [user_model(username=n, password=unusable) for n in names], batch_size=1000
    )
    users = {u.username: u for u in user_model.objects.filter(username__in=names)}
    raws = {n: secrets.token_urlsafe(32) for n in names}
    ApiToken.objects.bulk_create(
        [
            ApiToken(
                user_id=users[n].pk, name="bench", key_hash=hash_token(raws[n]), prefix=raws[n][:8]
            )
            for n in names
        ],
        batch_size=1000,
    )
    store = import_module(settings.SESSION_ENGINE).SessionStore
    backend = settings.AUTHENTICATION_BACKENDS[0]
    sessions = {}
    for name in names:
        session = store()
        session[SESSION_KEY] = users[name]._meta.pk.value_to_string(users[name])
        session[BACKEND_SESSION_KEY] = backend
        session[HASH_SESSION_KEY] = users[name].get_session_auth_hash()
        session.create()
        sessions[name] = session.session_key
    from django.db import connection

    if connection.vendor == "postgresql":
        # The tables as a running deployment has them, not right after a bulk load: the
        # first reads of fresh rows write their hint bits, and autovacuum's analyze of
        # the new tables would otherwise run during the first measured round.
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    sys.stdout.write("".join(f"{n} {raws[n]} {sessions[n]}\n" for n in names))


if __name__ == "__main__":
    main()
