"""Typo tolerance between one query word and one article word, and its lookup keys.

Both words are compared after normalisation and proclitic removal; ``n`` is the length of
the shorter of the two.  Doubled Latin letters are collapsed first (``Akhannouch`` →
``akhanouch``).  Then:

=============================================  ==========
difference                                     needs n ≥
=============================================  ==========
none                                           any
only doubled letters (Fettah/Fetah)            5
Arabic final ة/ه ↔ ا (بوريطة/بوريطا)            5
one vowel for another (a/e, e/i, i/y, o/u;     6
Arabic ا/و/ي) — transliteration variants
two neighbouring letters swapped               7
a missing or extra Latin final ``e``           6
a missing or extra vowel (ا و ي in Arabic)     7
a missing or extra letter                      8
any one letter replaced by another             11
=============================================  ==========

At most one such edit is allowed (doubled letters are free), and never on the first
letter except a vowel for a vowel: a different first letter or an extra one makes a
different word (``éducation`` / ``rééducation``, ``typique`` / ``atypique``).  Words
containing a digit never tolerate anything.

So ``لفتيت`` never meets ``لفتت`` (n = 4), ``الهجرة`` never meets ``الهجري``,
``irrigation`` never meets ``irritation`` (a consonant replaced at n = 10) and ``solaire``
never meets ``scolaire`` (a consonant added at n = 7), while ``Retailleau`` meets
``Retaileau`` and ``agriculture`` meets ``agriculure``.

`keys` gives every string under which a word must be filed so that any two words related
by these rules share at least one key (the word itself, with doubled letters collapsed, and
for long words its one-letter deletions, as in SymSpell).  Distances are computed with
rapidfuzz's optimal-string-alignment distance.
"""

from __future__ import annotations

from typing import Final

from rapidfuzz.distance import OSA

from bot.matching.normalize import is_arabic

LATIN_VOWELS: Final = frozenset("aeiouy")
ARABIC_VOWELS: Final = frozenset("\u0627\u0648\u064a")  # ا و ي
_LATIN_VOWEL_PAIRS: Final = frozenset(
    frozenset(p) for p in (("a", "e"), ("e", "i"), ("i", "y"), ("o", "u"))
)
_HEH_ALEF: Final = frozenset("\u0647\u0627")  # ه ا

MIN_DEGEMINATE: Final = 5
MIN_FINAL_HEH_ALEF: Final = 5
MIN_VOWEL_SWAP: Final = 6
MIN_FINAL_E: Final = 6
MIN_TRANSPOSE: Final = 7
MIN_VOWEL_INDEL: Final = 7
MIN_INDEL: Final = 8
MIN_SUBSTITUTE: Final = 11
MIN_DELETION_KEYS: Final = 6


def degeminate(word: str) -> str:
    """Collapse runs of the same Latin letter (Arabic writing marks doubling with shadda,
    which normalisation already removed)."""
    if len(word) < 2 or is_arabic(word):
        return word
    out = [word[0]]
    for ch in word[1:]:
        if ch != out[-1]:
            out.append(ch)
    return "".join(out)


def keys(word: str, length: int) -> list[str]:
    """Lookup keys for a word of the given (pre-collapse) length; see module docs."""
    if any(ch.isdigit() for ch in word):
        return [word]
    base = degeminate(word)
    out = [base]
    if length >= MIN_DELETION_KEYS:
        out.extend(base[:i] + base[i + 1 :] for i in range(len(base)))
    elif length >= MIN_FINAL_HEH_ALEF and base[-1] in _HEH_ALEF and is_arabic(base):
        out.append(base[:-1])
    return list(dict.fromkeys(out))


def _is_vowel(ch: str, arabic: bool) -> bool:
    return ch in (ARABIC_VOWELS if arabic else LATIN_VOWELS)


def related(a: str, b: str) -> bool:
    """Whether two words (query side, article side) are the same word by the rules above."""
    if a == b:
        return True
    n = min(len(a), len(b))
    if n < MIN_DEGEMINATE:
        return False
    if any(ch.isdigit() for ch in a) or any(ch.isdigit() for ch in b):
        return False
    da, db = degeminate(a), degeminate(b)
    if da == db:
        return True
    la, lb = len(da), len(db)
    if abs(la - lb) > 1 or OSA.distance(da, db, score_cutoff=1) > 1:
        return False
    arabic = is_arabic(da)
    if la == lb:
        i = next(k for k in range(la) if da[k] != db[k])
        if i + 1 < la and da[i + 1] != db[i + 1]:
            # the only other one-edit case: a transposition
            return i > 0 and n >= MIN_TRANSPOSE
        x, y = da[i], db[i]
        if i == 0 and not (_is_vowel(x, arabic) and _is_vowel(y, arabic)):
            return False
        if arabic and i == la - 1 and {x, y} == _HEH_ALEF:
            return n >= MIN_FINAL_HEH_ALEF
        if arabic and x in ARABIC_VOWELS and y in ARABIC_VOWELS:
            return n >= MIN_VOWEL_SWAP
        if not arabic and frozenset((x, y)) in _LATIN_VOWEL_PAIRS:
            return n >= MIN_VOWEL_SWAP
        return n >= MIN_SUBSTITUTE
    longer, shorter = (da, db) if la > lb else (db, da)
    i = next((k for k in range(len(shorter)) if longer[k] != shorter[k]), len(shorter))
    if i == 0:
        return False
    extra = longer[i]
    if not arabic and extra == "e" and i == len(longer) - 1:
        return n >= MIN_FINAL_E
    if _is_vowel(extra, arabic):
        return n >= MIN_VOWEL_INDEL
    return n >= MIN_INDEL
