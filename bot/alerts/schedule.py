"""When a chat's alerts may go out: immediately, at digest slots, and never in quiet hours.

Rules (all clock times are local wall times in the bot's configured zone):

- **immediate**: an alert goes out when it is ready, unless that moment falls in quiet hours;
  then it waits for their end.
- **hourly**: at the next full local hour; **daily**: at the next ``digest_time``.
- **quiet hours** ``[quiet_start, quiet_end)``: may cross midnight (22:00-07:00). A digest slot
  inside them moves to their end. ``quiet_start == quiet_end`` means no quiet hours.
- A digest slot already served (``last_digest_at`` at or after it) is not used again: an alert
  that missed it waits for the next one.

Arithmetic is done on wall times converted through ``zoneinfo``: a slot in a daylight-saving
gap moves forward by the gap's length (02:30 on a spring-forward night is 03:30), an
ambiguous wall time (autumn) means its first occurrence, and hourly slots follow real hours.

``release_at`` is idempotent: ``release_at(s, release_at(s, t, ...), ...)`` returns the same
instant, so a deliverer may call it with the alert's ready time or with the ``next_attempt_at``
it held the alert until, and gets a moment that is due.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from bot.storage.models import Chat

MODES = ("immediate", "hourly", "daily")
_CLOCK = re.compile(r"^\s*([01]?\d|2[0-3])[:h.]([0-5]\d)\s*$")
_HOUR = timedelta(hours=1)


def parse_clock(value: str) -> str | None:
    """``"7:05"``, ``"07h05"`` or ``"07.05"`` → ``"07:05"``; None when not a time of day."""
    found = _CLOCK.match(value)
    if found is None:
        return None
    return f"{int(found.group(1)):02d}:{found.group(2)}"


def parse_quiet(value: str) -> tuple[str, str] | None:
    """``"22:00-07:00"`` (also with spaces or an en dash) → ("22:00", "07:00"); None if invalid
    or if both ends are the same time."""
    parts = re.split(r"\s*[-–—]\s*|\s+", value.strip())
    if len(parts) != 2:
        return None
    start, end = parse_clock(parts[0]), parse_clock(parts[1])
    if start is None or end is None or start == end:
        return None
    return start, end


def _minutes(clock: str) -> int:
    hours, minutes = clock.split(":")
    return int(hours) * 60 + int(minutes)


def _as_time(clock: str) -> time:
    hours, minutes = clock.split(":")
    return time(int(hours), int(minutes))


@dataclass(frozen=True, slots=True)
class ChatSchedule:
    mode: str  # immediate | hourly | daily
    digest_time: str  # HH:MM local, for daily
    quiet_start: str | None  # HH:MM local
    quiet_end: str | None

    @classmethod
    def of(cls, chat: Chat) -> ChatSchedule:
        """The chat's schedule; a value that is not valid (edited by hand in the database)
        falls back to the default rather than failing the chat's delivery."""
        start = parse_clock(chat.quiet_start or "")
        end = parse_clock(chat.quiet_end or "")
        return cls(
            mode=chat.mode if chat.mode in MODES else "immediate",
            digest_time=parse_clock(chat.digest_time or "") or "08:00",
            quiet_start=start if start and end else None,
            quiet_end=end if start and end else None,
        )

    @property
    def has_quiet_hours(self) -> bool:
        return (
            self.quiet_start is not None
            and self.quiet_end is not None
            and self.quiet_start != self.quiet_end
        )


def is_digest(schedule: ChatSchedule) -> bool:
    return schedule.mode in ("hourly", "daily")


def _local(moment: datetime, zone: ZoneInfo) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("schedule times must be timezone-aware")
    return moment.astimezone(zone)


def _wall(day: date, clock: time, zone: ZoneInfo) -> datetime:
    """The UTC instant of a local wall time; a time in a DST gap moves past the gap."""
    return datetime.combine(day, clock, tzinfo=zone).astimezone(UTC)


def in_quiet_hours(schedule: ChatSchedule, moment: datetime, zone: ZoneInfo) -> bool:
    if not schedule.has_quiet_hours:
        return False
    assert schedule.quiet_start is not None and schedule.quiet_end is not None
    local = _local(moment, zone)
    now = local.hour * 60 + local.minute
    start, end = _minutes(schedule.quiet_start), _minutes(schedule.quiet_end)
    if start < end:
        return start <= now < end
    return now >= start or now < end  # crosses midnight


def quiet_end_after(schedule: ChatSchedule, moment: datetime, zone: ZoneInfo) -> datetime:
    """The first end of quiet hours after ``moment`` (``moment`` itself if not quiet)."""
    if not in_quiet_hours(schedule, moment, zone):
        return moment
    assert schedule.quiet_end is not None
    end = _as_time(schedule.quiet_end)
    today = _local(moment, zone).date()
    for offset in range(3):
        candidate = _wall(today + timedelta(days=offset), end, zone)
        if candidate > moment:
            return candidate
    raise AssertionError("quiet hours end within two days")  # pragma: no cover


def _nominal_slots(schedule: ChatSchedule, start: datetime, zone: ZoneInfo) -> Iterator[datetime]:
    """Digest slots (UTC, increasing) from the first one at or after ``start``."""
    local = _local(start, zone)
    if schedule.mode == "hourly":
        slot = local.replace(minute=0, second=0, microsecond=0).astimezone(UTC)
        if slot < start:
            slot += _HOUR
        while True:
            yield slot
            slot += _HOUR  # real hours: right across DST changes
    else:
        clock = _as_time(schedule.digest_time)
        day = local.date() - timedelta(days=1)
        last: datetime | None = None
        while True:
            slot = _wall(day, clock, zone)
            if slot >= start and (last is None or slot > last):
                last = slot
                yield slot
            day += timedelta(days=1)


def _slots(schedule: ChatSchedule, start: datetime, zone: ZoneInfo) -> Iterator[datetime]:
    """Effective digest slots: nominal ones, those in quiet hours moved to their end."""
    for slot in _nominal_slots(schedule, start, zone):
        yield quiet_end_after(schedule, slot, zone)


def release_at(
    schedule: ChatSchedule, now: datetime, zone: ZoneInfo, last_digest_at: datetime | None
) -> datetime:
    """When an alert that is ready at `now` may go out: `now` (immediate, outside quiet hours),
    the end of the current quiet hours, or the next digest slot (hourly: next full hour;
    daily: next digest_time; a digest slot inside quiet hours moves to their end).

    A digest slot counts when it is at or after ``now`` and after ``last_digest_at``. Pass the
    alert's ready time (or the time it was held until), not a later clock reading: an alert
    held until 11:00 and looked at again at 11:00:01 must be asked about with 11:00.
    """
    if not is_digest(schedule):
        return quiet_end_after(schedule, now, zone)
    floor = now if last_digest_at is None else max(now, last_digest_at)
    # A quiet period lasts under a day: a slot a day before `floor` may move to after it.
    for slot in _slots(schedule, floor - timedelta(days=1, hours=1), zone):
        if slot >= now and (last_digest_at is None or slot > last_digest_at):
            return slot
    raise AssertionError("slots never end")  # pragma: no cover
