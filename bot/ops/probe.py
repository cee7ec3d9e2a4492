"""``python -m bot.ops.probe``: exit 0 when this machine's ``/health`` answers 200.

For container health checks (the Dockerfile's HEALTHCHECK). It reads the same settings as
``python -m bot`` (``$RASD_CONFIG`` or ``config.toml`` when present, and the environment)
and asks ``http://<metrics.listen>:<metrics.port>/health``, a wildcard address being asked
on loopback. With ``metrics.port = 0`` there is no endpoint: it says so and exits 0.
"""

from __future__ import annotations

import os
import sys
import urllib.error
import urllib.request
from collections.abc import Sequence
from pathlib import Path

from bot.config import ConfigError, load_settings

TIMEOUT = 4.0  # below the HEALTHCHECK timeout


def health_url(listen: str, port: int) -> str:
    host = {"": "127.0.0.1", "0.0.0.0": "127.0.0.1", "::": "::1"}.get(listen, listen)
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}/health"


def main(argv: Sequence[str] | None = None) -> int:
    del argv
    config = Path(os.environ.get("RASD_CONFIG", "config.toml"))
    try:
        settings = load_settings(config if config.exists() else None)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if settings.metrics.port == 0:
        print("metrics.port is 0: no health endpoint to ask")
        return 0
    url = health_url(settings.metrics.listen, settings.metrics.port)
    # No proxy: the endpoint is on this machine.
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(url, timeout=TIMEOUT) as resp:
            print(resp.read().decode("utf-8", "replace"))
    except urllib.error.HTTPError as exc:
        print(f"{url}: HTTP {exc.code} {exc.read().decode('utf-8', 'replace')}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"{url}: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
