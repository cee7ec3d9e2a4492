"""Next-poll times: interval, backoff, Retry-After, max-age and feed TTL (pure functions)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.pipeline.schedule import next_poll_after_error, next_poll_after_success

NOW = datetime(2026, 11, 29, 4, 0, tzinfo=UTC)
CAP = 6 * 3600.0


def after(seconds: float) -> datetime:
    return NOW + timedelta(seconds=seconds)


def test_success_waits_the_interval_or_what_the_source_asks_within_the_cap() -> None:
    assert next_poll_after_success(NOW, 600, CAP) == after(600)
    assert next_poll_after_success(NOW, 600, CAP, max_age=1800) == after(1800)
    assert next_poll_after_success(NOW, 600, CAP, ttl=3600, max_age=60) == after(3600)
    # A short max-age never polls faster than the interval.
    assert next_poll_after_success(NOW, 600, CAP, max_age=5) == after(600)
    # "Come back tomorrow" is capped.
    assert next_poll_after_success(NOW, 600, CAP, ttl=86400) == after(CAP)
    # An interval above the cap is kept.
    assert next_poll_after_success(NOW, 10 * 3600, CAP, ttl=86400) == after(10 * 3600)


def test_errors_back_off_exponentially_up_to_the_cap() -> None:
    delays = [(next_poll_after_error(NOW, 600, CAP, n) - NOW).total_seconds() for n in range(1, 8)]
    assert delays == [600, 1200, 2400, 4800, 9600, 19200, CAP]
    assert next_poll_after_error(NOW, 600, CAP, 10_000) == after(CAP)


def test_retry_after_pushes_the_next_poll_but_not_past_the_cap() -> None:
    assert next_poll_after_error(NOW, 60, CAP, 1, retry_after=900) == after(900)
    assert next_poll_after_error(NOW, 600, CAP, 3, retry_after=10) == after(2400)
    assert next_poll_after_error(NOW, 60, CAP, 1, retry_after=10**9) == after(CAP)
