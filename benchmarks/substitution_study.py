"""How often one replaced letter turns a frequent Arabic word into another frequent word.

    pip install -e '.[study]'
    python benchmarks/substitution_study.py [--words 50000]

The typo rules of `bot.matching.fuzzy` refuse a replaced Arabic letter below a length at
which the same edit too often makes another word.  This measures "too often" on data the
rules were never tuned on: the most frequent Arabic words of the ``wordfreq`` lists, folded
as the matcher folds them and read without proclitics (`bot.matching.morph.arabic_stems`).
For each kind of replacement and each stem length it prints the share of stems that have a
*friend*, another stem of the list one such replacement away (never the first letter, which
no rule replaces), with examples.  Inflections of one word count as friends too
(``ستساعدنا``/``سيساعدنا``), so the shares are upper bounds of the false friends.

Kinds: ``emphatic`` (ت/ط س/ص د/ض ك/ق ز/ذ, accepted from 6 letters), ``dots`` (letters
that differ only by their dots: ب/ت/ث/ن/ي, ج/ح/خ, د/ذ, ر/ز, س/ش, ص/ض, ط/ظ, ع/غ, ف/ق),
``key`` (neighbouring keys of the Arabic keyboard) and ``any`` (accepted from 11).
"""

from __future__ import annotations

import argparse
import itertools
import sys
from collections import defaultdict
from collections.abc import Iterable, Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.matching.fuzzy import EMPHATIC_PAIRS
from bot.matching.morph import arabic_stems
from bot.matching.normalize import fold, is_arabic

LENGTHS = range(4, 11)
_DOT_GROUPS = ("بتثني", "جحخ", "دذ", "رز", "سش", "صض", "طظ", "عغ", "فق")
_KEY_ROWS = ("ضصثقفغعهخحجد", "شسيبلاتنمكط", "ءؤرىةوزظ")


def _groups(groups: Iterable[Iterable[str]]) -> dict[str, set[str]]:
    out: dict[str, set[str]] = defaultdict(set)
    for group in map(set, groups):
        for letter in group:
            out[letter] |= group - {letter}
    return out


def _keys() -> dict[str, set[str]]:
    out: dict[str, set[str]] = defaultdict(set)
    for row in _KEY_ROWS:
        for a, b in itertools.pairwise(row):
            out[a].add(b)
            out[b].add(a)
    return out


def vocabulary(size: int) -> tuple[set[str], set[str]]:
    """(every reading of every word, the shortest reading of each word), folded."""
    from wordfreq import top_n_list

    readings: set[str] = set()
    shortest: set[str] = set()
    for word in top_n_list("ar", size):
        folded = fold(word)
        if not folded.isalpha() or not is_arabic(folded):
            continue
        stems = arabic_stems(folded)
        readings.update(stems)
        shortest.add(min(stems, key=len))
    return readings, shortest


def _replacements(word: str, table: dict[str, set[str]]) -> Iterator[str]:
    """`word` with one letter after the first replaced by one `table` pairs it with."""
    for i in range(1, len(word)):
        for other in sorted(table.get(word[i], ())):
            yield word[:i] + other + word[i + 1 :]


def friends(
    stems: set[str], words: set[str], table: dict[str, set[str]], n: int
) -> tuple[int, int, list[str]]:
    """(stems of length n, those with a friend, a few examples)."""
    of_length = sorted(w for w in stems if len(w) == n)
    found: list[str] = []
    count = 0
    for word in of_length:
        friend = next((c for c in _replacements(word, table) if c in words), None)
        if friend is not None:
            count += 1
            if len(found) < 3:
                found.append(f"{word}/{friend}")
    return len(of_length), count, found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--words", type=int, default=50000)
    args = parser.parse_args()
    try:
        words, stems = vocabulary(args.words)
    except ImportError:
        sys.exit("this study needs wordfreq: pip install -e '.[study]'")
    letters = set("".join(words))
    kinds = {
        "emphatic": _groups(EMPHATIC_PAIRS),  # the pairs the rule accepts
        "dots": _groups(_DOT_GROUPS),
        "key": _keys(),
        "any": {a: letters - {a} for a in letters},
    }
    print(f"{len(stems):,} stems from the {args.words:,} most frequent Arabic words")
    print(f"{'kind':9} {'n':>3} {'stems':>6} {'friends':>8} {'share':>6}  examples")
    for name, table in kinds.items():
        for n in LENGTHS:
            total, count, found = friends(stems, words, table, n)
            share = 100 * count / total if total else 0.0
            print(f"{name:9} {n:3} {total:6,} {count:8,} {share:5.1f}%  {' '.join(found)}")


if __name__ == "__main__":
    main()
