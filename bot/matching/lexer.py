"""The query language's lexer: the typed query as a list of lexemes with their positions.

Rules: spaces, commas and semicolons (also Arabic ones) separate words.  Straight, curly
and French quotes (``" “ ” „ « »``) all delimit phrases, and an unclosed quote is an
error.  Only upper-case ``AND``, ``OR``, ``NOT`` are operators; lower-case
``and``/``or``/``not`` (French *or*, English *not* …) are ordinary words.  ``NEAR/n`` is
recognised in any case, with n at most `MAX_NEAR`; a bare ``NEAR`` or ``NEAR/`` without a
number is an error.  A minus (hyphen-minus, minus sign, en or em dash) excludes the word it
is attached to; a detached one is an error.  ``title:`` (any case) prefixes the word or
phrase that follows it.  Every lexeme and every `QueryError` carries the character offset
in the query as typed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from bot.matching.types import QueryError

MAX_NEAR: Final = 50
QUOTES: Final = frozenset('"\u201c\u201d\u201e\u00ab\u00bb\u201f')
_SEPARATORS: Final = frozenset(",;\u060c\u061b")
_MINUS: Final = frozenset("-\u2212\u2013\u2014")  # hyphen-minus, minus sign, en and em dash
_NEAR = re.compile(r"(?i)near/(\d+)")
_NEARISH = re.compile(r"(?i)near/")


class Kind(StrEnum):
    """What a lexeme is; the operators' values are their spellings in a query."""

    WORD = "WORD"
    PHRASE = "PHRASE"
    LPAREN = "LPAREN"
    RPAREN = "RPAREN"
    AND = "AND"
    OR = "OR"
    NOT = "NOT"
    MINUS = "MINUS"
    NEAR = "NEAR"
    TITLE = "TITLE"


@dataclass(frozen=True, slots=True)
class Lexeme:
    kind: Kind
    text: str
    position: int
    value: int = 0


def scan(text: str) -> list[Lexeme]:
    out: list[Lexeme] = []
    i = 0
    n = len(text)
    while i < n:
        ch = text[i]
        if ch.isspace() or ch in _SEPARATORS:
            i += 1
        elif ch == "(":
            out.append(Lexeme(Kind.LPAREN, ch, i))
            i += 1
        elif ch == ")":
            out.append(Lexeme(Kind.RPAREN, ch, i))
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
            out.append(Lexeme(Kind.PHRASE, text[i + 1 : j], i))
            i = j + 1
        elif ch in _MINUS and (i + 1 >= n or text[i + 1].isspace() or text[i + 1] in _MINUS):
            raise QueryError(
                'A "-" must be attached to the word it excludes, like -macaron.',
                i,
                key="detached_minus",
            )
        elif ch in _MINUS:
            out.append(Lexeme(Kind.MINUS, ch, i))
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
                out.append(Lexeme(Kind.TITLE, raw[:6], i))
                i += 6
                continue
            out.append(_classify(raw, i))
            i = j
    return out


def _classify(raw: str, position: int) -> Lexeme:
    if raw in ("AND", "OR", "NOT"):
        return Lexeme(Kind(raw), raw, position)
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
        return Lexeme(Kind.NEAR, raw, position, distance)
    if raw == "NEAR" or _NEARISH.match(raw):
        raise QueryError(
            "NEAR needs a distance in words, like NEAR/5.", position, key="near_without_distance"
        )
    return Lexeme(Kind.WORD, raw, position)
