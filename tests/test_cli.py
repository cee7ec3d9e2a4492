"""The command line, run as a subprocess the way an operator runs it."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import sys
from pathlib import Path

from aiohttp import web

from tests.fakes.feed_server import FeedServer
from tests.fakes.telegram_api import FakeTelegram

ROOT = Path(__file__).resolve().parent.parent


async def run_cli(*args: str, cwd: Path, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        *args,
        cwd=cwd,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", **(env or {})},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


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


async def test_migrate_creates_the_schema(tmp_path: Path) -> None:
    config = tmp_path / "rasd.toml"
    config.write_text(f'[database]\nurl = "sqlite:///{tmp_path}/db.sqlite3"\n', encoding="utf-8")
    code, out, err = await run_cli("--config", str(config), "migrate", cwd=tmp_path)
    assert code == 0, err
    assert "up to date" in out
    tables = {
        row[0]
        for row in sqlite3.connect(tmp_path / "db.sqlite3").execute(
            "select name from sqlite_master where type = 'table'"
        )
    }
    assert {"chats", "subscriptions", "sources", "articles", "outbox"} <= tables


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
    for base in ("https://api.telegram.org:99999",):  # the others: tests/test_config.py
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
