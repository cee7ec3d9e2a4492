"""A burst of queued alerts through the Deliverer, against a fake Bot API that enforces
Telegram's limits (answering 429 when a limit is exceeded).

    .venv/bin/python benchmarks/delivery_burst.py            # 5,000 alerts at 29/s: ~3 min
    .venv/bin/python benchmarks/delivery_burst.py --cap 250  # quicker, same shape

Prints the wall time, the achieved messages per second against the configured cap (the
ratio; target: within 10 %), and how many 429s the server gave (target: zero). The server's
global limit is Telegram's 30/s whenever the cap is at or below it (a strict limiter), or
1.2 x the cap above it; per chat it enforces one message per second (private) and 20 per
minute (groups). Every alert must be sent exactly once: the messages at the server are
matched to the queued alerts by chat and article link, and a row left unsent, an alert
missing, sent twice or unknown is printed and the exit status is 1.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, insert, select

from bot.alerts.deliver import Deliverer
from bot.cluster import new_worker_id
from bot.config import DeliveryConfig
from bot.storage.db import create_engine, migrate, session_factory
from bot.storage.models import Article, Chat, OutboxItem, Source, Subscription
from bot.telegram.dispatcher import create_bot
from bot.telegram.outbound import Outbound
from bot.telegram.sender import TelegramSender
from bot.topology import Topology
from tests.support.fakes.telegram_api import FakeTelegram, Limits

TOKEN = "123456:BENCHMARK-token"
TELEGRAM_GLOBAL = 30.0
NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
_LINK = re.compile(r'<a href="([^"]+)"')


async def seed(url: str, chats: int, alerts: int, group_share: float) -> None:
    engine = create_engine(url)
    await migrate(engine)
    per_chat = -(-alerts // chats)
    groups = int(chats * group_share)
    chat_ids = [-(1_000_000 + n) for n in range(groups)] + [
        10_000 + n for n in range(chats - groups)
    ]
    async with engine.begin() as connection:
        await connection.execute(
            insert(Source),
            [
                {
                    "id": 1,
                    "url": "https://news.example.ma/",
                    "feed_url": "https://news.example.ma/rss",
                    "name": "Bench",
                    "interval_seconds": 600,
                    "next_poll_at": NOW,
                    "created_at": NOW,
                }
            ],
        )
        await connection.execute(
            insert(Chat),
            [
                {
                    "id": chat_id,
                    "title": "",
                    "language": "en",
                    "created_at": NOW,
                    "kind": "supergroup" if chat_id < 0 else "private",
                }
                for chat_id in chat_ids
            ],
        )
        await connection.execute(
            insert(Subscription),
            [
                {"id": n + 1, "chat_id": chat_id, "query": "Akhannouch", "created_at": NOW}
                for n, chat_id in enumerate(chat_ids)
            ],
        )
        await connection.execute(
            insert(Article),
            [
                {
                    "id": n + 1,
                    "source_id": 1,
                    "guid": f"g{n}",
                    "url": f"https://news.example.ma/{n}",
                    "title": f"Akhannouch, big story part {n}",
                    "summary": "Aziz Akhannouch announced a plan. Details follow.",
                    "published_at": NOW,
                    "fetched_at": NOW,
                }
                for n in range(per_chat)
            ],
        )
        rows = [
            {
                "chat_id": chat_id,
                "article_id": article + 1,
                "subscription_ids": [position + 1],
                "spans": [["title", 0, 10]],
                "status": "pending",
                "attempts": 0,
                "next_attempt_at": NOW,
                "created_at": NOW,
            }
            for article in range(per_chat)
            for position, chat_id in enumerate(chat_ids)
        ][:alerts]
        await connection.execute(insert(OutboxItem), rows)
    await engine.dispose()


async def run(args: argparse.Namespace) -> None:
    scratch = Path(tempfile.mkdtemp(prefix="rasd-burst-"))
    url = f"sqlite+aiosqlite:///{scratch / 'burst.sqlite3'}"
    await seed(url, args.chats, args.alerts, args.groups)
    server_global = TELEGRAM_GLOBAL if args.cap <= TELEGRAM_GLOBAL else args.cap * 1.2
    async with FakeTelegram(TOKEN) as telegram:
        telegram.enforce_limits(
            Limits(per_second=server_global, private_per_second=1, group_per_minute=20)
        )
        engine = create_engine(url)
        sessions = session_factory(engine)
        config = DeliveryConfig(
            messages_per_second=args.cap, per_chat_interval=1.0, group_per_minute=20
        )
        outbound = Outbound.of(config, Topology.ALONE, sessions=None, metrics=None)
        bot = create_bot(TOKEN, telegram.base_url, outbound)
        deliverer = Deliverer(
            sessions,
            TelegramSender(bot),
            config,
            ZoneInfo("UTC"),
            outbound=outbound,
            topology=Topology.ALONE,
            worker_id=new_worker_id(),
            lease_seconds=60.0,
            metrics=None,
        )
        started = time.perf_counter()
        sent = 0
        while True:
            sent += await deliverer.drain(NOW)
            async with sessions() as session:
                left = await session.scalar(
                    select(func.count()).where(OutboxItem.status.in_(("pending", "sending")))
                )
            if not left:
                break
        wall = time.perf_counter() - started
        async with sessions() as session:
            settled = dict(
                (
                    await session.execute(
                        select(OutboxItem.status, func.count()).group_by(OutboxItem.status)
                    )
                ).all()
            )
            queued = (
                await session.execute(
                    select(OutboxItem.chat_id, Article.url).join(
                        Article, Article.id == OutboxItem.article_id
                    )
                )
            ).all()
        await bot.session.close()
        await engine.dispose()
    rate = sent / wall
    print(f"alerts: {args.alerts} to {args.chats} chats ({int(args.chats * args.groups)} groups)")
    print(f"server limits: {server_global:g}/s overall, 1/s per private chat, 20/min per group")
    print(f"configured cap: {args.cap:g} messages/s")
    print(f"wall time: {wall:.1f} s")
    print(f"achieved: {rate:.1f} messages/s = {rate / args.cap:.3f} x the cap")
    print(f"429s from the server: {len(telegram.too_many)}")
    print(f"rows: {settled}")
    delivered = len(telegram.sent)
    problems = check_each_sent_once([(c, u) for c, u in queued], telegram)
    print(f"messages at the server: {delivered}; {problems or 'every alert exactly once'}")
    if settled != {"sent": args.alerts} or delivered != args.alerts or problems:
        print(f"FAILED: {args.alerts} alerts queued, {delivered} messages at the server")
        sys.exit(1)


def check_each_sent_once(queued: list[tuple[int, str]], telegram: FakeTelegram) -> str:
    """What the server received against what was queued, alert by alert (its chat and its
    article's link): empty when each queued alert arrived once and nothing else did."""
    arrived = Counter(
        (message.chat_id, link)
        for message in telegram.sent
        for link in _LINK.findall(message.text)[:1]
    )
    expected = Counter(queued)
    missing = sum((expected - arrived).values())
    repeated = sum(n - 1 for pair, n in arrived.items() if n > 1 and pair in expected)
    unexpected = sum(n for pair, n in arrived.items() if pair not in expected)
    found = [
        f"{n} {what}"
        for n, what in ((missing, "missing"), (repeated, "sent twice"), (unexpected, "unknown"))
        if n
    ]
    return ", ".join(found)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cap", type=float, default=DeliveryConfig().messages_per_second)
    parser.add_argument("--alerts", type=int, default=5000)
    parser.add_argument("--chats", type=int, default=1000)
    parser.add_argument("--groups", type=float, default=0.1, help="share of group chats")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
