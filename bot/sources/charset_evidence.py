"""Which single-byte decoding of an undeclared document reads like real text.

Used by :mod:`bot.sources.decode` when a document is not UTF-8 and declares no usable
encoding.  charset-normalizer's first guess is not trusted there: on Western text it
often names a Baltic or Central European code page (Latin-1 Portuguese read as cp1257,
French windows-1252 read as cp1250), which turns "à" into "ŕ" and "ç" into "ē".

Rules:

- The candidates are the encodings our outlets use (:data:`PREFERRED`: windows-1252 and
  ISO-8859-1 for Latin text, windows-1256 and ISO-8859-6 for Arabic), then
  charset-normalizer's ranked candidates; only those that decode the whole document,
  one character per byte, take part.
- Each decoding is scored on its words that hold non-ASCII letters (ASCII reads the same
  in all of them):

  - a word of one script (Arabic, Cyrillic, Greek...) scores +1 a letter, less 2 for each
    capital right after a small letter ("нОВОСТИ" is KOI8-R read as windows-1251);
  - a Latin word scores +1 a Latin-1 letter (é à ç õ) and +0.5 any other accented letter
    (ŕ ē ř), less 2 for each accented capital right after a small letter ("approuvÚ" is
    windows-1252 read as cp850), if accented letters do not outnumber its plain ones by
    more than one;
    a word made mostly of accented letters ("ÇáÚÑÈíÉ", "Èíòåðíåò") is another script
    read as Latin: -1 a letter;
  - a word mixing scripts (Arabic letters with Latin ones): -2 a letter;
  - a symbol between two letters ("g³os", Polish read as windows-1252): -2;
  - a C1 control character (U+0080..U+009F): -5.

- The highest score wins; on a tie, the earlier candidate (so the preferred encodings,
  then charset-normalizer's order).  Only the first 100,000 characters are scored.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from itertools import pairwise

__all__ = ["PREFERRED", "best_single_byte", "score"]

PREFERRED: tuple[str, ...] = ("cp1252", "latin-1", "cp1256", "iso8859-6")

_SAMPLE_CHARS = 100_000
# A token: a run of anything but blanks and ASCII punctuation, holding a non-ASCII character.
_TOKEN_RE = re.compile(r"[^\s!-/:-@\[-`{-~]*[^\x00-\x7f][^\s!-/:-@\[-`{-~]*")
_C1_RE = re.compile("[\x80-\x9f]")
# Characters that may stand between two letters of a real word.
_IN_WORD = frozenset("\u2019\u00ad\u00b7\u02bc")


def _script(char: str) -> str:
    code = ord(char)
    if code < 0x250 or char in "ªº":
        return "latin"
    if 0x370 <= code < 0x400:
        return "greek"
    if 0x400 <= code < 0x530:
        return "cyrillic"
    if 0x590 <= code < 0x600:
        return "hebrew"
    if 0x600 <= code < 0x780 or 0xFB50 <= code < 0xFF00:
        return "arabic"
    return unicodedata.name(char, "other").split(" ", 1)[0].lower()


def _word_score(word: str) -> float:
    """Score of one run of letters holding a non-ASCII letter (see module rules)."""
    scripts = {_script(char) for char in word}
    foreign = [char for char in word if not char.isascii()]
    if len(scripts) > 1:
        return -2.0 * len(foreign)
    # A capital right after a small letter, in a word of a cased script.
    inner = [char for before, char in pairwise(word) if before.islower() and char.isupper()]
    if scripts == {"latin"}:
        if len(foreign) > len(word) - len(foreign) + 1:
            return -1.0 * len(foreign)
        total = sum(1.0 if ord(char) < 0x100 else 0.5 for char in foreign)
        return total - 2.0 * sum(1 for char in inner if not char.isascii())
    return float(len(word) - 2 * len(inner))


def _flush(word: list[str]) -> float:
    text = "".join(word)
    word.clear()
    return 0.0 if text.isascii() else _word_score(text)


def _token_score(token: str) -> float:
    total = 0.0
    word: list[str] = []
    for index, char in enumerate(token):
        if char.isalpha():
            word.append(char)
            continue
        total += _flush(word)
        if (
            not char.isascii()
            and char not in _IN_WORD
            and 0 < index < len(token) - 1
            and token[index - 1].isalpha()
            and token[index + 1].isalpha()
        ):
            total -= 2.0
    return total + _flush(word)


def score(text: str) -> float:
    """How much ``text`` reads like real text in some script (see module rules)."""
    sample = text[:_SAMPLE_CHARS]
    tokens = Counter(_TOKEN_RE.findall(sample))
    total = sum(count * _token_score(token) for token, count in tokens.items())
    return total - 5.0 * len(_C1_RE.findall(sample))


def best_single_byte(body: bytes, ranked: Iterable[str]) -> str | None:
    """``body`` decoded with the best-scoring single-byte encoding among
    :data:`PREFERRED` and ``ranked`` (charset-normalizer's candidates, best first),
    or ``None`` if none of them decodes it."""
    best: tuple[float, str] | None = None
    seen: set[str] = set()
    for name in (*PREFERRED, *ranked):
        try:
            codec = codecs.lookup(name).name
        except LookupError:
            continue
        if codec in seen:
            continue
        seen.add(codec)
        try:
            text = body.decode(codec)
        except (UnicodeError, LookupError):
            continue
        if len(text) != len(body):
            continue
        value = score(text)
        if best is None or value > best[0]:
            best = (value, text)
    return best[1] if best is not None else None
