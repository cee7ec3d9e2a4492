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

import operator
import re
from collections import Counter, deque
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

from rapidfuzz import fuzz

from bot.matching.tokens import words
from bot.topology import Topology

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
_ARTICLE_ID = operator.attrgetter("article_id")


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
    titles do not count) are compared, so a search costs little however full the window.

    ``topology`` shared: other processes store articles in the same database (several
    pollers on PostgreSQL). The index then remembers the highest article id it has read from
    storage, and ``sync_stories`` (in ``bot.alerts.story_sync``) adds the articles stored
    above it before a poll's articles are compared (ids it holds already, its own, are
    skipped). An id below that mark not seen yet (another transaction still open when the
    mark passed it) is asked for again at each sync, for ``GAP_SECONDS``, at most
    ``MAX_GAPS`` of them.

    Entries added inside ``tentative()`` are forgotten again when the block raises: their
    transaction rolled back, and on SQLite their ids will be given to other articles.
    """

    MIN_SHARED = 2
    COMMON_WORD = 1000
    MAX_COMPARED = 300
    GAP_SECONDS = 300
    MAX_GAPS = 1000

    def __init__(self, window: timedelta, topology: Topology) -> None:
        self.window = window
        self.shared = topology.shared
        self._entries: deque[StoryEntry] = deque()
        self._by_word: dict[str, deque[StoryEntry]] = {}
        self._by_id: dict[int, StoryEntry] = {}
        self.loaded = False
        # Only with ``shared``: the ids held, the highest id read from storage, and the ids
        # below it not seen yet (with when they were first missed).
        self._ids: set[int] = set()
        self._synced_to = 0
        self._gaps: dict[int, datetime] = {}
        self._journal: list[StoryEntry] | None = None  # added inside tentative()

    def __len__(self) -> int:
        return len(self._entries)

    def load(self, entries: Iterable[StoryEntry], *, last_id: int = 0) -> None:
        """Hold these entries (the window's articles) and nothing else; ``last_id``: the
        highest article id in storage when they were read."""
        self._entries = deque()
        self._by_word = {}
        self._by_id = {}
        self._ids = set()
        self._gaps = {}
        for entry in sorted(entries, key=lambda e: (e.seen_at, e.article_id)):
            self._hold(entry)
        self._synced_to = max(last_id, max(self._ids, default=0))
        self.loaded = True

    def add(self, entry: StoryEntry) -> None:
        if self._journal is not None:
            self._journal.append(entry)
        self._hold(entry)

    def _hold(self, entry: StoryEntry) -> None:
        self._entries.append(entry)
        self._by_id[entry.article_id] = entry
        if self.shared:
            self._ids.add(entry.article_id)
        for word in set(entry.title_key.split()):
            self._by_word.setdefault(word, deque()).append(entry)

    def unsynced(self) -> tuple[int, list[int]]:
        """What a sync asks storage for: ids above the first number, and the listed ones."""
        return self._synced_to, sorted(self._gaps)

    def merge(self, entries: Iterable[StoryEntry], now: datetime) -> int:
        """Add what storage answered to ``unsynced`` (skipping ids held already) and move the
        mark; returns how many were added."""
        seen: set[int] = set()
        added = 0
        for entry in sorted(entries, key=lambda e: e.article_id):
            seen.add(entry.article_id)
            self._gaps.pop(entry.article_id, None)
            if entry.article_id not in self._ids:
                self._hold(entry)  # stored by others: kept whatever becomes of ours
                added += 1
        top = max(seen, default=0)
        if top > self._synced_to:
            for missed in range(max(self._synced_to + 1, top - self.MAX_GAPS), top):
                if missed not in seen and missed not in self._ids:
                    self._gaps[missed] = now
            self._synced_to = top
        horizon = now - timedelta(seconds=self.GAP_SECONDS)
        kept = sorted(i for i, missed_at in self._gaps.items() if missed_at >= horizon)
        self._gaps = {i: self._gaps[i] for i in kept[-self.MAX_GAPS :]}
        return added

    @contextmanager
    def tentative(self) -> Iterator[None]:
        """Entries ``add``-ed inside are forgotten if the block raises (see the class)."""
        outer, self._journal = self._journal, []
        journal = self._journal
        try:
            yield
        except BaseException:
            self.forget(entry.article_id for entry in journal)
            raise
        finally:
            self._journal = outer
            if outer is not None:
                outer.extend(journal)

    def forget(self, article_ids: Iterable[int]) -> None:
        """Drop these articles' entries (a rare path: it walks the whole window)."""
        gone = set(article_ids)
        if not gone:
            return
        self._entries = deque(e for e in self._entries if e.article_id not in gone)
        self._ids -= gone
        for article_id in gone:
            self._by_id.pop(article_id, None)
        for word in list(self._by_word):
            kept = deque(e for e in self._by_word[word] if e.article_id not in gone)
            if kept:
                self._by_word[word] = kept
            else:
                del self._by_word[word]

    def prune(self, now: datetime) -> None:
        horizon = now - self.window
        while self._entries and self._entries[0].seen_at < horizon:
            gone = self._entries.popleft()
            self._ids.discard(gone.article_id)
            if self._by_id.get(gone.article_id) is gone:
                del self._by_id[gone.article_id]
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
        shared: Counter[int] = Counter()  # title words in common, counted in C
        for word in words:
            postings = self._by_word.get(word)
            if postings and len(postings) <= self.COMMON_WORD:
                shared.update(map(_ARTICLE_ID, postings))
        needed = min(self.MIN_SHARED, len(words))
        close = [article_id for article_id, n in shared.most_common() if n >= needed]
        scored = []
        for article_id in close[: self.MAX_COMPARED]:
            entry = self._by_id[article_id]
            score = fuzz.token_sort_ratio(key, entry.title_key, score_cutoff=TITLE_REWRITTEN)
            if score:
                scored.append((score, entry.seen_at, entry))
        scored.sort(key=lambda item: (-item[0], item[1]))
        return [entry for _, _, entry in scored[:limit]]
