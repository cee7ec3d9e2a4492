"""Limits checked before HTML is parsed or a CSS selector is run: one linear pass each.

HTML (:func:`check_html`), before any HTML parser sees a page:

- At most :data:`MAX_HTML_CHARS` characters (the fetch caps bytes already; this holds
  for any caller).
- Nesting at most :data:`MAX_DEPTH` elements deep (browsers stop at 512 too).  HTML tree
  builders scan the stack of open elements as they go: lexbor took 5 s on a 200 KB page of
  40,000 nested ``<div>``.  The depth is estimated by one pass over the tags, with a stack
  of open element names that mirrors the tree builder's main rules: a list item, table
  cell or row, ``<a>``... closes the open one of its kind, a block closes an open ``<p>``
  (unless a structural element such as ``ul`` or ``table`` sits in between); an end tag
  closes the innermost open element of its name and everything opened inside it, unless
  (for a non-structural element) a structural one such as ``div`` sits in between, as the
  parser does; void elements close at once, and ``<x/>`` too inside SVG or MathML;
  comments and the text of ``script``, ``style``, ``textarea``... are skipped.  Each
  element is pushed and popped once, so the pass stays linear whatever the markup.  It is
  an estimate (implied elements such as ``tbody`` are not counted): markup crafted to
  defeat it still meets the parse pool's time budget.

CSS selectors (:func:`selector_problem`), before a selector is stored or run: at most
:data:`MAX_SELECTOR_LENGTH` characters, :data:`MAX_SELECTOR_LIST` comma-separated
selectors, :data:`MAX_COMBINATORS` combinators (descendant, ``>``, ``+``, ``~``) of which
:data:`MAX_SIBLING_COMBINATORS` general-sibling ``~`` (each one multiplies the work by the
number of siblings: ``h1 ~ p ~ p`` took 15 s on 2,000 paragraphs), :data:`MAX_PSEUDO_CLASSES`
pseudo-classes, and functional pseudo-classes (``:not(...)``) nested at most
:data:`MAX_SELECTOR_NESTING` deep.
"""

from __future__ import annotations

import re

from bot.sources.errors import ErrorKind, SourceError

__all__ = [
    "MAX_COMBINATORS",
    "MAX_DEPTH",
    "MAX_HTML_CHARS",
    "MAX_PSEUDO_CLASSES",
    "MAX_SELECTOR_LENGTH",
    "MAX_SELECTOR_LIST",
    "MAX_SELECTOR_NESTING",
    "MAX_SIBLING_COMBINATORS",
    "check_html",
    "check_selector_limits",
    "html_depth",
    "selector_problem",
]

MAX_HTML_CHARS = 6_000_000
MAX_DEPTH = 512
MAX_SELECTOR_LENGTH = 200
MAX_SELECTOR_LIST = 5
MAX_COMBINATORS = 8
MAX_SIBLING_COMBINATORS = 1
MAX_PSEUDO_CLASSES = 4
MAX_SELECTOR_NESTING = 2

# A comment's start, or a whole tag (its name; up to its ">"; the search stops at the
# document's last ">", so "[^>]*" never runs past the end and the pass stays linear).
_TAG_RE = re.compile(r"<(?:(!--)|(/?)([A-Za-z][A-Za-z0-9:_-]*)[^>]*>)")


def _names(words: str) -> frozenset[str]:
    return frozenset(words.split())


