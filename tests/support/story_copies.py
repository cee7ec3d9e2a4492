"""One agency dispatch as three outlets ran it, in Arabic and in French: the same text with
small edits, for the tests of story grouping (unit and over the pipeline)."""

from __future__ import annotations

# One MAP dispatch as three outlets ran it: the same text with small edits.
AR_TITLES = [
    "جلالة الملك يترأس بالرباط مجلس الوزراء",
    "الملك محمد السادس يترأس مجلسا للوزراء بالرباط - هسبريس",
    "جلالة الملك يترأس مجلس الوزراء بالقصر الملكي بالرباط (و.م.ع)",
]
AR_BODY = (
    "ترأس صاحب الجلالة الملك محمد السادس، نصره الله، اليوم الاثنين بالقصر الملكي بالرباط، "
    "مجلسا للوزراء، خصص للتداول في التوجهات العامة لمشروع قانون المالية لسنة 2027، "
    "وعدد من مشاريع القوانين والمراسيم والاتفاقيات الدولية. وفي بداية أشغال هذا المجلس، "
    "قدمت وزيرة الاقتصاد والمالية عرضا أمام جلالة الملك حول التوجهات العامة لمشروع "
    "قانون المالية، الذي يندرج في سياق دولي يتسم باستمرار التوترات الجيوسياسية، "
    "ويرتكز على مواصلة تعزيز أسس الدولة الاجتماعية ودعم الاستثمار وخلق فرص الشغل."
)
AR_BODIES = [
    "الرباط (و م ع) - " + AR_BODY,
    AR_BODY.replace("نصره الله، ", "").replace("اليوم الاثنين", "الاثنين"),
    AR_BODY + " كما صادق المجلس على عدد من التعيينات في المناصب العليا.",
]

FR_TITLES = [
    "SM le Roi préside à Rabat un Conseil des ministres",
    "Le Roi Mohammed VI préside un Conseil des ministres à Rabat | Le360",
    "SM le Roi préside un Conseil des ministres au Palais royal de Rabat (MAP)",
]
FR_BODY = (
    "Sa Majesté le Roi Mohammed VI, que Dieu L'assiste, a présidé, lundi au Palais royal de "
    "Rabat, un Conseil des ministres consacré aux orientations générales du projet de loi "
    "de finances pour l'année 2027, ainsi qu'à plusieurs projets de loi, de décrets et "
    "d'accords internationaux. Au début des travaux, la ministre de l'Économie et des "
    "Finances a présenté devant Sa Majesté un exposé sur les orientations générales du "
    "projet de loi de finances, qui s'inscrit dans un contexte international marqué par "
    "la persistance des tensions géopolitiques."
)
FR_BODIES = [
    "Rabat - " + FR_BODY,
    FR_BODY.replace("que Dieu L'assiste, ", "").replace("lundi", "ce lundi"),
    FR_BODY + " Le Conseil a également approuvé des nominations aux hautes fonctions.",
]
