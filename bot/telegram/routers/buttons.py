"""The buttons on a subscription: ❌ and 🔔 under /list, mute and unsubscribe under an alert.

Buttons carry everything they need (``keyboards``), so they work after a restart. A button
acts only on a subscription of the chat it was pressed in (a bot admin's private chat also
reaches the channels it manages): checked before the handler runs (``targets``).
"""

from __future__ import annotations

from datetime import timedelta

from aiogram import Router
from aiogram.types import CallbackQuery, Message

from bot.alerts.format import shorten
from bot.i18n.bidi import embed
from bot.services.subscriptions import MUTED_FOREVER
from bot.storage.models import Subscription
from bot.telegram.keyboards import AlertUnsubscribe, Mute, Unmute, Unsubscribe
from bot.telegram.manage import managing_heading
from bot.telegram.routers.subscriptions import list_of
from bot.telegram.services import Services
from bot.telegram.targets import BUTTON, ButtonScope
from bot.telegram.texts import text

MUTE_DAY = timedelta(hours=24)


async def _refresh_list(
    callback: CallbackQuery, subscription: Subscription, lang: str, services: Services
) -> None:
    """Show the list again in the /list message the button was on."""
    message = callback.message
    if not isinstance(message, Message):
        return
    heading = ""
    if message.chat.id != subscription.chat_id:
        owner = await services.chats.get(subscription.chat_id)
        heading = managing_heading(lang, owner.title if owner else str(subscription.chat_id))
    body, keyboard = await list_of(
        lang, subscription.chat_id, subscription.thread_id, heading, services
    )
    await message.edit_text(body, reply_markup=keyboard)


async def unsubscribe_button(
    callback: CallbackQuery, subscription: Subscription, lang: str, services: Services
) -> None:
    removed = await services.subscriptions.remove(subscription.chat_id, subscription.id)
    await callback.answer(text(lang, "removed_button" if removed else "gone_button"))
    if removed:
        await _refresh_list(callback, removed, lang, services)


async def unmute_button(
    callback: CallbackQuery, subscription: Subscription, lang: str, services: Services
) -> None:
    subscriptions = services.subscriptions
    was_muted = subscriptions.is_muted(subscription)
    await subscriptions.unmute(subscription.chat_id, subscription.id)
    await callback.answer(text(lang, "unmuted_button"))
    if was_muted:
        await _refresh_list(callback, subscription, lang, services)


async def mute_button(
    callback: CallbackQuery,
    callback_data: Mute,
    subscription: Subscription,
    lang: str,
    services: Services,
) -> None:
    if callback_data.span not in ("day", "ever"):  # not a button we make
        await callback.answer()
        return
    subscriptions = services.subscriptions
    forever = callback_data.span == "ever"
    until = MUTED_FOREVER if forever else subscriptions.clock() + MUTE_DAY
    await subscriptions.mute(subscription.chat_id, subscription.id, until)
    key = "muted_forever_button" if forever else "muted_day_button"
    await callback.answer(text(lang, key, query=embed(lang, shorten(subscription.query, 60))))


async def alert_unsubscribe_button(
    callback: CallbackQuery, subscription: Subscription, lang: str, services: Services
) -> None:
    removed = await services.subscriptions.remove(subscription.chat_id, subscription.id)
    if removed is None:
        await callback.answer(text(lang, "gone_button"))
        return
    await callback.answer(
        text(lang, "unsubscribed_button", query=embed(lang, shorten(removed.query, 60)))
    )


def build_router() -> Router:
    """A fresh router: aiogram attaches a router to one dispatcher only."""
    router = Router(name="buttons")
    owned = ButtonScope.SUBSCRIPTION
    router.callback_query(Unsubscribe.filter(), flags={BUTTON: owned})(unsubscribe_button)
    router.callback_query(Unmute.filter(), flags={BUTTON: owned})(unmute_button)
    router.callback_query(Mute.filter(), flags={BUTTON: owned})(mute_button)
    router.callback_query(AlertUnsubscribe.filter(), flags={BUTTON: owned})(
        alert_unsubscribe_button
    )
    return router
