"""What Rasd would extract from a URL, as JSON-ready rows (``python -m bot preview-source``)."""

from __future__ import annotations

from datetime import tzinfo
from typing import Any

from bot.sources.fetch import Fetcher
from bot.sources.model import DEFAULT_MAX_ITEMS
from bot.sources.parse_pool import ParsePool
from bot.sources.resolve import resolve_source
from bot.sources.telegram_channel import TELEGRAM_BASE

__all__ = ["TEXT_PREVIEW", "preview_rows"]

TEXT_PREVIEW = 200


async def preview_rows(
    fetcher: Fetcher,
    url: str,
    *,
    parsers: ParsePool,
    selector: str | None = None,
    max_items: int = DEFAULT_MAX_ITEMS,
    zone: tzinfo | None = None,
    telegram_base: str = TELEGRAM_BASE,
) -> list[dict[str, Any]]:
    """Resolve ``url`` like ``/addsource`` does and describe the result, saving nothing.

    The first row is ``{"kind", "url", "feed_url", "title", "items"}``; then one row
    per entry: ``{"title", "link", "published" (ISO 8601 UTC or None), "text"
    (its first 200 characters)}``.  Raises :class:`SourceResolveError`.
    """
    resolved = await resolve_source(
        fetcher,
        url,
        parsers=parsers,
        selector=selector,
        max_items=max_items,
        zone=zone,
        telegram_base=telegram_base,
    )
    entries = resolved.read.entries or []
    rows: list[dict[str, Any]] = [
        {
            "kind": resolved.kind,
            "url": resolved.page_url,
            "feed_url": resolved.feed_url,
            "title": resolved.title,
            "items": len(entries),
        }
    ]
    for entry in entries:
        rows.append(
            {
                "title": entry.title,
                "link": entry.url,
                "published": entry.published.isoformat() if entry.published else None,
                "text": (entry.text or entry.summary)[:TEXT_PREVIEW],
            }
        )
    return rows
