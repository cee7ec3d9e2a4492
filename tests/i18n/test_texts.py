"""The bot's messages: complete in every language, and within Telegram's limits."""

from __future__ import annotations

import os
import re
import shutil
import string
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from babel import Locale

from bot.alerts.split import visible_length
from bot.i18n import LANGUAGES, catalog, duration, pick_language, plural, text
from bot.i18n.bidi import BIDI_CONTROLS, balanced, clean, embed
from bot.i18n.formats import format_datetime, format_day_time, format_number, format_time
from bot.i18n.loader import PluralText, load, path
from bot.services.preview import Example
from bot.storage.models import Subscription
from bot.storage.scan import StoredText
from bot.telegram.texts import USER_COMMANDS
from bot.telegram.views.queries import example_text
from bot.telegram.views.subscriptions import help_text, list_view
from tests.support.fakes.telegram_api import _check_html


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def single_number_forms(language: str) -> set[int]:
    """The forms that only one count takes (Arabic zero, one, two; English one): these may say
    the number in words and leave the count out."""
    index = catalog(language).index
    takers: dict[int, list[int]] = {}
    for n in range(1000):
        takers.setdefault(index(n), []).append(n)
    return {form for form, counts in takers.items() if len(counts) == 1}


def entries(language: str) -> dict[str, str | PluralText]:
    found = catalog(language)
    return {**found.texts, **found.plurals}


@pytest.mark.parametrize("language", ["fr", "ar"])
def test_translations_use_the_same_placeholders_as_english(language: str) -> None:
    english = entries("en")
    translated = entries(language)
    assert translated.keys() == english.keys()  # none missing, none extra
    for key, source in english.items():
        if isinstance(source, PluralText):
            target = translated[key]
            assert isinstance(target, PluralText), key
            assert target.count == source.count, key
            names = placeholders(source.forms[-1])
            for index, form in enumerate(target.forms):
                if index in single_number_forms(language):  # "one", Arabic "zero", "two"
                    assert placeholders(form) | {source.count} == names, (key, index)
                else:
                    assert placeholders(form) == names, (key, index)
        else:
            assert placeholders(str(translated[key])) == placeholders(source), key


@pytest.mark.parametrize("language", LANGUAGES)
def test_help_mentions_every_command(language: str) -> None:
    shown = help_text(language, is_admin=True)
    for command in ("/subscribe", "/test", "/list", "/addsource", "/alias", "/interval"):
        assert command in shown
    for command in USER_COMMANDS:
        if command != "start":
            assert f"/{command}" in shown, command
        assert catalog(language).texts[f"cmd_{command}"], command
    assert "/settings @channel" in shown or "/settings @chaine" in shown
    assert "@channel" not in help_text(language, is_admin=False)
    assert visible_length(text(language, "welcome", help=shown)) <= 4096


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_text_is_valid_telegram_html(language: str) -> None:
    for key in entries(language):
        for rendered in renderings(language, key):
            _check_html(rendered)


def test_arabic_isolates_latin_inserts_other_languages_do_not() -> None:
    assert embed("ar", "Bruno Retailleau") == "\u2068Bruno Retailleau\u2069"
    assert embed("fr", "Bruno Retailleau") == "Bruno Retailleau"
    body, _ = list_view("ar", [Subscription(id=1, chat_id=1, query="Macron <2>")], paused=False)
    assert "1. \u2068Macron &lt;2&gt;\u2069" in body
    body, _ = list_view("en", [Subscription(id=1, chat_id=1, query="Macron")], paused=False)
    assert "1. Macron" in body


HOSTILE = "Macron\u2069 \u202eevil\u202c \u2066x\u2067y\u2068z"  # every control, unpaired


