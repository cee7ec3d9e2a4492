"""Derivation between a noun and its adjective, by suffix tables (no list of words).

`forms(word)` gives the folded words a query word reaches by derivation: a noun its
adjectives, an adjective its nouns.  The matcher accepts an article word equal to one of
them (or to its plural); a quoted word gets no derivation.

French and English: a word is ``stem + noun ending`` and its partner ``stem + adjective
ending`` for one row of `LATIN_ENDINGS` (``agriculture`` ↔ ``agricole``, ``énergie`` ↔
``énergétique``, ``industrie`` ↔ ``industriel(le)``, ``région`` ↔ ``régional(e)``,
``tourisme`` ↔ ``touristique``, ``sécurité`` ↔ ``sécuritaire``, ``infection`` ↔
``infectieux``, and the adjectives of countries: ``Égypte`` ↔ ``égyptien``, ``Mali`` ↔
``malienne``, ``Japon`` ↔ ``japonais``, ``Nigeria`` ↔ ``nigérian(e)`` …, the English
``-ic``, ``-ical`` and ``-ial`` (``economy`` ↔ ``economic``, ``history`` ↔ ``historical``,
``industry`` ↔ ``industrial``), and the feminines that are more than the masculine and an
``e``: ``sportif`` ↔ ``sportive``, ``chanteur`` ↔ ``chanteuse``, ``directeur`` ↔
``directrice``; tried and left out for their false friends: ``-e`` ↔ ``-eux`` (``industrie``
is not ``industrieux``), ``-e`` ↔ ``-ois`` (``France`` is not ``François``), ``-alité`` ↔
``-al`` (``nationalité`` would find every ``national``).
The stem keeps at least `MIN_STEM` letters, or `MIN_STEM_LONG_ENDING` when the longer
ending of the row has three letters or more, so that a short word never reaches a longer
one by a one- or two-letter ending (``carte`` is not ``cartel``).  Only a row's two
endings are linked: ``police`` (stem ``polic``) never meets ``politique`` (stem ``polit``).

Arabic: the nisba adjective (``ي``, ``ية``, plurals ``يين يون يات``).  A noun already reaches
its nisba through `morph` (``اقتصاد`` → ``اقتصادي``, ``زراعة`` → ``زراعي``); here:

* an adjective reaches its noun: ``Xي`` → ``Xة`` (X of at least 4 letters), ``X`` (at
  least 5), ``Xا`` (a country: ``فرنسي`` → ``فرنسا``);
* the nisba in ``وي`` of nouns ending in ``ية``, ``اء`` or ``ا`` (``تنمية`` ↔ ``تنموي``,
  ``صحراء`` ↔ ``صحراوي``), and the nisba of a noun ending in ``ا`` (``فرنسا`` ↔
  ``فرنسي``); the noun has at least 5 letters;
* the nisba in ``ائي`` of nouns ending in ``اء`` (``غذاء`` ↔ ``غذائي``, ``كهرباء`` ↔
  ``كهربائية``; the hamza seat folds to ``ي``, so ``مائي`` stays apart from ``مائة``).

So ``الهجري`` never reaches ``الهجرة`` and ``مالي`` never ``مال`` (stems of 3 letters), and
``جامعي`` reaches ``جامعة`` but not the bare ``جامع``.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Final

from bot.matching.normalize import is_arabic

MIN_STEM: Final = 5
MIN_STEM_LONG_ENDING: Final = 4
MIN_NOUN_AR: Final = 5
MIN_NISBA_STEM: Final = 4

# (noun ending, adjective ending), folded (no accents)
LATIN_ENDINGS: Final = (
    ("", "al"),
    ("", "ale"),
    ("e", "al"),
    ("e", "ale"),
    ("e", "ial"),
    ("e", "iale"),
    ("e", "el"),
    ("e", "elle"),
    ("ion", "ionnel"),
    ("ion", "ionnelle"),
    ("ie", "ique"),
    ("ie", "etique"),
    ("", "ique"),
    ("e", "ique"),
    ("isme", "istique"),
    ("isme", "iste"),
    ("culture", "cole"),
    ("", "aire"),
    ("e", "aire"),
    ("ation", "atif"),
    ("ation", "ative"),
    ("ation", "atoire"),
    ("", "if"),
    ("", "ive"),
    ("e", "ier"),
    ("e", "iere"),
    ("", "ier"),
    ("", "iere"),
    ("ie", "ien"),
    ("ie", "ienne"),
    ("", "ien"),
    ("", "ienne"),
    ("", "ain"),
    ("", "aine"),
    ("que", "cain"),
    ("que", "caine"),
    ("ce", "cais"),
    ("ce", "caise"),
    ("nce", "nt"),
    ("nce", "nte"),
    ("ion", "ieux"),
    ("ion", "ieuse"),
    ("e", "ien"),
    ("e", "ienne"),
    ("", "en"),
    ("", "enne"),
    ("", "ais"),
    ("", "aise"),
    ("a", "an"),
    ("a", "ane"),
    # English
    ("", "ic"),
    ("e", "ic"),
    ("y", "ic"),
    ("y", "ical"),
    ("y", "ial"),
    # the feminine where it is not the masculine and an e (infirmière = infirmier + e)
    ("if", "ive"),
    ("eur", "euse"),
    ("teur", "trice"),
)

_NISBA: Final = (
    "\u064a",
    "\u064a\u0647",
    "\u064a\u064a\u0646",
    "\u064a\u0648\u0646",
    "\u064a\u0627\u062a",
)  # ي ية يين يون يات
_WAW_NISBA: Final = tuple("\u0648" + s for s in _NISBA)  # وي ويه …
_HEH: Final = "\u0647"  # ه (folded ة)
_ALEF: Final = "\u0627"  # ا
_HAMZA: Final = "\u0621"  # ء
_YEH_HEH: Final = "\u064a\u0647"  # يه (folded ية)
_YEH: Final = "\u064a"  # ي
_ALEF_YEH: Final = "\u0627\u064a"  # اي (folded ائ)


def _stem_ok(stem: str, noun_end: str, adj_end: str) -> bool:
    if not stem.isalpha():
        return False
    longest = max(len(noun_end), len(adj_end))
    return len(stem) >= (MIN_STEM_LONG_ENDING if longest >= 3 else MIN_STEM)


def _latin(word: str) -> set[str]:
    out: set[str] = set()
    for noun_end, adj_end in LATIN_ENDINGS:
        if word.endswith(adj_end):
            stem = word[: len(word) - len(adj_end)]
            if _stem_ok(stem, noun_end, adj_end):
                out.add(stem + noun_end)
        if word.endswith(noun_end):
            stem = word[: len(word) - len(noun_end)]
            if _stem_ok(stem, noun_end, adj_end):
                out.add(stem + adj_end)
    out.discard(word)
    return out


def _arabic(word: str) -> set[str]:
    out: set[str] = set()
    for suffix in _WAW_NISBA:  # تنموي → تنمية, صحراوي → صحراء
        if word.endswith(suffix):
            base = word[: -len(suffix)]
            for noun in (base + _YEH_HEH, base + _HAMZA, base + _ALEF):
                if len(noun) >= MIN_NOUN_AR:
                    out.add(noun)
    for suffix in _NISBA:  # زراعي → زراعة, اقتصادية → اقتصاد, فرنسي → فرنسا
        if word.endswith(suffix):
            base = word[: -len(suffix)]
            if len(base) >= MIN_NISBA_STEM:
                out.update((base + _HEH, base + _ALEF))
                if len(base) >= MIN_NOUN_AR:
                    out.add(base)
                if base.endswith(_ALEF_YEH):  # قضائي → قضاء (ئ folds to ي)
                    out.add(base[:-1] + _HAMZA)
    if word.endswith(_ALEF + _HAMZA):  # قضاء → قضائي
        out.update(word[:-1] + _YEH + s for s in _NISBA)
    if len(word) >= MIN_NOUN_AR:
        waw_bases = []
        if word.endswith(_YEH_HEH):
            waw_bases.append(word[:-2])
        if word.endswith((_HAMZA, _ALEF)):
            waw_bases.append(word[:-1])
        if word.endswith(_ALEF) and len(word) - 1 >= MIN_NISBA_STEM:
            out.update(word[:-1] + s for s in _NISBA)
        for base in waw_bases:
            out.update(base + s for s in _WAW_NISBA)
    out.discard(word)
    return out


@lru_cache(maxsize=65536)
def forms(word: str) -> frozenset[str]:
    """The folded words `word` (folded, without proclitics or article) reaches by
    derivation (see the module documentation)."""
    if any(ch.isdigit() for ch in word):
        return frozenset()
    return frozenset(_arabic(word) if is_arabic(word) else _latin(word))
