"""Normalisation and tokenisation: one test per rule, spans, and idempotence."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.matching.normalize import fold
from bot.matching.tokens import tokenize, words


@pytest.mark.parametrize(
    ("raw", "folded"),
    [
        ("ＡＢＣ", "abc"),  # NFKC: full-width letters
        ("ﻻ", "لا"),  # NFKC: lam-alef ligature
        ("DARMANIN", "darmanin"),  # case folding
        ("Straße", "strasse"),
        ("Sécurité", "securite"),  # Latin accents
        ("Meknès", "meknes"),
        ("œuvre", "oeuvre"),
        ("الفِلاحَة", "الفلاحه"),  # Arabic diacritics (and ة)
        ("مُحَمَّد", "محمد"),  # shadda
        ("الطـاقة", "الطاقه"),  # tatweel
        ("أحمد", "احمد"),
        ("إسبانيا", "اسبانيا"),
        ("آبار", "ابار"),
        ("ٱلله", "الله"),
        ("مستشفى", "مستشفي"),  # final ى
        ("بوريطة", "بوريطه"),  # final ة
        ("مؤتمر", "موتمر"),  # ؤ
        ("رئيس", "رييس"),  # ئ
        ("الشئون", "الشوون"),  # ئو is the other spelling of ؤو
        ("الشؤون", "الشوون"),
        ("کأس", "كاس"),  # Persian kaf
        ("فوزی", "فوزي"),  # Persian yeh
        ("ڤيديو", "فيديو"),  # veh
        ("أمڭار", "امكار"),  # Moroccan ng
        ("گاز", "كاز"),  # gaf
        ("٢٠٢٦", "2026"),  # Arabic-Indic digits
        ("۲۰۲۶", "2026"),  # Persian digits
    ],
)
def test_fold_rules(raw: str, folded: str) -> None:
    assert fold(raw) == folded


def test_invisible_joiners_removed() -> None:
    assert fold("ال\u200cهجرة") == "الهجره"
    assert fold("co\u00adop") == "coop"


@given(st.text(max_size=40))
@settings(max_examples=300, deadline=None)
def test_fold_idempotent_any_text(text: str) -> None:
    once = fold(text)
    assert fold(once) == once


ARABIC = st.sampled_from(list("ابتثجحخدذرزسشصضطظعغفقكلمنهويةىأإآؤئءـًٌٍَُِّْ"))
LATIN = st.sampled_from(list("abcdefghijklmnopqrstuvwxyzéèêàçôîïüœ' -ABCDEÉÀ"))


@given(st.text(ARABIC, max_size=30), st.text(LATIN, max_size=30))
@settings(max_examples=300, deadline=None)
def test_fold_idempotent_arabic_latin(arabic: str, latin: str) -> None:
    for text in (arabic, latin, arabic + " " + latin):
        assert fold(fold(text)) == fold(text)
        assert words(" ".join(words(text))) == words(text)


def test_elisions_both_apostrophes() -> None:
    for text in ("l'éducation", "l’éducation", "L'ÉDUCATION"):
        (token,) = tokenize(text)
        assert token.norm == "education"
        assert text[token.start : token.end].lower().startswith(("é", "e"))
    assert words("d'Akhannouch qu'il jusqu'à lorsqu'on puisqu'elle n'est s'il c'est j'ai") == [
        "akhannouch",
        "il",
        "a",
        "on",
        "elle",
        "est",
        "il",
        "est",
        "ai",
    ]


def test_other_apostrophes_join_and_possessive_dropped() -> None:
    assert words("aujourd'hui O'Brien") == ["aujourdhui", "obrien"]
    assert words("Morocco's bank") == ["morocco", "bank"]


def test_punctuation_never_glues_words() -> None:
    assert words("«Coupe du monde 2030 : le Maroc sera prêt»") == [
        "coupe",
        "du",
        "monde",
        "2030",
        "le",
        "maroc",
        "sera",
        "pret",
    ]
    assert words("Béni-Mellal,Bourita-Albares/Rabat") == [
        "beni",
        "mellal",
        "bourita",
        "albares",
        "rabat",
    ]
    assert words("الرباط،الدار البيضاء؛فاس") == ["الرباط", "الدار", "البيضاء", "فاس"]


def test_numbers_keep_their_separators() -> None:
    assert words("3,5 % et 1.000 dirhams, ٣٫٥") == ["3.5", "et", "1.000", "dirhams", "3.5"]


def test_spans_cover_words_with_diacritics_and_tatweel() -> None:
    text = "قال لَفْتِيـت إن الطـاقة"
    tokens = tokenize(text)
    assert [t.norm for t in tokens] == ["قال", "لفتيت", "ان", "الطاقه"]
    assert [text[t.start : t.end] for t in tokens] == ["قال", "لَفْتِيـت", "إن", "الطـاقة"]


def test_sentence_boundary_costs_a_position() -> None:
    tokens = tokenize("énergie. Solaire")
    assert tokens[1].pos - tokens[0].pos == 2
    tokens = tokenize("énergie solaire")
    assert tokens[1].pos - tokens[0].pos == 1


def test_a_boundary_counts_once_between_words_and_never_inside_a_number() -> None:
    positions = [t.pos for t in tokenize("Prix 3.5 hausse. Le taux 1,2 ! ? baisse")]
    assert positions == [0, 1, 2, 4, 5, 6, 8]  # "." after hausse and "! ?" count once each
    positions = [t.pos for t in tokenize("à 3.5. Puis 4")]
    assert positions == [0, 1, 3, 4]  # the "." inside 3.5 is not a boundary, the next is
    positions = [t.pos for t in tokenize("un . ' . deux")]  # no word between the two
    assert positions == [0, 2]


def test_an_underscore_separates_words_and_offsets_stay_those_of_the_text() -> None:
    text = "mot_clé __init__ ليلة_القدر"
    tokens = tokenize(text)
    assert [t.norm for t in tokens] == ["mot", "cle", "init", "ليله", "القدر"]
    assert [text[t.start : t.end] for t in tokens] == ["mot", "clé", "init", "ليلة", "القدر"]


def test_capital_flags() -> None:
    cap, upper, lower = tokenize("Bourita MAP map")
    assert cap.cap and not cap.upper
    assert upper.cap and upper.upper
    assert not lower.cap
