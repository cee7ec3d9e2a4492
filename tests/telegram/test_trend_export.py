"""/trend, /export and the /stats chart through the real bot: the photo and the document read
back from the fake Bot API's recorded uploads (PNG size, caption totals, CSV rows), periods,
the query limit, who may run them, and the paced outbound path for uploads.

The archive is stored before the bot starts (``tests.support.archive_world``), over the last
ten days of the real clock; expected counts come from the compiled query matched article by
article."""

from __future__ import annotations

import csv
import io
import re
import struct
from collections.abc import AsyncIterator
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from matplotlib.image import imread

from bot.archive.charts import HEIGHT_PX, WIDTH_PX
from bot.archive.export import ENCODING
from bot.i18n import plural, text
from bot.i18n.bidi import embed
from bot.matching import Document, QueryLimits, compile_query
from bot.storage.db import create_engine, migrate, session_factory
from bot.telegram.routers import reports
from bot.telegram.services import Services
from tests.support.archive_world import Stored, add_source, store
from tests.support.e2e import ADMIN, FEED, OLD, OTHER_USER, TOKEN, USER, Apps, make_settings, say
from tests.support.fakes.feed_server import FeedServer, rss_feed
from tests.support.fakes.telegram_api import SentFile
from tests.support.fakes.telegram_files import FakeTelegramFiles

GROUP = -1001234567
ZONE = ZoneInfo("Africa/Casablanca")  # the zone of tests.support.e2e.make_settings
LIMITS = QueryLimits(300, 20)

TEXTS = [
    ("Aziz Akhannouch préside le conseil", "Le chef du gouvernement Aziz Akhannouch a présidé "
     "jeudi à Rabat le conseil de gouvernement."),
    ("Benkirane critique le budget", "Abdelilah Benkirane a critiqué le projet de loi de "
     "finances, face à Akhannouch, lors d'une réunion du parti à Salé."),
    ("بنكيران يهاجم الحكومة", "هاجم عبد الإله بنكيران الحكومة في لقاء حزبي بسلا."),
    ("Pluie attendue sur le nord", "La météo annonce des pluies sur le nord ce week-end."),
]  # fmt: skip


@pytest.fixture
async def bot_api() -> AsyncIterator[FakeTelegramFiles]:
    async with FakeTelegramFiles(TOKEN) as fake:
        yield fake


async def seed(database_url: str) -> list[Stored]:
    """A few articles a day over the last ten days, stored before the bot starts."""
    now = datetime.now(UTC)
    stored = [
        Stored(*TEXTS[(day + index) % len(TEXTS)], now - timedelta(days=day, hours=index + 1))
        for day in range(10)
        for index in range(day % 3 + 2)
    ]
    engine = create_engine(database_url)
    try:
        await migrate(engine)
        sessions = session_factory(engine)
        await store(sessions, await add_source(sessions, "Hespress", now), stored)
    finally:
        await engine.dispose()
    return stored


def matching(
    stored: list[Stored], query: str, days: float | None = None, *, whole_days: bool = False
) -> int:
    """How many stored articles of the last ``days`` (all: None) ``query`` matches; with
    ``whole_days``, from midnight (the bot's zone) of the first one, as a chart counts."""
    compiled = compile_query(query, LIMITS)
    since = None if days is None else datetime.now(UTC) - timedelta(days=days)
    if since is not None and whole_days:
        since = datetime.combine(since.astimezone(ZONE).date(), time(), tzinfo=ZONE)
    return sum(
        1
        for article in stored
        if (since is None or article.at >= since)
        and compiled.match(Document(article.title, article.body)) is not None
    )


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def assert_chart(photo: SentFile) -> None:
    assert png_size(photo.content) == (WIDTH_PX, HEIGHT_PX)
    assert imread(io.BytesIO(photo.content), format="png").shape[:2] == (HEIGHT_PX, WIDTH_PX)


def total_in(caption: str | None, query: str) -> int:
    found = re.search(re.escape(query) + r": (\d+) articles?\b", caption or "")
    assert found is not None, caption
    return int(found.group(1))


