"""What the bot says, in Arabic, French and English. Values are HTML; callers escape inputs.

Each area keeps its texts in its own module (``EN``, ``FR``, ``AR`` dicts with the same keys);
this package merges them. Every layer may import it: it depends on nothing else in ``bot``.
"""

from __future__ import annotations

from typing import Any

from bot.i18n import chats, core, delivery, sources, stats

LANGUAGES = ("ar", "fr", "en")

_MODULES = (core, sources, delivery, chats, stats)


def _merge(language: str) -> dict[str, str]:
    merged: dict[str, str] = {}
    for module in _MODULES:
        part: dict[str, str] = getattr(module, language.upper())
        clash = merged.keys() & part.keys()
        if clash:
            raise RuntimeError(f"text keys defined twice: {sorted(clash)}")
        merged.update(part)
    return merged


_CATALOG: dict[str, dict[str, str]] = {language: _merge(language) for language in LANGUAGES}


def pick_language(code: str | None, default: str) -> str:
    """The bot language for a Telegram language code such as ``fr-FR``."""
    base = (code or "").split("-")[0].lower()
    return base if base in _CATALOG else default


def text(language: str, key: str, **values: Any) -> str:
    template = _CATALOG.get(language, _CATALOG["en"]).get(key) or _CATALOG["en"][key]
    return template.format(**values) if values else template


def duration(language: str, seconds: float) -> str:
    if seconds >= 60:
        return text(language, "minutes", n=f"{seconds / 60:g}")
    return text(language, "seconds", n=f"{seconds:g}")
