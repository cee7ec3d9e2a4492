from __future__ import annotations

import json
import logging
import re
from pathlib import Path
from urllib.parse import quote

import pytest

from bot.logs import REDACTED, LogFormat, configure_logging, scrub

SECRET = "555:the-bot-token"


@pytest.fixture(autouse=True)
def restore_logging() -> object:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield None
    root.handlers[:] = handlers
    root.setLevel(level)


def test_token_is_redacted_from_messages_and_tracebacks(
    capsys: pytest.CaptureFixture[str],
) -> None:
    configure_logging("INFO", [SECRET])
    log = logging.getLogger("rasd.test")
    log.info("calling https://api.example/bot%s/getMe", SECRET)
    try:
        raise RuntimeError(f"failed url /bot{SECRET}/sendMessage")
    except RuntimeError:
        log.exception("send failed")
    err = capsys.readouterr().err
    assert SECRET not in err
    assert err.count(REDACTED) == 2
    assert "send failed" in err and "RuntimeError" in err


class Url:
    """An object whose text carries the token, as a request URL would."""

    def __str__(self) -> str:
        return f"https://api.example/bot{SECRET}/getUpdates"

    __repr__ = __str__


_KV = re.compile(r'([\w.-]+)=("(?:[^"\\]|\\.)*"|\S*)(?: |$)')


def parse_kv(line: str) -> dict[str, str]:
    fields: dict[str, str] = {}
    consumed = 0
    for match in _KV.finditer(line):
        assert match.start() == consumed, f"unparsable at {consumed}: {line!r}"
        key, value = match.groups()
        if value.startswith('"'):
            value = json.loads(value)  # the same escapes as a JSON string
        fields[key] = value
        consumed = match.end()
    assert consumed == len(line)
    return fields


def log_everything(log: logging.Logger) -> None:
    """One record of each kind that could carry the token."""
    log.info("polled %s", "source 3", extra={"source_id": 3, "feed": "https://x.ma/rss"})
    log.warning("calling https://api.example/bot%s/getMe", SECRET)
    log.warning("extra fields", extra={"url": f"/bot{SECRET}/x", "request": Url()})
    log.warning("percent-encoded: %s", quote(f"/bot{SECRET}/x", safe=""))
    try:
        try:
            raise OSError(f"connect to /bot{SECRET}/getMe failed")
        except OSError as exc:
            raise RuntimeError(f"failed url /bot{SECRET}/sendMessage") from exc
    except RuntimeError:
        log.exception("send failed", extra={"chat_id": -100123})
    log.error("with the stack", stack_info=True, extra={"where": f"bot{SECRET}"})


@pytest.mark.parametrize("fmt", ["text", "kv", "json"])
def test_the_token_never_appears_in_any_format(
    fmt: LogFormat, capsys: pytest.CaptureFixture[str]
) -> None:
    configure_logging("INFO", [SECRET], fmt=fmt)
    log_everything(logging.getLogger("bot.pipeline.poller"))
    err = capsys.readouterr().err
    assert SECRET not in err
    assert quote(SECRET, safe="") not in err
    assert "the-bot-token" not in err
    assert REDACTED in err
    assert "send failed" in err and "RuntimeError" in err and "OSError" in err


def test_kv_lines_carry_time_level_logger_message_and_extras(
    capsys: pytest.CaptureFixture[str],
) -> None:
    configure_logging("INFO", [SECRET], fmt="kv")
    log_everything(logging.getLogger("bot.pipeline.poller"))
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 6  # one line per record, tracebacks included
    records = [parse_kv(line) for line in lines]
    first = records[0]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", first["ts"])
    assert list(first) == ["ts", "level", "logger", "msg", "source_id", "feed"]
    assert first["level"] == "info"
    assert first["logger"] == "bot.pipeline.poller"
    assert first["msg"] == "polled source 3"
    assert (first["source_id"], first["feed"]) == ("3", "https://x.ma/rss")
    extra = records[2]
    assert extra["url"] == f"/bot{REDACTED}/x"
    assert extra["request"] == f"https://api.example/bot{REDACTED}/getUpdates"
    failed = records[4]
    assert failed["level"] == "error" and failed["chat_id"] == "-100123"
    assert failed["exc"].startswith("Traceback (most recent call last):\n")
    assert "The above exception was the direct cause" in failed["exc"]
    assert "Stack (most recent call last)" in records[5]["exc"]


