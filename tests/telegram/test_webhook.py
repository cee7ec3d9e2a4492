"""Telegram updates by webhook: the real application serves its webhook on 127.0.0.1 and
FakeTelegram posts updates to it, as Telegram does once setWebhook is called."""

from __future__ import annotations

import asyncio
import itertools
import logging
import socket
import time
from typing import Any

import aiohttp
import pytest
from aiogram import Dispatcher, Router
from aiogram.exceptions import TelegramBadRequest, TelegramConflictError
from aiogram.types import Message
from aiohttp import web

from bot.config import ConfigError, DeliveryConfig, Settings, TelegramConfig
from bot.telegram.dispatcher import create_bot
from bot.telegram.outbound import Outbound
from bot.telegram.updates import Updates
from bot.topology import Topology
from tests.support.e2e import FEED, OTHER_USER, TOKEN, USER, Apps, make_settings, say
from tests.support.fakes.feed_server import FeedServer, rss_feed
from tests.support.fakes.server import LoopbackServer
from tests.support.fakes.telegram_api import FakeTelegram

SECRET = "hook-Secret_4f9c2e7d1a"
HOOK_PATH = "/tg/hook"
HEADER = "X-Telegram-Bot-Api-Secret-Token"
STRANGER = 5005


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def webhook_settings(
    database_url: str, telegram: FakeTelegram, feeds: FeedServer, port: int, url: str | None = None
) -> Settings:
    """The e2e settings, with updates by webhook served on ``port`` (posted to ``url``)."""
    return make_settings(
        database_url,
        telegram,
        feeds,
        telegram={
            "token": TOKEN,
            "api_base": telegram.base_url,
            "webhook_url": url or f"http://127.0.0.1:{port}{HOOK_PATH}",
            "webhook_secret": SECRET,
            "webhook_listen": "127.0.0.1",
            "webhook_port": port,
        },
    )


def called(telegram: FakeTelegram, method: str) -> int:
    return sum(1 for name, _ in telegram.calls if name.lower() == method.lower())


def start_update(update_id: int, user_id: int, text: str = "/start") -> dict[str, Any]:
    """An update as Telegram posts it: a private message with a command."""
    user = {"id": user_id, "is_bot": False, "first_name": "Stranger", "language_code": "en"}
    return {
        "update_id": update_id,
        "message": {
            "message_id": 1,
            "date": int(time.time()),
            "chat": {"id": user_id, "type": "private", "first_name": "Stranger"},
            "from": user,
            "text": text,
            "entities": [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}],
        },
    }


class Receiver(LoopbackServer):
    """A bare webhook: records each POST and answers the next status of ``statuses``."""

    def __init__(self, statuses: list[int]) -> None:
        self.statuses = statuses
        self.received: list[tuple[str | None, dict[str, Any]]] = []  # (secret header, body)
        self._runner: web.AppRunner | None = None
        self.port = 0

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post(HOOK_PATH, self._post)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        self.port = int(self._runner.addresses[0][1])

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _post(self, request: web.Request) -> web.Response:
        self.received.append((request.headers.get(HEADER), await request.json()))
        status = self.statuses.pop(0) if self.statuses else 200
        return web.json_response({}, status=status)


class Balancer(LoopbackServer):
    """A round-robin load balancer in front of several webhook servers (502 when the chosen
    one does not answer, like nginx); records (backend port, status) of each request."""

    def __init__(self, backends: list[int]) -> None:
        self.backends = backends
        self.forwarded: list[tuple[int, int]] = []
        self._next = itertools.cycle(backends)
        self._runner: web.AppRunner | None = None
        self._http: aiohttp.ClientSession | None = None
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}{HOOK_PATH}"

    async def start(self) -> None:
        self._http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10))
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._forward)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        self.port = int(self._runner.addresses[0][1])

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
        if self._http is not None:
            await self._http.close()

    async def _forward(self, request: web.Request) -> web.Response:
        assert self._http is not None
        backend = next(self._next)
        headers = {k: v for k, v in request.headers.items() if k.lower() in {HEADER.lower()}}
        headers["Content-Type"] = request.content_type
        try:
            async with self._http.request(
                request.method,
                f"http://127.0.0.1:{backend}{request.path_qs}",
                data=await request.read(),
                headers=headers,
            ) as answer:
                body, status = await answer.read(), answer.status
        except aiohttp.ClientError:
            self.forwarded.append((backend, 502))
            return web.Response(status=502, text="Bad Gateway")
        self.forwarded.append((backend, status))
        return web.Response(body=body, status=status)


