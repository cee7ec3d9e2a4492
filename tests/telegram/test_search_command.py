"""/search against the fake Bot API: the count and the newest ten, periods, paging with the
◀ ▶ buttons (after a restart too), a search retention pruned, groups (anyone may search), a
bad query. Articles are stored as the poller stores them (filed in the archive index)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.i18n.formats import format_datetime
from bot.pipeline.retention import prune_searches
from tests.support.archive_store import store_aged
from tests.support.e2e import FEED, OLD, OTHER_USER, USER, Apps, make_settings, say, say_in
from tests.support.fakes.feed_server import FeedServer, rss_feed
from tests.support.fakes.telegram_api import EditedMessage, FakeTelegram, SentMessage

HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
GROUP = -1002468
ZONE = ZoneInfo("Africa/Casablanca")  # make_settings' zone


def buttons(message: SentMessage | EditedMessage) -> dict[str, str]:
    """The message's buttons, text -> callback data."""
    if message.reply_markup is None:
        return {}
    return {
        b["text"]: b["callback_data"]
        for row in message.reply_markup["inline_keyboard"]
        for b in row
    }


async def press(
    telegram: FakeTelegram, data: str, *, user: int, message: SentMessage
) -> tuple[dict[str, Any], EditedMessage | None]:
    """Press a button of ``message`` as ``user``: the bot's answer, and its edit (if any)."""
    edits = len([e for e in telegram.edits if e.message_id == message.message_id])
    query_id = telegram.press_button(
        data, user_id=user, message_id=message.message_id, chat_id=message.chat_id
    )
    answered = 1 + sum(1 for name, _ in telegram.calls if name == "answerCallbackQuery")
    answers = await telegram.wait_for_call("answerCallbackQuery", count=answered)
    [answer] = [a for a in answers if a["callback_query_id"] == query_id]
    if answer.get("show_alert"):
        return answer, None
    found = await telegram.wait_for_edits(
        edits + 1, chat_id=message.chat_id, message_id=message.message_id
    )
    return answer, found[-1]


async def test_search_counts_shows_the_newest_ten_and_pages_through_the_rest(
    database_url: str, telegram: FakeTelegram, feeds: FeedServer, apps: Apps
) -> None:
    feeds.set(FEED, rss_feed("Le Site", [OLD]))
    app = await apps(make_settings(database_url, telegram, feeds))
    now = app.clock()
    # 23 matches, one an hour from 29.5 hours ago to 7.5 hours ago; one other 3 days old.
    await store_aged(
        app.sessions,
        [("Benkirane & le PJD", "Rabat.", 3 * DAY)]
        + [
            (f"Akhannouch n°{n} & Co", "Le gouvernement.", (30 - n) * HOUR - HOUR / 2)
            for n in range(23)
        ],
        now=now,
    )

    first = await say(telegram, USER, "/search Akhannouch")
    text = first.text
    assert text.startswith(
        "🔎 23 stored articles match Akhannouch among all stored articles, newest first:"
    )
    assert '1. <a href="https://archive.example.ma/' in text
    assert "<b>Akhannouch</b> n°22 &amp; Co</a>" in text  # the matched words in bold
    assert "Hespress &lt;AR&gt; · " + format_datetime("en", now - 7.5 * HOUR, ZONE) in text
    assert "10. " in text and "n°13 " in text and "11. " not in text and "n°12 " not in text
    assert text.endswith("Page 1 of 3") and list(buttons(first)) == ["▶"]
    assert first.link_preview_options == {"is_disabled": True}

    _, second = await press(telegram, buttons(first)["▶"], user=USER, message=first)
    assert second is not None and "11. " in second.text and "20. " in second.text
    assert "n°12 " in second.text and "n°3 " in second.text and "n°2 " not in second.text
    assert second.text.endswith("Page 2 of 3") and list(buttons(second)) == ["◀", "▶"]
    _, third = await press(telegram, buttons(second)["▶"], user=USER, message=first)
    assert third is not None and "21. " in third.text and "23. " in third.text
    assert "24. " not in third.text and list(buttons(third)) == ["◀"]
    _, back = await press(telegram, buttons(third)["◀"], user=USER, message=first)
    assert back is not None and back.text == second.text

    day = await say(telegram, USER, "/search 24h Akhannouch")
    assert "17 stored articles match Akhannouch in the last 24 hours" in day.text
    week = await say(telegram, USER, "/search 7D Benkirane")
    assert week.text.startswith("🔎 1 stored article matches Benkirane in the last 7 days:")
    assert "Benkirane</b> &amp; le PJD" in week.text and not buttons(week)
    none = await say(telegram, USER, "/search 24h Benkirane")
    assert "No stored article matches Benkirane in the last 24 hours" in none.text
    assert "Understood as: <code>" in none.text
    both = await say(telegram, USER, "/search 30d Akhannouch OR Benkirane")
    assert "24 stored articles match" in both.text and "in the last 30 days" in both.text

    assert "could not understand" in (await say(telegram, USER, '/search "Akhannouch')).text
    assert "Give the query to search for" in (await say(telegram, USER, "/search")).text
    assert "Give the query to search for" in (await say(telegram, USER, "/search 7d")).text


async def test_search_buttons_work_after_a_restart_until_the_search_is_pruned(
    database_url: str, telegram: FakeTelegram, feeds: FeedServer, apps: Apps
) -> None:
    feeds.set(FEED, rss_feed("Le Site", [OLD]))
    settings = make_settings(database_url, telegram, feeds)
    app = await apps(settings)
    now = app.clock()
    await store_aged(
        app.sessions, [(f"Akhannouch {n}", "", (20 - n) * HOUR) for n in range(12)], now=now
    )
    first = await say(telegram, USER, "/search 7d Akhannouch")
    assert "12 stored articles match" in first.text and list(buttons(first)) == ["▶"]

    await apps.stop(app)
    app = await apps(settings)
    _, second = await press(telegram, buttons(first)["▶"], user=USER, message=first)
    assert second is not None and "in the last 7 days" in second.text
    assert "11. " in second.text and "12. " in second.text and "Page 2 of 2" in second.text

    assert await prune_searches(app.sessions, app.clock() + 31 * DAY, 30 * DAY) == 1
    answer, edit = await press(telegram, buttons(second)["◀"], user=USER, message=first)
    assert edit is None and answer["text"] == "This search is no longer kept. Run /search again."


async def test_in_a_group_anyone_may_search_and_page(
    database_url: str, telegram: FakeTelegram, feeds: FeedServer, apps: Apps
) -> None:
    feeds.set(FEED, rss_feed("Le Site", [OLD]))
    telegram.add_chat(GROUP, "supergroup", "Veille presse")
    telegram.set_member(GROUP, USER, "administrator")
    telegram.set_member(GROUP, OTHER_USER, "member")
    app = await apps(make_settings(database_url, telegram, feeds))
    await store_aged(
        app.sessions, [(f"Akhannouch {n}", "", (20 - n) * HOUR) for n in range(11)], now=app.clock()
    )

    found = await say_in(telegram, GROUP, OTHER_USER, "/search Akhannouch")
    assert "11 stored articles match" in found.text and found.chat_id == GROUP
    _, page = await press(telegram, buttons(found)["▶"], user=USER, message=found)
    assert page is not None and "11. " in page.text

    # The button's data pressed under a message of another chat finds no search there.
    mine = await say(telegram, OTHER_USER, "/help")
    answer, edit = await press(telegram, buttons(found)["▶"], user=OTHER_USER, message=mine)
    assert edit is None and "no longer kept" in answer["text"]
