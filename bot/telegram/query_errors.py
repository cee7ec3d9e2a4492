"""Why a query or an ``/alias`` command was refused, in the user's language.

The matcher raises `QueryError` with an English ``message``, a stable ``key`` and the
``params`` substituted into the message.  `MESSAGES` holds, per language, one
`str.format` template per key; the English templates reproduce ``message`` exactly.
Query syntax (``OR``, ``AND``, ``NOT``, ``NEAR/5``, ``title:``, quotes, parentheses and the
examples) stays untranslated.  The result is plain text: callers escape it for HTML.
"""

from __future__ import annotations

from bot.matching.types import QueryError

_EN: dict[str, str] = {
    # query syntax
    "unclosed_quote": 'This quote is never closed: add a closing " after the phrase.',
    "detached_minus": 'A "-" must be attached to the word it excludes, like -macaron.',
    "near_too_far": "{operator} is too far apart: use at most NEAR/{limit}.",
    "near_without_distance": "NEAR needs a distance in words, like NEAR/5.",
    "unmatched_close_paren": 'This ")" has no matching "(".',
    "operator_needs_both_sides": '"{operator}" needs a word, phrase or group on both sides.',
    "or_side_empty": "One side of this OR has no words to look for.",
    "not_needs_operand": '"NOT" needs a word, phrase or group after it.',
    "minus_needs_operand": 'A "-" needs a word, phrase or group after it.',
    "near_needs_both_sides": "{operator} needs a word or phrase on both sides.",
    "near_needs_terms": (
        "{operator} joins two words or quoted phrases, like Bourita NEAR/5 Albares."
    ),
    "near_chain": "Only two words or phrases can be joined by NEAR; use AND between pairs.",
    "unclosed_paren": 'This parenthesis is never closed: add a ")".',
    "empty_parens": "These parentheses are empty.",
    "title_needs_term": (
        '"title:" must be followed by a word or a quoted phrase, '
        'like title:Macron or title:"Coupe du monde".'
    ),
    "misplaced_operator": '"{operator}" is misplaced here.',
    "empty_phrase": "These quotes contain no words.",
    "only_exclusions": "The query only excludes words: add at least one word to look for.",
    "or_alternative_only_excludes": (
        "This alternative of an OR only excludes words: "
        "add a word to look for, or move the exclusion outside the OR."
    ),
    "empty_query": "The query is empty: type the words to look for.",
    "query_too_long": "The query is too long: at most {limit} characters, this one has {length}.",
    "no_words": "The query has no words to look for.",
    "too_many_terms": (
        "Too many terms: at most {limit} words or phrases per query, this one has {count}."
    ),
    "too_deep": (
        "The query is nested too deeply: at most {limit} levels of parentheses, NOT and -."
    ),
    # /alias
    "alias_empty": (
        "Write the spellings to join, separated by =, like /alias Laftit = لفتيت = Lafdit."
    ),
    "alias_no_separator": "Separate the spellings with =, like /alias Laftit = لفتيت = Lafdit.",
    "alias_empty_entry": "There is an empty spelling here: remove the extra =.",
    "alias_forbidden_character": "An alias is plain words: no quotes or parentheses.",
    "alias_operator": 'An alias is plain words: "{operator}" is a query operator.',
    "alias_leading_minus": "An alias is plain words: it cannot start with -.",
    "alias_entry_too_long": "This spelling is too long: at most {limit} characters.",
    "alias_no_letters": "This spelling has no letters or digits.",
    "alias_entry_too_many_words": "This spelling is too long: at most {limit} words.",
    "alias_too_few_entries": "An alias needs at least two different spellings.",
    "alias_too_many_entries": "At most {limit} spellings per alias.",
}

