"""The query language: lexer and parser, producing a small syntax tree.

Grammar, loosest binding first::

    query   := clause ( [AND] clause )*          # juxtaposition means AND
    clause  := unary ( OR unary )*               # OR binds tighter than AND
    unary   := NOT unary | "-" unary | near
    near    := primary [ NEAR/n primary ]        # both sides words or phrases
    primary := "(" query ")" | [title:] ( word | "phrase" )

so ``a b OR c`` is ``a AND (b OR c)``, as in web search engines; `describe` always shows
the parentheses.  Only upper-case ``AND``, ``OR``, ``NOT`` are operators; lower-case
``and``/``or``/``not`` (French *or*, English *not* …) are ordinary words.  ``NEAR/n`` is
recognised in any case.  A raw word that normalises to several words (``Béni-Mellal``,
``COVID-19``) is an implicit phrase.  Straight, curly and French quotes (``" “ ” „ « »``)
all delimit phrases.  Commas and semicolons separate words like spaces.

Every error is a `QueryError` whose ``position`` is the character offset of the problem in
the query as typed.  Nesting (parentheses, ``NOT`` and ``-``) is limited to
`QueryLimits.max_depth` levels: the parser and every walk of the tree recurse, and a
deeper query is refused with a `QueryError` before it can exhaust the stack; chains of
``AND``/``OR`` build flat nodes and do not nest.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from bot.matching.tokens import Token, tokenize
from bot.matching.types import QueryError, QueryLimits

MAX_NEAR: Final = 50
QUOTES: Final = frozenset('"\u201c\u201d\u201e\u00ab\u00bb\u201f')
_SEPARATORS: Final = frozenset(",;\u060c\u061b")
_MINUS: Final = frozenset("-\u2212\u2013\u2014")  # hyphen-minus, minus sign, en and em dash
_NEAR = re.compile(r"(?i)near/(\d+)")
_NEARISH = re.compile(r"(?i)near/")


# ----------------------------------------------------------------------------- syntax tree


@dataclass(frozen=True, slots=True)
class Term:
    """A word or a phrase (several words that must be adjacent and in order)."""

    words: tuple[Token, ...]
    raw: str
    quoted: bool
    title: bool
    position: int


@dataclass(frozen=True, slots=True)
class Near:
    left: Term
    right: Term
    distance: int


@dataclass(frozen=True, slots=True)
class Not:
    child: Node
    position: int


@dataclass(frozen=True, slots=True)
class And:
    children: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Or:
    children: tuple[Node, ...]


Node = Term | Near | Not | And | Or


# ----------------------------------------------------------------------------------- lexer


@dataclass(frozen=True, slots=True)
class _Lex:
    kind: str  # WORD PHRASE LPAREN RPAREN AND OR NOT MINUS NEAR TITLE
    text: str
    position: int
    value: int = 0


def _lex(text: str) -> list[_Lex]:
    out: list[_Lex] = []
    i = 0
    n = len(text)
    while i < n:
        ch = text[i]
        if ch.isspace() or ch in _SEPARATORS:
            i += 1
        elif ch == "(":
            out.append(_Lex("LPAREN", ch, i))
            i += 1
        elif ch == ")":
            out.append(_Lex("RPAREN", ch, i))
            i += 1
        elif ch in QUOTES:
            j = i + 1
            while j < n and text[j] not in QUOTES:
                j += 1
            if j >= n:
                raise QueryError(
                    'This quote is never closed: add a closing " after the phrase.',
                    i,
                    key="unclosed_quote",
                )
            out.append(_Lex("PHRASE", text[i + 1 : j], i))
            i = j + 1
        elif ch in _MINUS and (i + 1 >= n or text[i + 1].isspace() or text[i + 1] in _MINUS):
            raise QueryError(
                'A "-" must be attached to the word it excludes, like -macaron.',
                i,
                key="detached_minus",
            )
        elif ch in _MINUS:
            out.append(_Lex("MINUS", ch, i))
            i += 1
        else:
            j = i
            while (
                j < n
                and not text[j].isspace()
                and text[j] not in "()"
                and text[j] not in QUOTES
                and text[j] not in _SEPARATORS
            ):
                j += 1
            raw = text[i:j]
            if raw[:6].lower() == "title:":
                out.append(_Lex("TITLE", raw[:6], i))
                i += 6
                continue
            out.append(_classify(raw, i))
            i = j
    return out


def _classify(raw: str, position: int) -> _Lex:
    if raw in ("AND", "OR", "NOT"):
        return _Lex(raw, raw, position)
    m = _NEAR.fullmatch(raw)
    if m:
        distance = int(m.group(1))
        if distance > MAX_NEAR:
            raise QueryError(
                f"{raw} is too far apart: use at most NEAR/{MAX_NEAR}.",
                position,
                key="near_too_far",
                params={"operator": raw, "limit": MAX_NEAR},
            )
        return _Lex("NEAR", raw, position, distance)
    if raw == "NEAR" or _NEARISH.match(raw):
        raise QueryError(
            "NEAR needs a distance in words, like NEAR/5.", position, key="near_without_distance"
        )
    return _Lex("WORD", raw, position)


# ---------------------------------------------------------------------------------- parser


class _Parser:
    def __init__(self, text: str, lexemes: list[_Lex], max_depth: int) -> None:
        self.text = text
        self.lex = lexemes
        self.i = 0
        self.terms = 0
        self.depth = 0
        self.max_depth = max_depth

    def enter(self, lex: _Lex) -> None:
        """One more level of parentheses or NOT; refused past the limit, so that neither
        this recursive parser nor the recursive walks of the tree can exhaust the stack."""
        self.depth += 1
        if self.depth > self.max_depth:
            raise QueryError(
                f"The query is nested too deeply: at most {self.max_depth} levels of "
                "parentheses, NOT and -.",
                lex.position,
                key="too_deep",
                params={"limit": self.max_depth},
            )

    def peek(self) -> _Lex | None:
        return self.lex[self.i] if self.i < len(self.lex) else None

    def take(self) -> _Lex:
        lex = self.lex[self.i]
        self.i += 1
        return lex

    def parse(self) -> Node | None:
        node = self.query()
        extra = self.peek()
        if extra is not None:
            raise QueryError(
                'This ")" has no matching "(".', extra.position, key="unmatched_close_paren"
            )
        return node

    def query(self) -> Node | None:
        parts: list[Node] = []
        while True:
            lex = self.peek()
            if lex is None or lex.kind == "RPAREN":
                break
            if lex.kind == "AND":
                self.take()
                if not parts:
                    raise QueryError(
                        '"AND" needs a word, phrase or group on both sides.',
                        lex.position,
                        key="operator_needs_both_sides",
                        params={"operator": "AND"},
                    )
                nxt = self.peek()
                if nxt is None or nxt.kind in ("RPAREN", "AND", "OR"):
                    raise QueryError(
                        '"AND" needs a word, phrase or group on both sides.',
                        lex.position,
                        key="operator_needs_both_sides",
                        params={"operator": "AND"},
                    )
                continue
            if lex.kind == "OR":
                raise QueryError(
                    '"OR" needs a word, phrase or group on both sides.',
                    lex.position,
                    key="operator_needs_both_sides",
                    params={"operator": "OR"},
                )
            node = self.clause()
            if node is not None:
                parts.append(node)
        if not parts:
            return None
        return parts[0] if len(parts) == 1 else And(tuple(parts))

    def clause(self) -> Node | None:
        first_lex = self.peek()
        first = self.unary()
        alternatives = [first]
        while (lex := self.peek()) is not None and lex.kind == "OR":
            self.take()
            nxt = self.peek()
            if nxt is None or nxt.kind in ("RPAREN", "AND", "OR"):
                raise QueryError(
                    '"OR" needs a word, phrase or group on both sides.',
                    lex.position,
                    key="operator_needs_both_sides",
                    params={"operator": "OR"},
                )
            alternatives.append(self.unary())
        present = [a for a in alternatives if a is not None]
        if len(alternatives) > 1 and len(present) < len(alternatives):
            pos = first_lex.position if first_lex is not None else 0
            raise QueryError(
                "One side of this OR has no words to look for.", pos, key="or_side_empty"
            )
        if not present:
            return None
        return present[0] if len(present) == 1 else Or(tuple(present))

    def unary(self) -> Node | None:
        lex = self.peek()
        assert lex is not None
        if lex.kind in ("NOT", "MINUS"):
            self.take()
            nxt = self.peek()
            what = '"NOT"' if lex.kind == "NOT" else 'A "-"'
            key = "not_needs_operand" if lex.kind == "NOT" else "minus_needs_operand"
            if nxt is None or nxt.kind in ("RPAREN", "AND", "OR", "NEAR"):
                raise QueryError(
                    f"{what} needs a word, phrase or group after it.", lex.position, key=key
                )
            self.enter(lex)
            child = self.unary()
            self.depth -= 1
            if child is None:
                raise QueryError(
                    f"{what} needs a word, phrase or group after it.", lex.position, key=key
                )
            return Not(child, lex.position)
        return self.near()

    def near(self) -> Node | None:
        left_lex = self.peek()
        left = self.primary()
        lex = self.peek()
        if lex is None or lex.kind != "NEAR":
            return left
        self.take()
        nxt = self.peek()
        if nxt is None or nxt.kind in ("RPAREN", "AND", "OR", "NEAR"):
            raise QueryError(
                f"{lex.text} needs a word or phrase on both sides.",
                lex.position,
                key="near_needs_both_sides",
                params={"operator": lex.text},
            )
        right = self.primary()
        if not isinstance(left, Term) or not isinstance(right, Term):
            assert left_lex is not None
            raise QueryError(
                f"{lex.text} joins two words or quoted phrases, like Bourita NEAR/5 Albares.",
                lex.position,
                key="near_needs_terms",
                params={"operator": lex.text},
            )
        after = self.peek()
        if after is not None and after.kind == "NEAR":
            raise QueryError(
                "Only two words or phrases can be joined by NEAR; use AND between pairs.",
                after.position,
                key="near_chain",
            )
        return Near(left, right, lex.value)

    def primary(self) -> Node | None:
        lex = self.take()
        if lex.kind == "LPAREN":
            self.enter(lex)
            inner = self.query()
            self.depth -= 1
            close = self.peek()
            if close is None:
                raise QueryError(
                    'This parenthesis is never closed: add a ")".',
                    lex.position,
                    key="unclosed_paren",
                )
            self.take()
            if inner is None:
                raise QueryError("These parentheses are empty.", lex.position, key="empty_parens")
            return inner
        if lex.kind == "TITLE":
            nxt = self.peek()
            if nxt is None or nxt.kind not in ("WORD", "PHRASE"):
                raise QueryError(
                    '"title:" must be followed by a word or a quoted phrase, '
                    'like title:Macron or title:"Coupe du monde".',
                    lex.position,
                    key="title_needs_term",
                )
            return self.term(self.take(), title=True)
        if lex.kind in ("WORD", "PHRASE"):
            return self.term(lex, title=False)
        if lex.kind == "RPAREN":
            raise QueryError(
                'This ")" has no matching "(".', lex.position, key="unmatched_close_paren"
            )
        if lex.kind == "NEAR":
            raise QueryError(
                f"{lex.text} needs a word or phrase on both sides.",
                lex.position,
                key="near_needs_both_sides",
                params={"operator": lex.text},
            )
        # reached by NOT or "-" right after NEAR/n, as in ``a NEAR/5 NOT b``
        raise QueryError(
            f'"{lex.text}" is misplaced here.',
            lex.position,
            key="misplaced_operator",
            params={"operator": lex.text},
        )

    def term(self, lex: _Lex, *, title: bool) -> Term | None:
        words = tuple(tokenize(lex.text))
        if not words:
            if lex.kind == "PHRASE":
                raise QueryError("These quotes contain no words.", lex.position, key="empty_phrase")
            return None  # bare punctuation such as ":" is not a word
        self.terms += 1
        return Term(words, lex.text, lex.kind == "PHRASE", title, lex.position)


def _check_positive(node: Node) -> None:
    """Every alternative of the query must look for something, not only exclude."""
    _check_alternatives(node)
    if not _has_positive(node):
        raise QueryError(
            "The query only excludes words: add at least one word to look for.",
            _first_position(node),
            key="only_exclusions",
        )


def _check_alternatives(node: Node) -> None:
    if isinstance(node, Or):
        for child in node.children:
            if not _has_positive(child):
                raise QueryError(
                    "This alternative of an OR only excludes words: "
                    "add a word to look for, or move the exclusion outside the OR.",
                    _first_position(child),
                    key="or_alternative_only_excludes",
                )
            _check_alternatives(child)
    elif isinstance(node, And):
        for child in node.children:
            _check_alternatives(child)
    elif isinstance(node, Not):
        _check_alternatives(node.child)


def _has_positive(node: Node) -> bool:
    if isinstance(node, Term | Near):
        return True
    if isinstance(node, Not):
        return False
    if isinstance(node, And):
        return any(_has_positive(c) for c in node.children)
    return all(_has_positive(c) for c in node.children)


def _first_position(node: Node) -> int:
    if isinstance(node, Term):
        return node.position
    if isinstance(node, Near):
        return node.left.position
    if isinstance(node, Not):
        return node.position
    return _first_position(node.children[0])


def count_terms(node: Node) -> list[Term]:
    """All terms of the tree, in query order."""
    if isinstance(node, Term):
        return [node]
    if isinstance(node, Near):
        return [node.left, node.right]
    if isinstance(node, Not):
        return count_terms(node.child)
    out: list[Term] = []
    for child in node.children:
        out.extend(count_terms(child))
    return out


def parse(text: str, limits: QueryLimits) -> Node:
    """Parse a query into a syntax tree, or raise `QueryError`."""
    if not text.strip():
        raise QueryError("The query is empty: type the words to look for.", 0, key="empty_query")
    if len(text) > limits.max_length:
        raise QueryError(
            f"The query is too long: at most {limits.max_length} characters, "
            f"this one has {len(text)}.",
            limits.max_length,
            key="query_too_long",
            params={"limit": limits.max_length, "length": len(text)},
        )
    parser = _Parser(text, _lex(text), limits.max_depth)
    node = parser.parse()
    if node is None:
        raise QueryError("The query has no words to look for.", 0, key="no_words")
    terms = count_terms(node)
    if len(terms) > limits.max_terms:
        raise QueryError(
            f"Too many terms: at most {limits.max_terms} words or phrases per query, "
            f"this one has {len(terms)}.",
            terms[limits.max_terms].position,
            key="too_many_terms",
            params={"limit": limits.max_terms, "count": len(terms)},
        )
    _check_positive(node)
    return node
