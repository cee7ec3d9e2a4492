"""Refuse XML entity declarations in the parser itself, before any parser that could
expand an entity sees the document.

Entity expansion ("billion laughs", quadratic blow-up) and external entities (a local
file or a URL read into a title) need a declaration: ``<!ENTITY ...>`` in the document's
DTD.  Where the DTD ends is decided by expat, not by scanning text: a comment, a
processing instruction or a quoted literal inside the DTD can hold ``<rss`` or
``<!ENTITY`` without ending or starting anything.

:func:`guard_prolog` runs expat over the document up to its root element with handlers
that raise on every entity declaration (general or parameter, internal, external or
unparsed) and on every external entity reference; the external DTD subset is never
loaded.  Parsing stops at the root element's start tag: the DTD can only come before it,
so the cost is the size of the prolog, not of the document.

- A declaration: :class:`HostileXmlError`, nothing expanded or fetched.
- No declaration: the byte offset of the root element.  Callers that hand the document
  to a parser with its own (regex-based) DOCTYPE handling, such as feedparser, drop
  everything before that offset, so the next parser never sees a DTD at all.
- A prolog expat cannot read (junk printed before the XML, a broken DOCTYPE): ``None``.
  Nothing can be known about what it declares, so it is refused if the token
  ``<!ENTITY`` appears anywhere in it (no parser, strict or lenient, can declare an
  entity without that token); otherwise the caller's lenient fallback may read it.
  This text check can only refuse a document, never admit one.
"""

from __future__ import annotations

import re
from typing import NoReturn
from xml.parsers import expat

from bot.sources.errors import ErrorKind, FeedParseError

__all__ = ["HOSTILE_ENTITIES", "HostileXmlError", "guard_prolog", "refuse_declarations"]

HOSTILE_ENTITIES = (
    "the document declares XML entities (refused: entity expansion and external"
    " entities are never processed)"
)
# Case-insensitive and with optional blanks: wider than what any parser accepts.
_ENTITY_TOKEN_RE = re.compile(rb"<!\s*ENTITY", re.IGNORECASE)


class HostileXmlError(FeedParseError):
    """The document declares XML entities; kind ``hostile``.  (``reason`` is the whole
    message, so the error pickles back unchanged from a parser process.)"""

    def __init__(self, reason: str) -> None:
        super().__init__(reason, kind=ErrorKind.HOSTILE)


def _hostile(what: str) -> HostileXmlError:
    return HostileXmlError(f"not a {what}: {HOSTILE_ENTITIES}")


class _Declared(Exception):
    """Raised from an expat handler: an entity declaration or external reference."""


class _RootReached(Exception):
    """Raised from the start-element handler: the prolog is over."""

    def __init__(self, offset: int) -> None:
        super().__init__(offset)
        self.offset = offset


def _declared(*_args: object) -> NoReturn:
    raise _Declared


def guard_prolog(data: bytes, what: str = "document") -> int | None:
    """The byte offset of the root element of ``data`` (encoded as its XML declaration or
    byte-order mark says, UTF-8 by default), or ``None`` if expat cannot read the prolog
    and it holds no ``<!ENTITY`` token.  Raises :class:`HostileXmlError` (``what`` names
    the document in the message) if the prolog declares entities, or if it is unreadable
    and holds the token."""
    parser = expat.ParserCreate()
    # Never load the external DTD subset (``<!DOCTYPE x SYSTEM "http://...">``).
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.EntityDeclHandler = _declared
    parser.UnparsedEntityDeclHandler = _declared
    parser.ExternalEntityRefHandler = _declared

    def root(*_args: object) -> NoReturn:
        raise _RootReached(parser.CurrentByteIndex)

    parser.StartElementHandler = root
    try:
        parser.Parse(data, True)
    except _Declared:
        raise _hostile(what) from None
    except _RootReached as reached:
        return reached.offset
    except expat.ExpatError:
        pass
    refuse_declarations(data, what)
    return None


def refuse_declarations(data: bytes, what: str = "document") -> None:
    """Raise :class:`HostileXmlError` if ``data`` holds an ``<!ENTITY`` token at all:
    for documents no XML parser could read far enough to say what they declare."""
    if _ENTITY_TOKEN_RE.search(data) is not None:
        raise _hostile(what)
