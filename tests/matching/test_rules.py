"""Word-matching rules: proclitics, inflection, typos, acronyms, names across scripts,
aliases, and spans."""

from __future__ import annotations

import pytest

from bot.matching import (
    AliasError,
    Aliases,
    Document,
    MatchIndex,
    Span,
    compile_query,
    parse_alias,
)
from bot.matching.fuzzy import keys as fuzzy_keys
from bot.matching.fuzzy import related
from bot.matching.normalize import fold


def matches(query: str, text: str, title: str = "") -> bool:
    return compile_query(query).match(Document(title, text)) is not None


def bolded(query: str, text: str) -> list[str]:
    spans = compile_query(query).match(Document("", text))
    assert spans is not None, (query, text)
    return [text[s.start : s.end] for s in spans]


# --------------------------------------------------------------------- must not match


@pytest.mark.parametrize(
    ("query", "text"),
    [
        ("لفتيت", "لفتت الانتباه إلى الموضوع"),
        ("الأمن", "عين الأمين العام"),
        ("الهجرة", "التقويم الهجري"),
        ("الهجرة", "السنة الهجرية"),
        ("Macron", "des macarons au chocolat"),
        ("MAP", "a mapping of the region"),
        ("أمن", "حملة التضامن الوطني"),
        ("irrigation", "une irritation de la peau"),
        ("élèves", "élever des chèvres"),
        ("solaire", "le calendrier scolaire"),
        ("récolte", "la révolte des étudiants"),
        ("éducation", "il entame sa rééducation"),
        ("الجفاف", "حفلات الزفاف"),
        ("الفلاحة", "الملاحة البحرية"),
        ("التعليم", "التعليق الرياضي"),
        ("التعليم", "التعاليم الصوفية"),
        ("الطاقة", "البطاقة الوطنية"),
        ("الطاقة", "الطاقم التقني"),
        ("المطر", "المطار الدولي"),
        ("السدود", "الردود الغاضبة"),
        ("الغاز", "لحل الألغاز"),
        ("AI", "Post office mail delivery"),
        ("AI", "j'ai vu le film"),
        ("CAF", "la consommation de café"),
        ("bac", "les prix du tabac"),
        ("eau", "un nouveau bureau"),
        ("orge", "les gorges du Todra"),
        ("blé", "un nouveau câble"),
        ("gaz", "le gazon du stade"),
        ("قانون المالية 2026", "تنفيذ قانون المالية ٢٠٢٥"),
        ("Nasser Bourita", "Nasser Al-Khelaïfi salue la saison"),
        ("ألباريس", "زيارة إلى باريس"),
    ],
)
def test_must_not_match(query: str, text: str) -> None:
    assert not matches(query, text)


# ------------------------------------------------------------------------- must match


@pytest.mark.parametrize(
    ("query", "text"),
    [
        # proclitics, on either side
        ("الهجرة", "والهجرة"),
        ("الهجرة", "بالهجرة"),
        ("الهجرة", "للهجرة"),
        ("الهجرة", "فالهجرة"),
        ("الهجرة", "وبالهجرة"),
        ("هجرة", "الهجرة"),
        ("الهجرة", "هجرة"),
        ("بوريطة", "وبوريطة"),
        ("لقجع", "للقجع"),
        ("أخنوش", "لأخنوش"),
        ("اللغة", "للغة"),
        # orthography
        ("الشؤون الخارجية", "وزير الشئون الخارجية"),
        ("مسؤول", "مسئول"),
        ("الاستثمار", "الإستثمار"),
        ("كأس العالم", "کاس العالم"),
        ("الموسم الفلاحي", "الموسم الفلاحى"),
        ("بوريطة", "بوريطه"),
        # case and accents
        ("secheresse", "La SÉCHERESSE"),
        ("Énergie", "energie"),
        # elisions
        ("l'éducation", "l’éducation nationale"),
        ("agriculture", "l'agriculture"),
        ("Akhannouch", "l'exécutif d'Akhannouch"),
        # inflection
        ("agriculteur", "les agriculteurs"),
        ("sécheresses", "la sécheresse"),
        ("bureau", "les bureaux"),
        ("journal", "les journaux"),
        ("policy", "new policies"),
        ("knife", "hundreds of knives"),
        ("thief", "the thieves fled"),
        ("فلاح", "الفلاحين"),
        ("الفلاحة", "القطاع الفلاحي"),
        ("التعليم", "مؤسسات تعليمية"),
        ("الهجرة", "الهجرات"),
        # typos that grow with length
        ("Akhannouch", "Akhanouch"),
        ("Retailleau", "Retaileau"),
        ("Darmanin", "Darmannin"),
        ("Fettah", "Fetah"),
        ("Lekjaa", "Lakjaa"),
        ("agriculture", "Agriculure"),
        ("sécheresse", "sécherese"),
        ("بوريطة", "بوريطا"),
        ("دارمانان", "دارمانين"),
        ("التساقطات", "التساقاطات"),
        ("mondial", "mondiale"),
        # acronyms in capitals
        ("AI", "advances in AI"),
        ("MAP", "selon la MAP"),
        ("map", "selon la MAP"),
    ],
)
def test_must_match(query: str, text: str) -> None:
    assert matches(query, text)


