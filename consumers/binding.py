"""A browser's socket is bound to the user its page was rendered for.

A tab keeps its page (and its user's BroadcastChannel) across reconnects; the cookie it
reconnects with may belong to someone else by then (logout and another login in another
tab). The page says whom it expects (`?user=<id>` on the socket URL, from #toasts'
`data-user`); a socket whose credential is another user's is closed with 4409 after an
error frame, and the page reloads, so it never shows another user's notifications.
Clients that send no `user` (bearer-token clients) are not bound.
"""

from typing import Any
from urllib.parse import parse_qs

CLOSE_WRONG_USER = 4409
WRONG_USER_FRAME = {
    "type": "error",
    "code": "wrong_user",
    "detail": "this page belongs to another user than the one signed in: reload it",
}


def expected_user(scope: dict[str, Any]) -> str | None:
    """The `user` query parameter of the socket URL, or None when absent."""
    query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
    values = query.get("user")
    return values[0] if values else None


def wrong_user(scope: dict[str, Any], user_id: int) -> bool:
    """True when the page expects another user than the socket's credential."""
    expected = expected_user(scope)
    return expected is not None and expected != str(user_id)
