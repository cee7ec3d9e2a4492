"""Issue 14 classes 1-3, rule by rule: Arabic long vowels and hamza letters added or
dropped, emphatic/plain consonants in Arabic and sh/ch, ou/w in Latin spellings of names,
and short Arabic words taking a proclitic in company.  Each rule has a case that fails
without it and must-not-match cases for its guards."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.eval_matching import load, ours
from bot.matching import Document, MatchIndex, compile_query
from bot.matching.fuzzy import keys, related
from bot.matching.morph import text_variants
from bot.matching.normalize import fold
from bot.matching.respell import respellings


def matches(query: str, text: str) -> bool:
    return compile_query(query).match(Document("", text)) is not None


def indexed(query: str, text: str) -> bool:
    """Whether the query is found through a `MatchIndex`'s keys too, as the bot finds it."""
    index: MatchIndex[str] = MatchIndex()
    index.add("s", compile_query(query))
    return set(index.match(Document("", text))) == {"s"}


def rel(a: str, b: str) -> bool:
    return related(fold(a), fold(b))


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("بوريطة", "بريطة"),  # و dropped, n = 5
        ("إسماعيل", "إسمعيل"),  # ا dropped, n = 6
        ("ماكرون", "مكرون"),  # ا after the first letter
        ("فرانسوا", "فرنسوا"),  # ا as third letter, not after م or ت
        ("شفشاون", "شفشاوون"),  # a long vowel written twice
        ("أصدقاء", "أصدقا"),  # hamza dropped
        ("بلينكن", "بلنكن"),  # no long vowel left, no feminine ending
        ("مسؤولين", "مسؤلين"),
        ("اتصالات", "اتصلات"),  # a feminine plural of افتعال: the ا is the masdar's
        ("الانتخابات", "الانتخبات"),
    ],
)
def test_arabic_long_letter_added_or_dropped(a: str, b: str) -> None:
    assert rel(a, b) and rel(b, a)
    fa, fb = fold(a), fold(b)
    assert set(keys(fa, len(fa))) & set(keys(fb, len(fb)))


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("لفتيت", "لفتت"),  # n = 4
        ("سعيد", "سعد"),
        ("التعليم", "التعاليم"),  # ا as the third letter: تفاعيل
        ("مصلحة", "مصالحة"),
        ("المشركين", "المشاركين"),
        ("مدرسة", "مدروسة"),  # feminine ending without a long vowel: مفعولة
        ("مكتبة", "مكتوبة"),
        ("المعلمات", "المعلومات"),
    ],
)
def test_arabic_long_letter_guards(a: str, b: str) -> None:
    assert not matches(a, b)
    assert not rel(a.removeprefix("ال"), b.removeprefix("ال"))
    assert not rel(b.removeprefix("ال"), a.removeprefix("ال"))


@pytest.mark.parametrize(("a", "b"), [("رشيدية", "رشيدة"), ("عسكرية", "عسكرة"), ("مغربي", "مغرب")])
def test_nisba_is_not_a_long_letter(a: str, b: str) -> None:
    """The nisba ي is left to morphology and derivation, which have their own rules."""
    assert not rel(a, b) and not rel(b, a)


def test_arabic_long_letter_in_articles() -> None:
    assert matches("أردوغان", "استقبل الرئيس رجب طيب أردغان نظيره")
    assert not matches("المحكمة", "انطلقت محاكمة المتهمين")


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("ماكرون", "ماقرون"),  # ك/ق
        ("تايوان", "طايوان"),  # ت/ط on the first letter
        ("طرابلس", "طرابلص"),  # س/ص
        ("أمستردام", "أمسترضام"),  # د/ض
        ("نيوزيلندا", "نيوذيلندا"),  # ز/ذ
    ],
)
def test_emphatic_swaps(a: str, b: str) -> None:
    assert rel(a, b)
    fa, fb = fold(a), fold(b)
    assert set(keys(fa, len(fa))) & set(keys(fb, len(fb)))


@pytest.mark.parametrize(
    ("a", "b"),
    [("تقرير", "تكرير"), ("تصوير", "تسوير"), ("صورة", "سورة"), ("البرتغال", "البرتقال")],
)
def test_emphatic_swap_guards(a: str, b: str) -> None:
    assert not matches(a, b)


@pytest.mark.parametrize(
    ("query", "text"),
    [
        ("كينيا", "فاز عداء من قينيا بالماراثون."),  # five letters shaped like a foreign name
        ("أوسلو", "انطلقت المحادثات في أوصلو أمس."),  # an initial alef before a vowel letter
        ("تيتانيك", "عرض فيلم طيطانيك من جديد."),  # two swaps at once
        ("سيدني", "وصل الوفد إلى صيدني."),
    ],
)
def test_emphatic_swaps_in_foreign_names_of_five_letters(query: str, text: str) -> None:
    assert matches(query, text)


