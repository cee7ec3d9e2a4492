"""Feed parsing (RSS 0.9x/1.0/2.0, Atom, RDF) into plain-text entries.

Decoding is done here rather than left to feedparser, because legacy Arabic
sites often serve windows-1256 with a missing or contradictory charset:

1. a byte-order mark wins;
2. bytes that are valid UTF-8 are UTF-8 (legacy single-byte Arabic or French
   text is practically never valid UTF-8, so this cannot misfire on them); so
   are bytes cut off mid-character, or with a few stray invalid bytes among
   (at least four times as many) valid multi-byte characters;
3. otherwise the encoding in the XML declaration, then the HTTP charset, each
   used only if it decodes the whole document without error;
4. otherwise charset-normalizer's best guess; finally UTF-8 with replacement.

The text is then handed to feedparser as UTF-8 with a matching declaration.

Hostile documents: a DTD that declares entities (entity expansion, "billion
laughs", external entities reading local files or URLs) is refused by expat itself
(:mod:`bot.sources.xml_guard`) with a :class:`HostileXmlError` (kind ``hostile``);
any other DOCTYPE (old RSS 0.91 DTD references) is dropped unread with the rest of
the prolog, so nothing is ever fetched or expanded.  A feed
with more than ``max_items`` items is cut *before* parsing to the newest
``max_items`` (the first ones, or the last ones when the document is oldest
first), so a 10,000-item feed costs what a 500-item one does.
"""

from __future__ import annotations

import codecs
import hashlib
import html
import io
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, tzinfo
from html.entities import name2codepoint
from typing import Any

import feedparser
from charset_normalizer import from_bytes
from selectolax.lexbor import LexborHTMLParser, LexborNode

from bot.sources.bounds import (
    MAX_SUMMARY_CHARS,
    MAX_TEXT_CHARS,
    MAX_TITLE_CHARS,
    bounded_guid,
    bounded_url,
    clip,
)
from bot.sources.dates import parse_date_naive, site_zone, to_utc
from bot.sources.errors import FeedParseError
from bot.sources.urls import canonical_url
from bot.sources.xml_guard import HOSTILE_ENTITIES, HostileXmlError, guard_prolog

__all__ = [
    "DEFAULT_MAX_ITEMS",
    "HOSTILE_ENTITIES",
    "FeedParseError",
    "HostileXmlError",
    "ParsedEntry",
    "ParsedFeed",
    "decode_document",
    "decode_html",
    "html_to_text",
    "is_html",
    "looks_like_feed",
    "parse_feed",
]


DEFAULT_MAX_ITEMS = 500


@dataclass(frozen=True, slots=True)
class ParsedEntry:
    """One article of a source.  ``published`` is aware (UTC) or ``None`` (unknown:
    the pipeline uses first-seen time); ``text`` is the full text when the source
    itself carries it (a Telegram post), else empty.  Every field is cut to the
    limits of :mod:`bot.sources.bounds` when the entry is made."""

    guid: str
    url: str
    title: str
    summary: str
    published: datetime | None
    text: str = ""

    def __post_init__(self) -> None:
        # The one place every source kind's articles pass: no field is longer than
        # bot.sources.bounds allows, whatever the source sent.
        bounded = (
            ("guid", bounded_guid(self.guid)),
            ("url", bounded_url(self.url)),
            ("title", clip(self.title, MAX_TITLE_CHARS)),
            ("summary", clip(self.summary, MAX_SUMMARY_CHARS)),
            ("text", clip(self.text, MAX_TEXT_CHARS)),
        )
        for name, value in bounded:
            if value is not getattr(self, name):
                object.__setattr__(self, name, value)


@dataclass(frozen=True, slots=True)
class ParsedFeed:
    """A parsed source document of any kind.  ``ttl``: seconds the source asks
    clients to wait between polls (RSS ``<ttl>``, ``sy:updatePeriod``), if any."""

    title: str
    link: str | None
    entries: list[ParsedEntry]
    ttl: float | None = None


# --------------------------------------------------------------------------- HTML -> text

