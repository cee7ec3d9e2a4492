"""Right-to-left texts with left-to-right inserts (and the other way round).

An inserted value (a query, a source or outlet name, a title) is wrapped in Unicode isolates
(U+2068 FIRST STRONG ISOLATE … U+2069 POP DIRECTIONAL ISOLATE) in Arabic texts, so that a Latin
name or a trailing number or punctuation inside it cannot reorder the Arabic sentence around it.

A value from outside (a headline, a feed's name, a query someone typed) may itself carry bidi
controls: a U+2069 would close the isolate early and let the rest of the value reorder the
sentence, a U+202E would reverse what follows.  `clean` removes the embedding, override and
isolate controls (U+202A–U+202E, U+2066–U+2069) from such a value; `embed` cleans before it
isolates, and `bot.i18n.text` passes every value through `balanced`, which keeps only the
isolates that open and close inside the value (those `isolate` adds around a cleaned value).
"""

from __future__ import annotations

import re

FSI = "\u2068"
PDI = "\u2069"
RTL_LANGUAGES = frozenset({"ar"})
BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")
_ISOLATE_OPENERS = frozenset("\u2066\u2067\u2068")


def clean(value: str) -> str:
    """``value`` without any embedding, override or isolate control."""
    return BIDI_CONTROLS.sub("", value)


def balanced(value: str) -> str:
    """``value`` without embedding and override controls and without any isolate control that
    is not paired inside it: what is left cannot change the direction of the text around it."""
    if BIDI_CONTROLS.search(value) is None:
        return value
    drop: set[int] = set()
    opened: list[int] = []
    for index, char in enumerate(value):
        if char in _ISOLATE_OPENERS:
            opened.append(index)
        elif char == PDI:
            if opened:
                opened.pop()
            else:
                drop.add(index)
        elif BIDI_CONTROLS.match(char):
            drop.add(index)
    drop.update(opened)
    return "".join(char for index, char in enumerate(value) if index not in drop)


def isolate(value: str) -> str:
    return f"{FSI}{clean(value)}{PDI}"


def embed(language: str, value: str) -> str:
    """``value`` as it should be inserted in a text of ``language``: without bidi controls of
    its own, and isolated in Arabic."""
    return isolate(value) if language in RTL_LANGUAGES else clean(value)
