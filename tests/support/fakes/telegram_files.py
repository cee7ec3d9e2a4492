"""FakeTelegram plus files from users: users send documents and the bot downloads them
(getFile and the ``/file/bot<token>/<path>`` download route). What the bot uploads
(sendDocument, sendPhoto) every FakeTelegram records (``documents``, ``photos``).

A subclass, so the shared fake stays as it is; tests that need files use this one.
"""

from __future__ import annotations

import itertools
from typing import Any

from aiohttp import web

from tests.support.fakes.telegram_api import ApiError, FakeTelegram, JsonDict


def _command_entities(text: str) -> list[JsonDict]:
    if not text.startswith("/"):
        return []
    command = text.split(maxsplit=1)[0]
    return [{"type": "bot_command", "offset": 0, "length": len(command.encode("utf-16-le")) // 2}]


class FakeTelegramFiles(FakeTelegram):
    def __init__(self, token: str, **kwargs: Any) -> None:
        super().__init__(token, **kwargs)
        self.files: dict[str, bytes] = {}
        self.downloads: list[str] = []
        self._file_ids = itertools.count(1)
        self._methods["getfile"] = self._get_file

    # -- test controls -----------------------------------------------------------------------

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
