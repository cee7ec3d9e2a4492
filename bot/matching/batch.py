"""Batch matching from files, for ``python -m bot match``.

`match_jsonl` reads labelled cases (``{"id", "query", "title", "text", ...}`` per line, extra
fields ignored) and writes ``{"id", "matched", "spans"}`` per case.

`match_batch` reads one query per line (its id is its line number, from 1; blank lines are
skipped but counted) and articles as ``{"id", "title", "text"}`` lines, compiles every query
once into a `MatchIndex`, and writes ``{"id", "queries": [matching query ids]}`` per article.

Problems with one line (a query that does not parse, a line that is not JSON) are reported
on stderr with the line number, and the run goes on; the exit code is then 1 (0 when every
line was fine, 2 when a file cannot be read).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TextIO

from bot.matching.document import AnalyzedDocument
from bot.matching.index import MatchIndex
from bot.matching.matcher import compile_query
from bot.matching.types import Document, QueryError, QueryLimits, Span

# Batch files come from operators, not end users: allow long queries.
BATCH_LIMITS = QueryLimits(max_length=10_000, max_terms=500)


def _spans_json(spans: list[Span]) -> list[dict[str, Any]]:
    return [{"field": s.field, "start": s.start, "end": s.end} for s in spans]


def _json_lines(path: Path, err: TextIO) -> Iterator[tuple[int, dict[str, Any]]]:
    with path.open(encoding="utf-8") as fh:
        for number, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                value = json.loads(line)
            except json.JSONDecodeError as exc:
                print(f"{path}:{number}: not valid JSON: {exc.msg}", file=err)
                yield number, {}
                continue
            if not isinstance(value, dict):
                print(f"{path}:{number}: expected a JSON object", file=err)
                yield number, {}
                continue
            yield number, value


def _document(obj: dict[str, Any]) -> Document:
    return Document(str(obj.get("title") or ""), str(obj.get("text") or ""))


def match_jsonl(path: Path, out: TextIO, *, err: TextIO | None = None) -> int:
    """Match each labelled case of `path` and write one result line per case to `out`."""
    err = sys.stderr if err is None else err
    status = 0
    try:
        for number, case in _json_lines(path, err):
            if not case:
                status = 1
                continue
            if "query" not in case:
                print(f'{path}:{number}: no "query" field', file=err)
                status = 1
                continue
            spans: list[Span] | None = None
            try:
                query = compile_query(str(case["query"]), BATCH_LIMITS)
                spans = query.match(_document(case))
            except QueryError as exc:
                where = "" if exc.position is None else f" (at character {exc.position})"
                print(f"{path}:{number}: {exc.message}{where}", file=err)
                status = 1
            record = {
                "id": case.get("id", number),
                "matched": spans is not None,
                "spans": _spans_json(spans or []),
            }
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    except OSError as exc:
        print(f"{path}: {exc.strerror or exc}", file=err)
        return 2
    return status


def match_batch(queries: Path, articles: Path, out: TextIO, *, err: TextIO | None = None) -> int:
    """Match every article of `articles` against every query of `queries` via one index."""
    err = sys.stderr if err is None else err
    status = 0
    index: MatchIndex[int] = MatchIndex()
    try:
        with queries.open(encoding="utf-8") as fh:
            for number, line in enumerate(fh, start=1):
                text = line.rstrip("\r\n")
                if not text.strip():
                    continue
                try:
                    index.add(number, compile_query(text, BATCH_LIMITS))
                except QueryError as exc:
                    where = "" if exc.position is None else f" (at character {exc.position})"
                    print(f"{queries}:{number}: {exc.message}{where}", file=err)
                    status = 1
        for number, article in _json_lines(articles, err):
            if not article:
                status = 1
                continue
            found = index.match_analyzed(AnalyzedDocument(_document(article)))
            record = {"id": article.get("id", number), "queries": sorted(found)}
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    except OSError as exc:
        print(f"{exc.filename or ''}: {exc.strerror or exc}", file=err)
        return 2
    return status
