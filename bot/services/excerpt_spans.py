"""Where an exported row's excerpt goes: the first match of a query in an article already
known to match it, found as cheaply as possible.

Rules:

- The articles given match the query (the archive search found them); only the place of a
  match is looked for, not whether there is one.
- A query of single words (``CompiledQuery.plain_words``): the first occurrence in the
  text of a word one of its positive words accepts without a capital (the word itself and
  the archive's words it accepts: other spellings, clitics, the other script), whole (no
  letter or digit either side) and written as the analysis folds it (letter case aside),
  is one of its matches; one regular expression finds it without analysing the article
  (in the text, else in the title). A word accepted only when capitalised (a name across
  scripts) is found only with its capital.
- Otherwise, or when the text writes every such word differently (accents, a hamza, a
  clitic): the matcher's spans of the text's lead (``lead`` characters, cut at a space)
  when the query matches there, else of the whole text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from bot.matching import CompiledQuery, Document, Span


def locator(
    query: CompiledQuery, accepted: Iterable[str] = (), capitalised: Iterable[str] = ()
) -> re.Pattern[str] | None:
    """The pattern of a query of single words: its positive words, the ``accepted``
    article words (those its positive words accept without a capital) and the
    ``capitalised`` ones (accepted only written with a capital: found only so); None for
    another query."""
    plain = query.plain_words()
    if not plain:
        return None
    words = {word.word.norm for word in plain.values()} | set(accepted)
    forms = [re.escape(word) for word in words]
    forms += [
        f"(?-i:{re.escape(w[0].upper())}){re.escape(w[1:])}" for w in set(capitalised) - words if w
    ]
    alternatives = "|".join(sorted(forms, key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)


def lead_of(text: str, chars: int) -> str:
    """The start of ``text``: about ``chars`` characters, cut at a space (so no word is cut
    into another word), or the whole text when it is hardly longer."""
    if len(text) <= chars * 3 // 2:
        return text
    cut = text.rfind(" ", 0, chars)
    return text[:cut] if cut > 0 else text


def first_spans(
    query: CompiledQuery, pattern: re.Pattern[str] | None, title: str, text: str, lead: int
) -> list[Span] | None:
    """Spans of the first matches in ``text`` (or the title) of an article that matches."""
    if pattern is not None:
        found = pattern.search(text)
        if found is not None:
            return [Span("text", found.start(), found.end())]
        found = pattern.search(title)
        if found is not None:
            return [Span("title", found.start(), found.end())]
    start = lead_of(text, lead)
    spans = query.match(Document(title=title, text=start)) if start != text else None
    return spans if spans is not None else query.match(Document(title=title, text=text))
