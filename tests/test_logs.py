from __future__ import annotations

import logging

import pytest

from bot.logs import REDACTED, configure_logging

SECRET = "555:the-bot-token"


@pytest.fixture(autouse=True)
def restore_logging() -> object:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield None
    root.handlers[:] = handlers
    root.setLevel(level)


def test_token_is_redacted_from_messages_and_tracebacks(
    capsys: pytest.CaptureFixture[str],
) -> None:
    configure_logging("INFO", [SECRET])
    log = logging.getLogger("rasd.test")
    log.info("calling https://api.example/bot%s/getMe", SECRET)
    try:
        raise RuntimeError(f"failed url /bot{SECRET}/sendMessage")
    except RuntimeError:
        log.exception("send failed")
    err = capsys.readouterr().err
    assert SECRET not in err
    assert err.count(REDACTED) == 2
    assert "send failed" in err and "RuntimeError" in err
