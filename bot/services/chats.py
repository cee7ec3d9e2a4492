"""Chats: registration, pause/resume, the allowlist."""

from __future__ import annotations

from bot.access import AccessPolicy
from bot.clock import Clock
from bot.storage.db import SessionFactory
from bot.storage.models import Chat
from bot.storage.repositories import ChatRepository


class ChatService:
    def __init__(
        self, sessions: SessionFactory, access: AccessPolicy, clock: Clock, default_language: str
    ) -> None:
        self.sessions = sessions
        self.access = access
        self.clock = clock
        self.default_language = default_language

    async def register(self, chat_id: int, *, title: str, language: str | None) -> Chat:
        """Create the chat on first contact; a chat that writes again is reachable again."""
        async with self.sessions() as session, session.begin():
            chat = await ChatRepository(session).ensure(
                chat_id, language=language or self.default_language, now=self.clock(), title=title
            )
            chat.blocked = False
            return chat

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
