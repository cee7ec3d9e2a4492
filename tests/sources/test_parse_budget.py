"""Hostile pages and selectors over loopback HTTP, read as the bot reads them (poller,
/addsource, /selector, full text): each is a clear error on its own source, within the parse
budget, while another source polls fine and the event loop stays responsive; the worker
that overran is killed and the next documents get a new one."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest

from bot.sources.errors import ErrorKind, SourceError
from bot.sources.parse_pool import ParsePool
from tests.support.fakes.feed_server import FeedServer, rss_feed
from tests.support.parsing import LAG, LoopLag
from tests.support.pipeline_world import World, pipeline_world

pytestmark = pytest.mark.alone  # times itself or runs processes: see scripts/test.sh

HTML = "text/html; charset=utf-8"
BUDGET = 1.0  # seconds per document, short so the overruns end quickly


def _links(*slugs: str) -> str:
    return "".join(
        f'<p><a href="/2026/11/30/{slug}">{slug.replace("-", " ").title()} today</a></p>'
        for slug in slugs
    )


def listing(*slugs: str, filler: str = "") -> str:
    """A listing page: a heading, then paragraphs of article links (``h1 ~ p`` picks them)."""
    return f"<html><body><div><h1>Akhbar</h1>{filler}{_links(*slugs)}</div></body></html>"


# 40,000 nested <div>: lexbor took 5 s on it, on the event loop.
DEEP = "<html><body>" + "<div>" * 40_000 + _links("a-deep-article-slug-here") + "</body></html>"
# 60,000 siblings: "h1 ~ p" looks back through them for each one (quadratic, minutes).
SIBLINGS = listing("a-new-article-slug-here", filler="<p>x</p>" * 60_000)
ARTICLE = (
    "<html><head><title>Article</title></head><body><article><h1>Le Conseil se reunit</h1>"
    + "<p>Le Conseil de gouvernement s'est reuni jeudi a Rabat pour examiner des textes.</p>" * 5
    + "</article></body></html>"
)


def _items(*numbers: int) -> list[dict[str, str]]:
    return [
        {"title": f"Depeche {n}", "link": f"https://good.example.ma/{n}", "guid": str(n)}
        for n in numbers
    ]


@pytest.fixture
async def parsers() -> AsyncIterator[ParsePool]:
    pool = ParsePool(2, BUDGET)
    await pool.start()
    try:
        yield pool
    finally:
        await pool.close()


@pytest.fixture
async def world(database_url: str, parsers: ParsePool) -> AsyncIterator[World]:
    async with pipeline_world(database_url, parsers=parsers) as made:
        yield made


async def test_hostile_pages_fail_alone_while_another_source_polls(
    world: World, feeds: FeedServer, parsers: ParsePool
) -> None:
    feeds.set("/good.xml", rss_feed("Good", _items(1)))
    feeds.set("/deep", listing("first-article-of-the-day"), content_type=HTML)
    feeds.set("/slow", listing("first-article-of-the-day"), content_type=HTML)
    good = (await world.sources.add(feeds.url("/good.xml"))).source
    deep = (await world.sources.add(feeds.url("/deep"))).source
    slow = (await world.sources.add(feeds.url("/slow"))).source
    assert (deep.kind, slow.kind) == ("html", "html")
    assert (await world.sources.set_selector(slow.id, "h1 ~ p")) is not None
    before = set(parsers.pids())

    feeds.set("/good.xml", rss_feed("Good", _items(1, 2)))
    feeds.set("/deep", DEEP, content_type=HTML)
    feeds.set("/slow", SIBLINGS, content_type=HTML)
    assert len(DEEP) > 200_000
    world.clock.advance(700)
    with LoopLag() as lag:
        started = time.monotonic()
        await asyncio.gather(*(world.poller.poll(s.id) for s in (good, deep, slow)))
        took = time.monotonic() - started
    assert lag.worst < LAG
    assert took < 30  # the budget, not the minutes the selector would take

    stored = {s.id: await world.source(s.id) for s in (good, deep, slow)}
    assert stored[good.id].error_count == 0
    assert "https://good.example.ma/2" in {a.url for a in await world.articles()}
    assert stored[deep.id].last_error == (
        "too_complex: refused: the page nests elements more than 512 deep"
    )
    assert stored[slow.id].last_error == (
        "parse_timeout: parsing the document took longer than 1s; the parser was stopped"
    )
    # The overrunning worker was killed; a new one takes its place when documents need it.
    (killed,) = before - set(parsers.pids())
    feeds.set("/good.xml", rss_feed("Good", _items(1, 2, 3)))
    feeds.set("/slow", listing("a-new-article-slug-here"), content_type=HTML)
    world.clock.advance(700)
    await asyncio.gather(world.poller.poll(good.id), world.poller.poll(slow.id))
    await asyncio.gather(parsers.run(time.sleep, 0.1), parsers.run(time.sleep, 0.1))
    assert len(parsers.pids()) == 2 and killed not in parsers.pids()
    assert "https://good.example.ma/3" in {a.url for a in await world.articles()}
    assert (await world.source(good.id)).error_count == 0
    assert (await world.source(slow.id)).error_count == 0


async def test_selectors_are_limited_and_run_within_the_budget(
    world: World, feeds: FeedServer
) -> None:
    feeds.set("/akhbar", listing("first-article-of-the-day"), content_type=HTML)
    source = (await world.sources.add(feeds.url("/akhbar"))).source
    hits = feeds.hits["/akhbar"]

    # Past the limits: refused with the reason, before anything is fetched.
    with pytest.raises(SourceError) as refused:
        await world.sources.set_selector(source.id, "h1 ~ p ~ p")
    assert refused.value.kind == ErrorKind.TOO_COMPLEX
    assert str(refused.value) == "the selector is too complex: more than 1 ~ combinators"
    with pytest.raises(SourceError) as too_long:
        await world.sources.set_selector(source.id, "div " * 60 + "a")
    assert "longer than 200 characters" in str(too_long.value)
    assert feeds.hits["/akhbar"] == hits

    # Within the limits but slow on this page: /selector answers within the budget.
    feeds.set("/akhbar", SIBLINGS, content_type=HTML)
    with LoopLag() as lag, pytest.raises(SourceError) as overran:
        await world.sources.set_selector(source.id, "h1 ~ p")
    assert lag.worst < LAG
    assert overran.value.kind == ErrorKind.PARSE_TIMEOUT
    assert (await world.source(source.id)).selector is None  # left as it was

    feeds.set("/akhbar", listing("first-article-of-the-day"), content_type=HTML)
    result = await world.sources.set_selector(source.id, "h1 ~ p")
    assert result is not None and result.link_count == 1


async def test_discovery_refuses_a_deep_page_without_freezing(
    world: World, feeds: FeedServer
) -> None:
    feeds.set("/", DEEP, content_type=HTML)
    with LoopLag() as lag, pytest.raises(SourceError) as refused:
        await world.sources.add(feeds.url("/"))
    assert lag.worst < LAG
    assert refused.value.kind == ErrorKind.TOO_COMPLEX
    assert "nests elements more than 512 deep" in str(refused.value)


async def test_full_text_of_a_hostile_article_page_is_left_out(
    world: World, feeds: FeedServer
) -> None:
    feeds.set("/akhbar", listing("first-article-of-the-day"), content_type=HTML)
    source = (await world.sources.add(feeds.url("/akhbar"))).source
    assert source.full_text
    feeds.set("/2026/11/30/a-deep-article-page-here", DEEP, content_type=HTML)
    feeds.set("/2026/11/30/a-proper-article-page-here", ARTICLE, content_type=HTML)
    feeds.set(
        "/akhbar",
        listing(
            "a-deep-article-page-here", "a-proper-article-page-here", "first-article-of-the-day"
        ),
        content_type=HTML,
    )
    world.clock.advance(700)
    with LoopLag() as lag:
        await world.poller.poll(source.id)
    assert lag.worst < LAG
    assert (await world.source(source.id)).error_count == 0
    bodies = {a.url.rsplit("/", 1)[1]: a.body for a in await world.articles()}
    assert "Conseil de gouvernement" in bodies["a-proper-article-page-here"]
    assert bodies["a-deep-article-page-here"] == ""  # its summary stays; the source is fine
