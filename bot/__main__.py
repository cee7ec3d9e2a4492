"""Command line: python -m bot {run,check-config,migrate,match,preview-source}.

The global options (``--config``, ``--log-level``) go before or after the command.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import shutil
import signal
import sys
from collections.abc import Sequence
from pathlib import Path

from bot import heap
from bot.config import ROLES, ConfigError, Settings, load_settings
from bot.logs import configure_logging, scrub
from bot.storage.urls import database_password, shown_database_url

DEFAULT_CONFIG = Path("config.toml")
EXAMPLE_CONFIG = Path("config.example.toml")


def _global_options(parser: argparse.ArgumentParser, *, defaults: bool) -> None:
    """The options every command takes. The main parser holds the defaults; each command's
    parser takes them too, with ``SUPPRESS`` defaults, so ``--config X`` may come before or
    after the command (``run --config X`` = ``--config X run``) and an option left out after
    the command does not overwrite one given before it."""

    def default(value: object) -> object:
        return value if defaults else argparse.SUPPRESS

    parser.add_argument(
        "--config",
        type=Path,
        default=default(Path(os.environ.get("RASD_CONFIG", DEFAULT_CONFIG))),
        help="config file (default: config.toml, or $RASD_CONFIG)",
    )
    parser.add_argument(
        "--log-level", default=default(None), help="overrides [logging] level (default INFO)"
    )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot", description="Rasd media-monitoring bot")
    _global_options(parser, defaults=True)
    common = argparse.ArgumentParser(add_help=False)
    _global_options(common, defaults=False)
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser("run", parents=[common], help="run the bot")
    run.add_argument(
        "--dry-run",
        action="store_true",
        help="poll and match, but print alerts instead of sending them (no token needed)",
    )
    run.add_argument(
        "--role",
        choices=ROLES,
        default="all",
        help="what this process runs (default all); other roles need PostgreSQL, where any "
        "number of poller, deliverer and telegram processes share the work",
    )
    run.add_argument("--query", action="append", default=[], help="dry run: a query to try")
    run.add_argument("--source", action="append", default=[], help="dry run: an extra source URL")

    commands.add_parser("check-config", parents=[common], help="validate the config and exit")
    commands.add_parser("migrate", parents=[common], help="bring the database schema up to date")

    match = commands.add_parser(
        "match", parents=[common], help="match queries against articles from files"
    )
    match.add_argument("--jsonl", type=Path, help="labelled cases: one JSON object per line")
    match.add_argument("--queries", type=Path, help="one query per line")
    match.add_argument("--articles", type=Path, help='{"id","title","text"} lines')

    preview = commands.add_parser(
        "preview-source",
        parents=[common],
        help="what Rasd would extract from a URL, as JSON lines (saves nothing)",
    )
    preview.add_argument("url")
    preview.add_argument("--selector", help="CSS selector of the article blocks of an HTML page")
    return parser


def _secrets(settings: Settings) -> list[str]:
    """What must never be printed or logged: the token, the webhook secret, the database
    password."""
    webhook = settings.telegram.webhook_secret
    password = database_password(settings.database.url)
    secrets = (settings.token, webhook.get_secret_value() if webhook else None, password)
    return [str(secret) for secret in secrets if secret]


def _error(settings: Settings, message: str) -> None:
    """Print ``error: message`` without any secret of ``settings`` (an exception's text may
    hold a URL with the token in it)."""
    print(f"error: {scrub(message, _secrets(settings))}", file=sys.stderr)


def _settings(path: Path) -> Settings:
    if not path.exists() and path == DEFAULT_CONFIG and EXAMPLE_CONFIG.exists():
        shutil.copyfile(EXAMPLE_CONFIG, path)
        print(f"created {path} from {EXAMPLE_CONFIG}; edit it to add sources and admins")
    return load_settings(path if path.exists() else None)


async def _run(settings: Settings, args: argparse.Namespace) -> int:
    from aiogram.exceptions import TelegramNetworkError, TelegramUnauthorizedError

    from bot.app import DryRun, build_app
    from bot.storage.db import SchemaError

    dry_run = DryRun(args.query, args.source) if args.dry_run else None
    if dry_run is not None and not dry_run.queries:
        print("run --dry-run needs at least one --query", file=sys.stderr)
        return 2
    app = await build_app(settings, dry_run=dry_run, role=args.role)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    try:
        await app.start()
        heap.settle()  # the subscriptions are loaded: see bot.heap
        await stop.wait()
    except SchemaError as exc:
        _error(settings, str(exc))
        return 2
    except TelegramUnauthorizedError:
        _error(settings, "Telegram refused the token; check BOT_TOKEN or telegram.token")
        return 1
    except TelegramNetworkError as exc:
        api = settings.telegram.api_base
        _error(settings, f"cannot reach the Telegram Bot API at {api}: {exc}")
        return 1
    finally:
        await app.stop()
    return 0


async def _migrate(settings: Settings) -> int:
    from bot.storage.db import SchemaError, create_engine, migrate

    engine = create_engine(settings.database.url)
    try:
        await migrate(engine)
    except SchemaError as exc:
        _error(settings, str(exc))
        return 2
    finally:
        await engine.dispose()
    print("database is up to date")
    return 0


async def _preview(settings: Settings, url: str, selector: str | None) -> int:
    import json

    from bot.fetching import fetch_limits
    from bot.sources.errors import SourceError
    from bot.sources.fetch import Fetcher
    from bot.sources.http_session import create_session
    from bot.sources.parse_pool import ParsePool
    from bot.sources.preview import preview_rows

    polling = settings.polling
    limits = fetch_limits(polling)
    parsers = ParsePool(1, polling.parse_timeout)  # parsed as the bot would: in a worker
    async with create_session(limits) as http:
        try:
            rows = await preview_rows(
                Fetcher(http, limits),
                url,
                parsers=parsers,
                selector=selector,
                max_items=polling.max_items_per_feed,
                zone=settings.zone,
            )
        except SourceError as exc:
            _error(settings, str(exc))
            return 1
        finally:
            await parsers.close()
    for row in rows:
        print(json.dumps(row, ensure_ascii=False))
    return 0


def _match(args: argparse.Namespace) -> int:
    from bot.matching.batch import match_batch, match_jsonl

    if args.jsonl is not None:
        return match_jsonl(args.jsonl, sys.stdout)
    if args.queries is not None and args.articles is not None:
        return match_batch(args.queries, args.articles, sys.stdout)
    print("match needs --jsonl FILE, or --queries FILE and --articles FILE", file=sys.stderr)
    return 2


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "match":
        return _match(args)
    try:
        settings = _settings(args.config)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    configure_logging(
        args.log_level or settings.logging.level, _secrets(settings), fmt=settings.logging.format
    )
    if args.command == "check-config":
        sources = len(settings.sources)
        token = "set" if settings.token else "missing (set BOT_TOKEN)"
        database = shown_database_url(settings.database.url)
        print(f"config OK: {sources} sources, token {token}, database {database}")
        return 0
    try:
        if args.command == "run":
            return asyncio.run(_run(settings, args))
        if args.command == "migrate":
            return asyncio.run(_migrate(settings))
        return asyncio.run(_preview(settings, args.url, args.selector))
    except ConfigError as exc:
        _error(settings, str(exc))
        return 2
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # unforeseen: the traceback goes through the scrubbing log
        logging.getLogger("bot").critical("stopped by an unexpected error", exc_info=True)
        _error(settings, f"{type(exc).__name__}: {exc}")
        return 1


if __name__ == "__main__":
    with contextlib.suppress(BrokenPipeError):
        sys.exit(main())
