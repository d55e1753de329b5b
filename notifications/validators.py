"""What a notification may contain: text a database can store, links a browser keeps local,
a thread key, and up to two action buttons (`clean_actions`; a click: threads/actions.py).

Pure functions, no ORM: `notifications.services` calls `clean` before every write, and
the admin's form calls it for its field errors. The browser's copy of the link rule is
in static/ (display only); this one decides what is stored.
"""

import re
from typing import Any
from urllib.parse import urlsplit

from notifications.models import LEVELS

MAX_TEXT = 1000
MAX_LINK = 500

# PostgreSQL text cannot hold NUL, and no UTF-8 encoder takes a lone surrogate (JSON's
# "\ud800" decodes to one): either would fail the INSERT with a 500.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
# The WHATWG URL parser, which every browser follows, deletes ASCII tab, LF and CR
# anywhere in a URL and trims C0 controls and spaces at its ends: "/\t/evil.example"
# becomes "//evil.example", another host. Refusing every C0 control and DEL (with
# backslash, which it reads as "/" in http(s) URLs) leaves nothing for it to rewrite,
# so what is checked here is what the browser follows.
_REWRITTEN = re.compile("[\x00-\x1f\x7f\\\\]")


class InvalidNotification(ValueError):
    """The producer asked for a message we will not store (bad level, text or link)."""


def storable(value: str) -> bool:
    """Whether a string can be stored or queried as it is (no NUL, no lone surrogate)."""
    return not _UNSTORABLE.search(value)


def clean_text(text: str) -> str:
    """The text stripped; InvalidNotification if empty, too long or not storable."""
    text = (text or "").strip()
    if not text:
        raise InvalidNotification("text must not be empty")
    if len(text) > MAX_TEXT:
        raise InvalidNotification(f"text is longer than {MAX_TEXT} characters")
    if _UNSTORABLE.search(text):
        raise InvalidNotification("text must not contain NUL or unpaired surrogates")
    return text


def clean_level(level: str) -> str:
    if level not in LEVELS:
        raise InvalidNotification(f"level must be one of {', '.join(LEVELS)}")
    return level


def clean_link(link: str) -> str:
    """ "" or a path on this site or an http(s) URL, as a browser would resolve it."""
    link = (link or "").strip(" ")
    if not link:
        return ""
    if len(link) > MAX_LINK or _REWRITTEN.search(link) or _UNSTORABLE.search(link):
        raise InvalidNotification("link must be a path on this site or an http(s) URL")
    parts = urlsplit(link)
    # "//host" is another site; javascript:, data: and the like could run script.
    local = link.startswith("/") and not link.startswith("//")
    authority = link[len(parts.scheme) + 1 :].startswith("//")
    web = parts.scheme in {"http", "https"} and authority and bool(parts.netloc)
    if not (local or web):
        raise InvalidNotification("link must be a path on this site or an http(s) URL")
    return link


def is_safe_link(link: str) -> bool:
    """Whether a stored link may be rendered as an href (rows written before validation)."""
    try:
        return bool(clean_link(link))
    except InvalidNotification:
        return False


def clean(text: str, level: str, link: str) -> tuple[str, str, str]:
    """The text, level and link to store; InvalidNotification naming the first bad one."""
    return clean_text(text), clean_level(level), clean_link(link)


MAX_GROUP = 100
# A thread key is the producer's name for an object ("upload:42", "invoice:118"): printable
# ASCII without spaces, so it is the same key in a URL, a form field and a socket frame.
_GROUP = re.compile(rf"[!-~]{{1,{MAX_GROUP}}}")


def clean_group(group: str | None) -> str:
    """ "" (no thread) or the key as given; InvalidNotification unless 1-100 printable
    ASCII characters without spaces."""
    if group is None or group == "":
        return ""
    if not isinstance(group, str) or not _GROUP.fullmatch(group):
        raise InvalidNotification(
            f"group must be 1 to {MAX_GROUP} printable ASCII characters without spaces"
        )
    return group


MAX_ACTIONS = 2
MAX_LABEL = 40
# The producer's name for what the button does, sent back in the `message.interacted` event.
_POST = re.compile(r"[A-Za-z0-9_.:-]{1,64}")


def clean_actions(value: Any) -> list[dict[str, str]]:
    """The actions to store: a list of 0-2 `{"label", "url"}` (a path on this site) or
    `{"label", "post"}` (an id for the producer); InvalidNotification otherwise."""
    if value is None or value == []:
        return []
    if not isinstance(value, list) or len(value) > MAX_ACTIONS:
        raise InvalidNotification(f"actions must be a list of at most {MAX_ACTIONS}")
    cleaned = []
    for action in value:
        if not isinstance(action, dict) or set(action) not in ({"label", "url"}, {"label", "post"}):
            raise InvalidNotification('each action is {"label", "url"} or {"label", "post"}')
        label = action["label"].strip() if isinstance(action["label"], str) else ""
        if not label or len(label) > MAX_LABEL or not label.isprintable():
            raise InvalidNotification(f"an action's label is 1 to {MAX_LABEL} printable characters")
        if "url" in action:
            try:
                url = clean_link(action["url"]) if isinstance(action["url"], str) else ""
            except InvalidNotification:
                url = ""
            # Same site only: a button is not the place for another host.
            if not url.startswith("/"):
                raise InvalidNotification("an action's url must be a path on this site")
            cleaned.append({"label": label, "url": url})
        else:
            post = action["post"]
            if not isinstance(post, str) or not _POST.fullmatch(post):
                raise InvalidNotification("an action's post is 1 to 64 of A-Z a-z 0-9 _ . : -")
            cleaned.append({"label": label, "post": post})
    return cleaned