@pytest.mark.parametrize(
    ("query", "text"),
    [
        ("قانون", "صدر القرار في كانون الثاني."),  # فاعول: a native pattern, not a name
        ("تصوير", "انتهت أشغال تسوير الملعب."),  # ت before a consonant: تفعيل
        ("مساعد", "تعطلت المصاعد في البرج."),  # م before a consonant: مفاعل
        ("اصرار", "كشف الكتاب أسرار القضية."),  # ا before a consonant: إفعال
        ("سلطان", "استقبل صلطان الوفد."),  # one long vowel letter: a native word's shape
    ],
)
def test_emphatic_swaps_in_foreign_names_guards(query: str, text: str) -> None:
    assert not matches(query, text)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Ouahbi", "Wahbi"),  # ou/w, n = 5
        ("Taoufik", "Tawfik"),
        ("Akhannouch", "Akhannoush"),  # sh/ch
        ("Chakib", "Shakib"),
        ("Chaouki", "Shawki"),  # both
    ],
)
def test_latin_name_spellings(a: str, b: str) -> None:
    assert rel(a, b) and matches(a, f"says {b} today") and matches(b, f"says {a} today")
    fa, fb = fold(a), fold(b)
    # found from the query side: article words keep their own keys
    assert set(keys(fa, len(fa)) + respellings(fa, len(fa))) & set(keys(fb, len(fb)))
    assert set(keys(fb, len(fb)) + respellings(fb, len(fb))) & set(keys(fa, len(fa)))


@pytest.mark.parametrize(
    ("a", "b"), [("Ouali", "le wali de Rabat"), ("shore", "a chore"), ("Chaoui", "Chaouki")]
)
def test_latin_name_spelling_guards(a: str, b: str) -> None:
    assert not matches(a, b)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Othmani", "El Otmani"),  # ث written th or t
        ("Othman", "Otman"),  # n = 5
        ("Bouthaina", "Boutaina"),
        ("Haitham", "Haitam"),
    ],
)
def test_th_and_t_spell_one_name(a: str, b: str) -> None:
    assert matches(a, f"selon {b} hier") and matches(b.split()[-1], f"selon {a} hier")


@pytest.mark.parametrize(
    ("a", "b"), [("Toufiq", "Taoufiq"), ("Faouzi", "Fouzi"), ("Naoufal", "Noufal")]
)
def test_aou_and_ou_spell_one_name(a: str, b: str) -> None:
    assert matches(a, f"selon {b} hier") and matches(b, f"selon {a} hier")


def test_aou_before_a_vowel_is_another_sound() -> None:
    assert not matches("Chaoui", "selon Choui hier")  # ou before a vowel is a w


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("threat", "a new treat"),  # never the first letter
        ("Otmani", "Ohmani"),  # h for t is a consonant changed, not th
        ("Mathis", "Mahis"),  # t dropped before h is not th/t
    ],
)
def test_th_and_t_guards(a: str, b: str) -> None:
    assert not matches(a, b)


@pytest.mark.parametrize(
    ("query", "text"),
    [
        ("بنكيران", "ترأس بن كيران الاجتماع."),  # article side
        ("Benkirane", "ترأس بن كيران الاجتماع."),  # the solid form crosses scripts
        ("عبد الرحمن", "استقبل عبدالرحمن الوفد."),  # query side
        ("أبوظبي", "وصل الوفد إلى أبو ظبي."),
        ("مشرع بلقصيري", "La sucrerie de Mechraâ Bel Ksiri tourne."),
        ("نيويورك", "اجتماع في نيو يورك."),  # نيو, the English "New"
        ("نيو دلهي", "وصل الوفد إلى نيودلهي."),
    ],
)
def test_arabic_name_particles_written_solid_or_apart(query: str, text: str) -> None:
    assert matches(query, text) and indexed(query, text)


@pytest.mark.parametrize(
    ("query", "text"),
    [
        ("عبد", "استقبل عبدالرحمن الوفد."),  # a particle alone is a word of its own
        ("بنكيران", "وصل بن. كيران غادر."),  # a sentence ends between them
        ("الرحمن عبد", "استقبل عبدالرحمن الوفد."),  # the particle comes first
    ],
)
def test_arabic_name_particles_guards(query: str, text: str) -> None:
    assert not matches(query, text)


