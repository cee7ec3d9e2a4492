"""A deterministic synthetic news load: subscriptions and articles in Arabic, French and
English, built from vocabularies written for this benchmark (not from the dev set).

`subscriptions(n, seed)` gives query strings: single topic words, full names, quoted
phrases and boolean queries (OR groups, exclusions, title:, NEAR/n), some with typos.
`articles(n, seed)` gives ``{"id", "title", "text"}`` dicts of 150–600 words whose sentences
mix common words, topic words, names and places, so that a realistic share of the
subscriptions match.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass


def _vocabulary(text: str) -> list[str]:
    return text.split()


AR_COMMON = _vocabulary("""
في من على إلى أن عن مع هذا هذه التي الذي كان بين ما لا أو ثم قد كل بعد قبل عند حيث خلال
منذ حول ضد دون غير لدى إذا كما أيضا وقال وأضاف وأكد وأشار أعلن أفاد أوضح اليوم أمس الأسبوع
الماضي المقبل السنة الشهر الجاري الحالي الأول الثاني الثالث الأخير الجديد الكبير الصغير
عدد عدة بعض جميع مختلف مجموعة إطار مجال مستوى نسبة مليون مليار درهم دولار أورو مائة ألف
الحكومة الوزارة الوزير رئيس المدير المسؤول المسؤولين المواطنين السكان الساكنة الشباب النساء
الأطفال الأسر المدينة الجهة الإقليم الجماعة البلاد المملكة الدولة العاصمة المنطقة الوطني
الدولي المحلي العمومي الخاص الاجتماعي الاقتصادي السياسي الثقافي الرياضي المالي التقني
مشروع برنامج خطة استراتيجية اتفاقية شراكة تعاون دعم تمويل تنفيذ تطوير تعزيز تحسين إنجاز
تقرير دراسة بلاغ بيان ندوة لقاء اجتماع مؤتمر دورة زيارة جلسة نقاش حوار قرار قانون مرسوم
الصحافة الإعلام المصادر مصدر مطلع حسب وفق نحو أكثر أقل كبير جديد مهم عام خاص أول آخر
يتعلق يهدف يشمل يعتبر يمكن يجب تم سيتم جرى أصبح ظل بقي عاد بدأ استمر ارتفع انخفض بلغ وصل
الأسعار السوق التجارة الصناعة الخدمات الطرق البنيات التحتية المستشفى المدرسة الجامعة الملعب
""")

FR_COMMON = _vocabulary("""
le la les de des du un une et en au aux à pour par sur dans est sont avec que qui ne pas
plus ce cette ces son sa ses il elle ils on a ont été sera selon après avant pendant depuis
entre contre sans sous vers chez lors ainsi aussi encore déjà très bien tous toutes tout
gouvernement ministère ministre président directeur responsable responsables citoyens
habitants jeunes femmes enfants familles ville région province commune pays royaume État
capitale zone national international local public privé social économique politique
culturel sportif financier technique projet programme plan stratégie accord partenariat
coopération soutien financement mise œuvre développement renforcement amélioration bilan
rapport étude communiqué séminaire rencontre réunion conférence session visite séance débat
dialogue décision loi décret presse médias sources source proche nombre plusieurs certains
millions milliards dirhams dollars euros pourcent année mois semaine jour hier aujourd'hui
prochain dernier nouveau nouvelle grand grande petit important premier deuxième troisième
a annoncé a indiqué a souligné a précisé a affirmé a rappelé selon lequel laquelle dont où
prix marché commerce industrie services routes infrastructures hôpital école université stade
""")

EN_COMMON = _vocabulary("""
the of and to in for on is are with by at from that this be as an it was were has have had
will would could said says also after before during since between against without under
over into about more less than most many several some all new old first second third last
next government ministry minister president director official officials citizens residents
young women children families city region province country kingdom state capital area
national international local public private social economic political cultural financial
project programme plan strategy agreement partnership cooperation support funding report
study statement seminar meeting conference session visit debate dialogue decision law decree
press media sources source million billion dirhams dollars euros percent year month week day
yesterday today announced stated stressed noted added confirmed according which where while
prices market trade industry services roads infrastructure hospital school university stadium
""")

AR_TOPICS = _vocabulary("""
الجفاف الهجرة المهاجرين التعليم الصحة الفلاحة الطاقة الاستثمار البطالة التشغيل الإرهاب
الأمن الانتخابات البرلمان الميزانية التضخم الضرائب السياحة الصيد الماء السدود التساقطات
الفيضانات الزلزال الحرائق الغابات الطرق السكك القطارات الموانئ المطارات الطيران الفوسفاط
الهيدروجين الرياح الشمسية الكهرباء الغاز المحروقات البنزين الدقيق الحبوب القمح الشعير
الحوامض الزيتون الماشية الأغنام الدواجن الأسماك المخدرات الجريمة العدالة المحاكم السجون
الفساد الرشوة الصفقات الجمعيات النقابات الإضراب الأجور التقاعد الحماية الاجتماعية التغطية
الصحية المستشفيات الأطباء الممرضين الأدوية اللقاحات الجامعات الطلبة التلاميذ الأساتذة
المدارس الباكالوريا الرقمنة الإنترنت الاتصالات الذكاء الاصطناعي الشركات المقاولات البورصة
البنوك القروض العقار السكن الإسكان التعمير البيئة التلوث النفايات المناخ التصحر الرياضة
كرة القدم المنتخب الجامعة الملكية البطولة كأس العالم إفريقيا الأمم الوحدة الترابية الصحراء
الحكم الذاتي الدبلوماسية السفارة القنصلية التأشيرة الحدود التهريب الجمارك
""")

FR_TOPICS = _vocabulary("""
sécheresse migration migrants immigration éducation santé agriculture énergie investissement
chômage emploi terrorisme sécurité élections parlement budget inflation impôts tourisme
pêche eau barrages pluies inondations séisme incendies forêts autoroutes chemins fer trains
ports aéroports aviation phosphates hydrogène éolien solaire électricité gaz carburants
essence farine céréales blé orge agrumes olives bétail moutons volailles poissons drogue
criminalité justice tribunaux prisons corruption marchés associations syndicats grève
salaires retraite protection sociale couverture médicale hôpitaux médecins infirmiers
médicaments vaccins universités étudiants élèves enseignants écoles baccalauréat numérique
internet télécoms intelligence artificielle entreprises bourse banques crédits immobilier
logement urbanisme environnement pollution déchets climat désertification sport football
sélection fédération championnat coupe monde afrique nations diplomatie ambassade consulat
visa frontières contrebande douane dessalement régionalisation décentralisation réforme
""")

EN_TOPICS = _vocabulary("""
drought migration migrants education health agriculture energy investment unemployment jobs
terrorism security elections parliament budget inflation taxes tourism fishing water dams
rainfall floods earthquake wildfires forests motorways railway trains ports airports
aviation phosphate hydrogen wind solar electricity gas fuel flour cereals wheat barley
citrus olives livestock sheep poultry fish drugs crime justice courts prisons corruption
unions strike wages pensions healthcare hospitals doctors nurses medicines vaccines
universities students pupils teachers schools digital telecoms artificial intelligence
companies stock exchange banks loans housing environment pollution waste climate football
team federation championship world cup africa nations diplomacy embassy consulate visa
borders smuggling customs desalination reform
""")

LATIN_FIRST = _vocabulary("""
Aziz Nasser Fouzi Nadia Abdelouafi Younes Mohamed Ahmed Rachid Karim Samir Hicham Khalid
Omar Youssef Driss Hassan Mustapha Abdellatif Said Jamal Fatima Khadija Amina Latifa Nabila
Saadia Leila Meriem Salma Zineb Ghita Othmane Mehdi Amine Anas Hamza Ilyas Soufiane Adil
Tarik Reda Nabil Abdelkader Lahcen Brahim Mbarek Houcine Bruno Gérald Emmanuel Jean Michel
François Marine Rachida Gabriel Elisabeth Pedro José Antonio Giorgia Olaf Ursula Antony
""")

LATIN_LAST = _vocabulary("""
Akhannouch Bourita Lekjaa Fettah Laftit Ouahbi Benmoussa Mezzour Baitas Miraoui Talbi Alami
Benkirane Othmani Amzazi Benchaaboun Jouahri Hammouchi Mansouri Ghallab Bensaid Sekkouri
Berrada Tazi Fassi Kettani Bennani Chraibi Alaoui Idrissi Benjelloun Lahlou Sqalli Guessous
Zniber Tahiri Ouazzani Boutaleb Elmalki Rahmouni Benabdallah Lamrani Saadi Zerouali Hajji
Retailleau Darmanin Macron Bayrou Barnier Attal Borne Lecornu Dati Bardella Sanchez Albares
Meloni Scholz Leyen Guterres Tebboune Attaf Saied Sisi Erdogan Zelensky Putin Trump Biden
""")

AR_FIRST = _vocabulary("""
عزيز ناصر فوزي نادية عبد الوافي يونس محمد أحمد رشيد كريم سمير هشام خالد عمر يوسف إدريس
حسن مصطفى عبد اللطيف سعيد جمال فاطمة خديجة أمينة لطيفة نبيلة سعدية ليلى مريم سلمى زينب
غيثة عثمان مهدي أمين أنس حمزة إلياس سفيان عادل طارق رضا نبيل عبد القادر لحسن إبراهيم
""")

AR_LAST = _vocabulary("""
أخنوش بوريطة لقجع فتاح لفتيت وهبي بنموسى مزور بايتاس الميراوي الطالبي العلمي بنكيران
العثماني أمزازي بنشعبون الجواهري الحموشي المنصوري غلاب بنسعيد السكوري برادة التازي الفاسي
الكتاني بناني الشرايبي العلوي الإدريسي بنجلون لحلو الصقلي كسوس زنيبر الطاهري الوزاني
بوطالب المالكي الرحموني بنعبد الله العمراني السعدي الزروالي الحجي ريتايو دارمانان ماكرون
بايرو بارنييه أتال بورن لوكورنو داتي بارديلا سانشيز ألباريس ميلوني شولتس غوتيريش تبون
عطاف سعيد السيسي أردوغان زيلينسكي بوتين ترامب بايدن
""")

LATIN_PLACES = _vocabulary("""
Rabat Casablanca Tanger Fès Marrakech Agadir Oujda Nador Meknès Kénitra Tétouan Safi
Essaouira Ouarzazate Errachidia Laâyoune Dakhla Guelmim Tiznit Taroudant Berkane Taza
Khouribga Settat Mohammedia Larache Chefchaouen Ifrane Azilal Zagora Tinghir Figuig Jerada
Benslimane Khemisset Sidi Kacem Paris Madrid Bruxelles Alger Tunis Nouakchott Dakar Abidjan
Lagos Washington Pékin Moscou Londres Berlin Rome Genève Doha Riyad Abou Dhabi Lisbonne
""")

AR_PLACES = _vocabulary("""
الرباط الدار البيضاء طنجة فاس مراكش أكادير وجدة الناظور مكناس القنيطرة تطوان آسفي الصويرة
ورزازات الرشيدية العيون الداخلة كلميم تيزنيت تارودانت بركان تازة خريبكة سطات المحمدية
العرائش شفشاون إفران أزيلال زاكورة تنغير فكيك جرادة بنسليمان الخميسات باريس مدريد بروكسل
الجزائر تونس نواكشوط داكار أبيدجان لاغوس واشنطن بكين موسكو لندن برلين روما جنيف الدوحة
الرياض أبوظبي لشبونة
""")

_AR_CLITICS = ["", "", "", "", "و", "ب", "ل", "ف"]


def _typo(rng: random.Random, word: str) -> str:
    """A plausible misspelling of a long Latin name (doubled or dropped letter)."""
    if len(word) < 8 or not word.isascii():
        return word
    i = rng.randrange(2, len(word) - 2)
    if rng.random() < 0.5:
        return word[:i] + word[i] + word[i:]
    return word[:i] + word[i + 1 :]


def subscriptions(n: int, seed: int = 7) -> list[str]:
    """`n` query strings with a realistic mix of kinds and languages."""
    rng = random.Random(seed)
    out: list[str] = []
    topics = {"ar": AR_TOPICS, "fr": FR_TOPICS, "en": EN_TOPICS}
    places = {"ar": AR_PLACES, "fr": LATIN_PLACES, "en": LATIN_PLACES}
    for _ in range(n):
        lang = rng.choices(["ar", "fr", "en"], weights=[45, 40, 15])[0]
        first, last = (AR_FIRST, AR_LAST) if lang == "ar" else (LATIN_FIRST, LATIN_LAST)
        name = f"{rng.choice(first)} {rng.choice(last)}"
        surname = rng.choice(last)
        topic = rng.choice(topics[lang])
        topic2 = rng.choice(topics[lang])
        place = rng.choice(places[lang])
        kind = rng.random()
        if kind < 0.22:
            q = name
        elif kind < 0.34:
            q = surname if rng.random() < 0.7 else _typo(rng, surname)
        elif kind < 0.50:
            q = topic
        elif kind < 0.58:
            q = f'"{name}"'
        elif kind < 0.66:
            q = f"{topic} {place}"
        elif kind < 0.76:
            q = f"({topic} OR {topic2}) {surname}"
        elif kind < 0.82:
            q = f"{surname} -{topic}"
        elif kind < 0.87:
            q = f"title:{surname} {topic}"
        elif kind < 0.92:
            q = f"{surname} NEAR/5 {topic}"
        elif kind < 0.96:
            q = f"{topic} AND {topic2} NOT {rng.choice(topics[lang])}"
        else:
            q = f'"{topic} {topic2}" OR {place}'
        out.append(q)
    return out


@dataclass(frozen=True)
class _Theme:
    lang: str
    topics: list[str]
    names: list[tuple[str, str]]
    places: list[str]


def _theme(rng: random.Random, lang: str) -> _Theme:
    topics = {"ar": AR_TOPICS, "fr": FR_TOPICS, "en": EN_TOPICS}[lang]
    first, last = (AR_FIRST, AR_LAST) if lang == "ar" else (LATIN_FIRST, LATIN_LAST)
    places = AR_PLACES if lang == "ar" else LATIN_PLACES
    return _Theme(
        lang,
        rng.sample(topics, rng.randint(3, 6)),
        [(rng.choice(first), rng.choice(last)) for _ in range(rng.randint(1, 3))],
        rng.sample(places, rng.randint(1, 2)),
    )


def _sentence(rng: random.Random, theme: _Theme, length: int) -> list[str]:
    lang = theme.lang
    common = {"ar": AR_COMMON, "fr": FR_COMMON, "en": EN_COMMON}[lang]
    topics = {"ar": AR_TOPICS, "fr": FR_TOPICS, "en": EN_TOPICS}[lang]
    words: list[str] = []
    while len(words) < length:
        r = rng.random()
        if r < 0.06:
            w = rng.choice(theme.topics)
        elif r < 0.075:
            first, last = rng.choice(theme.names)
            words.extend((first, last) if rng.random() < 0.5 else (last,))
            continue
        elif r < 0.085:
            w = rng.choice(theme.places)
        elif r < 0.09:
            w = rng.choice(topics)
        else:
            w = rng.choice(common)
        if lang == "ar" and rng.random() < 0.15:
            w = rng.choice(_AR_CLITICS) + w
        words.append(w)
    return words


def articles(n: int, seed: int = 11) -> Iterator[dict[str, str]]:
    """`n` articles of 150–600 words, each about a few topics, people and places."""
    rng = random.Random(seed)
    for i in range(n):
        lang = rng.choices(["ar", "fr", "en"], weights=[45, 40, 15])[0]
        theme = _theme(rng, lang)
        title = " ".join(_sentence(rng, theme, rng.randint(6, 14)))
        title = title[:1].upper() + title[1:]
        target = rng.randint(150, 600)
        sentences: list[str] = []
        count = 0
        while count < target:
            words = _sentence(rng, theme, rng.randint(8, 30))
            count += len(words)
            end = "." if lang != "ar" or rng.random() < 0.5 else "،"
            sentence = " ".join(words) + end
            sentences.append(sentence[:1].upper() + sentence[1:])
        yield {"id": f"a{i + 1}", "title": title, "text": " ".join(sentences)}
