"""An exported row's excerpt: the first match of an article known to match, found by a
whole-word search for a query of single words, else by the matcher (lead, then whole)."""

from __future__ import annotations

from bot.matching import QueryLimits, Span, compile_query
from bot.services.excerpt_spans import first_spans, lead_of, locator

LIMITS = QueryLimits(1000, 50)


def test_a_plain_word_is_found_whole_and_never_inside_another_word() -> None:
    query = compile_query("Rabat -Casablanca", LIMITS)
    pattern = locator(query)
    assert pattern is not None
    text = "Il faut rabattre les prix. Le wali de RABAT a parlé, puis Rabat."
    spans = first_spans(query, pattern, "Titre", text, 600)
    assert spans == [Span("text", text.index("RABAT"), text.index("RABAT") + 5)]


def test_a_title_only_match_is_found_there() -> None:
    query = compile_query("Akhannouch OR Benkirane", LIMITS)
    spans = first_spans(query, locator(query), "Benkirane à Rabat", "Le texte.", 600)
    assert spans == [Span("title", 0, len("Benkirane"))]


def test_other_queries_and_other_spellings_go_through_the_matcher() -> None:
    for text_ in ['"Nasser Bourita"', "title:Bourita", "Bourita NEAR/3 Rabat", "UE"]:
        assert locator(compile_query(text_, LIMITS)) is None, text_
    query = compile_query("الرباط", LIMITS)
    filler = "كلمة أخرى في النص " * 60
    text = filler + "وصل الوزير إلى بالرباط أمس"  # a clitic: no whole-word hit
    spans = first_spans(query, locator(query), "عنوان", text, 600)
    assert spans is not None and spans[0].field == "text"
    assert text[spans[0].start : spans[0].end].endswith("الرباط")
    assert lead_of(text, 600) != text  # the lead did not have it: the whole text did


def test_the_archive_words_a_query_word_accepts_are_found_whole_too() -> None:
    """Words the archive holds that the query accepts (a clitic form, the other script)
    are located like the query's own, still never inside another word."""
    query = compile_query("Rabat", LIMITS)
    pattern = locator(query, ["بالرباط", "الرباط"])
    assert pattern is not None
    text = "قال المسؤول بالرباطية كلاما، ثم وصل الوزير بالرباط أمس."
    spans = first_spans(query, pattern, "عنوان", text, 600)
    assert spans == [Span("text", text.index("بالرباط أمس"), text.index(" أمس"))]


def test_a_word_accepted_only_with_a_capital_is_found_only_so() -> None:
    query = compile_query("الرباط", LIMITS)
    pattern = locator(query, [], ["rabat"])
    assert pattern is not None
    text = "Il faut rabat les prix ici. Le wali de Rabat a parlé."
    spans = first_spans(query, pattern, "Titre", text, 600)
    assert spans == [Span("text", text.index("Rabat"), text.index("Rabat") + 5)]