async def start(
    database_url: str, bot_api: FakeTelegramFiles, feeds: FeedServer, apps: Apps
) -> list[Stored]:
    stored = await seed(database_url)
    feeds.set(FEED, rss_feed("Le Site", [OLD]))
    await apps(make_settings(database_url, bot_api, feeds))
    return stored


async def command(bot_api: FakeTelegramFiles, kind: str, chat: int, line: str) -> SentFile:
    """Send ``line`` in ``chat`` (a private chat, as its user; a group, as USER); the file
    the bot sent."""
    before = len(bot_api.photos if kind == "photo" else bot_api.documents)
    if chat > 0:  # a private chat: its user's
        bot_api.add_message(line, user_id=chat)
    else:
        bot_api.add_chat_message(line, user_id=USER, chat_id=chat)
    files = await bot_api.wait_for_files(kind, before + 1, chat_id=None, timeout=20)
    assert files[-1].chat_id == chat
    return files[-1]


async def test_trend_sends_a_chart_with_each_query_total(
    database_url: str, bot_api: FakeTelegramFiles, feeds: FeedServer, apps: Apps
) -> None:
    stored = await start(database_url, bot_api, feeds, apps)

    photo = await command(bot_api, "photo", USER, "/trend Akhannouch; Benkirane")
    assert_chart(photo)
    assert photo.parse_mode == "HTML"
    assert total_in(photo.caption, "Akhannouch") == matching(stored, "Akhannouch") > 10
    assert total_in(photo.caption, "Benkirane") == matching(stored, "Benkirane") > 5
    assert "🗓" in (photo.caption or "")

    week = await command(bot_api, "photo", USER, "/trend 7d Akhannouch; Benkirane")
    assert_chart(week)
    for query in ("Akhannouch", "Benkirane"):
        assert total_in(week.caption, query) == matching(stored, query, 7, whole_days=True)
    assert matching(stored, "Akhannouch", 7, whole_days=True) < matching(stored, "Akhannouch")

    five = await say(bot_api, USER, "/trend a; b; c; d; e")
    assert five.text == text("en", "trend_too_many", max=4)
    assert (await say(bot_api, USER, "/trend")).text == text("en", "trend_usage")
    assert (await say(bot_api, USER, "/trend 7d Rabat;; Salé")).text == text("en", "trend_usage")
    bad = await say(bot_api, USER, "/trend Akhannouch; " + "x" * 400)
    assert "could not understand" in bad.text and "300" in bad.text
    assert len(bot_api.photos) == 2

    # In an Arabic chat: the caption in Arabic, the query isolated, the total in its plural.
    bot_api.add_message("/trend بنكيران", user_id=OTHER_USER, language_code="ar")
    [arabic] = await bot_api.wait_for_files("photo", chat_id=OTHER_USER, timeout=20)
    assert_chart(arabic)
    total = matching(stored, "بنكيران", 30, whole_days=True)
    assert total == matching(stored, "Benkirane", 30, whole_days=True)  # across scripts
    lines = (arabic.caption or "").splitlines()
    assert lines[:2] == [
        text("ar", "chart_trend_title"),
        plural("ar", "chart_series", total, query=embed("ar", "بنكيران")),
    ]


async def test_export_sends_a_csv_of_the_matching_articles(
    database_url: str, bot_api: FakeTelegramFiles, feeds: FeedServer, apps: Apps
) -> None:
    stored = await start(database_url, bot_api, feeds, apps)

    for line, days in (("/export Akhannouch", None), ("/export 7d Akhannouch", 7)):
        document = await command(bot_api, "document", USER, line)
        assert re.fullmatch(r"rasd-export-\d{4}-\d\d-\d\d-\d{4}\.csv", document.file_name)
        assert document.content.startswith(b"\xef\xbb\xbf")
        rows = list(csv.reader(io.StringIO(document.content.decode(ENCODING), newline="")))
        expected = matching(stored, "Akhannouch", days)
        assert len(rows) == 1 + expected, line
        assert rows[0][0] == text("en", "export_published")
        assert all(len(row) == 5 and row[3].startswith("https://") for row in rows[1:])
        assert document.caption == text("en", "export_caption", count=expected)

    nothing = await say(bot_api, USER, "/export Zyzzyva")
    assert nothing.text == text("en", "export_none", query="Zyzzyva")
    assert (await say(bot_api, USER, "/export 30d")).text == text("en", "export_usage")


