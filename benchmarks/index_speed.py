"""Articles per second through MatchIndex versus the naive loop, on a synthetic load.

    python benchmarks/index_speed.py [--subs 20000] [--articles 2000] [--naive-articles 1]
                                     [--shared-articles 20]

The load (see `benchmarks/corpus.py`) is deterministic.  The index matches every article;
the naive loop (``query.match(article)`` for every query, as a pipeline without the index
would do) runs on the first ``--naive-articles`` articles only and its rate is
extrapolated; a second naive figure shares one analysis of the article between all
queries (``query.match_analyzed``), on the first ``--shared-articles`` articles, to show
what the index saves beyond re-analysis.  On the compared articles the match sets must be
identical.  Peak memory is the
process's maximum resident set size.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.corpus import articles, subscriptions
from bot.matching import Document, MatchIndex, QueryError, analyze, compile_query


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--subs", type=int, default=20_000)
    ap.add_argument("--articles", type=int, default=2_000)
    ap.add_argument("--naive-articles", type=int, default=1)
    ap.add_argument("--shared-articles", type=int, default=20)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args(argv)

    t0 = time.perf_counter()
    texts = subscriptions(args.subs, seed=args.seed)
    queries = []
    for text in texts:
        try:
            queries.append(compile_query(text))
        except QueryError as exc:  # pragma: no cover - the generator writes valid queries
            print(f"generator wrote a bad query {text!r}: {exc.message}", file=sys.stderr)
            return 1
    t1 = time.perf_counter()
    index: MatchIndex[int] = MatchIndex()
    for i, q in enumerate(queries):
        index.add(i, q)
    t2 = time.perf_counter()
    docs = [Document(a["title"], a["text"]) for a in articles(args.articles, seed=args.seed + 4)]
    words = sum(len(d.title.split()) + len(d.text.split()) for d in docs)
    per_article = words / len(docs)
    print(
        f"load: {len(queries)} subscriptions, {len(docs)} articles, {per_article:.0f} words/article"
    )
    print(f"compile: {t1 - t0:.2f} s   index build: {t2 - t1:.2f} s")

    t3 = time.perf_counter()
    results = [index.match(d) for d in docs]
    t4 = time.perf_counter()
    matched = sum(len(r) for r in results)
    index_rate = len(docs) / (t4 - t3)
    ms = (t4 - t3) / len(docs) * 1000
    print(
        f"index: {index_rate:,.1f} articles/s "
        f"({ms:.2f} ms/article, {matched / len(docs):.1f} matches/article)"
    )

    subset = docs[: max(1, min(args.naive_articles, len(docs)))]
    t5 = time.perf_counter()
    naive_results = []
    for d in subset:
        found = {}
        for i, q in enumerate(queries):
            spans = q.match(d)
            if spans is not None:
                found[i] = spans
        naive_results.append(found)
    t6 = time.perf_counter()
    naive_rate = len(subset) / (t6 - t5)

    shared_subset = docs[: max(1, min(args.shared_articles, len(docs)))]
    t7 = time.perf_counter()
    shared_results = []
    for d in shared_subset:
        ad = analyze(d)
        found = {}
        for i, q in enumerate(queries):
            spans = q.match_analyzed(ad)
            if spans is not None:
                found[i] = spans
        shared_results.append(found)
    t8 = time.perf_counter()
    shared_rate = len(shared_subset) / (t8 - t7)

    print(
        f"naive loop (query.match per query, {len(subset)} articles): {naive_rate:,.3f} articles/s"
    )
    print(
        f"naive loop sharing one analysis per article ({len(shared_subset)} articles): "
        f"{shared_rate:,.2f} articles/s"
    )
    print(f"speed-up over the naive loop: {index_rate / naive_rate:,.0f}x")
    print(f"speed-up over the shared-analysis loop: {index_rate / shared_rate:,.1f}x")

    same = all(results[k] == naive_results[k] for k in range(len(subset))) and all(
        results[k] == shared_results[k] for k in range(len(shared_subset))
    )
    print(
        f"match sets and spans identical: index = naive on {len(subset)} articles, "
        f"index = shared-analysis loop on {len(shared_subset)} articles: {same}"
    )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory (max RSS): {peak:,.0f} MiB")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
