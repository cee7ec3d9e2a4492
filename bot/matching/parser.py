"""The query language's parser: lexemes to a syntax tree, refusing what it cannot mean.

Grammar, loosest binding first::

    query   := clause ( [AND] clause )*          # juxtaposition means AND
    clause  := unary ( OR unary )*               # OR binds tighter than AND
    unary   := NOT unary | "-" unary | near
    near    := primary [ NEAR/n primary ]        # both sides words or phrases
    primary := "(" query ")" | [title:] ( word | "phrase" )

so ``a b OR c`` is ``a AND (b OR c)``, as in web search engines; `describe` always shows
the parentheses.  The lexical rules (operators, quotes, separators) are in
`bot.matching.lexer`.  A raw word that normalises to several words (``Béni-Mellal``,
``COVID-19``) is an implicit phrase.

Every error is a `QueryError` whose ``position`` is the character offset of the problem in
the query as typed.  Length and number of terms are limited by `QueryLimits`.  Nesting
(parentheses, ``NOT`` and ``-``) is limited to `QueryLimits.max_depth` levels: the parser
and every walk of the tree recurse, and a deeper query is refused with a `QueryError`
before it can exhaust the stack; chains of ``AND``/``OR`` build flat nodes and do not nest.
"""

from __future__ import annotations

from bot.matching.lexer import Kind, Lexeme, scan
from bot.matching.syntax import And, Near, Node, Not, Or, Term, check_positive, count_terms
from bot.matching.tokens import tokenize
from bot.matching.types import QueryError, QueryLimits


class _Parser:
    def __init__(self, lexemes: list[Lexeme], max_depth: int) -> None:
        self.lex = lexemes
        self.i = 0
        self.depth = 0
        self.max_depth = max_depth

    def enter(self, lex: Lexeme) -> None:
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

    def peek(self) -> Lexeme | None:
        return self.lex[self.i] if self.i < len(self.lex) else None

    def take(self) -> Lexeme:
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
            if lex is None or lex.kind is Kind.RPAREN:
                break
            if lex.kind is Kind.AND:
                self.take()
                if not parts:
                    raise QueryError(
                        '"AND" needs a word, phrase or group on both sides.',
                        lex.position,
                        key="operator_needs_both_sides",
                        params={"operator": "AND"},
                    )
                nxt = self.peek()
                if nxt is None or nxt.kind in (Kind.RPAREN, Kind.AND, Kind.OR):
                    raise QueryError(
                        '"AND" needs a word, phrase or group on both sides.',
                        lex.position,
                        key="operator_needs_both_sides",
                        params={"operator": "AND"},
                    )
                continue
            if lex.kind is Kind.OR:
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
        while (lex := self.peek()) is not None and lex.kind is Kind.OR:
            self.take()
            nxt = self.peek()
            if nxt is None or nxt.kind in (Kind.RPAREN, Kind.AND, Kind.OR):
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
        if lex.kind in (Kind.NOT, Kind.MINUS):
            self.take()
            nxt = self.peek()
            what = '"NOT"' if lex.kind is Kind.NOT else 'A "-"'
            key = "not_needs_operand" if lex.kind is Kind.NOT else "minus_needs_operand"
            if nxt is None or nxt.kind in (Kind.RPAREN, Kind.AND, Kind.OR, Kind.NEAR):
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
        if lex is None or lex.kind is not Kind.NEAR:
            return left
        self.take()
        nxt = self.peek()
        if nxt is None or nxt.kind in (Kind.RPAREN, Kind.AND, Kind.OR, Kind.NEAR):
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
        if after is not None and after.kind is Kind.NEAR:
            raise QueryError(
                "Only two words or phrases can be joined by NEAR; use AND between pairs.",
                after.position,
                key="near_chain",
            )
        return Near(left, right, lex.value)

    def primary(self) -> Node | None:
        lex = self.take()
        if lex.kind is Kind.LPAREN:
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
        if lex.kind is Kind.TITLE:
            nxt = self.peek()
            if nxt is None or nxt.kind not in (Kind.WORD, Kind.PHRASE):
                raise QueryError(
                    '"title:" must be followed by a word or a quoted phrase, '
                    'like title:Macron or title:"Coupe du monde".',
                    lex.position,
                    key="title_needs_term",
                )
            return self.term(self.take(), title=True)
        if lex.kind in (Kind.WORD, Kind.PHRASE):
            return self.term(lex, title=False)
        if lex.kind is Kind.RPAREN:
            raise QueryError(
                'This ")" has no matching "(".', lex.position, key="unmatched_close_paren"
            )
        if lex.kind is Kind.NEAR:
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

    def term(self, lex: Lexeme, *, title: bool) -> Term | None:
        words = tuple(tokenize(lex.text))
        if not words:
            if lex.kind is Kind.PHRASE:
                raise QueryError("These quotes contain no words.", lex.position, key="empty_phrase")
            return None  # bare punctuation such as ":" is not a word
        return Term(words, lex.text, lex.kind is Kind.PHRASE, title, lex.position)


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
    parser = _Parser(scan(text), limits.max_depth)
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
    check_positive(node)
    return node
