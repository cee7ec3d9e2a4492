"""A generated archive for ``benchmarks/archive.py``: Arabic and French articles over 90 days
from 200 outlets, stored through the poller's own path so the archive index is filled as
in production.

Rules:

- Deterministic: the articles depend only on their number and ``GENERATOR``; change
  ``GENERATOR`` whenever the text changes, so a cached database is not reused.
- Articles are 60 % Arabic, 40 % French, 150-600 words (most near 300), from the
  vocabularies of ``benchmarks/corpus.py``. People are fixed first-name/surname pairs
  mentioned with a long-tailed frequency (the weight of the person of rank k is 1/(k+3)), so
  that a frequent name is in a few per cent of articles and a typical one (ranks 5-40) in
  0.1-1 %; places likewise.
- Stored as the poller stores them: ``match_entries`` analyses a poll's entries before the
  write (in worker processes here), ``ingest`` inserts the articles and files them in the
  archive index in the write transaction (``alert`` False: nothing is queued). A poll is
  one outlet's 25 newest articles at one moment (``fetched_at``); articles are stored
  oldest first, so ids follow time as in production. Bodies come as fetched full text
  (``PageText``), the summary is the first sentence.
- A database is cached under a name made of the article count, ``GENERATOR`` and a
  fingerprint of the archive index (the modules that analyse and file articles, the
  migrations that build the index), so a change of the index's stored form regenerates it;
  other migrations are applied to it when it is opened.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import inspect
import random
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from benchmarks import corpus
from bot.access import AccessPolicy
from bot.alerts.entries import Analysed, Known, match_entries
from bot.alerts.index import SubscriptionIndex
from bot.alerts.ingest import ingest
from bot.matching import AnalyzedDocument, Document, QueryLimits
from bot.sources.extract import PageText
from bot.sources.model import ParsedEntry
from bot.storage import archive as filing
from bot.storage.db import SessionFactory, create_engine, migrate, session_factory
from bot.storage.models import Source

GENERATOR = 1
NOW = datetime(2026, 12, 1, 6, 0, tzinfo=UTC)  # the archive's newest moment
DAYS = 90
SOURCES = 200
POLL = 25  # articles per poll
CHUNK = 2000  # articles generated, analysed and written per transaction
PEOPLE = 400  # per language
ACCESS = AccessPolicy(mode="open", admins=frozenset(), allowed=frozenset())
ROOT = Path(__file__).resolve().parents[1]
OUTLETS = (
    *("Hespress", "Le360", "Médias24", "Alyaoum24", "Barlamane", "Hibapress", "Akhbarona"),
    *("Lakome", "TelQuel", "L'Economiste", "LesEco", "Yabiladi", "Assabah", "Al3omk"),
    *("Febrayer", "Chouftv", "Goud", "SNRTnews", "MAP", "2M"),
)


@dataclass(frozen=True, slots=True)
class Person:
    ar: tuple[str, str]
    fr: tuple[str, str]

    def name(self, lang: str) -> str:
        return " ".join(self.ar if lang == "ar" else self.fr)


def _weights(n: int) -> list[float]:
    return [1 / (rank + 3) for rank in range(n)]


@functools.cache
def people() -> list[Person]:
    """The people articles mention, most mentioned first."""
    rng = random.Random("rasd-archive-people")
    pairs: set[tuple[int, int]] = set()
    while len(pairs) < PEOPLE:
        pairs.add((rng.randrange(len(corpus.LATIN_FIRST)), rng.randrange(len(corpus.LATIN_LAST))))
    ordered = sorted(pairs)
    rng.shuffle(ordered)
    return [
        Person(
            (corpus.AR_FIRST[f % len(corpus.AR_FIRST)], corpus.AR_LAST[last % len(corpus.AR_LAST)]),
            (corpus.LATIN_FIRST[f], corpus.LATIN_LAST[last]),
        )
        for f, last in ordered
    ]


PERSON_WEIGHTS = _weights(PEOPLE)
COMMON = {"ar": corpus.AR_COMMON, "fr": corpus.FR_COMMON}
TOPICS = {"ar": corpus.AR_TOPICS, "fr": corpus.FR_TOPICS}
PLACES = {"ar": corpus.AR_PLACES, "fr": corpus.LATIN_PLACES}
PLACE_WEIGHTS = {lang: _weights(len(places)) for lang, places in PLACES.items()}
CLITICS = ("و", "ب", "ل", "ف")


def typical_names(lang: str, ranks: Sequence[int] = (5, 8, 12, 17, 25, 35)) -> list[str]:
    """Full names of people of typical frequency (``ranks`` in the long tail)."""
    return [people()[rank].name(lang) for rank in ranks]


def _words(rng: random.Random, lang: str, theme: dict[str, list[str]], length: int) -> list[str]:
    common = COMMON[lang]
    words: list[str] = []
    while len(words) < length:
        r = rng.random()
        if r < 0.06:
            word = rng.choice(theme["topics"])
        elif r < 0.075 and theme["people"]:
            name = rng.choice(theme["people"]).split()
            words.extend(name if rng.random() < 0.5 else name[-1:])
            continue
        elif r < 0.085:
            word = rng.choice(theme["places"])
        elif r < 0.09:
            word = rng.choice(TOPICS[lang])
        else:
            word = rng.choice(common)
        if lang == "ar" and rng.random() < 0.12:
            word = rng.choice(CLITICS) + word
        words.append(word)
    return words


def article(number: int) -> tuple[str, str, str, str]:
    """Article ``number``: (language, title, summary, body)."""
    rng = random.Random(f"rasd-archive-{GENERATOR}-{number}")
    lang = "ar" if rng.random() < 0.6 else "fr"
    mentioned = rng.choices((0, 1, 2, 3), weights=(25, 40, 25, 10))[0]
    names = [p.name(lang) for p in rng.choices(people(), PERSON_WEIGHTS, k=mentioned)]
    theme = {
        "topics": rng.sample(TOPICS[lang], rng.randint(3, 6)),
        "people": names,
        "places": rng.choices(PLACES[lang], PLACE_WEIGHTS[lang], k=rng.randint(1, 2)),
    }
    title_words = _words(rng, lang, theme, rng.randint(6, 14))
    if names and rng.random() < 0.5:
        title_words[:0] = names[0].split()
    target = int(rng.triangular(150, 600, 300))
    sentences: list[str] = []
    count = 0
    while count < target:
        words = _words(rng, lang, theme, rng.randint(8, 30))
        count += len(words)
        end = "." if lang == "fr" or rng.random() < 0.5 else "،"
        sentence = " ".join(words) + end
        sentences.append(sentence[:1].upper() + sentence[1:])
    title = " ".join(title_words)
    return lang, title[:1].upper() + title[1:], sentences[0], " ".join(sentences)


@dataclass(frozen=True, slots=True)
class Poll:
    source_id: int
    now: datetime
    entries: list[ParsedEntry]
    pages: dict[str, PageText]
    matches: dict[str, Analysed]


def moment(number: int, total: int) -> datetime:
    """When article ``number`` (of ``total``) was first seen: evenly over ``DAYS``."""
    return NOW - timedelta(days=DAYS) * (1 - (number + 1) / total)


def polls(start: int, stop: int, total: int, source_ids: Sequence[int]) -> list[Poll]:
    """Articles ``start`` to ``stop`` as polls, analysed as ``match_entries`` does before
    the write (runs in a worker process)."""
    index = SubscriptionIndex(QueryLimits())
    made: list[Poll] = []
    for first in range(start, stop, POLL):
        numbers = range(first, min(first + POLL, stop))
        now = moment(numbers[-1], total)
        source_id = source_ids[random.Random(first).randrange(len(source_ids))]
        entries: list[ParsedEntry] = []
        pages: dict[str, PageText] = {}
        for number in numbers:
            _, title, summary, body = article(number)
            url = f"https://news{source_id}.example.ma/{number}"
            published = moment(number, total) - timedelta(minutes=number % 40)
            entries.append(ParsedEntry(url, url, title, summary, published))
            pages[url] = PageText(text=body, canonical=None)
        matches = match_entries(entries, index, now=now, max_age=None, alert=False, pages=pages)
        made.append(Poll(source_id, now, entries, pages, matches))
    return made


ANALYSED = 20  # generated articles whose filed keys are part of the archive's key


def fingerprint() -> str:
    """What a cached archive's rows depend on besides the generator: the index's tables and
    the version of the analysis it files (``archive_schema``: a test ties ``INDEX_VERSION``
    to the keys the matcher files words under), terms and their keys (``archive_terms``),
    the filing code, the migrations that build the index, and the poller's path
    (``bot.alerts.entries``). Query-side code (searching, the matcher's verdicts) is not in
    it: changing it needs no new archive. Other migrations are applied to a cached one.
    The keys the analysis files the first ``ANALYSED`` articles' words under are hashed too:
    a rule that moves keys without a new ``INDEX_VERSION`` still makes a new archive."""
    digest = hashlib.blake2b(digest_size=4)
    storage = ROOT / "bot" / "storage"
    files = [
        *sorted((storage / "migrations" / "versions").glob("*archive*.py")),
        storage / "archive_schema.py",
        storage / "archive_terms.py",
        ROOT / "bot" / "alerts" / "entries.py",
    ]
    for path in files:
        digest.update(path.name.encode() + path.read_bytes())
    for function in (filing.file_articles, filing._write_vocabulary, filing._write_words):
        digest.update(inspect.getsource(function).encode())
    for number in range(ANALYSED):
        _, title, _, body = article(number)
        analysed = AnalyzedDocument(Document(title=title, text=body))
        for form in sorted(analysed.forms):
            keys = analysed.term_keys(form, form in analysed.capitalised)
            digest.update(f"{form}:{','.join(sorted(keys))}\n".encode())
    return digest.hexdigest()


async def _sources(sessions: SessionFactory) -> list[int]:
    async with sessions() as session, session.begin():
        rows = [
            Source(
                url=f"https://news{n}.example.ma",
                feed_url=f"https://news{n}.example.ma/rss",
                name=f"{OUTLETS[n % len(OUTLETS)]} {n // len(OUTLETS) + 1}",
                interval_seconds=600,
                next_poll_at=NOW,
                created_at=NOW - timedelta(days=DAYS + 1),
            )
            for n in range(SOURCES)
        ]
        session.add_all(rows)
        await session.flush()
        return [row.id for row in rows]


async def _store(sessions: SessionFactory, chunk: list[Poll]) -> None:
    index = SubscriptionIndex(QueryLimits())
    known = Known(guids=frozenset(), urls=set())
    async with sessions() as session, session.begin():
        for poll in chunk:
            await ingest(
                session,
                source_id=poll.source_id,
                entries=poll.entries,
                index=index,
                access=ACCESS,
                now=poll.now,
                alert=False,
                max_age=None,
                pages=poll.pages,
                known=known,
                matches=poll.matches,
            )


def _chunks(total: int) -> Iterator[tuple[int, int]]:
    for start in range(0, total, CHUNK):
        yield start, min(start + CHUNK, total)


async def generate(url: str, total: int, workers: int) -> float:
    """Store ``total`` articles in the (empty) database at ``url``; the seconds it took."""
    began = time.perf_counter()
    engine = create_engine(url)
    try:
        await migrate(engine)
        sessions = session_factory(engine)
        source_ids = await _sources(sessions)
        loop = asyncio.get_running_loop()
        with ProcessPoolExecutor(max_workers=workers) as pool:
            pending: list[asyncio.Future[list[Poll]]] = []
            chunks = _chunks(total)
            done = 0
            while True:
                while len(pending) < workers + 1:
                    bounds = next(chunks, None)
                    if bounds is None:
                        break
                    pending.append(loop.run_in_executor(pool, polls, *bounds, total, source_ids))
                if not pending:
                    break
                chunk = await pending.pop(0)
                await _store(sessions, chunk)
                done += sum(len(poll.entries) for poll in chunk)
                if done % (CHUNK * 25) == 0 or done == total:
                    rate = done / (time.perf_counter() - began)
                    print(f"  stored {done:,} of {total:,} ({rate:,.0f}/s)", flush=True)
    finally:
        await engine.dispose()
    return time.perf_counter() - began
