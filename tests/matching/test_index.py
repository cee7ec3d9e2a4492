"""MatchIndex against the naive loop, and properties of the matcher."""

from __future__ import annotations

import random

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from bot.matching import (
    Aliases,
    CompiledQuery,
    Document,
    MatchIndex,
    QueryError,
    analyze,
    compile_query,
    engine,
)
from bot.matching.types import Span

VOCAB = [
    # Latin: names (with typo variants), topics, short words
    "Akhannouch", "Akhanouch", "Bourita", "Bourrita", "Retailleau", "Retaileau", "Macron",
    "macarons", "Lekjaa", "Lakjaa", "sécheresse", "secheresse", "sécheresses", "énergie",
    "energies", "agriculture", "agriculteurs", "irrigation", "irritation", "MAP", "map",
    "mapping", "AI", "eau", "bureau", "Coupe", "du", "monde", "rugby", "Rabat", "Berkane",
    # Arabic: with and without proclitics, variants
    "الهجرة", "والهجرة", "هجرة", "للهجرة", "الهجري", "أخنوش", "لأخنوش", "بوريطة", "بوريطا",
    "وبوريطة", "لقجع", "للقجع", "الأمن", "الأمين", "أمن", "التضامن", "لفتيت", "لفتت",
    "الطاقة", "البطاقة", "الفلاحة", "الفلاحي", "فلاح", "الفلاحين", "التعليم", "تعليمية",
    "بركان", "البركان", "كأس", "العالم", "دارمانان", "دارمانين", "ماكرون", "2026", "٢٠٢٦",
]  # fmt: skip


def _random_query(rng: random.Random) -> str:
    def word() -> str:
        return rng.choice(VOCAB)

    kind = rng.random()
    if kind < 0.25:
        return word()
    if kind < 0.4:
        return f"{word()} {word()}"
    if kind < 0.5:
        return f'"{word()} {word()}"'
    if kind < 0.6:
        return f"({word()} OR {word()}) {word()}"
    if kind < 0.7:
        return f"{word()} -{word()}"
    if kind < 0.8:
        return f"title:{word()} {word()}"
    if kind < 0.9:
        return f"{word()} NEAR/{rng.randint(0, 3)} {word()}"
    return f'{word()} OR "{word()} {word()}" NOT ({word()} OR {word()})'


def _random_doc(rng: random.Random) -> Document:
    title = " ".join(rng.choice(VOCAB) for _ in range(rng.randint(0, 6)))
    text = ". ".join(
        " ".join(rng.choice(VOCAB) for _ in range(rng.randint(1, 8)))
        for _ in range(rng.randint(0, 5))
    )
    return Document(title, text)


def _naive(queries: dict[int, CompiledQuery], doc: Document) -> dict[int, list[Span]]:
    out = {}
    for key, q in queries.items():
        spans = q.match(doc)
        if spans is not None:
            out[key] = spans
    return out


def test_index_equals_naive_loop_on_random_queries_and_articles() -> None:
    rng = random.Random(1234)
    queries: dict[int, CompiledQuery] = {}
    for i in range(220):
        try:
            queries[i] = compile_query(_random_query(rng))
        except QueryError:
            continue  # e.g. "x OR x" alternatives that only exclude
    index: MatchIndex[int] = MatchIndex()
    for key, q in queries.items():
        index.add(key, q)
    assert len(index) == len(queries)
    matched = 0
    for step in range(80):  # past the first re-planning (after 64 articles)
        doc = _random_doc(rng)
        got = index.match(doc)
        assert got == _naive(queries, doc), (step, doc)
        matched += len(got)
        if step % 10 == 0:  # keep the index changing
            victim = rng.choice(list(queries))
            index.remove(victim)
            del queries[victim]
            new_key = 1000 + step
            queries[new_key] = compile_query(_random_query(rng))
            index.add(new_key, queries[new_key])
    assert matched > 50  # the comparison is not vacuous


def test_index_add_replace_remove() -> None:
    index: MatchIndex[str] = MatchIndex()
    index.add("a", compile_query("Bourita"))
    index.add("a", compile_query("Macron"))  # replaces
    assert len(index) == 1
    assert index.match(Document("Macron à Rabat", "")) == {"a": [Span("title", 0, 6)]}
    assert index.match(Document("Bourita à Rabat", "")) == {}
    index.remove("a")
    index.remove("missing")
    assert len(index) == 0
    assert index.match(Document("Macron", "")) == {}


