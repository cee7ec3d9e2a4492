"""Chats: registration (with their kind), pause/resume, the allowlist, delivery settings.

A chat is a private chat (the user), a group or supergroup, or a channel. Its delivery
settings: ``mode`` immediate | hourly | daily, ``digest_time`` (HH:MM, for daily digests) and
quiet hours ``quiet_start``-``quiet_end`` (HH:MM, may cross midnight; both None = none).
Times are local to the bot's configured zone (``bot.alerts.schedule``).
"""

from __future__ import annotations

from bot.access import AccessPolicy
from bot.alerts.schedule import MODES, parse_clock
from bot.clock import Clock
from bot.storage.chats import ChatKind, ChatRepository
from bot.storage.db import Session, SessionFactory
from bot.storage.models import Chat


class ChatService:
    def __init__(
        self, sessions: SessionFactory, access: AccessPolicy, clock: Clock, default_language: str
    ) -> None:
        self.sessions = sessions
        self.access = access
        self.clock = clock
        self.default_language = default_language

    async def register(
        self, chat_id: int, *, title: str, language: str | None, kind: str | None = None
    ) -> Chat:
        """Create the chat on first contact; a chat that writes again is reachable again.
        ``kind`` (a Telegram chat type) is recorded when given: a group that becomes a
        supergroup, or a row created before kinds were known, gets it right; a type this bot
        does not know is ignored. A chat known as it is is only read: every update comes
        here, and writes queue on SQLite."""
        known_kind = _chat_kind(kind)
        async with self.sessions() as session:
            known = await ChatRepository(session).get(chat_id)
        if known is not None and _unchanged(known, title=title, kind=known_kind):
            return known
        async with self.sessions() as session, session.begin():
            chat = await ChatRepository(session).ensure(
                chat_id, language=language or self.default_language, now=self.clock(), title=title
            )
            chat.blocked = False
            if known_kind is not None and chat.kind != known_kind:
                chat.kind = known_kind
            if title and chat.title != title[:255]:
                chat.title = title[:255]
            return chat

    @staticmethod
    def up_to_date(chat: Chat, *, title: str, kind: str | None) -> bool:
        """Whether ``register`` would change nothing in ``chat``."""
        return _unchanged(chat, title=title, kind=_chat_kind(kind))

    async def register_channel(self, chat_id: int, *, title: str) -> Chat:
        """A channel a bot admin manages: created with the bot's default language."""
        return await self.register(chat_id, title=title, language=None, kind=ChatKind.CHANNEL)

    async def ensure(self, chat_id: int) -> Chat:
        """The chat's row, created with the defaults if it has none yet."""
        async with self.sessions() as session, session.begin():
            return await self._ensure(session, chat_id)

    async def get(self, chat_id: int) -> Chat | None:
        async with self.sessions() as session:
            return await ChatRepository(session).get(chat_id)

    async def may_use(self, user_id: int) -> bool:
        if self.access.mode == "open":
            return True
        chat = await self.get(user_id)
        return self.access.allows(user_id, allowed_in_db=bool(chat and chat.allowed))

    async def set_paused(self, chat_id: int, paused: bool) -> None:
        async with self.sessions() as session, session.begin():
            chat = await ChatRepository(session).ensure(
                chat_id, language=self.default_language, now=self.clock()
            )
            chat.paused = paused

    async def set_language(self, chat_id: int, language: str) -> None:
        async with self.sessions() as session, session.begin():
            chat = await ChatRepository(session).ensure(
                chat_id, language=language, now=self.clock()
            )
            chat.language = language

    async def set_allowed(self, user_id: int, allowed: bool) -> None:
        async with self.sessions() as session, session.begin():
            chat = await ChatRepository(session).ensure(
                user_id, language=self.default_language, now=self.clock()
            )
            chat.allowed = allowed

    # -- delivery settings -------------------------------------------------------------------

    async def set_mode(self, chat_id: int, mode: str) -> Chat:
        """immediate, hourly or daily (at the chat's digest time)."""
        if mode not in MODES:
            raise ValueError(f"unknown mode {mode!r}")
        async with self.sessions() as session, session.begin():
            chat = await self._ensure(session, chat_id)
            chat.mode = mode
            return chat

    async def set_digest_time(self, chat_id: int, clock: str) -> Chat:
        """A daily digest at ``clock`` (HH:MM): also switches the chat to daily digests."""
        normalised = parse_clock(clock)
        if normalised is None:
            raise ValueError(f"not a time of day: {clock!r}")
        async with self.sessions() as session, session.begin():
            chat = await self._ensure(session, chat_id)
            chat.digest_time = normalised
            chat.mode = "daily"
            return chat

    async def set_quiet_hours(self, chat_id: int, start: str | None, end: str | None) -> Chat:
        """Quiet hours from ``start`` to ``end`` (HH:MM, may cross midnight); None, None = off."""
        if (start is None) != (end is None):
            raise ValueError("quiet hours need both ends, or neither")
        if start is not None and end is not None:
            start, end = parse_clock(start), parse_clock(end)
            if start is None or end is None or start == end:
                raise ValueError("quiet hours must be two different times of day")
        async with self.sessions() as session, session.begin():
            chat = await self._ensure(session, chat_id)
            chat.quiet_start, chat.quiet_end = start, end
            return chat

    async def _ensure(self, session: Session, chat_id: int) -> Chat:
        return await ChatRepository(session).ensure(
            chat_id, language=self.default_language, now=self.clock()
        )


def _chat_kind(kind: str | None) -> ChatKind | None:
    """``kind`` (a Telegram chat type) when it is one this bot records."""
    try:
        return None if kind is None else ChatKind(kind)
    except ValueError:
        return None


def _unchanged(chat: Chat, *, title: str, kind: ChatKind | None) -> bool:
    """Whether ``register`` would change nothing in ``chat``."""
    return (
        not chat.blocked
        and (kind is None or chat.kind == kind)
        and (not title or chat.title == title[:255])
    )
