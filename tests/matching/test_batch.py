"""Batch matching: from files (python -m bot match), and MatchIndex against each query."""

from __future__ import annotations

import io
import json
from pathlib import Path

from benchmarks.batch_load import load
from bot.matching import (
    Aliases,
    CompiledQuery,
    Document,
    MatchIndex,
    Span,
    analyze,
    compile_query,
)
from bot.matching.batch import match_batch, match_jsonl
from bot.matching.normalize import is_arabic
from bot.matching.tokens import words


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


# ------------------------------------------------- the index against each query's own match


def _rule_words(query: CompiledQuery, doc: Document, spans: list[Span]) -> set[str]:
    """Folded words of the matched spans that the query does not spell literally."""
    asked = set(words(query.text))
    found: set[str] = set()
    for span in spans:
        field = doc.title if span.field == "title" else doc.text
        found.update(w for w in words(field[span.start : span.end]) if w not in asked)
    return found


def test_index_gives_each_querys_own_results_on_the_alerting_workload() -> None:
    """MatchIndex (candidate keys, rejection, shared evaluation) must give exactly what each
    compiled query's own `match` gives, spans included, on the benchmark's workload shape:
    rare names, common topics, boolean queries, typos, proclitics, both scripts, aliases."""
    texts, raw = load(500, 40, seed=3)
    aliases = Aliases([("Laftit", "لفتيت", "Lafdit"), ("Bourita", "بوريطة")])
    index: MatchIndex[int] = MatchIndex(aliases=aliases)
    queries: dict[int, CompiledQuery] = {}
    for i, text in enumerate(texts):
        queries[i] = compile_query(text, aliases=aliases)
        index.add(i, compile_query(text))  # the index recompiles it against its aliases
    by_rule = {"proclitic": 0, "latin variant": 0, "across scripts": 0}
    matched = 0
    for n, article in enumerate(raw):
        doc = Document(article["title"], article["text"])
        if n % 8 == 0:  # every query's own match(), analysing the article each time
            expected = {k: s for k, q in queries.items() if (s := q.match(doc)) is not None}
        else:  # the same, sharing one analysis of the article between the queries
            analysed = analyze(doc)
            expected = {
                k: s for k, q in queries.items() if (s := q.match_analyzed(analysed)) is not None
            }
        assert index.match(doc) == expected, n
        matched += len(expected)
        for key, spans in expected.items():
            latin_query = not any(map(is_arabic, words(queries[key].text)))
            for word in _rule_words(queries[key], doc, spans):
                if is_arabic(word):
                    by_rule["across scripts" if latin_query else "proclitic"] += 1
                else:
                    by_rule["latin variant"] += 1
    assert matched > 200, matched  # the comparison is not vacuous
    assert min(by_rule.values()) >= 5, by_rule  # matches made by the rules, not literally
