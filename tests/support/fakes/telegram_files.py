"""FakeTelegram plus files: users send documents, the bot downloads them (getFile and the
``/file/bot<token>/<path>`` download route) and sends documents back (sendDocument).

A subclass, so the shared fake stays as it is; tests that need files use this one.
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from tests.support.fakes.telegram_api import ApiError, FakeTelegram, JsonDict


@dataclass(frozen=True, slots=True)
class SentDocument:
    chat_id: int
    file_name: str
    content: bytes
    caption: str | None


def _command_entities(text: str) -> list[JsonDict]:
    if not text.startswith("/"):
        return []
    command = text.split(maxsplit=1)[0]
    return [{"type": "bot_command", "offset": 0, "length": len(command.encode("utf-16-le")) // 2}]


class FakeTelegramFiles(FakeTelegram):
    def __init__(self, token: str, **kwargs: Any) -> None:
        super().__init__(token, **kwargs)
        self.files: dict[str, bytes] = {}
        self.documents: list[SentDocument] = []
        self.downloads: list[str] = []
        self._file_ids = itertools.count(1)
        self._methods["getfile"] = self._get_file
        self._methods["senddocument"] = self._send_document

    # -- test controls -----------------------------------------------------------------------

    def _user(self, user_id: int) -> JsonDict:
        user = self._state.users.get(user_id)
        if user is None:
            user = {"id": user_id, "is_bot": False, "first_name": "Test", "language_code": "en"}
            self._state.users[user_id] = user
        return user

    def add_document(
        self, content: bytes, *, user_id: int, file_name: str, caption: str | None = None
    ) -> int:
        """A user sends a file (with an optional caption); returns the message id."""
        file_id = f"file-{next(self._file_ids)}"
        self.files[file_id] = content
        message = self._new_message(user_id, self._user(user_id), "")
        del message["text"]
        message["document"] = {
            "file_id": file_id,
            "file_unique_id": f"u{file_id}",
            "file_name": file_name,
            "mime_type": "text/x-opml",
            "file_size": len(content),
        }
        if caption is not None:
            message["caption"] = caption
            message["caption_entities"] = _command_entities(caption)
        self._state.messages[(user_id, message["message_id"])] = message
        self._queue_update("message", message)
        return int(message["message_id"])

    def add_reply(self, text: str, *, user_id: int, reply_to: int) -> int:
        """A user answers one of the chat's messages with ``text``; returns the update id."""
        message = self._new_message(user_id, self._user(user_id), text)
        message["entities"] = _command_entities(text)
        message["reply_to_message"] = self._state.messages[(user_id, reply_to)]
        return self._queue_update("message", message)

    # -- HTTP --------------------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.Response:
        prefix = f"/file/bot{self.token}/"
        if request.path.startswith("/file/"):
            if not request.path.startswith(prefix):
                return web.Response(status=401)
            file_id = request.path[len(prefix) :].removeprefix("documents/")
            self.downloads.append(file_id)
            content = self.files.get(file_id)
            if content is None:
                return web.Response(status=404)
            return web.Response(body=content, content_type="application/octet-stream")
        return await super()._handle(request)

    @staticmethod
    async def _read_params(request: web.Request) -> JsonDict:
        uploads: dict[str, tuple[str, bytes]] = {}
        if request.content_type.startswith("multipart/"):
            for key, value in (await request.post()).items():  # aiohttp caches the form
                if isinstance(value, web.FileField):
                    uploads[key] = (value.filename, value.file.read())
                    value.file.seek(0)
        params = await FakeTelegram._read_params(request)
        if uploads:
            params["__uploads__"] = uploads
        return params

    # -- methods -----------------------------------------------------------------------------

    def _get_file(self, params: JsonDict) -> JsonDict:
        file_id = str(params.get("file_id", ""))
        if file_id not in self.files:
            raise ApiError(400, "Bad Request: invalid file_id")
        return {
            "file_id": file_id,
            "file_unique_id": f"u{file_id}",
            "file_size": len(self.files[file_id]),
            "file_path": f"documents/{file_id}",
        }

    def _send_document(self, params: JsonDict) -> JsonDict:
        chat_id = params.get("chat_id")
        if not isinstance(chat_id, int):
            raise ApiError(400, "Bad Request: chat not found")
        uploads: dict[str, tuple[str, bytes]] = params.get("__uploads__", {})
        reference = str(params.get("document", ""))
        name, content = uploads.get(reference.removeprefix("attach://"), ("", b""))
        if not content and uploads:
            name, content = next(iter(uploads.values()))
        caption = params.get("caption")
        message = self._new_message(chat_id, self.bot_user, "")
        del message["text"]
        message["date"] = int(time.time())
        message["document"] = {
            "file_id": f"sent-{message['message_id']}",
            "file_unique_id": f"usent-{message['message_id']}",
            "file_name": name,
            "file_size": len(content),
        }
        if caption is not None:
            message["caption"] = caption
        self._state.messages[(chat_id, message["message_id"])] = message
        self.documents.append(SentDocument(chat_id, name, content, caption))
        return message
