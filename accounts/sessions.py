"""The session and user a handshake's cookie names, read in two plain statements.

Every socket and event stream a browser opens is authenticated by its session cookie
(consumers/auth.py). Through the ORM that is two queries Django compiles anew each time,
~400 µs of CPU each on the bench machine against ~100 µs for the same statements sent
as text, and a reconnect storm is made of nothing else (issue 17.2). The rules stay
Django's: the configured session engine's own store (expiry, decoding, the signature),
the session's backend among AUTHENTICATION_BACKENDS, the backend's
`user_can_authenticate`, and the session's auth hash checked against the user's (a
mismatch flushes the session, as Channels' `get_user` does). Only the two reads change,
and only where their shape is known: the database session engine, and backends that
keep `ModelBackend.get_user`; any other engine or backend is asked as Django would.
"""

from importlib import import_module
from typing import Any

from django.conf import settings
from django.contrib.auth import (
    BACKEND_SESSION_KEY,
    HASH_SESSION_KEY,
    SESSION_KEY,
    get_user_model,
    load_backend,
)
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.backends import db
from django.contrib.sessions.backends.base import SessionBase
from django.core.exceptions import ValidationError
from django.db import connections, router
from django.db.models import Manager, Model
from django.utils import timezone
from django.utils.crypto import constant_time_compare

DB_ENGINE = "django.contrib.sessions.backends.db"


class SessionStore(db.SessionStore):
    """The database engine's store, loading with one plain SELECT (same row, same rules).

    Named as the engine's class on purpose: the session data is signed with a salt made
    of the class's name (`SessionBase.key_salt`), so any other name reads every session
    as corrupted.
    """

    def _get_session_from_db(self) -> Any:
        if self.session_key is None:  # not a valid key: no row can match
            return None
        model = self.model
        connection = connections[router.db_for_read(model)]
        meta = model._meta
        quote = connection.ops.quote_name
        expires = meta.get_field("expire_date")
        sql = (
            f"SELECT {quote(meta.get_field('session_data').column)} "  # noqa: S608 - model names
            f"FROM {quote(meta.db_table)} WHERE {quote(meta.pk.column)} = %s "
            f"AND {quote(expires.column)} > %s"
        )
        now = expires.get_db_prep_value(timezone.now(), connection)
        with connection.cursor() as cursor:
            cursor.execute(sql, [self.session_key, now])
            row = cursor.fetchone()
        if row is None:
            self._session_key = None  # as the engine does: a new session, not this one
            return None
        return model(session_key=self.session_key, session_data=row[0])


def session_store(session_key: str | None) -> SessionBase:
    """The configured engine's store for `session_key`, not loaded yet."""
    if settings.SESSION_ENGINE == DB_ENGINE:
        return SessionStore(session_key)
    return import_module(settings.SESSION_ENGINE).SessionStore(session_key)


def user_by_pk(user_id: Any) -> Model | None:
    """The user with this primary key, or None: `get(pk=...)` as one plain SELECT."""
    model = get_user_model()
    connection = connections[router.db_for_read(model)]
    meta = model._meta
    quote = connection.ops.quote_name
    fields = meta.concrete_fields
    sql = (
        f"SELECT {', '.join(quote(f.column) for f in fields)} "  # noqa: S608 - model names
        f"FROM {quote(meta.db_table)} WHERE {quote(meta.pk.column)} = %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [meta.pk.get_db_prep_value(user_id, connection)])
        row = cursor.fetchone()
    if row is None:
        return None
    values = list(row)
    for i, field in enumerate(fields):
        # The backend's and the field's converters, as the ORM's compiler applies them
        # (SQLite's integers to booleans, text to datetimes).
        col = field.get_col(meta.db_table)
        for convert in [*connection.ops.get_db_converters(col), *col.get_db_converters(connection)]:
            values[i] = convert(values[i], col, connection)
    return model.from_db(connection.alias, [f.attname for f in fields], values)


def _plain_manager() -> bool:
    """The user model's default manager hides no rows (a custom one may filter)."""
    manager = get_user_model()._default_manager
    return type(manager).get_queryset is Manager.get_queryset


def _user_of(session: SessionBase) -> Any:
    """The session's user, or None: Channels' `get_user` with the fast read."""
    try:
        user_id = get_user_model()._meta.pk.to_python(session[SESSION_KEY])
        backend_path = session[BACKEND_SESSION_KEY]
    except (KeyError, ValidationError):
        return None
    if backend_path not in settings.AUTHENTICATION_BACKENDS:
        return None
    backend = load_backend(backend_path)
    if type(backend).get_user is ModelBackend.get_user and _plain_manager():
        user = user_by_pk(user_id)
        if user is not None and not backend.user_can_authenticate(user):
            user = None
    else:
        user = backend.get_user(user_id)
    if user is not None and hasattr(user, "get_session_auth_hash"):
        session_hash = session.get(HASH_SESSION_KEY)
        if not (session_hash and constant_time_compare(session_hash, user.get_session_auth_hash())):
            session.flush()  # a password changed since: this session is over
            return None
    return user


def session_user(session_key: str | None) -> tuple[SessionBase, Any]:
    """(the session, its user or AnonymousUser), in the caller's thread."""
    store = session_store(session_key)
    if not session_key:
        return store, AnonymousUser()
    return store, _user_of(store) or AnonymousUser()
