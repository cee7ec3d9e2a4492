"""Split Telegram HTML into messages that each fit Telegram's length limit.

Length is measured as Telegram measures it: UTF-16 code units of the *visible* text, after
tags are removed and entities decoded (``&amp;`` counts 1, an emoji outside the BMP 2).

Where a part ends, in order of preference: after a sentence (``.``, ``!``, ``?``, ``؟``, ``…``
followed by a space) or at a line break; else at a space between words; else (one word longer
than the limit) between two characters. A boundary is only taken when it keeps the part at
least ``MIN_FILL`` of the limit, so a long sentence never leaves a tiny part before it.
A cut is never inside a tag or an entity; tags open at a cut are closed at the end of the part
and reopened (with their attributes, e.g. a link's ``href``) at the start of the next one.
Spaces at a cut are dropped.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

MIN_FILL = 0.5
_SENTENCE_END = frozenset(".!?؟…")
_TOKEN = re.compile(
    r"(?P<tag><(?P<close>/?)(?P<name>[a-zA-Z][a-zA-Z0-9-]*)(?:\s[^<>]*)?>)"
    r"|(?P<entity>&(?:#\d+|#[xX][0-9a-fA-F]+|[a-zA-Z]\w*);)"
)


def utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def visible_length(markup: str) -> int:
    """The length Telegram counts for an HTML message (UTF-16 units of the visible text)."""
    return sum(token.width for token in _tokens(markup))


@dataclass(frozen=True, slots=True)
class _Token:
    raw: str
    kind: str  # text | open | close
    width: int = 0  # UTF-16 units shown
    name: str = ""  # tag name for open/close

    @property
    def is_space(self) -> bool:
        return self.kind == "text" and self.raw.isspace()


def _tokens(markup: str) -> list[_Token]:
    tokens: list[_Token] = []

    def text(chunk: str) -> None:
        tokens.extend(_Token(char, "text", utf16_length(char)) for char in chunk)

    position = 0
    for found in _TOKEN.finditer(markup):
        text(markup[position : found.start()])
        raw = found.group(0)
        if found.group("tag"):
            kind = "close" if found.group("close") else "open"
            tokens.append(_Token(raw, kind, 0, found.group("name").lower()))
        else:
            tokens.append(_Token(raw, "text", utf16_length(html.unescape(raw))))
        position = found.end()
    text(markup[position:])
    return tokens


class _Stack:
    """Tags open at a point: their opening text, to close and reopen them at a cut."""

    def __init__(self) -> None:
        self.open: list[_Token] = []

    def apply(self, token: _Token) -> None:
        if token.kind == "open":
            self.open.append(token)
        elif token.kind == "close":
            for depth in range(len(self.open) - 1, -1, -1):
                if self.open[depth].name == token.name:
                    del self.open[depth:]
                    break

    def reopen(self) -> str:
        return "".join(token.raw for token in self.open)

    def close(self) -> str:
        return "".join(f"</{token.name}>" for token in reversed(self.open))


def _best_cut(tokens: list[_Token], start: int, end: int, floor: int) -> int:
    """Where to end a part holding ``tokens[start:end]`` (all of which fit): an index whose
    token is where the next part begins."""
    sentence = word = -1
    shown = 0
    previous = ""  # the last visible character before this token (tags skipped)
    for index in range(start, end):
        token = tokens[index]
        if token.is_space and index > start and shown >= floor:
            word = index
            if token.raw == "\n" or previous in _SENTENCE_END:
                sentence = index
        if token.kind == "text":
            previous = token.raw
        shown += token.width
    cut = sentence if sentence != -1 else word if word != -1 else end
    # Closing tags right after the cut stay in this part, opening tags right before it move
    # to the next one: no part ends or starts with an empty element.
    while cut < len(tokens) and tokens[cut].kind == "close":
        cut += 1
    while cut - 1 > start and tokens[cut - 1].kind == "open":
        cut -= 1
    return cut


def split_html(html: str, limit: int = 4096) -> list[str]:
    """Split Telegram HTML at sentence (else word) boundaries, never inside a tag or an entity;
    tags open at a cut are closed and reopened in the next part."""
    if limit < 2:
        raise ValueError("limit must be at least 2")
    tokens = _tokens(html)
    if sum(token.width for token in tokens) <= limit:
        return [html] if html.strip() else []
    floor = int(limit * MIN_FILL)
    parts: list[str] = []
    stack = _Stack()
    start = 0
    while start < len(tokens):
        # Spaces at the start of a part are dropped (tags there are kept).
        while start < len(tokens) and tokens[start].is_space:
            start += 1
        prefix = stack.reopen()
        shown = 0
        end = start
        while end < len(tokens) and shown + tokens[end].width <= limit:
            shown += tokens[end].width
            end += 1
        cut = end if end == len(tokens) else _best_cut(tokens, start, end, floor)
        if cut == start:  # not even one character fits (cannot happen with limit >= 2)
            cut = start + 1
        for token in tokens[start:cut]:
            stack.apply(token)
        body = "".join(token.raw for token in tokens[start:cut])
        if any(token.width for token in tokens[start:cut] if not token.is_space):
            parts.append(prefix + body + stack.close())
        start = cut
    return parts
