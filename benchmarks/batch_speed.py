"""Articles per second through MatchIndex at 20,000 subscriptions, on the alerting workload.

    python benchmarks/batch_speed.py [--subs 20000] [--articles 600] [--sample 30]
                                     [--repeat 3]

The load is `benchmarks.batch_load` (most subscriptions are names the article does not
contain; about 150 match each article).  Printed, all measured in this run:

* compile time, and memory per subscription (what compiling and indexing the whole set
  allocates, traced with ``tracemalloc``, divided by the number of subscriptions);
* the physical limit: one pass over each article's tokens (tokenise and analyse it, the
  `AnalyzedDocument` every matcher needs), in articles/s;
* the index, marginal (compile excluded, after one warm-up pass over the articles): each
  article analysed then matched, ``--repeat`` passes, fastest and median; the share of it
  that is matching alone; and the garbage collector's part of those passes; all twice,
  with Python's default collector and then with the settings the bot runs with
  (`bot.heap.settle`, after the warm-up as the bot after loading its subscriptions);
* the baseline: each article analysed once and every query's ``match_analyzed`` asked
  about that analysis, on the first ``--sample`` articles; the index timed on those same
  articles; the ratio.  Their match sets and spans must be identical (exit code 1 if not).

Times are this process's CPU time (``time.process_time``): the machine is shared, and
wall time would count the other processes' turns.  Compare the ratios, which are measured
side by side in one run.  To compare two checkouts, run them one right after the other with
the same ``PYTHONHASHSEED``, so that both walk their sets in the same order, and more than
once: on the shared machine one checkout's figures move by a third from run to run.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.batch_load import load
from bot import heap
from bot.matching import CompiledQuery, Document, MatchIndex, analyze, compile_query
from bot.matching.relation import clear_caches
from bot.matching.types import Span

Found = dict[int, list[Span]]


def build(texts: list[str]) -> tuple[list[CompiledQuery], MatchIndex[int]]:
    queries = [compile_query(text) for text in texts]
    index: MatchIndex[int] = MatchIndex()
    for i, query in enumerate(queries):
        index.add(i, query)
    return queries, index


class GcTime:
    """CPU time spent in the garbage collector's collections while active, per generation."""

    def __init__(self) -> None:
        self.seconds = [0.0, 0.0, 0.0]
        self.count = [0, 0, 0]
        self._start = 0.0

    def __enter__(self) -> GcTime:
        gc.callbacks.append(self._tick)
        return self

    def __exit__(self, *exc: object) -> None:
        gc.callbacks.remove(self._tick)

    def _tick(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._start = time.process_time()
        else:
            self.seconds[info["generation"]] += time.process_time() - self._start
            self.count[info["generation"]] += 1


def memory_per_subscription(texts: list[str]) -> float:
    """Bytes allocated (and still held) by compiling and indexing `texts`, per query."""
    clear_caches()
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    kept = build(texts)
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    del kept
    return (after - before) / len(texts)


def analysis_seconds(docs: list[Document]) -> float:
    t0 = time.process_time()
    for doc in docs:
        analyze(doc)
    return time.process_time() - t0


def index_pass(
    index: MatchIndex[int], docs: list[Document], keep: bool = False
) -> tuple[float, float, int, list[Found]]:
    """(seconds analysing, seconds matching, matches, results if `keep`) of one pass over
    `docs`.  Results are dropped as they come unless kept, as the pipeline drops them: a
    heap growing with kept results would slow the garbage collector, not the matcher."""
    analysing = matching = 0.0
    matches = 0
    results: list[Found] = []
    clock = time.process_time
    for doc in docs:
        t0 = clock()
        analysed = analyze(doc)
        t1 = clock()
        found = index.match_analyzed(analysed)
        matching += clock() - t1
        analysing += t1 - t0
        matches += len(found)
        if keep:
            results.append(found)
    return analysing, matching, matches, results


def baseline_pass(queries: list[CompiledQuery], docs: list[Document]) -> tuple[float, list[Found]]:
    """Each article analysed once, every query asked about that analysis."""
    t0 = time.process_time()
    results: list[Found] = []
    for doc in docs:
        analysed = analyze(doc)
        found: Found = {}
        for i, query in enumerate(queries):
            spans = query.match_analyzed(analysed)
            if spans is not None:
                found[i] = spans
        results.append(found)
    return time.process_time() - t0, results


def report(
    index: MatchIndex[int], docs: list[Document], repeat: int, phys: float, how: str
) -> None:
    """Time `repeat` passes of analyse + match and print them with the collector's part."""
    with GcTime() as collector:
        passes = [index_pass(index, docs) for _ in range(repeat)]
    rates = [len(docs) / (a + m) for a, m, _, _ in passes]
    match_only = [len(docs) / m for _, m, _, _ in passes]
    matches = passes[-1][2] / len(docs)
    best, median = max(rates), statistics.median(rates)
    print(f"{how}:")
    print(
        f"  index, analyse + match: {best:,.0f} articles/s best, {median:,.0f} median of "
        f"{repeat} ({1000 / best:.2f} ms/article, {matches:.0f} matches/article): "
        f"{phys / best:.1f}x the physical limit's time"
    )
    print(
        f"  index, matching alone (article analysed): {max(match_only):,.0f} articles/s best, "
        f"{statistics.median(match_only):,.0f} median"
    )
    seen = len(docs) * repeat
    print(
        f"  of those passes, the garbage collector: {collector.count[2]} full collections, "
        f"{collector.seconds[2] / seen * 1000:.2f} ms/article; younger generations "
        f"{sum(collector.seconds[:2]) / seen * 1000:.2f} ms/article"
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--subs", type=int, default=20_000)
    ap.add_argument("--articles", type=int, default=600)
    ap.add_argument("--sample", type=int, default=30)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args(argv)

    texts, raw = load(args.subs, args.articles, seed=args.seed)
    docs = [Document(a["title"], a["text"]) for a in raw]
    words = sum(len(d.title.split()) + len(d.text.split()) for d in docs) / len(docs)
    print(
        f"load: {len(texts):,} subscriptions ({len(set(texts)):,} distinct), "
        f"{len(docs)} articles, {words:.0f} words/article"
    )
    per_sub = memory_per_subscription(texts)
    clear_caches()
    t0 = time.process_time()
    queries, index = build(texts)
    compile_s = time.process_time() - t0
    print(f"compile and index: {compile_s:.2f} s; memory {per_sub / 1024:.2f} KiB/subscription")

    index_pass(index, docs)  # warm-up: word caches, re-planning on the observed articles
    limit = [len(docs) / analysis_seconds(docs) for _ in range(args.repeat)]
    phys = max(limit)
    print(f"physical limit (tokenise + analyse only): {phys:,.0f} articles/s")
    report(index, docs, args.repeat, phys, "with Python's default collector (700, 10, 10)")
    heap.settle()
    report(
        index, docs, args.repeat, phys, f"as the bot runs (bot.heap.settle: {gc.get_threshold()})"
    )

    sample = docs[: max(1, min(args.sample, len(docs)))]
    base_s, base_results = baseline_pass(queries, sample)
    analysing, matching, _, sample_results = index_pass(index, sample, keep=True)
    index_s = analysing + matching
    print(
        f"baseline, analyse once + every query ({len(sample)} articles): "
        f"{len(sample) / base_s:,.1f} articles/s; index on the same articles: "
        f"{len(sample) / index_s:,.1f} articles/s: {base_s / index_s:,.1f}x faster"
    )
    same = sample_results == base_results
    print(f"match sets and spans identical to the baseline on {len(sample)} articles: {same}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