def test_kv_values_are_quoted_and_escaped_only_when_needed(
    capsys: pytest.CaptureFixture[str],
) -> None:
    configure_logging("INFO", fmt="kv")
    tricky = 'a "quoted" word\\ and = sign\nnext line'
    logging.getLogger("bot.alerts.deliver").info(
        "%s", "الهجرة", extra={"tricky": tricky, "empty": "", "none": None, "flag": True}
    )
    line = capsys.readouterr().err.rstrip("\n")
    assert "\n" not in line
    assert " msg=الهجرة " in line
    assert ' empty="" none=null flag=true' in line
    assert parse_kv(line)["tricky"] == tricky


def test_json_lines_are_objects_with_extras(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("DEBUG", [SECRET], fmt="json")
    log_everything(logging.getLogger("bot.alerts.deliver"))
    logging.getLogger("bot.sources.fetch").debug("عربي", extra={"ids": [1, 2]})
    lines = capsys.readouterr().err.splitlines()
    records = [json.loads(line) for line in lines]
    assert len(records) == 7
    first = records[0]
    assert list(first)[:4] == ["ts", "level", "logger", "msg"]
    assert first["source_id"] == 3  # numbers stay numbers
    assert first["logger"] == "bot.alerts.deliver"
    assert records[2]["request"] == f"https://api.example/bot{REDACTED}/getUpdates"
    assert "RuntimeError: failed url /bot[redacted]/sendMessage" in records[4]["exc"]
    assert records[6] == {**records[6], "level": "debug", "msg": "عربي", "ids": [1, 2]}
    assert "عربي" in lines[6]  # not \\u-escaped


def test_text_format_is_unchanged(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("INFO")
    logging.getLogger("bot.app").info("started %d sources", 3, extra={"ignored": 1})
    line = capsys.readouterr().err
    assert re.fullmatch(
        r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} INFO bot\.app: started 3 sources\n", line
    )


def test_level_filters_records(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("warning", fmt="json")
    log = logging.getLogger("bot.pipeline.poller")
    log.info("hidden")
    log.warning("shown")
    assert [json.loads(x)["msg"] for x in capsys.readouterr().err.splitlines()] == ["shown"]


def test_scrub_redacts_what_is_printed() -> None:
    assert scrub(f"at /bot{SECRET}/getMe and {quote(SECRET, safe='')}", [SECRET]) == (
        f"at /bot{REDACTED}/getMe and {REDACTED}"
    )
    assert scrub("nothing to hide", []) == "nothing to hide"


def test_an_unexpected_error_at_start_up_prints_no_secret(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Whatever stops the bot, its message and traceback go out without the token, the
    webhook secret or the database password."""
    import bot.__main__ as cli

    config = tmp_path / "rasd.toml"
    config.write_text(
        '[telegram]\nwebhook_url = "https://bot.example/hook"\nwebhook_secret = "hook-secret"\n'
        '[database]\nurl = "postgresql://rasd:db-password@db/rasd"\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("BOT_TOKEN", SECRET)

    async def failing_run(*_: object) -> int:
        raise RuntimeError(f"GET /bot{SECRET}/getMe hook-secret db-password")

    monkeypatch.setattr(cli, "_run", failing_run)
    assert cli.main(["--config", str(config), "run"]) == 1
    err = capsys.readouterr().err
    assert "RuntimeError" in err and "Traceback" in err  # in the log, scrubbed
    assert err.count(REDACTED) >= 6
    for secret in (SECRET, "the-bot-token", "hook-secret", "db-password"):
        assert secret not in err