def test_subscriptions_sharing_a_query_are_evaluated_once_and_answered_each() -> None:
    index: MatchIndex[str] = MatchIndex()
    for key in ("a", "b", "c"):
        index.add(key, compile_query("Bourita Rabat"))
    index.add("d", compile_query("Bourita"))
    doc = Document("Bourita à Rabat", "")
    found = index.match(doc)
    assert set(found) == {"a", "b", "c", "d"}
    assert found["a"] == found["b"] == found["c"] == [Span("title", 0, 7), Span("title", 10, 15)]
    assert found["a"] is not found["b"]  # each its own list: a caller may change one
    index.remove("b")
    index.add("c", compile_query("Macron"))  # replaced: leaves the shared query
    assert set(index.match(doc)) == {"a", "d"}
    index.remove("a")
    assert set(index.match(doc)) == {"d"}
    index.add("a", compile_query("Bourita Rabat"))
    index.replan()
    assert set(index.match(doc)) == {"a", "d"}


def test_a_candidate_missing_another_required_word_is_rejected_before_evaluation() -> None:
    index: MatchIndex[int] = MatchIndex()
    index.add(1, compile_query("Bourita NEAR/3 Rabat"))
    index.add(2, compile_query('"Nasser Bourita" -Macron'))
    only_one = analyze(Document("Bourita", "à Casablanca"))
    assert index.candidates(only_one) == set()
    both = analyze(Document("Nasser Bourita", "Bourita à Rabat"))
    assert index.candidates(both) == {1, 2}
    assert set(index.match_analyzed(both)) == {1, 2}


def test_an_or_none_of_whose_alternatives_passes_its_checks_is_rejected() -> None:
    index: MatchIndex[int] = MatchIndex()
    index.add(1, compile_query('"Nasser Bourita" OR (Lekjaa AND Rabat)'))
    halves = analyze(Document("Bourita à Casablanca", "Lekjaa à Berkane"))
    assert index.candidates(halves) == set()
    assert index.match_analyzed(halves) == {}
    second = analyze(Document("Bourita à Casablanca", "Lekjaa à Rabat"))
    assert index.candidates(second) == {1}
    assert set(index.match_analyzed(second)) == {1}


def test_new_aliases_recompile_only_the_queries_using_a_changed_group() -> None:
    """A query none of whose words is in a group that changed keeps its compiled tree (only
    the alias groups it remembers change); every query ends as a full recompilation would
    make it: same reading, same matches."""
    rng = random.Random(99)
    steps = [
        Aliases([("Laftit", "لفتيت")]),
        Aliases([("Laftit", "لفتيت", "Lafdit"), ("Bourita", "بوريطة")]),
        Aliases([("Bourita", "بوريطة"), ("Coupe du monde", "كأس العالم")]),
        Aliases([("Bourita", "بوريطة"), ("الهجرة", "migration")]),
        Aliases(),
    ]
    texts = [_random_query(rng) for _ in range(150)] + ["Laftit", "Coupe du monde", "هجرة"]
    docs = [_random_doc(rng) for _ in range(20)]
    docs.append(Document("Laftit et Lafdit", "كأس العالم، الهجرة وMigration. Bourita"))
    current = {text: compile_query(text) for text in texts if _valid(text)}
    kept = recompiled = 0
    for aliases in steps:
        for text, query in current.items():
            moved = query.with_aliases(aliases)
            full = compile_query(text, aliases=aliases)
            assert moved.aliases is aliases
            assert moved.describe() == full.describe(), (text, aliases)
            assert [moved.match(d) for d in docs] == [full.match(d) for d in docs], text
            kept += moved.root is query.root
            recompiled += moved.root is not query.root
            current[text] = moved
    assert kept > 300 and recompiled > 20  # both paths taken


def _valid(text: str) -> bool:
    try:
        compile_query(text)
    except QueryError:
        return False
    return True


# ------------------------------------------------------------------------- properties

ARABIC_LETTERS = "ابتثجحخدذرزسشصضطظعغفقكلمنهوي"
LATIN_LETTERS = "abcdefghijklmnopqrstuvwxyzéèàç"
ARABIC_WORD = st.text(st.sampled_from(ARABIC_LETTERS), min_size=2, max_size=9)
LATIN_WORD = st.text(st.sampled_from(LATIN_LETTERS), min_size=2, max_size=12).map(
    lambda w: w.capitalize() if len(w) % 3 == 0 else w
)
WORD = st.one_of(ARABIC_WORD, LATIN_WORD)


