"""Light morphology: Arabic proclitics and a few inflectional suffixes.

A word is turned into *variants*: ``(form, tag, length)`` triples.  ``form`` is a folded
string, ``tag`` says how it was obtained and ``length`` is the length of the word (after
proclitics) it came from, which the matching rules use to decide how much tolerance a
word of that size deserves.

Article side (`text_variants`):

* the word itself and, for Arabic, every reading with proclitics removed: an optional
  conjunction (و ف), an optional preposition (ب ك ل) and an optional article (ال, with ل+ال
  written لل).  A reading is kept only if at least `MIN_STEM` letters remain, so short
  words never dissolve (``التضامن`` never yields ``امن``);
* plural and relational (nisba) suffixes removed: Latin ``-s -x -es -ies -aux``, Arabic
  ``ين ون`` (plural), ``ات`` (feminine plural) and ``ي يه يين يون يات`` (nisba);
* the alef of an Arabic accusative tanween removed (``ACCUSATIVE``: ``وفدا`` → ``وفد``);
* an Arabic pronoun suffix removed (``POSSESSED``: ``هما كما هم ها هن كم كن نا``, and ه
  after ت), keeping at least `MIN_POSSESSED` letters, with ة restored where the suffix
  wrote it ت: ``أسطولها`` → ``أسطول``, ``حكومته`` → ``حكومة``; a query word meets it as it
  meets a plural.

A word shorter than `MIN_STEM` (two letters: ``حي``, ``سد``) never loses a proclitic on
the article side.  A query that gives it company (another word it must be found with) lets
it take one: `short_clitic_forms` are the article words it then accepts, the word behind
one of ب ل ك ف و, the article ال, or one of those letters and the article (``بحي``,
``لحي``, ``الحي``, ``بالحي``, ``للحي``); never the word inside a longer one (``حيث``,
``بحيرة``).

Query side (`query_variants`): the word with a leading article removed (``الهجرة`` →
``هجره``), its singular if it looks plural, for an Arabic word ending in ta marbuta its
bare stem (``FEM``), which may only meet a feminine plural or a nisba adjective, its
broken plural or singular (``BROKEN``, `plurals`: ``مدرسة`` ↔ ``مدارس``), and for a
Latin word (or its singular) its other gender (``GENDER``), which meets an article word or
its singular with doubled letters collapsed: ``infirmières`` finds ``infirmier``,
``marocains`` finds ``marocaine``, ``officiels`` finds ``officielle``.
"""

from __future__ import annotations

from typing import Final

from bot.matching import plurals
from bot.matching.fuzzy import degeminate
from bot.matching.normalize import is_arabic

EXACT: Final = 0
PLURAL: Final = 1
PLURAL_AT: Final = 2
NISBA: Final = 3
FEM: Final = 4
GENDER: Final = 5
POSSESSED: Final = 6
BROKEN: Final = 7
ACCUSATIVE: Final = 8

Variant = tuple[str, int, int]

MIN_STEM: Final = 3
MIN_BASE: Final = 4
MIN_GENDER_BASE: Final = 6
MIN_POSSESSED: Final = 3

_ARTICLE = "\u0627\u0644"  # ال
_ALEF: Final = "\u0627"  # ا
_TEH: Final = "\u062a"  # ت
_HEH: Final = "\u0647"  # ه, also a folded ة
_YEH_ALEF: Final = "\u064a\u0627"  # يا
_WAW_ALEF: Final = "\u0648\u0627"  # وا
# هما كما هم ها هن كم كن نا: the pronouns written after a noun (longest first)
_ENCLITICS: Final = (
    "\u0647\u0645\u0627",
    "\u0643\u0645\u0627",
    "\u0647\u0645",
    "\u0647\u0627",
    "\u0647\u0646",
    "\u0643\u0645",
    "\u0643\u0646",
    "\u0646\u0627",
)


def _proclitic_prefixes() -> tuple[str, ...]:
    prefixes: set[str] = set()
    for conj in ("", "\u0648", "\u0641"):  # و ف
        for prep in ("", "\u0628", "\u0643", "\u0644"):  # ب ك ل
            for art in ("", _ARTICLE):
                if prep == "\u0644" and art:
                    prefixes.add(conj + "\u0644\u0644")  # ل + ال = لل
                else:
                    prefixes.add(conj + prep + art)
    prefixes.discard("")
    return tuple(sorted(prefixes, key=len, reverse=True))


PROCLITICS: Final = _proclitic_prefixes()
_ONE_LETTER: Final = ("\u0628", "\u0644", "\u0643", "\u0641", "\u0648")  # ب ل ك ف و
_SHORT_PREFIXES: Final = (
    *_ONE_LETTER,
    _ARTICLE,
    *(p + _ARTICLE for p in _ONE_LETTER if p != "\u0644"),
    "\u0644\u0644",  # ل + ال = لل
)
_LAM_LAM: Final = ("\u0644", "\u0648\u0644", "\u0641\u0644")  # ل ول فل


