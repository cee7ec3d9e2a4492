"""The command line, run as a subprocess the way an operator runs it."""

from __future__ import annotations

import argparse
import json
import sqlite3
from pathlib import Path

import pytest
from aiohttp import web

from tests.support.fakes.feed_server import FeedServer
from tests.support.fakes.telegram_api import FakeTelegram
from tests.support.processes import run_cli

PRIVATE_OK = {"RASD_POLLING__ALLOW_PRIVATE_ADDRESSES": "true"}


async def test_preview_source_finds_the_feed_behind_a_page(
    feeds: FeedServer, tmp_path: Path
) -> None:
    feeds.set_file("/", "page_with_feed.html", content_type="text/html; charset=utf-8")
    feeds.set_file("/rss.xml", "arabic_rss.xml")
    code, out, err = await run_cli("preview-source", feeds.url("/"), cwd=tmp_path, env=PRIVATE_OK)
    assert code == 0, err
    lines = [json.loads(line) for line in out.splitlines()]
    assert lines[0] == {
        "kind": "feed",
        "url": feeds.url("/"),
        "feed_url": feeds.url("/rss.xml"),
        "title": "صدى المغرب - أخبار المغرب والعالم",
        "items": 3,
    }
    assert lines[1]["title"] == "لفتيت يترأس اجتماعا حول تدبير ملف الهجرة غير النظامية"
    assert lines[1]["published"] == "2025-01-13T09:30:00+00:00"
    assert len(lines) == 4


async def test_preview_source_with_a_selector(feeds: FeedServer, tmp_path: Path) -> None:
    page = (
        "<html><head><title>Dépêches</title></head><body>"
        '<div class="d"><a href="/d/1">Rabat : le Parlement adopte la loi</a></div>'
        '<div class="d"><a href="/d/2">Fès : la médina accueille un festival</a></div>'
        "</body></html>"
    )
    feeds.set("/depeches", page, content_type="text/html; charset=utf-8")
    code, out, err = await run_cli(
        "preview-source",
        feeds.url("/depeches"),
        "--selector",
        "div.d",
        cwd=tmp_path,
        env=PRIVATE_OK,
    )
    assert code == 0, err
    head, *items = (json.loads(line) for line in out.splitlines())
    assert (head["kind"], head["items"]) == ("html", 2)
    assert [i["link"] for i in items] == [feeds.url("/d/1"), feeds.url("/d/2")]


async def test_preview_source_reports_a_broken_source(feeds: FeedServer, tmp_path: Path) -> None:
    feeds.set("/down.xml", "oops", status=500, content_type="text/plain")
    code, out, err = await run_cli(
        "preview-source", feeds.url("/down.xml"), cwd=tmp_path, env=PRIVATE_OK
    )
    assert code == 1
    assert out == ""
    assert err.strip() == "error: HTTP 500"


async def test_preview_source_refuses_private_addresses_by_default(
    feeds: FeedServer, tmp_path: Path
) -> None:
    feeds.set_file("/rss.xml", "arabic_rss.xml")
    code, _, err = await run_cli("preview-source", feeds.url("/rss.xml"), cwd=tmp_path)
    assert code == 1
    assert err.startswith("error: ") and len(err.strip().splitlines()) == 1
    assert "/rss.xml" not in feeds.hits


# The least each command needs besides the global options; a new command must be added here,
# so that both orders of its options are tested.
COMMAND_ARGS = {
    "run": ["--dry-run", "--query", "الهجرة", "--role", "all"],
    "check-config": [],
    "migrate": [],
    "match": ["--jsonl", "cases.jsonl"],
    "preview-source": ["https://example.ma/rss", "--selector", "h2 a"],
}


def test_every_command_is_covered_by_the_option_order_tests() -> None:
    from bot.__main__ import _parser

    subparsers = next(
        action
        for action in _parser()._actions
        if isinstance(action, argparse._SubParsersAction)  # no public way to list commands
    )
    assert set(subparsers.choices) == set(COMMAND_ARGS)


@pytest.mark.parametrize("command", sorted(COMMAND_ARGS))
def test_global_options_go_before_or_after_the_command(command: str) -> None:
    from bot.__main__ import _parser

    options = ["--config", "other.toml", "--log-level", "DEBUG"]
    before = _parser().parse_args([*options, command, *COMMAND_ARGS[command]])
    after = _parser().parse_args([command, *COMMAND_ARGS[command], *options])
    mixed = _parser().parse_args([*options[2:], command, *COMMAND_ARGS[command], *options[:2]])
    assert before == after
    assert (after.config, after.log_level) == (Path("other.toml"), "DEBUG")
    # an option given only before the command is not reset by the command's own parser
    assert (mixed.config, mixed.log_level) == (Path("other.toml"), "DEBUG")


