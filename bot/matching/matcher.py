"""Query compilation and matching: the rules.

QUERY LANGUAGE
  word            every bare word must appear in the title or the text, in any order.
  "a phrase"      the words adjacent and in this order, within one sentence of one field;
                  no typo tolerance, no plural/suffix variants and no transliteration
                  inside quotes (normalisation, elisions and the proclitics و ف ب ك ل
                  still apply, but the Arabic article must agree: ``"بركان"`` matches
                  ``ببركان``, not ``البركان``).  Straight, curly and French quotes work.
  a OR b          either; OR binds tighter than AND: ``a b OR c`` = ``a AND (b OR c)``.
  a AND b         both (juxtaposition means the same).
  NOT a, -a       a must not appear; ``-`` works before a word, phrase or group.
  ( … )           grouping.
  title:a         a (word or phrase) must appear in the headline.
  a NEAR/n b      a and b (words or phrases) in the same field, in either order, with at
                  most n words between them (a sentence boundary counts as one word).
  Only upper-case AND, OR, NOT are operators: lower-case ``and``, ``or``, ``not`` are
  ordinary words (French *or*, English *not*).  ``NEAR/n`` is accepted in any case,
  ``n`` ≤ 50.  A word that normalises into several words (``Béni-Mellal``, ``COVID-19``)
  is an implicit phrase.  Commas and semicolons separate words.
  Errors (a `QueryError` with the position of the problem): empty query, over the length
  or term limit (a term is a word or a phrase), unclosed quote or parenthesis, stray ``)``,
  empty quotes or parentheses, an operator with nothing on one side, ``-`` followed by a
  space, NEAR without a distance or around a group, a query or an OR alternative that only
  excludes words.

NORMALISATION (the same for queries and articles; see `normalize` and `tokens`)
  NFKC, case folding, accents removed; Arabic diacritics and tatweel removed; أ إ آ ٱ → ا;
  ى → ي; ة → ه; ؤ → و; ئ → ي; ک ی ڤ ڭ گ folded; Arabic-Indic and Persian digits → 0–9.
  Words are runs of letters and digits: punctuation, hyphens and guillemets separate words;
  French elisions (l' d' qu' j' n' s' c' m' t' jusqu' lorsqu' puisqu') are cut off after
  either apostrophe; an English possessive 's is dropped.

WORD MATCHING (see `morph`, `fuzzy`, `translit`)
  * Arabic proclitics: an article word may carry و ف, then ب ك ل, then ال (ل+ال = لل), as
    long as 3 letters remain: ``الهجرة`` matches ``والهجرة``, ``بالهجرة``, ``للهجرة``; a query
    word's own article is optional: ``هجرة`` matches ``الهجرة`` and the reverse.  A query
    word typed with ``أل``/``إل`` keeps it: a hamza means it is not the article
    (``ألباريس`` is Albares, never ``باريس``).
  * Inflection: a query word matches its plural (Latin -s -x -es -aux, Arabic ين ون ات) and
    a plural query its singular, for stems of at least 4 letters; an Arabic noun of at least
    5 letters also matches its nisba adjective (``التعليم`` → ``تعليمية``, ``الفلاحة`` →
    ``الفلاحي``), never a shorter one (``الهجرة`` ≠ ``الهجري``).
  * Compounds: solid, hyphenated and spaced spellings meet (``anticorruption`` =
    ``anti-corruption`` = ``anti corruption``, ``weekend`` = ``week-end``, ``Benslimane`` =
    ``Ben Slimane``); a space joins only after a prefix or name particle of `compounds`'
    tables (*start up* is not ``startup``).
  * Derivation: a noun matches its adjective and an adjective its noun, by suffix tables
    (``agriculture`` = ``agricole``, ``énergie`` = ``énergétique``, ``région`` =
    ``régionale``; ``زراعي`` = ``الزراعة``, ``تنمية`` = ``التنموي``), never for short stems
    (``police`` ≠ ``politique``, ``الهجري`` ≠ ``الهجرة``); quotes turn it off.  See
    `derivation`.
  * Typos grow with length (n = the shorter word): doubled letters from n ≥ 5; Arabic
    final ة ↔ ا from 5; a vowel for a vowel (a/e, e/i, i/y, o/u; ا و ي) from 6; a swapped
    pair from 7; a missing or extra final e from 6, vowel from 7, letter from 8; a replaced
    consonant from 11.  One edit at most, never on the first letter (except vowel for
    vowel), none in words with digits.
  * Acronyms: an all-capital query word of 2–5 Latin letters (``AI``, ``MAP``, ``CAF``) only
    matches article words written with a capital (so not French *j'ai*, *map*).
  * Names across scripts: a Latin word and an Arabic word match when their consonant
    skeletons (at least 3 consonants) agree and their vowels fit (``Bourita`` = ``بوريطة``,
    ``Akhannouch`` = ``أخنوش``), or two consonants under stricter vowel rules for an Arabic
    or a capitalised Latin query word (``Oujda`` = ``وجدة``, ``Fès`` = ``فاس``, ``Doha`` =
    ``الدوحة``); an Arabic query word reaches only capitalised Latin words this way.  On
    by default (``compile_query(..., names_across_scripts=False)`` turns it off): on our
    own check set it finds 99 of 126 name pairs in each direction and misfires on 0.06 %
    of name-query × article trials; see `translit`.
  * Aliases: an admin alias group (``Laftit = لفتيت = Lafdit``) makes a term equal to one
    entry match every entry.

RESULT
  `CompiledQuery.match` returns None when the query does not match, otherwise the spans
  (field, start, end) of every occurrence of the positive terms that matched, as offsets
  into the original title or text (a phrase is one span; Arabic words carrying proclitics
  are bolded whole; an elided word starts after the apostrophe).  Terms under NOT give no
  spans.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from bot.matching import engine, evaluation, lookup, plan
from bot.matching.aliases import NO_ALIASES, Aliases, entry_key
from bot.matching.document import AnalyzedDocument
from bot.matching.parser import parse
from bot.matching.types import Document, QueryLimits, Span


@dataclass(frozen=True, slots=True, eq=False)
class CompiledQuery:
    """A parsed and analysed query, ready to be asked about any number of articles."""

    text: str
    root: engine.Node = field(repr=False)
    limits: QueryLimits = field(default=QueryLimits(), repr=False)
    aliases: Aliases = field(default=NO_ALIASES, repr=False)
    names_across_scripts: bool = field(default=True, repr=False)

    def describe(self) -> str:
        """How the query was understood, e.g. ``(الهجرة OR المهاجرين) AND لفتيت``."""
        return engine.describe(self.root)

    @property
    def terms(self) -> tuple[str, ...]:
        """The words and phrases the query looks for (not the excluded ones), as shown."""
        out: list[str] = []
        _positive_terms(self.root, out)
        return tuple(dict.fromkeys(out))

    def required_keys(self) -> frozenset[str]:
        """Keys one of which every article this query matches holds (see
        `plan.requirement`, rarity guessed from the keys' shape): what to look up in an
        index of articles filed under their `AnalyzedDocument.keys`."""
        required = plan.requirement(self.root, plan.KeyStats())
        if required is None:  # pragma: no cover - the parser rejects negative-only queries
            raise ValueError("a query without positive terms has no required keys")
        return required[0]

    def query_words(self) -> dict[str, lookup.QueryWord]:
        """Every word of the query, by signature, as an index of article words looks it up
        (see `bot.matching.lookup`)."""
        return lookup.query_words(self.root)

    def combine(self, words: Mapping[str, lookup.Found]) -> lookup.Found | None:
        """The articles the query matches (or may match), from those holding each of its
        words (see `bot.matching.lookup.combine`)."""
        return lookup.combine(self.root, words)

    def plain_words(self) -> dict[str, lookup.QueryWord] | None:
        """The positive words of a query of single words (see
        `bot.matching.lookup.plain_words`), else None."""
        return lookup.plain_words(self.root)

    def match(self, doc: Document) -> list[Span] | None:
        """None if the article does not match, else the spans of the matched terms."""
        return self.match_analyzed(AnalyzedDocument(doc))

    def match_analyzed(self, doc: AnalyzedDocument) -> list[Span] | None:
        """`match` on an article already analysed (shared between many queries)."""
        ranges = evaluation.evaluate(self.root, doc)
        if ranges is None:
            return None
        return evaluation.to_spans(ranges, doc)

    def with_aliases(self, aliases: Aliases) -> CompiledQuery:
        """The same query compiled against other alias groups (recompiled only when one of
        its words is in a group that changed)."""
        if aliases is self.aliases:
            return self
        if aliases.changed_since(self.aliases).isdisjoint(entry_key(self.text)):
            return replace(self, aliases=aliases)
        return compile_query(
            self.text,
            self.limits,
            aliases=aliases,
            names_across_scripts=self.names_across_scripts,
        )


def _positive_terms(node: engine.Node, out: list[str]) -> None:
    if isinstance(node, engine.Term):
        out.extend(node.shown[:1])
    elif isinstance(node, engine.Near):
        out.extend(node.left.shown[:1] + node.right.shown[:1])
    elif isinstance(node, engine.And | engine.Or):
        for child in node.children:
            _positive_terms(child, out)


DEFAULT_LIMITS = QueryLimits()


def compile_query(
    text: str,
    limits: QueryLimits = DEFAULT_LIMITS,
    *,
    aliases: Aliases | None = None,
    names_across_scripts: bool = True,
) -> CompiledQuery:
    """Parse and analyse a query; raise `QueryError` (with a position) if it is invalid.

    `aliases`: admin alias groups to apply.  `names_across_scripts`: let words reach their
    spelling in the other script through the automatic name key (on by default)."""
    alias_set = NO_ALIASES if aliases is None else aliases
    tree = parse(text, limits)
    options = engine.Options(alias_set, names_across_scripts)
    return CompiledQuery(text, engine.build(tree, options), limits, alias_set, names_across_scripts)


def analyze(doc: Document) -> AnalyzedDocument:
    """Analyse an article once, to ask several compiled queries about it."""
    return AnalyzedDocument(doc)
