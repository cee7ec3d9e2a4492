"""Configuration: a TOML file validated by pydantic, with environment overrides.

Precedence, highest first: ``BOT_TOKEN`` (the token only), ``RASD_<SECTION>__<KEY>``
environment variables (``RASD_DATABASE__URL``, ``RASD_TELEGRAM__API_BASE``...), the TOML file,
then the defaults here.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    HttpUrl,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from bot.sources.fetch_limits import DEFAULT_USER_AGENT

DEFAULT_API_BASE = "https://api.telegram.org"
Language = Literal["ar", "fr", "en"]
# What one process runs (``run --role``; see bot.cluster).
Role = Literal["all", "poller", "deliverer", "telegram"]
ROLES: tuple[Role, ...] = ("all", "poller", "deliverer", "telegram")


class ConfigError(Exception):
    """The configuration is unusable; the message names the offending key."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _base_url_problem(value: str) -> str | None:
    """What keeps ``value`` from being the base URL of the Bot API, or None."""
    if not value.isprintable() or any(c.isspace() for c in value):
        return "it holds spaces or control characters"
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError:
        return "its host or port cannot be read"
    if parts.scheme not in ("http", "https"):
        return "it does not start with http:// or https://"
    if not parts.hostname:
        return "it has no host"
    if port == 0:
        return "its port is 0"
    if parts.username is not None or parts.password is not None:
        return "it holds a user name or password"
    if parts.query or parts.fragment or value.endswith(("?", "#")):
        return "it has a query or a fragment (? or #)"
    return None