@pytest.fixture
async def empty_feed(feeds: FeedServer) -> FeedServer:
    feeds.set(FEED, rss_feed("Le Site", []))
    return feeds


async def test_fake_pushes_updates_to_the_webhook_and_retries(telegram: FakeTelegram) -> None:
    bot = create_bot(
        TOKEN,
        telegram.base_url,
        Outbound.of(DeliveryConfig(), Topology.ALONE, sessions=None, metrics=None),
    )
    try:
        async with Receiver([500]) as receiver:
            url = f"http://127.0.0.1:{receiver.port}{HOOK_PATH}"
            with pytest.raises(TelegramBadRequest, match="secret token"):
                await bot.set_webhook(url, secret_token="not allowed!")
            assert telegram.webhook is None
            assert await bot.set_webhook(url, secret_token=SECRET, allowed_updates=["message"])
            hook = telegram.webhook
            assert hook is not None
            assert (hook.url, hook.secret_token, hook.allowed_updates) == (
                url,
                SECRET,
                ["message"],
            )
            assert (await bot.get_webhook_info()).url == url
            with pytest.raises(TelegramConflictError):
                await bot.get_updates(timeout=0)

            update_id = telegram.add_message("/start", user_id=USER)
            await telegram.wait_until_updates_consumed(timeout=5)
            # Answered 500 the first time: pushed again.
            assert [(p.update_id, p.status) for p in telegram.pushes] == [
                (update_id, 500),
                (update_id, 200),
            ]
            assert telegram.pushes[0].error is not None and "500" in telegram.pushes[0].error
            assert [(secret, body["update_id"]) for secret, body in receiver.received] == [
                (SECRET, update_id),
                (SECRET, update_id),
            ]
            assert receiver.received[0][1]["message"]["text"] == "/start"
            info = await bot.get_webhook_info()
            assert info.pending_update_count == 0 and info.last_error_message is not None

            await bot.delete_webhook()
            assert telegram.webhook is None
            assert (await bot.get_webhook_info()).url == ""
            later = telegram.add_message("/help", user_id=USER)
            [update] = await bot.get_updates(timeout=5)
            assert update.update_id == later
            assert len(receiver.received) == 2  # not pushed: the webhook is gone
    finally:
        await bot.session.close()


async def test_commands_arrive_through_the_webhook_and_are_answered(
    database_url: str, telegram: FakeTelegram, empty_feed: FeedServer, apps: Apps
) -> None:
    port = free_port()
    settings = webhook_settings(database_url, telegram, empty_feed, port)
    app = await apps(settings)
    assert app.dispatcher is not None and app.bot is not None

    hook = telegram.webhook
    assert hook is not None
    assert (hook.url, hook.secret_token) == (f"http://127.0.0.1:{port}{HOOK_PATH}", SECRET)
    assert hook.allowed_updates == app.dispatcher.resolve_used_update_types()
    assert {"message", "callback_query"} <= set(hook.allowed_updates)

    welcome = await say(telegram, USER, "/start")
    assert "/subscribe" in welcome.text
    reply = await say(telegram, USER, "/subscribe الهجرة")
    assert "Subscribed" in reply.text and "الهجرة" in reply.text
    listing = await say(telegram, USER, "/list")
    assert "1. الهجرة" in listing.text and listing.reply_markup is not None
    [button] = [b for row in listing.reply_markup["inline_keyboard"] for b in row]
    telegram.press_button(button["callback_data"], user_id=USER, message_id=listing.message_id)
    [answer] = await telegram.wait_for_call("answerCallbackQuery")
    assert answer["text"] == "Removed"

    await telegram.wait_until_updates_consumed()
    assert len(telegram.pushes) == 4 and all(p.status == 200 for p in telegram.pushes)
    assert (await app.bot.get_webhook_info()).url == hook.url
    assert called(telegram, "getUpdates") == 0
    assert called(telegram, "deleteWebhook") == 0


