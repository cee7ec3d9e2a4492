"""Tokenisation: split a field into words, keeping their offsets in the original string.

A word is a run of letters, digits and combining marks (so diacritics and tatweel stay
inside the word they decorate).  Everything else separates words: spaces, punctuation,
hyphens, guillemets, quotes; punctuation therefore never glues two words together.

Two things may sit *inside* a word:

* an apostrophe (``'``, ``’``, ``ʼ``, ``‘``) between letters.  French elisions are cut off
  (``l'éducation``, ``d’Akhannouch``, ``qu'il``, ``jusqu'à`` …): the word is what follows the
  apostrophe and its span starts there.  An English possessive ``'s`` is dropped.  Any
  other apostrophe is simply removed (``aujourd'hui`` → ``aujourdhui``, ``O'Brien`` →
  ``obrien``);
* a ``.`` or ``,`` (or the Arabic separators) between two digits, so ``3,5`` and ``1.000``
  stay one number.

Each token carries its position in the field.  A sentence boundary (``. ! ? ؟ ; ؛ …`` or a
line break) between two words counts as one extra position, so a quoted phrase never
spans two sentences.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import NamedTuple

from bot.matching.normalize import fold

_MARKS = (
    "\u0300-\u036f\u0483-\u0489\u0591-\u05c7\u0610-\u061a\u064b-\u065f\u0670"
    "\u06d6-\u06ed\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f\u200c\u200d\u00ad"
)
# a word character: a letter, digit or mark; `tokenize` blanks "_" out first (same length)
_W = rf"[\w{_MARKS}]"
_APOSTROPHES = "'\u2019\u02bc\u2018"
_TOKEN = re.compile(rf"{_W}+(?:(?:[{_APOSTROPHES}](?={_W})|(?<=\d)[.,\u066b\u066c](?=\d)){_W}+)*")
_APOS_SPLIT = re.compile(f"[{_APOSTROPHES}]")
_BREAK = re.compile(r"[.!?\u061f;\u061b\u2026\n\r\u06d4]")
_WORD_PART = re.compile(r"[^\W_]+")
_NUMBER_SEPARATORS = str.maketrans({",": ".", "\u066b": ".", "\u066c": "."})

ELISIONS = frozenset(
    {"l", "d", "j", "m", "n", "s", "t", "c", "qu", "jusqu", "lorsqu", "puisqu", "quoiqu", "presqu"}
)


class Token(NamedTuple):
    """One word of a field: its folded form, where it sits in the original string, and
    whether it was written with an initial capital / all in capitals (acronyms, names)."""

    norm: str
    start: int
    end: int
    pos: int
    cap: bool
    upper: bool
    hamza_al: bool = False  # written أل/إل: that ال is not the article


_Analysis = tuple[tuple[str, ...], int, int, bool, bool, bool]
_HAMZA_AL = re.compile("^[\u0648\u0641\u0628\u0643\u0644]{0,2}[\u0623\u0625]\u0644")


@lru_cache(maxsize=131072)
def _analyse(raw: str) -> _Analysis:
    """(norms, offset of the word in raw, length cut at the end, capitalised, all capitals)"""
    offset = cut = 0
    word = raw
    if _APOS_SPLIT.search(raw):
        parts = _APOS_SPLIT.split(raw)
        if len(parts) > 1 and fold(parts[0]) in ELISIONS:
            offset = len(parts[0]) + 1
            parts = parts[1:]
        if len(parts) > 1 and fold(parts[-1]) == "s":
            cut = len(parts[-1]) + 1
            parts = parts[:-1]
        word = "".join(parts)
    original = raw[offset : len(raw) - cut]
    cap = original[0].isupper()
    hamza_al = bool(_HAMZA_AL.match(unicodedata.normalize("NFC", original)))
    return _fold_word(word), offset, cut, cap, cap and original.isupper(), hamza_al


def _fold_word(word: str) -> tuple[str, ...]:
    norm = fold(word)
    if norm.isalnum():
        return (norm,)
    if any(ch.isdigit() for ch in norm):
        num = norm.translate(_NUMBER_SEPARATORS)
        if num.replace(".", "").isalnum() and num[0] != "." and num[-1] != ".":
            return (num,)
    return tuple(_WORD_PART.findall(norm))


_new_token = tuple.__new__  # Token(...) without NamedTuple's Python-level __new__


def tokenize(text: str) -> list[Token]:
    """Split `text` into tokens (see the module documentation)."""
    tokens: list[Token] = []
    append = tokens.append
    pos = 0
    prev_end = -1
    # sentence breaks, in order: one is counted when it falls between two words
    breaks = [b.start() for b in _BREAK.finditer(text)]
    breaks.append(len(text))
    b = 0
    analyse = _analyse
    for m in _TOKEN.finditer(text.replace("_", " ")):
        start, end = m.span()
        norms, offset, cut, cap, upper, hamza_al = analyse(m[0])
        if not norms:
            continue
        if breaks[b] < start:
            while breaks[b] < start:
                b += 1
            if prev_end >= 0 and breaks[b - 1] >= prev_end:
                pos += 1
        start += offset
        end_cut = end - cut
        for norm in norms:
            append(_new_token(Token, (norm, start, end_cut, pos, cap, upper, hamza_al)))
            pos += 1
        prev_end = end
    return tokens


def words(text: str) -> list[str]:
    """The folded words of `text`, in order."""
    return [t.norm for t in tokenize(text)]
