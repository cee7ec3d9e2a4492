"""The HTTP endpoint of one process: ``GET /metrics`` and ``GET /health``.

- ``/metrics``: the process's :class:`~bot.metrics.Metrics` registry in the Prometheus text
  format. The database gauges (:class:`~bot.ops.sampler.GaugeSampler`) are refreshed
  at a scrape, at most once every ``sample_every`` seconds; when the database does not
  answer, the other metrics are still served and the gauges keep their last values.
- ``/health``: JSON ``{"status", "role", "worker_id", "database": {"reachable", ...},
  "uptime_seconds"}``; 200 when the database answers ``SELECT 1`` within ``db_timeout``
  seconds, else 503 with ``"status": "degraded"``.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Any

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from bot.config import MetricsConfig
from bot.metrics import Metrics
from bot.ops.probe import health_url
from bot.ops.sampler import GaugeSampler
from bot.storage.db import SessionFactory, ping

log = logging.getLogger(__name__)


class OpsServer:
    """``port=None`` (or 0) binds a free port, read back from :attr:`port` once started."""

    def __init__(
        self,
        metrics: Metrics,
        sessions: SessionFactory,
        *,
        role: str,
        worker_id: str | None,
        listen: str = "127.0.0.1",
        port: int | None = None,
        sample_every: float = 10.0,
        db_timeout: float = 2.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.metrics = metrics
        self.sampler = GaugeSampler(metrics, sessions)
        self.sessions = sessions
        self.role = role
        self.worker_id = worker_id
        self.listen = listen
        self.sample_every = sample_every
        self.db_timeout = db_timeout
        self._requested_port = port or 0
        self._clock = clock
        self._started = clock()
        self._sampled_at: float | None = None
        self._sample_failing = False
        self._sample_lock = asyncio.Lock()
        self._runner: web.AppRunner | None = None
        self._port: int | None = None

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("the ops server is not started")
        return self._port

    @property
    def url(self) -> str:
        """Where this machine reaches the endpoint (loopback for a wildcard address)."""
        return health_url(self.listen, self.port).removesuffix("/health")

    async def start(self) -> None:
        if self._runner is not None:
            return
        app = web.Application()
        app.router.add_get("/metrics", self._serve_metrics)
        app.router.add_get("/health", self._serve_health)
        # No access log: a scraper every few seconds would drown the process's own lines.
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await runner.setup()
        try:
            await web.TCPSite(runner, self.listen, self._requested_port).start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        self._port = int(runner.addresses[0][1])
        log.info("metrics and health on %s (/metrics, /health)", self.url)

    async def stop(self) -> None:
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()
        self._port = None

    async def _serve_metrics(self, _request: web.Request) -> web.Response:
        await self.refresh_gauges()
        return web.Response(
            body=generate_latest(self.metrics.registry),
            headers={"Content-Type": CONTENT_TYPE_LATEST},
        )

    async def refresh_gauges(self) -> None:
        """Sample the database gauges unless they were sampled less than ``sample_every``
        seconds ago; a failure is logged (once until it recovers) and leaves them as
        they were."""
        async with self._sample_lock:
            now = self._clock()
            if self._sampled_at is not None and now - self._sampled_at < self.sample_every:
                return
            try:
                async with asyncio.timeout(self.db_timeout):
                    await self.sampler.sample()
            except Exception as exc:  # whatever the database or driver raised
                if not self._sample_failing:
                    log.warning("database gauges not sampled: %s", _describe(exc))
                self._sample_failing = True
                return
            if self._sample_failing:
                log.info("database gauges sampled again")
            self._sample_failing = False
            self._sampled_at = now

    async def _serve_health(self, _request: web.Request) -> web.Response:
        error = await self._database_error()
        database: dict[str, Any] = {"reachable": error is None}
        if error is not None:
            database["error"] = error
        body = {
            "status": "ok" if error is None else "degraded",
            "role": self.role,
            "worker_id": self.worker_id,
            "database": database,
            "uptime_seconds": round(self._clock() - self._started, 3),
        }
        return web.json_response(body, status=200 if error is None else 503)

    async def _database_error(self) -> str | None:
        try:
            async with asyncio.timeout(self.db_timeout):
                await ping(self.sessions)
        except Exception as exc:  # any failure means "not reachable"
            return _describe(exc)
        return None


def _describe(exc: BaseException) -> str:
    """The exception's class only: driver messages may quote the database URL."""
    if isinstance(exc, TimeoutError):
        return "timeout"
    return type(exc).__name__


def build_ops_server(
    config: MetricsConfig,
    metrics: Metrics,
    sessions: SessionFactory,
    *,
    role: str,
    worker_id: str | None,
) -> OpsServer | None:
    """The endpoint ``[metrics]`` asks for; None when ``port`` is 0 (off)."""
    if config.port == 0:
        return None
    return OpsServer(
        metrics, sessions, role=role, worker_id=worker_id, listen=config.listen, port=config.port
    )
