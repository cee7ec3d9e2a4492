"""The gettext catalogs (``bot/locales/<language>/LC_MESSAGES/rasd.po``), read on first use.

Each ``.po`` is read with Babel once per process, on the first text asked for in its language
(not at import), and kept. No compile step: ``pip install -e .`` and a fresh clone read the same
files the translators edit, and the wheel ships them as package data.

Conventions of these catalogs:

* ``msgid`` is the text's key (``subscribed``, ``digest_header``), the one call sites pass;
  ``msgstr`` is the HTML text with ``str.format`` placeholders (``{query}``).
* A text with a count is a plural entry: ``msgid_plural`` names the placeholder whose value
  picks the form (``"{count}"``, ``"{limit}"``), and ``msgstr[i]`` are the forms in the order of
  the file's ``Plural-Forms`` formula (Arabic: zero, one, two, few, many, other).
* A text that begins with a line break (a section appended to another, such as ``help_admin``)
  has its key begin with one too, ``msgid "\\nhelp_admin"``, as ``msgfmt --check`` requires; the
  key is the msgid without its line breaks.
* A key defined twice in one file is an error (gettext tools reject it; Babel would keep the
  first silently).
"""

from __future__ import annotations

import gettext
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from importlib import resources

from babel import Locale
from babel.messages.pofile import read_po

DOMAIN = "rasd"
_MSGID = re.compile(r'^msgid "(.+)"$', re.MULTILINE)
_COUNT_NAME = re.compile(r"^\{(\w+)\}$")


@dataclass(frozen=True, slots=True)
class PluralText:
    count: str  # the placeholder whose value picks the form
    forms: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Catalog:
    language: str
    texts: dict[str, str]
    plurals: dict[str, PluralText]
    nplurals: int
    formula: str  # the Plural-Forms expression, C syntax
    index: Callable[[int], int]  # that expression compiled: whole count -> form index

    def form_index(self, count: float) -> int:
        """Which form a count takes: the file's formula for a whole number; for a fraction
        (1.5 min) the form CLDR gives it, found through a whole number of the same category."""
        if float(count).is_integer():
            return self.index(abs(int(count)))
        return _fraction_index(self.language, self.formula, abs(float(count)))


def path(language: str) -> resources.abc.Traversable:
    return resources.files("bot").joinpath("locales", language, "LC_MESSAGES", f"{DOMAIN}.po")


@cache
def load(language: str) -> Catalog:
    """The catalog of ``language``, read once (raises if the file is missing or malformed)."""
    raw = path(language).read_bytes()
    keys = _MSGID.findall(raw.decode("utf-8"))
    twice = sorted({key for key in keys if keys.count(key) > 1})
    if twice:
        raise RuntimeError(f"text keys defined twice in {language}: {twice}")
    with path(language).open("rb") as handle:
        po = read_po(handle, locale=language, domain=DOMAIN, abort_invalid=True)
    texts: dict[str, str] = {}
    plurals: dict[str, PluralText] = {}
    seen: set[str] = set()
    for message in po:
        if not message.id:
            continue  # the header
        key = (message.id if isinstance(message.id, str) else message.id[0]).strip("\n")
        if key in seen:
            raise RuntimeError(f"text keys defined twice in {language}: {[key]}")
        seen.add(key)
        if not isinstance(message.id, str):
            counted = message.id[1]
            name = _COUNT_NAME.match(counted)
            if name is None:
                raise RuntimeError(f"{language}: {key}: msgid_plural must name the count: {{n}}")
            forms = () if isinstance(message.string, str) else tuple(message.string or ())
            if len(forms) == po.num_plurals and all(forms):  # else untranslated: English
                plurals[key] = PluralText(name.group(1), forms)
        elif isinstance(message.string, str) and message.string:
            texts[key] = message.string
    return Catalog(
        language=language,
        texts=texts,
        plurals=plurals,
        nplurals=po.num_plurals,
        formula=po.plural_expr,
        index=gettext.c2py(po.plural_expr),
    )


def _fraction_index(language: str, formula: str, count: float) -> int:
    return _category_index(language, formula, Locale.parse(language).plural_form(count))


@cache
def _category_index(language: str, formula: str, category: str) -> int:
    index = gettext.c2py(formula)
    rule = Locale.parse(language).plural_form
    for whole in range(1000):
        if rule(whole) == category:
            return index(whole)
    return index(1000)
