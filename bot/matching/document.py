"""An article analysed once, then asked about by any number of queries.

Rules: a form's occurrences are (field, first token, last token); a form spans several
tokens only when it is the solid reading of a compound (``sous-traitance``, ``anti
corruption``, ``Ben Slimane``: see `compounds`).
"""

from __future__ import annotations

from bot.matching.compounds import joins
from bot.matching.relation import text_keys
from bot.matching.tokens import Token, tokenize
from bot.matching.types import Document, Field

FIELDS: tuple[Field, Field] = ("title", "text")

Occurrence = tuple[int, int, int]  # (field index, first token index, last token index)


class AnalyzedDocument:
    """Tokens of both fields, where each distinct word occurs, and every lookup key.

    ``forms`` maps each distinct article word (folded), and the solid reading of each
    compound, to its occurrences; ``keys`` maps every lookup key to the form filed under
    it, or to a list when there are several (most keys have one: no list to make and free
    for them).  Its keys are exactly the union of ``term_keys(form, form in capitalised)``
    over the forms (what the archive index files).
    ``capitalised``: the forms written capitalised somewhere.  ``key_set``: the keys as a
    set, for set operations that read each key's stored hash instead of the key itself
    (keys are interned: see `relation`).

    ``cache`` memoises per-term results for the queries asked about this document, so that
    many subscriptions sharing a word only pay for it once."""

    __slots__ = ("cache", "capitalised", "document", "fields", "forms", "key_set", "keys")

    def __init__(self, document: Document) -> None:
        self.document = document
        self.fields: tuple[list[Token], list[Token]] = (
            tokenize(document.title),
            tokenize(document.text),
        )
        forms: dict[str, list[Occurrence]] = {}
        capitalised: set[str] = set()
        for f, tokens in enumerate(self.fields):
            for i, token in enumerate(tokens):
                occ = forms.get(token.norm)
                if occ is None:
                    forms[token.norm] = [(f, i, i)]
                else:
                    occ.append((f, i, i))
                if token.cap:
                    capitalised.add(token.norm)
            for norm, first, last in joins(document.field(FIELDS[f]), tokens):
                forms.setdefault(norm, []).append((f, first, last))
                if tokens[first].cap:
                    capitalised.add(norm)
        keys: dict[str, str | list[str]] = {}
        get = keys.get
        for norm in forms:
            for key in text_keys(norm, norm in capitalised):
                filed = get(key)
                if filed is None:  # most keys belong to one form: no list for them
                    keys[key] = norm
                elif type(filed) is str:
                    keys[key] = [filed, norm]
                else:
                    filed.append(norm)  # type: ignore[union-attr]
        self.forms = forms
        self.keys = keys
        self.key_set = set(keys)
        self.capitalised = capitalised
        self.cache: dict[object, object] = {}

    @staticmethod
    def term_keys(norm: str, capitalised: bool) -> tuple[str, ...]:
        """The keys a form is filed under (see ``keys``)."""
        return text_keys(norm, capitalised)
