"""Every query and alias error carries a key, and every key is translated."""

from __future__ import annotations

import ast
import string
from collections.abc import Callable
from pathlib import Path

import pytest

import bot.matching.aliases
import bot.matching.lexer
import bot.matching.parser
import bot.matching.syntax
from bot.matching import QueryError, compile_query, parse_alias
from bot.telegram.query_errors import MESSAGES, describe_error
from bot.telegram.texts import LANGUAGES


def _query(text: str) -> Callable[[], object]:
    return lambda: compile_query(text)


def _alias(text: str) -> Callable[[], object]:
    return lambda: parse_alias(text)


# (what to run, the key it must raise); together they produce every key of the catalog
CASES: list[tuple[str, Callable[[], object], str]] = [
    ('Macron "Coupe du', _query('Macron "Coupe du'), "unclosed_quote"),
    ("Macron - macaron", _query("Macron - macaron"), "detached_minus"),
    ("a NEAR/99 b", _query("a NEAR/99 b"), "near_too_far"),
    ("Bourita near/99 Albares", _query("Bourita near/99 Albares"), "near_too_far"),
    ("Bourita NEAR Albares", _query("Bourita NEAR Albares"), "near_without_distance"),
    ("Bourita NEAR/x Albares", _query("Bourita NEAR/x Albares"), "near_without_distance"),
    ("Macron)", _query("Macron)"), "unmatched_close_paren"),
    ("Macron AND", _query("Macron AND"), "operator_needs_both_sides"),
    ("AND Macron", _query("AND Macron"), "operator_needs_both_sides"),
    ("OR Macron", _query("OR Macron"), "operator_needs_both_sides"),
    ("Macron OR", _query("Macron OR"), "operator_needs_both_sides"),
    ("a OR !!!", _query("a OR !!!"), "or_side_empty"),
    ("Macron NOT", _query("Macron NOT"), "not_needs_operand"),
    ("Macron NOT !!!", _query("Macron NOT !!!"), "not_needs_operand"),
    ("(a -)", _query("(a -)"), "minus_needs_operand"),
    ("a -!!!", _query("a -!!!"), "minus_needs_operand"),
    ("Bourita NEAR/3", _query("Bourita NEAR/3"), "near_needs_both_sides"),
    ("NEAR/3 Albares", _query("NEAR/3 Albares"), "near_needs_both_sides"),
    ("(a b) NEAR/3 c", _query("(a b) NEAR/3 c"), "near_needs_terms"),
    ("a NEAR/3 b NEAR/3 c", _query("a NEAR/3 b NEAR/3 c"), "near_chain"),
    ("(Macron OR Bayrou", _query("(Macron OR Bayrou"), "unclosed_paren"),
    ("()", _query("()"), "empty_parens"),
    ("title:", _query("title:"), "title_needs_term"),
    ("title:(a b)", _query("title:(a b)"), "title_needs_term"),
    ("a NEAR/5 NOT b", _query("a NEAR/5 NOT b"), "misplaced_operator"),
    ("a NEAR/5 -b", _query("a NEAR/5 -b"), "misplaced_operator"),
    ('""', _query('""'), "empty_phrase"),
    ("-macaron", _query("-macaron"), "only_exclusions"),
    ("NOT macaron", _query("NOT macaron"), "only_exclusions"),
    ("Macron OR -macaron", _query("Macron OR -macaron"), "or_alternative_only_excludes"),
    ("(empty)", _query(""), "empty_query"),
    ("x * 301", _query("x" * 301), "query_too_long"),
    ("!!! ???", _query("!!! ???"), "no_words"),
    ("21 words", _query(" ".join(f"w{i}" for i in range(21))), "too_many_terms"),
    ("( * 200", _query("(" * 200 + "Macron"), "too_deep"),
    ("/alias", _alias("/alias"), "alias_empty"),
    ("/alias Laftit", _alias("/alias Laftit"), "alias_no_separator"),
    ("/alias Laftit == لفتيت", _alias("/alias Laftit == لفتيت"), "alias_empty_entry"),
    ('/alias "Laftit" = لفتيت', _alias('/alias "Laftit" = لفتيت'), "alias_forbidden_character"),
    (
        "/alias Laftit OR Lafdit = لفتيت",
        _alias("/alias Laftit OR Lafdit = لفتيت"),
        "alias_operator",
    ),
    ("/alias title: Laftit = لفتيت", _alias("/alias title: Laftit = لفتيت"), "alias_operator"),
    ("/alias -Laftit = لفتيت", _alias("/alias -Laftit = لفتيت"), "alias_leading_minus"),
    ("/alias a*81 = b", _alias("/alias " + "a" * 81 + " = b"), "alias_entry_too_long"),
    ("/alias !!! = لفتيت", _alias("/alias !!! = لفتيت"), "alias_no_letters"),
    ("/alias a b c d e f g = x", _alias("/alias a b c d e f g = x"), "alias_entry_too_many_words"),
    ("/alias Laftit = laftit", _alias("/alias Laftit = laftit"), "alias_too_few_entries"),
    (
        "/alias w0 = … = w20",
        _alias("/alias " + " = ".join(f"w{i}" for i in range(21))),
        "alias_too_many_entries",
    ),
]


