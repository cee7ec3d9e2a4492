"""Admin-managed alias groups: spellings that mean the same name or topic.

An alias group such as ``Laftit = لفتيت = Lafdit`` applies to everyone's queries: a query
term (a word, a quoted phrase, or a run of bare words) that equals one entry of a group
also matches every other entry.  Entries are compared after normalisation and with a
leading Arabic article removed, so ``الهجرة`` and ``هجرة`` are the same entry.

`Aliases` is immutable; `Aliases.add` / `Aliases.remove` return new values.  Compiled
queries remember the aliases they were compiled with; `MatchIndex.set_aliases` recompiles
the subscriptions that use a word of a changed group when the groups change
(`Aliases.changed_since`); the others only take note of the new groups.

`parse_alias` validates the text of an ``/alias A = B = C`` command.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Final

from bot.matching.morph import query_stem
from bot.matching.tokens import tokenize
from bot.matching.types import QueryError

MAX_ENTRIES: Final = 20
MAX_ENTRY_WORDS: Final = 6
MAX_ENTRY_LENGTH: Final = 80

EntryKey = tuple[str, ...]

_COMMAND = re.compile(r"^\s*/alias(?:@\w+)?(?=\s|$)", re.IGNORECASE)
_FORBIDDEN = re.compile('[()"\u201c\u201d\u201e\u00ab\u00bb]')
_OPERATOR = re.compile(r"(?:^|\s)(AND|OR|NOT|(?i:near/\d*)|(?i:title:))(?=\s|$)")


class AliasError(QueryError):
    """An ``/alias`` command that cannot be accepted; the message is meant for the user."""


def entry_key(entry: str) -> EntryKey:
    """The normalised form under which an alias entry (or a query term) is compared."""
    return tuple(query_stem(t.norm) for t in tokenize(entry))


class Aliases:
    """A set of alias groups (see the module documentation)."""

    __slots__ = ("_changed", "_groups", "_index", "_max_words")

    def __init__(self, groups: Iterable[Iterable[str]] = ()) -> None:
        merged: list[list[str]] = []
        where: dict[EntryKey, int] = {}
        for group in groups:
            entries = [e.strip() for e in group if entry_key(e)]
            targets = sorted({where[k] for e in entries if (k := entry_key(e)) in where})
            if targets:
                home = targets[0]
                for other in targets[1:]:
                    merged[home].extend(merged[other])
                    merged[other] = []
                merged[home].extend(entries)
            else:
                home = len(merged)
                merged.append(list(entries))
            for e in merged[home]:
                where[entry_key(e)] = home
        final: list[tuple[str, ...]] = []
        for group in merged:
            seen: dict[EntryKey, str] = {}
            for e in group:
                seen.setdefault(entry_key(e), e)
            if len(seen) >= 2:
                final.append(tuple(seen.values()))
        self._groups: tuple[tuple[str, ...], ...] = tuple(final)
        self._index: dict[EntryKey, tuple[str, ...]] = {
            entry_key(e): g for g in self._groups for e in g
        }
        self._max_words = max((len(k) for k in self._index), default=0)
        # the last `changed_since` asked: recompiling an index asks once per query
        self._changed: tuple[Aliases, frozenset[str]] | None = None

    @property
    def groups(self) -> tuple[tuple[str, ...], ...]:
        """The groups, each as its entries were first written."""
        return self._groups

    @property
    def max_words(self) -> int:
        return self._max_words

    def group_of(self, key: EntryKey) -> tuple[str, ...] | None:
        """The group an entry (given by `entry_key`) belongs to, if any."""
        return self._index.get(key)

    def add(self, entries: Iterable[str]) -> Aliases:
        """A copy with one more group (merged with any group it shares an entry with)."""
        return Aliases((*self._groups, tuple(entries)))

    def remove(self, entry: str) -> Aliases:
        """A copy without `entry`; a group left with a single entry disappears."""
        key = entry_key(entry)
        return Aliases(tuple(e for e in g if entry_key(e) != key) for g in self._groups)

    def changed_since(self, old: Aliases) -> frozenset[str]:
        """The words (as `entry_key` gives them) of every entry whose group differs between
        `old` and these groups: a query with none of them compiles the same against both."""
        if self._changed is not None and self._changed[0] is old:
            return self._changed[1]
        out: set[str] = set()
        for key in old._index.keys() | self._index.keys():
            if old._index.get(key) != self._index.get(key):
                out.update(key)
        changed = frozenset(out)
        self._changed = (old, changed)
        return changed

    def __len__(self) -> int:
        return len(self._groups)

    def __iter__(self) -> Iterator[tuple[str, ...]]:
        return iter(self._groups)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Aliases):
            return NotImplemented
        return self._canonical() == other._canonical()

    def __hash__(self) -> int:
        return hash(self._canonical())

    def _canonical(self) -> frozenset[frozenset[EntryKey]]:
        return frozenset(frozenset(entry_key(e) for e in g) for g in self._groups)

    def __repr__(self) -> str:
        return f"Aliases({[list(g) for g in self._groups]!r})"


NO_ALIASES: Final = Aliases()


def parse_alias(text: str) -> tuple[str, ...]:
    """Validate ``/alias A = B = C`` (the ``/alias`` prefix is optional) and return the
    entries as written, stripped.  Raises `AliasError` with the offending position."""
    m = _COMMAND.match(text)
    start = m.end() if m else 0
    body = text[start:]
    if not body.strip():
        raise AliasError(
            "Write the spellings to join, separated by =, like /alias Laftit = لفتيت = Lafdit.",
            start,
            key="alias_empty",
        )
    if "=" not in body:
        raise AliasError(
            "Separate the spellings with =, like /alias Laftit = لفتيت = Lafdit.",
            start,
            key="alias_no_separator",
        )
    entries: list[str] = []
    keys: set[EntryKey] = set()
    offset = start
    for part in body.split("="):
        lead = len(part) - len(part.lstrip())
        entry = part.strip()
        pos = offset + lead
        if not entry:
            raise AliasError(
                "There is an empty spelling here: remove the extra =.",
                pos,
                key="alias_empty_entry",
            )
        bad = _FORBIDDEN.search(entry)
        if bad:
            raise AliasError(
                "An alias is plain words: no quotes or parentheses.",
                pos + bad.start(),
                key="alias_forbidden_character",
            )
        op = _OPERATOR.search(entry)
        if op:
            raise AliasError(
                f'An alias is plain words: "{op.group(1)}" is a query operator.',
                pos + op.start(1),
                key="alias_operator",
                params={"operator": op.group(1)},
            )
        if entry.startswith("-"):
            raise AliasError(
                "An alias is plain words: it cannot start with -.", pos, key="alias_leading_minus"
            )
        if len(entry) > MAX_ENTRY_LENGTH:
            raise AliasError(
                f"This spelling is too long: at most {MAX_ENTRY_LENGTH} characters.",
                pos,
                key="alias_entry_too_long",
                params={"limit": MAX_ENTRY_LENGTH},
            )
        key = entry_key(entry)
        if not key:
            raise AliasError("This spelling has no letters or digits.", pos, key="alias_no_letters")
        if len(key) > MAX_ENTRY_WORDS:
            raise AliasError(
                f"This spelling is too long: at most {MAX_ENTRY_WORDS} words.",
                pos,
                key="alias_entry_too_many_words",
                params={"limit": MAX_ENTRY_WORDS},
            )
        if key not in keys:
            keys.add(key)
            entries.append(entry)
        offset += len(part) + 1
    if len(entries) < 2:
        raise AliasError(
            "An alias needs at least two different spellings.", start, key="alias_too_few_entries"
        )
    if len(entries) > MAX_ENTRIES:
        raise AliasError(
            f"At most {MAX_ENTRIES} spellings per alias.",
            start,
            key="alias_too_many_entries",
            params={"limit": MAX_ENTRIES},
        )
    return tuple(entries)
