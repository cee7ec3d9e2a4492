"""Feeds that count: how many requests each had, and how many at once."""

from __future__ import annotations

import asyncio
import random
import string

from aiohttp import web

from tests.support.fakes.feed_server import FeedItem, FeedServer, rss_feed


class CountingFeeds:
    """Feeds whose every answer brings ``per_answer`` items never seen before (their guids
    carry the request number), after ``delay`` and once ``gate`` is open; records how many
    requests each feed had, and how many at once."""

    def __init__(self, server: FeedServer, delay: float, per_answer: int = 1) -> None:
        self.server = server
        self.delay = delay
        self.per_answer = per_answer
        self.requests: dict[str, int] = {}
        self.in_flight: dict[str, int] = {}
        self.most_at_once: dict[str, int] = {}
        self.gate = asyncio.Event()
        self.gate.set()
        self.arrived = asyncio.Event()

    def add(self, path: str, words: str = "") -> str:
        async def handler(request: web.Request) -> web.StreamResponse:
            number = self.requests[path] = self.requests.get(path, 0) + 1
            self.arrived.set()
            self.in_flight[path] = self.in_flight.get(path, 0) + 1
            self.most_at_once[path] = max(self.most_at_once.get(path, 0), self.in_flight[path])
            try:
                await asyncio.sleep(self.delay)
                await self.gate.wait()
            finally:
                self.in_flight[path] -= 1
            items: list[FeedItem] = [
                {
                    # Words of their own: two items never read as copies of one story.
                    "title": f"Dépêche {_words(path, number, part)} {words}".strip(),
                    "link": f"https://news.example.ma{path}/{number}/{part}",
                    "guid": f"{path}-{number}-{part}",
                }
                for part in range(self.per_answer)
            ]
            return web.Response(
                text=rss_feed("F", items), content_type="application/rss+xml", charset="utf-8"
            )

        self.server.set_handler(path, handler)
        return self.server.url(path)


def _words(*seed: object) -> str:
    pick = random.Random("/".join(map(str, seed)))
    return " ".join("".join(pick.choices(string.ascii_lowercase, k=9)) for _ in range(4))
