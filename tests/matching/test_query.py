"""The query language: operators, describe(), and errors with positions."""

from __future__ import annotations

import pytest

from bot.matching import Document, QueryError, QueryLimits, compile_query


def matches(query: str, title: str = "", text: str = "") -> bool:
    return compile_query(query).match(Document(title, text)) is not None


def test_bare_words_any_order_title_or_text() -> None:
    assert matches("Bourita Albares", "Albares reçoit Bourita")
    assert matches("التعليم الأولي القروي", "توسيع العرض في الوسط القروي", "لتعميم التعليم الأولي")
    assert not matches("Bourita Albares", "Bourita à Madrid")


def test_quoted_phrase_adjacent_in_order() -> None:
    assert matches('"Coupe du monde"', "", "la Coupe du monde 2030")
    assert not matches('"Coupe du monde"', "", "la Coupe d'Afrique du monde entier")
    assert not matches('"monde Coupe"', "", "la Coupe du monde")
    assert not matches('"énergie solaire"', "", "de l'énergie. Solaire")  # across sentences
    assert matches("«Coupe du monde»", "", "la Coupe du monde")  # French quotes
    assert matches("“Coupe du monde”", "", "la Coupe du monde")  # curly quotes


def test_no_typo_tolerance_inside_quotes() -> None:
    assert matches("Akhannouch", "Akhanouch défend son bilan")
    assert not matches('"Akhannouch"', "Akhanouch défend son bilan")
    assert matches('"الهجرة"', "", "تحدث عن الهجرة والتنمية")
    assert matches('"الهجرة"', "", "ملف للهجرة")  # proclitics still apply
    assert not matches('"بركان"', "", "ثوران البركان")  # the article must agree


def test_or_and_not_minus_parentheses() -> None:
    q = "(الهجرة OR المهاجرين) لفتيت"
    assert matches(q, "لفتيت يتحدث عن المهاجرين")
    assert not matches(q, "لفتيت يتحدث عن التنمية")
    assert matches("Macron -macaron", "Macron à Rabat")
    assert not matches("Macron -macaron", "Macron goûte un macaron")
    assert not matches("Macron NOT macaron", "Macron goûte un macaron")
    assert matches("Akhannouch AND Bourita", "Akhannouch et Bourita")
    assert not matches("Akhannouch AND Bourita", "Bourita seul")
    assert not matches('"Coupe du monde" -rugby', "Coupe du monde de rugby")
    assert matches("a -(b OR c)", "", "a d")
    assert not matches("a -(b OR c)", "", "a c")


def test_or_binds_tighter_than_and() -> None:
    q = compile_query("a b OR c")
    assert q.describe() == "a AND (b OR c)"
    assert matches("a b OR c", "", "a c")
    assert not matches("a b OR c", "", "c")


def test_lowercase_operators_are_words() -> None:
    q = compile_query("or and not")
    assert q.describe() == "or AND and AND not"
    assert matches("prix de l'or", "", "Le prix de l'or grimpe")


def test_title_restriction() -> None:
    assert matches("title:Macron", "Macron à Rabat", "")
    assert not matches("title:Macron", "Visite à Rabat", "Macron")
    assert matches('title:"Coupe du monde" Maroc', "La Coupe du monde", "au Maroc")
    assert matches("-title:Macron Rabat", "Visite à Rabat", "Macron")
    assert not matches("-title:Macron Rabat", "Macron à Rabat", "")


def test_near() -> None:
    text = "Bourita a reçu hier Albares à Rabat"
    assert matches("Bourita NEAR/3 Albares", "", text)
    assert not matches("Bourita NEAR/2 Albares", "", text)
    assert matches("Albares NEAR/3 Bourita", "", text)  # either order
    assert matches('"reçu hier" NEAR/0 Albares', "", text)
    assert not matches("Bourita NEAR/5 Albares", "Bourita", "Albares")  # same field only
    assert matches("Bourita near/3 Albares", "", text)  # NEAR/n in any case


def test_near_spans_only_close_pairs() -> None:
    text = "Bourita ... Albares. Rien. Bourita"
    q = compile_query("Bourita NEAR/1 Albares")
    spans = q.match(Document("", text))
    assert spans is not None
    assert [text[s.start : s.end] for s in spans] == ["Bourita", "Albares"]


def test_implicit_phrase_from_hyphen() -> None:
    q = compile_query("Béni-Mellal")
    assert q.describe() == '"Béni-Mellal"'
    assert matches("Béni-Mellal", "", "à Béni Mellal")
    assert not matches("Béni-Mellal", "", "Mellal et Béni")


def test_describe_is_readable() -> None:
    assert (
        compile_query("(الهجرة OR المهاجرين) لفتيت").describe() == "(الهجرة OR المهاجرين) AND لفتيت"
    )
    assert compile_query("Macron -macaron").describe() == "Macron AND NOT macaron"
    assert compile_query('title:"Coupe du monde"').describe() == 'title:"Coupe du monde"'
    assert compile_query("Bourita NEAR/5 Albares").describe() == "Bourita NEAR/5 Albares"
    assert compile_query("a OR b OR c").describe() == "a OR b OR c"
    assert compile_query("NOT (a OR b) c").describe() == "NOT (a OR b) AND c"


