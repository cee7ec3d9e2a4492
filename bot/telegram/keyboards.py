"""Inline keyboards and their callback data."""

from __future__ import annotations

from collections.abc import Sequence

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot.storage.models import Subscription


class Unsubscribe(CallbackData, prefix="unsub"):
    subscription_id: int


def subscription_list(subscriptions: Sequence[Subscription]) -> InlineKeyboardMarkup:
    buttons = [
        InlineKeyboardButton(
            text=f"❌ {number}",
            callback_data=Unsubscribe(subscription_id=subscription.id).pack(),
        )
        for number, subscription in enumerate(subscriptions, start=1)
    ]
    rows = [buttons[i : i + 5] for i in range(0, len(buttons), 5)]
    return InlineKeyboardMarkup(inline_keyboard=rows)