# Elements whose boundaries are line breaks in rendered text.
_BLOCK_TAGS = frozenset(
    {
        "address",
        "article",
        "aside",
        "blockquote",
        "br",
        "caption",
        "dd",
        "details",
        "dialog",
        "div",
        "dl",
        "dt",
        "fieldset",
        "figcaption",
        "figure",
        "footer",
        "form",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hgroup",
        "hr",
        "li",
        "main",
        "nav",
        "ol",
        "p",
        "pre",
        "section",
        "summary",
        "table",
        "tbody",
        "tfoot",
        "thead",
        "tr",
        "ul",
    }
)
# Elements that separate words without breaking the line.
_SPACE_TAGS = frozenset({"td", "th", "img", "input", "label", "option", "wbr"})
# Elements whose content is never visible text.
_SKIP_TAGS = frozenset(
    {
        "script",
        "style",
        "noscript",
        "template",
        "iframe",
        "object",
        "embed",
        "svg",
        "math",
        "head",
        "title",
        "select",
        "canvas",
        "video",
        "audio",
    }
)
_WS_RE = re.compile(r"\s+")
_TAG_LIKE_RE = re.compile(r"<[A-Za-z/!?]")
_HTML_TAG_RE = re.compile(
    r"</?(?:script|style|iframe|object|embed|svg|noscript|template|img|a|b|i|u|em|strong|span"
    r"|font|p|br|div|small|sup|sub|mark|h[1-6])(?:\s[^>]*)?/?>",
    re.IGNORECASE,
)


def _separator(tag: str) -> str:
    if tag in _BLOCK_TAGS:
        return "\n"
    if tag in _SPACE_TAGS:
        return " "
    return ""


def _join_lines(text: str, multiline: bool) -> str:
    lines = [_WS_RE.sub(" ", line).strip() for line in text.split("\n")]
    return ("\n" if multiline else " ").join(line for line in lines if line)


def html_to_text(markup: str, *, multiline: bool = True) -> str:
    """Visible text of an HTML fragment, entities decoded, whitespace collapsed.

    Block elements (``p``, ``div``, ``li``, ``br``, headings...) become line
    breaks when ``multiline`` is true and spaces otherwise; table cells and
    images become spaces; inline elements add nothing, so ``<b>J</b>ohn`` stays
    one word while ``<p>a</p><p>b</p>`` never glues into ``ab``.
    """
    if "<" not in markup and "&" not in markup:
        return _join_lines(markup, multiline)
    body = LexborHTMLParser(markup).body
    if body is None:
        return ""
    out: list[str] = []
    stack: list[LexborNode] = []
    node = body.first_child
    while node is not None:
        tag = node.tag or ""
        if tag == "-text":
            out.append(_WS_RE.sub(" ", node.text_content or ""))
        elif not tag.startswith("-") and tag not in _SKIP_TAGS:
            out.append(_separator(tag))
            child = node.first_child
            if child is not None:
                stack.append(node)
                node = child
                continue
            out.append(_separator(tag))
        nxt = node.next
        while nxt is None and stack:
            parent = stack.pop()
            out.append(_separator(parent.tag or ""))
            nxt = parent.next
        node = nxt
    return _join_lines("".join(out), multiline)


def _plain(value: object, detail: object, *, multiline: bool) -> str:
    """Plain text of a feedparser text construct (title, summary, content)."""
    if not isinstance(value, str) or not value:
        return ""
    kind = ""
    if isinstance(detail, Mapping):
        kind = str(detail.get("type") or "")
    # feedparser marks RSS text that contains markup as text/html; Atom declares it.
    # "Plain" text that carries real HTML tags (double-escaped titles, scripts) is
    # markup all the same: its tags and script bodies must not reach an alert.
    if "html" in kind or (not kind and _TAG_LIKE_RE.search(value)) or _HTML_TAG_RE.search(value):
        return html_to_text(value, multiline=multiline)
    # Plain text: "a < b" stays as is, but double-escaped entities are decoded.
    return _join_lines(html.unescape(value) if "&" in value else value, multiline)


# --------------------------------------------------------------------------- decoding

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_XML_DECL_ENCODING_RE = re.compile(
    rb"""<\?xml\b[^>]*?\bencoding\s*=\s*["']([A-Za-z][A-Za-z0-9._:\-]*)["']"""
)


