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
keep `ModelBackend.get_user` over a default manager that hides no rows; any other
engine or backend is asked as Django would (on a thread).

`session_user_plan` is a plan (sqlreads): a socket's handshake runs it on the event
loop (consumers/loopdb.py), anything else through `session_user` on its thread.
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
from django.db import router
from django.db.models import Manager, Model
from django.utils import timezone
from django.utils.crypto import constant_time_compare

from sqlreads import Plan, Read, dialect, run_plan

DB_ENGINE = "django.contrib.sessions.backends.db"


class SessionStore(db.SessionStore):
    """The database engine's store, loaded from one plain SELECT (same row, same rules).

    Named as the engine's class on purpose: the session data is signed with a salt made
    of the class's name (`SessionBase.key_salt`), so any other name reads every session
    as corrupted.
    """

    def session_read(self) -> Read[str | None]:
        """The live row's session data, or None (no such key, or expired)."""
        model = self.model
        using = router.db_for_read(model)
        connection = dialect(using)  # builds text only: safe on the event loop
        meta = model._meta
        quote = connection.ops.quote_name
        expires = meta.get_field("expire_date")
        sql = (
            f"SELECT {quote(meta.get_field('session_data').column)} "  # noqa: S608 - model names
            f"FROM {quote(meta.db_table)} WHERE {quote(meta.pk.column)} = %s "
            f"AND {quote(expires.column)} > %s"
        )
        now = expires.get_db_prep_value(timezone.now(), connection)
        return Read(sql, [self.session_key, now], lambda rows: rows[0][0] if rows else None, using)

    def loaded(self, data: str | None) -> None:
        """Hold what `session_read` found, as `load()` would have (SessionBase keeps the
        loaded dict in `_session_cache`; a key with no live row becomes a new session)."""
        if data is None:
            self._session_key = None
            self._session_cache = {}
        else:
            self._session_cache = self.decode(data)

    def _get_session_from_db(self) -> Any:
        if self.session_key is None:  # not a valid key: no row can match
            return None
        data = self.session_read().run()
        if data is None:
            self._session_key = None  # as the engine does: a new session, not this one
            return None
        return self.model(session_key=self.session_key, session_data=data)


def session_store(session_key: str | None) -> SessionBase:
    """The configured engine's store for `session_key`, not loaded yet."""
    if settings.SESSION_ENGINE == DB_ENGINE:
        return SessionStore(session_key)
    return import_module(settings.SESSION_ENGINE).SessionStore(session_key)


def user_read(user_id: Any) -> Read[Model | None]:
    """The user with this primary key, or None: `get(pk=...)` as one plain SELECT."""
    model = get_user_model()
    using = router.db_for_read(model)
    connection = dialect(using)
    meta = model._meta
    quote = connection.ops.quote_name
    fields = meta.concrete_fields
    sql = (
        f"SELECT {', '.join(quote(f.column) for f in fields)} "  # noqa: S608 - model names
        f"FROM {quote(meta.db_table)} WHERE {quote(meta.pk.column)} = %s"
    )

    def instance(rows: list[tuple]) -> Model | None:
        if not rows:
            return None
        values = list(rows[0])
        for i, field in enumerate(fields):
            # The backend's and the field's converters, as the ORM's compiler applies them
            # (SQLite's integers to booleans, text to datetimes).
            col = field.get_col(meta.db_table)
            for convert in [
                *connection.ops.get_db_converters(col),
                *col.get_db_converters(connection),
            ]:
                values[i] = convert(values[i], col, connection)
        return model.from_db(using, [f.attname for f in fields], values)

    return Read(sql, [meta.pk.get_db_prep_value(user_id, connection)], instance, using)


def user_by_pk(user_id: Any) -> Model | None:
    """`user_read`, run now."""
    return user_read(user_id).run()


class Stale(Exception):
    """The session's auth hash no longer matches its user's (a password changed): the
    caller flushes the session, a write, on a thread (`end_stale`)."""


def _plain_manager() -> bool:
    """The user model's default manager hides no rows (a custom one may filter)."""
    manager = get_user_model()._default_manager
    return type(manager).get_queryset is Manager.get_queryset


def loop_safe() -> bool:
    """Does `session_user_plan` yield every read it makes (none of its own on the
    caller's thread), so that an event loop may drive it?"""
    return (
        settings.SESSION_ENGINE == DB_ENGINE
        and _plain_manager()
        and all(
            type(load_backend(path)).get_user is ModelBackend.get_user
            for path in settings.AUTHENTICATION_BACKENDS
        )
    )


def session_user_plan(session_key: str | None) -> Plan[tuple[SessionBase, Any]]:
    """(the session, its user or AnonymousUser). Raises Stale (see there)."""
    store = session_store(session_key)
    if not session_key:
        return store, AnonymousUser()
    if isinstance(store, SessionStore) and store.session_key is not None:
        (data,) = yield [store.session_read()]
        store.loaded(data)
    try:  # other engines (and invalid keys) load as Django does, on first access
        user_id = get_user_model()._meta.pk.to_python(store[SESSION_KEY])
        backend_path = store[BACKEND_SESSION_KEY]
    except (KeyError, ValidationError):
        return store, AnonymousUser()
    if backend_path not in settings.AUTHENTICATION_BACKENDS:
        return store, AnonymousUser()
    backend = load_backend(backend_path)
    if type(backend).get_user is ModelBackend.get_user and _plain_manager():
        (user,) = yield [user_read(user_id)]
        if user is not None and not backend.user_can_authenticate(user):
            user = None
    else:
        user = backend.get_user(user_id)
    if user is None:
        return store, AnonymousUser()
    if hasattr(user, "get_session_auth_hash"):
        session_hash = store.get(HASH_SESSION_KEY)
        if not (session_hash and constant_time_compare(session_hash, user.get_session_auth_hash())):
            raise Stale
    return store, user


def end_stale(session: SessionBase) -> None:
    """A session whose password changed since is over: flushed, as Channels does."""
    session.flush()


def session_user(session_key: str | None) -> tuple[SessionBase, Any]:
    """(the session, its user or AnonymousUser), on this thread."""
    try:
        return run_plan(session_user_plan(session_key))
    except Stale:
        store = session_store(session_key)
        end_stale(store)
        return store, AnonymousUser()
