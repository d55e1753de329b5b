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
engine or backend is asked as Django would.
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

from sqlreads import Read, dialect, fetch

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
    shape = _USER_SHAPES.get((model, using))
    if shape is None:
        shape = _USER_SHAPES[(model, using)] = _UserShape(model, using)
    return Read(shape.sql, [shape.prep(user_id)], shape.instance, using)


class _UserShape:
    """The user SELECT's text and converters, built once per model and database."""

    def __init__(self, model: type[Model], using: str) -> None:
        connection = dialect(using)
        meta = model._meta
        quote = connection.ops.quote_name
        self.model, self.using, self.connection = model, using, connection
        self.fields = meta.concrete_fields
        self.names = [f.attname for f in self.fields]
        self.sql = (
            f"SELECT {', '.join(quote(f.column) for f in self.fields)} "  # noqa: S608
            f"FROM {quote(meta.db_table)} WHERE {quote(meta.pk.column)} = %s"
        )
        self.pk = meta.pk
        # The backend's and the field's converters, as the ORM's compiler applies them
        # (SQLite's integers to booleans, text to datetimes).
        self.converters = []
        for i, field in enumerate(self.fields):
            col = field.get_col(meta.db_table)
            found = [
                *connection.ops.get_db_converters(col),
                *col.get_db_converters(connection),
            ]
            if found:
                self.converters.append((i, col, found))

    def prep(self, user_id: Any) -> Any:
        return self.pk.get_db_prep_value(user_id, self.connection)

    def instance(self, rows: list[tuple]) -> Model | None:
        if not rows:
            return None
        values = list(rows[0])
        for i, col, converters in self.converters:
            for convert in converters:
                values[i] = convert(values[i], col, self.connection)
        return self.model.from_db(self.using, self.names, values)


_USER_SHAPES: dict[tuple[Any, str], _UserShape] = {}


def user_by_pk(user_id: Any) -> Model | None:
    """`user_read`, run now."""
    return user_read(user_id).run()


def _plain_manager() -> bool:
    """The user model's default manager hides no rows (a custom one may filter)."""
    manager = get_user_model()._default_manager
    return type(manager).get_queryset is Manager.get_queryset


def session_user(session_key: str | None) -> tuple[SessionBase, Any]:
    """(the session, its user or AnonymousUser), in the caller's thread."""
    return session_users([session_key])[0]


def session_users(session_keys: list[str | None]) -> list[tuple[SessionBase, Any]]:
    """`session_user` for each key, in order. With the database engine the sessions are
    read together (`fetch`: one round trip on PostgreSQL), then their users together: a
    socket reader hands over every handshake of a turn of the loop at once
    (consumers/readers.py `run_each`)."""
    stores = [session_store(key) for key in session_keys]
    if settings.SESSION_ENGINE == DB_ENGINE:
        _load([store for store in stores if store.session_key])
    claims = [_claims(store) for store in stores]
    plain = _plain_manager()
    fast = [
        i
        for i, claim in enumerate(claims)
        if claim is not None and type(claim[1]).get_user is ModelBackend.get_user and plain
    ]
    found = dict(zip(fast, _fetch([user_read(claims[i][0]) for i in fast]), strict=True))
    results = []
    for i, (store, claim) in enumerate(zip(stores, claims, strict=True)):
        if claim is None:
            results.append((store, AnonymousUser()))
            continue
        user_id, backend = claim
        if i in found:
            user = found[i]
            if user is not None and not backend.user_can_authenticate(user):
                user = None
        else:
            user = backend.get_user(user_id)
        results.append((store, _checked(store, user)))
    return results


def _load(stores: list[SessionStore]) -> None:
    """Load every store's session data, as the engine would one by one."""
    datas = _fetch([store.session_read() for store in stores])
    for store, data in zip(stores, datas, strict=True):
        if data is None:
            store._session_key = None  # as the engine does: a new session, not this one
            store._session_cache = {}
        else:
            store._session_cache = store.decode(data)


def _fetch(reads: list[Read[Any]]) -> list[Any]:
    """`fetch` on the reads' database (one round trip), or one by one if they differ."""
    aliases = {read.using for read in reads}
    if len(aliases) == 1:
        return fetch(reads, using=aliases.pop())
    return [read.run() for read in reads]


def _claims(store: SessionBase) -> tuple[Any, Any] | None:
    """The session's user id and backend, if it names a user of a configured backend."""
    try:  # loaded by _load, or by the engine itself on first access (no key: empty)
        user_id = get_user_model()._meta.pk.to_python(store[SESSION_KEY])
        backend_path = store[BACKEND_SESSION_KEY]
    except (KeyError, ValidationError):
        return None
    if backend_path not in settings.AUTHENTICATION_BACKENDS:
        return None
    return user_id, load_backend(backend_path)


def _checked(store: SessionBase, user: Any) -> Any:
    """The user, if the session's auth hash still matches theirs; else AnonymousUser."""
    if user is None:
        return AnonymousUser()
    if hasattr(user, "get_session_auth_hash"):
        session_hash = store.get(HASH_SESSION_KEY)
        if not (session_hash and constant_time_compare(session_hash, user.get_session_auth_hash())):
            store.flush()  # a password changed since: this session is over (as Channels)
            return AnonymousUser()
    return user