def _bom_encoding(body: bytes) -> tuple[str, int] | None:
    for bom, name in _BOMS:
        if body.startswith(bom):
            return name, len(bom)
    if body.startswith(b"<\x00?\x00"):
        return "utf-16-le", 0
    if body.startswith(b"\x00<\x00?"):
        return "utf-16-be", 0
    return None


def _try_decode(body: bytes, encoding: str | None) -> str | None:
    if not encoding:
        return None
    try:
        name = codecs.lookup(encoding).name
        return body.decode(name)
    except (LookupError, UnicodeError):
        return None


def _as_utf8(body: bytes) -> str | None:
    """``body`` as UTF-8 if it is UTF-8: strictly valid, valid but cut off in the
    middle of a character, or valid apart from a few stray bytes (one bad byte
    must not turn a whole Arabic UTF-8 feed into a single-byte guess)."""
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.reason == "unexpected end of data" and exc.start >= len(body) - 3:
            return body[: exc.start].decode("utf-8", errors="replace")
    text = body.decode("utf-8", errors="replace")
    bad = text.count("\ufffd")
    good = len(text) - len(text.encode("ascii", errors="ignore")) - bad
    # Legacy single-byte text (windows-1256 Arabic, windows-1252 French) almost
    # never forms a valid multi-byte sequence, and yields a replacement for
    # nearly every letter; real UTF-8 with a few stray bytes is the reverse.
    if good >= 4 * bad:
        return text
    return None


def _decode(body: bytes, guesses: Callable[[], Iterable[str | None]]) -> str:
    """A byte-order mark; valid UTF-8; each of ``guesses()`` that decodes the whole
    body; charset-normalizer's guess; finally UTF-8 with replacement characters."""
    bom = _bom_encoding(body)
    if bom is not None:
        name, skip = bom
        return body[skip:].decode(name, errors="replace")
    text = _as_utf8(body)
    if text is not None:
        return text
    for candidate in guesses():
        text = _try_decode(body, candidate)
        if text is not None:
            return text
    best = from_bytes(body).best()
    if best is not None:
        return str(best)
    return body.decode("utf-8", errors="replace")


def _xml_encoding(body: bytes) -> str | None:
    """The encoding an ``<?xml ... encoding="..."?>`` declaration names, if any."""
    match = _XML_DECL_ENCODING_RE.search(body[:4096])
    return match.group(1).decode("ascii") if match else None


def decode_document(body: bytes, charset: str | None = None) -> str:
    """Decode an XML/feed document; see the module docstring for the order of guesses."""
    return _decode(body, lambda: (_xml_encoding(body), charset))


_META_CHARSET_RE = re.compile(
    rb"""<meta\b[^>]*?\bcharset\s*=\s*["']?\s*([A-Za-z][A-Za-z0-9._:\-]*)""", re.IGNORECASE
)


def html_charset(body: bytes) -> str | None:
    """The charset a page declares in ``<meta charset>`` or ``<meta http-equiv
    content="...; charset=...">`` (within its first 64 KB), if any."""
    match = _META_CHARSET_RE.search(body[:65536])
    return match.group(1).decode("ascii").lower() if match else None


def decode_html(body: bytes, charset: str | None = None) -> str:
    """Decode an HTML page: a byte-order mark; valid UTF-8; the HTTP ``charset``;
    the page's ``<meta>`` charset (each only if it decodes the whole page); then
    charset-normalizer's guess; finally UTF-8 with replacement characters."""
    return _decode(body, lambda: (charset, html_charset(body)))


# --------------------------------------------------------------------------- sniffing

