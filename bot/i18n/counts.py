"""Texts of expensive commands and crowds: recent-match counts (with plural forms), the
cooldown and busy answers, the per-person cap, a change the database could not save.

Plural forms follow CLDR: English one/other; French one (0 and 1)/other; Arabic zero, one,
two, few (3-10), many (11-99), other. ``plural`` picks the form for a count and falls back to
``other``.
"""

from __future__ import annotations

from typing import Any

EN: dict[str, str] = {
    "recent_counting": "⏳ Counting matches among recent articles…",
    "recent_busy": "Matches among recent articles not counted: the bot is busy. Try /test later.",
    "recent_cooldown": (
        "Matches among recent articles not counted (one count per person every {cooldown} s); "
        "/test shows them."
    ),
    "test_busy": "Too many /test are running right now. Try again in a moment.",
    "test_cooldown": "One /test at a time: try again in {seconds} s.",
    "not_saved": "⚠️ The bot is overloaded and could not save this: nothing was changed. "
    "Please try again in a moment.",
}

FR: dict[str, str] = {
    "recent_counting": "⏳ Décompte des correspondances récentes…",
    "recent_busy": (
        "Correspondances récentes non comptées : le bot est occupé. Essayez /test plus tard."
    ),
    "recent_cooldown": (
        "Correspondances récentes non comptées (un décompte par personne toutes les "
        "{cooldown} s) ; /test les montre."
    ),
    "test_busy": "Trop de /test en cours. Réessayez dans un instant.",
    "test_cooldown": "Un /test à la fois : réessayez dans {seconds} s.",
    "not_saved": "⚠️ Le bot est surchargé et n’a pas pu l’enregistrer : rien n’a changé. "
    "Réessayez dans un instant.",
}

AR: dict[str, str] = {
    "recent_counting": "⏳ جارٍ عدّ المطابقات في المقالات الأخيرة…",
    "recent_busy": "لم تُحسب المطابقات في المقالات الأخيرة: البوت مشغول. جرّب /test لاحقا.",
    "recent_cooldown": (
        "لم تُحسب المطابقات في المقالات الأخيرة (عدّ واحد لكل شخص كل {cooldown} ثانية)؛ يعرضها /test."
    ),
    "test_busy": "عدد كبير من أوامر /test قيد التنفيذ الآن. أعد المحاولة بعد قليل.",
    "test_cooldown": "أمر /test واحد في كل مرة: أعد المحاولة بعد {seconds} ثانية.",
    "not_saved": "⚠️ البوت مثقل ولم يتمكن من حفظ هذا: لم يتغير شيء. أعد المحاولة بعد قليل.",
}

# key -> language -> plural form -> template; every template takes {count} and the same names.
PLURALS: dict[str, dict[str, dict[str, str]]] = {
    "recent_partial": {
        "en": {
            "one": "At least {count} of the {scanned} newest articles matches it; {stored} were stored in the last {days} days, the count stopped there to keep the bot responsive.",
            "other": "At least {count} of the {scanned} newest articles match it; {stored} were stored in the last {days} days, the count stopped there to keep the bot responsive.",
        },
        "fr": {
            "one": "Au moins {count} des {scanned} articles les plus récents y correspond ; {stored} ont été enregistrés ces {days} derniers jours, le décompte s’est arrêté là pour que le bot reste réactif.",
            "other": "Au moins {count} des {scanned} articles les plus récents y correspondent ; {stored} ont été enregistrés ces {days} derniers jours, le décompte s’est arrêté là pour que le bot reste réactif.",
        },
        "ar": {
            "other": "يطابقه على الأقل {count} من أحدث المقالات المفحوصة ({scanned})؛ حُفظ خلال آخر {days} أيام ما مجموعه {stored}، وتوقف العد هنا كي يبقى البوت سريع الاستجابة.",
        },
    },
    "too_many_person": {
        "en": {
            "one": "You have made {count} subscription across your chats, the most one person may. Remove it with /list where you made it.",
            "other": "You have made {count} subscriptions across your chats, the most one person may. Remove one with /list in any of them.",
        },
        "fr": {
            "one": "Vous avez créé {count} abonnement dans vos discussions, le maximum par personne. Retirez-le avec /list là où vous l’avez créé.",
            "other": "Vous avez créé {count} abonnements dans vos discussions, le maximum par personne. Retirez-en un avec /list dans l’une d’elles.",
        },
        "ar": {
            "one": "أنشأت اشتراكا واحدا ({count}) في محادثاتك، وهو الحد الأقصى للشخص الواحد. احذفه عبر /list حيث أنشأته.",
            "two": "أنشأت اشتراكين ({count}) في محادثاتك، وهو الحد الأقصى للشخص الواحد. احذف واحدا عبر /list في أي منها.",
            "few": "أنشأت {count} اشتراكات في محادثاتك، وهو الحد الأقصى للشخص الواحد. احذف واحدا عبر /list في أي منها.",
            "many": "أنشأت {count} اشتراكا في محادثاتك، وهو الحد الأقصى للشخص الواحد. احذف واحدا عبر /list في أي منها.",
            "other": "أنشأت {count} اشتراك في محادثاتك، وهو الحد الأقصى للشخص الواحد. احذف واحدا عبر /list في أي منها.",
        },
    },
    "recent_count": {
        "en": {
            "one": "{count} of the articles stored in the last {days} days matches it.",
            "other": "{count} of the articles stored in the last {days} days match it.",
        },
        "fr": {
            "one": "{count} des articles enregistrés ces {days} derniers jours y correspond.",
            "other": "{count} des articles enregistrés ces {days} derniers jours y correspondent.",
        },
        "ar": {
            "zero": "لا يطابقه أي من المقالات المحفوظة خلال آخر {days} أيام ({count}).",
            "one": "يطابقه مقال واحد ({count}) من المقالات المحفوظة خلال آخر {days} أيام.",
            "two": "يطابقه مقالان ({count}) من المقالات المحفوظة خلال آخر {days} أيام.",
            "few": "يطابقه {count} مقالات من المقالات المحفوظة خلال آخر {days} أيام.",
            "many": "يطابقه {count} مقالا من المقالات المحفوظة خلال آخر {days} أيام.",
            "other": "يطابقه {count} مقال من المقالات المحفوظة خلال آخر {days} أيام.",
        },
    },
}


def plural_form(language: str, count: int) -> str:
    """The CLDR plural category of a whole ``count`` in ``language``."""
    if language == "ar":
        rest = count % 100
        if count == 0:
            return "zero"
        if count == 1:
            return "one"
        if count == 2:
            return "two"
        if 3 <= rest <= 10:
            return "few"
        if 11 <= rest <= 99:
            return "many"
        return "other"
    if language == "fr":
        return "one" if count in (0, 1) else "other"
    return "one" if count == 1 else "other"


def plural(language: str, key: str, count: int, **values: Any) -> str:
    forms = PLURALS[key].get(language) or PLURALS[key]["en"]
    template = forms.get(plural_form(language, count)) or forms["other"]
    return template.format(count=count, **values)
