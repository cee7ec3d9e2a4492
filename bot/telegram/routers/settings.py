"""/settings: how a chat gets its alerts (immediate, hourly or daily digest, quiet hours).

``/settings`` shows the chat's settings with buttons; a button press edits that message in
place. Typed forms for any time: ``/settings immediate|hourly|daily``,
``/settings digest HH:MM`` (daily digest at that time), ``/settings quiet HH:MM-HH:MM``,
``/settings quiet off``. A bot admin adds ``@channel`` first to set a channel's. Anyone in a
group may look; only its admins change (``bot.telegram.manage``, checked for buttons
before the handler runs by ``bot.telegram.targets``). Times are the bot's zone.
"""

from __future__ import annotations

import html

from aiogram import Bot, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message

from bot.alerts.schedule import MODES, parse_clock, parse_quiet
from bot.services.chats import ChatService
from bot.storage.models import Chat
from bot.telegram.keyboards import SettingsChoice, expand
from bot.telegram.manage import Target, managing_heading, may_change_target
from bot.telegram.services import Services
from bot.telegram.targets import BUTTON, TARGET, Access, ButtonScope
from bot.telegram.texts import text
from bot.telegram.views.settings import settings_view


def _apply_typed(rest: str) -> tuple[str, str] | None:
    """A typed change → (field, value) as the buttons give them; None when not understood."""
    words = rest.lower().split(maxsplit=1)
    if not words:
        return None
    head, tail = words[0], (words[1] if len(words) > 1 else "").strip()
    if head in MODES and not tail:
        return "mode", head
    if head == "digest":
        clock = parse_clock(tail)
        return ("time", clock) if clock else ("bad_time", tail)
    if head == "quiet":
        if tail in ("off", "none", "0"):
            return "quiet", "off"
        span = parse_quiet(tail)
        return ("quiet", f"{span[0]}-{span[1]}") if span else ("bad_quiet", tail)
    return None


async def _change(chats: ChatService, chat_id: int, field: str, value: str) -> Chat:
    if field == "mode":
        return await chats.set_mode(chat_id, value)
    if field == "time":
        return await chats.set_digest_time(chat_id, expand(value))
    if value == "off":
        return await chats.set_quiet_hours(chat_id, None, None)
    start, _, end = value.partition("-")
    return await chats.set_quiet_hours(chat_id, expand(start), expand(end))


async def settings_command(
    message: Message,
    target: Target,
    rest: str,
    lang: str,
    is_admin: bool,
    bot: Bot,
    services: Services,
) -> None:
    chats = services.chats
    heading = target.heading(lang)
    if rest:
        change = _apply_typed(rest)
        if change is None:
            await message.answer(text(lang, "settings_usage"))
            return
        field, value = change
        if field == "bad_time":
            await message.answer(text(lang, "bad_time", value=html.escape(value, quote=False)))
            return
        if field == "bad_quiet":
            await message.answer(text(lang, "bad_quiet"))
            return
        # Anyone may look; a change is checked once it is understood.
        if not await may_change_target(message, target, bot=bot, is_admin=is_admin):
            await message.answer(text(lang, "group_admins_only"))
            return
        chat = await _change(chats, target.chat_id, field, value)
    else:
        chat = await chats.ensure(target.chat_id)
    body, keyboard = settings_view(lang, chat, services.zone, heading)
    await message.answer(body, reply_markup=keyboard)


async def settings_button(
    callback: CallbackQuery,
    callback_data: SettingsChoice,
    button_message: Message,
    lang: str,
    services: Services,
) -> None:
    chats = services.chats
    target_id = callback_data.chat_id
    if callback_data.field not in ("mode", "time", "quiet"):
        await callback.answer()
        return
    try:
        before = await chats.get(target_id)
        chat = await _change(chats, target_id, callback_data.field, callback_data.value)
    except ValueError:  # forged or stale data
        await callback.answer(text(lang, "bad_quiet")[:190], show_alert=True)
        return
    await callback.answer(text(lang, "settings_saved"))
    unchanged = before is not None and (
        before.mode,
        before.digest_time,
        before.quiet_start,
        before.quiet_end,
    ) == (chat.mode, chat.digest_time, chat.quiet_start, chat.quiet_end)
    if unchanged:
        return
    here = button_message.chat
    heading = managing_heading(lang, chat.title or str(chat.id)) if target_id != here.id else ""
    body, keyboard = settings_view(lang, chat, services.zone, heading)
    await button_message.edit_text(body, reply_markup=keyboard)


def build_router() -> Router:
    """A fresh router: aiogram attaches a router to one dispatcher only."""
    router = Router(name="settings")
    router.message(Command("settings"), flags={TARGET: Access.READ})(settings_command)
    router.callback_query(SettingsChoice.filter(), flags={BUTTON: ButtonScope.CHAT})(
        settings_button
    )
    return router
