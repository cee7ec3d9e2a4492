"""OPML 1.0/2.0: the outlines of a subscription list, and a list written back out.

Parsing is safe: defusedxml refuses DTDs, entity declarations (billion laughs) and external
entities. Every ``<outline>`` with an ``xmlUrl`` counts, at any depth (folders nest them);
only http(s) URLs are kept, each once, at most ``MAX_OUTLINES``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime
from xml.etree.ElementTree import Element, SubElement, tostring

import defusedxml.ElementTree as SafeET  # type: ignore[import-untyped]
from defusedxml import DefusedXmlException

from bot.sources.urls import canonical_url

__all__ = ["MAX_OUTLINES", "OpmlError", "OpmlOutline", "build_opml", "parse_opml"]

MAX_OUTLINES = 2000
MAX_OPML_BYTES = 2_000_000


class OpmlError(Exception):
    """Not a usable OPML document; ``str(error)`` is fit to show an admin."""


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
        raise OpmlError(f"file larger than {MAX_OPML_BYTES // 1_000_000} MB")
    try:
        root = SafeET.fromstring(data, forbid_dtd=True)
    except DefusedXmlException as exc:
        raise OpmlError("refused: the file declares a DTD or entities") from exc
    except SafeET.ParseError as exc:
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
