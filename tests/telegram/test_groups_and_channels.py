"""Groups, forum topics and channels; settings; alert buttons; Arabic inserts, end to end.

The real application runs against FakeTelegram (groups, channels and members made with
``add_chat`` / ``set_member``) and FeedServer over loopback.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from bot.app import App
from bot.i18n.bidi import FSI, PDI
from bot.services.subscriptions import MUTED_FOREVER
from bot.storage.models import Chat, Subscription
from tests.support.e2e import (
    ADMIN,
    FEED,
    OLD,
    OTHER_USER,
    USER,
    Apps,
    item,
    make_settings,
    publish,
    say,
    say_in,
)
from tests.support.fakes.feed_server import FeedServer, rss_feed
from tests.support.fakes.telegram_api import FakeTelegram, SentMessage

GROUP = -1001234567
FORUM = -1007654321
CHANNEL = -1009999999
TOPIC = 42


def settings_for(database_url: str, telegram: FakeTelegram, feeds: FeedServer) -> Any:
    delivery = {"tick": 0.1, "per_chat_interval": 0, "group_per_minute": 600}
    return make_settings(database_url, telegram, feeds, delivery=delivery)


def buttons(message: SentMessage) -> list[dict[str, str]]:
    assert message.reply_markup is not None, message.text
    return [b for row in message.reply_markup["inline_keyboard"] for b in row]


def button(message: SentMessage, data_prefix: str) -> str:
    """The callback data of the first button of ``message`` whose data starts so."""
    return next(
        b["callback_data"] for b in buttons(message) if b["callback_data"].startswith(data_prefix)
    )


async def press(
    telegram: FakeTelegram, data: str, *, user: int, message: SentMessage
) -> dict[str, Any]:
    """Press a button of ``message`` as ``user``; return the bot's answerCallbackQuery."""
    query_id = telegram.press_button(
        data, user_id=user, message_id=message.message_id, chat_id=message.chat_id
    )
    answers = await telegram.wait_for_call(
        "answerCallbackQuery",
        count=1 + sum(1 for name, _ in telegram.calls if name == "answerCallbackQuery"),
    )
    [answer] = [a for a in answers if a["callback_query_id"] == query_id]
    return answer


async def chat_row(app: App, chat_id: int) -> Chat:
    async with app.sessions() as session:
        chat = await session.get(Chat, chat_id)
    assert chat is not None
    return chat


async def subscriptions_of(app: App, chat_id: int) -> list[Subscription]:
    async with app.sessions() as session:
        rows = await session.scalars(
            select(Subscription).where(Subscription.chat_id == chat_id).order_by(Subscription.id)
        )
        return list(rows)


