"""When to poll a source next. Pure functions of their arguments (``now`` included).

After a success: the source's interval, or longer when the source asks for it
(``Cache-Control: max-age``, RSS ``<ttl>``/``sy:updatePeriod``), but never longer than
``max_backoff`` (a feed that says "come back tomorrow" is still polled every few hours) and
never shorter than the interval.

After the n-th consecutive error: ``interval * 2**(n-1)``, capped at ``max_backoff`` (or the
interval, if that is longer). A ``Retry-After`` (429/503) pushes it further, up to the same
cap.
"""

from __future__ import annotations

from datetime import datetime, timedelta


def _cap(interval: float, max_backoff: float) -> float:
    return max(max_backoff, interval)


def delay_after_success(
    interval: float, max_backoff: float, *, max_age: float | None = None, ttl: float | None = None
) -> float:
    hint = max(max_age or 0.0, ttl or 0.0)
    return max(interval, min(hint, _cap(interval, max_backoff)))


def delay_after_error(
    interval: float, max_backoff: float, errors: int, *, retry_after: float | None = None
) -> float:
    cap = _cap(interval, max_backoff)
    backoff = min(interval * 2.0 ** min(max(errors - 1, 0), 62), cap)
    if retry_after is not None and retry_after > 0:
        backoff = max(backoff, min(retry_after, cap))
    return backoff


def next_poll_after_success(
    now: datetime,
    interval: float,
    max_backoff: float,
    *,
    max_age: float | None = None,
    ttl: float | None = None,
) -> datetime:
    return now + timedelta(
        seconds=delay_after_success(interval, max_backoff, max_age=max_age, ttl=ttl)
    )


def next_poll_after_error(
    now: datetime,
    interval: float,
    max_backoff: float,
    errors: int,
    *,
    retry_after: float | None = None,
) -> datetime:
    return now + timedelta(
        seconds=delay_after_error(interval, max_backoff, errors, retry_after=retry_after)
    )
