"""What kind of document a fetched body is: a feed, an HTML page, JSON, something else.

Rules:

- The document decides when it can, from its first 4 KB: the first element after the
  prolog (XML declaration, comments, DOCTYPE), an HTML doctype, a ``{``/``[`` for JSON,
  or an RSS/Atom/RDF root soon after some junk (PHP warnings printed before the XML).
- The HTTP content type is only a fallback, when the document says nothing, since servers
  routinely mislabel feeds as ``text/html``.
"""

from __future__ import annotations

import re

from bot.sources.decode import bom_encoding

__all__ = [
    "FEED_MEDIA_TYPES",
    "FEED_ROOTS",
    "FEED_START_RE",
    "HTML_TAGS",
    "is_html",
    "looks_like_feed",
    "sniff_root",
]

_PROLOG_RE = re.compile(
    r"\A(?:\s+|<\?.*?\?>|<!--.*?-->|<!DOCTYPE\b(?:[^>\[]|\[.*?\])*>)*", re.DOTALL | re.IGNORECASE
)
_DOCTYPE_HTML_RE = re.compile(r"<!DOCTYPE\s+html\b", re.IGNORECASE)
_ROOT_RE = re.compile(r"<([A-Za-z_][\w.\-]*(?::[A-Za-z_][\w.\-]*)?)")
# Local names of the root element of an RSS, Atom or RDF document.
FEED_ROOTS = frozenset({"rss", "feed", "rdf"})
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
HTML_TAGS = frozenset(
    {"html", "head", "body", "div", "p", "span", "meta", "link", "script", "style", "title"}
)
# A feed root further down, e.g. after PHP warnings printed before the XML.
FEED_START_RE = re.compile(r"<(?:rss|feed|[A-Za-z_][\w.\-]*:RDF)[\s>/]")


def _head_text(body: bytes) -> str:
    """The first 4 KB as text, good enough to look at markup (ASCII names)."""
    head = body[:4096]
    bom = bom_encoding(head)
    if bom is not None:
        return head[bom[1] :].decode(bom[0], errors="ignore")
    return head.decode("latin-1")


def sniff_root(body: bytes) -> str | None:
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
    root = sniff_root(body)
    if root in FEED_ROOTS:
        return True
    if root in HTML_TAGS or root == "json":
        return False
    if FEED_START_RE.search(_head_text(body)):
        return True
    if root is not None:  # some other XML vocabulary: sitemap, OPML, ...
        return False
    return _mime(content_type) in _FEED_MIME_TYPES


def is_html(body: bytes, content_type: str) -> bool:
    """True if the body is (probably) an HTML page."""
    root = sniff_root(body)
    if root in HTML_TAGS:
        return True
    if root in FEED_ROOTS or root == "json":
        return False
    return _mime(content_type) in ("text/html", "application/xhtml+xml")
