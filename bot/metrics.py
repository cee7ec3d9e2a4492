"""Prometheus metrics of one process, in its own registry (no module-level state).

Each stage is handed the ``Metrics`` object (or ``None``: nothing recorded) by the
composition root; the HTTP endpoint that serves them lives in ``bot.ops``.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

_LATENCY_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600)


class Metrics:
    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        r = self.registry
        self.fetches = Counter(
            "rasd_fetches", "HTTP fetches of sources and pages, by result", ["result"], registry=r
        )
        self.fetch_errors = Counter(
            "rasd_fetch_errors", "Failed source polls, by error kind", ["kind"], registry=r
        )
        self.articles_stored = Counter("rasd_articles_stored", "New articles stored", registry=r)
        self.matches = Counter(
            "rasd_matches", "Alerts queued (article × destination matches)", registry=r
        )
        self.alerts_sent = Counter(
            "rasd_alerts_sent", "Messages sent to Telegram, by kind", ["kind"], registry=r
        )
        self.telegram_429 = Counter(
            "rasd_telegram_429", "Telegram 429 (flood control) answers", registry=r
        )
        self.delivery_errors = Counter(
            "rasd_delivery_errors",
            "Failed requests of the deliverer to Telegram, by error kind (SendFailure)",
            ["kind"],
            registry=r,
        )
        self.outbox_depth = Gauge(
            "rasd_outbox_depth", "Outbox rows by status (sampled)", ["status"], registry=r
        )
        self.sources = Gauge(
            "rasd_sources",
            "Sources by state: healthy, unhealthy, paused (sampled)",
            ["state"],
            registry=r,
        )
        self.poll_seconds = Histogram(
            "rasd_poll_seconds",
            "Wall time of one source poll",
            buckets=_LATENCY_BUCKETS,
            registry=r,
        )
        self.delivery_lag_seconds = Histogram(
            "rasd_delivery_lag_seconds",
            "From an alert queued to its message sent",
            buckets=_LATENCY_BUCKETS,
            registry=r,
        )
