"""Titles and names without the invisible characters sources leave in them.

Rules:

- Zero-width characters (U+200B zero-width space, U+200C/U+200D non-joiner/joiner,
  U+2060 word joiner, U+FEFF byte-order mark) and bidirectional controls (U+200E/U+200F
  marks, U+202A..U+202E embeddings and overrides, U+2066..U+2069 isolates, U+061C Arabic
  letter mark) are removed: they show as nothing, but a title starting with one is no
  longer equal to the same title without it, and an override can reorder what is shown.
- Surrounding blanks are trimmed.  The text is otherwise left as it is (no other
  whitespace folding: a reader decides whether its text is one line).
- Applied where an entry is made (:class:`bot.sources.model.ParsedEntry`'s title, a
  source's title), so every reader's titles pass it: feeds, JSON feeds, sitemaps,
  HTML listings, Telegram channels.
"""

from __future__ import annotations

import re

__all__ = ["INVISIBLE_RE", "visible_text"]

INVISIBLE_RE = re.compile("[\u200b-\u200f\u202a-\u202e\u2060\u2066-\u2069\u061c\ufeff]")


def visible_text(text: str) -> str:
    """``text`` without zero-width and bidi-control characters, trimmed."""
    if text.isascii():
        return text.strip()
    return INVISIBLE_RE.sub("", text).strip()
