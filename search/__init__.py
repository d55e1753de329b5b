"""Search and filters of a user's messages: the inbox's search box and the API's list.

One `Filters` value, parsed once at the edge (`parse`, from the URL's query string: the
inbox and the API take the same parameters) and applied by the selectors. Text search is
full-text on PostgreSQL (`websearch_to_tsquery`, English stemming: "uploads" finds
"upload"; quoted phrases, `or`, `-word`) or a substring of the text; on SQLite every word
must occur in the text (case-insensitive for ASCII letters). An app of its own above
notifications (whose `selectors.inbox_page` takes any value with `apply`) and snooze (a
`from`/`to` day is read in the user's zone, named as a snooze's is: snooze/times.py).
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db import connections
from django.db.models import Q, QuerySet

from notifications.models import Level
from notifications.validators import MAX_GROUP, InvalidNotification, clean_group, storable
from snooze.times import InvalidSnooze, zone_for

# The query parameters, in the URL as in the API.
PARAMS = ("q", "level", "state", "from", "to", "thread")
STATES = ("unread", "read")
MAX_QUERY = 200
# Full-text search's dictionary on PostgreSQL.
CONFIG = "english"


class InvalidFilters(ValueError):
    """A filter we cannot apply; the text says which parameter and why."""


@dataclass(frozen=True)
class Filters:
    q: str = ""
    level: str = ""
    state: str = ""  # "", "unread" or "read"
    since: date | None = None  # the `from` day, in the user's zone
    until: date | None = None  # the `to` day, inclusive
    tz: str = ""
    thread: str = ""  # a thread's group key: its messages, one by one

    @property
    def active(self) -> bool:
        """Whether any filter narrows the list (live rows then wait for a reload)."""
        return bool(self.q or self.level or self.state or self.since or self.until or self.thread)

    def query_string(self) -> dict[str, str]:
        """The non-empty parameters, for links to further pages."""
        values = {
            "q": self.q,
            "level": self.level,
            "state": self.state,
            "from": self.since.isoformat() if self.since else "",
            "to": self.until.isoformat() if self.until else "",
            "thread": self.thread,
        }
        return {name: value for name, value in values.items() if value}

    def apply(self, queryset: QuerySet) -> QuerySet:
        """`queryset` narrowed to the messages that match."""
        if self.q:
            queryset = _text(queryset, self.q)
        if self.level:
            queryset = queryset.filter(level=self.level)
        if self.thread:
            queryset = queryset.filter(group=self.thread)
        if self.state == "unread":
            queryset = queryset.filter(read_at__isnull=True)
        elif self.state == "read":
            queryset = queryset.filter(read_at__isnull=False)
        zone = zone_for(self.tz)
        if self.since:
            queryset = queryset.filter(created_at__gte=datetime.combine(self.since, time(), zone))
        if self.until:
            end = datetime.combine(self.until + timedelta(days=1), time(), zone)
            queryset = queryset.filter(created_at__lt=end)
        return queryset


def parse(params: Mapping[str, str], *, tz: str = "") -> Filters:
    """The filters of a query string; InvalidFilters for a value we cannot use."""
    q = " ".join(params.get("q", "").split())
    if len(q) > MAX_QUERY:
        raise InvalidFilters(f"'q' must be at most {MAX_QUERY} characters")
    if not storable(q):  # PostgreSQL refuses NUL in a query parameter
        raise InvalidFilters("'q' must not contain NUL or lone surrogates")
    level = params.get("level", "")
    if level and level not in Level.values:
        raise InvalidFilters(f"'level' must be one of {', '.join(Level.values)}")
    state = params.get("state", "")
    if state and state not in STATES:
        raise InvalidFilters(f"'state' must be one of {', '.join(STATES)}")
    thread = params.get("thread", "")
    try:
        thread = clean_group(thread)
    except InvalidNotification:
        raise InvalidFilters(
            f"'thread' must be a thread key ({MAX_GROUP} characters at most, no spaces)"
        ) from None
    since, until = _day(params, "from"), _day(params, "to")
    if since and until and since > until:
        raise InvalidFilters("'from' must not be after 'to'")
    try:
        zone_for(tz)
    except InvalidSnooze:
        tz = ""  # a stored zone this server does not know: the site's
    return Filters(q=q, level=level, state=state, since=since, until=until, tz=tz, thread=thread)


def _day(params: Mapping[str, str], name: str) -> date | None:
    raw = params.get(name, "")
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError as exc:
        raise InvalidFilters(f"'{name}' must be a date, YYYY-MM-DD") from exc


def _text(queryset: QuerySet, q: str) -> QuerySet:
    if connections[queryset.db].vendor == "postgresql":
        from django.contrib.postgres.search import SearchQuery, SearchVector

        query = SearchQuery(q, config=CONFIG, search_type="websearch")
        return queryset.annotate(document=SearchVector("text", config=CONFIG)).filter(
            Q(document=query) | Q(text__icontains=q)
        )
    words = Q()
    for word in q.split():
        words &= Q(text__icontains=word)
    return queryset.filter(words)
