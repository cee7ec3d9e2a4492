"""The fake Bot API server works with the real aiogram client over HTTP."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import aiohttp
import pytest
from aiogram import Bot, Dispatcher, F, Router
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramRetryAfter,
    TelegramUnauthorizedError,
)
from aiogram.filters import Command
from aiogram.types import (
    BotCommand,
    BufferedInputFile,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
)

from tests.support.fakes.telegram_api import FakeTelegram

TOKEN = "777000111:AAFakeTokenForRasdTests"
USER = 4242


@pytest.fixture
async def tg() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram(TOKEN) as server:
        yield server


def make_bot(tg: FakeTelegram, token: str = TOKEN) -> Bot:
    session = AiohttpSession(api=TelegramAPIServer.from_base(tg.base_url))
    return Bot(token, session=session, default=DefaultBotProperties(parse_mode="HTML"))


@pytest.fixture
async def bot(tg: FakeTelegram) -> AsyncIterator[Bot]:
    bot = make_bot(tg)
    yield bot
    await bot.session.close()


def run_polling(dp: Dispatcher, bot: Bot) -> asyncio.Task[None]:
    """Real long polling; a short poll timeout keeps shutdown quick."""
    return asyncio.create_task(dp.start_polling(bot, handle_signals=False, polling_timeout=1))


async def stop_polling(dp: Dispatcher, task: asyncio.Task[None]) -> None:
    await dp.stop_polling()
    await asyncio.wait_for(task, 5)


async def test_get_me_returns_configured_username(bot: Bot) -> None:
    me = await bot.get_me()
    assert me.username == "rasd_test_bot"
    assert me.is_bot
    assert me.id == 777000111


async def test_send_message_records_parse_mode_and_keyboard(tg: FakeTelegram, bot: Bot) -> None:
    keyboard = InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text="Mute", callback_data="mute:1")]]
    )
    first = await bot.send_message(USER, "<b>Alert</b> &amp; more", reply_markup=keyboard)
    second = await bot.send_message(USER, "plain", parse_mode=None)

    assert (first.message_id, second.message_id) == (1, 2)
    assert first.chat.type == "private"
    assert first.text == "Alert & more"  # Telegram returns the parsed text
    sent = tg.sent[0]
    assert (sent.chat_id, sent.text, sent.parse_mode) == (USER, "<b>Alert</b> &amp; more", "HTML")
    assert sent.reply_markup == {"inline_keyboard": [[{"text": "Mute", "callback_data": "mute:1"}]]}
    assert tg.sent[1].parse_mode is None
    assert tg.calls[-1][0] == "sendMessage"
    group = await bot.send_message(-100123, "hello group")
    assert group.chat.type == "supergroup"
    assert group.message_id == 1  # message ids count per chat


async def test_invalid_html_and_too_long_text_are_rejected(tg: FakeTelegram, bot: Bot) -> None:
    with pytest.raises(TelegramBadRequest, match="can't parse entities"):
        await bot.send_message(USER, "profits < losses")
    with pytest.raises(TelegramBadRequest, match="can't parse entities"):
        await bot.send_message(USER, "<b>unclosed")
    with pytest.raises(TelegramBadRequest, match="too long"):
        await bot.send_message(USER, "x" * 4097)
    await bot.send_message(USER, "<b>" + "x" * 4096 + "</b>")  # tags do not count
    assert len(tg.sent) == 1


async def test_retry_after_raises_and_then_recovers(tg: FakeTelegram, bot: Bot) -> None:
    tg.fail_next(
        "sendMessage", error_code=429, description="Too Many Requests: retry after 7", retry_after=7
    )
    with pytest.raises(TelegramRetryAfter) as info:
        await bot.send_message(USER, "hi")
    assert info.value.retry_after == 7
    await bot.send_message(USER, "hi again")
    assert [m.text for m in tg.sent] == ["hi again"]
    assert [name for name, _ in tg.calls] == ["sendMessage", "sendMessage"]


async def test_fail_next_respects_chat_and_times(tg: FakeTelegram, bot: Bot) -> None:
    tg.fail_next("sendMessage", error_code=400, description="Bad Request: x", chat_id=2, times=2)
    await bot.send_message(1, "other chat is fine")
    for _ in range(2):
        with pytest.raises(TelegramBadRequest):
            await bot.send_message(2, "fails")
    await bot.send_message(2, "third try works")
    assert [(m.chat_id, m.text) for m in tg.sent] == [
        (1, "other chat is fine"),
        (2, "third try works"),
    ]


async def test_blocked_chat_is_forbidden_until_unblocked(tg: FakeTelegram, bot: Bot) -> None:
    tg.block_chat(USER)
    with pytest.raises(TelegramForbiddenError, match="bot was blocked by the user"):
        await bot.send_message(USER, "hello?")
    await bot.send_message(USER + 1, "someone else")
    tg.unblock_chat(USER)
    await bot.send_message(USER, "back")
    assert [m.text for m in tg.sent] == ["someone else", "back"]


async def test_wrong_token_is_unauthorized(tg: FakeTelegram) -> None:
    stranger = make_bot(tg, token="123:WRONG")
    try:
        with pytest.raises(TelegramUnauthorizedError):
            await stranger.get_me()
    finally:
        await stranger.session.close()
    assert tg.calls == []


async def test_unknown_method_and_json_body(tg: FakeTelegram) -> None:
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{tg.base_url}/bot{TOKEN}/sendTelepathy") as resp:
            assert resp.status == 404
            assert await resp.json() == {
                "ok": False,
                "error_code": 404,
                "description": "Not Found: method not found",
            }
        body = {"chat_id": 5, "text": "json", "reply_markup": {"inline_keyboard": []}}
        async with http.post(f"{tg.base_url}/bot{TOKEN}/sendMessage", json=body) as resp:
            assert resp.status == 200
            assert (await resp.json())["result"]["chat"]["id"] == 5
    assert tg.sent[0].chat_id == 5
    assert tg.sent[0].reply_markup == {"inline_keyboard": []}


async def test_long_poll_wakes_on_update_and_offset_confirms(tg: FakeTelegram, bot: Bot) -> None:
    assert await bot.get_updates(timeout=0) == []
    started = time.monotonic()
    poll = asyncio.create_task(bot.get_updates(timeout=20))
    await tg.wait_for_call("getUpdates", count=2)
    update_id = tg.add_message("hello", user_id=USER)
    updates = await poll
    assert time.monotonic() - started < 5
    assert [u.update_id for u in updates] == [update_id]
    assert updates[0].message is not None
    assert updates[0].message.text == "hello"
    with pytest.raises(TimeoutError):
        await tg.wait_until_updates_consumed(timeout=0.05)  # fetched but not confirmed yet
    await bot.get_updates(offset=update_id + 1, timeout=0)
    await tg.wait_until_updates_consumed(timeout=1)


async def test_stop_releases_pending_long_poll(tg: FakeTelegram, bot: Bot) -> None:
    poll = asyncio.create_task(bot.get_updates(timeout=30))
    await tg.wait_for_call("getUpdates")
    started = time.monotonic()
    await tg.stop()
    assert time.monotonic() - started < 3
    assert await asyncio.wait_for(poll, 3) == []


async def test_polling_round_trip_start_command(tg: FakeTelegram, bot: Bot) -> None:
    router = Router()

    @router.message(Command("start"))
    async def on_start(message: Message) -> None:
        assert message.from_user is not None
        await message.answer(f"Welcome, {message.from_user.first_name}")

    @router.message()
    async def on_other(message: Message) -> None:
        await message.answer("unknown")

    dp = Dispatcher()
    dp.include_router(router)
    task = run_polling(dp, bot)
    try:
        tg.add_message("/start", user_id=USER, first_name="Amina")
        tg.add_message("/start", user_id=-100500, chat_id=-100500)
        replies = await tg.wait_for_messages(chat_id=USER, timeout=5)
        await tg.wait_for_messages(chat_id=-100500, timeout=5)
        await tg.wait_until_updates_consumed(timeout=5)
    finally:
        await stop_polling(dp, task)
    assert [m.text for m in replies] == ["Welcome, Amina"]
    assert not any(m.text == "unknown" for m in tg.sent)


async def test_button_press_answers_and_edits(tg: FakeTelegram, bot: Bot) -> None:
    router = Router()

    @router.callback_query(F.data == "mute")
    async def on_mute(callback: CallbackQuery) -> None:
        await callback.answer("Muted")
        assert isinstance(callback.message, Message)
        await callback.message.edit_text(f"{callback.message.text} (muted)")

    dp = Dispatcher()
    dp.include_router(router)
    keyboard = InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text="Mute", callback_data="mute")]]
    )
    sent = await bot.send_message(USER, "Alert", reply_markup=keyboard)
    task = run_polling(dp, bot)
    try:
        query_id = tg.press_button("mute", user_id=USER, message_id=sent.message_id)
        await tg.wait_for_call("editMessageText", timeout=5)
    finally:
        await stop_polling(dp, task)
    assert [(a.callback_query_id, a.text) for a in tg.callback_answers] == [(query_id, "Muted")]
    assert [(e.chat_id, e.message_id, e.text) for e in tg.edits] == [
        (USER, sent.message_id, "Alert (muted)")
    ]
    assert "reply_markup" not in tg.message(USER, sent.message_id)  # edit dropped the keyboard


async def test_edit_errors_match_telegram(tg: FakeTelegram, bot: Bot) -> None:
    sent = await bot.send_message(USER, "same")
    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await bot.edit_message_text("same", chat_id=USER, message_id=sent.message_id)
    with pytest.raises(TelegramBadRequest, match="message to edit not found"):
        await bot.edit_message_text("new", chat_id=USER, message_id=99)
    assert await bot.delete_message(USER, sent.message_id)
    assert tg.deleted == [(USER, sent.message_id)]
    with pytest.raises(KeyError):
        tg.press_button("x", user_id=USER, message_id=sent.message_id)


async def test_commands_are_recorded(tg: FakeTelegram, bot: Bot) -> None:
    await bot.set_my_commands([BotCommand(command="start", description="Start")])
    await bot.set_my_commands(
        [BotCommand(command="start", description="Démarrer")], language_code="fr"
    )
    await tg.wait_for_call("setMyCommands", count=2, timeout=1)
    assert tg.commands == [{"command": "start", "description": "Démarrer"}]
    default = await bot.get_my_commands()
    assert [c.description for c in default] == ["Start"]
    french = await bot.get_my_commands(language_code="fr")
    assert [c.description for c in french] == ["Démarrer"]


async def test_wait_for_messages_timeout_lists_what_was_sent(tg: FakeTelegram, bot: Bot) -> None:
    await bot.send_message(USER, "only this")
    with pytest.raises(TimeoutError, match="only this"):
        await tg.wait_for_messages(2, chat_id=USER, timeout=0.05)
    found = await tg.wait_for_messages(predicate=lambda m: m.text.startswith("only"), timeout=1)
    assert len(found) == 1


async def test_forum_topic_is_recorded(tg: FakeTelegram, bot: Bot) -> None:
    await bot.send_message(-100123, "in a topic", message_thread_id=7)
    await bot.send_message(-100123, "in the chat")
    assert [m.thread_id for m in tg.sent] == [7, None]
    assert tg.message(-100123, 1)["message_thread_id"] == 7


async def test_hold_after_then_drop_held_loses_the_call(tg: FakeTelegram, bot: Bot) -> None:
    tg.hold_after("sendMessage", 1)
    await bot.send_message(USER, "one")
    held = asyncio.create_task(bot.send_message(USER, "two"))
    await tg.wait_for_call("sendMessage", count=2)
    assert not held.done()
    tg.drop_held("sendMessage")
    with pytest.raises(Exception):  # noqa: B017 (the client sees a broken answer)
        await held
    await bot.send_message(USER, "three")  # no longer held
    assert [m.text for m in tg.sent] == ["one", "three"]
    assert [p["text"] for _, p in tg.dropped_calls] == ["two"]


async def test_uploaded_photos_and_documents_are_recorded(tg: FakeTelegram, bot: Bot) -> None:
    png = b"\x89PNG\r\n\x1a\n" + b"x" * 100
    sent = await bot.send_photo(USER, BufferedInputFile(png, filename="c.png"), caption="<b>t</b>")
    assert sent.photo and sent.caption == "<b>t</b>"
    await bot.send_document(
        USER, BufferedInputFile(b"a,b\r\n", filename="e.csv"), message_thread_id=7
    )
    [photo] = tg.photos
    assert (photo.chat_id, photo.file_name, photo.content, photo.caption) == (
        USER, "c.png", png, "<b>t</b>"
    )  # fmt: skip
    assert photo.parse_mode == "HTML" and photo.content_type
    [document] = tg.documents
    assert (document.file_name, document.content, document.thread_id) == ("e.csv", b"a,b\r\n", 7)
    assert await tg.wait_for_files("photo", chat_id=USER) == [photo]
    with pytest.raises(TelegramBadRequest, match="caption is too long"):
        await bot.send_photo(USER, BufferedInputFile(png, filename="c.png"), caption="x" * 1025)
    with pytest.raises(TelegramBadRequest, match="parse entities"):
        await bot.send_document(USER, BufferedInputFile(b"1", filename="f"), caption="<b>x")
    tg.block_chat(USER)
    with pytest.raises(TelegramForbiddenError):
        await bot.send_photo(USER, BufferedInputFile(png, filename="c.png"))
    assert len(tg.photos) == 1 and len(tg.documents) == 1