async def test_in_a_group_admins_change_and_everyone_reads(
    database_url: str, telegram: FakeTelegram, feeds: FeedServer, apps: Apps
) -> None:
    feeds.set(FEED, rss_feed("Le Site", [OLD]))
    telegram.add_chat(GROUP, "supergroup", "Veille presse")
    telegram.set_member(GROUP, USER, "administrator")
    telegram.set_member(GROUP, OTHER_USER, "member")
    app = await apps(settings_for(database_url, telegram, feeds))

    # Added to the group: it says how to subscribe.
    telegram.add_bot_membership(GROUP, user_id=USER, old="left", new="member")
    [welcome] = await telegram.wait_for_messages(1, chat_id=GROUP)
    assert "Group admins" in welcome.text and "/subscribe" in welcome.text
    assert (await chat_row(app, GROUP)).kind == "supergroup"

    refused = await say_in(telegram, GROUP, OTHER_USER, "/subscribe Macron")
    assert "only this group's admins" in refused.text
    assert "Subscribed" in (await say_in(telegram, GROUP, USER, "/subscribe Macron")).text
    # An admin posting as the group itself is an admin too.
    anonymous = await say_in(telegram, GROUP, USER, "/subscribe Bourita", anonymous=True)
    assert "Subscribed (#2)" in anonymous.text

    listing = await say_in(telegram, GROUP, OTHER_USER, "/list")
    assert "1. Macron" in listing.text and "2. Bourita" in listing.text
    answer = await press(telegram, button(listing, "unsub:"), user=OTHER_USER, message=listing)
    assert answer["show_alert"] and "only this group's admins" in answer["text"]
    assert len(await subscriptions_of(app, GROUP)) == 2
    assert "only this group's admins" in (await say_in(telegram, GROUP, OTHER_USER, "/pause")).text
    assert (
        "only this group's admins"
        in (await say_in(telegram, GROUP, OTHER_USER, "/unsubscribe 1")).text
    )

    refused = await say_in(telegram, GROUP, OTHER_USER, "/settings hourly")
    assert "only this group's admins" in refused.text
    view = await say_in(telegram, GROUP, OTHER_USER, "/settings")
    assert "each alert at once" in view.text
    answer = await press(
        telegram, button(view, f"set:{GROUP}:mode:hourly"), user=OTHER_USER, message=view
    )
    assert answer["show_alert"]
    await press(telegram, button(view, f"set:{GROUP}:mode:hourly"), user=USER, message=view)
    assert (await chat_row(app, GROUP)).mode == "hourly"
    await say_in(telegram, GROUP, USER, "/settings immediate")

    # Plain talk in the group gets no answer; the next reply is the command's.
    telegram.add_chat_message("bonjour à tous", user_id=OTHER_USER, chat_id=GROUP)
    assert "Bourita" in (await say_in(telegram, GROUP, OTHER_USER, "/list")).text

    # The alert comes with buttons only the group's admins may use.
    await publish(feeds, item("g1", "Emmanuel Macron attendu à Rabat"))
    [alert] = await telegram.wait_for_messages(
        1, chat_id=GROUP, predicate=lambda m: "/g1" in m.text
    )
    mute_day = button(alert, "mute:")
    assert mute_day.endswith(":day")
    answer = await press(telegram, mute_day, user=OTHER_USER, message=alert)
    assert answer["show_alert"] and "only this group's admins" in answer["text"]
    answer = await press(telegram, mute_day, user=USER, message=alert)
    assert answer["text"] == "🔕 Muted for 24 hours: Macron"
    [macron, _] = await subscriptions_of(app, GROUP)
    assert macron.muted_until is not None
    left = macron.muted_until - app.clock()
    assert timedelta(hours=23, minutes=59) < left <= timedelta(hours=24)

    listing = await say_in(telegram, GROUP, OTHER_USER, "/list")
    assert "1. Macron 🔕 until " in listing.text and "/unmute" in listing.text
    unmute = button(listing, "unmute:")
    assert [b["text"] for b in buttons(listing)] == ["❌ 1", "❌ 2", "🔔 1"]
    await press(telegram, unmute, user=USER, message=listing)
    [edit] = await telegram.wait_for_edits(chat_id=GROUP, message_id=listing.message_id)
    assert "🔕" not in edit.text and "1. Macron" in edit.text
    [macron, _] = await subscriptions_of(app, GROUP)
    assert macron.muted_until is None


async def test_a_forum_topic_has_its_own_subscriptions_and_alerts(
    database_url: str, telegram: FakeTelegram, feeds: FeedServer, apps: Apps
) -> None:
    feeds.set(FEED, rss_feed("Le Site", [OLD]))
    telegram.add_chat(FORUM, "supergroup", "Rédaction", is_forum=True)
    telegram.set_member(FORUM, USER, "creator")
    app = await apps(settings_for(database_url, telegram, feeds))

    reply = await say_in(telegram, FORUM, USER, "/subscribe Akhannouch", thread_id=TOPIC)
    assert "Subscribed (#1)" in reply.text and reply.thread_id == TOPIC
    [subscription] = await subscriptions_of(app, FORUM)
    assert subscription.thread_id == TOPIC
    # The same query may be followed again in the general topic, separately.
    assert "Subscribed (#1)" in (await say_in(telegram, FORUM, USER, "/subscribe Laftit")).text
    in_topic = await say_in(telegram, FORUM, USER, "/list", thread_id=TOPIC)
    assert "1. Akhannouch" in in_topic.text and "Laftit" not in in_topic.text
    general = await say_in(telegram, FORUM, USER, "/list")
    assert "1. Laftit" in general.text and "Akhannouch" not in general.text

    await publish(feeds, item("t1", "Aziz Akhannouch préside le conseil"))
    [alert] = await telegram.wait_for_messages(
        1, chat_id=FORUM, predicate=lambda m: "/t1" in m.text
    )
    assert alert.thread_id == TOPIC


