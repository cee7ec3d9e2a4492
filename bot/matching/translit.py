"""An automatic Latin ↔ Arabic name key.

Names cross scripts by their consonants: ``Akhannouch`` / ``أخنوش``, ``Bourita`` /
``بوريطة``, ``Darmanin`` / ``دارمانان``.  Both spellings are reduced to a *skeleton*: the
sequence of consonant classes, with the vowels between them kept aside as *gaps*.

Consonant classes (Latin spelling → class ← Arabic letters)::

    b p → B ← ب          t th → T ← ت ط ث       d dh → D ← د ذ ض
    s ss c(e,i,y) → S ← س ص                      z → Z ← ز ظ
    ch sh tch → C ← ش تش k q c g gu j dj gh → K ← ك ق ج غ
    kh → X ← خ           h → H ← ح ه (not final)  f ph v → F ← ف
    l → L   m → M   n → N   r → R                 x → KS

Arabic ا و ي ع ء and a final ه (from ة) are vowels (a final ي may be a folded ى and then
sounds "a": ``Benmoussa`` / ``بنموسى``); so are Latin a e i o u y w.  Doubled
Latin letters are collapsed first (Arabic script does not double letters).  A French name
may also be read without a final silent ``s t d x z`` or ``r`` after ``e`` (``Barnier`` →
``بارنييه``).

Two words correspond when their class sequences are equal (at least `MIN_CLASSES`
classes, or `SHORT_CLASSES` under the stricter rules below) and every gap agrees:

* an Arabic ``و`` needs a Latin ``o``/``u``/``w`` in the same gap, an Arabic ``ي`` an
  ``i``/``e``/``y``, an Arabic ``ا`` (not word-initial) an ``a``/``e``/``u`` (an ``i`` only
  in a French nasal vowel before ``n``/``m``, ``Darmanin`` / ``دارمانان``, or beside a
  ``ي``, ``Biden`` / ``بايدن``: so ``Zniber`` is not ``الزنابير``), an ``ع`` some Latin
  vowel and a final ``ة`` an ``a`` (``Chirac`` is not ``شراكة``), or an ``e`` after ``ي``
  (French ``-ier``: ``Barnier`` / ``بارنييه``);
* a gap without Arabic vowel letters takes at most one Latin vowel (one letter, or the
  French ``ou``: ``Khouribga`` / ``خريبكة``), and at the end of the word only a mute
  ``e``; at the start of the word none, since Arabic writes an initial vowel (``Ankara``
  is ``أنقرة``, not ``نكرة``), unless the Arabic reading lost an ``ال`` the Latin vowel
  spells (``Errachidia`` / ``الرشيدية``);
* conversely, an Arabic initial alef is a vowel the Latin spells (``Salam`` is not
  ``إسلام``), unless the Latin word starts with two consonants, which Arabic can only
  write behind an alef (``Stockholm`` / ``استوكهولم``, ``Driss`` / ``إدريس``);
* so an Arabic word read with its ``ال`` meets a Latin word that spells the article: with
  a vowel (``Albares`` / ``ألباريس``), or with an ``L`` before a consonant, as Moroccan
  French writes it (``Lhaj`` / ``الحاج``, ``Lmrabet`` / ``المرابط``);
* at least one gap is *supported*: a Latin vowel there faces an Arabic vowel letter.  This
  keeps a Latin word from meeting an Arabic word written with consonants only
  (``Fettah`` meets ``فتاح`` but not ``فتح``).

Two-consonant names (``Oujda`` / ``وجدة``, ``Fès`` / ``فاس``, ``Doha`` / ``الدوحة``) meet
only under stricter rules, since many ordinary words have two consonants: every Latin vowel
is spelled by an Arabic vowel letter (``ا`` an ``a``/``e``, ``و`` an ``o``/``u``, ``ي`` an
``i``/``y``, never an ``e``: ``Fès`` is not ``فيس``), even between the consonants (so
``Déjà`` is not ``الذكاء``, nor ``Gaza`` ``غزة``: left to aliases); the support is a long
vowel (not ``ع``, a hamza or an initial alef, which the Latin must then spell); an Arabic
word ending in ``ي`` is a nisba adjective (``Dati`` is not ``الذاتي``); the Latin word is
read as spelled (no silent final consonant) and, for a Latin query word, written with a
capital (`bot.matching.relation`'s ``SHORT_NAMES``): ``Dont`` and ``dams`` never meet
``دون`` and ``دعم``.

Skeletons are taken from the Arabic word as written and from its readings without
proclitics that keep at least 3 letters (``وبوريطة``, ``بفاس``); a Latin article word only
gets a skeleton when some occurrence is capitalised.

Measured with ``benchmarks/translit_check.py`` on data of our own (not the dev set): the
key finds 99 of 126 hand-written name pairs in each direction (79 %; 87 before the
two-consonant rules, which added ``Oujda``, ``Fès``, ``Taza``, ``Doha``, ``Attal``,
``Bayrou``…); name queries misfire on 23 of 37,632 article trials (0.06 %, against 477 true
cross-script matches: 95 % precision; the misfires are real look-alikes such as ``Tanger`` /
``تنغير``); 57 word pairs misfire out of 563,676 vocabulary pairs when two-consonant names
are allowed, mostly true translations (``gaz`` / ``الغاز``, ``million`` / ``مليون``).  On the
dev set the key takes stretch_crossscript from 0/8 to 8/8 and adds no false positive.  It is
therefore on by default.
"""

