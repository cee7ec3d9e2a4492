"""Which links of an HTML listing page are articles, when no CSS selector says so.

Rules:

- Only ``http(s)`` links on the page's own site (the host it was served from or the host
  of its ``<base href>``; ``www.`` ignored), never the page itself or the site root, never
  links inside ``<nav>``, ``<header>``, ``<footer>``, ``<aside>``, ``<form>`` or inside
  elements whose class/id names a menu, breadcrumb, pagination, share, social, tag or
  related-section (``rubriques``) block (unless an ``<article>`` holds them).
- Never paths through a category/tag/author/login/search/page/feed/... segment, nor
  files (images, PDF, scripts, feeds).
- An article's address looks like one: a date in the path, a numeric id (4+ digits that
  are not a year, or an opaque id mixing letters and digits), or a slug of 3+ words (or
  20+ characters).  An address with none of them ("/most-recent/", "/actualite/windows-11/")
  is a section unless its block says otherwise: a heading or an ``<article>`` that repeats
  on the page.
- An article's headline (:mod:`bot.sources.link_title`) is a headline, not a menu label:
  one word never is; two or three words ("Les derniers tests", "TRANSFERTS 2021 -
  2022", "فيروس كورونا") only on a dated path.
- Then points: 2 each for the date, the id and the slug, 2 for sitting in an
  ``<article>`` or a heading (or holding one), 1 for a title-like class, 1 for a headline
  of 4+ words (or 25+ characters), 1 when the link's block repeats on the page (the same
  tags and classes, numbers aside, around three or more article-like links); a short
  headline loses 3.  A URL whose links score 3+ is an article.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import unquote, urlsplit

from selectolax.lexbor import LexborHTMLParser, LexborNode

from bot.sources.link_title import TitleKind, link_title, word_count
from bot.sources.urls import canonical_url

__all__ = [
    "HEADING_TAGS",
    "MAX_ANCESTORS",
    "PathSign",
    "ancestors_of",
    "class_id",
    "heuristic_links",
    "path_signs",
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
    r"|social|footer|header|topbar|tags?|categories|rubriques)(?:$|[\s_-])",
    re.IGNORECASE,
)
_TITLE_CLASS_RE = re.compile(r"title|headline", re.IGNORECASE)
_DIGITS_RE = re.compile(r"\d{4,}")
_DIGITS_ANY_RE = re.compile(r"\d+")
_YEAR_RE = re.compile(r"(?:19|20)\d\d")
# /2014/07/..., /2014/world/7/..., 2014-07-24
_DATE_PATH_RE = re.compile(
    r"/(?:19|20)\d\d/(?:[^/]+/)?(?:0?[1-9]|1[0-2])(?:/|$)|(?:19|20)\d\d-\d\d-\d\d"
)
# An opaque id segment mixing letters and digits ("p0cd5tgr", "w3ct3rp0").
_OPAQUE_ID_RE = re.compile(r"(?=(?:[a-z]*\d){2})(?=\d*[a-z])[a-z0-9]{6,16}")
_WORD_SPLIT_RE = re.compile(r"[-_+.\s]+")
_MIN_SCORE = 3
_REPEATED = 3
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


class PathSign(StrEnum):
    """What makes an address look like an article's."""

    DATE = "date"
    ID = "id"
    SLUG = "slug"


def _has_id(text: str) -> bool:
    return any(not _YEAR_RE.fullmatch(run) for run in _DIGITS_RE.findall(text))


def path_signs(url: str, hosts: frozenset[str]) -> frozenset[PathSign] | None:
    """The article signs of ``url``'s address, ``None`` if it is excluded (another site,
    the root, a skipped segment, a file)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or _host(url) not in hosts:
        return None
    path = unquote(parts.path)
    segments = [s for s in path.split("/") if s]
    if not segments and not parts.query:
        return None
    if any(s.lower() in _SKIP_SEGMENTS for s in segments) or _FILE_RE.search(path):
        return None
    signs: set[PathSign] = set()
    stems = [re.sub(r"\.(?:s?html?|php|aspx?)$", "", s, flags=re.IGNORECASE) for s in segments]
    for stem in stems:
        words = [w for w in _WORD_SPLIT_RE.split(stem) if w and not w.isdigit()]
        if len(words) >= 3 or len(stem) >= 20:
            signs.add(PathSign.SLUG)
    last = stems[-1].lower() if stems else ""
    if _has_id(path) or _has_id(parts.query) or _OPAQUE_ID_RE.fullmatch(last):
        signs.add(PathSign.ID)
    if _DATE_PATH_RE.search(path):
        signs.add(PathSign.DATE)
    return frozenset(signs)


def _headline_score(title: str, signs: frozenset[PathSign]) -> int | None:
    """Points for a headline-like title, ``None`` for a menu label."""
    words = word_count(title)
    if words <= 1 or (words <= 3 and PathSign.DATE not in signs):
        return None
    if len(title) >= 25 or words >= 4:
        return 1
    if len(title) < 10:
        return -3
    return 0


def _signature(node: LexborNode, ancestors: list[LexborNode]) -> tuple[str, ...]:
    """The link's tags and classes and those of its two nearest ancestors (numbers in
    class names aside: ``item-1``, ``item-2`` are one block repeated)."""
    return tuple(
        f"{n.tag}.{_DIGITS_ANY_RE.sub('', n.attributes.get('class') or '')}"
        for n in [node, *ancestors[:2]]
    )


@dataclass(slots=True)
class _Candidate:
    url: str
    node: LexborNode
    score: int
    signature: tuple[str, ...]
    signs: frozenset[PathSign]
    framed: bool  # in a heading or an <article>, or holding a heading


def heuristic_links(tree: LexborHTMLParser, base: str, page_url: str) -> list[LexborNode]:
    """The links of the page that score as articles (see the module rules), in page order;
    a URL linked several times is listed once per link."""
    own = {canonical_url(page_url), canonical_url(base)}
    hosts = frozenset({_host(page_url), _host(base)})
    candidates: list[_Candidate] = []
    for node in tree.css("a[href]"):
        href = node.attributes.get("href") or ""
        if not href.strip() or href.strip().startswith(("#", "javascript:", "mailto:", "tel:")):
            continue
        url = canonical_url(href, base)
        if url in own:
            continue
        signs = path_signs(url, hosts)
        if signs is None or _in_chrome(node):
            continue
        title = link_title(node)
        if title is None:
            continue
        text_points = _headline_score(title.text, signs)
        if text_points is None:
            continue
        ancestors = ancestors_of(node, MAX_ANCESTORS)
        framed = title.kind is TitleKind.HEADING or any(
            a.tag in HEADING_TAGS or a.tag == "article" for a in ancestors
        )
        score = 2 * len(signs) + text_points + (2 if framed else 0)
        if any(_TITLE_CLASS_RE.search(class_id(a)) for a in [node, *ancestors[:2]]):
            score += 1
        signature = _signature(node, ancestors)
        candidates.append(_Candidate(url, node, score, signature, signs, framed))
    repeats = Counter(c.signature for c in candidates)
    articles: set[str] = set()
    for c in candidates:
        repeated = repeats[c.signature] >= _REPEATED
        # An address with no sign of an article needs the block around it to say so.
        if (c.signs or (c.framed and repeated)) and c.score + repeated >= _MIN_SCORE:
            articles.add(c.url)
    return [c.node for c in candidates if c.url in articles]