async def test_a_channel_is_managed_by_a_bot_admin_from_a_private_chat(
    database_url: str, telegram: FakeTelegram, feeds: FeedServer, apps: Apps
) -> None:
    feeds.set(FEED, rss_feed("Le Site", [OLD]))
    telegram.add_chat(CHANNEL, "channel", "Rasd News", username="rasd_news")
    app = await apps(settings_for(database_url, telegram, feeds))

    refused = await say(telegram, USER, "/subscribe @rasd_news Macron")
    assert "Only the bot's administrators can manage a channel" in refused.text
    unknown = await say(telegram, ADMIN, "/subscribe @nobody_here Macron")
    assert "can't find the channel @nobody_here" in unknown.text
    not_admin = await say(telegram, ADMIN, "/subscribe @rasd_news Macron")
    assert "can't post in @rasd_news" in not_admin.text
    telegram.set_member(CHANNEL, telegram.bot_user["id"], "member")
    assert "can't post" in (await say(telegram, ADMIN, "/list @rasd_news")).text

    telegram.set_member(CHANNEL, telegram.bot_user["id"], "administrator")
    subscribed = await say(telegram, ADMIN, "/subscribe @rasd_news Macron")
    assert subscribed.text.startswith("📣 <b>Rasd News</b>\n✅ Subscribed (#1)")
    assert "Subscribed (#2)" in (await say(telegram, ADMIN, f"/sub {CHANNEL} Bourita")).text
    channel = await chat_row(app, CHANNEL)
    assert (channel.kind, channel.title) == ("channel", "Rasd News")
    assert await subscriptions_of(app, ADMIN) == []

    view = await say(telegram, ADMIN, "/settings @rasd_news digest 18:00")
    assert "a daily digest at 18:00" in view.text and view.text.startswith("📣")
    assert (await chat_row(app, CHANNEL)).mode == "daily"
    await press(telegram, button(view, "set:-1009999999:mode:immediate"), user=ADMIN, message=view)
    [edit] = await telegram.wait_for_edits(chat_id=ADMIN, message_id=view.message_id)
    assert "each alert at once" in edit.text and edit.text.startswith("📣")
    assert (await chat_row(app, CHANNEL)).mode == "immediate"
    # A settings button for the channel does nothing in someone else's hands.
    answer = await press(
        telegram, button(view, "set:-1009999999:mode:hourly"), user=USER, message=view
    )
    assert answer["show_alert"]

    await publish(feeds, item("c1", "Emmanuel Macron attendu à Rabat"))
    [alert] = await telegram.wait_for_messages(
        1, chat_id=CHANNEL, predicate=lambda m: "/c1" in m.text
    )
    # In the channel, a reader's press is refused; a bot admin's works.
    ever = button(alert, "mute:").replace(":day", ":ever")
    answer = await press(telegram, ever, user=OTHER_USER, message=alert)
    assert answer["show_alert"] and "only this group's admins" in answer["text"]
    answer = await press(telegram, ever, user=ADMIN, message=alert)
    assert answer["text"].startswith("🔕 Muted until you unmute it")
    [macron, _] = await subscriptions_of(app, CHANNEL)
    assert macron.muted_until == MUTED_FOREVER

    listing = await say(telegram, ADMIN, "/list @rasd_news")
    assert listing.text.startswith("📣 <b>Rasd News</b>\n")
    assert "1. Macron 🔕\n2. Bourita" in listing.text
    assert "Unmuted: <b>Macron</b>" in (await say(telegram, ADMIN, "/unmute @rasd_news 1")).text
    assert "is not muted" in (await say(telegram, ADMIN, "/unmute @rasd_news 1")).text
    # The list's ❌ works from the admin's private chat on the channel's subscription.
    await press(telegram, button(listing, "unsub:"), user=ADMIN, message=listing)
    [edit] = await telegram.wait_for_edits(chat_id=ADMIN, message_id=listing.message_id)
    assert edit.text.startswith("📣 <b>Rasd News</b>\n") and "1. Bourita" in edit.text
    removed = await say(telegram, ADMIN, "/unsubscribe @rasd_news 1")
    assert "Removed: <b>Bourita</b>" in removed.text
    assert await subscriptions_of(app, CHANNEL) == []

    # Added to a channel: recorded as one, nothing posted there, whoever added it told how.
    telegram.add_chat(-1005555, "channel", "Autre", username="autre_chaine")
    before = len([m for m in telegram.sent if m.chat_id == ADMIN])
    telegram.add_bot_membership(-1005555, user_id=ADMIN, new="administrator")
    told = await telegram.wait_for_messages(before + 1, chat_id=ADMIN)
    assert "<code>/subscribe @autre_chaine QUERY</code>" in told[-1].text
    assert (await chat_row(app, -1005555)).kind == "channel"
    assert not [m for m in telegram.sent if m.chat_id == -1005555]


