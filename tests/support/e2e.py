"""Helpers for tests that run the whole application against the fake servers: settings,
starting and stopping apps, talking to the bot as a user (privately or in a group), and the
articles a test publishes on the fake feed."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from bot.app import App, DryRun, build_app
from bot.config import Role, Settings, load_settings
from tests.support.fakes.feed_server import FeedItem, FeedServer, rss_feed
from tests.support.fakes.telegram_api import FakeTelegram, SentMessage

ADMIN = 1001
USER = 2002
OTHER_USER = 3003
FEED = "/hespress.xml"
TOKEN = "777000111:TEST-token-never-logged"


def make_settings(
    database_url: str, bot_api: FakeTelegram, feeds: FeedServer, **overrides: Any
) -> Settings:
    """Fast timings, one Arabic source seeded from the config, user ADMIN as admin."""
    values: dict[str, Any] = {
        "telegram": {"token": TOKEN, "api_base": bot_api.base_url, "polling_timeout": 1},
        "database": {"url": database_url},
        "admins": [ADMIN],
        "language": "en",
        "timezone": "Africa/Casablanca",
        "polling": {
            "min_interval": 0.1,
            "default_interval": 0.2,
            "tick": 0.1,
            "fetch_timeout": 3,
            "allow_private_addresses": True,
        },
        "delivery": {"tick": 0.1, "per_chat_interval": 0},
        # Tests type faster than people: no cooldown between one user's /test unless asked.
        "matching": {"test_cooldown": 0},
        "sources": [{"url": feeds.url(FEED), "name": "Hespress <AR>", "interval": 0.2}],
    }
    values.update(overrides)
    return load_settings(None, **values)


class Apps:
    """Starts applications for a test and stops whatever is still running at the end."""

    def __init__(self) -> None:
        self.running: list[App] = []

    async def __call__(
        self, settings: Settings, dry_run: DryRun | None = None, role: Role = "all"
    ) -> App:
        app = await build_app(settings, dry_run=dry_run, role=role)
        self.running.append(app)
        await app.start()
        return app

    async def stop(self, app: App) -> None:
        self.running.remove(app)
        await app.stop()

    async def stop_all(self) -> None:
        while self.running:
            await self.stop(self.running[-1])


async def say(telegram: FakeTelegram, user: int, text: str, replies: int = 1) -> SentMessage:
    """Send a message as ``user`` (in their private chat); return the bot's last reply
    once it has sent ``replies`` of them."""
    before = len([m for m in telegram.sent if m.chat_id == user])
    telegram.add_message(text, user_id=user)
    sent = await telegram.wait_for_messages(before + replies, chat_id=user)
    return sent[before + replies - 1]


async def counted(telegram: FakeTelegram, reply: SentMessage, timeout: float = 10.0) -> str:  # noqa: ASYNC109
    """The text of the /subscribe answer once its count of recent matches was edited in (the
    answer is sent at once with a 'counting…' line)."""
    edits = await telegram.wait_for_edits(
        chat_id=reply.chat_id, message_id=reply.message_id, timeout=timeout
    )
    return edits[-1].text


async def say_in(
    telegram: FakeTelegram,
    chat_id: int,
    user: int,
    text: str,
    *,
    thread_id: int | None = None,
    anonymous: bool = False,
) -> SentMessage:
    """Send ``text`` as ``user`` in a group (or one of its topics); return the bot's reply."""
    before = len([m for m in telegram.sent if m.chat_id == chat_id])
    telegram.add_chat_message(
        text, user_id=user, chat_id=chat_id, thread_id=thread_id, anonymous=anonymous
    )
    sent = await telegram.wait_for_messages(before + 1, chat_id=chat_id)
    return sent[before]


OLD: FeedItem = {
    "title": "Conseil de gouvernement : adoption de décrets",
    "link": "https://news.example.ma/decrets",
    "guid": "decrets",
    "description": "Le conseil a adopté plusieurs projets de décrets.",
    "published": "Mon, 23 Nov 2026 09:00:00 +0000",
}


def item(slug: str, title: str, text: str = "") -> FeedItem:
    return {
        "title": title,
        "link": f"https://news.example.ma/{slug}",
        "guid": slug,
        "description": text or title,
        "published": datetime.now(UTC),
    }


async def publish(feeds: FeedServer, *items: FeedItem, path: str = FEED) -> None:
    """Wait until the source's current content has been polled, then add ``items``."""
    await feeds.wait_for_hits(path, feeds.served.get(path, 0) + 1)
    feeds.set(path, rss_feed("Le Site", [*items, OLD]))
