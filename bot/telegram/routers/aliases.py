"""Admin commands on aliases (names that match as one another in every query): add, list,
remove.

Behind the admin gate (``routers.admin``): only bot administrators reach these handlers.
"""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.types import Message

from bot.matching import AliasError
from bot.telegram.routers.replies import answer_listing, remove_by_id
from bot.telegram.services import Services
from bot.telegram.texts import text
from bot.telegram.views.queries import query_error_text
from bot.telegram.views.sources import escape


async def add_alias(
    message: Message, command: CommandObject, lang: str, services: Services
) -> None:
    argument = command.args or ""
    if not argument.strip():
        await message.answer(text(lang, "alias_usage"))
        return
    user = message.from_user
    try:
        alias = await services.aliases.add(argument, user.id if user else 0)
    except AliasError as exc:
        await message.answer(query_error_text(lang, argument, exc))
        return
    entries = " = ".join(f"<b>{escape(e)}</b>" for e in alias.entries)
    await message.answer(text(lang, "alias_added", id=alias.id, entries=entries))


async def list_aliases(message: Message, lang: str, services: Services) -> None:
    lines = [
        f"#{a.id}: " + " = ".join(escape(e) for e in a.entries)
        for a in await services.aliases.list()
    ]
    await answer_listing(message, lang, "aliases", lines)


async def remove_alias(
    message: Message, command: CommandObject, lang: str, services: Services
) -> None:
    await remove_by_id(
        message, command, lang, services.aliases.remove, "alias_removed", "no_such_alias"
    )


def build_router() -> Router:
    """A fresh router: aiogram attaches a router to one dispatcher only."""
    router = Router(name="aliases")
    router.message(Command("alias"))(add_alias)
    router.message(Command("aliases"))(list_aliases)
    router.message(Command("unalias"))(remove_alias)
    return router
