"""Which links of an HTML listing page are articles, when no CSS selector says so.

Rules:

- Only ``http(s)`` links on the page's own site (``www.`` ignored), never the page
  itself or the site root, never links inside ``<nav>``, ``<header>``,
  ``<footer>``, ``<aside>``, ``<form>`` or inside elements whose class/id names a
  menu, breadcrumb, pagination, share or social block (unless an ``<article>``
  holds them).
- Never paths through a category/tag/author/login/search/page/feed/... segment, nor
  files (images, PDF, scripts, feeds).
- A link scores points for looking like an article: a long slug (3+ words or 20+
  characters), a numeric id (4+ digits), a date in the path, sitting in an
  ``<article>`` or a heading, a title-like class, a long anchor text (4+ words or 25+
  characters); a short anchor text ("Read more") loses points.  Links scoring 3+ are
  articles.
"""

from __future__ import annotations

import re
from urllib.parse import unquote, urlsplit

from selectolax.lexbor import LexborHTMLParser, LexborNode

from bot.sources.html_text import html_to_text
from bot.sources.urls import canonical_url

__all__ = [
    "HEADING_TAGS",
    "MAX_ANCESTORS",
    "ancestors_of",
    "anchor_text",
    "class_id",
    "heuristic_links",
]

_SKIP_SEGMENTS = frozenset(
    {
        "category",
        "categories",
        "categorie",
        "tag",
        "tags",
        "author",
        "authors",
        "auteur",
        "auteurs",
        "writer",
        "login",
        "logout",
        "signin",
        "sign-in",
        "signup",
        "sign-up",
        "register",
        "inscription",
        "connexion",
        "account",
        "compte",
        "profile",
        "user",
        "users",
        "search",
        "recherche",
        "page",
        "contact",
        "contact-us",
        "about",
        "about-us",
        "a-propos",
        "privacy",
        "privacy-policy",
        "terms",
        "cgu",
        "mentions-legales",
        "feed",
        "rss",
        "wp-admin",
        "wp-login.php",
        "wp-content",
        "cdn-cgi",
        "subscribe",
        "newsletter",
        "abonnement",
        "share",
        "sharer",
        "cart",
        "shop",
        "topics",
        "section",
        "rubrique",
        "archives",
    }
)
_FILE_RE = re.compile(
    r"\.(?:jpe?g|png|gif|webp|svg|ico|pdf|docx?|xlsx?|zip|rar|mp[34]|m4a|css|js|xml|rss|json|txt)$",
    re.IGNORECASE,
)
HEADING_TAGS = frozenset({"h1", "h2", "h3", "h4"})
_SKIP_CONTAINER_TAGS = frozenset({"nav", "header", "footer", "aside", "form", "menu"})
_SKIP_CLASS_RE = re.compile(
    r"(?:^|[\s_-])(?:menu|nav|navbar|navigation|breadcrumbs?|pagination|pager|share|sharing"
    r"|social|footer|header|topbar|tags?|categories)(?:$|[\s_-])",
    re.IGNORECASE,
)
_TITLE_CLASS_RE = re.compile(r"title|headline", re.IGNORECASE)
_ID_RE = re.compile(r"\d{4,}")
_DATE_PATH_RE = re.compile(r"/(?:19|20)\d\d/(?:0?[1-9]|1[0-2])(?:/|$)|(?:19|20)\d\d-\d\d-\d\d")
_WORD_SPLIT_RE = re.compile(r"[-_+\s]+")
_MIN_SCORE = 3
MAX_ANCESTORS = 6


def _host(url: str) -> str:
    host = (urlsplit(url).hostname or "").lower()
    return host[4:] if host.startswith("www.") else host


def class_id(node: LexborNode) -> str:
    """The element's ``class`` and ``id`` attributes, for matching names in both."""
    attrs = node.attributes
    return f"{attrs.get('class') or ''} {attrs.get('id') or ''}"


def ancestors_of(node: LexborNode, limit: int = 64) -> list[LexborNode]:
    """The element's ancestors, nearest first, below ``<body>``; at most ``limit``."""
    out: list[LexborNode] = []
    parent = node.parent
    while parent is not None and len(out) < limit and parent.tag not in ("body", "html"):
        out.append(parent)
        parent = parent.parent
    return out


def _in_chrome(node: LexborNode) -> bool:
    """True if the link sits in navigation, header, footer or similar page chrome
    (an ``<article>`` around it makes it content again, whatever is inside it)."""
    ancestors = ancestors_of(node)
    if any(ancestor.tag == "article" for ancestor in ancestors):
        return False
    return any(
        ancestor.tag in _SKIP_CONTAINER_TAGS or _SKIP_CLASS_RE.search(class_id(ancestor))
        for ancestor in ancestors
    )


def _path_score(url: str, page_url: str) -> int | None:
    """Points for a URL that looks like an article, ``None`` if it is excluded."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or _host(url) != _host(page_url):
        return None
    path = unquote(parts.path)
    segments = [s for s in path.split("/") if s]
    if not segments and not parts.query:
        return None
    if any(s.lower() in _SKIP_SEGMENTS for s in segments) or _FILE_RE.search(path):
        return None
    score = 0
    last = segments[-1] if segments else ""
    stem = re.sub(r"\.(?:html?|php|aspx?)$", "", last, flags=re.IGNORECASE)
    words = [w for w in _WORD_SPLIT_RE.split(stem) if w]
    if len(words) >= 3 or len(stem) >= 20:
        score += 2
    if _ID_RE.search(path) or _ID_RE.search(parts.query):
        score += 2
    if _DATE_PATH_RE.search(path):
        score += 2
    return score


def anchor_text(node: LexborNode) -> str:
    """A link's text, else its ``title``, else the ``alt`` of an image inside it."""
    text = html_to_text(node.html or "", multiline=False)
    if text:
        return text
    attrs = node.attributes
    title = attrs.get("title") or ""
    if title.strip():
        return " ".join(title.split())
    image = node.css_first("img[alt]")
    return " ".join((image.attributes.get("alt") or "").split()) if image is not None else ""


def _text_score(text: str) -> int:
    if len(text) >= 25 or len(text.split()) >= 4:
        return 1
    if len(text) < 10:
        return -3
    return 0


def heuristic_links(tree: LexborHTMLParser, base: str, page_url: str) -> list[LexborNode]:
    """The links of the page that score as articles (see the module rules), in page order;
    a URL linked several times is listed once per link."""
    own = {canonical_url(page_url), canonical_url(base)}
    scores: dict[str, int] = {}
    order: list[tuple[str, LexborNode]] = []
    for node in tree.css("a[href]"):
        href = node.attributes.get("href") or ""
        if not href.strip() or href.strip().startswith(("#", "javascript:", "mailto:", "tel:")):
            continue
        url = canonical_url(href, base)
        if url in own:
            continue
        score = _path_score(url, page_url)
        if score is None or _in_chrome(node):
            continue
        ancestors = ancestors_of(node, MAX_ANCESTORS)
        if any(a.tag in HEADING_TAGS or a.tag == "article" for a in ancestors):
            score += 2
        if any(_TITLE_CLASS_RE.search(class_id(a)) for a in [node, *ancestors[:2]]):
            score += 1
        score += _text_score(anchor_text(node))
        scores[url] = max(scores.get(url, score), score)
        order.append((url, node))
    return [node for url, node in order if scores[url] >= _MIN_SCORE]
