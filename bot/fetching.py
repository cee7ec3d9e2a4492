"""Fetch limits from the configuration, shared by the bot, the CLI and the benchmarks."""

from __future__ import annotations

from bot.config import PollingConfig
from bot.sources.fetch_limits import FetchLimits

__all__ = ["fetch_limits"]


def fetch_limits(polling: PollingConfig) -> FetchLimits:
    """The one set of fetch limits for feeds, listings and article pages."""
    return FetchLimits(
        timeout=polling.fetch_timeout,
        connect_timeout=min(polling.connect_timeout, polling.fetch_timeout),
        max_bytes=polling.max_feed_bytes,
        max_redirects=polling.max_redirects,
        user_agent=polling.user_agent,
        allow_private=polling.allow_private_addresses,
        concurrency=polling.concurrency,
        per_host=polling.per_host_concurrency,
    )