def _raise(run: Callable[[], object]) -> QueryError:
    with pytest.raises(QueryError) as info:
        run()
    return info.value


@pytest.mark.parametrize(("run", "key"), [(c[1], c[2]) for c in CASES], ids=[c[0] for c in CASES])
def test_each_error_has_its_key(run: Callable[[], object], key: str) -> None:
    error = _raise(run)
    assert error.key == key, error.message
    assert error.key in MESSAGES["en"]


def test_every_catalog_key_is_produced() -> None:
    produced = {_raise(run).key for _, run, _ in CASES}
    assert produced == set(MESSAGES["en"])


def test_every_raise_site_passes_a_key() -> None:
    """Static check: no `raise QueryError(...)` / `raise AliasError(...)` without ``key=``,
    and every literal key is in the catalog."""
    sites = 0
    for module in (
        bot.matching.lexer,
        bot.matching.parser,
        bot.matching.syntax,
        bot.matching.aliases,
    ):
        assert module.__file__ is not None
        tree = ast.parse(Path(module.__file__).read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Raise) or not isinstance(node.exc, ast.Call):
                continue
            func = node.exc.func
            if not (isinstance(func, ast.Name) and func.id in ("QueryError", "AliasError")):
                continue
            sites += 1
            keys = [k.value for k in node.exc.keywords if k.arg == "key"]
            assert keys, f"{module.__name__}:{node.lineno} raises without key="
            if isinstance(keys[0], ast.Constant):
                assert keys[0].value in MESSAGES["en"], f"{module.__name__}:{node.lineno}"
    assert sites >= len(MESSAGES["en"])


@pytest.mark.parametrize(("run", "key"), [(c[1], c[2]) for c in CASES], ids=[c[0] for c in CASES])
def test_english_template_reproduces_message(run: Callable[[], object], key: str) -> None:
    error = _raise(run)
    assert describe_error(error, "en") == error.message


@pytest.mark.parametrize(("run", "key"), [(c[1], c[2]) for c in CASES], ids=[c[0] for c in CASES])
@pytest.mark.parametrize("language", ["fr", "ar"])
def test_translations_render(run: Callable[[], object], key: str, language: str) -> None:
    error = _raise(run)
    reason = describe_error(error, language)
    assert reason and reason != error.message
    assert "{" not in reason and "}" not in reason
    for value in (error.params or {}).values():
        assert str(value) in reason


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}


def test_every_key_has_every_language() -> None:
    assert set(MESSAGES) == set(LANGUAGES)
    for language in LANGUAGES:
        assert set(MESSAGES[language]) == set(MESSAGES["en"]), language
        assert all(t.strip() for t in MESSAGES[language].values()), language


@pytest.mark.parametrize("language", ["fr", "ar"])
def test_translations_use_the_english_placeholders(language: str) -> None:
    for key, english in MESSAGES["en"].items():
        assert _fields(MESSAGES[language][key]) == _fields(english), (language, key)


@pytest.mark.parametrize("language", ["fr", "ar"])
def test_syntax_tokens_stay_untranslated(language: str) -> None:
    tokens = ("OR", "AND", "NOT", "NEAR", "title:", "-macaron", "/alias Laftit = لفتيت = Lafdit")
    for key, english in MESSAGES["en"].items():
        for token in tokens:
            if token in english:
                assert token in MESSAGES[language][key], (language, key, token)


def test_fallbacks() -> None:
    plain = QueryError("Something odd.", 3)
    assert plain.key is None and plain.params is None
    assert describe_error(plain, "fr") == "Something odd."
    unknown = QueryError("Something odd.", 3, key="no_such_key")
    assert describe_error(unknown, "ar") == "Something odd."
    error = _raise(_query("()"))
    assert describe_error(error, "de") == error.message
    assert describe_error(error, "fr") == "Ces parenthèses sont vides."
    missing = QueryError("Too long.", 0, key="query_too_long", params={"limit": 300})
    assert describe_error(missing, "fr") == "Too long."


def test_params() -> None:
    error = _raise(_query("x" * 412))
    assert error.params == {"limit": 300, "length": 412}
    assert describe_error(error, "fr") == (
        "La requête est trop longue : 300 caractères au maximum, celle-ci en compte 412."
    )
    error = _raise(_alias("/alias Laftit AND Lafdit = لفتيت"))
    assert error.params == {"operator": "AND"}
    assert '"AND"' in describe_error(error, "ar")
