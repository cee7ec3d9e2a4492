"""Bytes to text for fetched documents, done here rather than left to a parser, because
legacy Arabic sites often serve windows-1256 with a missing or contradictory charset.

Rules, in order (the first that applies wins):

1. a byte-order mark;
2. bytes that are valid UTF-8 are UTF-8 (legacy single-byte Arabic or French text is
   practically never valid UTF-8, so this cannot misfire on them); so are bytes cut off
   mid-character, or with a few stray invalid bytes among (at least four times as many)
   valid multi-byte characters;
3. the document's own guesses, each used only if it decodes the whole document without
   error: for XML (:func:`decode_document`) the encoding in the XML declaration, then the
   HTTP charset; for HTML (:func:`decode_html`) the HTTP charset, then the ``<meta>``
   charset;
4. the best-reading single-byte decoding (:mod:`bot.sources.charset_evidence`): the
   encodings our outlets use (windows-1252/ISO-8859-1, windows-1256/ISO-8859-6) and
   charset-normalizer's ranked candidates, scored on the text each one gives, not
   charset-normalizer's first guess (which reads Latin-1 Portuguese as cp1257 and
   windows-1252 French as cp1250); charset-normalizer's guess as it is when that is a
   multi-byte encoding (UTF-16, a CJK one); finally UTF-8 with replacement characters.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Callable, Iterable

from charset_normalizer import from_bytes

from bot.sources.charset_evidence import best_single_byte

__all__ = ["bom_encoding", "decode_document", "decode_html", "html_charset"]

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
_META_CHARSET_RE = re.compile(
    rb"""<meta\b[^>]*?\bcharset\s*=\s*["']?\s*([A-Za-z][A-Za-z0-9._:\-]*)""", re.IGNORECASE
)


def bom_encoding(body: bytes) -> tuple[str, int] | None:
    """The encoding a byte-order mark (or a UTF-16 ``<?`` start) names, and the number of
    bytes to skip; ``None`` without one."""
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
    body; the best-reading candidate (rule 4); finally UTF-8 with replacement characters."""
    bom = bom_encoding(body)
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
    matches = from_bytes(body)
    best = matches.best()
    if best is None:
        return body.decode("utf-8", errors="replace")
    guessed = str(best)
    if len(guessed) != len(body):  # a multi-byte encoding: not ours to second-guess
        return guessed
    text = best_single_byte(body, [match.encoding for match in matches])
    return text if text is not None else guessed


def _xml_encoding(body: bytes) -> str | None:
    """The encoding an ``<?xml ... encoding="..."?>`` declaration names, if any."""
    match = _XML_DECL_ENCODING_RE.search(body[:4096])
    return match.group(1).decode("ascii") if match else None


def decode_document(body: bytes, charset: str | None = None) -> str:
    """Decode an XML/feed document; see the module docstring for the order of guesses."""
    return _decode(body, lambda: (_xml_encoding(body), charset))


def html_charset(body: bytes) -> str | None:
    """The charset a page declares in ``<meta charset>`` or ``<meta http-equiv
    content="...; charset=...">`` (within its first 64 KB), if any."""
    match = _META_CHARSET_RE.search(body[:65536])
    return match.group(1).decode("ascii").lower() if match else None


def decode_html(body: bytes, charset: str | None = None) -> str:
    """Decode an HTML page: a byte-order mark; valid UTF-8; the HTTP ``charset``;
    the page's ``<meta>`` charset (each only if it decodes the whole page); then the
    best-reading candidate (rule 4); finally UTF-8 with replacement characters."""
    return _decode(body, lambda: (charset, html_charset(body)))
