"""Issue 14, classes 4-6: derivation, compounds and names across scripts.

Every rule has a case here that fails when the rule is disabled, and its must-not-match
cases beside it.  Sentences are short news-style ones of our own.
"""

from __future__ import annotations

import pytest

from bot.matching import Document, compile_query
from bot.matching.derivation import FRENCH, forms


def matches(query: str, text: str, title: str = "") -> bool:
    return compile_query(query).match(Document(title, text)) is not None


# ------------------------------------------------------------------------- derivation

# one case per row of the French suffix table (noun ending, adjective ending)
FRENCH_ROWS = {
    ("", "al"): ("région", "Le conseil régional a voté le budget."),
    ("", "ale"): ("nation", "L'équipe nationale joue mardi."),
    ("e", "al"): ("centre", "Le bureau central a fermé."),
    ("e", "ale"): ("centre", "La banque centrale relève son taux."),
    ("e", "ial"): ("commerce", "Le déficit commercial se creuse."),
    ("e", "iale"): ("province", "La route provinciale est coupée."),
    ("e", "el"): ("culture", "Le patrimoine culturel de Figuig."),
    ("e", "elle"): ("industrie", "La zone industrielle de Kénitra."),
    ("ion", "ionnel"): ("constitution", "Le juge constitutionnel a tranché."),
    ("ion", "ionnelle"): ("tradition", "La pêche traditionnelle recule."),
    ("ie", "ique"): ("diplomatie", "Une solution diplomatique est possible."),
    ("ie", "etique"): ("énergie", "La transition énergétique du pays."),
    ("", "ique"): ("climat", "Le dérèglement climatique menace les oasis."),
    ("e", "ique"): ("atome", "L'agence atomique publie son rapport."),
    ("isme", "istique"): ("tourisme", "Les recettes touristiques progressent."),
    ("isme", "iste"): ("terrorisme", "Une cellule terroriste démantelée."),
    ("culture", "cole"): ("agriculture", "Le secteur agricole souffre."),
    ("", "aire"): ("parlement", "Le groupe parlementaire a déposé une motion."),
    ("e", "aire"): ("sécurité", "La situation sécuritaire se dégrade."),
    ("ation", "atif"): ("éducation", "Le système éducatif manque d'enseignants."),
    ("ation", "ative"): ("législation", "La session législative s'ouvre."),
    ("ation", "atoire"): ("migration", "La pression migratoire s'accroît."),
    ("", "if"): ("sport", "Le club sportif de Safi."),
    ("", "ive"): ("sport", "La saison sportive commence."),
    ("e", "ier"): ("pétrole", "Le groupe pétrolier a foré au large."),
    ("e", "iere"): ("douane", "La brigade douanière a saisi la marchandise."),
    ("", "ier"): ("hôtel", "Le secteur hôtelier recrute."),
    ("", "iere"): ("hôtel", "L'offre hôtelière s'étoffe."),
    ("ie", "ien"): ("Tunisie", "Le président tunisien a reçu le ministre."),
    ("ie", "ienne"): ("Algérie", "La presse algérienne commente l'accord."),
    ("", "ien"): ("Iran", "Le ministre iranien est attendu."),
    ("", "ienne"): ("Iran", "La délégation iranienne est arrivée."),
    ("", "ain"): ("Maroc", "Le gouvernement marocain a adopté le texte."),
    ("", "aine"): ("Maroc", "La diplomatie marocaine se félicite."),
    ("que", "cain"): ("Afrique", "Le continent africain attire les investisseurs."),
    ("que", "caine"): ("Amérique", "La presse américaine commente."),
    ("ce", "cais"): ("France", "Le président français est en visite."),
    ("ce", "caise"): ("France", "L'ambassade française a publié un communiqué."),
    ("nce", "nt"): ("violence", "Un orage violent a frappé la ville."),
    ("nce", "nte"): ("urgence", "Une réforme urgente du code électoral."),
}


