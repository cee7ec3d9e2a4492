"""Public Telegram channels through their web preview, ``https://t.me/s/CHANNEL``.

Rules: every ``div.tgme_widget_message`` with a ``data-post="CHANNEL/ID"`` that has
text (``.tgme_widget_message_text``, a caption included) is one entry: link and
guid ``https://t.me/CHANNEL/ID``, ``text`` and ``summary`` the post's text (line
breaks kept; quoted replies left out), title its first line with visible text
(invisible characters removed, :func:`bot.sources.clean_text.visible_text`; cut at a
word near 140 characters), published the ``<time datetime>`` of the post's date link.
Posts with no text (a bare photo) are skipped, and so are service messages (the
``service_message`` class: "Channel created", a pinned-message notice, a new photo or
name): they are not posts.  The page
lists the latest ~20 posts, oldest first; at most ``max_items`` (newest) are kept.
"""

from __future__ import annotations

import re
from datetime import tzinfo
from urllib.parse import urlsplit

from selectolax.lexbor import LexborHTMLParser, LexborNode

from bot.sources.clean_text import visible_text
from bot.sources.dates import parse_date
from bot.sources.errors import FeedParseError
from bot.sources.html_text import html_to_text
from bot.sources.model import DEFAULT_MAX_ITEMS, ParsedEntry, ParsedFeed, keep_newest

__all__ = [
    "TELEGRAM_BASE",
    "channel_name",
    "channel_url",
    "is_channel_preview",
    "parse_telegram_channel",
]

TELEGRAM_BASE = "https://t.me"

_HOSTS = frozenset({"t.me", "www.t.me", "telegram.me", "www.telegram.me", "telegram.dog"})
_NAME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_]{3,31}$")
# Paths on t.me that are not channels.
_RESERVED = frozenset(
    {"joinchat", "addstickers", "addemoji", "share", "proxy", "socks", "iv", "login", "setlanguage"}
)
_POST_RE = re.compile(r"^([A-Za-z][A-Za-z0-9_]{3,31})/(\d+)$")
_TITLE_LENGTH = 140
# The class Telegram gives a message that is a channel event, not a post.
_SERVICE_CLASS = "service_message"


def channel_name(url: str) -> str | None:
    """The channel's username if ``url`` is a public channel link (``t.me/NAME``,
    ``t.me/s/NAME``, ``t.me/NAME/123``, ``telegram.me/...``, with or without a
    scheme), else ``None``."""
    text = url.strip()
    if "://" not in text:
        text = "https://" + text
    parts = urlsplit(text)
    if (parts.hostname or "").lower() not in _HOSTS:
        return None
    segments = [s for s in parts.path.split("/") if s]
    if segments and segments[0] == "s":
        segments = segments[1:]
    if not segments or segments[0].lower() in _RESERVED or not _NAME_RE.match(segments[0]):
        return None
    return segments[0]


def channel_url(name: str, base: str = TELEGRAM_BASE) -> str:
    """The web preview URL that is polled for channel ``name``."""
    return f"{base.rstrip('/')}/s/{name}"


def is_channel_preview(body: bytes) -> bool:
    """True if an HTML page is a channel's web preview (it lists channel posts)."""
    return b"tgme_widget_message" in body and b"data-post=" in body


def _title(text: str) -> str:
    # The first line that shows something: a post often starts with an invisible
    # link (a zero-width space around a picture's address).
    line = visible_text(text).split("\n", 1)[0].strip()
    if len(line) <= _TITLE_LENGTH:
        return line
    return line[:_TITLE_LENGTH].rsplit(" ", 1)[0] + "…"


def _message_text(message: LexborNode) -> str:
    for node in message.css(".tgme_widget_message_text"):
        # A quoted reply carries its own .tgme_widget_message_text: skip it.
        parent = node.parent
        quoted = False
        while parent is not None and parent is not message:
            if "tgme_widget_message_reply" in (parent.attributes.get("class") or ""):
                quoted = True
                break
            parent = parent.parent
        if not quoted:
            return html_to_text(node.html or "", multiline=True)
    return ""


def _is_service(message: LexborNode) -> bool:
    return _SERVICE_CLASS in (message.attributes.get("class") or "").split()


def _channel_title(tree: LexborHTMLParser) -> str:
    node = tree.css_first(".tgme_channel_info_header_title")
    if node is not None and node.text(deep=True).strip():
        return " ".join(node.text(deep=True).split())
    meta = tree.css_first('meta[property="og:title"]')
    return " ".join((meta.attributes.get("content") or "").split()) if meta is not None else ""


def parse_telegram_channel(
    html: str,
    *,
    page_url: str,
    max_items: int = DEFAULT_MAX_ITEMS,
    zone: tzinfo | None = None,
) -> ParsedFeed:
    """Entries of a ``t.me/s/CHANNEL`` page; raises :class:`FeedParseError` when the
    page is not a channel preview (a private channel, or no preview enabled)."""
    tree = LexborHTMLParser(html)
    messages = tree.css("div.tgme_widget_message[data-post]")
    if not messages and tree.css_first(".tgme_channel_info, .tgme_page") is None:
        raise FeedParseError("not a Telegram channel preview page")
    entries: list[ParsedEntry] = []
    for message in messages:
        post = _POST_RE.match((message.attributes.get("data-post") or "").strip())
        if post is None or _is_service(message):
            continue
        text = _message_text(message)
        if not text:
            continue
        link = f"https://t.me/{post.group(1)}/{post.group(2)}"
        stamp = None
        time_node = message.css_first(".tgme_widget_message_date time[datetime]")
        time_node = time_node or message.css_first("time[datetime]")
        if time_node is not None:
            stamp = parse_date(time_node.attributes.get("datetime"), zone)
        entries.append(
            ParsedEntry(
                guid=link, url=link, title=_title(text), summary=text, published=stamp, text=text
            )
        )
    if not messages and tree.css_first(".tgme_channel_info") is None:
        raise FeedParseError("the channel has no public web preview")
    return ParsedFeed(
        title=_channel_title(tree), link=page_url, entries=keep_newest(entries, max_items)
    )
