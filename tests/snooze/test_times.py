"""The snooze menu's times, in the user's time zone (snooze/times.py)."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation

from snooze.times import InvalidSnooze, until_for

PARIS = ZoneInfo("Europe/Paris")
# Wednesday 3 June 2026, 14:30 in Paris (UTC+2).
NOW = datetime(2026, 6, 3, 12, 30, tzinfo=UTC)


def test_one_hour_is_an_hour_from_now_in_any_zone():
    assert until_for("1h", now=NOW, tz="Asia/Tokyo") == NOW + timedelta(hours=1)


def test_this_evening_tomorrow_and_next_week_are_local_wall_times():
    assert until_for("evening", now=NOW, tz="Europe/Paris") == datetime(
        2026, 6, 3, 18, tzinfo=PARIS
    )
    assert until_for("tomorrow", now=NOW, tz="Europe/Paris") == datetime(
        2026, 6, 4, 9, tzinfo=PARIS
    )
    # Next week: Monday 09:00.
    assert until_for("next-week", now=NOW, tz="Europe/Paris") == datetime(
        2026, 6, 8, 9, tzinfo=PARIS
    )
    # The same instant is already Thursday in Tokyo (21:30): the evening is over there.
    tokyo = ZoneInfo("Asia/Tokyo")
    assert until_for("evening", now=NOW, tz="Asia/Tokyo") == datetime(2026, 6, 4, 18, tzinfo=tokyo)


def test_a_chosen_local_time_is_read_in_the_users_zone():
    until = until_for("at", now=NOW, tz="America/New_York", at="2026-06-03T20:15")
    assert until == datetime(2026, 6, 4, 0, 15, tzinfo=UTC)


def test_a_wall_time_a_clock_change_skips_is_a_real_instant_after_it():
    # Paris skips 02:00-03:00 on 29 March 2026: "tomorrow 09:00" is unaffected, but a
    # chosen 02:30 becomes 03:30 local (01:30 UTC).
    before = datetime(2026, 3, 28, 12, tzinfo=UTC)
    assert until_for("tomorrow", now=before, tz="Europe/Paris") == datetime(
        2026, 3, 29, 7, tzinfo=UTC
    )


@pytest.mark.parametrize(
    ("choice", "at", "tz"),
    [
        ("soon", "", ""),
        ("at", "", ""),
        ("at", "tomorrow", ""),
        ("at", "2026-06-03T10:00", "Europe/Paris"),  # in the past
        ("at", "2028-01-01T10:00", ""),  # too far ahead
        ("1h", "", "Mars/Olympus"),
    ],
)
def test_what_cannot_be_a_snooze_is_refused(choice, at, tz):
    with pytest.raises(InvalidSnooze):
        until_for(choice, now=NOW, tz=tz, at=at)


def test_the_reason_is_english_for_the_api_and_translated_for_a_person():
    with pytest.raises(InvalidSnooze) as refused:
        until_for("at", now=NOW, tz="Europe/Paris", at="2026-06-03T10:00")
    with translation.override("pl"):
        assert str(refused.value) == "the time must be in the future"
        assert str(refused.value.page_text) == "Czas musi przypadać w przyszłości."
    with translation.override("de"):
        assert str(refused.value.page_text) == "Der Zeitpunkt muss in der Zukunft liegen."
