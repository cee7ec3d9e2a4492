"""The real application as a child process: ``python -m bot run`` for tests that kill it or
run several of it at once, and ``run_cli`` for one command run the way an operator runs it."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


class AppProcess:
    """``python -m bot run`` with a config file; killed with SIGKILL when asked."""

    def __init__(self, config: Path, log: Path, *args: str) -> None:
        self.config = config
        self.log = log
        self.args = args  # after ``run``, e.g. ("--role", "poller")
        self.env: dict[str, str] = {}  # added to the environment of the next start
        self.process: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("RASD_", "BOT_TOKEN"))}
        env.update(self.env)
        with self.log.open("ab") as log:
            self.process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "bot",
                "--config",
                str(self.config),
                "--log-level",
                "DEBUG",
                "run",
                *self.args,
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=log,
            )

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    async def kill(self) -> None:
        """SIGKILL: no cleanup of any kind runs in the application."""
        assert self.process is not None
        self.process.kill()
        await self.process.wait()
        self.process = None

    async def stop(self) -> None:
        if self.process is None:
            return
        self.process.terminate()
        try:
            await asyncio.wait_for(self.process.wait(), 10)
        except TimeoutError:
            self.process.kill()
            await self.process.wait()
        self.process = None


async def wait_until(
    check: Callable[[], Awaitable[bool]],
    what: str,
    timeout: float = 20.0,  # noqa: ASYNC109
) -> None:
    """Wait for a database condition the application makes true (polled, not slept on)."""
    async with asyncio.timeout(timeout):
        while not await check():  # noqa: ASYNC110 (the other process cannot notify us)
            await asyncio.sleep(0.01)
    assert await check(), what


async def run_cli(*args: str, cwd: Path, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        *args,
        cwd=cwd,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", **(env or {})},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()