def test_every_french_row_has_a_case() -> None:
    assert set(FRENCH_ROWS) == set(FRENCH)


@pytest.mark.parametrize(("query", "text"), list(FRENCH_ROWS.values()), ids=str)
def test_french_noun_finds_its_adjective(query: str, text: str) -> None:
    assert matches(query, text)


@pytest.mark.parametrize(
    ("query", "text"),
    [
        ("agricole", "L'agriculture irriguée consomme l'eau."),
        ("énergétique", "L'énergie solaire progresse."),
        ("industrielle", "L'industrie automobile exporte."),
        ("régionaux", "La région de l'Oriental lance un plan."),
        ("touristique", "Le tourisme de désert reprend."),
        ("universitaire", "L'université de Tétouan ouvre une filière."),
        ("marocaine", "Le Maroc a signé l'accord."),
    ],
)
def test_french_adjective_finds_its_noun(query: str, text: str) -> None:
    assert matches(query, text)


@pytest.mark.parametrize(
    ("query", "text"),
    [
        ("police", "La vie politique est animée."),  # police / politique: other stems
        ("politique", "La police judiciaire enquête."),
        ("carte", "Un cartel a été démantelé."),  # a 4-letter stem takes no short ending
        ("climat", "Les ventes de climatisation doublent."),
        ("culture", "Le champ cultuel est encadré."),
        ("mondial", "Une soirée mondaine à Rabat."),  # two adjectives, no noun
        ("nation", "La natation marocaine brille."),
        ("industrie", "Un élève industrieux."),
    ],
)
def test_french_derivation_near_misses(query: str, text: str) -> None:
    assert not matches(query, text)


@pytest.mark.parametrize(
    ("query", "text"),
    [
        ("الاقتصادية", "قدمت وزارة الاقتصاد مشروع القانون."),  # Xية → X (5 letters)
        ("زراعي", "أطلقت وزارة الزراعة برنامجا."),  # Xي → Xة
        ("حكومي", "ترأس رئيس الحكومة الاجتماع."),
        ("الفرنسي", "زار الوزير فرنسا."),  # Xي → Xا
        ("فرنسا", "استقبل السفير الفرنسي."),  # Xا → Xي
        ("التنمية", "النموذج التنموي الجديد."),  # Xية → Xوي
        ("تربوي", "وزارة التربية الوطنية."),  # Xوي → Xية
        ("الصحراء", "الأقاليم الصحراوية."),  # Xاء → Xاوي
        ("صحراوي", "رمال الصحراء."),  # Xاوي → Xاء
    ],
)
def test_arabic_nisba_both_ways(query: str, text: str) -> None:
    assert matches(query, text)


@pytest.mark.parametrize(
    ("query", "text"),
    [
        ("الهجري", "أحبطت محاولة للهجرة."),  # a 3-letter stem never reaches its noun
        ("جامعي", "صلى في الجامع الكبير."),  # a 4-letter bare noun is not reached
        ("مالي", "ارتفع رأس المال."),
        ("طاقوي", "ارتفعت أسعار الطاقة."),  # a noun of 4 letters takes no وي nisba
        ("تربوي", "ربة البيت."),
    ],
)
def test_arabic_derivation_near_misses(query: str, text: str) -> None:
    assert not matches(query, text)


@pytest.mark.parametrize(
    ("query", "text"),
    [
        ('"région"', "Le conseil régional a voté."),
        ('"agricole"', "L'agriculture irriguée."),
        ('"زراعي"', "وزارة الزراعة."),
        ('"فرنسا"', "السفير الفرنسي."),
    ],
)
def test_quotes_opt_out_of_derivation(query: str, text: str) -> None:
    assert not matches(query, text)
    assert matches(query.strip('"'), text)


def test_derivation_forms_are_computed_once_per_word() -> None:
    assert "regional" in forms("region")
    assert forms("123") == frozenset()