def test_bidi_controls_are_stripped_from_every_inserted_value() -> None:
    """A value's own PDI would close the Arabic isolate early and let the rest reorder the
    sentence; an override would reverse it."""
    assert clean(HOSTILE) == "Macron evil xyz"
    assert not BIDI_CONTROLS.search(clean("".join(map(chr, range(0x202A, 0x202F)))))
    assert not BIDI_CONTROLS.search(clean("".join(map(chr, range(0x2066, 0x206A)))))
    assert embed("ar", HOSTILE) == "\u2068Macron evil xyz\u2069"
    assert embed("fr", HOSTILE) == "Macron evil xyz"
    # Straight into a text: every control of the value goes.
    assert text("en", "unsubscribed", query=HOSTILE) == "🗑 Removed: <b>Macron evil xyz</b>"
    # Through embed, then a text: only the isolate embed added stays.
    assert text("ar", "unsubscribed", query=embed("ar", HOSTILE)).count("\u2068") == 1
    body, _ = list_view("ar", [Subscription(id=1, chat_id=1, query=HOSTILE)], paused=False)
    assert "1. \u2068Macron evil xyz\u2069" in body
    assert body.count("\u2069") == body.count("\u2068") == 1
    # A value made of embedded parts keeps their isolates; a stray one is dropped.
    parts = embed("ar", "a") + "\u2069 " + embed("ar", "b") + "\u2068"
    assert balanced(parts) == "\u2068a\u2069 \u2068b\u2069"
    assert balanced("plain") == "plain"


def test_language_is_picked_from_telegram_codes() -> None:
    assert pick_language("fr-FR", "ar") == "fr"
    assert pick_language("de", "ar") == "ar"
    assert pick_language(None, "en") == "en"
    assert text("ar", "paused").startswith("⏸")


def test_a_full_list_of_long_queries_fits_in_one_message() -> None:
    now = datetime(2026, 11, 29, tzinfo=UTC)
    subscriptions = [
        Subscription(id=i, chat_id=1, query="عبد الوافي لفتيت " * 20, created_at=now)
        for i in range(50)
    ]
    muted = datetime(2026, 11, 30, tzinfo=UTC)
    for subscription in subscriptions:
        subscription.muted_until = muted
    body, keyboard = list_view("ar", subscriptions, paused=True, now=now)
    assert visible_length(body) < 4096
    assert keyboard is not None
    assert sum(len(row) for row in keyboard.inline_keyboard) == 100  # ❌ and 🔔 for each


def test_a_test_example_links_only_an_http_article() -> None:
    def example(url: str) -> Example:
        stored = StoredText(
            1,
            url,
            "Macron\u2069 à Rabat",
            "",
            "Le texte.",
            "Le360\u202e",
            datetime(2026, 1, 1, tzinfo=UTC),
        )
        return Example(stored, [])

    for language in LANGUAGES:
        linked = example_text(language, example("https://x.ma/1"))
        assert '<a href="https://x.ma/1">' in linked
        for url in ("javascript:alert(1)", "tg://resolve?domain=x", "data:text/html,x"):
            shown = example_text(language, example(url))
            assert "<a " not in shown and url not in shown
            _check_html(shown)
        assert "\u202e" not in linked and linked.count("\u2069") == linked.count("\u2068")


COUNTS = (0, 1, 2, 3, 11, 100, 101)
UNIT_SPEC = re.compile(r"\{(\w+):(\w+)\}")


def sample_values(template: str, count_name: str | None = None) -> dict[str, object]:
    """A distinct marker for every placeholder; a number for a count (``{days:last_days}``
    included)."""
    units = {name for name, _ in UNIT_SPEC.findall(template)}
    return {
        name: "7" if name in units else f"v_{name}"
        for name in placeholders(template)
        if name != count_name
    }


def renderings(language: str, key: str) -> list[str]:
    """The text rendered with representative values: every placeholder filled (a missing one
    raises KeyError), each plain value found in the result (a placeholder a translation
    dropped fails), a plural text for each of COUNTS."""
    entry = entries("en")[key]
    if isinstance(entry, PluralText):
        values = sample_values(entry.forms[-1], entry.count)
        shown = []
        for n in COUNTS:
            rendered = plural(language, key, n, **values)
            assert text(language, key, **{entry.count: n}, **values) == rendered
            shown.append(rendered)
    else:
        values = sample_values(entry)
        shown = [text(language, key, **values)]
    for rendered in shown:
        for value in values.values():
            if str(value).startswith("v_"):
                assert value in rendered, (language, key, value)
        assert "{" not in rendered.replace("{n}", ""), (language, key)  # nothing left unfilled
    return shown


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_key_renders_in_every_language(language: str) -> None:
    found = catalog(language)
    assert set(entries(language)) == set(entries("en"))
    assert found.plurals.keys() == catalog("en").plurals.keys()
    for key, entry in found.plurals.items():
        assert len(entry.forms) == found.nplurals and all(entry.forms), key
        for form in entry.forms:  # a unit spec names a plural text
            for _, unit in UNIT_SPEC.findall(form):
                assert unit in found.plurals, (key, unit)
    for key in entries(language):
        renderings(language, key)


