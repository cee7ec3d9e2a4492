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
Arabic long vowel or hamza letter (ا و ي ء)    5
added or dropped (بوريطة/بريطة), see below
Latin ou ↔ w next to a vowel (Ouahbi/Wahbi)    5
one vowel for another (a/e, e/i, i/y, o/u;     6
Arabic ا/و/ي) — transliteration variants
Arabic emphatic ↔ plain consonant (ت/ط, س/ص,   6
د/ض, ك/ق, ز/ذ), first letter included; in a    5
word shaped like a foreign name (see below),
several at once (توتال/طوطال), and there ج ↔ غ
for a g (غوارديولا/جوارديولا)
Latin sh ↔ ch (Akhannouch/Akhannoush)          6
Latin th ↔ t, not the first letter: ث is      5
spelled both ways (Othmani/Otmani)
Latin aou ↔ ou before a consonant: و after a   5
fatha or not (Taoufiq/Toufiq, Faouzi/Fouzi)
Arabic ظ ث written ض ت, one or several        4
(البيضاء/البيظاء, البرغوثي/البرغوتي); ذ as د     5
Arabic hamza on another seat after a long      5
vowel (التفاؤل/التفائل, المساءلة/المسائلة)
two neighbouring letters swapped               7
Arabic long vowel letter (ا و ي) swapped with  5
its neighbour, not in the first two letters
nor a feminine word (الجمارك/الجمراك)
a missing or extra Latin final ``e``           6
a missing or extra vowel (ا و ي ء in Arabic;   7
never a Latin final vowel but ``e``: Mansour
and Mansouri are two names)
a missing or extra letter                      8
Latin m for n or n for m (ambulamce)           7
any one letter replaced by another             11
=============================================  ==========

At most one such edit is allowed (doubled letters are free), and never on the first
letter except a vowel for a vowel: a different first letter or an extra one makes a
different word (``éducation`` / ``rééducation``, ``typique`` / ``atypique``).  Words
containing a digit never tolerate anything.

An Arabic long vowel added or dropped is cheaper than a consonant (n ≥ 5 instead of 8), with
guards for the words Arabic derives from a root by inserting long vowels.  Below n = 7:

* an ا added as the third letter of a word starting with م or ت is the slot of the
  patterns مفاعلة, مفاعيل, تفاعيل (``التعليم`` never meets ``التعاليم``, ``مصلحة`` never
  meets ``مصالحة``), while foreign names keep it (``فرانسوا`` meets ``فرنسوا``);
* a shorter word with a feminine ending (ة ات) must keep a long vowel letter after its
  first letter, since مَفْعَلة and مَفْعُولة differ by one: ``مدرسة`` never meets
  ``مدروسة``, ``معلمات`` never meets ``معلومات``, while ``بريطة`` meets ``بوريطة``; a
  word starting with ا is exempt, for the plurals of افتعال and استفعال have no مفعول
  beside them (``اتصالات`` meets ``اتصلات``);
* a ي added as the last letter or before a final ة is the nisba suffix, left to `morph`
  (``الرشيدية`` never meets ``رشيدة``).

Not below five letters: where the shorter word has four, no guard keeps one word from another
(``برهن``/``برهان``, ``سعدي``/``سعودي``); docs/queries.md gives the study's figures.

An Arabic consonant replaced other than as above needs eleven letters: on frequent words,
``benchmarks/substitution_study.py`` measures how often a dot or a neighbouring key makes
another word (``اختبارات``/``اختيارات``), against the emphatic swap.

Emphatic/plain swaps are how foreign names vary in Arabic letters (``ماكرون``/``ماقرون``,
``تايوان``/``طايوان``); shorter words keep them apart (``تقرير``/``تكرير``, ``صورة``/``سورة``).
A word of five letters is shaped like a foreign name when, like ``بوتين``, ``طوكيو`` or
``مالطا``, it writes at least two long vowel letters after its first letter (foreign names
spell every vowel), does not start like a derived pattern (ت, م or ا before a consonant:
``تصوير``/``تسوير``, ``مساعد``/``مصاعد``, ``إصرار``/``أسرار``) and is not the pattern
فاعول or فاعيل (``قانون``/``كانون``, a month in Levantine usage); two such words
meet when they differ by emphatic swaps alone, one or several, or by ج and غ, the two letters
Arabic writers put for a foreign g (``غوغل``/``جوجل``): in native words they make two
words (``جزيرة``/``غزيرة``), hence only in a name's shape.

