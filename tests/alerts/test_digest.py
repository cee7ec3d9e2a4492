"""Digest messages: grouped by subscription, local times, split under the limit, RTL-safe."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.alerts.digest import DigestEntry, compose_digest
from bot.alerts.split import visible_length
from bot.i18n.bidi import FSI, PDI
from tests.support.fakes.telegram_api import _check_html

CASABLANCA = ZoneInfo("Africa/Casablanca")
NOON = datetime(2026, 11, 29, 11, 0, tzinfo=UTC)  # 12:00 in Casablanca


def entry(query: str, n: int, minutes_ago: int, source: str = "Hespress") -> DigestEntry:
    return DigestEntry(
        subscription=query,
        title=f"Article {n} <sur> & le sujet",
        url=f"https://news.example.ma/{n}?a=1&b=2",
        source_name=source,
        published=NOON - timedelta(minutes=minutes_ago),
    )


def test_nothing_to_send() -> None:
    assert compose_digest([], "en", CASABLANCA) == []


def test_grouped_by_subscription_oldest_first_with_local_times() -> None:
    entries = [
        entry("Laftit", 1, 10),
        entry("Retailleau", 2, 30),
        entry("Laftit", 3, 50),
        entry("Laftit", 4, 60 * 20),  # yesterday, local time
    ]
    [message] = compose_digest(entries, "en", CASABLANCA)
    _check_html(message)
    assert message.startswith("🗞 <b>Digest</b>: 4 new articles\n")
    lines = message.split("\n")
    laftit = lines.index("🔎 <b>Laftit</b> (3)")
    retailleau = lines.index("🔎 <b>Retailleau</b> (1)")
    assert laftit < retailleau  # in the order of their first entry
    assert lines[laftit + 1].startswith("• 28/11 16:00 ")  # not the newest day: dated
    assert lines[laftit + 2].startswith("• 11:10 ")
    assert lines[laftit + 3].startswith("• 11:50 ")
    assert (
        '<a href="https://news.example.ma/1?a=1&amp;b=2">Article 1 &lt;sur&gt; &amp; le sujet</a>'
        " — Hespress" in message
    )


def test_split_cleanly_with_numbered_parts_and_repeated_headings() -> None:
    entries = [entry("عبد الوافي لفتيت", n, n) for n in range(80)]
    entries += [entry("Bruno Retailleau", n, n) for n in range(80, 120)]
    parts = compose_digest(entries, "fr", CASABLANCA, limit=1500)
    assert len(parts) > 3
    for number, part in enumerate(parts, start=1):
        _check_html(part)
        assert visible_length(part) <= 1500
        assert part.startswith(f"🗞 <b>Résumé</b> : 120 nouveaux articles ({number}/{len(parts)})\n")
        assert part.split("\n")[2].startswith("🔎 <b>")  # each part says which subscription
    shown = sum(part.count("• ") for part in parts)
    assert shown == 120
    assert any("(80, suite)" in part for part in parts[1:])


def test_a_full_size_digest_stays_under_telegrams_limit() -> None:
    entries = [entry(f"sujet {n % 7}", n, n, source="📰" * 30) for n in range(400)]
    parts = compose_digest(entries, "ar", CASABLANCA)
    assert all(visible_length(part) <= 4096 for part in parts)
    assert sum(part.count("• ") for part in parts) == 400


def test_arabic_digest_isolates_latin_inserts() -> None:
    [message] = compose_digest([entry("Bruno Retailleau", 1, 5, source="Le360")], "ar", CASABLANCA)
    assert f"<b>{FSI}Bruno Retailleau{PDI}</b>" in message
    assert f"— {FSI}Le360{PDI}" in message
    assert f">{FSI}Article 1 &lt;sur&gt; &amp; le sujet{PDI}</a>" in message
    [english] = compose_digest([entry("Bruno Retailleau", 1, 5)], "en", CASABLANCA)
    assert FSI not in english


def test_bidi_controls_of_titles_and_sources_cannot_close_the_isolate() -> None:
    hostile = DigestEntry(
        subscription="Retailleau\u2069\u202e",
        title="Article\u2069 \u202eevil",
        url="https://news.example.ma/1",
        source_name="\u2066Le360\u2069",
        published=NOON,
    )
    [message] = compose_digest([hostile], "ar", CASABLANCA)
    _check_html(message)
    assert "\u202e" not in message and "\u2066" not in message
    assert f"<b>{FSI}Retailleau{PDI}</b>" in message
    assert f">{FSI}Article evil{PDI}</a>" in message
    assert f"— {FSI}Le360{PDI}" in message
    assert message.count(FSI) == message.count(PDI)


def test_a_line_whose_link_is_not_http_has_no_link() -> None:
    entries = [
        entry("Laftit", 1, 10),
        DigestEntry(
            subscription="Laftit",
            title="Piège",
            url="javascript:alert(1)",
            source_name="Le360",
            published=NOON,
        ),
        DigestEntry(
            subscription="Laftit",
            title="",
            url="tg://resolve?domain=x",
            source_name="Le360",
            published=NOON,
        ),
    ]
    for language in ("en", "fr", "ar"):
        [message] = compose_digest(entries, language, CASABLANCA)
        _check_html(message)
        assert "javascript" not in message and "tg:" not in message
        assert message.count("<a ") == 1
        assert message.count("• ") == 3
