"""The README and the manual in docs/: every relative link leads somewhere, every path and
module name of the code they mention exists, and the README keeps its quick start.

``mkdocs build --strict`` (run by scripts/test.sh) checks the links between the pages of
docs/; it does not see README.md, which lies outside docs/, so the links are checked here
for every file, README included, without needing MkDocs installed. Code is named in the
manual as a path (`bot/alerts/deliver.py`, `tests/app/test_docs.py`) or a module
(`bot.ops.probe`, a logger's name); after a module moves, these names would go stale
silently, so each is checked against the tree.
"""

from __future__ import annotations

import ast
import re
import unicodedata
from pathlib import Path

import pytest

# The repository root, wherever under tests/ this file lies.
ROOT = next(d for d in Path(__file__).resolve().parents if (d / "pyproject.toml").is_file())
DOCS = ROOT / "docs"
PAGES = [ROOT / "README.md", *sorted(DOCS.glob("*.md"))]

LINK = re.compile(r"!?\[(?:[^\]\\]|\\.)*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
FENCE = re.compile(r"^\s*(```|~~~)")
INLINE_CODE = re.compile(r"`[^`]*`")
# A repository path: bot/alerts/deliver.py, bot/storage/migrations/versions/,
# tests/support/fakes/x.py.
CODE_PATH = re.compile(r"(?<![\w./-])((?:bot|tests|benchmarks|scripts|deploy)/[\w./@-]*)")
# A module name: bot.ops.probe, bot.alerts.deliver (a logger), bot.storage.models.Outbox.
MODULE_NAME = re.compile(r"(?<![\w./-])(bot(?:\.[A-Za-z_]\w*)+)")


def prose(text: str) -> list[str]:
    """The lines outside fenced code blocks (links and headings in code are not links)."""
    lines, fenced = [], False
    for line in text.splitlines():
        if FENCE.match(line):
            fenced = not fenced
            continue
        lines.append("" if fenced else line)
    return lines


def github_slug(heading: str) -> str:
    """The anchor GitHub gives a heading (what a reader of the README on GitHub follows)."""
    text = INLINE_CODE.sub(lambda m: m.group(0)[1:-1], heading).strip().lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def mkdocs_slug(heading: str) -> str:
    """The anchor Python-Markdown's toc extension gives it (what the built site uses)."""
    text = INLINE_CODE.sub(lambda m: m.group(0)[1:-1], heading)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    text = re.sub(r"[^\w\s-]", "", text).strip().lower()
    return re.sub(r"[-\s]+", "-", text)


def anchors(path: Path) -> set[str]:
    found: set[str] = set()
    for line in prose(path.read_text(encoding="utf-8")):
        match = HEADING.match(line)
        if match:
            found |= {github_slug(match.group(2)), mkdocs_slug(match.group(2))}
    return found


def relative_links(path: Path) -> list[str]:
    links = []
    for line in prose(path.read_text(encoding="utf-8")):
        for match in LINK.finditer(INLINE_CODE.sub("", line)):
            target = match.group(1)
            if not re.match(r"^[a-z][a-z0-9+.-]*:", target, re.IGNORECASE):  # http:, mailto:
                links.append(target)
    return links


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_points_to_a_file_and_anchor_that_exist(page: Path) -> None:
    broken = []
    for link in relative_links(page):
        file_part, _, anchor = link.partition("#")
        target = (page.parent / file_part).resolve() if file_part else page
        if not target.exists():
            broken.append(f"{link}: no file {target.relative_to(ROOT)}")
        elif anchor and target.suffix == ".md" and anchor not in anchors(target):
            broken.append(f"{link}: no heading with anchor #{anchor}")
    assert not broken, f"{page.relative_to(ROOT)}: " + "; ".join(broken)


def code_paths(text: str) -> set[str]:
    return {match.group(1).rstrip(".") for match in CODE_PATH.finditer(text)}


def module_names(text: str) -> set[str]:
    return {match.group(1) for match in MODULE_NAME.finditer(text)}


def missing_path(path: str) -> bool:
    target = ROOT / path
    return not (target.is_dir() if path.endswith("/") else target.exists())


def module_file(name: str) -> Path | None:
    """The file of module ``name`` (a package's ``__init__.py``), or None."""
    base = ROOT.joinpath(*name.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def missing_module(name: str) -> bool:
    """True unless ``name`` is a module, or a module followed by a name it defines at its top
    level (``bot.storage.models.Outbox``)."""
    parts = name.split(".")
    for cut in range(len(parts), 0, -1):
        found = module_file(".".join(parts[:cut]))
        if found is None:
            continue
        rest = parts[cut:]
        if not rest:
            return False
        defined = re.compile(
            rf"^(?:class|def|async def)\s+{re.escape(rest[0])}\b|^{re.escape(rest[0])}\s*[:=]",
            re.MULTILINE,
        )
        return len(rest) > 2 or not defined.search(found.read_text(encoding="utf-8"))
    return True


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_code_path_and_module_named_exists(page: Path) -> None:
    text = page.read_text(encoding="utf-8")
    stale = sorted(path for path in code_paths(text) if missing_path(path))
    stale += sorted(name for name in module_names(text) if missing_module(name))
    assert not stale, f"{page.relative_to(ROOT)} names what does not exist: " + ", ".join(stale)


def has_code(path: Path) -> bool:
    """A module holding more than its docstring (a package's ``__init__.py`` that does)."""
    body = ast.parse(path.read_text(encoding="utf-8")).body
    return any(
        not (isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)) for node in body
    )


def test_architecture_lists_every_module() -> None:
    """Every module of bot/ has its row in the architecture page's tables (a migration is
    listed with its folder), so a new or split module is found where a newcomer looks."""
    listed = code_paths((DOCS / "architecture.md").read_text(encoding="utf-8"))
    modules = sorted(
        path.relative_to(ROOT).as_posix()
        for path in (ROOT / "bot").rglob("*.py")
        if path.name != "__init__.py" or has_code(path)
    )
    unlisted = [
        module
        for module in modules
        if module not in listed
        and not (
            module.startswith("bot/storage/migrations/versions/")
            and "bot/storage/migrations/versions/" in listed
        )
    ]
    assert not unlisted, "docs/architecture.md: no row for " + ", ".join(unlisted)


def test_the_code_name_check_sees_stale_names() -> None:
    """The checker itself: it finds paths and module names, and tells stale ones."""
    sample = (
        "`bot/alerts/deliver.py` and bot/gone.py, a logger `bot.pipeline.poller`, "
        "bot.i18n.core, `bot/storage/migrations/versions/`, the bot. End, python -m bot.ops.probe"
    )
    assert code_paths(sample) == {
        "bot/alerts/deliver.py",
        "bot/gone.py",
        "bot/storage/migrations/versions/",
    }
    assert module_names(sample) == {"bot.pipeline.poller", "bot.i18n.core", "bot.ops.probe"}
    assert [p for p in sorted(code_paths(sample)) if missing_path(p)] == ["bot/gone.py"]
    assert missing_module("bot.i18n.core")
    assert not missing_module("bot.i18n")
    assert not missing_module("bot.alerts.sending.SendFailure")
    assert missing_module("bot.alerts.sending.NoSuchName")


def test_the_link_check_sees_links_and_anchors() -> None:
    """The checker itself: it would catch what it is there to catch."""
    page = ROOT / "README.md"
    assert "docs/architecture.md" in relative_links(page)
    assert "digests-and-quiet-hours" in anchors(DOCS / "delivery.md")
    assert github_slug("Telegram's limits, by construction") == "telegrams-limits-by-construction"
    assert mkdocs_slug("`/sources`") == "sources"


def test_every_page_of_docs_is_in_the_mkdocs_nav() -> None:
    config = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    listed = set(re.findall(r":\s*([\w./-]+\.md)\s*$", config, re.MULTILINE))
    assert listed == {page.name for page in DOCS.glob("*.md")}


def test_readme_is_a_front_door_with_the_quick_start() -> None:
    """The README stays short (the manual is in docs/), and its quick start keeps the two
    commands: one runs the bot on SQLite, one runs the tests (CI runs the same script)."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(readme.splitlines()) <= 250
    quick_start = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    assert "./scripts/run.sh" in quick_start
    assert "./scripts/test.sh" in quick_start
    assert "./scripts/test.sh" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")
