"""A socket never outlives its credential: an ended credential becomes a control event.

Receivers of accounts' signals (and Django's `user_logged_out`) that tell the user's
sockets, after commit, to close or re-check; `ClosesWithItsCredential`, the socket's
handlers of those events (and of the periodic session re-check, consumers/sessions.py).
"""

import hashlib
from importlib import import_module
from typing import Any

from channels.auth import get_user
from channels.db import database_sync_to_async
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.signals import user_logged_out
from django.contrib.sessions.models import Session
from django.db.models.signals import post_delete
from django.dispatch import receiver

import live
from accounts.selectors import token_is_usable
from accounts.signals import credentials_changed, token_ended
from consumers.refusal import CLOSE_UNAUTHORIZED


def session_fingerprint(session_key: str | None) -> str:
    """What crosses the channel layer instead of a session key."""
    return hashlib.sha256((session_key or "").encode()).hexdigest()[:32]


@receiver(user_logged_out)
def on_logout(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is not None and request is not None:
        fingerprint = session_fingerprint(request.session.session_key)
        live.signal_on_commit(user.pk, live.SESSION_ENDED, session=fingerprint)


@receiver(token_ended)
def on_token_ended(sender: Any, token: Any, **kwargs: Any) -> None:
    live.signal_on_commit(token.user_id, live.TOKEN_REVOKED, token_id=token.pk)


@receiver(credentials_changed)
def on_credentials_changed(sender: Any, user: Any, **kwargs: Any) -> None:
    live.signal_on_commit(user.pk, live.CREDENTIALS_CHANGED)


@receiver(post_delete, sender=Session)
def on_session_delete(sender: Any, instance: Session, **kwargs: Any) -> None:
    """A session row deleted without a logout: a login that flushes the previous user's
    session (signing up another account in the same browser), a key cycled, an expired
    session removed by `clearsessions`, the admin. Its sockets close (4401)."""
    try:
        user_id = int(instance.get_decoded().get(SESSION_KEY, ""))
    except (ValueError, TypeError):
        return  # an anonymous session: no socket was authenticated by it
    fingerprint = session_fingerprint(instance.session_key)
    live.signal_on_commit(user_id, live.SESSION_ENDED, session=fingerprint)


class ClosesWithItsCredential:
    """The socket's handlers of the events above: each closes it (4401) when the
    credential it was opened with has ended. Mixed into the consumer, which holds `scope`
    (`session` or `auth_token_id`), `session` (its fingerprint), `user` and `close`."""

    scope: dict[str, Any]
    session: str
    user: Any
    close: Any  # the consumer's own

    async def session_ended(self, event: dict[str, Any]) -> None:
        if self.scope.get("auth_token_id") is None and event.get("session") == self.session:
            await self.close(code=CLOSE_UNAUTHORIZED)

    async def session_expired(self) -> None:
        """The periodic re-check found this socket's session gone (consumers/sessions.py)."""
        await self.close(code=CLOSE_UNAUTHORIZED)

    async def token_revoked(self, event: dict[str, Any]) -> None:
        if event.get("token_id") == self.scope.get("auth_token_id"):
            await self.close(code=CLOSE_UNAUTHORIZED)

    async def credentials_changed(self, event: dict[str, Any]) -> None:
        """The user's password or status changed, or the user is gone: re-check this socket.

        A password change ends the other sessions; deactivating or deleting the user
        ends every session and token of theirs.
        """
        token_id = self.scope.get("auth_token_id")
        if token_id is not None:
            if not await database_sync_to_async(token_is_usable)(token_id):
                await self.close(code=CLOSE_UNAUTHORIZED)
            return
        if self.scope.get("session") is None:
            return
        # Sent after the change is committed, so this reads the new state. The session
        # that changed its own password is re-keyed by Django (update_session_auth_hash
        # cycles the key), so the key this socket holds is gone and it closes too; the
        # browser's next connect uses the new cookie (docs/protocol.md, 4401).
        store = import_module(settings.SESSION_ENGINE).SessionStore
        fresh = store(session_key=self.scope["session"].session_key)
        user = await get_user({"session": fresh})
        if not user.is_authenticated or user.pk != self.user.pk:
            await self.close(code=CLOSE_UNAUTHORIZED)