# Pairs of words (query side, article side, after normalisation) one typo rule relates:
# each rule of bot/matching/fuzzy.py has a pair here that only it relates.
RELATED = [
    ("fettah", "fetah"),  # doubled letters
    ("akhannouch", "akhanouch"),  # doubled letters
    ("retailleau", "retaileau"),  # doubled letters
    ("بوريطه", "بوريطا"),  # final ة/ه ↔ ا
    ("lekjaa", "lakjaa"),  # a vowel for a vowel
    ("دارمانان", "دارمانين"),  # a vowel for a vowel (Arabic)
    ("ministre", "minsitre"),  # two neighbouring letters swapped
    ("مستشفيات", "مستفشيات"),  # two neighbouring letters swapped (Arabic)
    ("hassan", "hassane"),  # a missing or extra final e
    ("تساقطات", "تساقاطات"),  # a missing or extra vowel (an Arabic long letter)
    ("ministre", "minstre"),  # a missing or extra Latin vowel at n = 7
    ("agriculture", "agriculure"),  # a missing or extra letter
    ("confidentiel", "confidentiql"),  # any letter replaced, n >= 11
]

# Pairs no rule relates: one edit too many, an edit below its length, or a guard.
UNRELATED = [
    ("irrigation", "irritation"),  # a consonant replaced at n = 10
    ("lekja", "lekjo"),  # a/o is not a transliteration pair
    ("2026", "2025"),  # digits
    ("bouirta", "boruita"),  # two edits
    ("لفتيت", "لفتت"),  # a vowel dropped at n = 4
    ("solaire", "scolaire"),  # a consonant added at n = 7
    ("education", "reeducation"),  # never on the first letter
    ("typique", "atypique"),  # never on the first letter
    ("hassan", "hassna"),  # swapped at n = 6
]


@pytest.mark.parametrize(("a", "b"), RELATED)
def test_related_words_share_a_key(a: str, b: str) -> None:
    assert related(a, b)
    assert related(b, a)
    assert set(fuzzy_keys(a, len(a))) & set(fuzzy_keys(b, len(b)))


@pytest.mark.parametrize(("a", "b"), UNRELATED)
def test_unrelated_words(a: str, b: str) -> None:
    assert not related(a, b)
    assert not related(b, a)


# ----------------------------------------------------------------- names across scripts


@pytest.mark.parametrize(
    ("query", "title"),
    [
        ("Akhannouch", "أخنوش يترأس اجتماعا"),
        ("أخنوش", "Aziz Akhannouch plaide"),
        ("Bourita", "وبوريطة يستقبل"),
        ("بوريطة", "Bourita says"),
        ("Darmanin", "دارمانان يدعو"),
        ("لقجع", "Fouzi Lekjaa : les stades"),
        ("Fettah", "نادية فتاح: النمو"),
        ("Berkane", "بركان: انطلاق الموسم"),
        ("Macron", "ماكرون في الرباط"),
        ("Laftit", "لفتيت أمام البرلمان"),
    ],
)
def test_names_cross_scripts(query: str, title: str) -> None:
    assert matches(query, "", title)
    q = compile_query(query, names_across_scripts=False)
    assert q.match(Document(title, "")) is None


def test_arabic_name_needs_a_capitalised_latin_word() -> None:
    assert matches("فتاح", "Nadia Fettah a dit")
    assert not matches("فتاح", "le fettah")
    assert not matches("Fettah", "فتح تحقيق")  # consonants only: no vowel support


# --------------------------------------------------------------------------- aliases


