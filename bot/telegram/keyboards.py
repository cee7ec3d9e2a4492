"""Inline keyboards and their callback data.

Callback data is stateless (everything a handler needs is in it), so buttons keep working
after a restart. Wire formats (at most 64 bytes):

- ``unsub:<subscription_id>``: remove, from the /list message
- ``unmute:<subscription_id>``: unmute, from the /list message
- ``mute:<subscription_id>:day`` / ``mute:<subscription_id>:ever``: from an alert
  (rendered by the delivery layer), mute for 24 hours / until unmuted
- ``aunsub:<subscription_id>``: unsubscribe, from an alert (the alert's text stays)
- ``set:<chat_id>:<field>:<value>``: a /settings choice; field mode (immediate|hourly|daily),
  time (HHMM, the daily digest time) or quiet (HHMM-HHMM, or off)
- ``srch:<search_id>:<page>``: page ``page`` (from 0) of a saved /search
  (``bot.storage.searches``: the search is kept, so the buttons survive a restart)
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot.storage.models import Chat, Subscription
from bot.telegram.texts import text

DIGEST_TIMES = ("07:00", "08:00", "12:00", "18:00")
QUIET_CHOICES = (("22:00", "07:00"), ("23:00", "06:00"), ("00:00", "08:00"))
MODE_BUTTONS = (("immediate", "btn_immediate"), ("hourly", "btn_hourly"), ("daily", "btn_daily"))


class Unsubscribe(CallbackData, prefix="unsub"):
    subscription_id: int


class Unmute(CallbackData, prefix="unmute"):
    subscription_id: int


class Mute(CallbackData, prefix="mute"):
    subscription_id: int
    span: str  # day | ever


class AlertUnsubscribe(CallbackData, prefix="aunsub"):
    subscription_id: int


class SettingsChoice(CallbackData, prefix="set"):
    chat_id: int
    field: str  # mode | time | quiet
    value: str


class SearchPaging(CallbackData, prefix="srch"):
    search_id: int
    page: int


def compact(clock: str) -> str:
    """``"07:00"`` → ``"0700"`` (':' separates callback data fields)."""
    return clock.replace(":", "")


def expand(value: str) -> str:
    """``"0700"`` → ``"07:00"``."""
    return f"{value[:2]}:{value[2:]}" if len(value) == 4 and value.isdigit() else value


def subscription_list(
    subscriptions: Sequence[Subscription], muted: Collection[int] = ()
) -> InlineKeyboardMarkup:
    """❌ N for every subscription, then 🔔 N for the muted ones."""
    buttons = [
        InlineKeyboardButton(
            text=f"❌ {number}",
            callback_data=Unsubscribe(subscription_id=subscription.id).pack(),
        )
        for number, subscription in enumerate(subscriptions, start=1)
    ]
    buttons += [
        InlineKeyboardButton(
            text=f"🔔 {number}",
            callback_data=Unmute(subscription_id=subscription.id).pack(),
        )
        for number, subscription in enumerate(subscriptions, start=1)
        if subscription.id in muted
    ]
    rows = [buttons[i : i + 5] for i in range(0, len(buttons), 5)]
    return InlineKeyboardMarkup(inline_keyboard=rows)


def _choice(label: str, chosen: bool, chat_id: int, field: str, value: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(
        text=f"✅ {label}" if chosen else label,
        callback_data=SettingsChoice(chat_id=chat_id, field=field, value=value).pack(),
    )


def settings_keyboard(language: str, chat: Chat) -> InlineKeyboardMarkup:
    """Mode buttons, daily digest times, quiet hours choices; the current ones ticked."""
    modes = [
        _choice(text(language, key), chat.mode == mode, chat.id, "mode", mode)
        for mode, key in MODE_BUTTONS
    ]
    times = [
        _choice(
            clock,
            chat.mode == "daily" and chat.digest_time == clock,
            chat.id,
            "time",
            compact(clock),
        )
        for clock in DIGEST_TIMES
    ]
    quiet = [
        _choice(
            f"🌙 {start}–{end}",
            (chat.quiet_start, chat.quiet_end) == (start, end),
            chat.id,
            "quiet",
            f"{compact(start)}-{compact(end)}",
        )
        for start, end in QUIET_CHOICES
    ]
    off = _choice(
        text(language, "btn_quiet_off"), chat.quiet_start is None, chat.id, "quiet", "off"
    )
    return InlineKeyboardMarkup(inline_keyboard=[modes, times, quiet, [off]])


def search_paging(search_id: int, page: int, *, has_next: bool) -> InlineKeyboardMarkup | None:
    """◀ to the page before (if any), ▶ to the next (if any); None when neither."""
    buttons = []
    if page > 0:
        buttons.append(
            InlineKeyboardButton(
                text="◀", callback_data=SearchPaging(search_id=search_id, page=page - 1).pack()
            )
        )
    if has_next:
        buttons.append(
            InlineKeyboardButton(
                text="▶", callback_data=SearchPaging(search_id=search_id, page=page + 1).pack()
            )
        )
    return InlineKeyboardMarkup(inline_keyboard=[buttons]) if buttons else None