_PROLOG_RE = re.compile(
    r"\A(?:\s+|<\?.*?\?>|<!--.*?-->|<!DOCTYPE\b(?:[^>\[]|\[.*?\])*>)*", re.DOTALL | re.IGNORECASE
)
_DOCTYPE_HTML_RE = re.compile(r"<!DOCTYPE\s+html\b", re.IGNORECASE)
_ROOT_RE = re.compile(r"<([A-Za-z_][\w.\-]*(?::[A-Za-z_][\w.\-]*)?)")
_FEED_ROOTS = frozenset({"rss", "feed", "rdf"})
# Media types that name a feed (in Content-Type, or in <link rel="alternate" type=...>).
FEED_MEDIA_TYPES = frozenset(
    {
        "application/rss+xml",
        "application/atom+xml",
        "application/rdf+xml",
        "application/x-rss+xml",
        "application/x-atom+xml",
        "text/rss+xml",
        "text/atom+xml",
    }
)
_FEED_MIME_TYPES = FEED_MEDIA_TYPES | {"application/xml", "text/xml"}
# First elements that mean "this is an HTML page" (fragments included).
_HTML_TAGS = frozenset(
    {"html", "head", "body", "div", "p", "span", "meta", "link", "script", "style", "title"}
)
# A feed root further down, e.g. after PHP warnings printed before the XML.
_FEED_START_RE = re.compile(r"<(?:rss|feed|[A-Za-z_][\w.\-]*:RDF)[\s>/]")


def _head_text(body: bytes) -> str:
    """The first 4 KB as text, good enough to look at markup (ASCII names)."""
    head = body[:4096]
    bom = _bom_encoding(head)
    if bom is not None:
        return head[bom[1] :].decode(bom[0], errors="ignore")
    return head.decode("latin-1")


def _sniff_root(body: bytes) -> str | None:
    """Local name (lower-cased) of the document's first element, ``"html"`` for an
    HTML doctype, ``"json"`` for a JSON document, or ``None`` if undecidable."""
    text = _head_text(body)
    prolog = _PROLOG_RE.match(text)
    end = prolog.end() if prolog else 0
    if _DOCTYPE_HTML_RE.search(text, 0, end):
        return "html"
    if text[end : end + 1] in ("{", "["):
        return "json"
    root = _ROOT_RE.match(text, end)
    if root is None:
        return None
    return root.group(1).lower().rpartition(":")[2]


def _mime(content_type: str) -> str:
    return content_type.partition(";")[0].strip().lower()


def looks_like_feed(body: bytes, content_type: str) -> bool:
    """True if the body is (probably) an RSS/Atom/RDF document.

    The document itself decides when it can: its root element, or an RSS/Atom
    root soon after some junk (PHP warnings).  The content type is only a
    fallback, since servers routinely mislabel feeds as text/html.
    """
    root = _sniff_root(body)
    if root in _FEED_ROOTS:
        return True
    if root in _HTML_TAGS or root == "json":
        return False
    if _FEED_START_RE.search(_head_text(body)):
        return True
    if root is not None:  # some other XML vocabulary: sitemap, OPML, ...
        return False
    return _mime(content_type) in _FEED_MIME_TYPES


def is_html(body: bytes, content_type: str) -> bool:
    """True if the body is (probably) an HTML page."""
    root = _sniff_root(body)
    if root in _HTML_TAGS:
        return True
    if root in _FEED_ROOTS or root == "json":
        return False
    return _mime(content_type) in ("text/html", "application/xhtml+xml")


# --------------------------------------------------------------------------- parsing

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


def _prepare_xml(
    text: str, max_items: int = DEFAULT_MAX_ITEMS, known: frozenset[str] = frozenset()
) -> bytes:
    text = _XML_INVALID_RE.sub("", text.lstrip("\ufeff \t\r\n"))
    # Output printed before the declaration (PHP warnings) makes strict parsing fail.
    junk = _JUNK_BEFORE_DECL_RE.match(text[:4096])
    if junk is not None and not _FEED_START_RE.search(junk.group(0)):
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


def _describe(exc: object) -> str:
    get_message = getattr(exc, "getMessage", None)
    get_line = getattr(exc, "getLineNumber", None)
    if callable(get_message):
        message = str(get_message())
        if callable(get_line):
            return f"{message} at line {get_line()}"
        return message
    return str(exc)[:120] or type(exc).__name__


def _struct_time(parsed: object) -> datetime | None:
    if not isinstance(parsed, tuple) or len(parsed) < 6:
        return None
    try:
        year, month, day, hour, minute, second = (int(v) for v in parsed[:6])
        return datetime(year, month, day, hour, minute, min(second, 59), tzinfo=UTC)
    except (TypeError, ValueError, OverflowError):
        return None