def test_aliases_apply_to_words_and_phrases() -> None:
    aliases = Aliases([("Laftit", "لفتيت", "Lafdit"), ("Abdelouafi Laftit", "عبد الوافي لفتيت")])
    q = compile_query("Lafdit", aliases=aliases)
    assert q.describe() == "(Lafdit OR Laftit OR لفتيت)"
    assert q.match(Document("", "قال لفتيت")) is not None
    q = compile_query("Abdelouafi Laftit", aliases=aliases, names_across_scripts=False)
    assert q.match(Document("", "عبد الوافي لفتيت في البرلمان")) is not None
    assert q.match(Document("", "Laftit et Abdelouafi")) is not None
    q = compile_query('"Laftit"', aliases=aliases, names_across_scripts=False)
    assert q.match(Document("", "وزير الداخلية لفتيت")) is not None


def test_alias_groups_merge_and_remove() -> None:
    aliases = Aliases([("a1", "b1"), ("b1", "c1"), ("x", "y")])
    assert len(aliases) == 2
    assert set(aliases.groups[0]) == {"a1", "b1", "c1"}
    smaller = aliases.remove("y")
    assert len(smaller) == 1
    assert aliases.add(["y", "z"]) == Aliases([("a1", "b1", "c1"), ("x", "y", "z")])
    assert Aliases([("الهجرة", "هجرة")]) == Aliases()  # the same entry twice is no group


def test_index_recompiles_when_aliases_change() -> None:
    index: MatchIndex[str] = MatchIndex(aliases=Aliases())
    index.add("s", compile_query("Lafdit", names_across_scripts=False))
    doc = Document("", "Laftit à Rabat")
    assert index.match(doc) == {}
    index.set_aliases(Aliases([("Laftit", "Lafdit")]))
    assert set(index.match(doc)) == {"s"}
    index.add("t", compile_query("Laftit"))  # compiled without aliases: the index applies its own
    assert set(index.match(Document("", "Lafdit"))) == {"s", "t"}


@pytest.mark.parametrize(
    ("command", "entries"),
    [
        ("/alias Laftit = لفتيت = Lafdit", ("Laftit", "لفتيت", "Lafdit")),
        ("/alias@RasdBot  Bourita=بوريطة", ("Bourita", "بوريطة")),
        ("Abdelouafi Laftit = عبد الوافي لفتيت", ("Abdelouafi Laftit", "عبد الوافي لفتيت")),
        ("/alias A = a = B", ("A", "B")),
    ],
)
def test_parse_alias(command: str, entries: tuple[str, ...]) -> None:
    assert parse_alias(command) == entries


@pytest.mark.parametrize(
    ("command", "position"),
    [
        ("/alias", 6),
        ("/alias Laftit", 6),
        ("/alias Laftit = ", 16),
        ("/alias Laftit == لفتيت", 15),
        ('/alias "Laftit" = لفتيت', 7),
        ("/alias Laftit OR Lafdit = لفتيت", 14),
        ("/alias -Laftit = لفتيت", 7),
        ("/alias Laftit = laftit", 6),
        ("/alias !!! = لفتيت", 7),
    ],
)
def test_parse_alias_errors(command: str, position: int) -> None:
    with pytest.raises(AliasError) as info:
        parse_alias(command)
    assert info.value.position == position
    assert info.value.message


# ----------------------------------------------------------------------------- spans


def test_spans_cover_the_original_words() -> None:
    text = "قال لَفْتِيـت إن والهِجْـرَة مستمرة"
    assert bolded("لفتيت الهجرة", text) == ["لَفْتِيـت", "والهِجْـرَة"]
    text = "Le bilan d’Akhannouch et de l'exécutif"
    assert bolded("Akhannouch", text) == ["Akhannouch"]
    text = "la Coupe du monde, puis la Coupe du monde"
    assert bolded('"Coupe du monde"', text) == ["Coupe du monde", "Coupe du monde"]
    text = "à Béni-Mellal"
    assert bolded("Béni Mellal", text) == ["Béni", "Mellal"]
    assert bolded('"Béni Mellal"', text) == ["Béni-Mellal"]


def test_spans_fields_and_order() -> None:
    q = compile_query("(énergie OR électricité) Akhannouch -prison")
    text = "alimentée en électricité et en énergie"
    doc = Document("Akhannouch inaugure", text)
    e1, e2 = text.index("électricité"), text.index("énergie")
    assert q.match(doc) == [
        Span("title", 0, 10),
        Span("text", e1, e1 + len("électricité")),
        Span("text", e2, e2 + len("énergie")),
    ]


def test_negative_terms_give_no_spans() -> None:
    spans = compile_query("Bourita -Madrid").match(Document("", "Bourita à Rabat"))
    assert spans == [Span("text", 0, 7)]


def test_fold_is_applied_to_alias_entries() -> None:
    assert fold("LAFTIT") == "laftit"