from __future__ import annotations

from typing import Final

from bot.matching.fuzzy import degeminate
from bot.matching.normalize import is_arabic

MIN_CLASSES: Final = 3
SHORT_CLASSES: Final = 2
MIN_LATIN_LENGTH: Final = 3

_ARABIC_CLASS: Final = {
    "\u0628": "B",  # ب
    "\u062a": "T",  # ت
    "\u0637": "T",  # ط
    "\u062b": "T",  # ث
    "\u062f": "D",  # د
    "\u0630": "D",  # ذ
    "\u0636": "D",  # ض
    "\u0633": "S",  # س
    "\u0635": "S",  # ص
    "\u0632": "Z",  # ز
    "\u0638": "Z",  # ظ
    "\u0634": "C",  # ش
    "\u0643": "K",  # ك
    "\u0642": "K",  # ق
    "\u062c": "K",  # ج
    "\u063a": "K",  # غ
    "\u062e": "X",  # خ
    "\u062d": "H",  # ح
    "\u0647": "H",  # ه (a final one is a vowel)
    "\u0641": "F",  # ف
    "\u0644": "L",  # ل
    "\u0645": "M",  # م
    "\u0646": "N",  # ن
    "\u0631": "R",  # ر
}
# Arabic vowel letters: A = alef, W = waw, Y = yeh, E = final heh (ta marbuta), Q = ayin/hamza
_ARABIC_VOWEL: Final = {
    "\u0627": "A",
    "\u0648": "W",
    "\u064a": "Y",
    "\u0639": "Q",
    "\u0621": "'",
}
_LATIN_DIGRAPHS: Final = {
    "kh": "X",
    "gh": "K",
    "ch": "C",
    "sh": "C",
    "th": "T",
    "dh": "D",
    "ph": "F",
    "ck": "K",
    "qu": "K",
    "dj": "K",
    "gu": "K",
}
_LATIN_CLASS: Final = {
    "b": "B",
    "p": "B",
    "t": "T",
    "d": "D",
    "s": "S",
    "z": "Z",
    "k": "K",
    "q": "K",
    "g": "K",
    "j": "K",
    "h": "H",
    "f": "F",
    "v": "F",
    "l": "L",
    "m": "M",
    "n": "N",
    "r": "R",
}
_LATIN_VOWELS: Final = frozenset("aeiouyw")
# French "ou", one short vowel that Arabic leaves unwritten like any other (``Khouribga`` /
# ``خريبكة``); the other French digraphs (ai, au, eau) face a written ي or و
_ONE_VOWEL: Final = frozenset(("ou",))
_SILENT_FINAL: Final = frozenset("stdxz")
_TEH: Final = "\u062a"  # ت
_SHEEN: Final = "\u0634"  # ش

Skeleton = tuple[str, tuple[str, ...]]  # (classes, gaps); len(gaps) == len(classes) + 1


def _finish(classes: list[str], gaps: list[str]) -> Skeleton:
    return "".join(classes), tuple(gaps)


def arabic_skeleton(word: str) -> Skeleton | None:
    """Skeleton of a folded Arabic word (proclitics already removed), or None."""
    classes: list[str] = []
    gaps: list[str] = [""]
    last = len(word) - 1
    for i, ch in enumerate(word):
        if ch == _TEH and word[i + 1 : i + 2] == _SHEEN:
            continue  # تش writes the English "ch" (تشيلسي / Chelsea, تشاد / Chad)
        if ch == "\u0647" and i == last and i > 0:
            gaps[-1] += "E"
            continue
        vowel = _ARABIC_VOWEL.get(ch)
        if vowel is not None:
            gaps[-1] += vowel
            continue
        cls = _ARABIC_CLASS.get(ch)
        if cls is None:
            return None
        classes.append(cls)
        gaps.append("")
    if len(classes) < SHORT_CLASSES:
        return None
    return _finish(classes, gaps)


