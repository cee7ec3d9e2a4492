"""How far a fetcher may go, and the one user agent every request sends by default.

Rules: ``max_bytes`` counts decompressed bytes; ``timeout`` bounds one attempt's network
time, all its redirect hops together; ``connect_timeout`` bounds DNS + TCP + TLS of a new
connection; ``concurrency`` and ``per_host`` bound requests at once overall and per host
name.  Nothing here imports a network library, so the configuration can use the default
user agent cheaply.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["DEFAULT_USER_AGENT", "FetchLimits"]

DEFAULT_USER_AGENT = "RasdBot/0.2 (+media monitoring; Telegram alert bot)"


@dataclass(frozen=True, slots=True)
class FetchLimits:
    """How far one fetcher may go.  ``max_bytes`` counts decompressed bytes."""

    timeout: float = 20.0
    connect_timeout: float = 10.0
    max_bytes: int = 5_000_000
    max_redirects: int = 5
    user_agent: str = DEFAULT_USER_AGENT
    allow_private: bool = False
    concurrency: int = 8
    per_host: int = 2