@st.composite
def positive_query(draw: st.DrawFn) -> tuple[str, list[str]]:
    """A query without NOT, and the words it is made of (in query order)."""
    parts: list[str] = []
    used: list[str] = []
    for _ in range(draw(st.integers(1, 4))):
        shape = draw(st.integers(0, 4))
        a, b = draw(WORD), draw(WORD)
        if shape == 0:
            parts.append(a)
            used.append(a)
        elif shape == 1:
            parts.append(f'"{a} {b}"')
            used += [a, b]
        elif shape == 2:
            parts.append(f"({a} OR {b})")
            used += [a, b]
        elif shape == 3:
            parts.append(f"title:{a}")
            used.append(a)
        else:
            parts.append(f"{a} NEAR/{draw(st.integers(0, 3))} {b}")
            used += [a, b]
    return " ".join(parts), used


@given(positive_query())
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_positive_query_matches_text_made_of_its_own_words(case: tuple[str, list[str]]) -> None:
    query, used = case
    try:
        compiled = compile_query(query)
    except QueryError:
        assume(False)
        raise
    text = " ".join(used)
    spans = compiled.match(Document(text, text))
    assert spans is not None
    for span in spans:
        assert 0 <= span.start < span.end <= len(text)


@given(st.lists(WORD, min_size=1, max_size=6))
@settings(max_examples=200, deadline=None)
def test_bare_words_match_in_any_order(words: list[str]) -> None:
    compiled = compile_query(" ".join(words))
    doc = Document("", " ، ".join(reversed(words)))
    assert compiled.match(doc) is not None


@given(st.lists(WORD, min_size=2, max_size=6), st.randoms(use_true_random=False))
@settings(max_examples=100, deadline=None)
def test_index_equals_naive_on_generated_words(words: list[str], rnd: random.Random) -> None:
    queries = {}
    for i in range(8):
        picked = rnd.sample(words, k=min(len(words), rnd.randint(1, 3)))
        queries[i] = compile_query(" ".join(picked))
    index: MatchIndex[int] = MatchIndex()
    for key, q in queries.items():
        index.add(key, q)
    doc = Document(" ".join(rnd.sample(words, k=len(words) // 2)), " ".join(words[::2]))
    assert index.match(doc) == _naive(queries, doc)


def test_rarity_is_measured_and_re_planning_is_spread_two_queries_an_article() -> None:
    index: MatchIndex[int] = MatchIndex()
    for i in range(6):  # filler queries: the re-plan walks through all of them
        index.add(i, compile_query(f"filler{i} extra{i}"))
    for i in range(10, 15):  # one word, or an OR of words: no choice, never re-planned
        index.add(i, compile_query(f"single{i}" if i % 2 else f"single{i} OR other{i}"))
    index.add(99, compile_query("Bourita Macron"))  # both 6+ letters: the prior ties them
    shared = index._shared_of[99]
    common, rare = ("bourita", "macron")
    assert any(common in key for key in shared.filed), shared.filed  # the first of a tie
    doc = Document("Bourita", "Bourita à Rabat")  # "macron" never appears
    for _ in range(MatchIndex.FIRST_REPLAN):
        index.match(doc)
    # the re-plan has started (measured df: bourita in every article, macron in none)
    # and moves at most REPLAN_PER_ARTICLE queries an article: 7 queries take 4 articles
    assert {id(s) for s in index._refile} <= {id(index._shared_of[k]) for k in (*range(6), 99)}
    for _ in range(3):
        index.match(doc)
    assert index._refile, "seven queries cannot be re-planned in three articles"
    index.match(doc)
    assert not index._refile
    assert any(rare in key for key in shared.filed), shared.filed
    assert not any(common in key for key in shared.filed), shared.filed


def test_queries_sharing_a_word_share_one_word_object() -> None:
    """An article's memo is keyed by the word object (see `bot.matching.evaluation`): equal
    words of different queries are one object, so the memo serves them all."""
    name_and_city = compile_query("Bourita Rabat").root
    assert isinstance(name_and_city, engine.And)
    first = name_and_city.children[0]
    alone = compile_query("Bourita").root
    assert isinstance(first, engine.Term) and isinstance(alone, engine.Term)
    assert first.single is not None and first.single is alone.single
    quoted = compile_query('"Bourita"').root  # matched literally: another word
    assert isinstance(quoted, engine.Term) and quoted.single is not alone.single
    doc = analyze(Document("", "Bourita à Rabat, إلى الرباط"))
    index: MatchIndex[int] = MatchIndex()
    index.add(1, compile_query("Bourita Rabat"))
    index.add(2, compile_query("Bourita"))
    found = index.match_analyzed(doc)
    assert set(found) == {1, 2}
    assert doc.cache[alone.single] == [(1, 0, 0)]  # memoised once, under the word
