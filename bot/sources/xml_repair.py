"""A fetched RSS/Atom/RDF document made safe and ready for a strict XML parser.

Rules (:func:`prepare_feed_xml`, on the decoded text, in this order):

- characters XML 1.0 forbids are dropped; output printed before the XML declaration (PHP
  warnings) is cut;
- a feed with more than ``max_items`` items is cut *before* parsing to the newest
  ``max_items`` (the first ones, or the last ones when the document is oldest first), so a
  10,000-item feed costs what a 500-item one does; items whose guid is already stored
  (``known``) are cut too;
- a bare ``&`` and HTML-only entities (``&nbsp;``) outside CDATA become well-formed XML;
- the declaration is rewritten to say UTF-8, and the bytes are UTF-8;
- hostile documents: a DTD that declares entities (entity expansion, "billion laughs",
  external entities reading local files or URLs) is refused by expat itself
  (:mod:`bot.sources.xml_guard`) with a :class:`~bot.sources.xml_guard.HostileXmlError`
  (kind ``hostile``); any other DOCTYPE (old RSS 0.91 DTD references) is dropped unread
  with the rest of the prolog, so nothing is ever fetched or expanded.
"""

from __future__ import annotations

import html
import re
from datetime import datetime
from html.entities import name2codepoint

from bot.sources.dates import parse_date_naive, to_utc
from bot.sources.model import DEFAULT_MAX_ITEMS
from bot.sources.sniff import FEED_START_RE
from bot.sources.xml_guard import guard_prolog

__all__ = ["prepare_feed_xml"]

_XML_DECL_RE = re.compile(r"\A<\?xml\b[^>]*?\?>")
_UTF8_DECL = b'<?xml version="1.0" encoding="utf-8"?>\n'
_JUNK_BEFORE_DECL_RE = re.compile(r"\A[^<]*<(?!\?xml\s).*?(?=<\?xml\s)", re.DOTALL)
_DECL_ENCODING_ATTR_RE = re.compile(r"""\bencoding\s*=\s*(["'])[^"']*\1""")
# Characters XML 1.0 forbids; legacy CMSs leak them from pasted text.
_XML_INVALID_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_CDATA_RE = re.compile(r"(<!\[CDATA\[.*?\]\]>)", re.DOTALL)
_AMP_RE = re.compile(r"&(?:(#[0-9]+|#[xX][0-9a-fA-F]+)|([A-Za-z][A-Za-z0-9]*));|&")
_XML_ENTITIES = frozenset({"amp", "lt", "gt", "quot", "apos"})


def _fix_reference(match: re.Match[str]) -> str:
    if match.group(1):  # numeric character reference
        return match.group(0)
    name = match.group(2)
    if name is None:  # bare "&", as in "R&D"
        return "&amp;"
    if name in _XML_ENTITIES:
        return match.group(0)
    codepoint = name2codepoint.get(name)
    # An HTML entity such as &nbsp; (undefined in XML) becomes a character reference.
    return f"&#{codepoint};" if codepoint is not None else f"&amp;{name};"


def _fix_entities(text: str) -> str:
    """Make bare ``&`` and HTML-only entities well-formed XML, outside CDATA, so the
    strict parser does not give up on the whole document for one of them."""
    if "&" not in text or "<!ENTITY" in text:
        return text
    pieces = _CDATA_RE.split(text)
    for index in range(0, len(pieces), 2):  # odd indexes are the CDATA sections
        pieces[index] = _AMP_RE.sub(_fix_reference, pieces[index])
    return "".join(pieces)


_ITEM_OPEN_RE = re.compile(r"<(?:[A-Za-z_][\w.\-]*:)?(?:item|entry)[\s>/]")
_ITEM_CLOSE_RE = re.compile(r"</(?:[A-Za-z_][\w.\-]*:)?(?:item|entry)\s*>")
_ITEM_DATE_RE = re.compile(
    r"<((?:[A-Za-z_][\w.\-]*:)?(?:pubDate|published|updated|date|issued))\b[^>/]*>"
    r"\s*(?:<!\[CDATA\[)?\s*([^<\]]{4,80}?)\s*(?:\]\]>)?\s*</\1\s*>"
)


