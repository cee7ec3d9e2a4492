"""Allowlist mode in groups: strangers' chatter, joins and other bots' commands get nothing;
the bot's own commands and buttons get the refusal; a chat is recorded only once its sender
was let in (the bot being added to a group included). The real application, over loopback."""

from __future__ import annotations

from bot.app import App
from bot.storage.models import Chat
from tests.support.e2e import ADMIN, FEED, OLD, OTHER_USER, USER, Apps, make_settings, say, say_in
from tests.support.fakes.feed_server import FeedServer, rss_feed
from tests.support.fakes.telegram_api import FakeTelegram

GROUP = -1003000001
STRANGERS = -1003000002
STRANGER = 5005


async def chat_known(app: App, chat_id: int) -> bool:
    async with app.sessions() as session:
        return await session.get(Chat, chat_id) is not None


def group_replies(telegram: FakeTelegram, chat_id: int) -> list[str]:
    return [m.text for m in telegram.sent if m.chat_id == chat_id]


async def test_in_an_allowlisted_bot_strangers_in_a_group_get_only_refusals_of_its_commands(
    database_url: str, telegram: FakeTelegram, feeds: FeedServer, apps: Apps
) -> None:
    feeds.set(FEED, rss_feed("Le Site", [OLD]))
    telegram.add_chat(GROUP, "supergroup", "Veille")
    telegram.set_member(GROUP, USER, "administrator")
    telegram.add_chat(STRANGERS, "supergroup", "Others")
    settings = make_settings(database_url, telegram, feeds, access="allowlist", allow=[USER])
    app = await apps(settings)

    # Added by a stranger: nothing recorded, nothing said.
    telegram.add_bot_membership(STRANGERS, user_id=STRANGER)
    # Chatter, a join, another bot's command and a command of no bot's: silence.
    telegram.add_chat_message("Bonjour à tous", user_id=STRANGER, chat_id=GROUP)
    telegram.add_chat_message("/start@other_news_bot", user_id=STRANGER, chat_id=GROUP)
    telegram.add_chat_message("/weather Rabat", user_id=STRANGER, chat_id=GROUP)
    join = telegram._new_message(GROUP, telegram._user(STRANGER), "")
    del join["text"]
    join["new_chat_members"] = [telegram._user(STRANGER)]
    telegram._queue_update("message", join)
    # The bot's own commands, plain or addressed to it, are refused.
    refused = await say_in(telegram, GROUP, STRANGER, "/subscribe Macron")
    assert "This bot is private" in refused.text and str(STRANGER) in refused.text
    addressed = await say_in(telegram, GROUP, STRANGER, "/list@rasd_test_bot")
    assert "This bot is private" in addressed.text
    unknown_to_it = await say_in(telegram, GROUP, STRANGER, "/frobnicate@rasd_test_bot")
    assert "This bot is private" in unknown_to_it.text
    # Everything queued before has been handled by now (a private round trip to be sure).
    await say(telegram, USER, "/help")
    assert len(group_replies(telegram, GROUP)) == 3, group_replies(telegram, GROUP)
    assert group_replies(telegram, STRANGERS) == []
    assert not await chat_known(app, STRANGERS)
    assert not await chat_known(app, GROUP)  # nobody let in has spoken there yet
    assert not await chat_known(app, STRANGER)

    # An allowed admin of the group is served there, and the group is recorded.
    subscribed = await say_in(telegram, GROUP, USER, "/subscribe Macron")
    assert "Subscribed (#1)" in subscribed.text
    assert await chat_known(app, GROUP)
    # Once an admin allows the stranger, the same command works.
    assert "may now use" in (await say(telegram, ADMIN, f"/allow {STRANGER}")).text
    listing = await say_in(telegram, GROUP, STRANGER, "/list")
    assert "1. Macron" in listing.text

    # In a private chat a stranger is still told, whatever they send.
    assert "This bot is private" in (await say(telegram, OTHER_USER, "bonjour")).text
