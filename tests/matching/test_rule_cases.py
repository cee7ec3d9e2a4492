"""One case per matching rule that no other test decided: each fails when
``benchmarks/rule_mutations.py`` disables its rule (the rule's id is in the comment).

Every rule gets a unit case on the function that holds it (`related`, `corresponds`,
`arabic_stems`, `tags_compatible`) and an end-to-end case through
``compile_query(...).match(...)``.  The other rules are decided by tests/matching/test_rules.py,
test_query.py, test_normalize.py and test_dev_set.py.
"""

from __future__ import annotations

import pytest

from bot.matching import Document, compile_query
from bot.matching.derivation import forms as derived_forms
from bot.matching.fuzzy import related
from bot.matching.morph import EXACT, NISBA, arabic_stems, literal_match, tags_compatible
from bot.matching.normalize import fold
from bot.matching.translit import corresponds


def matches(query: str, text: str) -> bool:
    return compile_query(query).match(Document("", text)) is not None


# ------------------------------------------------------------------- typos (fuzzy.py)


def test_two_swapped_neighbours() -> None:  # typo.transpose
    assert related("ministre", "minsitre")
    assert matches("ministre", "le minsitre de l'Intérieur")
    assert matches("المستشفيات", "بناء المستفشيات الجديدة")


def test_a_missing_final_e() -> None:  # typo.final_e (n = 6: no other rule applies)
    assert related("hassan", "hassane")
    assert matches("Hassan", "le roi Hassane")


def test_a_missing_vowel() -> None:  # typo.vowel_indel (Latin, n = 7: not yet any letter)
    assert related("ministre", "minstre")
    assert matches("ministre", "le minstre de la Santé")


def test_a_latin_final_vowel_makes_another_name() -> None:  # typo.final_vowel
    assert not related("mansour", "mansouri")
    assert not related("lahlimi", "lahlimia")
    assert not matches("Mansouri", "Le cheikh Mansour a assisté à la finale.")
    assert matches("Mansouri", "Le ministre Mansuri a assisté à la finale.")  # not final


def test_only_transliteration_vowel_pairs() -> None:  # typo.vowel_pairs
    assert not related("macron", "micron")  # a/i is not a pair, even at n = 6
    assert not matches("Macron", "une puce gravée d'un micron")


def test_no_edit_below_five_letters() -> None:  # typo.min_length (doubled letters)
    assert not related("vile", "ville")
    assert not related("mall", "mal")
    assert not matches("vile", "la ville de Fès")
    assert not matches("mall", "le mal de dos")


# ------------------------------------------------------------------- morphology (morph.py)


def test_a_proclitic_leaves_three_letters() -> None:  # morph.min_stem
    assert arabic_stems("\u0648\u062d\u064a") == ["\u0648\u062d\u064a"]  # وحي: no و + حي
    assert not matches("حي", "وحي السماء")


def test_no_nisba_for_a_four_letter_noun() -> None:  # morph.nisba_min
    assert not tags_compatible(EXACT, NISBA, 4)
    assert tags_compatible(EXACT, NISBA, 5)
    assert not matches("الجامع", "الحرم الجامعي")  # the mosque, not the campus
    assert matches("جامعة", "الحرم الجامعي")  # the university's adjective


def test_a_quoted_definite_word_after_lam() -> None:  # morph.quoted_lam_lam
    assert literal_match(fold("اللغة"), fold("للغة"))  # ل + اللغة is written للغة
    assert matches('"اللغة"', "تدريس للغة العربية")


# ---------------------------------------------------------------- derivation (derivation.py)


def test_a_short_stem_takes_no_long_ending() -> None:  # deriv.min_stem_long
    assert "motive" not in derived_forms("mot")  # mot + ive: a stem of 3 letters
    assert not matches("mot", "Le sélectionneur motive ses joueurs")


# ----------------------------------------------------------- names across scripts (translit.py)


def test_names_of_two_consonants_do_not_cross() -> None:  # translit.min_classes
    assert not corresponds("dati", "\u0630\u0627\u062a\u064a")  # ذاتي
    assert not matches("Dati", "مشروع الحكم الذاتي")


def test_vowels_must_agree_across_scripts() -> None:  # translit.gaps
    assert not corresponds("chirac", "\u0634\u0631\u0627\u0643\u0647")  # شراكة: final ة wants a
    assert not matches("Chirac", "شراكة استراتيجية")


def test_a_silent_french_ending() -> None:  # translit.silent_final
    assert corresponds("barnier", "\u0628\u0627\u0631\u0646\u064a\u064a\u0647")  # بارنييه
    assert corresponds("bernard", "\u0628\u0631\u0646\u0627\u0631")  # برنار
    assert matches("Barnier", "بارنييه يلتقي رئيس الحكومة")
    assert matches("Bernard", "برنار يرد على الانتقادات")


def test_the_arabic_article_is_spelled_in_latin() -> None:  # translit.long_alef, alef_cluster
    assert not corresponds("lamine", "\u0627\u0644\u0627\u0645\u064a\u0646")  # الامين
    assert corresponds("elamine", "\u0627\u0644\u0627\u0645\u064a\u0646")
    assert not matches("Lamine", "الأمين العام للأمم المتحدة")
    assert corresponds("lmrabet", "\u0627\u0644\u0645\u0631\u0627\u0628\u0637")  # المرابط
    assert matches("Lmrabet", "جدد المدافع المرابط عقده مع فريقه.")  # Moroccan French: L


def test_a_word_initial_alef_carries_a_hamza() -> None:  # translit.initial_alef
    assert corresponds("orban", fold("أوربان"))  # أو faces o: the ا is only the hamza's seat
    assert matches("Orban", "أوربان يزور بروكسل")


def test_a_final_alef_maqsura_sounds_a() -> None:  # translit.maqsura
    assert corresponds("benmoussa", fold("بنموسى"))
    assert matches("Benmoussa", "بنموسى يقدم التقرير")


@pytest.mark.parametrize(
    ("text", "bold"),
    [
        ("Nadia Fettah et le fettah", ["Fettah"]),
        ("le fettah, puis Fettah", ["Fettah"]),
    ],
)
def test_only_capitalised_occurrences_cross(text: str, bold: list[str]) -> None:
    # translit.capital_each: the capital is checked occurrence by occurrence
    spans = compile_query("فتاح").match(Document("", text))
    assert spans is not None
    assert [text[s.start : s.end] for s in spans] == bold
