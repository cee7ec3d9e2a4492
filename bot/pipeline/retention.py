"""Prune old articles.

Rule: an article first seen (``fetched_at``) more than ``polling.article_retention_days`` ago
is deleted, unless an outbox row still waiting to go out (``pending``/``sending``: a held
digest, a row backing off) refers to it; that one goes at a later pruning, once its row is
done. The outbox rows of a pruned article (sent, failed, dropped) are deleted with it,
explicitly here (not left to the database's ON DELETE CASCADE, which SQLite applies only
with its foreign-key pragma on). Copies of a pruned story keep their ``story_id``: it is
only ever compared, never followed. Deletes go in batches so a large backlog never holds
one long transaction.

Admin notices (outbox rows of kind ``notice``, tied to no article) follow the same rule: one
created more than the retention ago is deleted once it is done (sent, failed or dropped).
So is a saved /search made more than the retention ago (its page buttons then say so).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.storage.db import SessionFactory
from bot.storage.outbox import OutboxRepository
from bot.storage.retention import RetentionRepository
from bot.storage.searches import SearchRepository

log = logging.getLogger(__name__)

BATCH = 500


async def _in_batches(
    sessions: SessionFactory, delete: Callable[[AsyncSession], Awaitable[int]]
) -> int:
    """Run ``delete`` (which deletes at most ``BATCH`` rows) in a transaction of its own
    until it deletes fewer; returns how many it deleted in all."""
    pruned = 0
    while True:
        async with sessions() as session, session.begin():
            deleted = await delete(session)
        pruned += deleted
        if deleted < BATCH:
            return pruned


async def prune_articles(sessions: SessionFactory, now: datetime, max_age: timedelta) -> int:
    """Delete the articles older than ``max_age`` at ``now``; returns how many."""
    return await _in_batches(
        sessions,
        lambda session: RetentionRepository(session).delete_articles_before(now - max_age, BATCH),
    )


async def prune_notices(sessions: SessionFactory, now: datetime, max_age: timedelta) -> int:
    """Delete the done notices older than ``max_age`` at ``now``; returns how many."""
    return await _in_batches(
        sessions, lambda session: OutboxRepository(session).prune_notices(now - max_age, BATCH)
    )


async def prune_searches(sessions: SessionFactory, now: datetime, max_age: timedelta) -> int:
    """Delete the saved searches older than ``max_age`` at ``now``; returns how many."""
    return await _in_batches(
        sessions, lambda session: SearchRepository(session).prune(now - max_age, BATCH)
    )


class Retention:
    """The scheduled job: prune with the clock's ``now``."""

    def __init__(self, sessions: SessionFactory, days: float, clock: Clock) -> None:
        self.sessions = sessions
        self.max_age = timedelta(days=days)
        self.clock = clock

    async def run(self) -> int:
        """Prune articles, then notices and saved searches; returns how many articles."""
        now = self.clock()
        pruned = await prune_articles(self.sessions, now, self.max_age)
        if pruned:
            log.info("pruned %d articles older than %s", pruned, self.max_age)
        notices = await prune_notices(self.sessions, now, self.max_age)
        if notices:
            log.info("pruned %d admin notices older than %s", notices, self.max_age)
        await prune_searches(self.sessions, now, self.max_age)
        return pruned