async def test_settings_buttons_and_typed_times(
    database_url: str, telegram: FakeTelegram, feeds: FeedServer, apps: Apps
) -> None:
    feeds.set(FEED, rss_feed("Le Site", [OLD]))
    app = await apps(settings_for(database_url, telegram, feeds))

    view = await say(telegram, USER, "/settings")
    assert "Mode: each alert at once" in view.text and "Quiet hours: none" in view.text
    assert "Africa/Casablanca" in view.text
    labels = [b["text"] for b in buttons(view)]
    assert labels[:3] == ["✅ ⚡ Immediate", "🕐 Hourly", "📅 Daily"]
    assert "07:00" in labels and "✅ No quiet hours" in labels

    await press(telegram, button(view, f"set:{USER}:mode:hourly"), user=USER, message=view)
    [edit] = await telegram.wait_for_call("editMessageText")
    assert "Mode: a digest every hour" in edit["text"]
    await press(telegram, button(view, f"set:{USER}:time:0700"), user=USER, message=view)
    edits = await telegram.wait_for_call("editMessageText", count=2)
    assert "a daily digest at 07:00" in edits[1]["text"]
    await press(telegram, button(view, f"set:{USER}:quiet:2200-0700"), user=USER, message=view)
    edits = await telegram.wait_for_call("editMessageText", count=3)
    assert "Quiet hours: 22:00–07:00" in edits[2]["text"]
    assert "✅ 🌙 22:00–07:00" in str(edits[2]["reply_markup"])
    # The same choice again: answered, and no edit that Telegram would refuse.
    answer = await press(
        telegram, button(view, f"set:{USER}:quiet:2200-0700"), user=USER, message=view
    )
    assert answer["text"] == "Saved"
    assert len([c for c, _ in telegram.calls if c == "editMessageText"]) == 3
    chat = await chat_row(app, USER)
    assert (chat.mode, chat.digest_time, chat.quiet_start, chat.quiet_end) == (
        "daily",
        "07:00",
        "22:00",
        "07:00",
    )

    typed = await say(telegram, USER, "/settings digest 7:45")
    assert "a daily digest at 07:45" in typed.text
    assert (
        "Quiet hours: 23:30–06:15" in (await say(telegram, USER, "/settings quiet 23:30-6:15")).text
    )
    assert "Quiet hours: none" in (await say(telegram, USER, "/settings quiet off")).text
    assert "a digest every hour" in (await say(telegram, USER, "/settings hourly")).text
    assert "is not a time of day" in (await say(telegram, USER, "/settings digest 25:00")).text
    assert "two different times" in (await say(telegram, USER, "/settings quiet 8:00-8:00")).text
    assert "Usage" in (await say(telegram, USER, "/settings weekly")).text
    chat = await chat_row(app, USER)
    assert (chat.mode, chat.digest_time, chat.quiet_start) == ("hourly", "07:45", None)


