"""The spellings of a query word under which the article words it meets are filed.

`bot.matching.fuzzy` relates two words; its lookup keys find most related pairs from either
side (one-letter deletions, from six letters).  Some rules change no length, or relate
words too short for deletion keys: those article words stay filed under their own spelling
only, and `respellings` gives a query word every spelling those rules reach, at most
`MAX_RESPELLINGS` of a kind (past that, the query only finds its own spelling):

* Latin: ou/w and sh/ch (``Chaouki`` → ``chawki``, ``shawki``…);
* Arabic, a word shaped like a foreign name: its emphatic/plain letters and ج/غ
  (``بوتين`` → ``بوطين``);
* Arabic: interdentals written as stops (``البيظاء``), a hamza on another seat after a long
  vowel and a long vowel letter moved by one place (below six letters).

Each kind follows the rule of `fuzzy` it serves, through that module's names, so a rule
changed there changes its spellings here.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from typing import Final

from bot.matching import fuzzy
from bot.matching.normalize import is_arabic

MAX_RESPELLINGS: Final = 8


def respellings(word: str, length: int) -> list[str]:
    """The spellings of a Latin query word by ou/w and sh/ch (degeminated, the word's own
    included), or of an Arabic one by the kinds of the module documentation, under which
    the article words it meets by those rules are filed; none past `MAX_RESPELLINGS` for a
    kind, where the query only finds its own spellings."""
    if is_arabic(word):
        return (
            _emphatic_respellings(word, length)
            + _stop_respellings(word, length)
            + _seat_respellings(word, length)
            + _move_respellings(word, length)
        )
    if length < fuzzy.MIN_OU_W or any(ch.isdigit() for ch in word):
        return []
    parts = re.split(r"(w|ch)", fuzzy.respell(fuzzy.degeminate(word)))
    choices = [("w", "ou") if p == "w" else ("ch", "sh") if p == "ch" else (p,) for p in parts]
    return _spellings(choices)


def _spellings(choices: Sequence[tuple[str, ...]]) -> list[str]:
    """Every word the letter choices spell, or none past `MAX_RESPELLINGS`."""
    if 2 ** sum(len(c) == 2 for c in choices) > MAX_RESPELLINGS:
        return []
    return ["".join(p) for p in itertools.product(*choices)]


def _emphatic_respellings(word: str, length: int) -> list[str]:
    if length < fuzzy.MIN_NAME_EMPHATIC or not fuzzy.foreign_shaped(word):
        return []
    choices = [(ch, fuzzy.NAME_PARTNER[ch]) if ch in fuzzy.NAME_PARTNER else (ch,) for ch in word]
    return _spellings(choices)


def _stop_respellings(word: str, length: int) -> list[str]:
    """An Arabic word's spellings with its interdentals written as stops (البيضاء / البيظاء,
    البرغوثي / البرغوتي), and its ض as ظ, the one stop writers also put for its interdental
    (الضباب / الظباب); ت and د, far more common, are left as typed."""
    if length < fuzzy.MIN_INTERDENTAL:
        return []
    choices: list[tuple[str, ...]] = []
    for ch in word:
        stop = fuzzy.STOPS.get(ch)
        if stop is not None and length >= stop[1]:
            choices.append((ch, stop[0]))
        else:
            choices.append((ch, fuzzy.ZAH) if ch == fuzzy.DAD else (ch,))
    return _spellings(choices) if any(len(c) == 2 for c in choices) else []


def _move_respellings(word: str, length: int) -> list[str]:
    """An Arabic word's spellings with a long vowel letter moved (`fuzzy.vowel_moved`), for
    the lengths that deletion keys do not cover."""
    if not fuzzy.MIN_VOWEL_MOVE <= length < fuzzy.MIN_DELETION_KEYS:
        return []
    return [
        word[:i] + word[i + 1] + word[i] + word[i + 2 :]
        for i in range(len(word) - 1)
        if word[i] != word[i + 1] and fuzzy.vowel_moved(word, i, length)
    ]


def _seat_respellings(word: str, length: int) -> list[str]:
    """An Arabic word's spellings with the hamza after a long vowel on each other seat."""
    if length < fuzzy.MIN_HAMZA_SEAT or length >= fuzzy.MIN_DELETION_KEYS:
        return []  # longer words meet through their deletion keys
    spots = [
        i
        for i in range(1, len(word))
        if word[i] in fuzzy.ARABIC_LONG_LETTERS and fuzzy.hamza_seat(word, i)
    ]
    if len(spots) != 1:
        return []
    i = spots[0]
    return [
        word[:i] + ch + word[i + 1 :] for ch in sorted(fuzzy.ARABIC_LONG_LETTERS) if ch != word[i]
    ]
