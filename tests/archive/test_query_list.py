"""The queries of one /trend: split at semicolons, Latin or Arabic, outside phrases."""

from __future__ import annotations

from bot.archive.query_list import split_queries


def test_latin_and_arabic_semicolons_separate_queries() -> None:
    assert split_queries("Akhannouch; Benkirane") == ["Akhannouch", "Benkirane"]
    assert split_queries("أخنوش؛ بنكيران") == ["أخنوش", "بنكيران"]
    assert split_queries("Rabat") == ["Rabat"]


def test_a_semicolon_inside_a_phrase_is_text() -> None:
    assert split_queries('"a; b" ; c') == ['"a; b"', "c"]
    assert split_queries("«الماء؛ والكهرباء»؛ الهجرة") == ["«الماء؛ والكهرباء»", "الهجرة"]


def test_empty_queries_are_kept_for_the_caller_to_refuse() -> None:
    assert split_queries("a;;b") == ["a", "", "b"]
    assert split_queries("a;") == ["a", ""]
