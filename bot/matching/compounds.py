"""Compounds written solid, hyphenated or spaced: ``anticorruption`` = ``anti-corruption`` =
``anti corruption``, ``weekend`` = ``week-end``.

Rules (Latin words only; tokenisation splits every hyphen, see `tokens`):

* Article side (`joins`): a run of 2 to `MAX_PARTS` words linked by single hyphens
  (``sous-traitance``, ``cessez-le-feu``) is also read as one solid word spanning them, and
  so is a compounding prefix of `PREFIXES` (``anti``, ``sous``, ``cyber`` …) followed by a
  word of at least `MIN_REST` letters (``anti corruption``), or a name particle of
  `PARTICLES` (``Ben``, ``Bou``, ``Aït``, ``El`` …) followed by a capitalised word (``Ben
  Slimane``), or an Arabic one of `ARABIC_PARTICLES` (بن بو ابو عبد ايت ولد نيو) followed
  by an Arabic word: Arabic writes these names both ways (``بن كيران`` / ``بنكيران``, ``عبد
  الرحمن`` / ``عبدالرحمن``, ``نيو يورك`` / ``نيويورك``), and the solid form is the one that
  crosses scripts (``Benkirane``, ``Bel Ksiri`` / ``بلقصيري``).  A solid query word finds
  them with its usual tolerance; only the tables' words join a following word: *start up*
  is never ``startup``, *sur tout* never ``surtout``.
* Query side (`solid_form`): a query word that tokenises into hyphen-linked parts
  (``anti-corruption``, an implicit phrase) also accepts its solid form.
* Query side (`bare_runs`): two adjacent bare query words whose first is a prefix or a
  particle of the tables (``anti corruption``, ``Ben Slimane``, ``بن كيران``) each also
  accept their solid form, so the pair matches ``anticorruption`` as well as both words.

Quotes keep this, as they keep normalisation (the solid and hyphenated spellings are one
word; an index of article words could not tell them apart), but a quoted phrase of several
words is never joined (``"anti corruption"`` does not find ``anticorruption``).
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from itertools import compress, pairwise
from operator import itemgetter
from typing import Final

from bot.matching import syntax
from bot.matching.normalize import is_arabic
from bot.matching.tokens import Token

MAX_PARTS: Final = 3
MIN_REST: Final = 4
HYPHENS: Final = frozenset("-\u2010\u2011")
_HYPHEN: Final = re.compile("[" + "".join(sorted(HYPHENS)) + "]")
_NORM, _END = itemgetter(0), itemgetter(2)  # a token's norm and end

_PREFIX_WORDS: Final = """
    anti sous contre auto cyber micro macro multi inter extra ultra super hyper mini semi
    demi vice post pre neo geo eco bio agro euro franco afro arabo socio tele non hors
"""
PREFIXES: Final = frozenset(_PREFIX_WORDS.split())
PARTICLES: Final = frozenset(("ben", "bel", "bou", "ait", "abdel", "el", "al", "ould"))
# بن ابن بو ابو عبد ايت ولد, as folded (آيت → ايت, أبو → ابو), and نيو, the English "New" of
# names Arabic writes both ways (نيويورك / نيو يورك, نيودلهي / نيو دلهي)
ARABIC_PARTICLES: Final = frozenset(
    (
        "\u0628\u0646",
        "\u0627\u0628\u0646",
        "\u0628\u0648",
        "\u0627\u0628\u0648",
        "\u0639\u0628\u062f",
        "\u0627\u064a\u062a",
        "\u0648\u0644\u062f",
        "\u0646\u064a\u0648",
    )
)
_STARTS: Final = PREFIXES | PARTICLES | ARABIC_PARTICLES


def _latin(token: Token) -> bool:
    return token.norm.isalnum() and not is_arabic(token.norm)


def _linked(text: str, left: Token, right: Token) -> bool:
    return right.start - left.end == 1 and text[left.end] in HYPHENS and _latin(right)


def _arabic_rest(word: str) -> bool:
    return word.isalpha() and is_arabic(word)


def _joins_next(text: str, left: Token, right: Token) -> bool:
    if left.norm in ARABIC_PARTICLES:
        return right.pos == left.pos + 1 and _arabic_rest(right.norm)
    if _linked(text, left, right):
        return True
    if right.pos != left.pos + 1 or not right.norm.isalpha() or not right.norm.isascii():
        return False
    if left.norm in PREFIXES:
        return len(right.norm) >= MIN_REST
    return left.norm in PARTICLES and left.cap and right.cap and len(right.norm) >= MIN_REST


def joins(text: str, tokens: list[Token]) -> list[tuple[str, int, int]]:
    """(solid form, first token index, last token index) of every hyphenated run of 2 to
    `MAX_PARTS` Latin words of a field, and of every prefix or particle with its word
    (Latin or Arabic)."""
    out: list[tuple[str, int, int]] = []
    n = len(tokens)
    # the words that may start one, found in C: a prefix or particle, or a word a hyphen
    # follows (most words start no compound)
    starts = set(compress(range(n - 1), map(_STARTS.__contains__, map(_NORM, tokens))))
    hyphens = [m.start() for m in _HYPHEN.finditer(text)]
    if hyphens:
        ends = list(map(_END, tokens))  # in order; the parts of one split word share theirs
        for at in hyphens:
            starts.update(range(bisect_left(ends, at), min(bisect_right(ends, at), n - 1)))
    for i in sorted(starts):
        token = tokens[i]
        if not _latin(token) and token.norm not in ARABIC_PARTICLES:
            continue
        joined = tokens[i].norm
        j = i
        while j + 1 < n and j - i + 1 < MAX_PARTS and _joins_next(text, tokens[j], tokens[j + 1]):
            j += 1
            joined += tokens[j].norm
            out.append((joined, i, j))
    return out


def solid_form(raw: str, words: tuple[Token, ...]) -> Token | None:
    """The solid reading of a query word typed with hyphens (``anti-corruption``), else None."""
    if not 2 <= len(words) <= MAX_PARTS or not _latin(words[0]):
        return None
    if not all(_linked(raw, a, b) for a, b in pairwise(words)):
        return None
    first = words[0]
    norm = "".join(w.norm for w in words)
    return first._replace(norm=norm, end=words[-1].end, upper=all(w.upper for w in words))


def joins_next(first: Token, second: Token) -> Token | None:
    """The solid word two adjacent bare query words spell when the first is a prefix or a
    particle (``anti corruption`` → ``anticorruption``), else None."""
    if first.norm in ARABIC_PARTICLES:
        solid = _arabic_rest(second.norm)
    else:
        latin = second.norm.isalpha() and second.norm.isascii()
        solid = first.norm in _STARTS and latin and len(second.norm) >= MIN_REST
    if not solid:
        return None
    return first._replace(norm=first.norm + second.norm, upper=False)


def _bare(node: object) -> syntax.Term | None:
    if isinstance(node, syntax.Term) and not node.quoted and len(node.words) == 1:
        return node
    return None


def bare_runs(children: Sequence[object]) -> dict[int, Token]:
    """For the children of an AND: the solid word each member of a pair of adjacent bare
    words spells with its partner (``anti corruption``), by child index."""
    out: dict[int, Token] = {}
    for k in range(len(children) - 1):
        a, b = _bare(children[k]), _bare(children[k + 1])
        if k in out or a is None or b is None or a.title != b.title:
            continue
        solid = joins_next(a.words[0], b.words[0])
        if solid is not None:
            out[k] = out[k + 1] = solid
    return out