def arabic_stems(word: str) -> list[str]:
    """The word and its readings with proclitics removed (longest stem first)."""
    stems = [word]
    for prefix in PROCLITICS:
        if word.startswith(prefix) and len(word) - len(prefix) >= MIN_STEM:
            stem = word[len(prefix) :]
            if stem not in stems:
                stems.append(stem)
    return stems


def takes_short_clitics(word: str) -> bool:
    """Whether a (folded) query word is an Arabic word too short to lose a proclitic."""
    return len(word) < MIN_STEM and is_arabic(word)


def short_clitic_forms(word: str) -> frozenset[str]:
    """The article words a short query word accepts in company (module documentation)."""
    return frozenset(p + word for p in _SHORT_PREFIXES)


def short_clitic_keys(word: str) -> tuple[str, ...]:
    """Keys that find every `short_clitic_forms` of a word among an article's keys (an
    article word is filed under itself and its readings without proclitics that keep at
    least `MIN_STEM` letters: بالحي under الحي, للحي under لحي)."""
    return (*(p + word for p in _ONE_LETTER), _ARTICLE + word)


def literal_match(query: str, text: str, keep_article: bool = False) -> bool:
    """Quoted-word matching: the article word is the query word, possibly behind proclitics
    that do not change its definiteness (و ف ب ك ل, and ل+ال written لل)."""
    if query == text:
        return True
    if not is_arabic(query) or not text.endswith(query[2:]):
        return False
    definite = query.startswith(_ARTICLE) and len(query) - 2 >= MIN_STEM and not keep_article
    if definite and query[2] == "\u0644" and text in (p + query[2:] for p in _LAM_LAM):
        return True  # ل + اللغة is written للغة
    for prefix in PROCLITICS:
        has_article = prefix.endswith((_ARTICLE, "\u0644\u0644"))
        if has_article:
            if definite and text == prefix + query[2:]:
                return True
        elif text == prefix + query:
            return True
    return False


def query_stem(word: str) -> str:
    """A query word with a leading definite article removed (Arabic only)."""
    if word.startswith(_ARTICLE) and len(word) - 2 >= MIN_STEM:
        return word[2:]
    return word


def _latin_plural_bases(word: str) -> list[str]:
    bases: list[str] = []
    if not word.isalpha():
        return bases
    if word.endswith("ies") and len(word) - 3 >= MIN_STEM:
        bases.append(word[:-3] + "y")
    if word.endswith("aux") and len(word) - 3 >= MIN_STEM:
        bases.append(word[:-3] + "al")
    if word.endswith("ves") and len(word) - 3 >= MIN_STEM:  # knives, thieves: -f, -fe
        bases.extend((word[:-3] + "f", word[:-3] + "fe"))
    sibilant = word[:-2].endswith(("s", "x", "z", "ch", "sh"))
    if word.endswith("es") and sibilant and len(word) - 2 >= MIN_STEM:
        bases.append(word[:-2])
    if word.endswith(("s", "x")) and not word.endswith("ss") and len(word) - 1 >= MIN_BASE:
        bases.append(word[:-1])
    return bases


def _arabic_suffix_variants(stem: str) -> list[Variant]:
    out: list[Variant] = []
    n = len(stem)
    for suffix in ("\u064a\u064a\u0646", "\u064a\u0648\u0646", "\u064a\u0627\u062a"):  # يين يون يات
        if stem.endswith(suffix) and n - 3 >= MIN_BASE:
            out.append((stem[:-3], NISBA, n))
    if stem.endswith("\u064a\u0647") and n - 2 >= MIN_BASE:  # يه (ية)
        out.append((stem[:-2], NISBA, n))
    elif stem.endswith("\u064a") and n - 1 >= MIN_BASE:  # ي
        out.append((stem[:-1], NISBA, n))
    if stem.endswith(("\u064a\u0646", "\u0648\u0646")) and n - 2 >= MIN_BASE:  # ين ون
        out.append((stem[:-2], PLURAL, n))
    if stem.endswith("\u0627\u062a") and n - 2 >= MIN_STEM:  # ات
        out.append((stem[:-2], PLURAL_AT, n))
    return out