async def test_requests_without_the_secret_are_refused(
    database_url: str,
    telegram: FakeTelegram,
    empty_feed: FeedServer,
    apps: Apps,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    port = free_port()
    await apps(webhook_settings(database_url, telegram, empty_feed, port))
    hook = f"http://127.0.0.1:{port}{HOOK_PATH}"

    async with aiohttp.ClientSession() as http:
        refused: list[dict[str, str]] = [
            {},
            {HEADER: ""},
            {HEADER: SECRET + "x"},
            {HEADER: SECRET.upper()},
            {HEADER: SECRET + "é"},  # non-ASCII: compare_digest would raise TypeError
            {HEADER: "سر"},
        ]
        for headers in refused:
            async with http.post(hook, json=start_update(900, STRANGER), headers=headers) as resp:
                assert resp.status == 401, headers
                assert SECRET not in await resp.text()
        # Only the webhook's path, and only POST, is served on that port.
        async with http.get(hook, headers={HEADER: SECRET}) as resp:
            assert resp.status == 405
        for path in ("/", "/health", "/metrics"):
            async with http.post(f"http://127.0.0.1:{port}{path}") as resp:
                assert resp.status == 404
        # The same update with the secret is handled: the refusals were for the secret only.
        async with http.post(
            hook, json=start_update(901, STRANGER), headers={HEADER: SECRET}
        ) as resp:
            assert resp.status == 200
        async with http.post(hook, json={"hello": 1}, headers={HEADER: SECRET}) as resp:
            assert resp.status == 200  # answered at once; the body is then found not an update

    [welcome] = await telegram.wait_for_messages(1, chat_id=STRANGER)
    assert "/subscribe" in welcome.text
    await say(telegram, STRANGER, "/help")  # a later update, handled after any earlier one
    assert len([m for m in telegram.sent if m.chat_id == STRANGER]) == 2
    assert caplog.text.count("refused a request without the right secret token") == 6
    assert "Traceback" not in caplog.text and "Error handling request" not in caplog.text
    assert "not an update" in caplog.text
    assert SECRET not in caplog.text


async def test_two_instances_behind_one_webhook_share_the_updates(
    backend: str,
    database_url: str,
    telegram: FakeTelegram,
    empty_feed: FeedServer,
    apps: Apps,
) -> None:
    if backend == "sqlite":
        pytest.skip("several instances share one database on PostgreSQL only")
    first, second = free_port(), free_port()
    async with Balancer([first, second]) as balancer:
        one = await apps(webhook_settings(database_url, telegram, empty_feed, first, balancer.url))
        two = await apps(webhook_settings(database_url, telegram, empty_feed, second, balancer.url))
        assert [h.url for h in telegram.webhooks] == [balancer.url, balancer.url]

        await say(telegram, USER, "/start")  # to the first instance
        await say(telegram, USER, "/subscribe Bourita")  # the second
        listing = await say(telegram, USER, "/list")  # the first, which reads the same database
        assert "1. Bourita" in listing.text
        assert balancer.forwarded == [(first, 200), (second, 200), (first, 200)]

        await apps.stop(one)
        assert telegram.webhook is not None  # still served by the other instance
        await say(telegram, OTHER_USER, "/help")  # the second instance
        welcome = await say(telegram, OTHER_USER, "/start")  # the first is gone: retried
        assert "/subscribe" in welcome.text
        assert balancer.forwarded[3:] == [(second, 200), (first, 502), (second, 200)]
        assert [p.status for p in telegram.pushes[-2:]] == [502, 200]
        assert two.bot is not None
        assert called(telegram, "getUpdates") == 0
        assert called(telegram, "deleteWebhook") == 0


async def test_stop_waits_for_an_update_being_handled(
    database_url: str,
    telegram: FakeTelegram,
    empty_feed: FeedServer,
    apps: Apps,
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = await apps(webhook_settings(database_url, telegram, empty_feed, free_port()))
    telegram.hold("sendMessage")
    telegram.add_message("/start", user_id=USER)
    await telegram.wait_for_call("sendMessage")  # the handler is answering
    assert [p.status for p in telegram.pushes] == [200]  # Telegram had its answer already

    stopping = asyncio.create_task(apps.stop(app))
    done, _ = await asyncio.wait({stopping}, timeout=0.5)
    assert not done  # stop waits for the handler
    telegram.release("sendMessage")
    await asyncio.wait_for(stopping, 10)

    [welcome] = telegram.sent
    assert welcome.chat_id == USER and "/subscribe" in welcome.text
    assert "Cause exception while process update" not in caplog.text


@pytest.mark.alone  # timed
async def test_stop_cancels_an_update_still_handled_after_the_grace(
    telegram: FakeTelegram, caplog: pytest.LogCaptureFixture
) -> None:
    started, never = asyncio.Event(), asyncio.Event()
    router = Router()

    @router.message()
    async def stuck(message: Message) -> None:
        started.set()
        await never.wait()

    dispatcher = Dispatcher()
    dispatcher.include_router(router)
    bot = create_bot(
        TOKEN,
        telegram.base_url,
        Outbound.of(DeliveryConfig(), Topology.ALONE, sessions=None, metrics=None),
    )
    port = free_port()
    config = TelegramConfig(
        token=TOKEN,
        api_base=telegram.base_url,
        webhook_url=f"http://127.0.0.1:{port}{HOOK_PATH}",
        webhook_secret=SECRET,
        webhook_port=port,
    )
    updates = Updates(bot, dispatcher, config, grace=0.3)
    try:
        await updates.start()
        telegram.add_message("hello", user_id=USER)
        await asyncio.wait_for(started.wait(), 5)
        began = time.monotonic()
        await updates.stop()
        assert 0.3 <= time.monotonic() - began < 3
        assert "1 update(s) still being handled after 0.3s: cancelled" in caplog.text
    finally:
        await bot.session.close()


async def test_a_port_in_use_is_a_clear_error_before_any_set_webhook(
    telegram: FakeTelegram,
) -> None:
    bot = create_bot(
        TOKEN,
        telegram.base_url,
        Outbound.of(DeliveryConfig(), Topology.ALONE, sessions=None, metrics=None),
    )
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = int(taken.getsockname()[1])
        config = TelegramConfig(
            token=TOKEN,
            api_base=telegram.base_url,
            webhook_url=f"https://bot.example.org{HOOK_PATH}",
            webhook_secret=SECRET,
            webhook_port=port,
        )
        updates = Updates(bot, Dispatcher(), config)
        try:
            with pytest.raises(ConfigError, match=f"cannot listen on 127.0.0.1:{port}") as info:
                await updates.start()
            await updates.stop()
        finally:
            await bot.session.close()
    assert SECRET not in str(info.value)
    assert called(telegram, "setWebhook") == 0 and telegram.webhook is None


async def test_a_process_in_long_polling_mode_deletes_the_webhook(
    database_url: str, telegram: FakeTelegram, empty_feed: FeedServer, apps: Apps
) -> None:
    port = free_port()
    hooked = await apps(webhook_settings(database_url, telegram, empty_feed, port))
    await say(telegram, USER, "/start")
    await apps.stop(hooked)
    assert telegram.webhook is not None  # stopping leaves it: other processes may serve it
    telegram.add_message("/help", user_id=USER)  # waits at Telegram meanwhile

    await apps(make_settings(database_url, telegram, empty_feed))
    assert telegram.webhook is None and called(telegram, "deleteWebhook") == 1
    [_, help_reply] = await telegram.wait_for_messages(2, chat_id=USER)
    assert "/subscribe" in help_reply.text
    assert called(telegram, "getUpdates") >= 1
    # /help was pushed (again and again) while nothing listened on the webhook's port.
    assert telegram.pushes[0].status == 200 and len(telegram.pushes) >= 2
    assert all(p.status is None and p.error for p in telegram.pushes[1:])