def _summary(raw: Mapping[str, Any]) -> str:
    """The longest of summary/description and content, as plain text."""
    candidates = [_plain(raw.get("summary"), raw.get("summary_detail"), multiline=True)]
    content = raw.get("content")
    if isinstance(content, list):
        for item in content:
            if isinstance(item, Mapping):
                candidates.append(_plain(item.get("value"), item, multiline=True))
    return max(candidates, key=len)


def _entry(raw: Mapping[str, Any], base_url: str) -> ParsedEntry | None:
    title = _plain(raw.get("title"), raw.get("title_detail"), multiline=False)
    link = raw.get("link")
    url = canonical_url(link, base_url) if isinstance(link, str) and link.strip() else ""
    if not title and not url:
        return None
    summary = _summary(raw)
    raw_id = raw.get("id")
    guid = raw_id.strip() if isinstance(raw_id, str) else ""
    if not guid:
        guid = url
    if not guid:
        digest = hashlib.sha1(f"{title}\n{summary}".encode(), usedforsecurity=False)
        guid = f"sha1:{digest.hexdigest()}"
    return ParsedEntry(guid=guid, url=url, title=title, summary=summary, published=None)


def _own(raw: Mapping[str, Any], key: str) -> object:
    """``raw[key]`` without FeedParserDict's fallbacks (``updated`` → ``published``
    with a deprecation warning)."""
    if isinstance(raw, dict):
        return dict.get(raw, key)
    return raw.get(key)


def _raw_date(raw: Mapping[str, Any]) -> datetime | None:
    """The entry's time as written (naive if it names no zone)."""
    for key in ("published", "updated", "created"):
        stamp = parse_date_naive(_own(raw, key), slow=False)
        if stamp is not None:
            return stamp
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        stamp = _struct_time(_own(raw, key))
        if stamp is not None:
            return stamp
    for key in ("published", "updated", "created"):
        stamp = parse_date_naive(_own(raw, key))
        if stamp is not None:
            return stamp
    return None


_SY_PERIODS = {"hourly": 3600.0, "daily": 86400.0, "weekly": 604800.0, "monthly": 2592000.0}


def _ttl(feed: Mapping[str, Any]) -> float | None:
    """Seconds between polls the feed asks for: RSS ``<ttl>`` (minutes) and the
    syndication module's ``updatePeriod``/``updateFrequency``; the larger wins."""
    found: list[float] = []
    try:
        minutes = float(str(feed.get("ttl") or "").strip())
        if 0 < minutes < 1e6:
            found.append(minutes * 60)
    except ValueError:
        pass
    period = _SY_PERIODS.get(str(feed.get("sy_updateperiod") or "").strip().lower())
    if period is not None:
        try:
            frequency = float(str(feed.get("sy_updatefrequency") or "1").strip())
        except ValueError:
            frequency = 1.0
        found.append(period / frequency if frequency >= 1 else period)
    return max(found) if found else None


# expat's messages for a document that simply stops.
_EOF_ERRORS = ("no element found", "unclosed token", "unclosed CDATA section")
_LAST_OPEN_RE = re.compile(r"<(?:[A-Za-z_][\w.\-]*:)?(?:item|entry)[\s>]")
_LAST_CLOSE_RE = re.compile(r"</(?:[A-Za-z_][\w.\-]*:)?(?:item|entry)\s*>")


def _cut_inside_last_entry(data: bytes, bozo_exception: object) -> bool:
    """True if the document was truncated in the middle of its last item/entry."""
    if not any(message in _describe(bozo_exception) for message in _EOF_ERRORS):
        return False
    text = data.decode("utf-8", errors="replace")
    opens = [m.start() for m in _LAST_OPEN_RE.finditer(text)]
    closes = [m.start() for m in _LAST_CLOSE_RE.finditer(text)]
    return bool(opens) and (not closes or opens[-1] > closes[-1])


