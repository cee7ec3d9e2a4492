"""A small in-process fake of the Telegram Bot API for tests.

The real aiogram client talks to it over HTTP on 127.0.0.1::

    async with FakeTelegram(TOKEN) as tg:
        session = AiohttpSession(api=TelegramAPIServer.from_base(tg.base_url))
        bot = Bot(TOKEN, session=session)

aiogram posts every method as a form (``application/x-www-form-urlencoded``, or
multipart when files are attached): strings are sent as-is and every other value
(ints, booleans, objects, lists) as a JSON string.  JSON bodies are accepted too.

Updates reach the bot by getUpdates, or, once the bot called setWebhook, as POSTs to the
webhook (see `Webhook`, `Push`); unlike Telegram, the fake accepts an ``http://`` webhook so
that tests can serve it on 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import html
import itertools
import json
import math
import re
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web

from tests.support.fakes.server import LoopbackServer

JsonDict = dict[str, Any]

# The token of the request being handled (each request is handled in its own task).
_REQUEST_TOKEN: contextvars.ContextVar[str] = contextvars.ContextVar("token", default="")

# Form fields whose value aiogram JSON-encodes (everything that is not a plain string).
_JSON_FIELDS = frozenset(
    {
        "allowed_updates",
        "cache_time",
        "chat_id",
        "commands",
        "disable_notification",
        "disable_web_page_preview",
        "drop_pending_updates",
        "entities",
        "limit",
        "link_preview_options",
        "max_connections",
        "message_id",
        "message_thread_id",
        "offset",
        "protect_content",
        "reply_markup",
        "reply_parameters",
        "scope",
        "show_alert",
        "timeout",
        "user_id",
    }
)
_TEXT_LIMIT = 4096
_CAPTION_LIMIT = 1024  # a photo's or document's caption, once its HTML is parsed
_HTML_TAGS = frozenset(
    {
        "a", "b", "blockquote", "code", "del", "em", "i", "ins", "pre", "s", "span",
        "strike", "strong", "tg-emoji", "tg-spoiler", "u",
    }
)  # fmt: skip
_TAG_RE = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)(?:\s[^<>]*)?>")
_ENTITY_RE = re.compile(r"&(#?\w+);")
_SECRET_RE = re.compile(r"[A-Za-z0-9_-]{1,256}")
_SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
_CHAT_METHODS = frozenset({"sendmessage", "sendchataction", "senddocument", "sendphoto"})
# Methods that count against Telegram's sending limits (edits count like sends).
_LIMITED_METHODS = frozenset(
    {"sendmessage", "senddocument", "sendphoto", "editmessagetext", "editmessagereplymarkup"}
)


@dataclass(frozen=True)
class Limits:
    """Telegram's sending limits, as the fake enforces them (``None`` = not enforced).

    Counted over accepted messages, in sliding windows: at most ``per_second`` in any second
    overall, one per ``1 / private_per_second`` seconds per private chat (positive id), at
    most ``group_per_minute`` in any 60 s per group or channel (negative id). A message over
    a limit is answered 429 with ``retry_after`` (whole seconds, like Telegram).
    """

    per_second: float | None = 30
    private_per_second: float | None = 1
    group_per_minute: int | None = 20
    group_window: float = 60.0  # seconds; tests shorten it


class ApiError(Exception):
    """An error answer of the Bot API (raised by method handlers)."""

    def __init__(self, error_code: int, description: str, retry_after: int | None = None):
        super().__init__(description)
        self.error_code = error_code
        self.description = description
        self.retry_after = retry_after

    def body(self) -> JsonDict:
        body: JsonDict = {
            "ok": False,
            "error_code": self.error_code,
            "description": self.description,
        }
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


@dataclass
class SentMessage:
    """A sendMessage call that succeeded."""

    chat_id: int
    text: str
    message_id: int
    parse_mode: str | None = None
    reply_markup: JsonDict | None = None
    disable_web_page_preview: bool | None = None
    link_preview_options: JsonDict | None = None
    thread_id: int | None = None
    # When it was accepted (time.monotonic()), and the token of the bot that sent it.
    at: float = field(default_factory=time.monotonic, compare=False)
    token: str = field(default="", compare=False)


@dataclass(frozen=True, slots=True)
class SentFile:
    """A document or photo the bot uploaded (sendDocument, sendPhoto), as the fake got it."""

    chat_id: int
    file_name: str
    content: bytes
    caption: str | None
    content_type: str = ""
    parse_mode: str | None = None
    thread_id: int | None = None


@dataclass
class EditedMessage:
    """An editMessageText / editMessageReplyMarkup call that succeeded."""

    chat_id: int
    message_id: int
    text: str
    parse_mode: str | None = None
    reply_markup: JsonDict | None = None


@dataclass
class CallbackAnswer:
    """An answerCallbackQuery call that succeeded."""

    callback_query_id: str
    text: str | None = None
    show_alert: bool = False
    url: str | None = None


@dataclass(frozen=True)
class Webhook:
    """What the bot asked for with setWebhook."""

    url: str
    secret_token: str | None = None
    allowed_updates: list[str] | None = None
    max_connections: int | None = None


@dataclass(frozen=True)
class Push:
    """One POST of an update to the webhook, as the fake made it."""

    update_id: int
    url: str
    status: int | None  # the webhook's HTTP status; None when it gave no answer
    error: str | None = None  # for a push that failed: what getWebhookInfo reports


@dataclass
class _Failure:
    method: str
    error: ApiError
    chat_id: int | None
    remaining: int


@dataclass
class _Garble:
    method: str
    chat_id: int | None
    remaining: int


@dataclass
class _State:
    """Server-side state that handlers share (messages as Telegram stores them)."""

    updates: list[JsonDict] = field(default_factory=list)
    messages: dict[tuple[int, int], JsonDict] = field(default_factory=dict)
    users: dict[int, JsonDict] = field(default_factory=dict)
    last_message_id: dict[int, int] = field(default_factory=dict)
    callback_ids: set[str] = field(default_factory=set)
    allowed_updates: list[str] = field(default_factory=list)


def _check_html(text: str) -> str:
    """Validate Telegram HTML like the real API does; return the visible text."""
    stack: list[str] = []
    pos = 0
    while (start := text.find("<", pos)) != -1:
        match = _TAG_RE.match(text, start)
        if match is None:
            raise ApiError(400, f"Bad Request: can't parse entities: unexpected '<' at {start}")
        closing, name = match.group(1) == "/", match.group(2).lower()
        if name not in _HTML_TAGS:
            raise ApiError(400, f'Bad Request: can\'t parse entities: Unsupported tag "{name}"')
        if closing:
            if not stack or stack.pop() != name:
                raise ApiError(
                    400, f'Bad Request: can\'t parse entities: Unmatched end tag "{name}"'
                )
        else:
            stack.append(name)
        pos = match.end()
    if stack:
        raise ApiError(400, f'Bad Request: can\'t parse entities: Unclosed tag "{stack[-1]}"')
    for entity in _ENTITY_RE.findall(text):
        if not entity.startswith("#") and entity not in {"lt", "gt", "amp", "quot"}:
            raise ApiError(
                400, f'Bad Request: can\'t parse entities: Unsupported HTML entity "&{entity};"'
            )
    return html.unescape(_TAG_RE.sub("", text))


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


class FakeTelegram(LoopbackServer):
    """Fake Bot API server: records what the bot sends and feeds it updates.

    Create one per test (its asyncio.Condition binds to the running loop on first use).
    """

    def __init__(
        self, token: str, *, bot_id: int = 777000111, username: str = "rasd_test_bot"
    ) -> None:
        self.token = token
        # Tokens answered as this bot's: add more to tell several clients apart
        # (``SentMessage.token``); they share the bot's state and limits.
        self.tokens = {token}
        self.bot_user: JsonDict = {
            "id": bot_id,
            "is_bot": True,
            "first_name": "Rasd Test",
            "username": username,
        }
        self.sent: list[SentMessage] = []
        self.edits: list[EditedMessage] = []
        self.documents: list[SentFile] = []
        self.photos: list[SentFile] = []
        self.callback_answers: list[CallbackAnswer] = []
        self.deleted: list[tuple[int, int]] = []
        self.commands: list[JsonDict] = []
        self.command_sets: dict[tuple[str, str], list[JsonDict]] = {}
        self.calls: list[tuple[str, JsonDict]] = []
        self._state = _State()
        self._failures: list[_Failure] = []
        self._garbled: list[_Garble] = []
        self._blocked: set[int] = set()
        self._background: set[asyncio.Task[None]] = set()
        self._update_ids = itertools.count(1)
        self._callback_ids = itertools.count(1)
        self._changed = asyncio.Condition()
        self._closing = False
        self._held: dict[str, asyncio.Event] = {}
        self._hold_after: dict[str, int] = {}
        self._passed: dict[str, int] = {}
        self._dropping: set[asyncio.Event] = set()
        self.dropped_calls: list[tuple[str, JsonDict]] = []
        self.limits: Limits | None = None
        # As Telegram does, a getUpdates call ends an earlier one still waiting with a 409
        # (two bot instances polling); counted here.
        self.get_updates_conflicts = 0
        self._long_polls = 0  # getUpdates calls made so far; the latest one is served
        self.too_many: list[tuple[str, int | None, int]] = []  # 429s given: method, chat, retry
        self._accepted_all: deque[float] = deque()
        self._accepted_by_chat: dict[int, deque[float]] = {}
        self._runner: web.AppRunner | None = None
        self._port = 0
        self.webhook: Webhook | None = None  # set: updates are pushed there, not polled
        self.webhooks: list[Webhook] = []  # every setWebhook that set one, in order
        self.pushes: list[Push] = []
        self.webhook_retry_delay = 0.05  # seconds between pushes after one failed
        self.webhook_timeout = 10.0  # seconds the webhook has to answer a push
        self._webhook_error: tuple[int, str] | None = None
        self._pusher: asyncio.Task[None] | None = None
        self._methods: dict[str, Callable[[JsonDict], Any]] = {
            "getme": lambda _: self._get_me(),
            "logout": lambda _: True,
            "close": lambda _: True,
            "setwebhook": self._set_webhook,
            "deletewebhook": self._delete_webhook,
            "getwebhookinfo": lambda _: self._webhook_info(),
            "sendchataction": lambda _: True,
            "getupdates": self._get_updates,  # async: awaited in _dispatch
            "sendmessage": self._send_message,
            "senddocument": self._send_document,
            "sendphoto": self._send_photo,
            "editmessagetext": self._edit_message,
            "editmessagereplymarkup": self._edit_message,
            "deletemessage": self._delete_message,
            "answercallbackquery": self._answer_callback_query,
            "setmycommands": self._set_my_commands,
            "getmycommands": self._get_my_commands,
            "deletemycommands": self._delete_my_commands,
        }
        self._init_chats()

    # -- lifecycle ---------------------------------------------------------------------------

    async def start(self) -> None:
        """Listen on 127.0.0.1, on a free port (see `base_url`)."""
        self._closing = False
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        self._port = int(self._runner.addresses[0][1])
        if self.webhook is not None:
            self._start_pusher()

    async def stop(self) -> None:
        """Release pending long polls and shut the server down."""
        if self._runner is None:
            return
        async with self._changed:
            self._closing = True
            self._changed.notify_all()
        if self._pusher is not None:
            self._pusher.cancel()
            await asyncio.gather(self._pusher, return_exceptions=True)
            self._pusher = None
        await self._runner.cleanup()
        self._runner = None

    @property
    def base_url(self) -> str:
        if self._runner is None:
            raise RuntimeError("FakeTelegram is not started")
        return f"http://127.0.0.1:{self._port}"

    # -- test controls -----------------------------------------------------------------------

    def add_message(
        self,
        text: str,
        *,
        user_id: int,
        chat_id: int | None = None,
        first_name: str = "Test",
        username: str | None = None,
        language_code: str = "en",
    ) -> int:
        """Queue a message from a user; return its update_id."""
        user: JsonDict = {
            "id": user_id,
            "is_bot": False,
            "first_name": first_name,
            "language_code": language_code,
        }
        if username is not None:
            user["username"] = username
        self._state.users[user_id] = user
        message = self._new_message(user_id if chat_id is None else chat_id, user, text)
        if text.startswith("/"):
            command = text.split(maxsplit=1)[0]
            message["entities"] = [
                {"type": "bot_command", "offset": 0, "length": _utf16_len(command)}
            ]
        return self._queue_update("message", message)

    def press_button(
        self, data: str, *, user_id: int, message_id: int, chat_id: int | None = None
    ) -> str:
        """Queue a callback_query pressing a button of a message the bot sent; return its id."""
        key = (user_id if chat_id is None else chat_id, message_id)
        if key not in self._state.messages:
            raise KeyError(f"no message {key} recorded; known: {sorted(self._state.messages)}")
        query_id = f"cbq-{next(self._callback_ids)}"
        self._state.callback_ids.add(query_id)
        user = self._state.users.get(
            user_id, {"id": user_id, "is_bot": False, "first_name": "Test"}
        )
        query: JsonDict = {
            "id": query_id,
            "from": user,
            "chat_instance": f"ci{key[0]}",
            "message": dict(self._state.messages[key]),
            "data": data,
        }
        self._queue_update("callback_query", query)
        return query_id

    def fail_next(
        self,
        method: str,
        *,
        error_code: int,
        description: str,
        retry_after: int | None = None,
        chat_id: int | None = None,
        times: int = 1,
    ) -> None:
        """Answer the next `times` calls of `method` (optionally for one chat) with an error."""
        error = ApiError(error_code, description, retry_after)
        self._failures.append(_Failure(method.lower(), error, chat_id, times))

    def garble_next(self, method: str, *, chat_id: int | None = None, times: int = 1) -> None:
        """Carry out the next `times` calls of `method` (optionally for one chat) as usual, but
        answer ``ok: true`` with a result no client can decode (a message Telegram accepted,
        whose answer was mangled on the way)."""
        self._garbled.append(_Garble(method.lower(), chat_id, times))

    def hold(self, method: str) -> None:
        """Keep calls of ``method`` waiting (recorded in ``calls``) until ``release``."""
        self._held.setdefault(method.lower(), asyncio.Event())

    def release(self, method: str) -> None:
        self._hold_after.pop(method.lower(), None)
        gate = self._held.pop(method.lower(), None)
        if gate is not None:
            gate.set()

    def hold_after(self, method: str, count: int) -> None:
        """Let ``count`` more calls of ``method`` through, then hold the next ones."""
        method = method.lower()
        self._hold_after[method] = self._passed.get(method, 0) + count

    def drop_held(self, method: str) -> None:
        """Answer nothing to the held calls of ``method``, as if the connection was lost
        (they are recorded in ``dropped_calls``, never carried out); stop holding."""
        self._hold_after.pop(method.lower(), None)
        gate = self._held.pop(method.lower(), None)
        if gate is not None:
            self._dropping.add(gate)
            gate.set()

    def enforce_limits(self, limits: Limits | None = None) -> None:
        """Answer 429 like Telegram when the bot goes over ``limits`` (default: Telegram's)."""
        self.limits = limits if limits is not None else Limits()

    def block_chat(self, chat_id: int) -> None:
        """Make sending to `chat_id` fail with 403 like a user who blocked the bot."""
        self._blocked.add(chat_id)

    def unblock_chat(self, chat_id: int) -> None:
        self._blocked.discard(chat_id)

    def message(self, chat_id: int, message_id: int) -> JsonDict:
        """The current state of a message (as Telegram would return it)."""
        return self._state.messages[(chat_id, message_id)]

    # -- waiting -----------------------------------------------------------------------------

    # The public waiters take `timeout=` on purpose (ASYNC109): tests read better that way.

    async def _wait(self, predicate: Callable[[], bool], seconds: float) -> None:
        async with self._changed, asyncio.timeout(seconds):
            await self._changed.wait_for(predicate)

    async def wait_for_messages(
        self,
        count: int = 1,
        *,
        chat_id: int | None = None,
        predicate: Callable[[SentMessage], bool] | None = None,
        timeout: float = 10.0,  # noqa: ASYNC109
    ) -> list[SentMessage]:
        """Wait until at least `count` sent messages match; return all that match."""

        def matching() -> list[SentMessage]:
            return [
                m
                for m in self.sent
                if (chat_id is None or m.chat_id == chat_id) and (predicate is None or predicate(m))
            ]

        try:
            await self._wait(lambda: len(matching()) >= count, timeout)
        except TimeoutError:
            sent = "\n".join(f"  chat {m.chat_id}: {m.text!r}" for m in self.sent) or "  nothing"
            raise TimeoutError(
                f"expected {count} message(s) (chat_id={chat_id}), "
                f"{len(matching())} matched after {timeout}s; sent so far:\n{sent}"
            ) from None
        return matching()

    async def wait_for_call(
        self,
        method: str,
        *,
        count: int = 1,
        timeout: float = 10.0,  # noqa: ASYNC109
    ) -> list[JsonDict]:
        """Wait until `method` was called `count` times (errors included); return the params."""

        def matching() -> list[JsonDict]:
            return [params for name, params in self.calls if name.lower() == method.lower()]

        try:
            await self._wait(lambda: len(matching()) >= count, timeout)
        except TimeoutError:
            names = [name for name, _ in self.calls]
            raise TimeoutError(
                f"expected {count} {method} call(s), got {len(matching())}; calls: {names}"
            ) from None
        return matching()

    async def wait_for_edits(
        self,
        count: int = 1,
        *,
        chat_id: int | None = None,
        message_id: int | None = None,
        timeout: float = 10.0,  # noqa: ASYNC109
    ) -> list[EditedMessage]:
        """Wait until at least `count` successful edits match; return all that match."""

        def matching() -> list[EditedMessage]:
            return [
                e
                for e in self.edits
                if (chat_id is None or e.chat_id == chat_id)
                and (message_id is None or e.message_id == message_id)
            ]

        try:
            await self._wait(lambda: len(matching()) >= count, timeout)
        except TimeoutError:
            raise TimeoutError(
                f"expected {count} edit(s) (chat_id={chat_id}, message_id={message_id}), "
                f"{len(matching())} matched after {timeout}s; edits: {self.edits}"
            ) from None
        return matching()

    async def wait_for_files(
        self,
        kind: str,
        count: int = 1,
        *,
        chat_id: int | None = None,
        timeout: float = 10.0,  # noqa: ASYNC109
    ) -> list[SentFile]:
        """Wait until at least ``count`` photos (``kind="photo"``) or documents were sent
        (to ``chat_id``); return them all."""
        sent = self.photos if kind == "photo" else self.documents

        def matching() -> list[SentFile]:
            return [f for f in sent if chat_id is None or f.chat_id == chat_id]

        try:
            await self._wait(lambda: len(matching()) >= count, timeout)
        except TimeoutError:
            texts = "\n".join(f"  chat {m.chat_id}: {m.text!r}" for m in self.sent) or "  none"
            raise TimeoutError(
                f"expected {count} {kind}(s) (chat_id={chat_id}), got {len(matching())} "
                f"after {timeout}s; messages:\n{texts}"
            ) from None
        return matching()

    async def wait_until_updates_consumed(self, timeout: float = 10.0) -> None:  # noqa: ASYNC109
        """Wait until the bot confirmed every queued update (by a getUpdates offset, or by
        answering its push to the webhook with a 2xx status)."""
        try:
            await self._wait(lambda: not self._state.updates, timeout)
        except TimeoutError:
            ids = [u["update_id"] for u in self._state.updates]
            raise TimeoutError(f"updates never confirmed by the bot: {ids}") from None

    # -- HTTP --------------------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.Response:
        match = re.fullmatch(r"/bot([^/]+)/([^/]+)", request.path)
        if match is None:
            return web.json_response(ApiError(404, "Not Found").body(), status=404)
        if match.group(1) not in self.tokens:
            return web.json_response(ApiError(401, "Unauthorized").body(), status=401)
        _REQUEST_TOKEN.set(match.group(1))
        method = match.group(2)
        params = await self._read_params(request)
        async with self._changed:
            self.calls.append((method, params))
            self._changed.notify_all()
        lowered = method.lower()
        limit = self._hold_after.get(lowered)
        if limit is not None and self._passed.get(lowered, 0) >= limit:
            self._held.setdefault(lowered, asyncio.Event())
        gate = self._held.get(lowered)
        if gate is not None:
            await gate.wait()
            if gate in self._dropping:
                self.dropped_calls.append((method, params))
                raise ConnectionResetError("held call dropped")  # the client gets no answer
        self._passed[lowered] = self._passed.get(lowered, 0) + 1
        try:
            result = await self._dispatch(method.lower(), params)
        except ApiError as error:
            return web.json_response(error.body(), status=error.error_code)
        if self._garble(lowered, params.get("chat_id")):
            return web.json_response({"ok": True, "result": {"garbled": [1, 2]}})
        return web.json_response({"ok": True, "result": result})

    def _garble(self, method: str, chat_id: object) -> bool:
        for garble in self._garbled:
            if garble.method == method and garble.chat_id in (None, chat_id):
                garble.remaining -= 1
                if garble.remaining <= 0:
                    self._garbled.remove(garble)
                return True
        return False

    @staticmethod
    async def _read_params(request: web.Request) -> JsonDict:
        """Query string plus form (what aiogram sends) or JSON body, with typed values."""
        fields: dict[str, str] = dict(request.query)
        if request.content_type == "application/json" and request.can_read_body:
            body = await request.json()
            return {**fields, **body} if isinstance(body, dict) else dict(fields)
        uploads: dict[str, tuple[str, bytes, str]] = {}
        for key, value in (await request.post()).items():  # aiohttp caches the form
            if isinstance(value, web.FileField):  # an uploaded file: name, bytes, type
                uploads[key] = (value.filename, value.file.read(), value.content_type)
                value.file.seek(0)
                fields[key] = value.filename
            else:
                fields[key] = value if isinstance(value, str) else bytes(value).decode()
        params: JsonDict = {}
        for key, value in fields.items():
            params[key] = value
            if key in _JSON_FIELDS:
                with contextlib.suppress(ValueError):  # e.g. chat_id="@channel" stays a str
                    params[key] = json.loads(value)
        if uploads:
            params["__uploads__"] = uploads
        return params

    async def _dispatch(self, method: str, params: JsonDict) -> Any:
        handler = self._methods.get(method)
        if handler is None:
            raise ApiError(404, "Not Found: method not found")
        chat_id = params.get("chat_id")
        for failure in self._failures:
            if failure.method == method and failure.chat_id in (None, chat_id):
                failure.remaining -= 1
                if failure.remaining <= 0:
                    self._failures.remove(failure)
                raise failure.error
        if method in _CHAT_METHODS and chat_id in self._blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        if method in _LIMITED_METHODS and self.limits is not None:
            self._check_limits(method, chat_id if isinstance(chat_id, int) else None)
        if method == "getupdates":
            return await self._get_updates(params)
        async with self._changed:
            result = handler(params)
            self._changed.notify_all()
        return result

    def _check_limits(self, method: str, chat_id: int | None) -> None:
        """Raise 429 when this message would go over a limit; else count it as accepted.

        Called from a handler without an await before the message is recorded, so the
        count and the decision are atomic for the event loop."""
        assert self.limits is not None
        now = time.monotonic()
        waits: list[float] = []
        recent = self._accepted_all
        while recent and recent[0] <= now - 1.0:
            recent.popleft()
        if self.limits.per_second is not None and len(recent) >= self.limits.per_second:
            waits.append(recent[0] + 1.0 - now)
        mine = self._accepted_by_chat.setdefault(chat_id or 0, deque())
        while mine and mine[0] <= now - max(60.0, self.limits.group_window):
            mine.popleft()
        if chat_id is not None and chat_id > 0 and self.limits.private_per_second:
            gap = 1.0 / self.limits.private_per_second
            if mine and now - mine[-1] < gap:
                waits.append(mine[-1] + gap - now)
        per_minute = self.limits.group_per_minute
        if chat_id is not None and chat_id < 0 and per_minute and len(mine) >= per_minute:
            waits.append(mine[-per_minute] + self.limits.group_window - now)
        waits = [wait for wait in waits if wait > 0]
        if waits:
            retry = max(1, math.ceil(max(waits)))
            self.too_many.append((method, chat_id, retry))
            raise ApiError(429, f"Too Many Requests: retry after {retry}", retry_after=retry)
        recent.append(now)
        mine.append(now)

    # -- updates -----------------------------------------------------------------------------

    def _queue_update(self, kind: str, payload: JsonDict) -> int:
        update_id = next(self._update_ids)
        self._state.updates.append({"update_id": update_id, kind: payload})
        self._notify_soon()
        return update_id

    def _notify_soon(self) -> None:
        """Wake waiters from synchronous code (the condition lock needs a task)."""

        async def notify() -> None:
            async with self._changed:
                self._changed.notify_all()

        task = asyncio.get_running_loop().create_task(notify())
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    def _deliverable(self) -> list[JsonDict]:
        allowed = self._state.allowed_updates
        if allowed:  # Telegram drops update types the bot did not ask for
            self._state.updates = [u for u in self._state.updates if set(u) & set(allowed)]
        return self._state.updates

    async def _get_updates(self, params: JsonDict) -> list[JsonDict]:
        if self.webhook is not None:
            raise _webhook_conflict()
        offset = int(params.get("offset", 0))
        limit = min(max(int(params.get("limit", 100)), 1), 100)
        timeout = max(float(params.get("timeout", 0)), 0.0)
        async with self._changed:
            self._long_polls += 1
            mine = self._long_polls
            self._changed.notify_all()  # an earlier call still waiting ends with a conflict
            if "allowed_updates" in params:
                self._state.allowed_updates = list(params["allowed_updates"] or [])
            if offset > 0:  # confirms every update before `offset`
                self._state.updates = [u for u in self._state.updates if u["update_id"] >= offset]
                self._changed.notify_all()
            try:
                async with asyncio.timeout(timeout):
                    await self._changed.wait_for(
                        lambda: (
                            self._closing
                            or self.webhook is not None
                            or self._long_polls != mine
                            or self._deliverable()
                        )
                    )
            except TimeoutError:
                pass
            if self._long_polls != mine and not self._closing:
                self.get_updates_conflicts += 1
                raise ApiError(
                    409,
                    "Conflict: terminated by other getUpdates request; "
                    "make sure that only one bot instance is running",
                )
            if self.webhook is not None:  # set while this long poll waited
                raise _webhook_conflict()
            return [] if self._closing else self._deliverable()[:limit]

    # -- methods (called with the condition lock held) ---------------------------------------

    def _get_me(self) -> JsonDict:
        return {
            **self.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    def _webhook_info(self) -> JsonDict:
        pending = len(self._state.updates)
        hook = self.webhook
        info: JsonDict = {
            "url": hook.url if hook is not None else "",
            "has_custom_certificate": False,
            "pending_update_count": pending,
        }
        if hook is not None:
            if hook.max_connections is not None:
                info["max_connections"] = hook.max_connections
            if hook.allowed_updates is not None:
                info["allowed_updates"] = hook.allowed_updates
            if self._webhook_error is not None:
                info["last_error_date"], info["last_error_message"] = self._webhook_error
        return info

    def _chat(self, chat_id: int) -> JsonDict:
        if chat_id in self.chats:  # a group or channel made with add_chat
            return {k: v for k, v in self.chats[chat_id].items() if k in _CHAT_FIELDS}
        if chat_id > 0:
            user = self._state.users.get(chat_id, {})
            chat = {"id": chat_id, "type": "private", "first_name": user.get("first_name", "Test")}
            if "username" in user:
                chat["username"] = user["username"]
            return chat
        return {"id": chat_id, "type": "supergroup", "title": f"Group {chat_id}"}

    def _new_message(self, chat_id: int, sender: JsonDict, text: str) -> JsonDict:
        message_id = self._state.last_message_id.get(chat_id, 0) + 1
        self._state.last_message_id[chat_id] = message_id
        return {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": self._chat(chat_id),
            "from": sender,
            "text": text,
        }

    def _find_message(self, params: JsonDict, action: str) -> JsonDict:
        chat_id, message_id = params.get("chat_id"), params.get("message_id")
        message = None
        if isinstance(chat_id, int) and isinstance(message_id, int):
            message = self._state.messages.get((chat_id, message_id))
        if message is None:
            raise ApiError(400, f"Bad Request: message to {action} not found")
        return message

    @staticmethod
    def _checked_text(params: JsonDict) -> tuple[str, str]:
        """Return (text as sent, text as displayed) or raise Telegram's error."""
        text = str(params.get("text", ""))
        visible = _check_html(text) if params.get("parse_mode") == "HTML" else text
        if not visible.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        if _utf16_len(visible) > _TEXT_LIMIT:
            raise ApiError(400, "Bad Request: message is too long")
        return text, visible

    def _send_message(self, params: JsonDict) -> JsonDict:
        chat_id = params.get("chat_id")
        if not isinstance(chat_id, int):
            raise ApiError(400, "Bad Request: chat not found")
        text, visible = self._checked_text(params)
        message = self._new_message(chat_id, self.bot_user, visible)
        thread_id = params.get("message_thread_id")
        if isinstance(thread_id, int):
            message["message_thread_id"] = thread_id
            message["is_topic_message"] = True
        markup = params.get("reply_markup")
        if isinstance(markup, dict) and "inline_keyboard" in markup:
            message["reply_markup"] = markup
        self._state.messages[(chat_id, message["message_id"])] = message
        self.sent.append(
            SentMessage(
                chat_id=chat_id,
                text=text,
                message_id=message["message_id"],
                parse_mode=params.get("parse_mode"),
                reply_markup=markup,
                disable_web_page_preview=params.get("disable_web_page_preview"),
                link_preview_options=params.get("link_preview_options"),
                thread_id=thread_id if isinstance(thread_id, int) else None,
                token=_REQUEST_TOKEN.get(),
            )
        )
        return message

    @staticmethod
    def _upload(params: JsonDict, field: str) -> tuple[str, bytes, str]:
        """The file a send method attached: ``attach://<name>`` names its form part."""
        uploads: dict[str, tuple[str, bytes, str]] = params.get("__uploads__", {})
        reference = str(params.get(field, ""))
        found = uploads.get(reference.removeprefix("attach://"))
        if found is None and uploads:
            found = next(iter(uploads.values()))
        return found or ("", b"", "")

    def _send_file(self, params: JsonDict, field: str) -> tuple[JsonDict, SentFile]:
        chat_id = params.get("chat_id")
        if not isinstance(chat_id, int):
            raise ApiError(400, "Bad Request: chat not found")
        name, content, content_type = self._upload(params, field)
        if not content:
            raise ApiError(400, f"Bad Request: there is no {field} in the request")
        caption = params.get("caption")
        parse_mode = params.get("parse_mode")
        if caption is not None:
            visible = _check_html(caption) if parse_mode == "HTML" else caption
            if len(visible.encode("utf-16-le")) // 2 > _CAPTION_LIMIT:
                raise ApiError(400, "Bad Request: message caption is too long")
        thread_id = params.get("message_thread_id")
        message = self._new_message(chat_id, self.bot_user, "")
        del message["text"]
        message["date"] = int(time.time())
        if caption is not None:
            message["caption"] = caption
        self._state.messages[(chat_id, message["message_id"])] = message
        sent = SentFile(
            chat_id,
            name,
            content,
            caption,
            content_type,
            parse_mode if isinstance(parse_mode, str) else None,
            int(thread_id) if thread_id is not None else None,
        )
        return message, sent

    def _send_document(self, params: JsonDict) -> JsonDict:
        message, sent = self._send_file(params, "document")
        message["document"] = {
            "file_id": f"sent-{message['message_id']}",
            "file_unique_id": f"usent-{message['message_id']}",
            "file_name": sent.file_name,
            "file_size": len(sent.content),
        }
        self.documents.append(sent)
        return message

    def _send_photo(self, params: JsonDict) -> JsonDict:
        message, sent = self._send_file(params, "photo")
        message["photo"] = [
            {
                "file_id": f"photo-{message['message_id']}",
                "file_unique_id": f"uphoto-{message['message_id']}",
                "width": 90,
                "height": 90,
                "file_size": len(sent.content),
            }
        ]
        self.photos.append(sent)
        return message

    def _edit_message(self, params: JsonDict) -> JsonDict | bool:
        if "inline_message_id" in params:
            return True
        message = self._find_message(params, "edit")
        text, visible = self._checked_text(params) if "text" in params else (message["text"],) * 2
        markup = params.get("reply_markup")
        if visible == message["text"] and markup == message.get("reply_markup"):
            raise ApiError(
                400,
                "Bad Request: message is not modified: specified new message content and "
                "reply markup are exactly the same as a current content and reply markup "
                "of the message",
            )
        message["text"] = visible
        message["edit_date"] = int(time.time())
        if isinstance(markup, dict) and "inline_keyboard" in markup:
            message["reply_markup"] = markup
        else:
            message.pop("reply_markup", None)
        self.edits.append(
            EditedMessage(
                chat_id=message["chat"]["id"],
                message_id=message["message_id"],
                text=text,
                parse_mode=params.get("parse_mode"),
                reply_markup=markup,
            )
        )
        return message

    def _delete_message(self, params: JsonDict) -> bool:
        message = self._find_message(params, "delete")
        key = (message["chat"]["id"], message["message_id"])
        del self._state.messages[key]
        self.deleted.append(key)
        return True

    def _answer_callback_query(self, params: JsonDict) -> bool:
        query_id = str(params.get("callback_query_id", ""))
        if query_id not in self._state.callback_ids:
            raise ApiError(
                400,
                "Bad Request: query is too old and response timeout expired or query ID is invalid",
            )
        self.callback_answers.append(
            CallbackAnswer(
                callback_query_id=query_id,
                text=params.get("text"),
                show_alert=bool(params.get("show_alert", False)),
                url=params.get("url"),
            )
        )
        return True

    @staticmethod
    def _commands_key(params: JsonDict) -> tuple[str, str]:
        scope = params.get("scope") or {"type": "default"}
        return json.dumps(scope, sort_keys=True), str(params.get("language_code", ""))

    def _set_my_commands(self, params: JsonDict) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list):
            raise ApiError(400, "Bad Request: can't parse commands JSON object")
        self.commands = commands
        self.command_sets[self._commands_key(params)] = commands
        return True

    def _get_my_commands(self, params: JsonDict) -> list[JsonDict]:
        return self.command_sets.get(self._commands_key(params), [])

    def _delete_my_commands(self, params: JsonDict) -> bool:
        self.command_sets.pop(self._commands_key(params), None)
        return True

    # -- webhook ---------------------------------------------------------------------------

    def _set_webhook(self, params: JsonDict) -> bool:
        url = str(params.get("url", ""))
        if not url:  # Telegram: setWebhook with an empty url removes the webhook
            return self._delete_webhook(params)
        if not url.startswith(("https://", "http://")):
            raise ApiError(
                400, "Bad Request: bad webhook: An HTTPS URL must be provided for webhook"
            )
        secret = params.get("secret_token")
        if secret is not None and not _SECRET_RE.fullmatch(str(secret)):
            raise ApiError(400, "Bad Request: secret token contains unallowed characters")
        allowed = params.get("allowed_updates")
        if isinstance(allowed, list):  # as for getUpdates, a missing list keeps the last one
            self._state.allowed_updates = [str(kind) for kind in allowed]
        if params.get("drop_pending_updates"):
            self._state.updates.clear()
        connections = params.get("max_connections")
        self.webhook = Webhook(
            url=url,
            secret_token=None if secret is None else str(secret),
            allowed_updates=list(self._state.allowed_updates) if allowed is not None else None,
            max_connections=connections if isinstance(connections, int) else None,
        )
        self.webhooks.append(self.webhook)
        self._webhook_error = None
        self._start_pusher()
        return True

    def _delete_webhook(self, params: JsonDict) -> bool:
        self.webhook = None
        self._webhook_error = None
        if params.get("drop_pending_updates"):
            self._state.updates.clear()
        return True

    def _start_pusher(self) -> None:
        if self._pusher is None or self._pusher.done():
            self._pusher = asyncio.get_running_loop().create_task(self._push_updates())

    async def _push_updates(self) -> None:
        """POST queued updates to the webhook one at a time, in order (Telegram with
        ``max_connections=1``); an update leaves the queue when the webhook answers it 2xx,
        else it is pushed again after ``webhook_retry_delay``. Ends when the webhook is
        deleted or the fake stops."""
        timeout = aiohttp.ClientTimeout(total=self.webhook_timeout)
        async with aiohttp.ClientSession(timeout=timeout) as http:
            while True:
                async with self._changed:
                    await self._changed.wait_for(
                        lambda: self._closing or self.webhook is None or self._deliverable()
                    )
                    if self._closing or self.webhook is None:
                        return
                    hook, update = self.webhook, self._deliverable()[0]
                push = await self._push(http, hook, update)
                async with self._changed:
                    self.pushes.append(push)
                    if push.error is None:
                        self._state.updates = [
                            u for u in self._state.updates if u["update_id"] != push.update_id
                        ]
                    else:
                        self._webhook_error = (int(time.time()), push.error)
                    self._changed.notify_all()
                if push.error is not None:
                    await asyncio.sleep(self.webhook_retry_delay)

    @staticmethod
    async def _push(http: aiohttp.ClientSession, hook: Webhook, update: JsonDict) -> Push:
        headers = {} if hook.secret_token is None else {_SECRET_HEADER: hook.secret_token}
        update_id = int(update["update_id"])
        try:
            async with http.post(hook.url, json=update, headers=headers) as response:
                await response.read()
        except (aiohttp.ClientError, TimeoutError) as exc:
            reason = "Read timeout expired" if isinstance(exc, TimeoutError) else str(exc)
            return Push(update_id, hook.url, None, reason or type(exc).__name__)
        if 200 <= response.status < 300:
            return Push(update_id, hook.url, response.status)
        error = f"Wrong response from the webhook: {response.status} {response.reason}"
        return Push(update_id, hook.url, response.status, error)

    # -- groups, channels, members, forum topics (helper D) ----------------------------------

    def _init_chats(self) -> None:
        self.chats: dict[int, JsonDict] = {}
        self.members: dict[tuple[int, int], str] = {}  # (chat, user) → status
        self._methods.update(
            {
                "getchat": self._get_chat,
                "getchatmember": self._get_chat_member,
                "getchatadministrators": self._get_chat_administrators,
            }
        )

    def add_chat(
        self,
        chat_id: int,
        kind: str,
        title: str,
        *,
        username: str | None = None,
        is_forum: bool = False,
    ) -> JsonDict:
        """Make a group, supergroup (``is_forum``: with topics) or channel known to the fake."""
        chat: JsonDict = {"id": chat_id, "type": kind, "title": title}
        if username is not None:
            chat["username"] = username
        if is_forum:
            chat["is_forum"] = True
        self.chats[chat_id] = chat
        return chat

    def set_member(self, chat_id: int, user_id: int, status: str) -> None:
        """``status``: creator, administrator, member, restricted, left or kicked."""
        self.members[(chat_id, user_id)] = status

    def _user(self, user_id: int, first_name: str = "Test", language_code: str = "en") -> JsonDict:
        if user_id == self.bot_user["id"]:
            return dict(self.bot_user)
        user = self._state.users.get(user_id)
        if user is None:
            user = {
                "id": user_id,
                "is_bot": False,
                "first_name": first_name,
                "language_code": language_code,
            }
            self._state.users[user_id] = user
        return user

    def add_chat_message(
        self,
        text: str,
        *,
        user_id: int,
        chat_id: int,
        thread_id: int | None = None,
        language_code: str = "en",
        anonymous: bool = False,
    ) -> int:
        """Queue a message in a group (in forum topic ``thread_id`` when given; ``anonymous``:
        an admin posting as the group itself); return its update_id."""
        user = self._user(user_id, language_code=language_code)
        if anonymous:
            user = {"id": 1087968824, "is_bot": True, "first_name": "Group",
                    "username": "GroupAnonymousBot"}  # fmt: skip
        message = self._new_message(chat_id, user, text)
        if anonymous:
            message["sender_chat"] = self._chat(chat_id)
        if thread_id is not None:
            message["message_thread_id"] = thread_id
            message["is_topic_message"] = True
        if text.startswith("/"):
            command = text.split(maxsplit=1)[0]
            message["entities"] = [
                {"type": "bot_command", "offset": 0, "length": _utf16_len(command)}
            ]
        return self._queue_update("message", message)

    def add_bot_membership(
        self, chat_id: int, *, user_id: int, old: str = "left", new: str = "member",
        language_code: str = "en",
    ) -> int:  # fmt: skip
        """Queue a my_chat_member update: ``user_id`` changed the bot's status in a chat."""
        self.set_member(chat_id, self.bot_user["id"], new)
        update: JsonDict = {
            "chat": self._chat(chat_id),
            "from": self._user(user_id, language_code=language_code),
            "date": int(time.time()),
            "old_chat_member": self._member(chat_id, self.bot_user["id"], old),
            "new_chat_member": self._member(chat_id, self.bot_user["id"], new),
        }
        return self._queue_update("my_chat_member", update)

    def add_migration(self, old_id: int, new_id: int, *, user_id: int, title: str) -> int:
        """A group upgraded to a supergroup: the new chat is made, and the service message
        with ``migrate_to_chat_id`` is queued in the old group; return its update_id."""
        self.add_chat(new_id, "supergroup", title)
        for (chat_id, member), status in list(self.members.items()):
            if chat_id == old_id:
                self.members[(new_id, member)] = status
        message = self._new_message(old_id, self._user(user_id), "")
        del message["text"]
        message["migrate_to_chat_id"] = new_id
        return self._queue_update("message", message)

    def _member(self, chat_id: int, user_id: int, status: str) -> JsonDict:
        member: JsonDict = {"status": status, "user": self._user(user_id)}
        if status == "creator":
            member["is_anonymous"] = False
        elif status == "administrator":
            member.update(dict.fromkeys(_ADMIN_RIGHTS, True))
            member["can_be_edited"] = False
            member["is_anonymous"] = False
        elif status == "restricted":
            member.update(dict.fromkeys(_RESTRICTED_FIELDS, False))
            member["is_member"] = True
            member["until_date"] = 0
        elif status == "kicked":
            member["until_date"] = 0
        return member

    def _find_chat(self, reference: object) -> JsonDict:
        if isinstance(reference, str) and reference.startswith("@"):
            for chat in self.chats.values():
                if chat.get("username", "").lower() == reference[1:].lower():
                    return chat
        elif isinstance(reference, int) and (reference in self.chats or reference > 0):
            return self._chat(reference)
        raise ApiError(400, "Bad Request: chat not found")

    def _get_chat(self, params: JsonDict) -> JsonDict:
        chat = self._find_chat(params.get("chat_id"))
        gifts = dict.fromkeys(
            ("unlimited_gifts", "limited_gifts", "unique_gifts", "premium_subscription",
             "gifts_from_channels"), False)  # fmt: skip
        return {**chat, "accent_color_id": 0, "max_reaction_count": 11,
                "accepted_gift_types": gifts}  # fmt: skip

    def _get_chat_member(self, params: JsonDict) -> JsonDict:
        chat = self._find_chat(params.get("chat_id"))
        user_id = params.get("user_id")
        if not isinstance(user_id, int):
            raise ApiError(400, "Bad Request: invalid user_id specified")
        status = self.members.get((chat["id"], user_id))
        if status is None:
            if chat["type"] == "private" and chat["id"] == user_id:
                status = "member"
            elif chat["type"] == "channel":
                raise ApiError(400, "Bad Request: user not found")
            else:
                status = "left"
        return self._member(chat["id"], user_id, status)

    def _get_chat_administrators(self, params: JsonDict) -> list[JsonDict]:
        chat = self._find_chat(params.get("chat_id"))
        return [
            self._member(chat_id, user_id, status)
            for (chat_id, user_id), status in self.members.items()
            if chat_id == chat["id"] and status in ("creator", "administrator")
        ]


def _webhook_conflict() -> ApiError:
    return ApiError(
        409,
        "Conflict: can't use getUpdates method while webhook is active; "
        "use deleteWebhook to delete the webhook first",
    )


_CHAT_FIELDS = frozenset({"id", "type", "title", "username", "is_forum"})
_ADMIN_RIGHTS = (
    "can_manage_chat", "can_delete_messages", "can_manage_video_chats", "can_restrict_members",
    "can_promote_members", "can_change_info", "can_invite_users", "can_post_stories",
    "can_edit_stories", "can_delete_stories", "can_send_welcome_messages", "can_post_messages",
    "can_edit_messages", "can_pin_messages", "can_manage_topics",
)  # fmt: skip
_RESTRICTED_FIELDS = (
    "can_send_messages", "can_send_audios", "can_send_documents", "can_send_photos",
    "can_send_videos", "can_send_video_notes", "can_send_voice_notes", "can_send_polls",
    "can_send_other_messages", "can_add_web_page_previews", "can_react_to_messages",
    "can_edit_tag", "can_change_info",
    "can_invite_users", "can_pin_messages", "can_manage_topics",
)  # fmt: skip
