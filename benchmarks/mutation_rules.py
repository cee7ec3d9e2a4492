"""The matcher's rules, one line each, and how to switch each off: the table
``benchmarks/rule_mutations.py`` runs (read its docstring). An id, what the rule does, the
module of ``bot.matching`` it lives in, and its mutations (``benchmarks/mutations.py``: `Set`
a threshold or table to something that never applies, `Stub` a function, `Edit` one
function's source). A new rule in ``bot/matching`` gets a line here and a test that fails
without it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from types import ModuleType
from typing import Any

from benchmarks.mutations import Edit, Mutation, Rule, Set, Stub

NEVER = 10**9  # a length no word reaches


def R(rule_id: str, what: str, module: str, *mutations: Mutation) -> Rule:
    return Rule(rule_id, what, f"bot.matching.{module}", mutations)


def _none(_: Any) -> Callable[..., list[str]]:
    return lambda *args, **kwargs: []


def _false(_: Any) -> Callable[..., bool]:
    return lambda *args, **kwargs: False


def _identity(_: Any) -> Callable[[str], str]:
    return lambda word: word


def _drop_prefixes(letters: str) -> Callable[[ModuleType], tuple[str, ...]]:
    return lambda m: tuple(p for p in m.PROCLITICS if not p.startswith(tuple(letters)))


ALEF_LAM = "\u0627\u0644"
# fmt: off
RULES: tuple[Rule, ...] = (
    # --- normalisation (normalize.py)
    R("fold.case", "case folding", "normalize",
      Edit("fold", "text.lower()", "text"), Edit("fold", ".casefold()", "")),
    R("fold.marks", "accents and Arabic diacritics removed", "normalize",
      Edit("fold", 'unicodedata.category(ch) != "Mn"', "True")),
    R("fold.hamza_waw", "ئو = ؤو (الشئون / الشؤون)", "normalize",
      Edit("fold", ".replace(_YEH_HAMZA_WAW, _WAW_HAMZA_WAW)", "")),
    R("fold.letters", "ة→ه ى→ي and Persian/Maghrebi letters folded", "normalize",
      Set("_TABLE", lambda m: str.maketrans(m._DIGITS | m._REMOVED), computed=True)),
    R("fold.digits", "Arabic-Indic digits → 0-9", "normalize",
      Set("_TABLE", lambda m: str.maketrans(m._LETTERS | m._REMOVED), computed=True)),
    R("fold.invisible", "tatweel and joiners removed", "normalize",
      Set("_TABLE", lambda m: str.maketrans(m._LETTERS | m._DIGITS), computed=True)),
    # --- tokens (tokens.py)
    R("tokens.elision", "French elisions cut (l' d' qu')", "tokens", Set("ELISIONS", frozenset())),
    R("tokens.possessive", "English possessive 's dropped", "tokens",
      Edit("_analyse", 'fold(parts[-1]) == "s"', "False")),
    R("tokens.sentence", "a sentence boundary counts as a position", "tokens",
      Edit("tokenize", ">= prev_end:\n                pos += 1",
           ">= prev_end:\n                pass")),
    R("tokens.apostrophe", "another apostrophe joins (aujourd'hui)", "tokens",
      Edit("_analyse", 'word = "".join(parts)', 'word = " ".join(parts)')),
    R("tokens.numbers", "3,5 and 1.000 stay one number", "tokens",
      Set("_TOKEN", lambda m: re.compile(rf"{m._W}+(?:[{m._APOSTROPHES}](?={m._W}){m._W}+)*"),
          computed=True)),
    R("tokens.hamza_al", "أل/إل is not the article (ألباريس)", "tokens",
      Set("_HAMZA_AL", re.compile("(?!)"))),
    # --- morphology (morph.py)
    R("morph.conjunction", "proclitic و ف", "morph",
      Set("PROCLITICS", _drop_prefixes("\u0648\u0641"), computed=True)),
    R("morph.preposition", "proclitic ب ك ل", "morph",
      Set("PROCLITICS", _drop_prefixes("\u0628\u0643\u0644"), computed=True)),
    R("morph.article", "article ال in the article's word", "morph",
      Set("PROCLITICS", lambda m: tuple(p for p in m.PROCLITICS if ALEF_LAM not in p
                                        and not p.endswith("\u0644\u0644")), computed=True)),
    R("morph.lam_lam", "ل + ال written لل", "morph",
      Set("PROCLITICS", lambda m: tuple(p for p in m.PROCLITICS if not p.endswith("\u0644\u0644")),
          computed=True)),
    R("morph.min_stem", "guard: 3 letters stay after a proclitic", "morph", Set("MIN_STEM", 1)),
    R("morph.query_article", "the query word's own ال is optional", "morph",
      Stub("query_stem", _identity)),
    R("morph.quoted_clitics", "quoted words take و ف ب ك ل", "morph",
      Edit("literal_match", "for prefix in PROCLITICS:", "for prefix in ():")),
    R("morph.quoted_article", "guard: a quoted word's article must agree", "morph",
      Edit("literal_match", "if definite and text == prefix + query[2:]:",
           "if text in (prefix + query[2:], prefix + query):")),
    R("morph.quoted_lam_lam", "a quoted ال word written لل", "morph",
      Edit("literal_match", 'if definite and query[2] == "\\u0644" and', "if False and")),
    R("morph.latin_plural", "Latin plural -s -x -es -ies -aux", "morph",
      Stub("_latin_plural_bases", _none)),
    R("morph.aux", "Latin plural -aux → -al", "morph",
      Edit("_latin_plural_bases", 'word.endswith("aux")', "False")),
    R("morph.ies", "Latin plural -ies → -y", "morph",
      Edit("_latin_plural_bases", 'word.endswith("ies")', "False")),
    R("morph.nisba", "Arabic nisba ي يه يين يون يات", "morph",
      Edit("_arabic_suffix_variants", "NISBA, n)", "-1, n)")),
    R("morph.ar_plural", "Arabic plural ين ون", "morph",
      Edit("_arabic_suffix_variants", "PLURAL, n)", "-1, n)")),
    R("morph.ar_plural_at", "Arabic feminine plural ات", "morph",
      Edit("_arabic_suffix_variants", "PLURAL_AT, n)", "-1, n)")),
    R("morph.query_plural", "a plural query meets its singular", "morph",
      Edit("query_variants", "PLURAL, n)", "-1, n)"),
      Edit("query_variants", "(base, PLURAL, len(word))", "(base, -1, len(word))")),
    R("morph.fem", "ة query stem meets ات and nisba", "morph",
      Edit("query_variants", "FEM, n)", "-1, n)")),
    R("morph.nisba_min", "guard: nisba only for nouns of 5+ letters", "morph",
      Edit("tags_compatible", "query_length >= 5", "True")),
    # --- derivation (derivation.py)
    R("deriv.french", "French noun ↔ adjective endings", "derivation",
      Stub("_french", lambda _: lambda word: set())),
    R("deriv.arabic", "Arabic adjective → noun, nisba in وي", "derivation",
      Stub("_arabic", lambda _: lambda word: set())),
    R("deriv.waw_nisba", "Arabic nisba in وي (تنمية ↔ تنموي)", "derivation",
      Set("_WAW_NISBA", ())),
    R("deriv.min_stem", "guard: French stem of 5 letters", "derivation", Set("MIN_STEM", 1)),
    R("deriv.min_stem_long", "guard: … 4 with a long ending", "derivation",
      Set("MIN_STEM_LONG_ENDING", 1)),
    R("deriv.ar_min_noun", "guard: an Arabic bare noun of 5 letters", "derivation",
      Set("MIN_NOUN_AR", 1)),
    R("deriv.ar_nisba_stem", "guard: an Arabic nisba stem of 4 letters", "derivation",
      Set("MIN_NISBA_STEM", 1)),
    # --- typo tolerance (fuzzy.py)
    R("typo.doubled", "doubled letters (Fettah/Fetah)", "fuzzy", Stub("degeminate", _identity)),
    R("typo.heh_alef", "final ة/ه ↔ ا", "fuzzy", Set("MIN_FINAL_HEH_ALEF", NEVER)),
    R("typo.vowel_swap", "a vowel for a vowel", "fuzzy", Set("MIN_VOWEL_SWAP", NEVER)),
    R("typo.transpose", "two neighbouring letters swapped", "fuzzy", Set("MIN_TRANSPOSE", NEVER)),
    R("typo.final_e", "a missing or extra final e", "fuzzy", Set("MIN_FINAL_E", NEVER)),
    R("typo.vowel_indel", "a missing or extra vowel", "fuzzy", Set("MIN_VOWEL_INDEL", NEVER)),
    R("typo.indel", "a missing or extra letter", "fuzzy", Set("MIN_INDEL", NEVER)),
    R("typo.substitute", "any letter replaced (n ≥ 11)", "fuzzy", Set("MIN_SUBSTITUTE", NEVER)),
    R("typo.deletion_keys", "one-deletion lookup keys", "fuzzy", Set("MIN_DELETION_KEYS", NEVER)),
    R("typo.first_letter", "guard: the first letter is never edited", "fuzzy",
      Edit("related", "if i == 0:\n        return False", "pass")),
    R("typo.vowel_pairs", "guard: only a/e e/i i/y o/u are vowel pairs", "fuzzy",
      Set("_LATIN_VOWEL_PAIRS", lambda m: frozenset(
          frozenset((x, y)) for x in m.LATIN_VOWELS for y in m.LATIN_VOWELS), computed=True)),
    R("typo.min_length", "guard: no edit below 5 letters", "fuzzy", Set("MIN_DEGEMINATE", 1)),
    # --- issue 14 classes 1-3 (fuzzy.py, morph.py, engine.py)
    R("typo.ar_long_letter", "Arabic long vowel or hamza added/dropped, n ≥ 5", "fuzzy",
      Set("MIN_ARABIC_VOWEL_INDEL", NEVER)),
    R("typo.ar_pattern_alef", "guard: an ا as third letter is a derived pattern", "fuzzy",
      Edit("_long_letter_spelling", "if longer[i] == _ALEF and i == 2 and", "if False and")),
    R("typo.ar_pattern_prefix", "… only after م or ت (فرانسوا/فرنسوا)", "fuzzy",
      Edit("_long_letter_spelling", " and longer[0] in _PATTERN_PREFIXES", "")),
    R("typo.ar_feminine", "guard: a feminine word keeps a long vowel", "fuzzy",
      Set("_FEMININE_ENDINGS", ())),
    R("typo.ar_nisba_yeh", "guard: the nisba ي is not a long vowel", "fuzzy",
      Edit("_long_letter_spelling", "if longer[i] == _YEH and", "if False and")),
    R("typo.emphatic", "emphatic/plain consonant swap, n ≥ 6", "fuzzy", Set("MIN_EMPHATIC", NEVER)),
    R("typo.emphatic_pairs", "guard: only ت/ط س/ص د/ض ك/ق ز/ذ", "fuzzy",
      Edit("related", "if arabic and frozenset((x, y)) in _EMPHATIC_PAIRS:", "if arabic:")),
    R("typo.ou_w", "Latin ou ↔ w next to a vowel", "fuzzy", Set("MIN_OU_W", NEVER)),
    R("typo.sh_ch", "Latin sh ↔ ch", "fuzzy", Set("MIN_SH_CH", NEVER)),
    R("typo.respellings", "ou/w and sh/ch spellings as query keys", "fuzzy",
      Stub("respellings", _none)),
    R("morph.short_clitics", "a 2-letter word takes a proclitic in company", "morph",
      Stub("takes_short_clitics", _false)),
    R("morph.short_article", "… or the article", "morph",
      Set("_SHORT_PREFIXES", lambda m: m._ONE_LETTER, computed=True)),
    R("morph.short_keys", "… found under its clitic forms' keys", "morph",
      Stub("short_clitic_keys", _none)),
    R("query.company", "guard: a short word's proclitic only in company", "engine",
      Edit("_word", "clitic = options.accompanied and", "clitic = True and")),
    R("query.company_not", "guard: an exclusion stays strict", "engine",
      Edit("build", "build(node.child, replace(options, accompanied=False))",
           "build(node.child, options)")),
    # --- names across scripts (translit.py, relation.py)
    R("translit.on", "names across scripts", "translit", Stub("corresponds", _false)),
    R("translit.min_classes", "guard: at least 3 consonants", "translit", Set("MIN_CLASSES", 2)),
    R("translit.support", "guard: a Latin vowel faces an Arabic vowel", "translit",
      Edit("compatible", "return support", "return True")),
    R("translit.gaps", "guard: vowel gaps must agree", "translit",
      Edit("compatible", "if not ok or", "if False and not ok or")),
    R("translit.digraphs", "Latin kh gh ch sh th dh ph …", "translit", Set("_LATIN_DIGRAPHS", {})),
    R("translit.silent_final", "a silent French final letter", "translit",
      Set("_SILENT_FINAL", frozenset()), Edit("latin_skeletons", '("er", "ez")', "()")),
    R("translit.article", "guard: an ال name needs a Latin initial vowel", "translit",
      Edit("compatible", "if arabic_article and not b[1][0]:", "if False:")),
    R("translit.initial_alef", "a word-initial ا only carries a hamza (أوربان)", "translit",
      Edit("_gap_ok", 'if index == 0 and arabic.startswith("A"):', "if False:")),
    R("translit.maqsura", "a final ى sounds a (بنموسى / Benmoussa)", "translit",
      Edit("_gap_ok", "final_maqsura = index == last and", "final_maqsura = False and")),
    R("translit.ier", "a final ية faces French -ier (بارنييه)", "translit",
      Edit("_gap_ok", ' and not ("Y" in arabic and "e" in latin)', "")),
    R("translit.capital", "guard: an Arabic query meets capitalised Latin only", "relation",
      Edit("word_match", "return IF_CAPITALISED", "return YES"),
      Edit("text_keys", "(arabic or capitalised)", "True")),
    R("translit.capital_each", "… and only its capitalised occurrences", "relation",
      Edit("word_match", "return IF_CAPITALISED", "return YES")),
    # --- issue 14 class 6: two-consonant names and their guards (translit.py, relation.py)
    R("translit.short", "two-consonant names (Oujda/وجدة)", "translit", Set("SHORT_CLASSES", 3)),
    R("translit.short_strict", "guard: every Latin vowel spelled (Face ≠ فاس)", "translit",
      Stub("_strict_gap_ok", lambda _: lambda *args: True)),
    R("translit.short_nisba", "guard: no nisba ending (Dati ≠ الذاتي)", "translit",
      Edit("compatible", 'if short and a[1][-1].endswith("Y"):', "if False:")),
    R("translit.short_alef", "guard: an initial alef spelled (Jour ≠ الأجور)", "translit",
      Edit("compatible", "(short or not _initial_cluster(b))",
           "(not short and not _initial_cluster(b))")),
    R("translit.long_alef", "… in longer names too (Salam ≠ إسلام)", "translit",
      Edit("compatible", "(short or not _initial_cluster(b))", "short")),
    R("translit.alef_cluster", "… but not before a Latin cluster (Driss / إدريس)", "translit",
      Stub("_initial_cluster", _false)),
    R("translit.one_vowel", "French ou ai ei au eu as one vowel (Goulmima)", "translit",
      Set("_ONE_VOWEL", frozenset())),
    R("translit.short_long_vowel", "guard: a long vowel, not ع (And ≠ عند)", "translit",
      Stub("_long_vowel", lambda _: lambda *args: True)),
    R("translit.short_spelled", "guard: no silent final (Dont ≠ دون)", "translit",
      Edit("corresponds", "if k == 0 or len(skl[0]) >= MIN_CLASSES", "if True")),
    R("translit.short_capital", "guard: a Latin query word needs its capital", "engine",
      Edit("_word", "short = token.cap or is_arabic(norm)", "short = True")),
    R("translit.latin_length", "a Latin name of 3 letters (Fès)", "translit",
      Set("MIN_LATIN_LENGTH", 4)),
    R("translit.name_stem", "an Arabic reading of 3 letters (بفاس)", "relation",
      Set("_MIN_NAME_STEM", 4)),
    R("translit.initial_vowel", "guard: no unwritten initial vowel (Ankara ≠ نكرة)", "translit",
      Edit("compatible", "if b[1][0] and not a[1][0].replace(\"'\", \"\") and not article_dropped:",
           "if False:")),
    R("translit.article_dropped", "… unless ال was dropped (Errachidia)", "relation",
      Stub("_article_dropped", _false)),
    R("translit.alef_i", "guard: ا is no i before r (Zniber ≠ الزنابير)", "translit",
      Edit("_gap_ok", 'else "aeu"', 'else "aeiu"')),
    R("translit.nasal", "ا for a nasal i (Darmanin)", "translit",
      Edit("_gap_ok", "before in _NASALS or ", "")),
    R("translit.alef_yeh", "ا beside ي for an i (Biden)", "translit",
      Edit("_gap_ok", ' or "Y" in arabic', "")),
    R("translit.alef_u", "ا for a u (Airbus)", "translit",
      Edit("_gap_ok", 'else "aeu"', 'else "ae"')),
    # --- issue 14 class 4: compounds (compounds.py, engine.py)
    R("compound.hyphen", "a hyphenated run is one solid word", "compounds",
      Set("HYPHENS", frozenset())),
    R("compound.prefix", "a prefix joins its word (anti corruption)", "compounds",
      Set("PREFIXES", frozenset())),
    R("compound.particle", "a name particle joins its name (Ben Slimane)", "compounds",
      Set("PARTICLES", frozenset())),
    R("compound.particle_capital", "guard: … both capitalised", "compounds",
      Edit("_joins_next", "left.cap and right.cap and ", "")),
    R("compound.min_rest", "guard: the joined word has 4+ letters", "compounds",
      Set("MIN_REST", 1)),
    R("compound.max_parts", "runs of 3 parts (cessez-le-feu)", "compounds", Set("MAX_PARTS", 2)),
    R("compound.solid_query", "a hyphenated query word accepts its solid form", "compounds",
      Stub("solid_form", lambda _: lambda *args: None)),
    R("compound.bare_runs", "bare words anti corruption accept the solid form", "compounds",
      Stub("bare_runs", lambda _: lambda *args: {})),
    R("typo.ie_e", "guard: -ie and -e are two nouns (économie ≠ économe)", "fuzzy",
      Edit("related", 'and longer.endswith("ie")', "and False")),
    R("compound.span", "a compound is highlighted whole", "evaluation",
      Edit("_sequence_ranges", "out.extend((f, i, e) for e in ends)",
           "out.extend((f, i, i) for e in ends)")),
    # --- query language (lexer.py, engine.py, aliases.py)
    R("query.lowercase_ops", "lower-case and/or/not are words", "lexer",
      Edit("_classify", 'if raw in ("AND", "OR", "NOT"):\n        return Lexeme(Kind(raw)',
           'if raw.upper() in ("AND", "OR", "NOT"):\n        return Lexeme(Kind(raw.upper())')),
    R("query.acronym", "all-capital acronyms need a capital", "engine",
      Edit("_word", "acronym = token.upper and", "acronym = False and")),
    R("query.quoted_exact", "quoted words: no tolerance", "relation",
      Edit("word_match", "if exact:\n        return", "if False:\n        return")),
    R("query.phrase_order", "phrase words adjacent and in order", "evaluation",
      Edit("_sequence_ranges", "and tokens[e + 1].pos == tokens[e].pos + 1", "")),
    R("query.near", "NEAR/n distance", "evaluation",
      Edit("_near_ranges", "gap <= node.distance", "True")),
    R("query.and", "every bare word must appear", "evaluation",
      Edit("evaluate", "if ranges is None:\n                return None",
           "if ranges is None:\n                continue")),
    R("query.not", "NOT excludes", "evaluation",
      Edit("evaluate", "return None if evaluate(node.child, doc) is not None else []",
           "return []")),
    R("query.title", "title: restricts to the headline", "evaluation",
      Edit("_term_ranges", "out = [r for r in out if r[0] == 0]", "pass")),
    R("query.aliases", "alias groups", "engine",
      Edit("_term", "if len(aliases) else None", "if 0 else None")),
    R("query.alias_runs", "multi-word alias entries from bare words", "engine",
      Edit("build", "if options.aliases.max_words >= 2:", "if False:")),
    R("query.alias_article", "alias entries compared without ال", "aliases",
      Edit("entry_key", "query_stem(t.norm)", "t.norm")),
)
# fmt: on