def test_every_count_text_is_a_plural_text() -> None:
    """A text whose placeholder is a count of things takes plural forms (no "1 new articles",
    no "{n} دقيقة" for every n); counts shown as "label: N" need none."""
    counted = {
        "too_many", "minutes", "seconds", "stats_seconds", "stats_minutes", "stats_hours",
        "last_days", "addsource_ok", "source_line", "selector_set", "selector_cleared",
        "importopml_started", "exportopml_caption", "notice_source_unhealthy", "digest_header",
        "recent_cooldown", "test_cooldown", "recent_partial", "too_many_person", "recent_count",
    }  # fmt: skip
    assert counted <= catalog("en").plurals.keys()
    for key, english in catalog("en").texts.items():
        for name in placeholders(english) & {"count", "n", "limit", "days", "seconds"}:
            assert re.search(r"[:(]\s*\{" + name + r"\}|\{" + name + r"\}(,|\)|×|$)", english), key


def test_plural_forms_headers() -> None:
    assert catalog("en").formula.replace(" ", "") == "(n!=1)"
    assert catalog("fr").formula.replace(" ", "") == "(n>1)"
    assert catalog("ar").formula.replace(" ", "") == (
        "(n==0?0:n==1?1:n==2?2:n%100>=3&&n%100<=10?3:n%100>=11?4:5)"
    )
    assert [catalog(language).nplurals for language in LANGUAGES] == [6, 2, 2]
    # The Arabic formula splits counts as CLDR does (zero, one, two, few, many, other).
    categories = ("zero", "one", "two", "few", "many", "other")
    arabic = catalog("ar")
    for n in range(1000):
        assert categories[arabic.index(n)] == Locale.parse("ar").plural_form(n), n


def test_arabic_has_six_distinct_forms_where_the_catalog_defines_them() -> None:
    # One sample count for each Arabic form: zero, one, two, few, many, other.
    samples = (0, 1, 2, 3, 11, 100)
    assert [catalog("ar").index(n) for n in samples] == [0, 1, 2, 3, 4, 5]
    six = set()
    for key, entry in catalog("ar").plurals.items():
        values = sample_values(catalog("en").plurals[key].forms[-1], entry.count)
        shown = [plural("ar", key, n, **values) for n in samples]
        assert len(set(shown)) == 6, key  # the count differs, at least
        if len(set(entry.forms)) == 6:
            six.add(key)
    assert {"digest_header", "recent_count", "recent_partial", "too_many_person"} <= six
    assert {"addsource_ok", "exportopml_caption", "too_many", "source_line"} <= six
    header = [plural("ar", "digest_header", n, part="") for n in (0, 1, 2, 3, 11, 100, 101)]
    assert header == [
        "🗞 <b>ملخص</b>: لا مقالات جديدة",
        "🗞 <b>ملخص</b>: مقال جديد واحد",
        "🗞 <b>ملخص</b>: مقالان جديدان",
        "🗞 <b>ملخص</b>: 3 مقالات جديدة",
        "🗞 <b>ملخص</b>: 11 مقالا جديدا",
        "🗞 <b>ملخص</b>: 100 مقال جديد",
        "🗞 <b>ملخص</b>: 101 مقال جديد",
    ]


def test_english_and_french_say_one_article_and_two_articles() -> None:
    assert plural("en", "digest_header", 1, part="") == "🗞 <b>Digest</b>: 1 new article"
    assert plural("en", "digest_header", 2, part="") == "🗞 <b>Digest</b>: 2 new articles"
    assert text("en", "digest_header", count=0, part="").endswith("0 new articles")
    assert plural("fr", "digest_header", 1, part="").endswith("1 nouvel article")
    assert plural("fr", "digest_header", 0, part="").endswith("0 nouvel article")
    assert plural("fr", "digest_header", 2, part="").endswith("2 nouveaux articles")
    assert plural("en", "digest_header", 12345, part="").endswith("12,345 new articles")
    assert plural("fr", "digest_header", 12345, part="").endswith("12\u202f345 nouveaux articles")