class TelegramConfig(_Section):
    token: SecretStr | None = None
    api_base: str = DEFAULT_API_BASE
    polling_timeout: int = Field(default=30, ge=1, le=60)
    # Webhook mode: Telegram POSTs updates to this public https URL (its path is served by
    # the bot's own aiohttp server on webhook_listen:webhook_port). Unset: long polling.
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = Field(default=8081, ge=1, le=65535)

    @field_validator("webhook_url")
    @classmethod
    def _webhook_https(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        if not value.startswith(("https://", "http://")):
            raise ValueError("must be an https:// URL (Telegram only calls https)")
        return value.strip()

    @model_validator(mode="after")
    def _webhook_secret_set(self) -> TelegramConfig:
        secret = self.webhook_secret.get_secret_value() if self.webhook_secret else ""
        if self.webhook_url is not None:
            if not secret:
                raise ValueError(
                    "webhook_url needs webhook_secret (1-256 characters A-Z a-z 0-9 _ -)"
                )
            if len(secret) > 256 or not all(c.isalnum() or c in "_-" for c in secret):
                raise ValueError("webhook_secret: 1-256 characters A-Z a-z 0-9 _ -")
        return self

    @field_validator("api_base")
    @classmethod
    def _http_base(cls, value: str) -> str:
        # The value is never repeated in the message: it might hold the token.
        value = value.strip().rstrip("/")
        problem = _base_url_problem(value)
        if problem is not None:
            raise ValueError(
                f"must be an http:// or https:// URL like {DEFAULT_API_BASE}: {problem}"
            )
        return value

    @field_validator("token")
    @classmethod
    def _token_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or not value.get_secret_value().strip():
            return None
        bot_id, sep, secret = value.get_secret_value().strip().partition(":")
        if not (sep and bot_id.isdigit() and secret):
            raise ValueError("must look like 123456:ABC... (the token BotFather gave)")
        return SecretStr(value.get_secret_value().strip())


class DatabaseConfig(_Section):
    url: str = "sqlite+aiosqlite:///data/rasd.sqlite3"
    # Apply pending migrations when the bot starts. Off: start-up refuses a database that
    # is not at this code's schema (run `python -m bot migrate` yourself).
    migrate_on_start: bool = True

    @field_validator("url")
    @classmethod
    def _async_driver(cls, value: str) -> str:
        if value.startswith(("postgresql://", "postgres://")):
            return "postgresql+asyncpg://" + value.split("://", 1)[1]
        if value.startswith("sqlite:///"):
            return "sqlite+aiosqlite:///" + value.removeprefix("sqlite:///")
        if not value.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError("must be a sqlite+aiosqlite:/// or postgresql+asyncpg:// URL")
        return value


class PollingConfig(_Section):
    default_interval: float = Field(default=600, gt=0, description="seconds")
    min_interval: float = Field(default=60, gt=0, description="seconds")
    tick: float = Field(default=5, gt=0, description="seconds between looks for due sources")
    fetch_timeout: float = Field(default=20, gt=0)
    max_feed_bytes: int = Field(default=5_000_000, gt=0)
    concurrency: int = Field(default=8, ge=1, le=100)
    max_article_age_hours: float = Field(default=72, gt=0)
    max_backoff: float = Field(default=6 * 3600, gt=0, description="seconds")
    connect_timeout: float = Field(default=10, gt=0, description="seconds")
    per_host_concurrency: int = Field(default=2, ge=1, le=20)
    max_redirects: int = Field(default=5, ge=0, le=20)
    max_items_per_feed: int = Field(default=500, ge=1)
    max_page_bytes: int = Field(default=3_000_000, gt=0, description="full-text pages")
    unhealthy_after: int = Field(default=5, ge=1, description="consecutive errors")
    allow_private_addresses: bool = Field(
        default=False, description="fetch loopback/private/link-local addresses (tests, intranets)"
    )
    full_text_feeds: bool = Field(default=False, description="full text for new feed sources")
    article_retention_days: float = Field(default=30, gt=0)
    story_window_hours: float = Field(default=24, gt=0)
    parse_workers: int = Field(
        default=1,
        ge=0,
        le=64,
        description="worker processes that parse fetched documents; 0 is read as 1 (every"
        " parse runs in a worker, within parse_timeout)",
    )
    parse_timeout: float = Field(
        default=5, gt=0, le=300, description="seconds one document may take to parse"
    )
    user_agent: str = DEFAULT_USER_AGENT

    @field_validator("parse_workers")
    @classmethod
    def _at_least_one_worker(cls, value: int) -> int:
        # Before every parse had a time budget, 0 meant "parse in the bot's process".
        return max(value, 1)

    @model_validator(mode="after")
    def _default_not_below_min(self) -> PollingConfig:
        if self.default_interval < self.min_interval:
            raise ValueError("default_interval must not be below min_interval")
        return self


class DeliveryConfig(_Section):
    tick: float = Field(default=2, gt=0, description="seconds between outbox drains")
    max_attempts: int = Field(default=5, ge=1)
    messages_per_second: float = Field(default=29, gt=0)
    per_chat_interval: float = Field(default=1.0, ge=0, description="seconds")
    group_per_minute: int = Field(default=20, ge=1, description="groups and channels")
    # Telegram counts group_per_minute in a minute; a test Bot API server may count in less.
    # A chat's lease keeps this window (plus a request's transit) ahead of any request.
    group_window: float = Field(default=60, gt=0, description="seconds")
    batch_size: int = Field(default=100, ge=1)


class MatchingConfig(_Section):
    max_query_length: int = Field(default=300, ge=10, le=4000)
    max_terms: int = Field(default=20, ge=1, le=200)
    max_subscriptions_per_chat: int = Field(default=50, ge=1)
    # One person's subscriptions across every chat they subscribe in (their own, the groups
    # they administer); the bot's admins are not counted.
    max_subscriptions_per_user: int = Field(default=100, ge=1)
    test_days: float = Field(default=7, gt=0, description="days of articles /test looks at")
    # /test and the count after /subscribe: the longest one may scan and match (beyond it
    # the reply says how far it got), one person's wait between two of them, and how many
    # run at once in the whole bot.
    test_seconds: float = Field(default=5, gt=0, le=120, description="seconds")
    test_cooldown: float = Field(default=5, ge=0, description="seconds per person")
    test_concurrency: int = Field(default=2, ge=1, le=32)


class ClusterConfig(_Section):
    """Several processes on one PostgreSQL database (``run --role``)."""

    # A claimed source or chat returns to the others this long after its worker stops
    # renewing the claim (a worker that died); live workers renew every third of it.
    lease_seconds: float = Field(default=60, ge=5, le=3600, description="seconds")


class MetricsConfig(_Section):
    # Prometheus /metrics and /health on this address; port 0: no endpoint.
    listen: str = "127.0.0.1"
    port: int = Field(default=0, ge=0, le=65535)


class LoggingConfig(_Section):
    # text: readable lines; kv: key=value pairs; json: one JSON object per line.
    format: Literal["text", "kv", "json"] = "text"
    level: str = "INFO"


class SourceEntry(_Section):
    url: HttpUrl
    name: str | None = None
    interval: float | None = Field(default=None, gt=0, description="seconds")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="RASD_", env_nested_delimiter="__", extra="forbid", case_sensitive=False
    )

    telegram: TelegramConfig = TelegramConfig()
    database: DatabaseConfig = DatabaseConfig()
    polling: PollingConfig = PollingConfig()
    delivery: DeliveryConfig = DeliveryConfig()
    matching: MatchingConfig = MatchingConfig()
    cluster: ClusterConfig = ClusterConfig()
    metrics: MetricsConfig = MetricsConfig()
    logging: LoggingConfig = LoggingConfig()
    admins: list[int] = []
    access: Literal["open", "allowlist"] = "open"
    allow: list[int] = []
    timezone: str = "Africa/Casablanca"
    language: Language = "ar"
    sources: list[SourceEntry] = []

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @model_validator(mode="after")
    def _source_intervals(self) -> Settings:
        for index, source in enumerate(self.sources):
            if source.interval is not None and source.interval < self.polling.min_interval:
                raise ValueError(
                    f"sources[{index}].interval {source.interval:g} is below "
                    f"polling.min_interval {self.polling.min_interval:g}"
                )
        return self

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def token(self) -> str | None:
        return self.telegram.token.get_secret_value() if self.telegram.token else None

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # The file's contents arrive as init arguments; the environment wins over them.
        return _BotTokenSource(settings_cls), env_settings, init_settings


class _BotTokenSource(PydanticBaseSettingsSource):
    """``BOT_TOKEN``, the conventional variable, sets ``telegram.token``."""

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        token = os.environ.get("BOT_TOKEN", "").strip()
        return {"telegram": {"token": token}} if token else {}


def _describe(error: ValidationError) -> str:
    lines = []
    for item in error.errors():
        key = ".".join(str(part) for part in item["loc"]) or "(top level)"
        message = item["msg"]
        if item["type"] == "extra_forbidden":
            message = "unknown key"
        lines.append(f"{key}: {message}")
    return "invalid configuration:\n  " + "\n  ".join(lines)


def load_settings(path: Path | None, **overrides: Any) -> Settings:
    """Read ``path`` (if given), apply ``overrides`` and the environment, and validate."""
    data: dict[str, Any] = {}
    if path is not None:
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise ConfigError(f"config file not found: {path}") from exc
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path} is not valid TOML: {exc}") from exc
    data.update(overrides)
    try:
        return Settings(**data)
    except ValidationError as exc:
        raise ConfigError(_describe(exc)) from None
