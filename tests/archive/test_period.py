"""A command's optional period word: 24h, 7d, 30d, else the default and the whole query."""

from __future__ import annotations

from datetime import timedelta

from bot.archive.period import Period, split_period


def test_a_period_word_is_taken_off_the_query() -> None:
    assert split_period("7d Akhannouch", None) == (Period.WEEK, "Akhannouch")
    assert split_period("  24H  عزيز أخنوش ", None) == (Period.DAY, "عزيز أخنوش")
    assert split_period("30d a; b", Period.WEEK) == (Period.MONTH, "a; b")
    assert split_period("30d", None) == (Period.MONTH, "")


def test_without_a_period_word_the_default_and_the_whole_text() -> None:
    assert split_period("Akhannouch 7d", None) == (None, "Akhannouch 7d")
    assert split_period("7days Rabat", Period.MONTH) == (Period.MONTH, "7days Rabat")
    assert split_period(None, Period.MONTH) == (Period.MONTH, "")
    assert split_period("", None) == (None, "")


def test_spans() -> None:
    assert Period.DAY.span == timedelta(hours=24)
    assert Period.WEEK.span == timedelta(days=7)
    assert Period.MONTH.span == timedelta(days=30)
