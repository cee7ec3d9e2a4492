"""The article pipeline over loopback: full text, canonical URLs, stories, subscriptions'
mute and start, published-time fallback. Real database, real Fetcher, real poller."""

from __future__ import annotations

from datetime import timedelta

from bot.storage.models import OutboxItem
from tests.support.fakes.feed_server import FeedItem, FeedServer, rss_feed
from tests.support.pipeline_world import pipeline_world
from tests.support.story_copies import FR_BODIES, FR_TITLES

USER = 2002
OTHER = 3003


def page(title: str, paragraphs: list[str], *, canonical: str | None = None) -> str:
    link = f'<link rel="canonical" href="{canonical}">' if canonical else ""
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (
        f"<html><head><meta charset='utf-8'><title>{title}</title>{link}</head><body>"
        "<nav><a href='/'>الرئيسية</a> | <a href='/sport'>رياضة</a></nav>"
        f"<article><h1>{title}</h1>{body}</article>"
        "<footer>جميع الحقوق محفوظة</footer></body></html>"
    )


OLD: FeedItem = {
    "title": "افتتاح معرض الكتاب بالرباط",
    "link": "https://old.example.ma/book-fair",
    "guid": "book-fair",
    "description": "افتتح اليوم معرض الكتاب.",
}

BODY = [
    "ترأس وزير الداخلية عبد الوافي لفتيت، اليوم بالرباط، اجتماعا خصص لتتبع تنفيذ "
    "الاستراتيجية الوطنية لمحاربة الهجرة غير النظامية، بحضور الولاة والعمال.",
    "وأكد الوزير خلال هذا الاجتماع على ضرورة تعزيز التنسيق بين مختلف المتدخلين، "
    "ومواصلة الجهود المبذولة على مستوى جميع جهات المملكة خلال الأشهر المقبلة.",
]


async def test_full_text_is_matched_and_a_canonical_copy_is_stored_once(
    database_url: str, feeds: FeedServer
) -> None:
    feeds.set("/a.xml", rss_feed("Site A", [OLD]))
    feeds.set("/b.xml", rss_feed("Site B", []))
    async with pipeline_world(database_url) as world:
        a = (await world.sources.add(feeds.url("/a.xml"))).source
        b = (await world.sources.add(feeds.url("/b.xml"))).source
        assert a.kind == "feed" and not a.full_text  # feeds: off unless configured
        await world.sources.set_full_text(a.id, True)
        await world.sources.set_full_text(b.id, True)
        await world.subscribe(USER, "لفتيت")

        article_url = feeds.url("/article/1")
        feeds.set(
            "/article/1",
            page("اجتماع حول الهجرة", BODY, canonical=article_url),
            content_type="text/html; charset=utf-8",
        )
        feeds.set(
            "/copy/1",
            page("اجتماع حول الهجرة", BODY, canonical=article_url + "?utm_source=b"),
            content_type="text/html; charset=utf-8",
        )
        # The headline and summary name neither the minister nor anyone: only the body does.
        new: FeedItem = {
            "title": "اجتماع حول الهجرة",
            "link": article_url + "?utm_source=rss",
            "guid": "a-1",
            "description": "اجتماع بالرباط.",
        }
        # A page that cannot be fetched keeps the article with its summary, still matched.
        broken: FeedItem = {
            "title": "بلاغ لوزارة الداخلية",
            "link": feeds.url("/gone"),
            "guid": "a-2",
            "description": "لفتيت يستقبل وفدا أجنبيا.",
        }
        feeds.set("/a.xml", rss_feed("Site A", [broken, new, OLD]))
        result = await world.poller.poll(a.id)
        assert result is not None and result.new_articles == 2

        feeds.set("/b.xml", rss_feed("Site B", [{**new, "link": feeds.url("/copy/1")}]))
        again = await world.poller.poll(b.id)
        assert again is not None and again.new_articles == 0  # same canonical URL

        articles = {a.url: a for a in await world.articles()}
        stored = articles[article_url]
        assert "عبد الوافي لفتيت" in stored.body and stored.summary == "اجتماع بالرباط."
        assert articles[feeds.url("/gone")].body == ""
        rows = await world.rows()
        assert sorted(r.article_id for r in rows) == sorted(
            [stored.id, articles[feeds.url("/gone")].id]
        )
        assert all(r.chat_id == USER and r.status == "pending" for r in rows)
        assert (await world.source(a.id)).error_count == 0
        assert feeds.hits["/copy/1"] == 1 and feeds.hits["/article/1"] == 1


async def test_html_sources_default_to_full_text_and_the_baseline_fetches_no_pages(
    database_url: str, feeds: FeedServer
) -> None:
    listing = (
        "<html><body><main>"
        + "".join(
            f"<article><h2><a href='/news/{i}'>خبر رقم {i} عن الحكومة والبرلمان</a></h2></article>"
            for i in range(1, 4)
        )
        + "</main></body></html>"
    )
    feeds.set("/list", listing, content_type="text/html; charset=utf-8")
    async with pipeline_world(database_url) as world:
        added = await world.sources.add(feeds.url("/list"))
        assert added.kind == "html" and added.source.full_text
        assert added.item_count == 3
        assert not any(path.startswith("/news/") for path in feeds.hits)


