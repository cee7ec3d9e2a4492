"""The admin gate and the allowlist.

Every admin command from anyone else gets a polite refusal here, before any admin router
sees it; behind the gate: ``/allow`` and ``/deny`` (who may use a private bot), and the
routers for sources, OPML and aliases. ``/stats`` is refused here too (its router is
``routers.stats``).
"""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command, CommandObject, Filter
from aiogram.types import Message

from bot.telegram.routers import aliases, opml, sources
from bot.telegram.services import Services
from bot.telegram.texts import ADMIN_COMMANDS, text


class NotAdmin(Filter):
    async def __call__(self, message: Message, is_admin: bool) -> bool:
        return not is_admin


async def refuse(message: Message, lang: str) -> None:
    await message.answer(text(lang, "admin_only"))


async def allow(message: Message, command: CommandObject, lang: str, services: Services) -> None:
    argument = (command.args or "").strip()
    if not argument.lstrip("-").isdigit():
        await message.answer(text(lang, "user_usage", command=command.command))
        return
    allowed = command.command == "allow"
    await services.chats.set_allowed(int(argument), allowed)
    await message.answer(text(lang, "allowed" if allowed else "denied", user_id=int(argument)))


def build_router() -> Router:
    """A fresh router (aiogram attaches a router to one dispatcher only): the gate first,
    then the admin commands."""
    router = Router(name="admin")
    router.message(Command(*ADMIN_COMMANDS), NotAdmin())(refuse)
    router.message(Command("allow", "deny"))(allow)
    router.include_routers(sources.build_router(), opml.build_router(), aliases.build_router())
    return router