def _possessed_variants(stem: str) -> list[Variant]:
    """An Arabic article word read without a pronoun suffix (``أسطولها`` → ``أسطول``,
    ``بأجورهم`` → ``أجور``), and with its ة restored where the suffix turned it into ت
    (``حكومتها``, ``حكومته`` → ``حكومة``).  The lone ه (his) is read only after a ت:
    elsewhere it is as likely a folded ة (``مدرسة`` is not مدرس + ه)."""
    n = len(stem)
    rest = next((stem[: -len(e)] for e in _ENCLITICS if stem.endswith(e)), None)
    if rest is None and stem.endswith(_TEH + _HEH):
        rest = stem[:-1]
    if rest is None or len(rest) < MIN_POSSESSED:
        return []
    out = [(rest, POSSESSED, n)]  # بيتها → بيت
    if rest.endswith(_TEH) and len(rest) > MIN_POSSESSED:
        out.append((rest[:-1] + _HEH, POSSESSED, n))  # حكومتها → حكومة
    return out


def _accusative_variants(stem: str) -> list[Variant]:
    """An indefinite Arabic noun in the accusative, read without the alef of its tanween
    (``وفدا`` → ``وفد``, ``قرارا`` → ``قرار``), keeping `MIN_STEM` letters.  Never after ي,
    where the alef belongs to the name (``روسيا``, ``عليا`` is not ``علي``), nor after و, a
    verb's plural (``كانوا``).  A place whose name ends in ا meets the noun it spells
    (``صيدا``, Sidon, finds ``صيد``)."""
    if not stem.endswith(_ALEF) or stem.endswith((_YEH_ALEF, _WAW_ALEF, _ALEF + _ALEF)):
        return []
    if len(stem) - 1 < MIN_STEM:
        return []
    return [(stem[:-1], ACCUSATIVE, len(stem))]


def text_variants(word: str) -> tuple[Variant, ...]:
    """Variants of an article word (see the module documentation)."""
    if is_arabic(word):
        out: list[Variant] = []
        for stem in arabic_stems(word):
            out.append((stem, EXACT, len(stem)))
            out.extend(_arabic_suffix_variants(stem))
            out.extend(_possessed_variants(stem))
            out.extend(_accusative_variants(stem))
        return tuple(dict.fromkeys(out))
    out = [(word, EXACT, len(word))]
    out.extend((base, PLURAL, len(word)) for base in _latin_plural_bases(word))
    return tuple(out)


def query_variants(word: str, keep_article: bool = False) -> tuple[Variant, ...]:
    """Variants of a query word (see the module documentation).  `keep_article` is set for
    a word typed with ``أل``/``إل``: a hamza means that ``ال`` is not the article
    (``ألباريس`` is Albares, not ال + باريس)."""
    if is_arabic(word):
        stem = word if keep_article else query_stem(word)
        n = len(stem)
        out: list[Variant] = [(stem, EXACT, n)]
        if stem.endswith(("\u064a\u0646", "\u0648\u0646")) and n - 2 >= MIN_BASE:
            out.append((stem[:-2], PLURAL, n))
        if stem.endswith("\u0627\u062a") and n - 2 >= MIN_STEM:
            out.append((stem[:-2], PLURAL, n))
        if stem.endswith("\u0647") and n >= MIN_BASE:  # ه from ة
            out.append((stem[:-1], FEM, n))
        out.extend((other, BROKEN, n) for other in plurals.partners(stem))
        return tuple(out)
    bases = _latin_plural_bases(word)
    out = [(word, EXACT, len(word))]
    out.extend((base, PLURAL, len(word)) for base in bases)
    out.extend((other, GENDER, len(word)) for other in _other_genders([word, *bases]))
    return tuple(out)


def _other_genders(forms: list[str]) -> list[str]:
    """The other gender of Latin words, as the final ``e`` the feminine adds (degeminated:
    ``infirmier`` ↔ ``infirmiere``, ``officiel`` ↔ ``officiele``), the masculine keeping
    `MIN_GENDER_BASE` letters, as `fuzzy`'s final ``e``."""
    out: list[str] = []
    for form in forms:
        if not form.isalpha():
            continue
        base = degeminate(form)
        other = base[:-1] if base.endswith("e") else base + "e"
        if min(len(base), len(other)) >= MIN_GENDER_BASE:
            out.append(other)
    return out


def tags_compatible(query_tag: int, text_tag: int, query_length: int) -> bool:
    """Whether a query variant and an article variant with equal forms mean a match.

    (EXACT, EXACT) pairs are handled by the fuzzy rules instead."""
    if query_tag == EXACT:
        if text_tag in (PLURAL, PLURAL_AT, POSSESSED, ACCUSATIVE):
            return True
        return text_tag == NISBA and query_length >= 5
    if query_tag == PLURAL:
        return text_tag in (EXACT, PLURAL, PLURAL_AT)
    if query_tag == BROKEN:
        return text_tag in (EXACT, POSSESSED, ACCUSATIVE)
    if query_tag == FEM:
        if text_tag == PLURAL_AT:
            return True
        return text_tag == NISBA and query_length >= 5
    return False