def test_terms_property() -> None:
    assert compile_query("(a OR b) c -d").terms == ("a", "b", "c")


@pytest.mark.parametrize(
    ("query", "position", "fragment"),
    [
        ("", 0, "empty"),
        ("   ", 0, "empty"),
        ('Macron "Coupe du', 7, "quote"),
        ("(Macron OR Bayrou", 0, "parenthesis"),
        ("Macron)", 6, ")"),
        ("Macron OR", 7, "OR"),
        ("OR Macron", 0, "OR"),
        ("Macron AND", 7, "AND"),
        ("AND Macron", 0, "AND"),
        ("Macron AND OR Bayrou", 7, "AND"),
        ("Macron NOT", 7, "NOT"),
        ("Macron - macaron", 7, "-"),
        ("-macaron", 0, "only excludes"),
        ("NOT macaron", 0, "only excludes"),
        ("Macron OR -macaron", 10, "alternative"),
        ("Bourita NEAR Albares", 8, "NEAR"),
        ("Bourita NEAR/x Albares", 8, "NEAR"),
        ("NEAR/3 Albares", 0, "NEAR"),
        ("Bourita NEAR/3", 8, "NEAR"),
        ("(a b) NEAR/3 c", 6, "NEAR"),
        ("a NEAR/3 b NEAR/3 c", 11, "NEAR"),
        ("a NEAR/99 b", 2, "NEAR/50"),
        ("title:", 0, "title:"),
        ("title:(a b)", 0, "title:"),
        ("()", 0, "empty"),
        ('""', 0, "quotes"),
        ("!!! ???", 0, "no words"),
    ],
)
def test_errors_point_at_the_problem(query: str, position: int, fragment: str) -> None:
    with pytest.raises(QueryError) as info:
        compile_query(query)
    assert info.value.position == position
    assert fragment.lower() in info.value.message.lower()


def test_limits() -> None:
    with pytest.raises(QueryError) as info:
        compile_query("x" * 301)
    assert info.value.position == 300
    assert "300" in info.value.message
    words = " ".join(f"w{i}" for i in range(21))
    with pytest.raises(QueryError) as info:
        compile_query(words)
    assert info.value.position == words.index("w20")
    assert "20" in info.value.message
    small = QueryLimits(max_length=10, max_terms=2)
    with pytest.raises(QueryError):
        compile_query("a b c", small)
    assert compile_query("a b", small).describe() == "a AND b"


@pytest.mark.parametrize(
    ("query", "position"),
    [
        ("(" * 200 + "Macron", 16),  # the case: a RecursionError, no answer
        ("(" * 140 + "Macron" + ")" * 140, 16),
        ("NOT " * 70 + "a b", 16 * 4),
        ("-(" * 100 + "a", 2 * 8),  # "-" then "(" : two levels each
        ("a " + "(NOT " * 50 + "b", 2 + 8 * 5),
    ],
    ids=["unclosed parens", "balanced parens", "NOT chain", "minus groups", "mixed"],
)
def test_nesting_past_the_limit_is_a_query_error(query: str, position: int) -> None:
    with pytest.raises(QueryError) as info:
        compile_query(query)
    assert info.value.key == "too_deep"
    assert info.value.params == {"limit": 16}
    assert info.value.position == position
    assert "nested too deeply" in info.value.message


def test_nesting_up_to_the_limit_compiles_and_matches() -> None:
    query = "(" * 16 + "Macron" + ")" * 16
    assert compile_query(query).match(Document("Macron à Rabat", "")) is not None
    query = "Macron " + "NOT (" * 8 + "Bayrou" + ")" * 8
    assert matches(query, "Macron et Bayrou")  # an even count of NOT: Bayrou is required
    assert not matches(query, "Macron à Rabat")
    deep = QueryLimits(max_length=10_000, max_terms=500, max_depth=3)
    with pytest.raises(QueryError):
        compile_query("((((a))))", deep)
    assert compile_query("(((a)))", deep).describe() == "a"


def test_long_operator_chains_do_not_recurse() -> None:
    """AND and OR chains are flat nodes: thousands of operands compile and match without
    nesting, so only the explicit nesting needs a limit."""
    limits = QueryLimits(max_length=100_000, max_terms=5_000)
    ors = " OR ".join(f"w{i}" for i in range(3_000))
    assert compile_query(ors, limits).match(Document("w2999", "")) is not None
    ands = "a " + " ".join(f"-w{i}" for i in range(3_000))
    assert compile_query(ands, limits).match(Document("a", "")) is not None
    nots = "a " + " ".join(f"NOT w{i}" for i in range(3_000))
    assert compile_query(nots, limits).describe().startswith("a AND NOT w0")