@pytest.mark.parametrize(
    ("query", "text"),
    [
        ("البيضاء", "افتتاح خط جديد بالدار البيظاء."),  # five letters behind the article
        ("الاكتظاظ", "الاكتضاض يخنق الأقسام."),  # both letters, consistently
        ("الاكتظاظ", "الاكتضاظ يخنق الأقسام."),  # one of two
        ("انتظار", "بعد انتضار طويل."),
        ("الضباب", "الظباب الكثيف يربك السير."),  # four letters; ض written ظ
        ("البرغوثي", "طالبت عائلة مروان البرغوتي بالإفراج عنه."),  # ث written ت
        ("كثير", "في عدد كتير من المدن."),
    ],
)
def test_interdentals_written_as_stops(query: str, text: str) -> None:
    assert matches(query, text) and indexed(query, text)


@pytest.mark.parametrize(
    ("query", "text"),
    [
        ("حظر", "قرار حضر التجول."),  # three letters: two words (banned / attended)
        ("نفاذ", "نفاد المخزون."),  # ذ / د at four letters: two words (enforcement / depletion)
    ],
)
def test_interdentals_guards(query: str, text: str) -> None:
    assert not matches(query, text)


@pytest.mark.parametrize(
    ("query", "text"),
    [
        ("الأسطول", "ستعزز الشركة أسطولها بعشرات الطائرات."),
        ("الأجور", "خرجوا مطالبين بأجورهم المتأخرة."),  # behind a proclitic too
        ("الحكومة", "قالت الوزيرة إن حكومتها ماضية في الإصلاح."),  # ة written ت
        ("الحكومة", "قدم رئيس الوزراء استقالة حكومته."),  # the lone ه after ت
        ("البيت", "غادرت بيتها صباحا."),  # a stem that ends in ت
    ],
)
def test_a_noun_with_a_pronoun_suffix(query: str, text: str) -> None:
    assert matches(query, text) and indexed(query, text)


def test_pronoun_suffix_guards() -> None:
    assert not matches("مدرس", "زار مدرسة الحي.")  # a lone ه is as likely a folded ة
    assert "\u062f\u0631" not in {form for form, _, _ in text_variants("درهم")}  # no در


@pytest.mark.parametrize(
    ("query", "text"),
    [
        ("المدارس", "افتتاح مدرسة جديدة بالحي."),  # مفاعل ↔ مفعلة
        ("منطقة", "أمطار رعدية في عدد من المناطق."),
        ("المشاريع", "أطلق الوزير مشروعا جديدا."),  # مفاعيل ↔ مفعول, in the accusative
        ("مشروع", "تتبع المشاريع الكبرى."),
        ("المراسيم", "صدر مرسوم جديد."),
        ("وزير", "اجتمع مجلس الوزراء أمس."),  # فعيل ↔ فعلاء
        ("الخبراء", "قال الخبير إن التضخم تراجع."),
    ],
)
def test_broken_plurals(query: str, text: str) -> None:
    assert matches(query, text) and indexed(query, text)


@pytest.mark.parametrize(
    ("query", "text"),
    [
        ("مقتل", "أصيب مقاتل في الهجوم."),  # مفعل without ة: مفاعل is also a participle
        ("معرض", "اعتقل ناشط معارض."),
        ("الجزيرة", "زار الوفد الجزائر."),  # no فعيلة ↔ فعائل
        ('"المدارس"', "افتتاح مدرسة جديدة."),  # quotes keep the number
    ],
)
def test_broken_plural_guards(query: str, text: str) -> None:
    assert not matches(query, text)


@pytest.mark.parametrize(
    ("query", "text"),
    [("الوفد", "استقبل وفدا برلمانيا."), ("قرار", "اتخذ المجلس قرارا."), ("العدد", "سجل عددا")],
)
def test_the_alef_of_the_accusative(query: str, text: str) -> None:
    assert matches(query, text)


@pytest.mark.parametrize(("query", "text"), [("علي", "تابع دراسات عليا."), ("كانو", "كانوا هناك.")])
def test_the_alef_of_the_accusative_guards(query: str, text: str) -> None:
    assert not matches(query, text)  # after ي the alef is the word's, after و a verb's


@pytest.mark.parametrize(
    ("query", "text"),
    [
        ("التفاؤل", "تراجع منسوب التفائل لدى الأسر."),  # ؤ / ئ, five letters
        ("المساءلة", "تفعيل آليات المسائلة."),  # ء / ئ
        ("قراءة", "قرائة جديدة في الملف."),
        ("الإجراءات", "الإجرائات الجديدة."),
    ],
)
def test_a_hamza_on_another_seat(query: str, text: str) -> None:
    assert matches(query, text) and indexed(query, text)


