"""OPML 1.0/2.0: the outlines of a subscription list, and a list written back out.

Parsing is safe: defusedxml's expat handlers refuse every entity declaration (billion
laughs, parameter entities) and external entity as the parser meets it, before anything is
expanded or read (``OpmlError`` of kind ``hostile``); a DOCTYPE without them is fine.
Every ``<outline>`` with an ``xmlUrl`` counts, at any depth (folders nest them); only
http(s) URLs are kept, each once, at most ``MAX_OUTLINES``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime
from xml.etree.ElementTree import Element, SubElement, tostring

import defusedxml.ElementTree as SafeET  # type: ignore[import-untyped]
from defusedxml import DefusedXmlException

from bot.sources.errors import ErrorKind
from bot.sources.urls import canonical_url
from bot.sources.xml_guard import HostileXmlError, refuse_declarations

__all__ = ["MAX_OUTLINES", "OpmlError", "OpmlOutline", "build_opml", "parse_opml"]

MAX_OUTLINES = 2000
MAX_OPML_BYTES = 2_000_000
_HOSTILE = (
    "refused: the file declares XML entities (entity expansion and external entities are"
    " never processed)"
)


class OpmlError(Exception):
    """Not a usable OPML document; ``str(error)`` is fit to show an admin. ``kind``: why
    (``too_large``, ``parse``, or ``hostile`` for entity declarations)."""

    def __init__(self, reason: str, *, kind: ErrorKind = ErrorKind.PARSE) -> None:
        super().__init__(reason)
        self.kind = kind


@dataclass(frozen=True, slots=True)
class OpmlOutline:
    url: str  # the feed (xmlUrl)
    title: str
    page_url: str | None = None  # htmlUrl


def _local(tag: object) -> str:
    return str(tag).rpartition("}")[2].lower()


def parse_opml(data: bytes) -> list[OpmlOutline]:
    """The feed outlines of an OPML document, in document order. Raises OpmlError."""
    if len(data) > MAX_OPML_BYTES:
        raise OpmlError(
            f"file larger than {MAX_OPML_BYTES // 1_000_000} MB", kind=ErrorKind.TOO_LARGE
        )
    try:
        root = SafeET.fromstring(data, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    except DefusedXmlException:
        raise OpmlError(_HOSTILE, kind=ErrorKind.HOSTILE) from None
    except SafeET.ParseError as exc:
        try:  # unreadable before expat could see what it declares: the token refuses it
            refuse_declarations(data)
        except HostileXmlError:
            raise OpmlError(_HOSTILE, kind=ErrorKind.HOSTILE) from None
        raise OpmlError(f"not valid XML ({exc})") from exc
    if _local(root.tag) != "opml":
        raise OpmlError("not an OPML file (the root element is not <opml>)")
    outlines: list[OpmlOutline] = []
    seen: set[str] = set()
    for node in root.iter():
        if _local(node.tag) != "outline":
            continue
        attributes = {name.lower(): value for name, value in node.attrib.items()}
        raw = (attributes.get("xmlurl") or "").strip()
        if not raw.lower().startswith(("http://", "https://")):
            continue
        url = canonical_url(raw)
        if url in seen:
            continue
        seen.add(url)
        title = (attributes.get("title") or attributes.get("text") or "").strip()
        page = (attributes.get("htmlurl") or "").strip() or None
        outlines.append(OpmlOutline(url=url, title=title[:255], page_url=page))
        if len(outlines) >= MAX_OUTLINES:
            break
    return outlines


def build_opml(outlines: Sequence[OpmlOutline], *, title: str, now: datetime) -> bytes:
    """An OPML 2.0 document listing ``outlines`` (UTF-8, with an XML declaration)."""
    root = Element("opml", version="2.0")
    head = SubElement(root, "head")
    SubElement(head, "title").text = title
    SubElement(head, "dateCreated").text = format_datetime(now)
    body = SubElement(root, "body")
    for outline in outlines:
        attributes = {"type": "rss", "text": outline.title, "title": outline.title}
        attributes["xmlUrl"] = outline.url
        if outline.page_url:
            attributes["htmlUrl"] = outline.page_url
        SubElement(body, "outline", attributes)
    document: bytes = tostring(root, encoding="utf-8", xml_declaration=True)
    return document