_VOID = _names(
    "area base basefont bgsound br col embed frame hr image img input keygen link meta param"
    " source track wbr"
)
_IGNORED = _names("html head body")  # the document's frame, never nested
# Their text is not markup: skipped up to their end tag.
_RAW = _names("script style textarea title xmp iframe noembed noframes plaintext")
# Structural elements: an end tag of another element does not close across them.
_SPECIAL = _names(
    "address applet article aside blockquote caption center details dialog dir div dl dd dt"
    " fieldset figcaption figure footer form frameset h1 h2 h3 h4 h5 h6 header hgroup iframe li"
    " listing main marquee menu nav noscript object ol p pre search section select summary"
    " table tbody td template tfoot th thead tr ul svg math"
)
# Elements whose start closes an open element of these names (the innermost, unless a
# barrier sits above it): list items, table cells and rows, paragraphs, links...
_GROUPS: dict[str, frozenset[str]] = {
    **dict.fromkeys(("dt", "dd"), _names("dt dd")),
    **dict.fromkeys(("td", "th"), _names("td th")),
    "tr": _names("tr td th"),
    **dict.fromkeys(("thead", "tbody", "tfoot"), _names("thead tbody tfoot tr td th")),
    "optgroup": _names("optgroup option"),
    **dict.fromkeys(("rb", "rtc"), _names("rb rt rp rtc")),
    **dict.fromkeys(("rt", "rp"), _names("rb rt rp")),
    **{name: frozenset({name}) for name in ("li", "option", "a", "button", "nobr")},
}
# Their start closes an open <p> (in its scope).
_CLOSE_P = _SPECIAL - _names(
    "applet caption iframe marquee noscript object select tbody td tfoot th thead tr svg math"
)
# What a start tag's implied closing does not look past (the structural elements but the
# ones the parser looks through: address, div, p).
_BARRIERS = _SPECIAL - _names("address div p")
_FOREIGN = frozenset({"svg", "math"})
# Ignored by the parser outside a table.
_TABLE_PARTS = _names("caption col colgroup tbody td tfoot th thead tr")
# Closed by their end tag even across a structural element (the adoption agency moves that
# one out, and it stays open).
_FORMATTING = _names("a b big code em font i nobr s small strike strong tt u")
_P = frozenset({"p"})
_RAW_END = {name: re.compile(rf"</{name}[\s/>]", re.IGNORECASE) for name in _RAW}


def _innermost(
    places: dict[str, list[int]], names: frozenset[str], barriers: list[int]
) -> int | None:
    """The place of the innermost open element named in ``names``, unless a barrier is
    higher on the stack."""
    found = -1
    for name in names:
        spots = places.get(name)
        if spots and spots[-1] > found:
            found = spots[-1]
    if found < 0 or (barriers and barriers[-1] > found):
        return None
    return found


def html_depth(html: str, limit: int = MAX_DEPTH) -> int:
    """The estimated nesting depth of ``html`` below ``<body>`` (see the module rules); the
    scan stops as soon as it passes ``limit`` (the result is then ``limit + 1``).

    The stack of open elements keeps each name's places and the structural elements' and
    barriers' places, so finding what a tag closes is O(1), and each element is pushed and
    popped once."""
    stack: list[str] = []
    places: dict[str, list[int]] = {}
    specials: list[int] = []
    barriers: list[int] = []
    closed: set[int] = set()  # places of formatting elements closed under open ones
    foreign = 0  # open svg/math elements
    deepest = 0

    def pop_to(place: int) -> None:
        """Close the element at ``place`` and everything opened inside it."""
        nonlocal foreign
        while len(stack) > place:
            name = stack.pop()
            top = len(stack)
            if top in closed:
                closed.discard(top)
                continue
            places[name].pop()
            if specials and specials[-1] == top:
                specials.pop()
            if barriers and barriers[-1] == top:
                barriers.pop()
            if name in _FOREIGN:
                foreign -= 1

    pos = 0
    last = html.rfind(">") + 1  # a tag past the last ">" never ends: the rest is text to us
    while pos < last:
        restart = False
        for match in _TAG_RE.finditer(html, pos, last):
            comment, closing, name = match.groups()
            if comment:
                close = html.find("-->", match.end())
                if close < 0:
                    return deepest  # the rest is a comment
                pos, restart = close + 3, True
                break
            name = name.lower()
            if name in _IGNORED:
                continue
            if closing:
                # Closes the innermost element of that name and what is inside it; with a
                # structural element inside, a formatting element (b) alone, another
                # non-structural one not at all.
                spots = places.get(name)
                if not spots:
                    continue
                if name not in _SPECIAL and specials and specials[-1] > spots[-1]:
                    if name in _FORMATTING:
                        closed.add(spots.pop())
                    continue
                pop_to(spots[-1])
                continue
            if name in _TABLE_PARTS and not places.get("table"):
                continue
            if name in _CLOSE_P and places.get("p"):
                place = _innermost(places, _P, barriers)
                if place is not None:
                    pop_to(place)
            group = _GROUPS.get(name)
            if group is not None:
                place = _innermost(places, group, barriers)
                if place is not None:
                    pop_to(place)
            if name in _VOID or (foreign and html[match.end() - 2] == "/"):
                depth = len(stack) - len(closed) + 1  # there, and closed at once
            elif name == "form" and places.get("form"):
                continue  # a form inside a form is dropped
            else:
                place = len(stack)
                stack.append(name)
                if name in places:
                    places[name].append(place)
                else:
                    places[name] = [place]
                if name in _SPECIAL:
                    specials.append(place)
                    if name in _BARRIERS:
                        barriers.append(place)
                    if name in _FOREIGN:
                        foreign += 1
                depth = place + 1 - len(closed)
            if depth > deepest:
                deepest = depth
                if deepest > limit:
                    return limit + 1
            if name in _RAW:
                raw_end = _RAW_END[name].search(html, match.end())
                if raw_end is None:
                    return deepest  # the rest is its text
                pos, restart = raw_end.start(), True
                break
        if not restart:
            break
    return deepest