def _latin_units(word: str) -> list[str] | None:
    units: list[str] = []
    i = 0
    n = len(word)
    while i < n:
        if word.startswith("tch", i):  # French for the English "ch" (Tchad)
            units.append("C")
            i += 3
            continue
        pair = word[i : i + 2]
        if pair in _LATIN_DIGRAPHS:
            units.append(_LATIN_DIGRAPHS[pair])
            i += 2
            continue
        ch = word[i]
        if ch in _LATIN_VOWELS:
            units.append(ch)
        elif ch == "c":
            units.append("S" if word[i + 1 : i + 2] in ("e", "i", "y") else "K")
        elif ch == "x":
            units.extend(("K", "S"))
        elif ch in _LATIN_CLASS:
            units.append(_LATIN_CLASS[ch])
        else:
            return None
        i += 1
    return units


def _skeleton_from_units(units: list[str]) -> Skeleton | None:
    classes: list[str] = []
    gaps: list[str] = [""]
    for u in units:
        if u.islower():
            gaps[-1] += u
            continue
        classes.append(u)
        gaps.append("")
    if len(classes) < SHORT_CLASSES:
        return None
    return _finish(classes, gaps)


def latin_skeletons(word: str) -> list[Skeleton]:
    """Skeletons of a folded Latin word: as spelled, and without a silent French ending."""
    if len(word) < MIN_LATIN_LENGTH or not word.isascii() or not word.isalpha():
        return []
    units = _latin_units(degeminate(word))
    if units is None:
        return []
    readings = [units]
    if word[-1] in _SILENT_FINAL and units[-1].isupper():
        drop = 2 if word[-1] == "x" else 1
        readings.append(units[:-drop])
    elif word.endswith(("er", "ez")):
        readings.append(units[:-1])
    out: list[Skeleton] = []
    for reading in readings:
        sk = _skeleton_from_units(reading)
        if sk is not None and sk not in out:
            out.append(sk)
    return out


def skeletons(word: str) -> list[Skeleton]:
    """Skeletons of a folded word in either script."""
    if is_arabic(word):
        sk = arabic_skeleton(word)
        return [] if sk is None else [sk]
    return latin_skeletons(word)


def _key(sk: Skeleton, reading: int, arabic: bool) -> str | None:
    """A skeleton's key: its classes, and for a two-consonant name (which only meets under
    the strict rules) whether its first and last gaps hold a vowel, which those rules make
    the same in both scripts; None for a short reading that can never meet."""
    classes, gaps = sk
    if len(classes) >= MIN_CLASSES:
        return classes
    if arabic and (
        gaps[-1].endswith("Y") or not any(_long_vowel(g, i) for i, g in enumerate(gaps))
    ):
        return None  # a nisba ending, or no long vowel: see `compatible`
    if not arabic and reading > 0:
        return None  # a short name is read as spelled
    return classes + "".join("1" if g.replace("'", "") else "0" for g in (gaps[0], gaps[-1]))


def keys(word: str) -> list[str]:
    """Lookup keys of a word as written: two words can correspond only if one's `keys`
    meet the other's `target_keys`."""
    arabic = is_arabic(word)
    found = (_key(sk, k, arabic) for k, sk in enumerate(skeletons(word)))
    return list(dict.fromkeys(("@a" if arabic else "@l") + key for key in found if key))


def target_keys(word: str, short: bool = True) -> list[str]:
    """Keys of the words in the other script that `word` may correspond to (`short`: with
    two-consonant names)."""
    arabic = is_arabic(word)
    found = (_key(sk, k, arabic) for k, sk in enumerate(skeletons(word)))
    tag = "@l" if arabic else "@a"
    return list(dict.fromkeys(tag + key for key in found if key and (short or key.isalpha())))


# In a two-consonant name every Latin vowel must be spelled by an Arabic vowel letter:
_STRICT: Final = {"A": "ae", "W": "ouw", "Y": "iy", "E": "a", "Q": "aeiouy"}
_NASALS: Final = frozenset("NM")


