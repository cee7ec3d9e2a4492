from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import ConfigError, load_settings

ROOT = Path(__file__).resolve().parents[2]


def write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(body, encoding="utf-8")
    return path


def test_example_config_is_valid_and_documents_every_section() -> None:
    settings = load_settings(ROOT / "config.example.toml")
    assert settings.access == "open"
    assert settings.timezone == "Africa/Casablanca"
    text = (ROOT / "config.example.toml").read_text(encoding="utf-8")
    for section in ("[telegram]", "[database]", "[polling]", "[delivery]", "[matching]"):
        assert section in text


@pytest.mark.parametrize(
    ("body", "key"),
    [
        ('acess = "open"', "acess: unknown key"),
        ('access = "closed"', "access:"),
        ('timezone = "Mars/Olympus"', "timezone:"),
        ("[polling]\nmin_interval = -1", "polling.min_interval:"),
        ("[polling]\ndefault_interval = 5\nmin_interval = 10", "polling:"),
        ('[telegram]\ntoken = "not-a-token"', "telegram.token:"),
        ('[telegram]\napi_base = "ftp://x"', "telegram.api_base:"),
        ('[database]\nurl = "mysql://x"', "database.url:"),
        ('[[sources]]\nurl = "not a url"', "sources.0.url:"),
        (
            '[polling]\nmin_interval = 60\n[[sources]]\nurl = "http://a.ma/rss"\ninterval = 5',
            "sources[0].interval",
        ),
        ('admins = ["me"]', "admins.0:"),
    ],
)
def test_bad_keys_are_named(tmp_path: Path, body: str, key: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(write(tmp_path, body))
    assert key in str(caught.value)


@pytest.mark.parametrize(
    ("base", "problem"),
    [
        ("https://api.telegram.org:99999", "its host or port cannot be read"),
        ("https://api.telegram.org:abc/bot1:SECRET", "its host or port cannot be read"),
        ("http://[::1", "its host or port cannot be read"),
        ("https://", "it has no host"),
        ("http://:8081/x", "it has no host"),
        ("https://api.telegram.org:0", "its port is 0"),
        ("https://exa mple.org", "spaces or control characters"),
        ("https://api.tele\\tgram.org", "spaces or control characters"),
        ("ftp://api.telegram.org", "does not start with http:// or https://"),
        ("api.telegram.org", "does not start with http:// or https://"),
        ("https://u:SECRET@api.telegram.org", "a user name or password"),
        ("https://api.telegram.org/?SECRET", "a query or a fragment"),
        ("https://api.telegram.org/#SECRET", "a query or a fragment"),
    ],
)
def test_api_base_must_be_a_url(tmp_path: Path, base: str, problem: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(write(tmp_path, f'[telegram]\napi_base = "{base}"'))
    message = str(caught.value)
    assert "telegram.api_base: " in message and problem in message
    assert "SECRET" not in message  # the value is never repeated: it might hold the token


@pytest.mark.parametrize(
    "base",
    ["https://api.telegram.org", "http://127.0.0.1:8081/", "http://[::1]:8081", "https://h/tg"],
)
def test_api_base_accepts_urls(tmp_path: Path, base: str) -> None:
    settings = load_settings(write(tmp_path, f'[telegram]\napi_base = "{base}"'))
    assert settings.telegram.api_base == base.rstrip("/")


def test_invalid_toml_is_reported(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_settings(write(tmp_path, "admins = [1,"))


def test_environment_overrides_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path, '[telegram]\ntoken = "1:file"\n[database]\nurl = "sqlite:///a.db"')
    monkeypatch.setenv("BOT_TOKEN", "2:env")
    monkeypatch.setenv("RASD_DATABASE__URL", "postgresql://u:p@localhost/rasd")
    settings = load_settings(path)
    assert settings.token == "2:env"
    assert settings.database.url == "postgresql+asyncpg://u:p@localhost/rasd"


def test_token_is_a_secret_in_reprs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BOT_TOKEN", raising=False)
    settings = load_settings(write(tmp_path, '[telegram]\ntoken = "42:very-secret"'))
    assert settings.token == "42:very-secret"
    assert "very-secret" not in repr(settings)
    assert "very-secret" not in str(settings.model_dump())


def run_cli(
    *args: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=cwd,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", **(env or {})},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_check_config_exits_non_zero_naming_the_key(tmp_path: Path) -> None:
    path = write(tmp_path, "[polling]\nmin_intervall = 3\n")
    result = run_cli("--config", str(path), "check-config", cwd=tmp_path)
    assert result.returncode != 0
    assert "polling.min_intervall: unknown key" in result.stderr


def test_check_config_accepts_a_good_file_without_showing_the_token(tmp_path: Path) -> None:
    path = write(tmp_path, 'admins = [1]\n[database]\nurl = "postgresql://rasd:pw@db/rasd"')
    result = run_cli(
        "--config", str(path), "check-config", cwd=tmp_path, env={"BOT_TOKEN": "9:tok"}
    )
    assert result.returncode == 0, result.stderr
    assert "config OK" in result.stdout
    assert "9:tok" not in result.stdout
    assert "pw" not in result.stdout


def test_run_without_token_says_what_to_do(tmp_path: Path) -> None:
    path = write(tmp_path, "")
    result = run_cli("--config", str(path), "run", cwd=tmp_path)
    assert result.returncode == 2
    assert "BOT_TOKEN" in result.stderr