def check_html(html: str) -> None:
    """Raise :class:`SourceError` (``too_large`` or ``too_complex``) if ``html`` is past
    the limits (see the module rules)."""
    if len(html) > MAX_HTML_CHARS:
        raise SourceError(
            f"refused: the page is larger than {MAX_HTML_CHARS // 1_000_000} million characters",
            kind=ErrorKind.TOO_LARGE,
        )
    depth = html_depth(html)
    if depth > MAX_DEPTH:
        raise SourceError(
            f"refused: the page nests elements more than {MAX_DEPTH} deep",
            kind=ErrorKind.TOO_COMPLEX,
        )


def selector_problem(selector: str) -> str | None:
    """Why ``selector`` is refused (past a limit of the module rules), or ``None``.
    Whether it is valid CSS is for the selector engine to say."""
    selector = selector.strip()
    if not selector:
        return "the selector is empty"
    if len(selector) > MAX_SELECTOR_LENGTH:
        return f"the selector is longer than {MAX_SELECTOR_LENGTH} characters"
    listed = 1
    combinators = siblings = pseudo = nesting = depth = 0
    quote = ""
    brackets = 0
    spaced = False  # whitespace since the last compound: a descendant combinator if one follows
    after_compound = False  # the last thing seen ends a compound selector
    escaped = False
    for char in selector:
        if escaped:
            escaped, after_compound = False, True
            continue
        if char == "\\":
            escaped = True
            continue
        if quote:
            quote = "" if char == quote else quote
            continue
        if char in "\"'":
            quote = char
            continue
        if brackets:
            brackets += (char == "[") - (char == "]")
            after_compound = brackets == 0
            continue
        if char.isspace():
            spaced = spaced or after_compound
            continue
        if char in ">+~,()":
            if char in ">+~":
                combinators += 1
                siblings += char == "~"
            elif char == ",":
                listed += depth == 0
            elif char == "(":
                depth += 1
                nesting = max(nesting, depth)
            elif char == ")":
                depth = max(depth - 1, 0)
            spaced = False
            after_compound = char == ")"
            continue
        if spaced:
            combinators += 1
            spaced = False
        if char == ":":
            pseudo += 1
        if char == "[":
            brackets = 1
        after_compound = char not in ":["
    for count, limit, what in (
        (listed, MAX_SELECTOR_LIST, "comma-separated selectors"),
        (combinators, MAX_COMBINATORS, "combinators (spaces, >, +, ~)"),
        (siblings, MAX_SIBLING_COMBINATORS, "~ combinators"),
        (pseudo, MAX_PSEUDO_CLASSES, "pseudo-classes"),
        (nesting, MAX_SELECTOR_NESTING, "levels of nested parentheses"),
    ):
        if count > limit:
            return f"the selector is too complex: more than {limit} {what}"
    return None


def check_selector_limits(selector: str) -> None:
    """Raise :class:`SourceError` (``too_complex``) if ``selector`` is past the limits."""
    problem = selector_problem(selector)
    if problem is not None:
        raise SourceError(problem, kind=ErrorKind.TOO_COMPLEX)
