"""Regression: the targets on the labelled dev set hold.

Targets: F1 >= 0.97 over every category except stretch_*, recall >= 0.7 in each stretch_*
category, false positives in hard_negative <= 3 %.  One hard negative is knowingly
missed: d129 asks ``بركان`` (the city Berkane) and the article says ``البركان`` (the
volcano).  The specification requires that a bare query word match its definite form
(``هجرة`` matches ``الهجرة``; d048 ``جفاف`` → ``الجفاف`` is labelled a match), and no rule
that does not know ``بركان`` is a city can tell the two cases apart; quoting the word
(``"بركان"``) makes the article significant.  The test allows that case and no other.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from bot.matching import Document, compile_query

DEV = Path(__file__).parents[1] / "data" / "matching" / "dev_matching.jsonl"
KNOWN_CONFLICT = {"d129"}


def test_dev_set_targets() -> None:
    cases = [json.loads(line) for line in DEV.read_text(encoding="utf-8").splitlines()]
    counts: Counter[tuple[str, str]] = Counter()
    false_positives = []
    for case in cases:
        got = compile_query(case["query"]).match(Document(case["title"], case["text"]))
        hit = got is not None
        outcome = {(True, True): "tp", (True, False): "fn", (False, True): "fp"}.get(
            (case["expect"], hit), "tn"
        )
        counts[(case["category"], outcome)] += 1
        if outcome == "fp" and case["category"] == "hard_negative":
            false_positives.append(case["id"])

    def total(outcome: str, core: bool) -> int:
        return sum(
            n
            for (cat, o), n in counts.items()
            if o == outcome and core != cat.startswith("stretch_")
        )

    tp, fp, fn = total("tp", True), total("fp", True), total("fn", True)
    f1 = 2 * tp / (2 * tp + fp + fn)
    assert f1 >= 0.97, f1
    for cat in ("stretch_crossscript", "stretch_morphology"):
        recall = counts[(cat, "tp")] / (counts[(cat, "tp")] + counts[(cat, "fn")])
        assert recall >= 0.7, (cat, recall)
    assert set(false_positives) <= KNOWN_CONFLICT, false_positives


def test_quoting_resolves_the_known_conflict() -> None:
    cases = {c["id"]: c for c in map(json.loads, DEV.read_text(encoding="utf-8").splitlines())}
    case = cases["d129"]
    doc = Document(case["title"], case["text"])
    assert compile_query(f'"{case["query"]}"').match(doc) is None
