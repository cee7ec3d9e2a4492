"""How often the automatic Latin ↔ Arabic name key helps, and how often it misfires.

    python benchmarks/translit_check.py [--articles 300] [--dev PATH]

Measured on data of our own (not the dev set):

* helps: the hand-written name pairs of tests/data/matching/translit_pairs.tsv, each name
  put in a sentence of the other script; recall in both directions;
* misfires, word level: every word of the benchmark vocabularies (French, English and
  Arabic common and topic words, places, the check-set names) against every word of the
  other script; a pair the key joins that is not a listed name pair is a misfire;
* misfires, article level: every check-set name as a query against synthetic articles of
  the other script (benchmarks/corpus.py); a cross-script match on an article that does
  not contain the name's own spelling is a misfire.

Then the same figures on the dev set: stretch_crossscript recall and false positives of
every other category, with the key on and off.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks import corpus
from bot.matching import Document, analyze, compile_query
from bot.matching.normalize import fold, is_arabic
from bot.matching.relation import NO, SHORT_NAMES, word_match

REPO = Path(__file__).resolve().parents[1]
PAIRS = REPO / "tests" / "data" / "matching" / "translit_pairs.tsv"
DEV = REPO.parent / "shared" / "eval" / "dev_matching.jsonl"
DEV_FALLBACK = REPO / "tests" / "data" / "matching" / "dev_matching.jsonl"


def load_pairs(path: Path = PAIRS) -> list[tuple[str, str, str]]:
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            latin, arabic, kind = line.split("\t")
            out.append((latin, arabic, kind))
    return out


def pair_recall(pairs: list[tuple[str, str, str]]) -> tuple[int, int, list[str]]:
    """(Latin→Arabic hits, Arabic→Latin hits, misses)"""
    la = al = 0
    misses = []
    for latin, arabic, _ in pairs:
        to_ar = compile_query(latin).match(Document("", f"وقال {arabic} إن الوضع")) is not None
        to_la = compile_query(arabic).match(Document("", f"Selon {latin}, la")) is not None
        la += to_ar
        al += to_la
        if not (to_ar and to_la):
            misses.append(
                f"{latin}/{arabic}" + ("" if to_ar else " L→A") + ("" if to_la else " A→L")
            )
    return la, al, misses


def _cross_only(query: str, text: str) -> bool:
    q, t = fold(query), fold(text)
    return (
        word_match(q, t, False, False, SHORT_NAMES) != NO
        and word_match(q, t, False, False, False) == NO
    )


def word_misfires(pairs: list[tuple[str, str, str]]) -> tuple[int, int, list[str]]:
    latin_words = set(corpus.FR_COMMON + corpus.FR_TOPICS + corpus.EN_COMMON + corpus.EN_TOPICS)
    latin_words |= set(corpus.LATIN_PLACES) | {p[0] for p in pairs}
    arabic_words = set(corpus.AR_COMMON + corpus.AR_TOPICS + corpus.AR_PLACES)
    arabic_words |= {p[1] for p in pairs}
    true_pairs = {(fold(a), fold(b)) for a, b, _ in pairs}
    tried = fired = 0
    examples: list[str] = []
    for lw in sorted(latin_words):
        for aw in sorted(arabic_words):
            if not lw.isalpha() or not is_arabic(fold(aw)):
                continue
            tried += 2
            key = (fold(lw), fold(aw))
            for q, t in ((lw, aw), (aw, lw)):
                if key not in true_pairs and _cross_only(q, t):
                    fired += 1
                    if len(examples) < 60:
                        examples.append(f"{q} → {t}")
    return fired, tried, examples


def article_misfires(
    pairs: list[tuple[str, str, str]], n_articles: int
) -> tuple[int, int, int, list[str]]:
    """(misfires, true cross-script hits, query×article trials, examples)"""
    docs = [Document(a["title"], a["text"]) for a in corpus.articles(n_articles, seed=99)]
    arabic_docs = [analyze(d) for d in docs if is_arabic(fold(d.title + d.text)[:40])]
    latin_docs = [analyze(d) for d in docs if not is_arabic(fold(d.title + d.text)[:40])]
    spellings: dict[str, set[str]] = {}
    for latin, arabic, _ in pairs:
        spellings.setdefault(latin, set()).add(arabic)
        spellings.setdefault(arabic, set()).add(latin)
    misfires = hits = trials = 0
    examples: list[str] = []
    for query, owns in spellings.items():
        pool = latin_docs if is_arabic(fold(query)) else arabic_docs
        cross = compile_query(query)
        same = [compile_query(own, names_across_scripts=False) for own in sorted(owns)]
        for d in pool:
            trials += 1
            spans = cross.match_analyzed(d)
            if spans is None:
                continue
            if any(s.match_analyzed(d) is not None for s in same):
                hits += 1
            else:
                misfires += 1
                if len(examples) < 15:
                    doc = d.document
                    words = [doc.field(s.field)[s.start : s.end] for s in spans]
                    examples.append(f"{query} → {', '.join(dict.fromkeys(words))}")
    return misfires, hits, trials, examples


def common_word_misfires(n_articles: int) -> tuple[int, int, int, list[str]]:
    """Topic words of one script as queries against articles of the other script:
    (queries × articles, matches, distinct queries that ever matched, examples)."""
    docs = [Document(a["title"], a["text"]) for a in corpus.articles(n_articles, seed=5)]
    arabic_docs = [analyze(d) for d in docs if is_arabic(fold(d.title + d.text)[:40])]
    latin_docs = [analyze(d) for d in docs if not is_arabic(fold(d.title + d.text)[:40])]
    words = sorted(set(corpus.FR_TOPICS + corpus.EN_TOPICS + corpus.AR_TOPICS))
    trials = matched = 0
    firing: dict[str, set[str]] = {}
    for word in words:
        pool = latin_docs if is_arabic(fold(word)) else arabic_docs
        query = compile_query(word)
        for d in pool:
            trials += 1
            spans = query.match_analyzed(d)
            if spans is not None:
                matched += 1
                doc = d.document
                firing.setdefault(word, set()).update(
                    doc.field(s.field)[s.start : s.end] for s in spans
                )
    examples = [f"{w} → {', '.join(sorted(v))}" for w, v in sorted(firing.items())]
    return trials, matched, len(firing), examples


def dev_effect(path: Path) -> list[str]:
    cases = [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]
    lines = []
    for flag in (True, False):
        cross_hits = cross_total = fps = negatives = 0
        for c in cases:
            doc = Document(c["title"], c["text"])
            got = compile_query(c["query"], names_across_scripts=flag).match(doc) is not None
            if c["category"] == "stretch_crossscript":
                cross_total += 1
                cross_hits += got
            elif not c["expect"]:
                negatives += 1
                fps += got
        lines.append(
            f"  key {'on ' if flag else 'off'}: stretch_crossscript recall "
            f"{cross_hits}/{cross_total}, false positives elsewhere {fps}/{negatives}"
        )
    return lines


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--articles", type=int, default=300)
    ap.add_argument("--dev", type=Path)
    args = ap.parse_args(argv)
    pairs = load_pairs()
    la, al, misses = pair_recall(pairs)
    n = len(pairs)
    print(f"check set: {n} name pairs ({PAIRS.name})")
    print(f"  helps: Latin query → Arabic text {la}/{n} ({la / n:.0%}), ", end="")
    print(f"Arabic query → Latin text {al}/{n} ({al / n:.0%})")
    print("  missed:", "; ".join(misses))
    fired, tried, examples = word_misfires(pairs)
    print(
        f"word-level misfires: {fired} of {tried:,} cross-script word pairs ({fired / tried:.4%})"
    )
    for e in examples:
        print("   ", e)
    mis, hits, trials, art_examples = article_misfires(pairs, args.articles)
    print(
        f"article-level: {trials:,} name-query × article trials: {hits} true cross-script "
        f"matches, {mis} misfires ({mis / trials:.4%} of trials)"
    )
    for e in art_examples:
        print("   ", e)
    trials, matched, queries, cw_examples = common_word_misfires(args.articles)
    print(
        f"topic words as queries against articles of the other script: {trials:,} trials, "
        f"{matched} matches ({matched / trials:.4%}) from {queries} distinct words:"
    )
    for e in cw_examples:
        print("   ", e)
    dev = args.dev or (DEV if DEV.exists() else DEV_FALLBACK)
    print(f"dev set ({dev}):")
    for line in dev_effect(dev):
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
