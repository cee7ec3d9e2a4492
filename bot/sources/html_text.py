"""HTML to plain text, for titles, summaries and anchor texts.

Rules:

- Only visible text: ``script``, ``style``, ``svg``, ``head``, media and form widgets are
  dropped with their content; entities are decoded; whitespace is collapsed.
- Block elements (``p``, ``div``, ``li``, ``br``, headings...) are line breaks (or spaces
  when one line is asked for); table cells and images are spaces; inline elements add
  nothing, so ``<b>J</b>ohn`` stays one word while ``<p>a</p><p>b</p>`` never glues.
- A text that says it is plain (:func:`markup_text`) is still read as HTML when it carries
  real tags (double-escaped titles, scripts): its tags must not reach an alert.
"""

from __future__ import annotations

import html
import re

from selectolax.lexbor import LexborHTMLParser, LexborNode

__all__ = ["html_to_text", "markup_text"]

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


def markup_text(value: str, declared: str, *, multiline: bool) -> str:
    """Plain text of ``value``, a text whose type is ``declared`` (a media type such as
    ``text/html`` or ``text/plain``; empty when unknown)."""
    # Feed parsers mark RSS text that contains markup as text/html; Atom declares it.
    # "Plain" text that carries real HTML tags (double-escaped titles, scripts) is
    # markup all the same: its tags and script bodies must not reach an alert.
    if (
        "html" in declared
        or (not declared and _TAG_LIKE_RE.search(value))
        or _HTML_TAG_RE.search(value)
    ):
        return html_to_text(value, multiline=multiline)
    # Plain text: "a < b" stays as is, but double-escaped entities are decoded.
    return _join_lines(html.unescape(value) if "&" in value else value, multiline)
