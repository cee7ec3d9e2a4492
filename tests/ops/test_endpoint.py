"""The ops endpoint over real HTTP: /metrics after real fetches, gauges from real rows,
/health against a database that answers, refuses or hangs; and the deployment files."""

from __future__ import annotations

import asyncio
import os
import socket
import sys
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import yaml
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import delete

from bot.config import MetricsConfig, Settings
from bot.metrics import Metrics
from bot.ops.sampler import OUTBOX_STATUSES
from bot.ops.server import OpsServer, build_ops_server
from bot.sources.fetch import Fetcher
from bot.sources.fetch_errors import FetchError
from bot.sources.fetch_limits import FetchLimits
from bot.sources.http_session import create_session
from bot.storage.db import SessionFactory, create_engine, session_factory
from bot.storage.models import Chat, OutboxItem, Source
from tests.support.fakes.feed_server import FeedServer, rss_feed

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 11, 29, 10, 0, tzinfo=UTC)


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def started(server: OpsServer) -> OpsServer:
    await server.start()
    return server


async def scrape(http: aiohttp.ClientSession, server: OpsServer) -> dict[tuple[str, str], float]:
    """``/metrics`` as {(sample name, label value or ""): value}."""
    async with http.get(f"{server.url}/metrics") as resp:
        assert resp.status == 200
        assert resp.headers["Content-Type"].startswith("text/plain; version=")
        text = await resp.text()
    samples: dict[tuple[str, str], float] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            label = next(iter(sample.labels.values()), "") if len(sample.labels) == 1 else ""
            samples[(sample.name, label)] = sample.value
    return samples


async def health(http: aiohttp.ClientSession, server: OpsServer) -> tuple[int, dict[str, Any]]:
    async with http.get(f"{server.url}/health") as resp:
        return resp.status, await resp.json()


@pytest.fixture
def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


async def test_metrics_count_real_fetches_by_result(
    sessions: SessionFactory, http: aiohttp.ClientSession, server: FeedServer
) -> None:
    metrics = Metrics()
    feed = rss_feed("Feed", [{"title": "a", "link": "https://x.ma/a"}])
    server.set("/rss.xml", feed, etag='"v1"')
    limits = FetchLimits(allow_private=True, timeout=5.0)
    ops = await started(OpsServer(metrics, sessions, role="all", worker_id="w1"))
    try:
        async with create_session(limits) as client:
            fetcher = Fetcher(client, limits, metrics=metrics)
            first = await fetcher.get(server.url("/rss.xml"))
            again = await fetcher.get(server.url("/rss.xml"), etag=first.etag)
            await fetcher.get(server.url("/rss.xml"))
            with pytest.raises(FetchError):
                await fetcher.get(server.url("/missing"))
            with pytest.raises(FetchError):
                await fetcher.get("ftp://nowhere/")
        assert again.not_modified
        samples = await scrape(http, ops)
    finally:
        await ops.stop()
    assert samples[("rasd_fetches_total", "ok")] == 2
    assert samples[("rasd_fetches_total", "not_modified")] == 1
    assert samples[("rasd_fetches_total", "error")] == 2
    # The other metrics are there from the start.
    assert samples[("rasd_telegram_429_total", "")] == 0
    assert ("rasd_poll_seconds_count", "") in samples


async def test_fetcher_without_metrics_counts_nothing(
    sessions: SessionFactory, http: aiohttp.ClientSession, server: FeedServer, fetcher: Fetcher
) -> None:
    metrics = Metrics()
    server.set("/rss.xml", rss_feed("Feed", []))
    await fetcher.get(server.url("/rss.xml"))
    ops = await started(OpsServer(metrics, sessions, role="poller", worker_id="w1"))
    try:
        samples = await scrape(http, ops)
    finally:
        await ops.stop()
    assert not any(name == "rasd_fetches_total" for name, _ in samples)


def _source(n: int, *, paused: bool = False, unhealthy: bool = False) -> Source:
    return Source(
        url=f"https://s{n}.ma/",
        feed_url=f"https://s{n}.ma/rss",
        name=f"S{n}",
        interval_seconds=600,
        next_poll_at=NOW,
        created_at=NOW,
        paused=paused,
        unhealthy_since=NOW if unhealthy else None,
    )


