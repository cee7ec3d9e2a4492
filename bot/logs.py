"""Logging setup: readable text, key=value or JSON lines; secrets never reach the output.

Formats (``[logging] format``):

- ``text``: ``2026-11-29 10:40:00,123 INFO bot.pipeline.poller: message``, tracebacks on
  the following lines.
- ``kv``: one line per record, ``ts=2026-11-29T10:40:00.123Z level=info
  logger=bot.pipeline.poller msg="message"``, then the record's ``extra`` fields, then
  ``exc="..."`` (the traceback, newlines escaped) when there is one. A value is quoted
  when it holds a space, ``=``, a quote or nothing; ``"``, ``\\`` and line breaks are
  escaped inside quotes.
- ``json``: one JSON object per line with the keys ``ts``, ``level``, ``logger``, ``msg``,
  the ``extra`` fields, and ``exc`` when there is a traceback.

Every secret given to :func:`configure_logging` (and its percent-encoded form) is replaced
by ``[redacted]`` in the message, its arguments, the traceback, the stack, the extra fields
and, last, in the formatted line itself.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any, Literal
from urllib.parse import quote

REDACTED = "[redacted]"

LogFormat = Literal["text", "kv", "json"]

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

# Attributes every LogRecord has; anything else on a record came from ``extra=``.
_STANDARD_ATTRS = frozenset(
    {
        *logging.LogRecord("", 0, "", 0, "", (), None).__dict__,
        "message",
        "asctime",
        "taskName",
    }
)


class _Secrets:
    def __init__(self, secrets: Iterable[str]) -> None:
        forms: set[str] = set()
        for secret in secrets:
            if secret:
                forms.update({secret, quote(secret, safe="")})
        # Longest first, so a form that contains another is replaced whole.
        self.forms = sorted(forms, key=len, reverse=True)

    def scrub(self, value: str) -> str:
        for form in self.forms:
            if form in value:
                value = value.replace(form, REDACTED)
        return value

    def found_in(self, value: str) -> bool:
        return any(form in value for form in self.forms)


def scrub(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every secret (and its percent-encoded form) replaced by ``[redacted]``:
    for what is printed rather than logged."""
    return _Secrets(secrets).scrub(text)


class RedactSecrets(logging.Filter):
    """Rewrites a record so no secret is left in it, for every handler after this one."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self._secrets = _Secrets(secrets)

    def filter(self, record: logging.LogRecord) -> bool:
        secrets = self._secrets
        if not secrets.forms:
            return True
        message = record.getMessage()
        if secrets.found_in(message):
            record.msg, record.args = secrets.scrub(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = secrets.scrub(record.exc_text)
        if record.stack_info:
            record.stack_info = secrets.scrub(record.stack_info)
        for key, value in list(record.__dict__.items()):
            if key not in _STANDARD_ATTRS and isinstance(value, str):
                setattr(record, key, secrets.scrub(value))
        return True


def _extras(record: logging.LogRecord) -> dict[str, Any]:
    return {k: v for k, v in record.__dict__.items() if k not in _STANDARD_ATTRS}


def _timestamp(record: logging.LogRecord) -> str:
    when = datetime.fromtimestamp(record.created, UTC)
    return when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{int(record.msecs):03d}Z"


def _traceback(formatter: logging.Formatter, record: logging.LogRecord) -> str | None:
    parts = []
    if record.exc_info and not record.exc_text:
        record.exc_text = formatter.formatException(record.exc_info)
    if record.exc_text:
        parts.append(record.exc_text)
    if record.stack_info:
        parts.append(formatter.formatStack(record.stack_info))
    return "\n".join(parts) or None


class _ScrubbingFormatter(logging.Formatter):
    """Formats, then removes the secrets from the finished line (whatever put them there:
    the ``repr`` of an extra object, a chained exception...)."""

    def __init__(self, secrets: _Secrets, fmt: str | None = None) -> None:
        super().__init__(fmt)
        self._secrets = secrets

    def format(self, record: logging.LogRecord) -> str:
        return self._secrets.scrub(self.render(record))

    def render(self, record: logging.LogRecord) -> str:
        return super().format(record)


def _fields(
    formatter: logging.Formatter, record: logging.LogRecord, key: Callable[[str], str]
) -> dict[str, Any]:
    """A record as the structured formats show it: the fixed keys, the ``extra`` fields
    (named by ``key``; never over a fixed key), then ``exc`` when there is a traceback."""
    fields: dict[str, Any] = {
        "ts": _timestamp(record),
        "level": record.levelname.lower(),
        "logger": record.name,
        "msg": record.getMessage(),
    }
    for name, value in _extras(record).items():
        fields.setdefault(key(name), value)
    trace = _traceback(formatter, record)
    if trace:
        fields["exc"] = trace
    return fields


class KeyValueFormatter(_ScrubbingFormatter):
    def render(self, record: logging.LogRecord) -> str:
        fields = _fields(self, record, _kv_key)
        return " ".join(f"{key}={_kv_value(value)}" for key, value in fields.items())


class JsonFormatter(_ScrubbingFormatter):
    def render(self, record: logging.LogRecord) -> str:
        fields = _fields(self, record, str)
        return json.dumps(fields, ensure_ascii=False, default=str)


def _kv_key(key: str) -> str:
    return "".join(c if c.isalnum() or c in "_.-" else "_" for c in key) or "_"


def _kv_value(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    text = value if isinstance(value, str) else str(value)
    if text and not any(c in text for c in ' ="\\') and text.isprintable():
        return text
    escaped = (
        text.replace("\\", "\\\\")
        .replace('"', '\\"')
        .replace("\n", "\\n")
        .replace("\r", "\\r")
        .replace("\t", "\\t")
    )
    return f'"{escaped}"'


def make_formatter(fmt: LogFormat, secrets: Iterable[str] = ()) -> logging.Formatter:
    scrubber = _Secrets(secrets)
    if fmt == "kv":
        return KeyValueFormatter(scrubber)
    if fmt == "json":
        return JsonFormatter(scrubber)
    if fmt == "text":
        return _ScrubbingFormatter(scrubber, TEXT_FORMAT)
    raise ValueError(f"unknown log format: {fmt!r}")


def configure_logging(
    level: str = "INFO", secrets: Iterable[str] = (), *, fmt: LogFormat = "text"
) -> None:
    secrets = list(secrets)
    handler = logging.StreamHandler()
    handler.setFormatter(make_formatter(fmt, secrets))
    handler.addFilter(RedactSecrets(secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    logging.getLogger("aiogram.event").setLevel(logging.WARNING)
    # Skipped runs of a job still running are expected; job failures are logged as errors.
    logging.getLogger("apscheduler").setLevel(logging.ERROR)
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
