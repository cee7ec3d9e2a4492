"""When does one query word match one article word?  And under which keys to find it.

This module joins the word-level rules: morphology (`morph`), typo tolerance (`fuzzy`),
noun ↔ adjective derivation (`derivation`) and the Latin ↔ Arabic name key (`translit`).
Results are cached, since the same words recur from article to article.

`word_match` answers with one of:

* `NO`;
* `YES`;
* `IF_CAPITALISED`: only if the article word starts with a capital letter.  Used when an
  Arabic query word reaches a Latin article word through the name key: in Latin text,
  names are capitalised, which keeps ordinary words out.

A short Arabic query word in company (``clitic``, see `morph.short_clitic_forms`) also
accepts itself behind a proclitic letter or the article.

Quoted words (``exact``) only get normalisation and the proclitics و ف ب ك ل: no typo
tolerance, morphology, derivation or transliteration, and the Arabic article must agree
(``"بركان"`` matches ``ببركان`` but not ``البركان``; ``"الهجرة"`` matches ``للهجرة`` but not
``هجرة``).
"""

from __future__ import annotations

from functools import lru_cache
from sys import intern
from typing import Final

from bot.matching import derivation, fuzzy, morph, respell, translit
from bot.matching.normalize import is_arabic

NO: Final = 0
YES: Final = 1
IF_CAPITALISED: Final = 2

# how far a query word's name may cross scripts (`cross`)
NAMES: Final = 1  # names of at least three consonants
SHORT_NAMES: Final = 2  # and two-consonant names (an Arabic or a capitalised Latin word)

_MIN_NAME_STEM: Final = 3
_CACHE_WORDS: Final = 65536
_CACHE_PAIRS: Final = 262144


def _interned(keys: list[str]) -> tuple[str, ...]:
    """Keys without repeats, each one shared string: an article's key and the index's are
    then the same object, which a dictionary compares without reading it."""
    return tuple(map(intern, dict.fromkeys(keys)))


@lru_cache(maxsize=_CACHE_WORDS)
def text_variants(word: str) -> tuple[morph.Variant, ...]:
    return morph.text_variants(word)


@lru_cache(maxsize=_CACHE_WORDS)
def query_variants(word: str, keep_article: bool = False) -> tuple[morph.Variant, ...]:
    return morph.query_variants(word, keep_article)


@lru_cache(maxsize=_CACHE_WORDS)
def text_keys(word: str, capitalised: bool = True) -> tuple[str, ...]:
    """Every key an article word is filed under.  A Latin word written only in lower case
    cannot be a name, so it gets no name-skeleton key (see `IF_CAPITALISED`)."""
    out: list[str] = []
    arabic = is_arabic(word)
    for form, tag, length in text_variants(word):
        if tag == morph.EXACT:
            out.extend(fuzzy.keys(form, length))
            if (arabic or capitalised) and _name_form(form, word):
                out.extend(translit.keys(form))
        else:
            out.append(fuzzy.degeminate(form))
    return _interned(out)


def query_keys(
    word: str, exact: bool, keep_article: bool = False, cross: int = NAMES
) -> tuple[str, ...]:
    """The keys under which the article words a query word can match are filed
    (`cross`: whether names may cross scripts: 0, `NAMES` or `SHORT_NAMES`)."""
    out: list[str] = []
    for form, tag, length in query_variants(word, keep_article):
        if tag == morph.EXACT:
            if exact:
                out.append(fuzzy.degeminate(form))
            else:
                out.extend(fuzzy.keys(form, length))
                out.extend(respell.respellings(form, length))
                if cross:
                    out.extend(translit.target_keys(form, cross >= SHORT_NAMES))
        elif not exact:
            out.append(fuzzy.degeminate(form))
        if not exact and tag in (morph.EXACT, morph.PLURAL):
            out.extend(fuzzy.degeminate(d) for d in derivation.forms(form))
    return _interned(out)


@lru_cache(maxsize=_CACHE_PAIRS)
def word_match(
    query: str,
    text: str,
    exact: bool = False,
    keep_article: bool = False,
    cross: int = NAMES,
    clitic: bool = False,
) -> int:
    """`YES`, `NO` or `IF_CAPITALISED` for a folded query word against a folded article word
    (`keep_article`: see `morph.query_variants`; `cross`: how far names may cross scripts,
    0, `NAMES` or `SHORT_NAMES`; `clitic`: a short word in company, see
    `morph.short_clitic_forms`)."""
    if query == text:
        return YES
    if clitic and text in morph.short_clitic_forms(query):
        return YES
    if exact:
        return YES if morph.literal_match(query, text, keep_article) else NO
    qvars = query_variants(query, keep_article)
    tvars = text_variants(text)
    for qform, qtag, qlen in qvars:
        for tform, ttag, _ in tvars:
            if qtag == morph.EXACT and ttag == morph.EXACT:
                if fuzzy.related(qform, tform):
                    return YES
            elif qtag == morph.GENDER:
                if ttag in (morph.EXACT, morph.PLURAL) and qform == fuzzy.degeminate(tform):
                    return YES
            elif qform == tform and morph.tags_compatible(qtag, ttag, qlen):
                return YES
    if _derived(qvars, tvars):
        return YES
    if not cross:
        return NO
    q_arabic = is_arabic(query)
    if q_arabic != is_arabic(text):
        stem = qvars[0][0]
        if q_arabic:
            if translit.corresponds(stem, text, stem != query, cross >= SHORT_NAMES):
                return IF_CAPITALISED
        else:
            for tform, ttag, _ in tvars:
                if (
                    ttag == morph.EXACT
                    and _name_form(tform, text)
                    and translit.corresponds(
                        tform, stem, _article_dropped(tform, text), cross >= SHORT_NAMES
                    )
                ):
                    return YES
    return NO


def _derived(qvars: tuple[morph.Variant, ...], tvars: tuple[morph.Variant, ...]) -> bool:
    """Whether the article word (or its singular) is a noun or adjective derived from the
    query word (or its singular): see `derivation`."""
    found = [derivation.forms(f) for f, tag, _ in qvars if tag in (morph.EXACT, morph.PLURAL)]
    return any(
        tform in forms
        for tform, ttag, _ in tvars
        if ttag in (morph.EXACT, morph.PLURAL)
        for forms in found
    )


def _article_dropped(form: str, word: str) -> bool:
    """Whether an article word's reading lost an ال (or the لل of ل+ال)."""
    return word[: len(word) - len(form)].endswith(("\u0627\u0644", "\u0644\u0644"))


def _name_form(form: str, word: str) -> bool:
    """Whether an article word's reading may be compared by name skeleton: the word as
    written, or a reading without proclitics that keeps at least 3 letters."""
    return form == word or len(form) >= _MIN_NAME_STEM


def clear_caches() -> None:
    """Drop the memoised word analyses (tests and benchmarks use this)."""
    for f in (text_variants, query_variants, text_keys, word_match):
        f.cache_clear()
