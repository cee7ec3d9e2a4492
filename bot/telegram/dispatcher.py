"""The aiogram side: bot client, dispatcher with routers in order, command menus."""

from __future__ import annotations

import logging

from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import BotCommand, BotCommandScopeChat, BotCommandScopeDefault

from bot.telegram.middlewares import ChatContextMiddleware
from bot.telegram.outbound import Outbound
from bot.telegram.routers import (
    admin,
    buttons,
    reports,
    search,
    settings,
    stats,
    subscriptions,
    user,
)
from bot.telegram.services import Services
from bot.telegram.targets import ButtonOwnerMiddleware, CommandTargetMiddleware
from bot.telegram.texts import ADMIN_COMMANDS, LANGUAGES, USER_COMMANDS, text

log = logging.getLogger(__name__)


def create_bot(token: str, api_base: str, outbound: Outbound) -> Bot:
    """The bot client; every request it makes goes through ``outbound`` (paced, 429s
    waited out for handlers, accepted-but-unreadable answers counted as sent)."""
    session = AiohttpSession(api=TelegramAPIServer.from_base(api_base))
    session.middleware(outbound.middleware)
    return Bot(token, session=session, default=DefaultBotProperties(parse_mode="HTML"))


def create_dispatcher(services: Services, outbound: Outbound) -> Dispatcher:
    """Handlers get ``services`` (the one bundle), ``lang`` and ``is_admin`` (the chat's
    context), and what their flags ask for (``targets``)."""
    dispatcher = Dispatcher(services=services)
    # Outermost: while a chat's update is handled, its replies go before its alerts.
    dispatcher.update.outer_middleware(outbound.updates_middleware)
    context = ChatContextMiddleware(services.chats, services.access)
    dispatcher.message.outer_middleware(context)
    dispatcher.callback_query.outer_middleware(context)
    # Inner: after a handler's filters matched, for every router below.
    dispatcher.message.middleware(CommandTargetMiddleware(services.chats))
    dispatcher.callback_query.middleware(
        ButtonOwnerMiddleware(services.chats, services.subscriptions)
    )
    # The admin gate first; the user router's fallbacks last.
    dispatcher.include_routers(
        admin.build_router(),
        stats.build_router(),
        settings.build_router(),
        subscriptions.build_router(),
        reports.build_router(),
        buttons.build_router(),
        search.build_router(),
        user.build_router(),
    )
    return dispatcher


def _commands(language: str, names: tuple[str, ...]) -> list[BotCommand]:
    return [
        BotCommand(command=name, description=text(language, f"cmd_{name}")[:256]) for name in names
    ]


async def set_commands(bot: Bot, default_language: str, admins: frozenset[int]) -> None:
    await bot.set_my_commands(_commands(default_language, USER_COMMANDS), BotCommandScopeDefault())
    for language in LANGUAGES:
        await bot.set_my_commands(
            _commands(language, USER_COMMANDS), BotCommandScopeDefault(), language_code=language
        )
    admin_menu = _commands(default_language, USER_COMMANDS + ADMIN_COMMANDS)
    for admin_id in admins:
        try:
            await bot.set_my_commands(admin_menu, BotCommandScopeChat(chat_id=admin_id))
        except TelegramBadRequest as exc:  # the admin has not opened a chat with the bot yet
            log.info("no admin command menu for %d: %s", admin_id, exc.message)
