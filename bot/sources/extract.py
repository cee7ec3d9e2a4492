"""The main text of an article page, and the URL the page calls canonical.

Decoding follows the same order as elsewhere: a byte-order mark, valid UTF-8, the HTTP
charset, ``<meta charset>`` / ``http-equiv``, then detection (so windows-1256 Arabic pages
come out right). A page past the HTML limits (size, nesting depth; see
:mod:`bot.sources.html_guard`) is refused before any parser sees it. The main text is
trafilatura's (boilerplate, menus, comments and tables dropped), cut at ``MAX_TEXT_CHARS``.
CPU-bound: it runs in the parse pool's workers (``ParsePool.extract``), within its budget.
"""

from __future__ import annotations

import re
from configparser import ConfigParser
from dataclasses import dataclass
from functools import cache
from urllib.parse import urlsplit

from selectolax.lexbor import LexborHTMLParser

from bot.sources.decode import decode_document
from bot.sources.html_guard import check_html
from bot.sources.urls import canonical_url

__all__ = ["MAX_TEXT_CHARS", "PageText", "extract_page", "warm_up"]

MAX_TEXT_CHARS = 100_000
_META_CHARSET = re.compile(
    rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-:.]+)""", re.IGNORECASE
)


@cache
def _config() -> ConfigParser:
    """trafilatura's settings (imported on first use: it is slow to import)."""
    from trafilatura.settings import use_config

    config: ConfigParser = use_config()
    # Pages beyond this many elements are not worth the CPU (a listing, a broken page).
    config.set("DEFAULT", "MAX_TREE_SIZE", "50000")
    # Short dispatches are articles too.
    config.set("DEFAULT", "MIN_EXTRACTED_SIZE", "100")
    # The parse pool's budget bounds the time (a worker that overruns is killed).
    config.set("DEFAULT", "EXTRACTION_TIMEOUT", "0")
    return config


def warm_up() -> None:
    """Import trafilatura now (a worker does it before its first page, whose time budget
    would otherwise pay for the import)."""
    _config()


@dataclass(frozen=True, slots=True)
class PageText:
    text: str  # "" when nothing article-like was found
    canonical: str | None  # absolute http(s) URL from <link rel="canonical">, normalised


def _decode(body: bytes, charset: str | None) -> str:
    declared = _META_CHARSET.search(body[:8192])
    meta = declared.group(1).decode("ascii", "replace") if declared else None
    if charset is None and meta is not None:
        charset = meta
    return decode_document(body, charset)


def _canonical(tree: LexborHTMLParser, base: str) -> str | None:
    for node in tree.css("link[rel]"):
        rels = (node.attributes.get("rel") or "").lower().split()
        href = node.attributes.get("href")
        if "canonical" in rels and href and href.strip():
            url = canonical_url(href, base)
            return url if urlsplit(url).scheme in ("http", "https") else None
    return None


def extract_page(body: bytes, *, url: str, charset: str | None = None) -> PageText:
    """The page's main text and canonical URL. Raises :class:`SourceError` for a page past
    the HTML limits; never on bad HTML."""
    markup = _decode(body, charset)
    check_html(markup)
    try:
        canonical = _canonical(LexborHTMLParser(markup), url)
    except Exception:  # selectolax refuses some binary junk
        canonical = None
    import trafilatura

    try:
        text = trafilatura.extract(
            markup,
            url=url,
            include_comments=False,
            include_tables=False,
            favor_precision=True,
            deduplicate=False,
            config=_config(),
        )
    except Exception:  # trafilatura/lxml on hostile input: no text, never a crash
        text = None
    return PageText(text=(text or "").strip()[:MAX_TEXT_CHARS], canonical=canonical)
