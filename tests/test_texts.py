"""The bot's messages: complete in every language, and within Telegram's limits."""

from __future__ import annotations

import string
from datetime import UTC, datetime

import pytest

from bot.i18n import _CATALOG, LANGUAGES, pick_language, text
from bot.storage.models import Subscription
from bot.telegram.routers.user import help_text, list_view


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
    body, keyboard = list_view("ar", subscriptions, paused=True)
    assert len(body) < 4096
    assert keyboard is not None
    assert sum(len(row) for row in keyboard.inline_keyboard) == 50