def _row(n: int, status: str) -> OutboxItem:
    return OutboxItem(
        chat_id=1,
        article_id=None,
        kind="notice",
        payload={"key": "k", "params": {}},
        subscription_ids=[],
        spans=[],
        status=status,
        next_attempt_at=NOW,
        created_at=NOW,
        thread_id=n,  # distinct rows under uq_outbox_chat_article
    )


async def test_gauges_follow_the_rows(
    sessions: SessionFactory, http: aiohttp.ClientSession
) -> None:
    statuses = ["pending", "pending", "pending", "sending", "sent", "parked", "failed"]
    statuses += ["dropped", "interrupted"]
    async with sessions() as session, session.begin():
        session.add(Chat(id=1, language="ar", created_at=NOW))
        session.add_all([_source(1), _source(2), _source(3, unhealthy=True)])
        session.add_all([_source(4, paused=True), _source(5, paused=True, unhealthy=True)])
        await session.flush()
        session.add_all([_row(n, status) for n, status in enumerate(statuses)])
    ops = await started(OpsServer(Metrics(), sessions, role="all", worker_id="w1", sample_every=0))
    try:
        samples = await scrape(http, ops)
        depth = {s: samples[("rasd_outbox_depth", s)] for s in (*OUTBOX_STATUSES, "interrupted")}
        assert depth == {
            "pending": 3,
            "sending": 1,
            "sent": 1,
            "parked": 1,
            "failed": 1,
            "dropped": 1,
            "interrupted": 1,
        }
        assert samples[("rasd_sources", "healthy")] == 2
        assert samples[("rasd_sources", "unhealthy")] == 1
        assert samples[("rasd_sources", "paused")] == 2

        async with sessions() as session, session.begin():
            await session.execute(delete(OutboxItem).where(OutboxItem.status != "sent"))
            await session.execute(delete(Source).where(Source.paused.is_(True)))
        samples = await scrape(http, ops)
    finally:
        await ops.stop()
    assert samples[("rasd_outbox_depth", "sent")] == 1
    # Gone statuses drop to 0 rather than keeping their old counts.
    assert samples[("rasd_outbox_depth", "pending")] == 0
    assert samples[("rasd_outbox_depth", "interrupted")] == 0
    assert samples[("rasd_sources", "paused")] == 0
    assert samples[("rasd_sources", "healthy")] == 2


async def test_gauges_are_sampled_at_most_every_sample_every_seconds(
    sessions: SessionFactory, http: aiohttp.ClientSession
) -> None:
    clock = FakeClock()
    ops = OpsServer(Metrics(), sessions, role="all", worker_id="w1", sample_every=30, clock=clock)
    await ops.start()
    try:
        assert (await scrape(http, ops))[("rasd_sources", "healthy")] == 0
        async with sessions() as session, session.begin():
            session.add(_source(1))
        clock.now += 29
        assert (await scrape(http, ops))[("rasd_sources", "healthy")] == 0
        clock.now += 1
        assert (await scrape(http, ops))[("rasd_sources", "healthy")] == 1
    finally:
        await ops.stop()


async def test_health_ok_with_a_database(
    sessions: SessionFactory, http: aiohttp.ClientSession
) -> None:
    clock = FakeClock()
    ops = OpsServer(Metrics(), sessions, role="poller", worker_id="host:42:ab", clock=clock)
    await ops.start()
    try:
        clock.now += 12.5
        status, body = await health(http, ops)
    finally:
        await ops.stop()
    assert status == 200
    assert body == {
        "status": "ok",
        "role": "poller",
        "worker_id": "host:42:ab",
        "database": {"reachable": True},
        "uptime_seconds": 12.5,
    }


@pytest.fixture
async def refused_database(closed_port: int) -> AsyncIterator[SessionFactory]:
    engine = create_engine(f"postgresql+asyncpg://rasd:s3cret@127.0.0.1:{closed_port}/rasd")
    try:
        yield session_factory(engine)
    finally:
        await engine.dispose()