def _span_date(text: str, start: int, end: int) -> datetime | None:
    match = _ITEM_DATE_RE.search(text, start, end)
    stamp = parse_date_naive(match.group(2), slow=False) if match else None
    return to_utc(stamp) if stamp is not None else None


def _limit_items(text: str, max_items: int) -> str:
    """Keep only the newest ``max_items`` items/entries of a big feed (see module doc)."""
    opens = [m.start() for m in _ITEM_OPEN_RE.finditer(text)]
    if len(opens) <= max_items:
        return text
    spans: list[tuple[int, int]] = []
    for start in opens:
        if spans and start < spans[-1][1]:
            continue  # an <item inside an item: not a real one
        close = _ITEM_CLOSE_RE.search(text, start)
        spans.append((start, close.end() if close is not None else len(text)))
    if len(spans) <= max_items:
        return text
    first = _span_date(text, *spans[0])
    last = _span_date(text, *spans[-1])
    kept = spans[-max_items:] if first and last and last > first else spans[:max_items]
    return text[: spans[0][0]] + text[kept[0][0] : kept[-1][1]] + text[spans[-1][1] :]


_GUID_RE = re.compile(
    r"<((?:[A-Za-z_][\w.\-]*:)?(?:guid|id))\b[^>/]*>\s*(?:<!\[CDATA\[)?\s*([^<\]]{1,2000}?)\s*"
    r"(?:\]\]>)?\s*</\1\s*>"
)


def _drop_known_items(text: str, known: frozenset[str]) -> str:
    """Cut the items/entries whose guid (RSS ``guid``, Atom ``id``) is in ``known``.

    A poll only stores what is new, and feedparser is by far the slowest step: an item
    already stored (same guid for this source) is skipped before it. An item whose guid is
    not recognised here is simply parsed, so a miss only costs time.
    """
    out: list[str] = []
    position = 0
    for match in _ITEM_OPEN_RE.finditer(text):
        start = match.start()
        if start < position:
            continue  # inside an item already cut
        close = _ITEM_CLOSE_RE.search(text, start)
        if close is None:
            break
        guids = {
            html.unescape(g.group(2)).strip() for g in _GUID_RE.finditer(text, start, close.start())
        }
        if guids & known:
            out.append(text[position:start])
            position = close.end()
    out.append(text[position:])
    return "".join(out)


def prepare_feed_xml(
    text: str, max_items: int = DEFAULT_MAX_ITEMS, known: frozenset[str] = frozenset()
) -> bytes:
    """The UTF-8 bytes to hand the XML parser for the decoded feed ``text`` (see the module
    docstring); raises :class:`~bot.sources.xml_guard.HostileXmlError`."""
    text = _XML_INVALID_RE.sub("", text.lstrip("\ufeff \t\r\n"))
    # Output printed before the declaration (PHP warnings) makes strict parsing fail.
    junk = _JUNK_BEFORE_DECL_RE.match(text[:4096])
    if junk is not None and not FEED_START_RE.search(junk.group(0)):
        text = text[junk.end() :]
    text = _limit_items(text, max_items)
    if known:
        text = _drop_known_items(text, known)
    text = _fix_entities(text)
    decl = _XML_DECL_RE.match(text)
    if decl is not None:
        fixed = _DECL_ENCODING_ATTR_RE.sub('encoding="utf-8"', decl.group(0))
        text = fixed + text[decl.end() :]
    data = text.encode("utf-8", errors="replace")
    # Checked last, on the very bytes feedparser gets (see xml_guard).  feedparser finds
    # the DOCTYPE and entity declarations with regexes of its own and puts back the ones
    # it deems safe, so it is given the document from its root element on: no DTD at all.
    root = guard_prolog(data, "feed")
    if root:
        data = _UTF8_DECL + data[root:]
    return data
