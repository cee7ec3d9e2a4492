"""The bot's messages: complete in every language, and within Telegram's limits."""

from __future__ import annotations

import string
from datetime import UTC, datetime

import pytest

from bot.alerts.split import visible_length
from bot.i18n import _CATALOG, LANGUAGES, pick_language, text
from bot.i18n.bidi import embed
from bot.storage.models import Subscription
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
