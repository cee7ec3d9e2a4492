"""The bot's messages: complete in every language, and within Telegram's limits."""

from __future__ import annotations

import string
from datetime import UTC, datetime

import pytest

from bot.alerts.split import visible_length
from bot.i18n import _CATALOG, LANGUAGES, pick_language, text
from bot.i18n.bidi import BIDI_CONTROLS, balanced, clean, embed
from bot.services.preview import Example
from bot.storage.models import Subscription
from bot.storage.scan import StoredText
from bot.telegram.routers.queries import example_text
from bot.telegram.routers.user import help_text, list_view
from bot.telegram.texts import USER_COMMANDS
from tests.fakes.telegram_api import _check_html


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


@pytest.mark.parametrize("language", ["fr", "ar"])
def test_translations_use_the_same_placeholders_as_english(language: str) -> None:
    for key, english in _CATALOG["en"].items():
        translated = _CATALOG[language][key]
        assert placeholders(translated) == placeholders(english), key


@pytest.mark.parametrize("language", LANGUAGES)
def test_help_mentions_every_command(language: str) -> None:
    shown = help_text(language, is_admin=True)
    for command in ("/subscribe", "/test", "/list", "/addsource", "/alias", "/interval"):
        assert command in shown
    for command in USER_COMMANDS:
        if command != "start":
            assert f"/{command}" in shown, command
        assert _CATALOG[language][f"cmd_{command}"], command
    assert "/settings @channel" in shown or "/settings @chaine" in shown
    assert "@channel" not in help_text(language, is_admin=False)
    assert visible_length(text(language, "welcome", help=shown)) <= 4096


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_text_is_valid_telegram_html(language: str) -> None:
    for template in _CATALOG[language].values():
        values = dict.fromkeys(placeholders(template), "x")
        _check_html(template.format(**values) if values else template)


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
        stored = StoredText(1, url, "Macron\u2069 à Rabat", "", "Le texte.", "Le360\u202e")
        return Example(stored, [])

    for language in LANGUAGES:
        linked = example_text(language, example("https://x.ma/1"))
        assert '<a href="https://x.ma/1">' in linked
        for url in ("javascript:alert(1)", "tg://resolve?domain=x", "data:text/html,x"):
            shown = example_text(language, example(url))
            assert "<a " not in shown and url not in shown
            _check_html(shown)
        assert "\u202e" not in linked and linked.count("\u2069") == linked.count("\u2068")