async def test_health_503_and_metrics_still_served_when_the_database_refuses(
    refused_database: SessionFactory, http: aiohttp.ClientSession, caplog: pytest.LogCaptureFixture
) -> None:
    metrics = Metrics()
    metrics.telegram_429.inc()
    ops = await started(OpsServer(metrics, refused_database, role="deliverer", worker_id="w2"))
    try:
        status, body = await health(http, ops)
        samples = await scrape(http, ops)
        await scrape(http, ops)
    finally:
        await ops.stop()
    assert status == 503
    assert body["status"] == "degraded"
    assert body["database"]["reachable"] is False
    assert body["database"]["error"]  # the exception class, never the URL
    assert "s3cret" not in str(body)
    assert samples[("rasd_telegram_429_total", "")] == 1
    assert not any(name == "rasd_outbox_depth" for name, _ in samples)
    warnings = [r for r in caplog.records if r.name == "bot.ops.server" and r.levelno >= 30]
    assert len(warnings) == 1  # once per failing streak, not at every scrape


@pytest.fixture
async def silent_port() -> AsyncIterator[int]:
    """A TCP port that accepts connections and never says a word."""
    held: list[asyncio.StreamWriter] = []

    async def hold(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)

    silent = await asyncio.start_server(hold, "127.0.0.1", 0)
    try:
        yield int(silent.sockets[0].getsockname()[1])
    finally:
        for writer in held:
            writer.close()
        silent.close()
        await silent.wait_closed()


async def test_health_503_when_the_database_hangs(
    silent_port: int, http: aiohttp.ClientSession
) -> None:
    engine = create_engine(f"postgresql+asyncpg://rasd@127.0.0.1:{silent_port}/rasd")
    ops = OpsServer(Metrics(), session_factory(engine), role="all", worker_id=None, db_timeout=0.3)
    await ops.start()
    try:
        started_at = asyncio.get_running_loop().time()
        status, body = await health(http, ops)
        elapsed = asyncio.get_running_loop().time() - started_at
    finally:
        await ops.stop()
        await engine.dispose()
    assert status == 503
    assert body["database"] == {"reachable": False, "error": "timeout"}
    assert elapsed < 3


async def test_build_ops_server_port_zero_is_off_else_binds_that_port(
    sessions: SessionFactory, http: aiohttp.ClientSession, closed_port: int
) -> None:
    metrics = Metrics()
    off = build_ops_server(MetricsConfig(port=0), metrics, sessions, role="all", worker_id="w")
    assert off is None
    ops = build_ops_server(
        MetricsConfig(port=closed_port), metrics, sessions, role="all", worker_id="w"
    )
    assert ops is not None
    await ops.start()
    try:
        assert ops.port == closed_port
        status, _ = await health(http, ops)
    finally:
        await ops.stop()
    assert status == 200


