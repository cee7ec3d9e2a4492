"""Arabic broken plurals by pattern: a singular and its plural, both ways (no list of words).

`partners(stem)` gives the folded words (without proclitics or article) a query word reaches
as singular or plural.  Only patterns whose generated forms are rarely another word are
used; ``c`` is a consonant, written on folded letters (ئ → ي, ة → ه):

========================  ==========================  ===================================
singular                  plural                      examples
========================  ==========================  ===================================
مفعلة  (م c c c ه)         مفاعل  (م c ا c c)           مدرسة/مدارس, منطقة/مناطق, معركة
مفعول, مفعال              مفاعيل (م c ا c ي c)        مشروع/مشاريع, مرسوم/مراسيم, مفتاح
فعيل   (c c ي c)           فعلاء  (c c c ا ء)          وزير/وزراء, خبير/خبراء, حليف
========================  ==========================  ===================================

Left out for their false friends:

* مفعل without ة ↔ مفاعل: مُفاعِل is also the active participle of the third form, so
  ``مقتل`` (a killing) would find ``مقاتل`` (a fighter), ``معرض`` ``معارض`` (an opponent),
  ``مسلم`` ``مسالم``;
* فعل ↔ فعول: فعول is the verbal noun of many verbs (``دخول``, ``قبول``, ``غروب``), so
  ``غرب`` would find ``غروب`` and ``قبل`` ``قبول``;
* فعل ↔ أفعال: folded, أفعال is إفعال, the verbal noun of the fourth form, so ``علم`` would
  find ``إعلام`` and ``ضرب`` ``إضراب``;
* فعيلة ↔ فعائل (``جريمة``/``جرائم``): ``الجزيرة`` (the island) would find ``الجزائر``.

Known false friends of the patterns kept: ``مكتبة`` (a library) finds ``مكاتب`` (offices),
``المعارض`` (exhibitions, or opponents) ``معرضة`` (exposed), ``الشعير`` (barley)
``شعراء`` (poets), ``نبيل`` (a name) ``نبلاء``.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Final

_ALEF: Final = "\u0627"  # ا
_WAW: Final = "\u0648"  # و
_YEH: Final = "\u064a"  # ي
_HEH: Final = "\u0647"  # ه (a folded ة)
_MEEM: Final = "\u0645"  # م
_HAMZA: Final = "\u0621"  # ء
_LONG: Final = frozenset((_ALEF, _WAW, _YEH, _HAMZA))


def _consonants(*letters: str) -> bool:
    return not any(ch in _LONG or ch == _HEH for ch in letters)


def _mafaail(s: str) -> list[str]:
    """مفعلة ↔ مفاعل, مفعول/مفعال ↔ مفاعيل."""
    if len(s) == 5 and s[0] == _MEEM and s[1] != _ALEF:
        if s[4] == _HEH and _consonants(s[2], s[3]):  # مدرسة → مدارس
            return [_MEEM + s[1] + _ALEF + s[2] + s[3]]
        if s[2] == _ALEF and _consonants(s[3], s[4]):  # مدارس → مدرسة
            return [_MEEM + s[1] + s[3] + s[4] + _HEH]
        if s[3] in (_WAW, _ALEF) and _consonants(s[2], s[4]):  # مشروع → مشاريع
            return [_MEEM + s[1] + _ALEF + s[2] + _YEH + s[4]]
    plural = len(s) == 6 and s[0] == _MEEM and s[1] != _ALEF and s[2] == _ALEF
    if plural and s[4] == _YEH and _consonants(s[3], s[5]):  # مشاريع → مشروع, مشراع
        return [_MEEM + s[1] + s[3] + m + s[5] for m in (_WAW, _ALEF)]
    return []


def _fuala(s: str) -> list[str]:
    """فعيل ↔ فعلاء."""
    if len(s) == 5 and s[0] != _ALEF and s[3:] == _ALEF + _HAMZA and _consonants(s[1], s[2]):
        return [s[:2] + _YEH + s[2]]  # وزراء → وزير
    if len(s) == 4 and s[0] != _ALEF and s[2] == _YEH and _consonants(s[1], s[3]):
        return [s[:2] + s[3] + _ALEF + _HAMZA]  # وزير → وزراء
    return []


@lru_cache(maxsize=65536)
def partners(stem: str) -> tuple[str, ...]:
    """The plurals of a folded Arabic singular, or the singulars of a plural, by the
    patterns above (none for a word they do not fit)."""
    return tuple(_mafaail(stem) + _fuala(stem))
