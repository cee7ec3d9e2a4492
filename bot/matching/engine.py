"""Compiled queries: the syntax tree with every word analysed.

`build` turns a parsed query into compiled nodes (applying aliases) and `describe` renders
them for the user; `bot.matching.evaluation` runs them on an analysed article.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from sys import intern
from typing import Final
from weakref import WeakValueDictionary

from bot.matching import compounds, morph, syntax
from bot.matching.aliases import Aliases, entry_key
from bot.matching.normalize import is_arabic
from bot.matching.relation import NAMES, SHORT_NAMES, query_keys
from bot.matching.tokens import Token, tokenize

Range = tuple[int, int, int]  # (field index, first token index, last token index)

ACRONYM_MAX: Final = 5
# An acronym of this many letters also meets the Arabic spelling of its name, which has no
# capitals (FIFA / الفيفا, NATO / الناتو); a shorter one meets too many ordinary words.
ACRONYM_CROSS: Final = 4


@dataclass(frozen=True, slots=True, eq=False, weakref_slot=True)
class Word:
    """One analysed query word; one object for every query word of the same ``sig``
    (see `_word`)."""

    norm: str
    exact: bool
    acronym: bool
    keep_article: bool
    cross: int  # relation's 0, NAMES or SHORT_NAMES
    clitic: bool  # a short Arabic word in company: takes a proclitic (morph)
    keys: frozenset[str]  # a set: intersected with an article's keys, and shared by checks
    sig: str  # identifies the word's matching behaviour, for per-document caches

    def wants_capital(self, text: str) -> bool:
        """Whether this word meets the article word `text` only where the article
        capitalises it: an acronym does (``MAP`` is not *mapping*), but for the Arabic
        spelling of a long one (`ACRONYM_CROSS`)."""
        return self.acronym and not (len(self.norm) >= ACRONYM_CROSS and is_arabic(text))


@dataclass(frozen=True, slots=True, eq=False)
class Term:
    """A word or phrase, with its alias alternatives (each a sequence of words)."""

    alternatives: tuple[tuple[Word, ...], ...]
    title: bool
    shown: tuple[str, ...]
    quoted: bool
    key: str = ""
    single: Word | None = None  # its only word, without alias or title restriction

    def __post_init__(self) -> None:
        alts = "|".join(" ".join(w.sig for w in words) for words in self.alternatives)
        object.__setattr__(self, "key", ("T" if self.title else "A") + alts)
        if len(self.alternatives) == 1 and len(self.alternatives[0]) == 1 and not self.title:
            object.__setattr__(self, "single", self.alternatives[0][0])


@dataclass(frozen=True, slots=True, eq=False)
class Near:
    left: Term
    right: Term
    distance: int
    key: str = ""

    def __post_init__(self) -> None:
        key = f"N{self.distance}\x01{self.left.key}\x01{self.right.key}"
        object.__setattr__(self, "key", key)


@dataclass(frozen=True, slots=True, eq=False)
class Not:
    child: Node


@dataclass(frozen=True, slots=True, eq=False)
class And:
    children: tuple[Node, ...]


@dataclass(frozen=True, slots=True, eq=False)
class Or:
    children: tuple[Node, ...]


Node = Term | Near | Not | And | Or


# ------------------------------------------------------------------------------ building


@dataclass(frozen=True, slots=True)
class Options:
    """Compilation switches (see `compile_query`); `accompanied`: the words being built
    must be found with another word (in a phrase, NEAR, or beside another positive term of
    an AND), which lets a short Arabic word take a proclitic."""

    aliases: Aliases
    cross: bool = True
    accompanied: bool = False


def _word(token: Token, exact: bool, options: Options) -> Word:
    norm = token.norm
    acronym = token.upper and norm.isascii() and norm.isalpha() and 2 <= len(norm) <= ACRONYM_MAX
    keep = token.hamza_al
    # a two-consonant name crosses scripts from Arabic, or from a capitalised Latin word
    short = token.cap or is_arabic(norm)
    cross = 0 if exact or not options.cross else SHORT_NAMES if short else NAMES
    clitic = options.accompanied and not exact and morph.takes_short_clitics(norm)
    sig = f"{norm}\x02{int(exact)}{int(acronym)}{int(keep)}{int(cross)}{int(clitic)}"
    word = _WORDS.get(sig)
    if word is None:
        keys = query_keys(norm, exact, keep, cross)
        if clitic:
            keys += tuple(map(intern, morph.short_clitic_keys(norm)))  # as `relation` does
        word = _WORDS[sig] = Word(norm, exact, acronym, keep, cross, clitic, frozenset(keys), sig)
    return word


# The words of the queries alive, by sig: queries sharing a word share its object and its
# keys (less memory, and fewer distinct objects to read per article).
_WORDS: WeakValueDictionary[str, Word] = WeakValueDictionary()


def _words(
    tokens: tuple[Token, ...] | list[Token], exact: bool, options: Options
) -> tuple[Word, ...]:
    if len(tokens) > 1 and not options.accompanied:
        options = replace(options, accompanied=True)
    return tuple(_word(t, exact, options) for t in tokens)


def _display(raw: str, quoted: bool, n_words: int) -> str:
    text = " ".join(raw.split())
    return f'"{text}"' if quoted or n_words > 1 else text


def _term(node: syntax.Term, options: Options, solid: Token | None = None) -> Term:
    aliases = options.aliases
    exact = node.quoted
    alternatives = [_words(node.words, exact, options)]
    shown = [_display(node.raw, node.quoted, len(node.words))]
    group = aliases.group_of(tuple(entry_key(node.raw))) if len(aliases) else None
    if group is not None:
        own = entry_key(node.raw)
        for entry in group:
            if entry_key(entry) == own:
                continue
            tokens = tokenize(entry)
            alternatives.append(_words(tokens, exact, options))
            shown.append(_display(entry, node.quoted, len(tokens)))
    solid = solid or compounds.solid_form(node.raw, node.words)
    if solid is not None:  # a compound's solid spelling (see `compounds`), not shown
        alternatives.append(_words((solid,), exact, options))
    return Term(tuple(alternatives), node.title, tuple(shown), node.quoted)


def _alias_runs(children: list[syntax.Node], options: Options) -> list[syntax.Node | Node]:
    """Find runs of bare single words that together spell a multi-word alias entry."""
    aliases = options.aliases
    out: list[syntax.Node | Node] = []
    i = 0
    while i < len(children):
        replaced = False
        for size in range(min(aliases.max_words, len(children) - i), 1, -1):
            run = children[i : i + size]
            if not all(
                isinstance(c, syntax.Term) and not c.quoted and len(c.words) == 1 for c in run
            ):
                continue
            terms = [c for c in run if isinstance(c, syntax.Term)]
            if len({t.title for t in terms}) != 1:
                continue
            key = tuple(entry_key(t.raw)[0] for t in terms if entry_key(t.raw))
            group = aliases.group_of(key) if len(key) == size else None
            if group is None:
                continue
            alts: list[Node] = [And(tuple(_term(t, options) for t in terms))]
            for entry in group:
                if entry_key(entry) == key:
                    continue
                tokens = tokenize(entry)
                alts.append(
                    Term(
                        (_words(tokens, False, options),),
                        terms[0].title,
                        (_display(entry, False, len(tokens)),),
                        False,
                    )
                )
            out.append(Or(tuple(alts)))
            i += size
            replaced = True
            break
        if not replaced:
            out.append(children[i])
            i += 1
    return out


def build(node: syntax.Node, options: Options) -> Node:
    """Compile a syntax tree."""
    if isinstance(node, syntax.Term):
        return _term(node, options)
    if isinstance(node, syntax.Near):
        options = replace(options, accompanied=True)
        return Near(_term(node.left, options), _term(node.right, options), node.distance)
    if isinstance(node, syntax.Not):
        return Not(build(node.child, replace(options, accompanied=False)))
    if isinstance(node, syntax.Or):
        return Or(tuple(build(c, options) for c in node.children))
    if sum(not isinstance(c, syntax.Not) for c in node.children) > 1:
        options = replace(options, accompanied=True)
    children: list[syntax.Node | Node] = list(node.children)
    if options.aliases.max_words >= 2:
        children = _alias_runs(list(node.children), options)
    solids = compounds.bare_runs(children)  # `anti corruption` also finds `anticorruption`
    built = tuple(
        _term(c, options, solids[k])
        if k in solids and isinstance(c, syntax.Term)
        else build(c, options)
        if isinstance(c, syntax.Term | syntax.Near | syntax.Not | syntax.And | syntax.Or)
        else c
        for k, c in enumerate(children)
    )
    return built[0] if len(built) == 1 else And(built)


# ----------------------------------------------------------------------------- describing


def _describe_term(term: Term) -> str:
    prefix = "title:" if term.title else ""
    parts = [prefix + s for s in term.shown]
    return parts[0] if len(parts) == 1 else "(" + " OR ".join(parts) + ")"


def describe(node: Node, top: bool = True) -> str:
    """Render the query as understood, with every grouping explicit."""
    if isinstance(node, Term):
        return _describe_term(node)
    if isinstance(node, Near):
        return f"{_describe_term(node.left)} NEAR/{node.distance} {_describe_term(node.right)}"
    if isinstance(node, Not):
        inner = describe(node.child, top=False)
        return f"NOT {inner}"
    joiner = " AND " if isinstance(node, And) else " OR "
    text = joiner.join(describe(c, top=False) for c in node.children)
    return text if top else f"({text})"
