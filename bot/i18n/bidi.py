"""Right-to-left texts with left-to-right inserts (and the other way round).

An inserted value (a query, a source or outlet name, a title) is wrapped in Unicode isolates
(U+2068 FIRST STRONG ISOLATE … U+2069 POP DIRECTIONAL ISOLATE) in Arabic texts, so that a Latin
name or a trailing number or punctuation inside it cannot reorder the Arabic sentence around it.
"""

from __future__ import annotations

FSI = "\u2068"
PDI = "\u2069"
RTL_LANGUAGES = frozenset({"ar"})


def isolate(value: str) -> str:
    return f"{FSI}{value}{PDI}"


def embed(language: str, value: str) -> str:
    """``value`` as it should be inserted in a text of ``language`` (isolated in Arabic)."""
    return isolate(value) if language in RTL_LANGUAGES else value
