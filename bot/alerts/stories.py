"""One story, many outlets: find the earlier copy of an article within a time window.

Rules (``same_story``):

- Titles are compared on their ``title_key``: folded words (case, accents, Arabic letter
  variants and diacritics forgiven, as in matching), punctuation gone, a trailing outlet
  tag (" - Hespress", " | Le360", "(MAP)") dropped, words sorted by ``token_sort_ratio``.
- Numbers in both titles must be the same set: "3 morts" and "5 morts" are two stories.
- With the text of both (body or summary, at least ``MIN_TEXT_WORDS`` words): the titles must
  be at least ``TITLE_WITH_TEXT`` similar and the texts at least ``TEXT_SIMILAR`` (similarity
  of the first ``TEXT_WORDS`` folded words), or the titles look different (an outlet rewrote
  the headline, at least ``TITLE_REWRITTEN``) but the texts are near-identical
  (``TEXT_SAME``).
- Without enough text on either side, only near-identical titles (``TITLE_ALONE``) group.

``StoryIndex`` keeps the recent articles' keys in memory (loaded from storage once, then
fed by ingest), so a poll does not re-read the whole window; candidates are verified against
storage before use.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from rapidfuzz import fuzz

from bot.matching.tokens import words

TITLE_ALONE = 93.0
TITLE_WITH_TEXT = 80.0
TEXT_SIMILAR = 70.0
TITLE_REWRITTEN = 55.0
TEXT_SAME = 90.0
MIN_TEXT_WORDS = 25
TEXT_WORDS = 150

# A trailing " - Outlet", " | Outlet", " — Outlet" of at most three words.
_OUTLET_TAIL = re.compile(r"\s+[-|–—:]\s+(\S+(?:\s+\S+){0,2})\s*$")
# Agency markers in parentheses or brackets: (MAP), [AFP], (و.م.ع).
_AGENCY = re.compile(r"[(\[][^)\]]{1,12}[)\]]")
_DIGITS = re.compile(r"\d+")


def title_key(title: str) -> str:
    """The comparison form of a headline (see the module documentation)."""
    stripped = _AGENCY.sub(" ", title)
    tail = _OUTLET_TAIL.search(stripped)
    if tail is not None and len(words(stripped[: tail.start()])) >= 4:
        stripped = stripped[: tail.start()]
    return " ".join(words(stripped))


def text_key(text: str) -> str:
    """The first ``TEXT_WORDS`` folded words of an article's text."""
    return " ".join(words(text[: TEXT_WORDS * 12])[:TEXT_WORDS])


def _numbers(key: str) -> set[str]:
    return set(_DIGITS.findall(key))


def title_similarity(a: str, b: str) -> float:
    return float(fuzz.token_sort_ratio(a, b))


def same_story(title_a: str, text_a: str, title_b: str, text_b: str) -> bool:
    """Whether two articles (title keys and text keys) carry the same story."""
    if not title_a or not title_b:
        return False
    numbers_a, numbers_b = _numbers(title_a), _numbers(title_b)
    if numbers_a and numbers_b and numbers_a != numbers_b:
        return False
    titles = title_similarity(title_a, title_b)
    if len(text_a.split()) < MIN_TEXT_WORDS or len(text_b.split()) < MIN_TEXT_WORDS:
        return titles >= TITLE_ALONE
    if titles < TITLE_REWRITTEN:
        return False
    texts = float(fuzz.ratio(text_a, text_b))
    return (titles >= TITLE_WITH_TEXT and texts >= TEXT_SIMILAR) or texts >= TEXT_SAME


@dataclass(frozen=True, slots=True)
class StoryEntry:
    article_id: int
    story_id: int  # the first article of the story (itself when it started it)
    title_key: str
    seen_at: datetime


class StoryIndex:
    """Recent articles' title keys, pruned to ``window``, with a word index: only articles
    sharing at least ``MIN_SHARED`` title words (words on more than ``COMMON_WORD`` recent
    titles do not count) are compared, so a search costs little however full the window."""

    MIN_SHARED = 2
    COMMON_WORD = 1000
    MAX_COMPARED = 300

    def __init__(self, window: timedelta) -> None:
        self.window = window
        self._entries: deque[StoryEntry] = deque()
        self._by_word: dict[str, deque[StoryEntry]] = {}
        self.loaded = False

    def __len__(self) -> int:
        return len(self._entries)

    def load(self, entries: Iterable[StoryEntry]) -> None:
        self._entries = deque()
        self._by_word = {}
        for entry in sorted(entries, key=lambda e: (e.seen_at, e.article_id)):
            self.add(entry)
        self.loaded = True

    def add(self, entry: StoryEntry) -> None:
        self._entries.append(entry)
        for word in set(entry.title_key.split()):
            self._by_word.setdefault(word, deque()).append(entry)

    def prune(self, now: datetime) -> None:
        horizon = now - self.window
        while self._entries and self._entries[0].seen_at < horizon:
            gone = self._entries.popleft()
            for word in set(gone.title_key.split()):
                postings = self._by_word.get(word)
                while postings and postings[0].seen_at < horizon:
                    postings.popleft()
                if postings is not None and not postings:
                    del self._by_word[word]

    def candidates(self, key: str, now: datetime, limit: int = 5) -> list[StoryEntry]:
        """Recent articles whose titles could be the same story, most similar first."""
        self.prune(now)
        words = set(key.split())
        if not words:
            return []
        shared: dict[int, int] = {}
        found: dict[int, StoryEntry] = {}
        for word in words:
            postings = self._by_word.get(word, ())
            if len(postings) > self.COMMON_WORD:
                continue
            for entry in postings:
                shared[entry.article_id] = shared.get(entry.article_id, 0) + 1
                found[entry.article_id] = entry
        needed = min(self.MIN_SHARED, len(words))
        close = sorted(
            (article_id for article_id, n in shared.items() if n >= needed),
            key=lambda article_id: -shared[article_id],
        )[: self.MAX_COMPARED]
        scored = []
        for article_id in close:
            entry = found[article_id]
            score = fuzz.token_sort_ratio(key, entry.title_key, score_cutoff=TITLE_REWRITTEN)
            if score:
                scored.append((score, entry.seen_at, entry))
        scored.sort(key=lambda item: (-item[0], item[1]))
        return [entry for _, _, entry in scored[:limit]]
