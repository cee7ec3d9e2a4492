"""What the bot says, in Arabic, French and English. Values are HTML; callers escape inputs.

Every string value inserted into a text loses its bidi controls (see `bot.i18n.bidi`): only
the isolates that `bot.i18n.bidi.embed` put around a value stay.

Each area keeps its texts in its own module (``EN``, ``FR``, ``AR`` dicts with the same keys);
this package merges them. Every layer may import it: it depends on nothing else in ``bot``.
"""

from __future__ import annotations

from typing import Any

from bot.i18n import chats, core, counts, delivery, sources, stats
from bot.i18n.bidi import balanced

LANGUAGES = ("ar", "fr", "en")

_MODULES = (core, sources, delivery, chats, stats, counts)


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
    if not values:
        return template
    return template.format(
        **{name: balanced(v) if isinstance(v, str) else v for name, v in values.items()}
    )


def duration(language: str, seconds: float) -> str:
    if seconds >= 60:
        return text(language, "minutes", n=f"{seconds / 60:g}")
    return text(language, "seconds", n=f"{seconds:g}")