def test_a_hamza_seat_follows_a_long_vowel() -> None:
    assert not matches("مسيرة", "المدينة القديمة مسورة.")  # ي / و after a consonant: two words


@pytest.mark.parametrize(
    ("query", "text"),
    [
        ("الجمارك", "حجزت عناصر الجمراك شحنة من الأقراص."),  # five letters: respellings
        ("التطبيع", "وقفة احتجاجية ضد التطيبع أمام البرلمان."),
        ("الكراوي", "قال إدريس الكرواي إن الإصلاح ضروري."),  # two long vowels
        ("إمزورن", "مهرجان الفروسية بإمزرون."),  # six letters: deletion keys
        ("زلزال", "صندوق لتعويض ضحايا الزلازل."),  # فعلال / فعالل
    ],
)
def test_a_long_vowel_moved_by_a_slip(query: str, text: str) -> None:
    assert matches(query, text) and indexed(query, text)


def test_a_long_vowel_moved_is_the_same_slip_both_ways() -> None:
    assert rel("الجمارك", "الجمراك") and rel("الجمراك", "الجمارك")
    assert not rel("مقالة", "مقلاة") and not rel("مقلاة", "مقالة")


@pytest.mark.parametrize(
    ("query", "text"),
    [
        ("جامعي", "عمل جماعي منظم."),  # فاعل / فعال: in the first two letters
        ("مقالة", "اشترى مقلاة جديدة."),  # فاعلة / فعالة: a feminine word
        ("المنتخب", "ضد المنتبخ"),  # two consonants swapped need seven letters
    ],
)
def test_a_long_vowel_moved_guards(query: str, text: str) -> None:
    assert not matches(query, text)


@pytest.mark.parametrize(
    ("query", "text"),
    [
        ("غوارديولا", "قال المدرب بيب جوارديولا إن الموسم صعب."),
        ("جوارديولا", "قال المدرب بيب غوارديولا إن الموسم صعب."),
        ("غينيا", "فاز منتخب جينيا الاستوائية."),  # five letters: respellings
    ],
)
def test_g_written_jim_or_ghain_in_a_foreign_name(query: str, text: str) -> None:
    assert matches(query, text) and indexed(query, text)


def test_g_written_jim_or_ghain_only_in_a_foreign_name() -> None:
    assert not matches("جزيرة", "أمطار غزيرة")  # one long vowel letter: a native word
    assert not matches("جالية", "أسعار غالية")  # فاعلة


@pytest.mark.parametrize(
    ("query", "text"),
    [
        ("Bellingham", "Real Madrid : Jude Bellinghan forfait"),
        ("ambulance", "An ambulamce arrived late."),
        ("Benkirane", "selon Bemkirane hier"),
    ],
)
def test_m_for_n_in_a_long_latin_word(query: str, text: str) -> None:
    assert matches(query, text) and indexed(query, text)


def test_m_for_n_guards() -> None:
    assert not matches("comte", "un conte pour enfants")  # five letters: two words
    assert not matches("irrigation", "une irritation cutanée")  # m and n only


def test_short_word_takes_a_proclitic_in_company() -> None:
    assert matches("حي النهضة", "حريق بحي النهضة")
    assert matches("حي النهضة", "مركز لحي النهضة")
    assert matches("يد عاملة", "نقص في اليد العاملة")
    assert matches("سد NEAR/2 الوحدة", "حقينة بسد الوحدة")
    assert indexed("حي النهضة", "حريق بحي النهضة")


def test_short_word_stays_strict_alone_and_inside_words() -> None:
    assert not matches("حي", "حريق بحي النهضة")
    assert not matches("حي OR فاس", "حريق بحي النهضة")
    assert not matches("حي النهضة", "قال حيث إن النهضة")
    assert not matches("حي النهضة", "زيارة بحيرة النهضة")
    assert not matches("حي النهضة", "ووبحي النهضة")
    assert matches("النهضة حريق -حي", "حريق بحي النهضة")  # an exclusion stays strict


FOUR_LETTERS = Path(__file__).parents[1] / "data/matching/studies/1_vowel_letters_four.jsonl"


def test_no_long_letter_edit_at_four_letters() -> None:
    """Where the shorter word has four letters, a long letter added or dropped makes another
    word too often for any guard to tell (docs/queries.md gives the study's figures): none of
    the study's near-misses matches, and a four-letter verb never meets its فعلال noun."""
    near_misses = [c for c in load(FOUR_LETTERS) if not c["expect"]]
    assert len(near_misses) >= 30
    assert [c["id"] for c in near_misses if ours(c)] == []
    assert not rel("برهان", "برهن")
