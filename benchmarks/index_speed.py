"""Articles per second through MatchIndex versus the analyse-once loop, on a synthetic load.

    python benchmarks/index_speed.py [--subs 20000] [--articles 2000] [--sample 30]

The load (see `benchmarks/corpus.py`) is deterministic.  The index matches every article
(each analysed, then matched; a first pass warms the word caches and is not timed).  The
baseline is what a pipeline without the index would do at best: analyse each article once
and ask every query about that analysis (``query.match_analyzed``).  It runs on the first
``--sample`` articles, and the index is timed again on those same articles, so the ratio
printed compares like with like; their match sets and spans must be identical (exit code
1 if not).  Times are this process's CPU time (the machine is shared).  Peak memory is the
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

from benchmarks.batch_speed import Found, baseline_pass
from benchmarks.corpus import articles, subscriptions
from bot.matching import Document, MatchIndex, analyze, compile_query


def index_run(index: MatchIndex[int], docs: list[Document]) -> tuple[float, list[Found]]:
    t0 = time.process_time()
    results = [index.match_analyzed(analyze(d)) for d in docs]
    return time.process_time() - t0, results


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--subs", type=int, default=20_000)
    ap.add_argument("--articles", type=int, default=2_000)
    ap.add_argument("--sample", type=int, default=30)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args(argv)

    t0 = time.process_time()
    queries = [compile_query(text) for text in subscriptions(args.subs, seed=args.seed)]
    t1 = time.process_time()
    index: MatchIndex[int] = MatchIndex()
    for i, q in enumerate(queries):
        index.add(i, q)
    t2 = time.process_time()
    docs = [Document(a["title"], a["text"]) for a in articles(args.articles, seed=args.seed + 4)]
    words = sum(len(d.title.split()) + len(d.text.split()) for d in docs)
    print(
        f"load: {len(queries)} subscriptions, {len(docs)} articles, "
        f"{words / len(docs):.0f} words/article"
    )
    print(f"compile: {t1 - t0:.2f} s   index build: {t2 - t1:.2f} s")

    index_run(index, docs)  # warm-up
    seconds, results = index_run(index, docs)
    matched = sum(len(r) for r in results) / len(docs)
    print(
        f"index: {len(docs) / seconds:,.1f} articles/s "
        f"({seconds / len(docs) * 1000:.2f} ms/article, {matched:.1f} matches/article)"
    )

    sample = docs[: max(1, min(args.sample, len(docs)))]
    base_s, base_results = baseline_pass(queries, sample)
    index_s, sample_results = index_run(index, sample)
    print(
        f"on the same {len(sample)} articles: analyse-once loop over every query "
        f"{len(sample) / base_s:,.2f} articles/s, index {len(sample) / index_s:,.1f} "
        f"articles/s: the index is {base_s / index_s:,.1f}x faster"
    )
    same = sample_results == base_results
    print(f"match sets and spans identical on those {len(sample)} articles: {same}")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory (max RSS): {peak:,.0f} MiB")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
