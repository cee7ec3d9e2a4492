"""When alerts may go out: digest slots, quiet hours, time zones and DST, with explicit times."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.alerts.schedule import (
    ChatSchedule,
    in_quiet_hours,
    is_digest,
    parse_clock,
    parse_quiet,
    release_at,
)
from bot.storage.models import Chat

UTC_ZONE = ZoneInfo("UTC")
PARIS = ZoneInfo("Europe/Paris")
CASABLANCA = ZoneInfo("Africa/Casablanca")
KOLKATA = ZoneInfo("Asia/Kolkata")


def at(text: str, zone: ZoneInfo = UTC_ZONE) -> datetime:
    """A local wall time in ``zone`` as an aware UTC datetime."""
    return datetime.fromisoformat(text).replace(tzinfo=zone).astimezone(UTC)


def schedule(
    mode: str = "immediate",
    digest_time: str = "08:00",
    quiet: tuple[str, str] | None = None,
) -> ChatSchedule:
    start, end = quiet if quiet else (None, None)
    return ChatSchedule(mode, digest_time, start, end)


def test_immediate_goes_out_at_once_outside_quiet_hours() -> None:
    now = at("2026-11-29 12:34:56")
    assert release_at(schedule(), now, UTC_ZONE, None) == now
    assert release_at(schedule(quiet=("22:00", "07:00")), now, UTC_ZONE, None) == now
    assert not is_digest(schedule())


@pytest.mark.parametrize(
    ("ready", "released"),
    [
        ("2026-11-29 22:00", "2026-11-30 07:00"),  # quiet hours start: held
        ("2026-11-29 23:59", "2026-11-30 07:00"),
        ("2026-11-30 00:00", "2026-11-30 07:00"),  # after midnight: the same night
        ("2026-11-30 06:59", "2026-11-30 07:00"),
        ("2026-11-30 07:00", "2026-11-30 07:00"),  # the end itself is not quiet
        ("2026-11-29 21:59", "2026-11-29 21:59"),
    ],
)
def test_quiet_hours_across_midnight_hold_until_their_end(ready: str, released: str) -> None:
    quiet = schedule(quiet=("22:00", "07:00"))
    assert release_at(quiet, at(ready), UTC_ZONE, None) == at(released)


def test_quiet_hours_within_a_day() -> None:
    lunch = schedule(quiet=("12:00", "14:30"))
    assert release_at(lunch, at("2026-11-29 13:00"), UTC_ZONE, None) == at("2026-11-29 14:30")
    assert release_at(lunch, at("2026-11-29 11:59"), UTC_ZONE, None) == at("2026-11-29 11:59")
    assert release_at(lunch, at("2026-11-29 14:30"), UTC_ZONE, None) == at("2026-11-29 14:30")


def test_equal_quiet_ends_mean_no_quiet_hours() -> None:
    same = schedule(quiet=("07:00", "07:00"))
    assert not in_quiet_hours(same, at("2026-11-29 07:00"), UTC_ZONE)


def test_hourly_digest_at_the_next_full_hour() -> None:
    hourly = schedule("hourly")
    assert is_digest(hourly)
    assert release_at(hourly, at("2026-11-29 10:30"), UTC_ZONE, None) == at("2026-11-29 11:00")
    assert release_at(hourly, at("2026-11-29 23:59:59"), UTC_ZONE, None) == at("2026-11-30 00:00")
    # Exactly on a slot that has not been served yet: that slot.
    assert release_at(hourly, at("2026-11-29 11:00"), UTC_ZONE, None) == at("2026-11-29 11:00")


def test_a_served_slot_is_not_used_again() -> None:
    hourly = schedule("hourly")
    served = at("2026-11-29 11:00:00.200")
    # Ready a moment before the 11:00 digest went out, but too late to be in it.
    assert release_at(hourly, at("2026-11-29 10:59:59"), UTC_ZONE, served) == at("2026-11-29 12:00")
    assert release_at(hourly, at("2026-11-29 11:00"), UTC_ZONE, served) == at("2026-11-29 12:00")
    # A digest served long ago changes nothing.
    old = at("2026-11-28 09:00")
    assert release_at(hourly, at("2026-11-29 10:30"), UTC_ZONE, old) == at("2026-11-29 11:00")


def test_an_alert_held_until_its_slot_is_due_when_asked_again() -> None:
    for plan in (
        schedule("hourly"),
        schedule("daily", "06:00", ("22:00", "07:00")),
        schedule(quiet=("22:00", "07:00")),
    ):
        held = release_at(plan, at("2026-11-29 23:10"), UTC_ZONE, at("2026-11-29 21:00"))
        assert release_at(plan, held, UTC_ZONE, at("2026-11-29 21:00")) == held


def test_daily_digest_at_the_chosen_time() -> None:
    daily = schedule("daily", "08:00")
    assert release_at(daily, at("2026-11-29 07:00"), UTC_ZONE, None) == at("2026-11-29 08:00")
    assert release_at(daily, at("2026-11-29 08:01"), UTC_ZONE, None) == at("2026-11-30 08:00")
    # The bot was down at 08:00: the held alert is due as soon as it looks again.
    held_since = at("2026-11-28 15:00")
    release = release_at(daily, held_since, UTC_ZONE, at("2026-11-28 08:00:01"))
    assert release == at("2026-11-29 08:00") < at("2026-11-29 10:00")


def test_a_digest_slot_inside_quiet_hours_moves_to_their_end() -> None:
    early = schedule("daily", "06:00", ("22:00", "07:00"))
    assert release_at(early, at("2026-11-29 12:00"), UTC_ZONE, None) == at("2026-11-30 07:00")
    hourly = schedule("hourly", quiet=("22:00", "07:00"))
    # 22:00 .. 06:00 are all moved to 07:00; 21:00 is not quiet.
    assert release_at(hourly, at("2026-11-29 20:30"), UTC_ZONE, None) == at("2026-11-29 21:00")
    assert release_at(hourly, at("2026-11-29 21:30"), UTC_ZONE, None) == at("2026-11-30 07:00")
    served = at("2026-11-30 07:00:03")
    assert release_at(hourly, at("2026-11-30 07:00:01"), UTC_ZONE, served) == at("2026-11-30 08:00")
    # Quiet hours that hold no full hour keep the hourly rhythm.
    short = schedule("hourly", quiet=("22:10", "22:40"))
    assert release_at(short, at("2026-11-29 22:15"), UTC_ZONE, None) == at("2026-11-29 23:00")


def test_times_are_local_to_the_bot_zone() -> None:
    daily = schedule("daily", "08:00")
    # Casablanca is UTC+1 in November: 08:00 local is 07:00 UTC.
    assert release_at(daily, at("2026-11-29 06:00"), CASABLANCA, None) == at("2026-11-29 07:00")
    quiet = schedule(quiet=("22:00", "07:00"))
    assert release_at(quiet, at("2026-11-29 21:30"), CASABLANCA, None) == at("2026-11-30 06:00")
    # A half-hour zone: full hours are local full hours.
    hourly = schedule("hourly")
    assert release_at(hourly, at("2026-11-29 10:10"), KOLKATA, None) == at("2026-11-29 10:30")


def test_daylight_saving_changes() -> None:
    daily = schedule("daily", "08:00")
    # Paris moves to summer time on 2026-03-29 at 02:00: 08:00 local is 06:00 UTC that day.
    assert release_at(daily, at("2026-03-28 12:00"), PARIS, None) == at("2026-03-29 06:00")
    assert release_at(daily, at("2026-03-28 06:00"), PARIS, None) == at("2026-03-28 07:00")
    # A slot in the gap (02:30 does not exist that night) moves forward by the gap.
    gap = schedule("daily", "02:30")
    assert release_at(gap, at("2026-03-28 12:00"), PARIS, None) == at("2026-03-29 03:30", PARIS)
    # Back to winter time on 2026-10-25: hourly slots follow real hours through the repeat.
    hourly = schedule("hourly")
    first = release_at(hourly, at("2026-10-24 23:30"), PARIS, None)  # 01:30 CEST
    second = release_at(hourly, first + timedelta(minutes=1), PARIS, first)
    third = release_at(hourly, second + timedelta(minutes=1), PARIS, second)
    # 02:00 CEST, 02:00 CET (the repeated hour), 03:00 CET: one real hour apart.
    assert [first, second, third] == [
        at("2026-10-25 00:00"),
        at("2026-10-25 01:00"),
        at("2026-10-25 02:00"),
    ]
    # Quiet hours 22:00-07:00 over the autumn change end at 07:00 local (06:00 UTC).
    quiet = schedule(quiet=("22:00", "07:00"))
    assert release_at(quiet, at("2026-10-24 21:00"), PARIS, None) == at("2026-10-25 06:00")


def test_a_slot_is_never_before_the_ready_time_and_never_twice() -> None:
    hourly = schedule("hourly", quiet=("23:00", "06:30"))
    last = None
    moment = at("2026-11-29 00:00")
    for _ in range(200):
        slot = release_at(hourly, moment, CASABLANCA, last)
        assert slot >= moment and (last is None or slot > last)
        assert not in_quiet_hours(hourly, slot, CASABLANCA)
        last, moment = slot, slot + timedelta(minutes=17)


@given(
    st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2035, 1, 1)),
    st.sampled_from(["immediate", "hourly", "daily"]),
    st.sampled_from(["00:00", "02:30", "08:15", "23:45"]),
    st.sampled_from([None, ("22:00", "07:00"), ("01:00", "03:00"), ("02:15", "02:45")]),
)
def test_release_is_due_and_idempotent(
    naive: datetime, mode: str, digest_time: str, quiet: tuple[str, str] | None
) -> None:
    plan = schedule(mode, digest_time, quiet)
    moment = naive.replace(tzinfo=UTC)
    release = release_at(plan, moment, PARIS, None)
    assert moment <= release <= moment + timedelta(days=2)
    assert not in_quiet_hours(plan, release, PARIS)
    assert release_at(plan, release, PARIS, None) == release


def test_schedule_of_a_chat_row() -> None:
    chat = Chat(id=1, language="en", mode="daily", digest_time="18:00", quiet_start="22:00")
    chat.quiet_end = "07:00"
    assert ChatSchedule.of(chat) == ChatSchedule("daily", "18:00", "22:00", "07:00")
    odd = Chat(id=2, language="en", mode="weekly", digest_time="8h", quiet_start="22:00")
    assert ChatSchedule.of(odd) == ChatSchedule("immediate", "08:00", None, None)


def test_parsing_times_of_day() -> None:
    assert parse_clock("7:05") == "07:05"
    assert parse_clock("07h30") == "07:30"
    assert parse_clock("23:59") == "23:59"
    for bad in ("24:00", "7", "12:60", "noon", "", "1:2"):
        assert parse_clock(bad) is None
    assert parse_quiet("22:00-07:00") == ("22:00", "07:00")
    assert parse_quiet("22:00 – 7:00") == ("22:00", "07:00")
    assert parse_quiet("22:00 07:00") == ("22:00", "07:00")
    assert parse_quiet("07:00-07:00") is None
    assert parse_quiet("22:00") is None