async def probe(tmp_path: Path, **env: str) -> tuple[int, str]:
    """``python -m bot.ops.probe`` (the container health check) with these RASD_* settings."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith("RASD_")}
    environ.update(env, PYTHONPATH=str(ROOT))
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.ops.probe",
        cwd=tmp_path,
        env=environ,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await process.communicate()
    assert process.returncode is not None
    return process.returncode, out.decode()


async def test_probe_exit_status_follows_health(
    sessions: SessionFactory,
    refused_database: SessionFactory,
    tmp_path: Path,
    closed_port: int,
) -> None:
    ok = await started(OpsServer(Metrics(), sessions, role="all", worker_id="w", port=None))
    down = await started(OpsServer(Metrics(), refused_database, role="all", worker_id="w"))
    try:
        code, out = await probe(tmp_path, RASD_METRICS__PORT=str(ok.port))
        assert (code, '"status": "ok"' in out) == (0, True)
        code, out = await probe(tmp_path, RASD_METRICS__PORT=str(down.port))
        assert (code, "HTTP 503" in out) == (1, True)
    finally:
        await ok.stop()
        await down.stop()
    code, _ = await probe(tmp_path, RASD_METRICS__PORT=str(closed_port))
    assert code == 1
    code, out = await probe(tmp_path, RASD_METRICS__PORT="0")
    assert (code, "no health endpoint" in out) == (0, True)


# ---------------------------------------------------------------- deployment files


@pytest.fixture
def compose() -> Iterator[dict[str, Any]]:
    yield yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))


def _environment(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment", {})
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {str(k): str(v) for k, v in env.items()}


def test_compose_runs_migrate_once_before_the_bot_on_a_healthy_postgres(
    compose: dict[str, Any],
) -> None:
    services = compose["services"]
    postgres = services["postgres"]
    assert postgres["image"].startswith("postgres:15")
    assert "pg_isready" in " ".join(postgres["healthcheck"]["test"])
    assert any(str(v).endswith("/var/lib/postgresql/data") for v in postgres["volumes"])
    assert set(compose["volumes"]) >= {v.split(":")[0] for v in postgres["volumes"]}

    migrate_service = services["migrate"]
    assert migrate_service["command"] == ["migrate"]
    assert migrate_service["depends_on"]["postgres"]["condition"] == "service_healthy"
    for name in ("bot", "poller", "deliverer"):
        service = services[name]
        assert service["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
        assert service["command"][0] == "run"
        assert "--role" in service["command"]
    assert services["poller"]["deploy"]["replicas"] >= 1
    assert services["deliverer"]["deploy"]["replicas"] >= 1


def test_compose_environment_names_real_settings(compose: dict[str, Any]) -> None:
    """Every RASD_* variable in compose.yaml is a key the config accepts."""
    fields = Settings.model_fields
    seen = 0
    for service in compose["services"].values():
        for name in _environment(service):
            if not name.startswith("RASD_"):
                continue
            section, _, key = name.removeprefix("RASD_").lower().partition("__")
            assert section in fields, name
            annotation = fields[section].annotation
            if key:
                assert annotation is not None and key in annotation.model_fields, name
            seen += 1
    assert seen
    bot_env = _environment(compose["services"]["bot"])
    assert bot_env["RASD_DATABASE__URL"].startswith("postgresql+asyncpg://")
    assert "BOT_TOKEN" in bot_env


def test_dockerfile_runs_the_package_as_a_non_root_user() -> None:
    lines = [
        line.strip()
        for line in (ROOT / "Dockerfile").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]
    assert lines[0].startswith("FROM python:3.11-slim")
    users = [line.split()[1] for line in lines if line.startswith("USER ")]
    assert users and users[-1] not in ("root", "0")
    assert 'ENTRYPOINT ["python", "-m", "bot"]' in lines
    assert 'CMD ["run"]' in lines
    ignored = (ROOT / ".dockerignore").read_text(encoding="utf-8").split()
    assert {".venv", ".git", "config.toml", "data"} <= {p.strip("/") for p in ignored}


def _unit(name: str) -> dict[str, list[str]]:
    """A systemd unit's settings: {"Section.Key": [values]}, comments left out."""
    settings: dict[str, list[str]] = {}
    section = ""
    for raw in (ROOT / "deploy" / name).read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            section = line.strip("[]")
            continue
        key, _, value = line.partition("=")
        settings.setdefault(f"{section}.{key.strip()}", []).append(value.strip())
    return settings


def test_systemd_units_restart_on_failure_and_read_the_token_from_a_file() -> None:
    for name in ("rasd.service", "rasd@.service"):
        unit = _unit(name)
        assert unit["Service.Restart"] == ["on-failure"]
        assert unit["Service.EnvironmentFile"] == ["/etc/rasd/rasd.env"]
        assert not any("BOT_TOKEN" in v for v in unit.get("Service.Environment", []))
        assert unit["Service.User"] == ["rasd"]
        assert unit["Install.WantedBy"] == ["multi-user.target"]
    assert _unit("rasd.service")["Service.ExecStart"] == ["/opt/rasd/.venv/bin/python -m bot run"]
    template = _unit("rasd@.service")
    assert template["Service.ExecStart"] == ["/opt/rasd/.venv/bin/python -m bot run --role %i"]
    assert template["Unit.Requires"] == ["rasd-migrate.service"]
    migrate = _unit("rasd-migrate.service")
    assert migrate["Service.Type"] == ["oneshot"]
    assert migrate["Service.ExecStart"] == ["/opt/rasd/.venv/bin/python -m bot migrate"]
