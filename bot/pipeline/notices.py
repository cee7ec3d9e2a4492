"""Notices to admins (outbox rows of kind 'notice'), e.g. a source going unhealthy.

A notice is a text key of the catalogs (``bot/locales``) and its parameters, already
HTML-escaped, and maybe moments (``dates``); the deliverer renders it in each admin's language
and zone. The admin's chat row is created if the admin never wrote to the bot (in the bot's
default language).
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.chats import ChatRepository
from bot.storage.models import OutboxKind
from bot.storage.outbox import OutboxRepository


def escaped(value: object) -> str:
    return html.escape(str(value), quote=False)


async def queue_notice(
    session: AsyncSession,
    admins: Sequence[int],
    key: str,
    params: Mapping[str, object],
    *,
    now: datetime,
    language: str,
    dates: Mapping[str, datetime] | None = None,
) -> int:
    """One pending notice per admin; ``params`` values are escaped here. ``dates``: moments
    the deliverer writes in each admin's language and zone. Returns the count."""
    chats = ChatRepository(session)
    outbox = OutboxRepository(session)
    payload: dict[str, object] = {
        "key": key,
        "params": {name: escaped(value) for name, value in params.items()},
    }
    if dates:
        payload["dates"] = {name: moment.isoformat() for name, moment in dates.items()}
    for admin in dict.fromkeys(admins):
        await chats.ensure(admin, language=language, now=now)
        await outbox.queue(
            chat_id=admin, thread_id=0, kind=OutboxKind.NOTICE, now=now, payload=payload
        )
    return len(set(admins))