A long vowel letter moved by one place is a slip of the hand past the first two letters
(``الجمارك``/``الجمراك``, ``التطبيع``/``التطيبع``), but a pattern in them (فاعل/فعال:
``جامعي``/``جماعي``) and in a feminine word (فاعلة/فعالة: ``مقالة``/``مقلاة``).

A French ``-ie`` noun never meets the ``-e`` noun beside it (``économie`` / ``économe``,
``agronomie`` / ``agronome``): the ``i`` dropped before a final ``e`` is no typo.

So ``لفتيت`` never meets ``لفتت`` (n = 4), ``الهجرة`` never meets ``الهجري``,
``irrigation`` never meets ``irritation`` (a consonant replaced at n = 10) and ``solaire``
never meets ``scolaire`` (a consonant added at n = 7), while ``Retailleau`` meets
``Retaileau`` and ``agriculture`` meets ``agriculure``.

`keys` gives every string under which a word must be filed so that any two words related
by these rules share at least one key (the word itself, with doubled letters collapsed, and
for long words its one-letter deletions, as in SymSpell).  Words related by a rule that
changes no length below six letters (ou/w, sh/ch, emphatic and interdental letters, a hamza's
seat, a long vowel moved) are found from the query side: `bot.matching.respell` gives a
query word those spellings.  Distances are computed with rapidfuzz's
optimal-string-alignment distance.
"""

from __future__ import annotations

import re
from typing import Final

from rapidfuzz.distance import OSA

from bot.matching.normalize import is_arabic

LATIN_VOWELS: Final = frozenset("aeiouy")
ARABIC_VOWELS: Final = frozenset("\u0627\u0648\u064a")  # ا و ي
ARABIC_LONG_LETTERS: Final = ARABIC_VOWELS | {"\u0621"}  # ا و ي ء
EMPHATIC_PAIRS: Final = frozenset(
    frozenset(p)
    for p in (
        ("\u062a", "\u0637"),  # ت ط
        ("\u0633", "\u0635"),  # س ص
        ("\u062f", "\u0636"),  # د ض
        ("\u0643", "\u0642"),  # ك ق
        ("\u0632", "\u0630"),  # ز ذ
    )
)
DAD, ZAH = "\u0636", "\u0638"  # ض ظ
# The interdentals many writers spell with the stop they say (ظ → ض, ث → ت, ذ → د), each from
# how many letters: ذ and د make two words at four (نفاذ / نفاد).
STOPS: Final = {
    ZAH: (DAD, 4),
    "\u062b": ("\u062a", 4),  # ث ت
    "\u0630": ("\u062f", 5),  # ذ د
}
_FEMININE_ENDINGS: Final = ("\u0647", "\u0627\u062a")  # ه (from ة) ات
_YEH: Final = "\u064a"
_ALEF: Final = "\u0627"
_PATTERN_PREFIXES: Final = frozenset("\u0645\u062a")  # م ت
_DERIVED_STARTS: Final = _PATTERN_PREFIXES | {"\u0627"}  # م ت ا
# In a word shaped like a foreign name, a g is written ج as well as غ (غوغل / جوجل).
_G_PAIR: Final = frozenset(("\u062c", "\u063a"))  # ج غ
NAME_PARTNER: Final = {
    a: b for p in (*EMPHATIC_PAIRS, _G_PAIR) for a, b in (tuple(p), tuple(p)[::-1])
}
_HEH: Final = "\u0647"
_OU_W: Final = re.compile(r"(?<=[aeiy])ou|ou(?=[aei])")
_LATIN_VOWEL_PAIRS: Final = frozenset(
    frozenset(p) for p in (("a", "e"), ("e", "i"), ("i", "y"), ("o", "u"))
)
_HEH_ALEF: Final = frozenset("\u0647\u0627")  # ه ا

MIN_DEGEMINATE: Final = 5
MIN_FINAL_HEH_ALEF: Final = 5
MIN_VOWEL_SWAP: Final = 6
MIN_FINAL_E: Final = 6
MIN_TRANSPOSE: Final = 7
MIN_VOWEL_MOVE: Final = 5
MIN_VOWEL_INDEL: Final = 7
MIN_ARABIC_VOWEL_INDEL: Final = 5
MIN_EMPHATIC: Final = 6
MIN_NAME_EMPHATIC: Final = 5
MIN_OU_W: Final = 5
MIN_SH_CH: Final = 6
MIN_INTERDENTAL: Final = min(n for _, n in STOPS.values())
MIN_TH: Final = 5
MIN_AOU: Final = 5
MIN_HAMZA_SEAT: Final = 5
MIN_INDEL: Final = 8
MIN_SUBSTITUTE: Final = 11
MIN_NASAL: Final = 7
_NASALS: Final = frozenset("mn")
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


def _ou_w(word: str) -> str:
    return _OU_W.sub("w", word)


def respell(word: str) -> str:
    """A Latin (degeminated) word with ou next to a vowel written w and sh written ch: the
    form under which spellings of one Arabic name meet (Chaouki, Shawki → chawki)."""
    return _ou_w(word).replace("sh", "ch")


def _said_alike(a: str, b: str, n: int) -> bool:
    """Whether two Arabic words of one length differ only by interdentals written as their
    stops (`STOPS`), and are long enough for each of those."""
    need = 0
    for x, y in zip(a, b, strict=True):
        if x == y:
            continue
        sx, sy = STOPS.get(x), STOPS.get(y)
        if (sx[0] if sx else x) != (sy[0] if sy else y):
            return False
        need = max(need, (sx or sy or ("", 0))[1])
    return n >= need


def foreign_shaped(word: str) -> bool:
    """Whether an Arabic word is shaped like a foreign name (see the module documentation)."""
    if sum(ch in ARABIC_VOWELS for ch in word[1:]) < 2:
        return False
    if word[1] == _ALEF and word[3] in ARABIC_VOWELS:
        return False  # فاعول, فاعيل: قانون / كانون
    return not (word[0] in _DERIVED_STARTS and word[1] not in ARABIC_VOWELS)


def _emphatic_respelling(a: str, b: str, n: int) -> bool:
    """Whether two Arabic words shaped like foreign names differ by emphatic swaps alone."""
    if len(a) != len(b) or n < MIN_NAME_EMPHATIC:
        return False
    if not all(x == y or NAME_PARTNER.get(x) == y for x, y in zip(a, b, strict=True)):
        return False
    return foreign_shaped(a) and foreign_shaped(b)


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
    if n >= MIN_INTERDENTAL and len(a) == len(b) and is_arabic(a) and _said_alike(a, b, n):
        return True
    if n < MIN_DEGEMINATE:
        return False
    if any(ch.isdigit() for ch in a) or any(ch.isdigit() for ch in b):
        return False
    da, db = degeminate(a), degeminate(b)
    if da == db:
        return True
    arabic = is_arabic(da)
    pair = da + db
    if not arabic and ("w" in pair or "sh" in pair) and _respelled(da, db, n):
        return True  # (without a w or an sh on either side, respelling changes nothing)
    la, lb = len(da), len(db)
    if abs(la - lb) > 1 or OSA.distance(da, db, score_cutoff=1) > 1:
        return arabic and _emphatic_respelling(da, db, n)
    if la == lb:
        i = next(k for k in range(la) if da[k] != db[k])
        if i + 1 < la and da[i + 1] != db[i + 1]:
            # the only other one-edit case: a transposition
            moved = arabic and vowel_moved(da, i, n) and vowel_moved(db, i, n)
            return i > 0 and (n >= MIN_TRANSPOSE or moved)
        x, y = da[i], db[i]
        if arabic and frozenset((x, y)) in EMPHATIC_PAIRS:
            return n >= MIN_EMPHATIC or _emphatic_respelling(da, db, n)
        if arabic and frozenset((x, y)) == _G_PAIR:
            return _emphatic_respelling(da, db, n)
        if i == 0 and not (_is_vowel(x, arabic) and _is_vowel(y, arabic)):
            return False
        if arabic and i == la - 1 and {x, y} == _HEH_ALEF:
            return n >= MIN_FINAL_HEH_ALEF
        if arabic and hamza_seat(da, i) and x in ARABIC_LONG_LETTERS and y in ARABIC_LONG_LETTERS:
            return n >= MIN_HAMZA_SEAT  # التفاؤل / التفائل, المساءلة / المسائلة
        if arabic and x in ARABIC_VOWELS and y in ARABIC_VOWELS:
            return n >= MIN_VOWEL_SWAP
        if not arabic and frozenset((x, y)) in _LATIN_VOWEL_PAIRS:
            return n >= MIN_VOWEL_SWAP
        if not arabic and {x, y} == _NASALS:
            return n >= MIN_NASAL  # neighbouring keys that sound alike
        return n >= MIN_SUBSTITUTE
    longer, shorter = (da, db) if la > lb else (db, da)
    i = next((k for k in range(len(shorter)) if longer[k] != shorter[k]), len(shorter))
    if i == 0:
        return False
    extra = longer[i]
    if not arabic and extra == "e" and i == len(longer) - 1:
        return n >= MIN_FINAL_E
    if not arabic and extra == "a" and _aou(longer, i):
        return n >= MIN_AOU  # و after a fatha: Taoufiq / Toufiq, Faouzi / Fouzi
    if not arabic and extra == "h" and i > 1 and longer[i - 1] == "t":
        return n >= MIN_TH  # ث spelled th or t (Othmani / Otmani), never the first letter
    if not arabic and extra in LATIN_VOWELS and i == len(longer) - 1:
        return False  # another name (Mansour / Mansouri, Youssoufi / Youssoufia)
    if not arabic and extra == "i" and i == len(longer) - 2 and longer.endswith("ie"):
        return False  # French -ie and -e are two nouns (économie / économe), not a typo
    if arabic and extra in ARABIC_LONG_LETTERS:
        return n >= MIN_VOWEL_INDEL or (
            n >= MIN_ARABIC_VOWEL_INDEL and _long_letter_spelling(longer, shorter, i)
        )
    if _is_vowel(extra, arabic):
        return n >= MIN_VOWEL_INDEL
    return n >= MIN_INDEL


def vowel_moved(word: str, i: int, n: int) -> bool:
    """Whether swapping the letters at `i` and ``i + 1`` of an Arabic word moves a long vowel
    letter as a slip of the hand rather than as a pattern: past the first two letters, where
    فاعل and فعال (``جامعي``/``جماعي``) differ, and not in a feminine word, where فاعلة and
    فعالة do (``مقالة``/``مقلاة``)."""
    if n < MIN_VOWEL_MOVE or i < 2 or word.endswith(_FEMININE_ENDINGS):
        return False
    return word[i] in ARABIC_VOWELS or word[i + 1] in ARABIC_VOWELS


def hamza_seat(word: str, i: int) -> bool:
    """Whether the letter at `i` of an Arabic word may be a hamza's seat after a long vowel
    (ائ اؤ اء يئ يأ, folded اي او اء يي يا), where writers put the hamza on one seat or
    another."""
    return i > 0 and word[i - 1] in ARABIC_LONG_LETTERS


def _aou(longer: str, i: int) -> bool:
    """Whether the ``a`` at `i` of a Latin word starts ``aou`` before a consonant."""
    after = longer[i + 3 : i + 4]
    return longer.startswith("ou", i + 1) and after != "" and after not in LATIN_VOWELS


def _respelled(a: str, b: str, n: int) -> bool:
    """Whether two Latin words are one name spelled with ou/w or sh/ch (module table)."""
    wa, wb = _ou_w(a), _ou_w(b)
    if wa == wb:
        return n >= MIN_OU_W
    return n >= MIN_SH_CH and wa.replace("sh", "ch") == wb.replace("sh", "ch")


def _long_letter_spelling(longer: str, shorter: str, i: int) -> bool:
    """Whether an Arabic long letter added at `i` of `longer` (n < 7) is a spelling variant
    rather than a derived word or a nisba suffix (see the module documentation)."""
    if longer[i] == _YEH and (i == len(longer) - 1 or longer[i + 1 :] == _HEH):
        return False
    if longer[i] == _ALEF and i == 2 and longer[0] in _PATTERN_PREFIXES:
        return False
    ending = next((e for e in _FEMININE_ENDINGS if shorter.endswith(e)), None)
    if ending is None:
        return True
    if shorter[0] == _ALEF:
        return True  # افتعال, استفعال: the ا is the masdar's, not مفعول's (اتصالات / اتصلات)
    return any(ch in ARABIC_LONG_LETTERS for ch in shorter[1 : -len(ending)])