def parse_feed(
    body: bytes,
    *,
    base_url: str,
    charset: str | None = None,
    max_items: int = DEFAULT_MAX_ITEMS,
    zone: tzinfo | None = None,
    known: frozenset[str] = frozenset(),
) -> ParsedFeed:
    """Parse an RSS/Atom/RDF document (or a JSON Feed, handed to :mod:`jsonfeed`).

    ``base_url`` (normally the feed's URL) resolves relative links; ``charset``
    is the HTTP charset, if any.  A document that is slightly malformed but still
    yields entries is accepted (an item cut off by a truncated download is
    dropped); one that yields no entries and is malformed, or is not a feed at
    all, raises :class:`FeedParseError`.  At most ``max_items`` entries (the
    newest).  Times without a zone take the zone the feed's other times use,
    else ``zone``, else UTC.  Items whose guid is in ``known`` (already stored) may be
    left out of the result.
    """
    if not body.strip():
        raise FeedParseError("not a feed: empty document")
    root = _sniff_root(body)
    if root in _HTML_TAGS:
        raise FeedParseError("not a feed: looks like an HTML page")
    if root == "json":
        from bot.sources.jsonfeed import parse_json_feed  # it builds on this module

        return parse_json_feed(
            body, base_url=base_url, charset=charset, max_items=max_items, zone=zone
        )

    data = _prepare_xml(decode_document(body, charset), max_items, known)
    result: Any = feedparser.parse(
        io.BytesIO(data),
        response_headers={
            "content-type": "application/xml; charset=utf-8",
            "content-location": base_url,
        },
        # We never output the HTML (html_to_text drops tags, scripts and styles) nor
        # the links inside it: feedparser's sanitiser and URI rewriting only cost time.
        resolve_relative_uris=False,
        sanitize_html=False,
    )
    version = str(result.get("version") or "")
    bozo = bool(result.get("bozo"))
    raw_entries = list(result.get("entries") or [])
    if raw_entries and bozo and _cut_inside_last_entry(data, result.get("bozo_exception")):
        # A half-received item would be stored with a cut title/summary and never
        # updated (same guid); drop it, the next complete poll brings it back.
        raw_entries.pop()
    raw_entries = raw_entries[:max_items]
    stamps = [_raw_date(raw) for raw in raw_entries]
    local = site_zone(stamps) or zone
    entries: list[ParsedEntry] = []
    for raw, stamp in zip(raw_entries, stamps, strict=True):
        entry = _entry(raw, base_url)
        if entry is not None:
            published = to_utc(stamp, local) if stamp is not None else None
            entries.append(replace(entry, published=published))

    if not entries and (bozo or not version):
        if bozo:
            reason = f"malformed XML ({_describe(result.get('bozo_exception'))})"
        elif root is not None and root not in _FEED_ROOTS:
            reason = f"unexpected root element <{root}>"
        else:
            reason = "no RSS or Atom content found"
        raise FeedParseError(f"not a feed: {reason}")

    feed: Mapping[str, Any] = result.get("feed") or {}
    feed_link = feed.get("link")
    site_link = None
    if isinstance(feed_link, str) and feed_link.strip():
        site_link = canonical_url(feed_link, base_url)
    return ParsedFeed(
        title=_plain(feed.get("title"), feed.get("title_detail"), multiline=False),
        link=site_link,
        entries=entries,
        ttl=_ttl(feed),
    )


def keep_newest(entries: list[ParsedEntry], max_items: int) -> list[ParsedEntry]:
    """At most ``max_items`` entries: the newest by ``published`` (undated ones count
    as oldest), in their original order."""
    if len(entries) <= max_items:
        return entries
    floor = datetime.min.replace(tzinfo=UTC)
    ranked = sorted(
        range(len(entries)), key=lambda i: (entries[i].published or floor, -i), reverse=True
    )
    kept = sorted(ranked[:max_items])
    return [entries[i] for i in kept]


def title_from_url(url: str) -> str:
    """A readable stand-in title from a URL's last path segment
    (``/politique/laftit-preside-reunion-45821.html`` → ``laftit preside reunion``),
    for sources that give only links (plain sitemaps)."""
    from urllib.parse import unquote, urlsplit

    segment = unquote(urlsplit(url).path.rstrip("/").rpartition("/")[2])
    segment = re.sub(r"\.(?:html?|php|aspx?)$", "", segment, flags=re.IGNORECASE)
    words = [w for w in re.split(r"[-_+\s.]+", segment) if w and not w.isdigit()]
    return " ".join(words)
