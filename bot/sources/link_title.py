"""The headline a link of a listing page carries, without its teaser, kicker or time.

Rules:

- A link's candidates, best first: the text of a heading (``h1``-``h6``) or of an element
  with a headline-like class (``title``, ``headline``) inside the link; the link's own
  ``title`` attribute when most of its words are in the link's text (the headline the
  site wrote for the whole block, without the kicker) or the link has no text; the first
  line of the link's text (a block link's teaser and date are the lines after it); the
  ``alt`` of an image inside it.
- Never part of a headline: ``<time>`` elements, elements whose class names a date or a
  time, hidden elements (``aria-hidden``, ``hidden``), a leading element that holds only
  a date or a time ("12:30", "02/08"), a leading clock time in the text, leading bullets,
  invisible characters (:func:`bot.sources.clean_text.visible_text`).
- :func:`best_title` picks, among the links to one URL, the candidate of the best kind,
  the longest of that kind.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import IntEnum

from selectolax.lexbor import LexborHTMLParser, LexborNode

from bot.sources.clean_text import visible_text
from bot.sources.html_text import html_to_text

__all__ = ["LinkTitle", "TitleKind", "best_title", "link_title", "word_count"]

_HEADLINE_CLASS_RE = re.compile(r"(?<![a-z])(?:title|headline)", re.IGNORECASE)
_DATE_CLASS_RE = re.compile(
    r"(?<![a-z])(?:date|time|timestamp|pubdate|published)(?![a-z])", re.IGNORECASE
)
_HIDDEN_SELECTOR = '[aria-hidden="true"], [hidden], time, script, style, noscript'
# A whole element that only says when: "12:30", "12h30", "02/08", "24/07 12:30", "2021-08-02".
_STAMP_ONLY_RE = re.compile(
    r"^(?:\d{1,2}[:hH.]\d{2}|\d{1,2}/\d{1,2}(?:/\d{2,4})?|\d{4}-\d{2}-\d{2})"
    r"(?:\s*(?:-|,|à)?\s*\d{1,2}[:hH]\d{2})?$"
)
# A clock time leading the text itself ("12:30 Prime à la conversion…").
_LEADING_CLOCK_RE = re.compile(r"^\d{1,2}\s*[:hH]\s*\d{2}\b\s*[-–—|:,]?\s*")
_LEADING_BULLETS_RE = re.compile(r"^[\s•·▪►▶»|–—-]+")
_WORD_RE = re.compile(r"\w+")
_AGREEMENT = 0.7


class TitleKind(IntEnum):
    """Where a link's title came from; a higher kind is a better headline."""

    IMAGE_ALT = 0
    TEXT = 1
    TITLE_ATTRIBUTE = 2
    HEADING = 3


@dataclass(frozen=True, slots=True)
class LinkTitle:
    """A link's headline and where it was found."""

    text: str
    kind: TitleKind


def word_count(text: str) -> int:
    """Words of ``text`` (runs of letters or digits)."""
    return len(_WORD_RE.findall(text))


def _words(text: str) -> list[str]:
    return [w.casefold() for w in _WORD_RE.findall(text)]


def _tidy(text: str) -> str:
    text = _LEADING_BULLETS_RE.sub("", " ".join(visible_text(text).split()))
    clock = _LEADING_CLOCK_RE.match(text)
    if clock is not None and word_count(text[clock.end() :]) >= 2:
        text = text[clock.end() :]
    return text.strip()


def _leading_leaf(node: LexborNode) -> LexborNode | None:
    """The first element holding text at the start of ``node`` (descending first children),
    ``None`` when the link starts with text of its own."""
    child = node.first_child
    while child is not None:
        tag = child.tag or ""
        if tag == "-text":
            if (child.text_content or "").strip():
                return None
        elif not tag.startswith("-") and (child.text(deep=True) or "").strip():
            inner = _leading_leaf(child)
            return inner if inner is not None else child
        child = child.next
    return None


def _clean_fragment(node: LexborNode) -> LexborNode | None:
    """A copy of ``node``'s content without the parts that are never headline."""
    copy = LexborHTMLParser(node.html or "").body
    if copy is None:
        return None
    for hidden in copy.css(_HIDDEN_SELECTOR):
        hidden.decompose()
    for stamp in copy.css("[class]"):
        if _DATE_CLASS_RE.search(stamp.attributes.get("class") or ""):
            stamp.decompose()
    root = copy.first_child if copy.first_child is not None else copy
    leaf = _leading_leaf(root)
    if leaf is not None and _STAMP_ONLY_RE.match((leaf.text(deep=True) or "").strip()):
        leaf.decompose()
    return copy


def _agrees(attribute: str, text: str) -> bool:
    """True if most words of a ``title`` attribute are in the link's text."""
    wanted = _words(attribute)
    if len(wanted) < 2:
        return False
    have = set(_words(text))
    return sum(word in have for word in wanted) >= _AGREEMENT * len(wanted)


def link_title(node: LexborNode) -> LinkTitle | None:
    """The headline of one link (see the module rules), ``None`` when it says nothing."""
    fragment = _clean_fragment(node)
    lines: list[str] = []
    if fragment is not None:
        for inner in fragment.css("a h1, a h2, a h3, a h4, a h5, a h6, a [class]"):
            if inner.tag not in ("h1", "h2", "h3", "h4", "h5", "h6") and not (
                _HEADLINE_CLASS_RE.search(inner.attributes.get("class") or "")
            ):
                continue
            heading = _tidy(html_to_text(inner.html or "", multiline=False))
            if heading:
                return LinkTitle(heading, TitleKind.HEADING)
        lines = [_tidy(line) for line in html_to_text(fragment.html or "").split("\n")]
        lines = [line for line in lines if line]
    attribute = " ".join((node.attributes.get("title") or "").split())
    if attribute and (not lines or _agrees(attribute, " ".join(lines))):
        return LinkTitle(_tidy(attribute), TitleKind.TITLE_ATTRIBUTE)
    if lines:
        return LinkTitle(lines[0], TitleKind.TEXT)
    image = node.css_first("img[alt]")
    alt = " ".join((image.attributes.get("alt") or "").split()) if image is not None else ""
    return LinkTitle(alt, TitleKind.IMAGE_ALT) if alt else None


def best_title(links: list[LexborNode]) -> LinkTitle | None:
    """The best headline among several links to one URL: best kind, then longest."""
    titles = [title for title in map(link_title, links) if title is not None]
    if not titles:
        return None
    return max(titles, key=lambda title: (title.kind, len(title.text)))