def _gap_ok(arabic: str, latin: str, index: int, last: int, before: str) -> tuple[bool, bool]:
    """(compatible, supported) for one gap; see the module documentation.  `before`: the
    consonant class after the gap ("" at the end)."""
    arabic = arabic.replace("'", "")
    if not arabic:
        ok = latin in ("", "e") if index == last else len(latin) <= 1 or latin in _ONE_VOWEL
        return ok, False
    if index == 0 and arabic.startswith("A"):
        arabic = arabic[1:]  # a word-initial alef only carries a hamza
        if not arabic:
            return True, bool(latin)
    for v in arabic:
        if v == "W" and not any(c in latin for c in "ouw"):
            return False, False
        # a final ى (folded to ي) sounds "a": موسى / Moussa
        final_maqsura = index == last and arabic.endswith("Y") and latin.endswith("a")
        if v == "Y" and not any(c in latin for c in "iey") and not final_maqsura:
            return False, False
        # ا is "a", "e" or "u" (Airbus / إيرباص); an "i" only in a French nasal vowel before
        # n/m (Darmanin / دارمانان) or beside ي (an English "i": Biden / بايدن)
        vowels = "aeiu" if before in _NASALS or "Y" in arabic else "aeu"
        if v == "A" and not any(c in latin for c in vowels):
            return False, False
        if v == "E" and "a" not in latin and not ("Y" in arabic and "e" in latin):
            return False, False
        if v == "Q" and not latin:
            return False, False
    return True, bool(latin)


def _strict_gap_ok(arabic: str, latin: str, index: int, last: int) -> bool:
    """A gap of a two-consonant name: no Latin vowel without its Arabic letter, ي never an
    ``e``."""
    arabic = arabic.replace("'", "")
    if not arabic:
        return not latin
    allowed = "".join(_STRICT[v] for v in arabic)
    if index == 0 and arabic.startswith("A"):
        allowed += "aeiou"
    return all(c in allowed for c in latin)


def _long_vowel(gap: str, index: int) -> bool:
    """Whether an Arabic gap spells a long vowel (ا و ي ة; not ع, a hamza or a word-initial
    alef): what a two-consonant name needs to be told from an ordinary word."""
    letters = gap.replace("'", "").replace("Q", "")
    if index == 0 and letters.startswith("A"):
        letters = letters[1:]
    return bool(letters)


def _initial_cluster(latin: Skeleton) -> bool:
    """Whether a Latin skeleton starts with two consonants, which Arabic writes behind an
    alef (``Stockholm`` / ``استوكهولم``, ``Driss`` / ``إدريس``, ``Brahim`` / ``إبراهيم``)."""
    return not latin[1][0] and not latin[1][1]


def compatible(a: Skeleton, b: Skeleton, article_dropped: bool = False) -> bool:
    """Whether an Arabic skeleton `a` and a Latin skeleton `b` spell the same name.
    `article_dropped`: the Arabic reading lost an ال the Latin may spell (``Errachidia``)."""
    classes = a[0]
    if classes != b[0]:
        return False
    if b[1][0] and not a[1][0].replace("'", "") and not article_dropped:
        return False  # an Arabic word never starts with an unwritten vowel
    short = len(classes) < MIN_CLASSES
    if short and a[1][-1].endswith("Y"):
        return False  # a nisba adjective (ذاتي, صافي)
    if a[1][0].startswith("A") and not b[1][0] and (short or not _initial_cluster(b)):
        return False  # an initial alef the Latin does not spell (إصلاح is not Salah)
    last = len(a[1]) - 1
    support = False
    for i, (ga, gl) in enumerate(zip(a[1], b[1], strict=True)):
        ok, supported = _gap_ok(ga, gl, i, last, classes[i : i + 1])
        if not ok or (short and not _strict_gap_ok(ga, gl, i, last)):
            return False
        support = support or (supported and (not short or _long_vowel(ga, i)))
    return support


def corresponds(a: str, b: str, article_dropped: bool = False, short: bool = True) -> bool:
    """Whether two folded words in different scripts spell the same name
    (`article_dropped`: the Arabic one is a reading without its ال; `short`: two-consonant
    names too, never through a silent final consonant)."""
    if is_arabic(a) == is_arabic(b):
        return False
    arabic, latin = (a, b) if is_arabic(a) else (b, a)
    ska = arabic_skeleton(arabic)
    if ska is None or (len(ska[0]) < MIN_CLASSES and not short):
        return False
    return any(
        compatible(ska, skl, article_dropped)
        for k, skl in enumerate(latin_skeletons(latin))
        if k == 0 or len(skl[0]) >= MIN_CLASSES
    )