async def test_stats_chart_goes_to_admins_only(
    database_url: str, bot_api: FakeTelegramFiles, feeds: FeedServer, apps: Apps
) -> None:
    await start(database_url, bot_api, feeds, apps)

    refused = await say(bot_api, USER, "/stats")
    assert refused.text == text("en", "admin_only")
    bot_api.add_message("/stats", user_id=ADMIN)
    [chart] = await bot_api.wait_for_files("photo", chat_id=ADMIN, timeout=20)
    assert_chart(chart)
    assert chart.caption == text("en", "stats_chart_caption", window=30)
    assert [m for m in bot_api.sent if m.chat_id == ADMIN and "Sources" in m.text]
    assert not [p for p in bot_api.photos if p.chat_id == USER]


async def test_a_group_member_may_chart_and_export(
    database_url: str, bot_api: FakeTelegramFiles, feeds: FeedServer, apps: Apps
) -> None:
    stored = await start(database_url, bot_api, feeds, apps)
    bot_api.add_chat(GROUP, "supergroup", "Rédaction")
    bot_api.set_member(GROUP, USER, "member")

    photo = await command(bot_api, "photo", GROUP, "/trend Benkirane")
    assert_chart(photo)
    assert total_in(photo.caption, "Benkirane") == matching(stored, "Benkirane")
    document = await command(bot_api, "document", GROUP, "/export@rasd_test_bot Benkirane")
    rows = list(csv.reader(io.StringIO(document.content.decode(ENCODING), newline="")))
    assert len(rows) == 1 + matching(stored, "Benkirane")


async def test_an_upload_answered_429_waits_and_goes_again(
    database_url: str, bot_api: FakeTelegramFiles, feeds: FeedServer, apps: Apps
) -> None:
    """sendPhoto goes through the one paced outbound path: Telegram's 429 is waited out and
    the photo sent again, and the handler never sees it."""
    await start(database_url, bot_api, feeds, apps)
    bot_api.fail_next(
        "sendPhoto", error_code=429, description="Too Many Requests: retry after 1", retry_after=1
    )
    photo = await command(bot_api, "photo", USER, "/trend Akhannouch")
    assert_chart(photo)
    calls = [params for name, params in bot_api.calls if name == "sendPhoto"]
    assert len(calls) == 2
    assert not [m for m in bot_api.sent if m.chat_id == USER]  # no error reply


async def test_past_the_budget_the_answer_says_it_took_too_long(
    database_url: str,
    bot_api: FakeTelegramFiles,
    feeds: FeedServer,
    apps: Apps,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    await start(database_url, bot_api, feeds, apps)
    monkeypatch.setattr(reports, "TREND_SECONDS", 0.0)
    monkeypatch.setattr(reports, "EXPORT_SECONDS", 0.0)
    too_slow = text("en", "archive_too_slow")
    assert (await say(bot_api, USER, "/trend Akhannouch")).text == too_slow
    assert (await say(bot_api, USER, "/export Akhannouch")).text == too_slow
    assert not bot_api.photos and not bot_api.documents


async def test_a_chart_waits_its_turn_with_searches(
    database_url: str, bot_api: FakeTelegramFiles, feeds: FeedServer, apps: Apps
) -> None:
    """One search, chart or export at a time per person: while USER's search runs, their
    /trend and /export are refused (not queued), and ADMIN's chart is drawn."""
    await seed(database_url)
    feeds.set(FEED, rss_feed("Le Site", [OLD]))
    app = await apps(make_settings(database_url, bot_api, feeds))
    assert app.dispatcher is not None
    services: Services = app.dispatcher["services"]
    async with services.search.gate.enter(USER):
        wait = text("en", "reports_wait")
        assert (await say(bot_api, USER, "/trend Akhannouch")).text == wait
        assert (await say(bot_api, USER, "/export Akhannouch")).text == wait
        assert_chart(await command(bot_api, "photo", ADMIN, "/trend Akhannouch"))
    assert_chart(await command(bot_api, "photo", USER, "/trend Akhannouch"))