_FR: dict[str, str] = {
    "unclosed_quote": 'Ce guillemet n’est jamais fermé : ajoutez un " après l’expression.',
    "detached_minus": 'Le signe "-" doit être collé au mot qu’il exclut, comme -macaron.',
    "near_too_far": "{operator} : distance trop grande, utilisez au plus NEAR/{limit}.",
    "near_without_distance": "NEAR doit être suivi d’une distance en mots, comme NEAR/5.",
    "unmatched_close_paren": 'Cette parenthèse ")" n’a pas de "(" correspondante.',
    "operator_needs_both_sides": (
        '"{operator}" doit avoir un mot, une expression ou un groupe de chaque côté.'
    ),
    "or_side_empty": "Un des côtés de ce OR ne contient aucun mot à chercher.",
    "not_needs_operand": '"NOT" doit être suivi d’un mot, d’une expression ou d’un groupe.',
    "minus_needs_operand": (
        'Le signe "-" doit être suivi d’un mot, d’une expression ou d’un groupe.'
    ),
    "near_needs_both_sides": "{operator} doit avoir un mot ou une expression de chaque côté.",
    "near_needs_terms": (
        "{operator} relie deux mots ou expressions entre guillemets, comme Bourita NEAR/5 Albares."
    ),
    "near_chain": "NEAR ne relie que deux mots ou expressions ; utilisez AND entre les paires.",
    "unclosed_paren": 'Cette parenthèse n’est jamais fermée : ajoutez ")".',
    "empty_parens": "Ces parenthèses sont vides.",
    "title_needs_term": (
        '"title:" doit être suivi d’un mot ou d’une expression entre guillemets, '
        'comme title:Macron ou title:"Coupe du monde".'
    ),
    "misplaced_operator": '"{operator}" n’a pas sa place ici.',
    "empty_phrase": "Ces guillemets ne contiennent aucun mot.",
    "only_exclusions": (
        "La requête ne fait qu’exclure des mots : ajoutez au moins un mot à chercher."
    ),
    "or_alternative_only_excludes": (
        "Cette branche du OR ne fait qu’exclure des mots : "
        "ajoutez un mot à chercher, ou placez l’exclusion en dehors du OR."
    ),
    "empty_query": "La requête est vide : tapez les mots à chercher.",
    "query_too_long": (
        "La requête est trop longue : {limit} caractères au maximum, celle-ci en compte {length}."
    ),
    "no_words": "La requête ne contient aucun mot à chercher.",
    "too_many_terms": (
        "Trop de termes : {limit} mots ou expressions au maximum par requête, "
        "celle-ci en compte {count}."
    ),
    "too_deep": (
        "La requête est trop imbriquée : {limit} niveaux de parenthèses, NOT et - au maximum."
    ),
    "alias_empty": (
        "Écrivez les graphies à regrouper, séparées par =, comme /alias Laftit = لفتيت = Lafdit."
    ),
    "alias_no_separator": "Séparez les graphies par =, comme /alias Laftit = لفتيت = Lafdit.",
    "alias_empty_entry": "Il y a ici une graphie vide : retirez le = en trop.",
    "alias_forbidden_character": (
        "Un alias se compose de mots simples : ni guillemets ni parenthèses."
    ),
    "alias_operator": (
        'Un alias se compose de mots simples : "{operator}" est un opérateur de requête.'
    ),
    "alias_leading_minus": (
        "Un alias se compose de mots simples : il ne peut pas commencer par -."
    ),
    "alias_entry_too_long": "Cette graphie est trop longue : {limit} caractères au maximum.",
    "alias_no_letters": "Cette graphie ne contient ni lettre ni chiffre.",
    "alias_entry_too_many_words": "Cette graphie est trop longue : {limit} mots au maximum.",
    "alias_too_few_entries": "Un alias doit comporter au moins deux graphies différentes.",
    "alias_too_many_entries": "Au plus {limit} graphies par alias.",
}