async def test_one_alert_per_story_and_later_outlets_are_noted(
    database_url: str, feeds: FeedServer
) -> None:
    for n in range(3):
        feeds.set(f"/s{n}.xml", rss_feed(f"Outlet {n}", []))
    async with pipeline_world(database_url) as world:
        ids = [
            (await world.sources.add(feeds.url(f"/s{n}.xml"), f"Outlet {n}")).source.id
            for n in range(3)
        ]
        await world.subscribe(USER, '"Conseil des ministres"')
        await world.subscribe(USER, "Conseil des ministres", thread_id=7)
        await world.subscribe(OTHER, "Mohammed VI")

        def item(n: int) -> FeedItem:
            return {
                "title": FR_TITLES[n],
                "link": f"https://outlet{n}.example.ma/roi-conseil",
                "guid": f"roi-{n}",
                "description": FR_BODIES[n],
            }

        feeds.set("/s0.xml", rss_feed("Outlet 0", [item(0)]))
        await world.poller.poll(ids[0])
        first = await world.rows()
        assert {(r.chat_id, r.thread_id) for r in first} == {(USER, 0), (USER, 7), (OTHER, 0)}
        # The (USER, 0) alert went out; the others are still pending.
        sent = next(r for r in first if (r.chat_id, r.thread_id) == (USER, 0))
        await world.update(OutboxItem, sent.id, status="sent", telegram_message_id=42)

        feeds.set("/s1.xml", rss_feed("Outlet 1", [item(1)]))
        result = await world.poller.poll(ids[1])
        assert result is not None and result.new_articles == 1 and result.queued_alerts == 0
        feeds.set("/s2.xml", rss_feed("Outlet 2", [item(2)]))
        await world.poller.poll(ids[2])

        rows = {(r.chat_id, r.thread_id): r for r in await world.rows()}
        assert len(rows) == 3  # still one per destination
        assert rows[(USER, 0)].also == ["Outlet 1", "Outlet 2"]
        assert rows[(USER, 0)].edit_pending
        assert rows[(USER, 7)].also == ["Outlet 1", "Outlet 2"]
        assert not rows[(USER, 7)].edit_pending  # not sent yet: it goes out with them
        articles = await world.articles()
        assert len(articles) == 3
        assert [a.story_id for a in articles] == [None, articles[0].id, articles[0].id]

        # A near miss (same protocol headline, another meeting) is its own story.
        other: FeedItem = {
            "title": "SM le Roi préside à Rabat une séance de travail sur l'eau",
            "link": "https://outlet2.example.ma/roi-eau",
            "guid": "roi-eau",
            "description": (
                "Sa Majesté le Roi Mohammed VI a présidé, mardi au Palais royal de Rabat, une "
                "séance de travail consacrée à la situation hydrique du Royaume, en présence du "
                "Chef du gouvernement et des ministres de l'Équipement et de l'Agriculture. "
                "Cette séance a porté sur l'état des barrages et le dessalement de l'eau de mer."
            ),
        }
        feeds.set("/s2.xml", rss_feed("Outlet 2", [other, item(2)]))
        result = await world.poller.poll(ids[2])
        assert result is not None and result.queued_alerts == 1
        water = [r for r in await world.rows() if r.chat_id == OTHER]
        assert len(water) == 2


async def test_muted_and_later_subscriptions_get_nothing(
    database_url: str, feeds: FeedServer
) -> None:
    feeds.set("/f.xml", rss_feed("F", []))
    async with pipeline_world(database_url) as world:
        source = (await world.sources.add(feeds.url("/f.xml"))).source
        now = world.clock()
        muted = await world.subscribe(USER, "Akhannouch", muted_until=now + timedelta(days=1))
        listening = await world.subscribe(USER, "Rabat")
        await world.subscribe(OTHER, "Akhannouch", muted_until=now + timedelta(days=1))
        expired = await world.subscribe(OTHER, "Rabat", muted_until=now - timedelta(minutes=1))
        # Created after the article was first seen (a clock skew, or a race with /sub).
        await world.subscribe(3004, "Akhannouch", created_at=now + timedelta(minutes=5))
        feeds.set(
            "/f.xml",
            rss_feed(
                "F",
                [
                    {
                        "title": "Akhannouch à Rabat",
                        "link": "https://f.example.ma/1",
                        "guid": "1",
                        "description": "Aziz Akhannouch a présidé une réunion à Rabat.",
                    }
                ],
            ),
        )
        await world.poller.poll(source.id)
        rows = {r.chat_id: r for r in await world.rows()}
        assert set(rows) == {USER, OTHER}
        assert rows[USER].subscription_ids == [listening]
        assert muted not in rows[USER].subscription_ids
        assert rows[OTHER].subscription_ids == [expired]


async def test_missing_published_time_is_first_seen_time(
    database_url: str, feeds: FeedServer
) -> None:
    feeds.set("/f.xml", rss_feed("F", []))
    async with pipeline_world(database_url) as world:
        source = (await world.sources.add(feeds.url("/f.xml"))).source
        world.clock.advance(600)
        feeds.set(
            "/f.xml",
            rss_feed("F", [{"title": "Sans date", "link": "https://f.example.ma/x", "guid": "x"}]),
        )
        await world.poller.poll(source.id)
        [article] = await world.articles()
        assert article.published_at == world.clock() == article.fetched_at
