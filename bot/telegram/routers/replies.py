"""Replies the admin commands share: a listing in as many messages as it takes, removing a
thing by its id, and reading that id."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiogram.filters import CommandObject
from aiogram.types import Message

from bot.telegram.texts import text
from bot.telegram.views.sources import chunks


def id_argument(command: CommandObject) -> int | None:
    argument = (command.args or "").strip()
    return int(argument) if argument.isdigit() else None


async def answer_listing(message: Message, lang: str, kind: str, lines: list[str]) -> None:
    """Answer with ``lines`` under the ``<kind>_header`` text, or ``<kind>_empty``."""
    if not lines:
        await message.answer(text(lang, f"{kind}_empty"))
        return
    for chunk in chunks(text(lang, f"{kind}_header"), lines):
        await message.answer(chunk)


async def remove_by_id(
    message: Message,
    command: CommandObject,
    lang: str,
    remove: Callable[[int], Awaitable[bool]],
    done: str,
    missing: str,
) -> None:
    item_id = id_argument(command)
    if item_id is None:
        await message.answer(text(lang, "id_usage", command=command.command))
    elif await remove(item_id):
        await message.answer(text(lang, done, id=item_id))
    else:
        await message.answer(text(lang, missing, id=item_id))