def test_a_second_count_in_a_sentence_takes_its_own_form() -> None:
    assert plural("en", "recent_count", 1, days="7") == (
        "1 of the articles stored in the last 7 days matches it."
    )
    assert "in the last day match" in plural("en", "recent_count", 2, days=1)
    assert "خلال آخر 30 يوما" in plural("ar", "recent_count", 5, days="30")
    assert "خلال آخر يومين" in plural("ar", "recent_count", 5, days=2)
    assert "خلال آخر 7 أيام" in plural("ar", "recent_count", 5, days="7")
    assert "ces 7 derniers jours" in plural("fr", "recent_count", 5, days="7")


def test_durations_and_a_count_given_as_text() -> None:
    assert [duration("ar", s) for s in (60, 120, 300, 900, 6000, 90)] == [
        "دقيقة", "دقيقتين", "5 دقائق", "15 دقيقة", "100 دقيقة", "1.5 دقيقة",
    ]  # fmt: skip
    assert [duration("en", s) for s in (45, 60, 90)] == ["45 s", "1 min", "1.5 min"]
    assert duration("fr", 90) == "1,5 min"
    assert text("ar", "stats_seconds", n="4.2") == "4.2 ثانية"  # a fraction: "other"
    assert text("ar", "stats_seconds", n="2") == "ثانيتين"
    assert text("ar", "test_cooldown", seconds="10").endswith("بعد 10 ثوانٍ.")
    assert text("fr", "stats_seconds", n="4,2") == "4,2 s"


def test_dates_and_numbers_in_the_chats_locale() -> None:
    moment = datetime(2026, 11, 29, 23, 5, tzinfo=UTC)
    casablanca = ZoneInfo("Africa/Casablanca")  # UTC+1: the next day there
    assert format_datetime("ar", moment, casablanca) == "30 نوفمبر 2026، 00:05"
    assert format_datetime("fr", moment, casablanca) == "30 nov. 2026, 00:05"
    assert format_datetime("en", moment, casablanca) == "30 Nov 2026, 00:05"
    assert format_day_time("en", moment, casablanca) == "30/11 00:05"
    assert format_day_time("fr", moment, UTC) == "29/11 23:05"
    assert "نوفمبر" in format_datetime("ar", moment, UTC)
    assert format_time("ar", moment, UTC) == "23:05"
    assert format_number("fr", 12345.5) == "12\u202f345,5"
    assert format_number("en", 12345) == "12,345"
    assert format_number("ar", 3) == "3"


def test_a_missing_key_fails_and_an_unknown_language_is_english() -> None:
    with pytest.raises(KeyError):
        text("en", "no_such_text")
    with pytest.raises(KeyError):  # a count's placeholder is required like any other
        text("en", "digest_header", part="")
    with pytest.raises(KeyError):
        plural("en", "paused", 3)
    assert text("de", "paused") == text("en", "paused")
    assert pick_language("ar-MA", "en") == "ar"


def test_catalogs_are_read_on_first_use_and_a_key_twice_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fresh = subprocess.run(
        [sys.executable, "-c", "import bot.i18n, bot.i18n.loader as c; "
         "print(c.load.cache_info().currsize)"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert fresh.stdout.strip() == "0"
    for language in LANGUAGES:  # shipped inside the package (package data)
        assert path(language).is_file()
    po = tmp_path / "rasd.po"
    po.write_text(
        'msgid ""\nmsgstr ""\n"Language: en\\n"\n'
        '"Plural-Forms: nplurals=2; plural=(n != 1);\\n"\n\n'
        'msgid "paused"\nmsgstr "a"\n\nmsgid "paused"\nmsgstr "b"\n',
        encoding="utf-8",
    )
    monkeypatch.setattr("bot.i18n.loader.path", lambda language: po)
    with pytest.raises(RuntimeError, match="defined twice"):
        load.__wrapped__("en")


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="GNU gettext is not installed")
@pytest.mark.parametrize("language", LANGUAGES)
def test_gettext_tools_accept_the_catalogs(language: str) -> None:
    """Translators' tools (msgfmt, Poedit, Weblate) compile what the bot reads."""
    checked = subprocess.run(
        ["msgfmt", "--check-format", "--check-domain", "-o", os.devnull, str(path(language))],
        capture_output=True,
        text=True,
    )
    assert checked.returncode == 0, checked.stderr