_AR: dict[str, str] = {
    "unclosed_quote": 'علامة التنصيص هذه غير مغلقة: أضف " بعد العبارة.',
    "detached_minus": 'يجب أن تُلصق العلامة "-" بالكلمة التي تستبعدها، مثل -macaron.',
    "near_too_far": "المسافة في {operator} كبيرة جدا: الحد الأقصى هو NEAR/{limit}.",
    "near_without_distance": "يحتاج NEAR إلى مسافة بعدد الكلمات، مثل NEAR/5.",
    "unmatched_close_paren": 'هذا القوس ")" ليس له قوس "(" مقابل.',
    "operator_needs_both_sides": 'يحتاج "{operator}" إلى كلمة أو عبارة أو مجموعة على كل جانب.',
    "or_side_empty": "أحد طرفي OR هذا لا يحتوي على أي كلمة للبحث عنها.",
    "not_needs_operand": 'يجب أن تأتي بعد "NOT" كلمة أو عبارة أو مجموعة.',
    "minus_needs_operand": 'يجب أن تأتي بعد العلامة "-" كلمة أو عبارة أو مجموعة.',
    "near_needs_both_sides": "يحتاج {operator} إلى كلمة أو عبارة على كل جانب.",
    "near_needs_terms": (
        "يربط {operator} بين كلمتين أو عبارتين بين علامتي تنصيص، مثل Bourita NEAR/5 Albares."
    ),
    "near_chain": "لا يربط NEAR إلا بين كلمتين أو عبارتين؛ استعمل AND بين كل زوج وآخر.",
    "unclosed_paren": 'هذا القوس غير مغلق: أضف ")".',
    "empty_parens": "هذان القوسان فارغان.",
    "title_needs_term": (
        'يجب أن تأتي بعد "title:" كلمة أو عبارة بين علامتي تنصيص، '
        'مثل title:Macron أو title:"Coupe du monde".'
    ),
    "misplaced_operator": '"{operator}" في غير موضعه هنا.',
    "empty_phrase": "لا تحتوي علامتا التنصيص هاتان على أي كلمة.",
    "only_exclusions": "الاستعلام يستبعد كلمات فقط: أضف كلمة واحدة على الأقل للبحث عنها.",
    "or_alternative_only_excludes": (
        "هذا البديل في OR يستبعد كلمات فقط: أضف كلمة للبحث عنها، أو انقل الاستبعاد خارج OR."
    ),
    "empty_query": "الاستعلام فارغ: اكتب الكلمات التي تبحث عنها.",
    "query_too_long": (
        "الاستعلام طويل جدا: يجب ألا يتجاوز عدد أحرفه {limit}، وهذا الاستعلام فيه {length}."
    ),
    "no_words": "لا يحتوي الاستعلام على أي كلمة للبحث عنها.",
    "too_many_terms": (
        "عدد الكلمات والعبارات كبير جدا: يجب ألا يتجاوز {limit} في الاستعلام الواحد، "
        "وهذا الاستعلام فيه {count}."
    ),
    "too_deep": (
        "الاستعلام متداخل أكثر من اللازم: يجب ألا يتجاوز عدد مستويات الأقواس و NOT و - "
        "المتداخلة {limit}."
    ),
    "alias_empty": (
        "أدخل الكتابات المراد جمعها مفصولة بعلامة =، مثل /alias Laftit = لفتيت = Lafdit."
    ),
    "alias_no_separator": "افصل بين الكتابات بعلامة =، مثل /alias Laftit = لفتيت = Lafdit.",
    "alias_empty_entry": "توجد هنا كتابة فارغة: احذف علامة = الزائدة.",
    "alias_forbidden_character": "الاسم البديل كلمات عادية فقط: بدون علامات تنصيص أو أقواس.",
    "alias_operator": 'الاسم البديل كلمات عادية فقط: "{operator}" من عوامل الاستعلام.',
    "alias_leading_minus": "الاسم البديل كلمات عادية فقط: لا يمكن أن يبدأ بالعلامة -.",
    "alias_entry_too_long": "هذه الكتابة طويلة جدا: يجب ألا يتجاوز عدد أحرفها {limit}.",
    "alias_no_letters": "هذه الكتابة لا تحتوي على حروف أو أرقام.",
    "alias_entry_too_many_words": "هذه الكتابة طويلة جدا: يجب ألا يتجاوز عدد كلماتها {limit}.",
    "alias_too_few_entries": "يحتاج الاسم البديل إلى كتابتين مختلفتين على الأقل.",
    "alias_too_many_entries": "يجب ألا يتجاوز عدد الكتابات {limit} في الاسم البديل الواحد.",
}

MESSAGES: dict[str, dict[str, str]] = {"en": _EN, "fr": _FR, "ar": _AR}


def describe_error(error: QueryError, language: str) -> str:
    """The reason `error` was raised, in `language` (``"en"``, ``"fr"`` or ``"ar"``).

    Falls back to the English template for a language or key it lacks, and to
    ``error.message`` when the error has no key, an unknown key, or params that do not
    fit the template."""
    if error.key is None or error.key not in _EN:
        return error.message
    params = dict(error.params or {})
    for template in (MESSAGES.get(language, _EN).get(error.key), _EN[error.key]):
        if template is None:
            continue
        try:
            return template.format(**params)
        except (KeyError, IndexError, ValueError):
            continue
    return error.message