async def test_alert_buttons_mute_and_unsubscribe_and_survive_a_restart(
    database_url: str, telegram: FakeTelegram, feeds: FeedServer, apps: Apps
) -> None:
    feeds.set(FEED, rss_feed("Le Site", [OLD]))
    settings = settings_for(database_url, telegram, feeds)
    app = await apps(settings)
    subscribed = await say(telegram, USER, "/subscribe Retailleau")
    await say(telegram, OTHER_USER, "/subscribe Retailleau")
    await publish(feeds, item("r1", "Bruno Retailleau à Rabat"))
    [alert] = await telegram.wait_for_messages(1, chat_id=USER, predicate=lambda m: "/r1" in m.text)
    await telegram.wait_for_messages(1, chat_id=OTHER_USER, predicate=lambda m: "/r1" in m.text)
    await apps.stop(app)
    app = await apps(settings)  # the buttons carry all they need

    # Another user cannot act on this chat's subscription (forged into their own chat).
    [mine] = await subscriptions_of(app, USER)
    listing = await say(telegram, OTHER_USER, "/list")
    forged = await press(telegram, f"aunsub:{mine.id}", user=OTHER_USER, message=listing)
    assert forged["show_alert"] and "another chat" in forged["text"]

    answer = await press(
        telegram, button(alert, "mute:").replace("day", "ever"), user=USER, message=alert
    )
    assert answer["text"] == "🔕 Muted until you unmute it (/list): Retailleau"
    listing = await say(telegram, USER, "/list")
    assert "1. Retailleau 🔕" in listing.text
    answer = await press(telegram, button(alert, "aunsub:"), user=USER, message=alert)
    assert answer["text"] == "🗑 Unsubscribed: Retailleau"
    assert await subscriptions_of(app, USER) == []
    again = await press(telegram, button(alert, "aunsub:"), user=USER, message=alert)
    assert again["text"] == "Already removed"
    # Nothing edited in the user's chat but the count of the /subscribe answer.
    assert not [
        c
        for c, p in telegram.calls
        if c == "editMessageText"
        and p["chat_id"] == USER
        and p["message_id"] != subscribed.message_id
    ]
    assert len(await subscriptions_of(app, OTHER_USER)) == 1


async def test_arabic_texts_isolate_latin_inserts_and_start_picks_the_client_language(
    database_url: str, telegram: FakeTelegram, feeds: FeedServer, apps: Apps
) -> None:
    feeds.set(FEED, rss_feed("Le Site", [OLD]))
    await apps(settings_for(database_url, telegram, feeds))

    telegram.add_message("/start", user_id=USER, language_code="ar-MA")
    [welcome] = await telegram.wait_for_messages(1, chat_id=USER)
    assert "رصد" in welcome.text and "/settings" in welcome.text
    subscribed = await say(telegram, USER, "/subscribe Bruno Retailleau")
    assert f"<b>{FSI}Bruno Retailleau{PDI}</b>" in subscribed.text
    listing = await say(telegram, USER, "/list")
    assert f"1. {FSI}Bruno Retailleau{PDI}" in listing.text
    view = await say(telegram, USER, "/settings quiet 22:00-07:00")
    assert f"ساعات الهدوء: {FSI}22:00–07:00{PDI}" in view.text
    assert "⚡ فوري" in str(view.reply_markup)

    telegram.add_message("/start", user_id=OTHER_USER, language_code="fr")
    [bienvenue] = await telegram.wait_for_messages(1, chat_id=OTHER_USER)
    assert "Commandes" in bienvenue.text and "/unmute" in bienvenue.text
    assert FSI not in (await say(telegram, OTHER_USER, "/subscribe Laftit")).text


async def test_a_group_upgraded_to_a_supergroup_keeps_its_subscriptions(
    database_url: str, telegram: FakeTelegram, feeds: FeedServer, apps: Apps
) -> None:
    feeds.set(FEED, rss_feed("Le Site", [OLD]))
    old, new = -4001, -1004001
    telegram.add_chat(old, "group", "Petite veille")
    telegram.set_member(old, USER, "creator")
    app = await apps(settings_for(database_url, telegram, feeds))
    assert "Subscribed" in (await say_in(telegram, old, USER, "/subscribe Bourita")).text
    await say_in(telegram, old, USER, "/settings digest 18:30")
    await say_in(telegram, old, USER, "/settings immediate")  # the digest time stays
    assert (await chat_row(app, old)).kind == "group"

    telegram.add_migration(old, new, user_id=USER, title="Petite veille")
    await telegram.wait_until_updates_consumed()
    # The move and a command in the new chat may run side by side: ask until it shows.
    for _ in range(50):
        listing = await say_in(telegram, new, USER, "/list")
        if "Bourita" in listing.text:
            break
    assert "1. Bourita" in listing.text
    moved = await chat_row(app, new)
    assert (moved.kind, moved.mode, moved.digest_time) == ("supergroup", "immediate", "18:30")
    assert (await chat_row(app, old)).blocked
    assert await subscriptions_of(app, old) == []

    await publish(feeds, item("m1", "Nasser Bourita reçoit son homologue"))
    await telegram.wait_for_messages(1, chat_id=new, predicate=lambda m: "/m1" in m.text)
