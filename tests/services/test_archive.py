"""The archive search equals a full scan: for every query, ``count`` and ``newest`` give
exactly the stored articles of the period that the compiled query matches, read one by one
(``bot.storage.scan`` and the matcher). Articles are stored by ``ingest``, as the poller
stores them; real SQLite, and PostgreSQL when CI runs one."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Connection, func, insert, select, text
from sqlalchemy.engine import make_url

from benchmarks import corpus
from bot.access import AccessPolicy
from bot.alerts.entries import match_entries
from bot.alerts.index import SubscriptionIndex
from bot.alerts.ingest import ingest
from bot.matching import (
    AnalyzedDocument,
    CompiledQuery,
    Document,
    QueryError,
    QueryLimits,
    compile_query,
)
from bot.services.archive import ArchiveSearch
from bot.sources.model import ParsedEntry
from bot.storage.archive import ArchiveRepository, file_articles
from bot.storage.archive_build import rebuild
from bot.storage.archive_schema import INDEX_VERSION, LISTS, TABLE, VOCABULARY, set_version
from bot.storage.archive_terms import ArticleTerms, Term, WrittenTerms, key_ids, term
from bot.storage.db import SessionFactory, create_engine, migrate, session_factory
from bot.storage.models import Article, Source
from bot.storage.retention import RetentionRepository
from bot.storage.scan import ArticleScan
from bot.storage.sources import SourceRepository

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
DEV = Path(__file__).parents[1] / "data" / "matching" / "dev_matching.jsonl"
ACCESS = AccessPolicy(mode="open", admins=frozenset(), allowed=frozenset())
LIMITS = QueryLimits(1000, 50)

# Names, phrases, NOT, NEAR, OR, Arabic clitics, across scripts, title:, typos.
QUERIES = [
    "Akhannouch",
    "أخنوش",
    "Bourita",
    "بوريطة",
    "Akhanouch",
    "عزيز أخنوش",
    '"Nasser Bourita"',
    "لفتيت OR Laftit",
    "الرباط",
    "بالرباط",
    "والرباط",
    "Rabat -Casablanca",
    "Akhannouch NEAR/5 gouvernement",
    "(Lekjaa OR Fettah) budget",
    "title:Bourita",
    "الحكومة NOT الوزير",
    '"رئيس الحكومة"',
    "Benkirane Othmani",
    "بنكيران",
    "Marrakech OR مراكش",
]


async def _source(sessions: SessionFactory, name: str = "A") -> int:
    async with sessions() as session, session.begin():
        source = Source(
            url=f"https://{name}.ma/rss",
            feed_url=f"https://{name}.ma/rss",
            name=name,
            interval_seconds=600,
            next_poll_at=NOW,
            created_at=NOW,
        )
        session.add(source)
        await session.flush()
        return source.id


async def _store(
    sessions: SessionFactory, source_id: int, docs: list[tuple[str, str]], at: datetime, n: int
) -> None:
    """Store the (title, text) documents, fetched at ``at``, as one poll; half the time with
    the analysis made before the write (as the poller does), else made by ``ingest``."""
    entries = [
        ParsedEntry(f"g{n}-{i}", f"https://a.ma/{source_id}/{n}/{i}", title, body, at)
        for i, (title, body) in enumerate(docs)
    ]
    index = SubscriptionIndex(LIMITS)
    matches = None
    if n % 2:
        matches = match_entries(entries, index, now=at, max_age=None, alert=True)
    async with sessions() as session, session.begin():
        result = await ingest(
            session,
            source_id=source_id,
            entries=entries,
            index=index,
            access=ACCESS,
            now=at,
            alert=n % 3 != 0,
            max_age=None,
            matches=matches,
        )
    assert result.new_articles == len(docs)


async def _scan(sessions: SessionFactory, since: datetime) -> list[AnalyzedDocument]:
    """Every article stored since ``since``, newest first, by reading them all."""
    found: list[AnalyzedDocument] = []
    below = None
    while True:
        async with sessions() as session:
            texts = await ArticleScan(session).batch(since, below, 500)
        if not texts:
            return found
        for t in texts:
            document = AnalyzedDocument(Document(t.title, t.body or t.summary))
            document.cache["id"] = t.id
            found.append(document)
        below = texts[-1].id


def _compiled(queries: list[str]) -> list[CompiledQuery]:
    out = []
    for q in dict.fromkeys(queries):
        try:
            out.append(compile_query(q, LIMITS))
        except QueryError:
            continue
    return out


async def _check(
    sessions: SessionFactory, queries: list[CompiledQuery], periods: list[datetime | None]
) -> int:
    """Every query over every period: search == scan; how many matches in all."""
    search = ArchiveSearch(sessions)
    total = 0
    for since in periods:
        stored = await _scan(sessions, since or NOW - timedelta(days=10_000))
        for query in queries:
            expected = [d.cache["id"] for d in stored if query.match_analyzed(d) is not None]
            assert await search.count(query, since) == len(expected), (query.text, since)
            found = [m.id async for batch in search.matches(query, since) for m in batch]
            assert found == expected, (query.text, since)
            ids = [i async for batch in search.match_ids(query, since) for i in batch]
            assert ids == expected, (query.text, since)
            # The newest page, read and with its spans, as a reply shows it.
            hits = await search.newest(query, since, limit=10)
            assert [h.article.id for h in hits] == expected[:10], (query.text, since)
            assert all(h.spans for h in hits), (query.text, since)
            total += len(expected)
    return total


async def test_search_equals_a_full_scan_on_the_dev_set(sessions: SessionFactory) -> None:
    cases = [json.loads(line) for line in DEV.read_text(encoding="utf-8").splitlines() if line]
    source_id = await _source(sessions)
    for n in range(0, len(cases), 40):
        chunk = cases[n : n + 40]
        await _store(sessions, source_id, [(c["title"], c["text"]) for c in chunk], NOW, n)
    queries = _compiled([c["query"] for c in cases] + QUERIES)
    assert len(queries) > 100
    total = await _check(sessions, queries, [None])
    # Every case the dev set expects to match is found by its own query.
    assert total >= sum(1 for c in cases if c["expect"])


async def test_search_equals_a_full_scan_on_a_generated_archive(sessions: SessionFactory) -> None:
    source_id = await _source(sessions)
    docs = [(a["title"], a["text"]) for a in corpus.articles(600, seed=3)]
    for n in range(0, len(docs), 50):  # 12 polls spread over 30 days, the last one now
        at = NOW - timedelta(days=30) + timedelta(days=30 * (n + 50) / len(docs))
        await _store(sessions, source_id, docs[n : n + 50], at, n // 50)
    queries = _compiled(QUERIES + corpus.subscriptions(30, seed=5))
    periods = [None, NOW - timedelta(days=7), NOW - timedelta(hours=24)]
    totals = [await _check(sessions, queries, [since]) for since in periods]
    # The queries match a fair share of the archive, and every period has matches to compare.
    assert totals[0] > 300 and totals[0] > totals[1] > totals[2] > 0, totals


async def test_pages_follow_each_other(sessions: SessionFactory) -> None:
    source_id = await _source(sessions)
    docs = [(a["title"], a["text"]) for a in corpus.articles(300, seed=4)]
    await _store(sessions, source_id, docs, NOW, 1)
    query = compile_query("Akhannouch OR أخنوش OR Bourita OR بوريطة OR Laftit OR لفتيت", LIMITS)
    search = ArchiveSearch(sessions)
    everything = [h.article.id for h in await search.newest(query, None, limit=1000)]
    assert len(everything) > 12
    paged: list[int] = []
    for offset in range(0, len(everything) + 4, 4):
        paged.extend(h.article.id for h in await search.newest(query, None, limit=4, offset=offset))
    assert paged == everything == sorted(everything, reverse=True)
    assert await search.newest(query, None, limit=10, offset=len(everything)) == []


async def _index_ids(sessions: SessionFactory) -> set[int]:
    async with sessions() as session:
        sqlite = session.get_bind().dialect.name == "sqlite"
        # SQLite's postings are contentless (no scan): their side table lists the articles.
        rows = await session.execute(text(f"SELECT article_id FROM {LISTS if sqlite else TABLE}"))
        return {int(row[0]) for row in rows.all()}


async def test_retention_removes_index_rows(sessions: SessionFactory) -> None:
    source_id = await _source(sessions)
    old = [("Akhannouch à Rabat", "Le chef du gouvernement Aziz Akhannouch.")] * 1
    await _store(sessions, source_id, old, NOW - timedelta(days=40), 1)
    await _store(sessions, source_id, [("أخنوش في الرباط", "رئيس الحكومة عزيز أخنوش")], NOW, 2)
    query = compile_query("Akhannouch", LIMITS)
    search = ArchiveSearch(sessions)
    assert await search.count(query, None) == 2
    async with sessions() as session, session.begin():
        deleted = await RetentionRepository(session).delete_articles_before(
            NOW - timedelta(days=30), 100
        )
    assert deleted == 1
    async with sessions() as session:
        stored = set(await session.scalars(select(Article.id)))
    assert await _index_ids(sessions) == stored
    assert await search.count(query, None) == 1


async def test_deleting_a_source_removes_its_index_rows(sessions: SessionFactory) -> None:
    kept = await _source(sessions, "kept")
    gone = await _source(sessions, "gone")
    docs = [(a["title"], a["text"]) for a in corpus.articles(60, seed=6)]
    await _store(sessions, kept, docs[:30], NOW - timedelta(hours=2), 1)
    await _store(sessions, gone, docs[30:], NOW - timedelta(hours=1), 2)  # the highest ids
    async with sessions() as session, session.begin():
        assert await SourceRepository(session).delete(gone)
    async with sessions() as session:
        stored = set(await session.scalars(select(Article.id)))
    assert len(stored) == 30
    assert await _index_ids(sessions) == stored
    # New articles (SQLite reuses the deleted ids) are found, and only they and the kept.
    await _store(sessions, kept, docs[30:], NOW, 3)
    await _check(sessions, _compiled(QUERIES + corpus.subscriptions(10, seed=6)), [None])


async def test_typos_scripts_and_clitics_are_found_through_the_vocabulary(
    sessions: SessionFactory,
) -> None:
    source_id = await _source(sessions)
    docs = [
        ("Akhannouch reçoit le ministre", "Le chef du gouvernement à Rabat."),
        ("أخنوش يستقبل الوزير", "رئيس الحكومة بالرباط"),
        ("Le marché de Casablanca", "Rien sur le sujet."),
        ("بن كيران يلتقي عبدالرحمن", "لقاء في فاس"),
        ("الشركة تعزز أسطولها", "طائرات جديدة"),
        ("سموتريتش يعرض خطة جديدة", "في القدس"),
        ("قمة في نيو يورك", "اجتماع أممي"),
        ("الفيفا تعاقب النادي", "قرار تأديبي"),
    ]
    await _store(sessions, source_id, docs, NOW, 1)
    search = ArchiveSearch(sessions)
    # None of these query words is an article word: the vocabulary leads from their keys
    # to the article's own words (a typo, the other script, the article الـ for بـ).
    for query, expected in [
        ("Akhanouch", {docs[0][0], docs[1][0]}),
        ("أخنوش", {docs[0][0], docs[1][0]}),
        ("الرباط", {docs[0][0], docs[1][0]}),  # بالرباط, and Rabat across scripts
        ("Casablnca", {docs[2][0]}),
        ("Benkirane", {docs[3][0]}),  # a particle and its name, filed as one word
        ("عبد الرحمن", {docs[3][0]}),  # written solid in the article
        ("الأسطول", {docs[4][0]}),  # behind a pronoun suffix
        ("Smotrich", {docs[5][0]}),  # تش read as the English ch
        ("نيويورك", {docs[6][0]}),  # نيو and its name, filed as one word
        ("FIFA", {docs[7][0]}),  # a long acronym meets its Arabic spelling
    ]:
        hits = await search.newest(compile_query(query, LIMITS), None, limit=10)
        assert {h.article.title for h in hits} == expected, query
    checked = [
        *("Akhanouch", "أخنوش", "الرباط", "Casablnca", "Benkirane", "عبد الرحمن", "الأسطول"),
        *("Smotrich", "نيويورك", "FIFA"),
    ]
    await _check(sessions, _compiled(checked), [None])


async def test_terms_of_a_rolled_back_write_are_written_again(sessions: SessionFactory) -> None:
    """The writers' memory of written vocabulary rows keeps only committed ones."""
    source_id = await _source(sessions)
    doc = [("Zorglubix au Parlement", "Le député Zorglubix a parlé.")]
    entries = [ParsedEntry("g", "https://a.ma/z", doc[0][0], doc[0][1], NOW)]
    async with sessions() as session:
        with pytest.raises(RuntimeError):
            async with session.begin():
                await ingest(
                    session,
                    source_id=source_id,
                    entries=entries,
                    index=SubscriptionIndex(LIMITS),
                    access=ACCESS,
                    now=NOW,
                    alert=False,
                    max_age=None,
                )
                raise RuntimeError("the write fails after the index rows")
        async with session.begin():  # the same session commits later: nothing of the above
            pass
    await _store(sessions, source_id, doc, NOW, 1)
    query = compile_query("Zorglubix", LIMITS)
    assert await ArchiveSearch(sessions).count(query, None) == 1


