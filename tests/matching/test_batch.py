"""Batch matching from files (python -m bot match)."""

from __future__ import annotations

import io
import json
from pathlib import Path

from bot.matching.batch import match_batch, match_jsonl


def _write(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_match_jsonl(tmp_path: Path) -> None:
    cases = _write(
        tmp_path / "cases.jsonl",
        [
            json.dumps({"id": "ح1", "query": "الهجرة", "title": "", "text": "ملف الهِجـرة", "x": 1}),
            json.dumps({"id": "c2", "query": "Macron", "title": "Bayrou", "text": ""}),
            "",
            json.dumps({"id": "c3", "query": "(a OR", "title": "a", "text": ""}),
        ],
    )
    out, err = io.StringIO(), io.StringIO()
    code = match_jsonl(cases, out, err=err)
    rows = [json.loads(line) for line in out.getvalue().splitlines()]
    assert rows[0] == {
        "id": "ح1",
        "matched": True,
        "spans": [{"field": "text", "start": 4, "end": 12}],
    }
    assert rows[1] == {"id": "c2", "matched": False, "spans": []}
    assert rows[2]["id"] == "c3" and rows[2]["matched"] is False
    assert '"ح1"' in out.getvalue()  # ensure_ascii=False
    assert code == 1
    assert ":4:" in err.getvalue() and "OR" in err.getvalue()


def test_match_jsonl_dev_set_runs_clean(tmp_path: Path) -> None:
    dev = Path(__file__).parents[1] / "data" / "matching" / "dev_matching.jsonl"
    out = io.StringIO()
    assert match_jsonl(dev, out, err=io.StringIO()) == 0
    assert len(out.getvalue().splitlines()) == 161


def test_match_batch(tmp_path: Path) -> None:
    queries = _write(
        tmp_path / "q.txt",
        ["Bourita", "", "الهجرة OR Macron", "(broken", "title:Rabat", "Akhanouch"],
    )
    articles = _write(
        tmp_path / "a.jsonl",
        [
            json.dumps({"id": "a1", "title": "Bourita à Rabat", "text": "et Akhannouch"}),
            json.dumps({"id": 2, "title": "الهجرة", "text": "Bourita"}),
            "not json",
            json.dumps({"id": "a4", "title": "", "text": "rien"}),
        ],
    )
    out, err = io.StringIO(), io.StringIO()
    code = match_batch(queries, articles, out, err=err)
    rows = [json.loads(line) for line in out.getvalue().splitlines()]
    assert rows == [
        {"id": "a1", "queries": [1, 5, 6]},
        {"id": 2, "queries": [1, 3]},
        {"id": "a4", "queries": []},
    ]
    assert code == 1
    assert "q.txt:4:" in err.getvalue()
    assert "a.jsonl:3:" in err.getvalue()


def test_match_batch_missing_file(tmp_path: Path) -> None:
    err = io.StringIO()
    code = match_batch(tmp_path / "nope.txt", tmp_path / "nope.jsonl", io.StringIO(), err=err)
    assert code == 2
    assert "nope.txt" in err.getvalue()
