"""When a snooze ends: the inbox's choices, in the user's time zone. Pure functions."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

# The choices of the "Snooze" menu, in its order, with their labels (in the page's language;
# the API takes the keys).
CHOICES = {
    "1h": _("1 hour"),
    "evening": _("This evening"),
    "tomorrow": _("Tomorrow 09:00"),
    "next-week": _("Next week"),
}
EVENING_AT = time(18, 0)
MORNING_AT = time(9, 0)
# A chosen time further ahead than this is refused: a typo ("2062"), not a plan.
LONGEST = timedelta(days=366)


class InvalidSnooze(ValueError):
    """A snooze time we will not store; the text says why, in English (the API's `detail`),
    and `page_text` says it to a person, in the page's language (the inbox's snooze menu)."""

    def __init__(self, detail: str, page_text: str | None = None) -> None:
        super().__init__(detail)
        self.page_text = detail if page_text is None else page_text


def zone_for(name: str) -> ZoneInfo:
    """The zone named `name` (an IANA name), or the site's when `name` is empty."""
    try:
        return ZoneInfo(name or settings.TIME_ZONE)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise InvalidSnooze(
            "'tz' must be an IANA time zone name", _("This time zone is not known.")
        ) from exc


def until_for(choice: str, *, now: datetime, tz: str = "", at: str = "") -> datetime:
    """The end of snooze `choice` ("1h", "evening", "tomorrow", "next-week", or "at" with
    `at` a local "YYYY-MM-DDTHH:MM") for a user in zone `tz`; InvalidSnooze otherwise.

    "This evening" is 18:00 today, or tomorrow's once 18:00 has passed; "next week" is
    Monday 09:00. Local times that a clock change skips or repeats resolve as zoneinfo
    does (fold 0), a time that does not exist moves on by the gap.
    """
    zone = zone_for(tz)
    local = now.astimezone(zone)
    if choice == "1h":
        return now + timedelta(hours=1)
    if choice == "evening":
        day = local.date() if local.time() < EVENING_AT else local.date() + timedelta(days=1)
        return _at(day, EVENING_AT, zone)
    if choice == "tomorrow":
        return _at(local.date() + timedelta(days=1), MORNING_AT, zone)
    if choice == "next-week":
        return _at(local.date() + timedelta(days=7 - local.weekday()), MORNING_AT, zone)
    if choice == "at":
        return checked(_parse_local(at, zone), now=now)
    raise InvalidSnooze(
        f"'until' must be one of {', '.join([*CHOICES, 'at'])}", _("Choose a time from the menu.")
    )


def checked(until: datetime, *, now: datetime) -> datetime:
    """`until` if it is an aware time in the future and within LONGEST; InvalidSnooze else."""
    if until.tzinfo is None:
        raise InvalidSnooze("the time must include its time zone")
    if until <= now:
        raise InvalidSnooze("the time must be in the future", _("The time must be in the future."))
    if until > now + LONGEST:
        raise InvalidSnooze(
            f"the time must be within {LONGEST.days} days",
            ngettext_lazy(
                "The time must be within %(days)d day.",
                "The time must be within %(days)d days.",
                "days",
            )
            % {"days": LONGEST.days},
        )
    return until


def _parse_local(raw: str, zone: ZoneInfo) -> datetime:
    try:
        value = datetime.fromisoformat(raw)
    except (TypeError, ValueError) as exc:
        raise InvalidSnooze(
            "'at' must be a date and time, YYYY-MM-DDTHH:MM", _("Enter a date and time.")
        ) from exc
    if value.tzinfo is None:
        value = value.replace(tzinfo=zone)
    return value


def _at(day: object, clock: time, zone: ZoneInfo) -> datetime:
    # Through UTC and back: a wall time inside a spring-forward gap becomes a real instant.
    wall = datetime.combine(day, clock, tzinfo=zone)  # type: ignore[arg-type]
    return wall.astimezone(ZoneInfo("UTC")).astimezone(zone)
