"""A parse pool worker: ``python -m bot.sources.parse_worker``, started by the pool.

Protocol, over the worker's stdin (jobs) and stdout (answers): frames of an 8-byte
big-endian length then that many bytes of pickle. The worker first sends
``("ready", pid)`` once it has imported the parsers; then, for each job ``(function,
args, kwargs)``, ``("ok", result)`` or ``("error", exception)``: a
:class:`SourceError` or :class:`OpmlError` as raised, any other exception as a
``parse`` :class:`SourceError` naming its type (its traceback goes to stderr). One job
at a time, in the main thread.

It stops at the end of its stdin (the pool closed it, or the bot's process is gone), or
within :data:`PARENT_CHECK_SECONDS` of the bot's process dying (a worker killed outright
cannot be told). Anything a library prints goes to stderr: stdout carries only frames.
Ctrl-C in a terminal does not reach it (its own session); the pool stops it.
"""

from __future__ import annotations

import logging
import os
import pickle
import struct
import sys
import threading
import time
import traceback

__all__ = ["FRAME", "MAX_FRAME", "PARENT_CHECK_SECONDS", "main"]

FRAME = struct.Struct("!Q")
MAX_FRAME = 1 << 30  # a longer frame is a broken stream, not a document
PARENT_CHECK_SECONDS = 1.0


def _read_exactly(fd: int, size: int) -> bytes | None:
    """``size`` bytes from ``fd``; ``None`` at the end of the stream."""
    chunks = bytearray()
    while len(chunks) < size:
        chunk = os.read(fd, min(size - len(chunks), 1 << 20))
        if not chunk:
            return None
        chunks += chunk
    return bytes(chunks)


def _write_frame(fd: int, payload: bytes) -> None:
    view = memoryview(FRAME.pack(len(payload)) + payload)
    while view:
        view = view[os.write(fd, view) :]


def _watch(parent: int) -> None:
    """Leave when the bot's process is gone (its pipes may be held by nobody else, but a
    worker busy on a document would not notice before it is done)."""
    while os.getppid() == parent:
        time.sleep(PARENT_CHECK_SECONDS)
    os._exit(0)


def _answer(job: bytes) -> bytes:
    from bot.sources.errors import ErrorKind, SourceError
    from bot.sources.opml import OpmlError

    try:
        function, args, kwargs = pickle.loads(job)
        reply: tuple[str, object] = ("ok", function(*args, **kwargs))
    except (SourceError, OpmlError) as exc:
        reply = ("error", exc)
        try:  # an error that cannot be rebuilt on the other side travels as a plain one
            pickle.loads(pickle.dumps(exc))
        except Exception:
            reply = ("error", SourceError(str(exc), kind=exc.kind))
    except Exception as exc:
        traceback.print_exc()
        reply = (
            "error",
            SourceError(
                f"could not parse the document ({type(exc).__name__})", kind=ErrorKind.PARSE
            ),
        )
    try:
        return pickle.dumps(reply, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception as exc:  # an answer that cannot travel: say so, as its source's error
        traceback.print_exc()
        error = SourceError(
            f"the parser's answer could not be sent ({type(exc).__name__})", kind=ErrorKind.PARSE
        )
        return pickle.dumps(("error", error), protocol=pickle.HIGHEST_PROTOCOL)


def main() -> None:
    answers = os.dup(1)
    os.dup2(2, 1)  # stray prints go to stderr
    sys.stdout = sys.stderr
    # Libraries' warnings about broken pages are noise; their errors are worth a line.
    logging.basicConfig(level=logging.ERROR, format="parse worker: %(name)s: %(message)s")
    parent = os.getppid()
    threading.Thread(target=_watch, args=(parent,), name="parent-watch", daemon=True).start()
    from bot.sources.parse_jobs import warm_up

    warm_up()
    _write_frame(answers, pickle.dumps(("ready", os.getpid())))
    while True:
        header = _read_exactly(0, FRAME.size)
        if header is None:
            return
        (size,) = FRAME.unpack(header)
        job = _read_exactly(0, size) if size <= MAX_FRAME else None
        if job is None:
            return
        _write_frame(answers, _answer(job))


if __name__ == "__main__":
    main()
