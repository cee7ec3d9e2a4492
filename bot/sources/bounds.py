"""How long each field of an article may be.

Applied in one place, when an article is built (:class:`bot.sources.model.ParsedEntry`,
which every source kind produces: feeds, JSON feeds, sitemaps, HTML listings, Telegram
channels), so matching, story grouping and storage never see more than this, whatever
a source sends.  Values are Unicode characters; the limits are far above anything a real
outlet writes, so only hostile or broken sources are ever cut.

- Title: 1,000.  Real headlines are under 300 characters (an alert shows one line), and a
  title is matched, normalised and compared for every subscription and story.
- Summary: 10,000.  A teaser is a paragraph or two; feeds that put the whole article in
  their description rarely pass a few thousand characters, and an alert never shows more
  than a Telegram message (4,096).
- Text (a post's or page's full text): 100,000, the cap full-text extraction applies
  to pages (``bot.sources.extract.MAX_TEXT_CHARS``): a long-form feature is 30,000-60,000.
- URL: 2,048, the sitemaps.org limit for a ``<loc>`` and what browsers reliably handle; a
  longer link is no article's address, and PostgreSQL refuses a unique-index entry over
  a few kilobytes (one such row would fail the whole write).  An entry with a longer link
  gets none (it is then not stored: an alert must link somewhere).
- GUID: 1,000; a longer one is replaced by its SHA-1 (stable, so the article is still
  recognised on the next poll), for the same index reason.
"""

from __future__ import annotations

import hashlib

__all__ = [
    "MAX_GUID_CHARS",
    "MAX_SUMMARY_CHARS",
    "MAX_TEXT_CHARS",
    "MAX_TITLE_CHARS",
    "MAX_URL_CHARS",
    "bounded_guid",
    "bounded_url",
    "clip",
]

MAX_TITLE_CHARS = 1_000
MAX_SUMMARY_CHARS = 10_000
MAX_TEXT_CHARS = 100_000
MAX_URL_CHARS = 2_048
MAX_GUID_CHARS = 1_000


def clip(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters (trailing blanks of the cut dropped)."""
    return text if len(text) <= limit else text[:limit].rstrip()


def bounded_url(url: str) -> str:
    """``url``, or ``""`` if it is longer than :data:`MAX_URL_CHARS`."""
    return url if len(url) <= MAX_URL_CHARS else ""


def bounded_guid(guid: str) -> str:
    """``guid``, or a digest of it (``sha1:...``) if it is longer than :data:`MAX_GUID_CHARS`."""
    if len(guid) <= MAX_GUID_CHARS:
        return guid
    digest = hashlib.sha1(guid.encode("utf-8", "surrogatepass"), usedforsecurity=False)
    return f"sha1:{digest.hexdigest()}"