def _at_0005(connection: Connection) -> None:
    """Articles stored before the index existed (schema 0005: the models' tables then)."""
    connection.execute(
        insert(Source),
        [
            {
                "url": "https://a.ma",
                "feed_url": "https://a.ma/rss",
                "name": "A",
                "interval_seconds": 600,
                "next_poll_at": NOW,
                "created_at": NOW,
                "id": 1,
            }
        ],
    )
    rows = [
        {
            "id": i,
            "source_id": 1,
            "guid": f"g{i}",
            "url": f"https://a.ma/{i}",
            "title": a["title"],
            "summary": a["text"] if i % 2 else "",
            "body": "" if i % 2 else a["text"],
            "published_at": NOW - timedelta(hours=i),
            "fetched_at": NOW - timedelta(hours=i),
            "title_key": "",
        }
        for i, a in enumerate(corpus.articles(700, seed=9), start=1)
    ]
    connection.execute(insert(Article), rows)


async def test_migration_of_an_existing_database_builds_the_index(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        await migrate(engine, "0005")
        async with engine.begin() as connection:
            await connection.run_sync(_at_0005)
        await migrate(engine)  # 700 articles: the build goes in batches of 500
        sessions = session_factory(engine)
        async with sessions() as session:
            assert await ArchiveRepository(session).version() == INDEX_VERSION
            stored = set(await session.scalars(select(Article.id)))
            assert await session.scalar(select(func.count()).select_from(Article)) == 700
        assert await _index_ids(sessions) == stored
        await _check(sessions, _compiled(QUERIES), [None, NOW - timedelta(days=7)])
    finally:
        await engine.dispose()
    if make_url(database_url).get_backend_name() == "sqlite":
        database = make_url(database_url).database
        assert database is not None
        with sqlite3.connect(database) as raw:
            assert raw.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
            assert raw.execute(f"INSERT INTO {TABLE}({TABLE}) VALUES ('integrity-check')")


@pytest.mark.parametrize("since", [None, NOW - timedelta(days=1)])
async def test_a_query_matching_nothing_finds_nothing(
    sessions: SessionFactory, since: datetime | None
) -> None:
    source_id = await _source(sessions)
    await _store(sessions, source_id, [("Akhannouch", "Rabat")], NOW, 1)
    query = compile_query("Benkirane", LIMITS)
    assert await ArchiveSearch(sessions).count(query, since) == 0
    assert await ArchiveSearch(sessions).newest(query, since, limit=10) == []


async def test_single_words_and_their_and_or_not_are_counted_without_reading_articles(
    sessions: SessionFactory,
) -> None:
    """The fast path: terms of single words, AND, OR and NOT of them are answered from the
    index alone (exact); phrases, NEAR and title: are narrowed there and verified."""
    source_id = await _source(sessions)
    docs = [(a["title"], a["text"]) for a in corpus.articles(300, seed=4)]
    await _store(sessions, source_id, docs, NOW, 1)
    search = ArchiveSearch(sessions)
    exact = ["Akhannouch", "أخنوش", "بالرباط", "Akhanouch", "Benkirane Othmani"]
    exact += ["لفتيت OR Laftit", "الحكومة NOT الوزير", "Rabat -Casablanca"]
    narrowed = ['"Nasser Bourita"', "Akhannouch NEAR/5 gouvernement", "title:Bourita"]
    narrowed += ['"رئيس الحكومة"', 'Rabat -"Nasser Bourita"']
    stored = await _scan(sessions, NOW - timedelta(days=1))
    for text_, is_exact in [(q, True) for q in exact] + [(q, False) for q in narrowed]:
        query = compile_query(text_, LIMITS)
        found = await search.lookup(query, None)
        assert found.exact is is_exact, text_
        expected = [d.cache["id"] for d in stored if query.match_analyzed(d) is not None]
        if is_exact:
            assert found.ids == expected, text_
        else:  # a superset, each candidate verified
            assert set(expected) <= set(found.ids), text_


async def test_two_words_sharing_a_term_id_make_it_ambiguous(sessions: SessionFactory) -> None:
    """32-bit term ids can collide: the vocabulary then keeps no word for the id, and the
    articles holding it are verified rather than counted."""
    source_id = await _source(sessions)
    async with sessions() as session, session.begin():
        article = Article(
            source_id=source_id,
            guid="g-collide",
            url="https://a.ma/collide",
            title="Akhannouch",
            summary="",
            body="",
            published_at=NOW,
            fetched_at=NOW,
            title_key="",
        )
        session.add(article)
        await session.flush()
        article_id = article.id
    key = key_ids(["akhanouch"])[0]
    first, second = term("akhannouch", True), term("benkirane", True)
    same = Term(second.word, True, second.digest, first.id)  # as if their ids collided
    filed = ArticleTerms({first.digest: first, same.digest: same}, {})
    terms = {first.digest: (key,), same.digest: (key,)}
    filed = ArticleTerms(filed.terms, terms)
    async with sessions() as session, session.begin():
        connection = await session.connection()
        await connection.run_sync(file_articles, {article_id: filed}, WrittenTerms())
    async with sessions() as session:
        words = await ArchiveRepository(session).words_under(["akhanouch"])
    assert [(w.term, w.word) for w in words] == [(first.id, "")]
    query = compile_query("Akhannouch", LIMITS)
    found = await ArchiveSearch(sessions).lookup(query, None)
    assert not found.exact and article_id in found.ids
    assert await ArchiveSearch(sessions).count(query, None) == 1  # verified: it does match


async def _drop_keys(sessions: SessionFactory, keys: list[str], version: int) -> None:
    """Make the index look built by an older analysis: ``keys`` unfiled, ``version`` recorded."""
    async with sessions() as session, session.begin():
        connection = await session.connection()
        for key in key_ids(keys):
            await connection.execute(text(f"DELETE FROM {VOCABULARY} WHERE key = {key}"))
        await connection.run_sync(set_version, version)


@pytest.mark.parametrize("recorded", [INDEX_VERSION - 1, INDEX_VERSION])
async def test_an_index_of_an_older_analysis_is_built_again(
    database_url: str, recorded: int
) -> None:
    """``rebuild`` (what a migration runs when the analysis changes) builds again an index
    whose recorded analysis is older than today's, here missing a word's keys, and leaves
    one of today's alone."""
    engine = create_engine(database_url)
    try:
        await migrate(engine)
        sessions = session_factory(engine)
        source_id = await _source(sessions)
        docs = [("Visite à Ouarzazate", "Le ministre est à Ouarzazate.")]
        await _store(sessions, source_id, docs, NOW, 1)
        query = compile_query("Ouarzazate", LIMITS)
        assert await ArchiveSearch(sessions).count(query, None) == 1
        await _drop_keys(
            sessions, [key for word in query.query_words().values() for key in word.keys], recorded
        )
        assert await ArchiveSearch(sessions).count(query, None) == 0
        async with engine.begin() as connection:
            rebuilt = await connection.run_sync(rebuild)
        assert rebuilt == (recorded != INDEX_VERSION)
        async with sessions() as session:
            assert await ArchiveRepository(session).version() == INDEX_VERSION
        assert await ArchiveSearch(sessions).count(query, None) == (1 if rebuilt else 0)
    finally:
        await engine.dispose()