@pytest.mark.parametrize("command", sorted(COMMAND_ARGS))
def test_global_options_keep_their_defaults_on_either_side(
    command: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.__main__ import _parser

    monkeypatch.delenv("RASD_CONFIG", raising=False)
    args = _parser().parse_args([command, *COMMAND_ARGS[command]])
    assert (args.config, args.log_level) == (Path("config.toml"), None)
    # after the command as well as before it, the later one wins
    args = _parser().parse_args(
        ["--config", "a.toml", command, *COMMAND_ARGS[command], "--config", "b.toml"]
    )
    assert args.config == Path("b.toml")


@pytest.mark.parametrize("order", ["before", "after"])
async def test_migrate_creates_the_schema(tmp_path: Path, order: str) -> None:
    config = tmp_path / "rasd.toml"
    config.write_text(f'[database]\nurl = "sqlite:///{tmp_path}/db.sqlite3"\n', encoding="utf-8")
    args = ["--config", str(config), "migrate"]
    if order == "after":
        args = ["migrate", "--config", str(config)]
    code, out, err = await run_cli(*args, cwd=tmp_path)
    assert code == 0, err
    assert "up to date" in out
    tables = {
        row[0]
        for row in sqlite3.connect(tmp_path / "db.sqlite3").execute(
            "select name from sqlite_master where type = 'table'"
        )
    }
    assert {"chats", "subscriptions", "sources", "articles", "outbox"} <= tables


async def test_check_config_reads_the_named_file_on_either_side(tmp_path: Path) -> None:
    config = tmp_path / "rasd.toml"
    config.write_text(
        f'[database]\nurl = "sqlite:///{tmp_path}/db.sqlite3"\n'
        '[[sources]]\nurl = "https://example.ma/rss"\n',
        encoding="utf-8",
    )
    before = await run_cli("--config", str(config), "check-config", cwd=tmp_path)
    after = await run_cli("check-config", "--config", str(config), cwd=tmp_path)
    assert before == after
    code, out, err = after
    assert code == 0, err
    assert out.startswith("config OK: 1 sources")
    assert not (tmp_path / "config.toml").exists()  # the default file was not made or read


async def test_run_with_a_refused_token_says_so_without_showing_it(tmp_path: Path) -> None:
    async with FakeTelegram("777000111:the-right-token") as telegram:
        config = tmp_path / "rasd.toml"
        config.write_text(
            f'[telegram]\napi_base = "{telegram.base_url}"\n'
            f'[database]\nurl = "sqlite:///{tmp_path}/db.sqlite3"\n',
            encoding="utf-8",
        )
        code, out, err = await run_cli(
            "--config",
            str(config),
            "run",
            cwd=tmp_path,
            env={"BOT_TOKEN": "777000111:a-wrong-token"},
        )
    assert code == 1
    assert "Telegram refused the token" in err
    assert "a-wrong-token" not in out + err


async def test_no_start_up_message_shows_the_token(tmp_path: Path) -> None:
    """A malformed ``telegram.api_base`` is a configuration error naming the key; a base
    that answers every request with a redirect to itself makes aiohttp's error quote the
    request URL, token included: printed, it is redacted."""
    token = "777000111:the-secret-part"
    secret = token.split(":")[1]
    database = f'[database]\nurl = "sqlite:///{tmp_path}/db.sqlite3"\n'
    config = tmp_path / "rasd.toml"
    for base in ("https://api.telegram.org:99999",):  # the others: tests/app/test_config.py
        config.write_text(f'[telegram]\napi_base = "{base}"\n{database}', encoding="utf-8")
        code, out, err = await run_cli(
            "--config", str(config), "run", cwd=tmp_path, env={"BOT_TOKEN": token}
        )
        assert code == 2, base
        assert "telegram.api_base: " in err and "must be an http:// or https:// URL" in err
        assert secret not in out + err
        assert "Traceback" not in err

    async def loop_back(request: web.Request) -> web.Response:
        raise web.HTTPFound(str(request.url))

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", loop_back)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        port = runner.addresses[0][1]
        config.write_text(
            f'[telegram]\napi_base = "http://127.0.0.1:{port}"\n{database}', encoding="utf-8"
        )
        code, out, err = await run_cli(
            "--config", str(config), "run", cwd=tmp_path, env={"BOT_TOKEN": token}
        )
    finally:
        await runner.cleanup()
    assert code == 1
    assert "cannot reach the Telegram Bot API" in err
    assert "/bot[redacted]/getMe" in err  # the message quoted the URL
    assert secret not in out + err
