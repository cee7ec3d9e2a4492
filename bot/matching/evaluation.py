"""Compiled queries evaluated on an analysed article.

Rules: every result is memoised in the article's ``cache`` under the word itself (one
object per ``sig``: see `engine.Word`; hashed by identity, without reading a string) or
the term's or NEAR's ``key``, so subscriptions sharing a word or a term pay for it once per
article; the lists returned may be those cached ones, and callers never change them.  A
term of one word (no alias, no title restriction) is its word's occurrences, without a
list of its own.  `evaluate` answers whether a query matches, with the ranges of the
positive terms that matched (one place decides AND, OR and NOT), and `to_spans` turns
them into offsets.
"""

from __future__ import annotations

from bot.matching.document import FIELDS, AnalyzedDocument, Occurrence
from bot.matching.engine import And, Near, Node, Not, Or, Range, Term, Word
from bot.matching.relation import IF_CAPITALISED, NO, word_match
from bot.matching.types import Span


def word_occurrences(word: Word, doc: AnalyzedDocument) -> list[Occurrence]:
    """The ranges of the article's words (or hyphenated compounds) the word matches."""
    cache = doc.cache
    cached = cache.get(word)
    if cached is not None:
        return cached  # type: ignore[return-value]
    out: list[Occurrence] = []
    seen: set[str] = set()
    fields = doc.fields
    doc_keys = doc.keys
    for key in word.keys & doc.key_set:  # only the keys the article holds (set op in C)
        filed = doc_keys[key]
        for norm in (filed,) if type(filed) is str else filed:
            if norm in seen:
                continue
            seen.add(norm)
            verdict = word_match(
                word.norm, norm, word.exact, word.keep_article, word.cross, word.clitic
            )
            if verdict == NO:
                continue
            occurrences = doc.forms[norm]
            if verdict == IF_CAPITALISED or (word.acronym and word.wants_capital(norm)):
                occurrences = [o for o in occurrences if fields[o[0]][o[1]].cap]
            out.extend(occurrences)
    cache[word] = out
    return out


def _sequence_ranges(words: tuple[Word, ...], doc: AnalyzedDocument) -> list[Range]:
    first = word_occurrences(words[0], doc)
    if len(words) == 1:
        return first
    rest: list[dict[tuple[int, int], list[int]]] = []
    for w in words[1:]:
        starts: dict[tuple[int, int], list[int]] = {}
        for f, a, b in word_occurrences(w, doc):
            starts.setdefault((f, a), []).append(b)
        rest.append(starts)
    out: list[Range] = []
    for f, i, last in first:
        tokens = doc.fields[f]
        ends = [last]
        for starts in rest:  # each next word starts right after the previous one ends
            ends = [
                b
                for e in ends
                if e + 1 < len(tokens) and tokens[e + 1].pos == tokens[e].pos + 1
                for b in starts.get((f, e + 1), ())
            ]
        out.extend((f, i, e) for e in ends)
    return out


def _term_ranges(term: Term, doc: AnalyzedDocument) -> list[Range]:
    single = term.single
    if single is not None:  # the usual term: its word's occurrences are its ranges
        return word_occurrences(single, doc)
    cache = doc.cache
    cached = cache.get(term.key)
    if cached is not None:
        return cached  # type: ignore[return-value]
    alternatives = term.alternatives
    if len(alternatives) == 1:  # the usual case: one spelling (its lists are not changed)
        out = _sequence_ranges(alternatives[0], doc)
    else:
        out = []
        for words in alternatives:
            out.extend(_sequence_ranges(words, doc))
    if term.title:
        out = [r for r in out if r[0] == 0]
    cache[term.key] = out
    return out


def _near_ranges(node: Near, doc: AnalyzedDocument) -> list[Range]:
    cache = doc.cache
    cached = cache.get(node.key)
    if cached is not None:
        return cached  # type: ignore[return-value]
    left = _term_ranges(node.left, doc)
    right = _term_ranges(node.right, doc) if left else []
    found: set[Range] = set()
    for lf, la, lb in left:
        tokens = doc.fields[lf]
        for rf, ra, rb in right:
            if rf != lf:
                continue
            if lb < ra:
                gap = tokens[ra].pos - tokens[lb].pos - 1
            elif rb < la:
                gap = tokens[la].pos - tokens[rb].pos - 1
            else:
                continue
            if gap <= node.distance:
                found.add((lf, la, lb))
                found.add((rf, ra, rb))
    out = sorted(found)
    cache[node.key] = out
    return out


def evaluate(node: Node, doc: AnalyzedDocument) -> list[Range] | None:
    """Ranges of the positive terms that matched, or None when the query does not match
    (the list may be a cached one: not to be changed).  One walk: an AND stops at its
    first child that fails, an OR gathers every alternative that holds, a NOT holds with
    no ranges of its own."""
    kind = type(node)
    if kind is Term:  # the usual query: one term
        return _term_ranges(node, doc) or None  # type: ignore[arg-type]
    if kind is And:
        out: list[Range] = []
        for child in node.children:  # type: ignore[union-attr]
            ranges = evaluate(child, doc)
            if ranges is None:
                return None
            out += ranges
        return out
    if kind is Or:
        found: list[Range] | None = None
        for child in node.children:  # type: ignore[union-attr]
            ranges = evaluate(child, doc)
            if ranges is not None:  # a new list when joined: a cached one is not changed
                found = ranges if found is None else found + ranges
        return found
    if kind is Not:  # holds, with no ranges, when its child does not
        return None if evaluate(node.child, doc) is not None else []  # type: ignore[union-attr]
    return _near_ranges(node, doc) or None  # type: ignore[arg-type]


_new_span = tuple.__new__  # Span(...) without NamedTuple's Python-level __new__


def to_spans(ranges: list[Range], doc: AnalyzedDocument) -> list[Span]:
    """Merge ranges into spans over the original strings, in reading order."""
    fields = doc.fields
    if len(ranges) == 1:  # one occurrence
        f, a, b = ranges[0]
        tokens = fields[f]
        return [_new_span(Span, (FIELDS[f], tokens[a].start, tokens[b].end))]
    out: list[Span] = []
    last_field = last_end = -1
    for f, start, end in sorted({(f, fields[f][a].start, fields[f][b].end) for f, a, b in ranges}):
        if f == last_field and start < last_end:  # overlaps the previous span: extends it
            if end > last_end:
                out[-1] = _new_span(Span, (FIELDS[f], out[-1].start, end))
                last_end = end
        else:
            out.append(_new_span(Span, (FIELDS[f], start, end)))
            last_field, last_end = f, end
    return out
