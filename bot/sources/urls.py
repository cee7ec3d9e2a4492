"""URL normalisation used to de-duplicate articles and feed addresses."""

from __future__ import annotations

import re
from urllib.parse import quote, unquote, urljoin, urlsplit, urlunsplit

__all__ = ["TRACKING_PARAMS", "canonical_url", "is_web_url"]

# Query parameters that only track a click and never change the page.
TRACKING_PARAMS = frozenset(
    {
        "fbclid",
        "gclid",
        "dclid",
        "gbraid",
        "wbraid",
        "msclkid",
        "yclid",
        "igshid",
        "mc_cid",
        "mc_eid",
    }
)

_DEFAULT_PORTS = {"http": 80, "https": 443}
# Characters left alone when percent-encoding a path or query: everything that is
# legal in a URI already (reserved + unreserved) and "%" so existing escapes survive.
_SAFE = "/:@!$&'()*+,;=-._~%?"
_ESCAPE_RE = re.compile(r"%[0-9a-fA-F]{2}")


def _is_tracking(key: str) -> bool:
    name = unquote(key.replace("+", " ")).strip().lower()
    return name.startswith("utm_") or name in TRACKING_PARAMS


def _clean_query(query: str) -> str:
    kept = []
    for part in query.split("&"):
        if not part:
            continue
        key = part.split("=", 1)[0]
        if not _is_tracking(key):
            kept.append(part)
    return "&".join(kept)


def _encode(component: str) -> str:
    """Percent-encode characters that are not legal in a URI (spaces, Arabic, ...).

    Existing escapes are kept but upper-cased, so ``%d8%a7`` and ``%D8%A7`` and a raw
    ``ا`` all end up the same.
    """
    encoded = quote(component, safe=_SAFE, encoding="utf-8", errors="strict")
    return _ESCAPE_RE.sub(lambda m: m.group(0).upper(), encoded)


def canonical_url(url: str, base: str | None = None) -> str:
    """Return a canonical absolute form of ``url`` (resolved against ``base`` if given).

    Lower-cases the scheme and host, drops the fragment, the default port,
    tracking parameters (``utm_*``, ``fbclid``, ``gclid`` and a few similar click
    ids) and a trailing ``?``; other query parameters keep their order and
    spelling.  An empty path becomes ``/``.  Non-ASCII characters in the path and
    query are percent-encoded as UTF-8.  URLs that cannot be made absolute (no
    base) are returned stripped but otherwise as normalised as possible.
    """
    url = url.strip()
    if base:
        url = urljoin(base.strip(), url)
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:  # e.g. "http://host:abc/" or a broken IPv6 literal
        return url
    scheme = parts.scheme.lower()
    netloc = parts.netloc
    if netloc:
        userinfo = netloc.rpartition("@")[0]
        host = (parts.hostname or "").lower()
        if ":" in host:  # IPv6 literal
            host = f"[{host}]"
        netloc = f"{userinfo}@{host}" if userinfo else host
        if port is not None and port != _DEFAULT_PORTS.get(scheme):
            netloc = f"{netloc}:{port}"
    path = _encode(parts.path)
    if netloc and not path:
        path = "/"
    query = _encode(_clean_query(parts.query))
    return urlunsplit((scheme, netloc, path, query, ""))


def is_web_url(url: str) -> bool:
    """Whether ``url`` is an absolute ``http(s)`` address with a host: the only kind of link
    an article may carry (never ``javascript:``, ``data:``, ``tg:`` …)."""
    try:
        parts = urlsplit(url.strip())
        host = parts.hostname
    except ValueError:
        return False
    return parts.scheme.lower() in _DEFAULT_PORTS and bool(host)
