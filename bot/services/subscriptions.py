"""Subscriptions: validated, stored, and kept in step with the live index.

A subscription belongs to a chat, and to one of its forum topics when it was made in one
(``thread_id``; 0 = the chat itself): alerts go where it was made. The same query may be
followed once per destination. A muted subscription (``muted_until`` in the future) alerts
nothing until then; "until unmuted" is ``MUTED_FOREVER``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from bot.alerts.index import SubscriptionIndex
from bot.clock import Clock
from bot.matching import CompiledQuery
from bot.services.preview import Preview, Previewer
from bot.storage.chats import ChatKind, ChatRepository
from bot.storage.db import SessionFactory
from bot.storage.models import Subscription
from bot.storage.subscriptions import SubscriptionRepository

MUTED_FOREVER = datetime(9999, 12, 31, tzinfo=UTC)


class LimitKind(StrEnum):
    CHAT = "chat"  # the chat has as many subscriptions as it may
    PERSON = "person"  # the person made as many as they may, across every chat


class SubscriptionLimitReached(Exception):
    def __init__(self, limit: int, kind: LimitKind) -> None:
        super().__init__(f"at most {limit} subscriptions per {kind.value}")
        self.limit = limit
        self.kind = kind


class AlreadySubscribed(Exception):
    def __init__(self, query: str) -> None:
        super().__init__(f"already subscribed to {query!r}")
        self.query = query


@dataclass(frozen=True, slots=True)
class SubscriptionLimits:
    per_chat: int
    per_person: int  # across every chat the person subscribes in
    exempt: frozenset[int]  # people without a per-person cap (the bot's admins)


@dataclass(frozen=True, slots=True)
class Subscribed:
    subscription: Subscription
    query: CompiledQuery
    position: int  # its number in the destination's /list


class SubscriptionService:
    def __init__(
        self,
        sessions: SessionFactory,
        index: SubscriptionIndex,
        limits: SubscriptionLimits,
        clock: Clock,
        default_language: str,
        previewer: Previewer,
    ) -> None:
        self.sessions = sessions
        self.index = index
        self.limits = limits
        self.clock = clock
        self.default_language = default_language
        self.previewer = previewer

    def understand(self, text: str) -> CompiledQuery:
        """Parse a query with the current aliases; raises QueryError (user-facing)."""
        return self.index.compile(text)

    async def preview(
        self, query: CompiledQuery, *, person: int, examples: int, quick: bool
    ) -> Preview:
        """Which of the last days' stored articles ``query`` would have matched; raises
        Throttled when ``person`` must wait or too many previews run (``Previewer``)."""
        return await self.previewer.run(query, person=person, examples=examples, quick=quick)

    async def subscribe(
        self, chat_id: int, text: str, *, thread_id: int = 0, created_by: int | None
    ) -> Subscribed:
        """Follow ``text`` in the chat (in forum topic ``thread_id`` when not 0), made by
        person ``created_by`` (None: unknown, no per-person cap). Saved before anything
        slow: the count of recent matches is the caller's, afterwards (``preview``)."""
        query = self.understand(text)
        async with self.sessions() as session, session.begin():
            await ChatRepository(session).ensure(
                chat_id, language=self.default_language, now=self.clock()
            )
            repo = SubscriptionRepository(session)
            # Caps hold under concurrent commands (one person scripting many chats at once).
            keys = [f"subscriptions:chat:{chat_id}"]
            if created_by is not None:
                keys.append(f"subscriptions:person:{created_by}")
            await repo.serialize(*keys)
            existing = await repo.find_at(chat_id, thread_id, query.text)
            if existing is not None:
                raise AlreadySubscribed(existing.query)
            limits = self.limits
            if await repo.count_for_chat(chat_id) >= limits.per_chat:
                raise SubscriptionLimitReached(limits.per_chat, LimitKind.CHAT)
            if created_by is not None and await self._over_person_cap(repo, created_by):
                raise SubscriptionLimitReached(limits.per_person, LimitKind.PERSON)
            subscription = await repo.add(
                chat_id, query.text, self.clock(), thread_id=thread_id, created_by=created_by
            )
            position = await repo.count_for_topic(chat_id, thread_id)
        self.index.add(subscription.id, chat_id, subscription.query, thread_id=thread_id)
        return Subscribed(subscription, query, position)

    async def _over_person_cap(self, repo: SubscriptionRepository, person: int) -> bool:
        if person in self.limits.exempt:
            return False
        return await repo.count_by_person(person) >= self.limits.per_person

    async def get(self, subscription_id: int) -> Subscription | None:
        async with self.sessions() as session:
            return await SubscriptionRepository(session).get(subscription_id)

    async def list(self, chat_id: int, thread_id: int | None = None) -> Sequence[Subscription]:
        """The chat's subscriptions in creation order; only forum topic ``thread_id``'s
        (0 = the chat itself) when given."""
        async with self.sessions() as session:
            repo = SubscriptionRepository(session)
            if thread_id is None:
                return await repo.for_chat(chat_id)
            return await repo.for_topic(chat_id, thread_id)

    async def remove(self, chat_id: int, subscription_id: int) -> Subscription | None:
        async with self.sessions() as session, session.begin():
            removed = await SubscriptionRepository(session).delete(subscription_id, chat_id)
        if removed is not None:
            self.index.remove(removed.id)
        return removed

    async def remove_at(
        self, chat_id: int, position: int, thread_id: int | None = None
    ) -> Subscription | None:
        """Remove the subscription shown as number ``position`` (from 1) in the chat's list
        (the forum topic's list when ``thread_id`` is given)."""
        subscriptions = await self.list(chat_id, thread_id)
        if not 1 <= position <= len(subscriptions):
            return None
        return await self.remove(chat_id, subscriptions[position - 1].id)

    async def mute(
        self, chat_id: int, subscription_id: int, until: datetime
    ) -> Subscription | None:
        """Mute the chat's subscription until ``until`` (``MUTED_FOREVER``: until unmuted);
        None when the chat has no such subscription."""
        return await self._set_muted(chat_id, subscription_id, until)

    async def unmute(self, chat_id: int, subscription_id: int) -> Subscription | None:
        return await self._set_muted(chat_id, subscription_id, None)

    async def unmute_at(
        self, chat_id: int, position: int, thread_id: int | None = None
    ) -> Subscription | None:
        """Unmute the subscription shown as number ``position`` (from 1) in the chat's list."""
        subscriptions = await self.list(chat_id, thread_id)
        if not 1 <= position <= len(subscriptions):
            return None
        return await self.unmute(chat_id, subscriptions[position - 1].id)

    def is_muted(self, subscription: Subscription) -> bool:
        until = subscription.muted_until
        return until is not None and until > self.clock()

    async def _set_muted(
        self, chat_id: int, subscription_id: int, until: datetime | None
    ) -> Subscription | None:
        async with self.sessions() as session, session.begin():
            subscription = await SubscriptionRepository(session).get(subscription_id)
            if subscription is None or subscription.chat_id != chat_id:
                return None
            subscription.muted_until = until
            return subscription

    async def move_chat(self, old_id: int, new_id: int) -> int:
        """A group upgraded to a supergroup has a new id: its settings and subscriptions
        move there (a query the new chat already follows is dropped); the old chat is
        marked blocked. Returns how many subscriptions moved."""
        async with self.sessions() as session, session.begin():
            chats = ChatRepository(session)
            old = await chats.get(old_id)
            if old is None:
                return 0
            new = await chats.ensure(
                new_id, language=old.language, now=self.clock(), title=old.title
            )
            new.kind = ChatKind.SUPERGROUP
            for name in ("language", "paused", "allowed", "mode", "digest_time"):
                setattr(new, name, getattr(old, name))
            new.quiet_start, new.quiet_end = old.quiet_start, old.quiet_end
            old.blocked = True
            subscriptions = SubscriptionRepository(session)
            taken = {(s.thread_id, s.query) for s in await subscriptions.for_chat(new_id)}
            moved: list[Subscription] = []
            for subscription in await subscriptions.for_chat(old_id):
                if (subscription.thread_id, subscription.query) in taken:
                    await subscriptions.delete(subscription.id, old_id)
                    self.index.remove(subscription.id)
                    continue
                subscription.chat_id = new_id
                moved.append(subscription)
        for subscription in moved:
            self.index.remove(subscription.id)
            self.index.add(
                subscription.id, new_id, subscription.query, thread_id=subscription.thread_id
            )
        return len(moved)

    async def load_index(self) -> None:
        async with self.sessions() as session:
            for subscription in await SubscriptionRepository(session).all():
                self.index.add(
                    subscription.id,
                    subscription.chat_id,
                    subscription.query,
                    thread_id=subscription.thread_id,
                )
