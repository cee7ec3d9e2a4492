"""Character-level normalisation, the same for queries and articles.

`fold` maps a string to the form every comparison is made on:

* Unicode NFKC (presentation forms and ligatures such as ﻻ become plain letters);
* case folding (``DARMANIN`` = ``darmanin``);
* combining marks removed after canonical decomposition: Latin accents
  (``Sécurité`` = ``securite``), Arabic diacritics (harakat, shadda, sukun, superscript
  alef) and the hamza/madda marks, so that ``أ إ آ`` become ``ا``, ``ؤ`` becomes ``و`` and
  ``ئ`` becomes ``ي`` (except in ``ئو``, the other spelling of ``ؤو``: ``الشئون`` =
  ``الشؤون``, ``مسئول`` = ``مسؤول``);
* tatweel and invisible joiners (ZWJ, ZWNJ, soft hyphen) removed;
* ``ٱ`` → ``ا``, ``ى`` → ``ي``, ``ة`` → ``ه``; Persian and Maghrebi letters folded onto the
  Arabic ones (``ک`` → ``ك``, ``ی`` → ``ي``, ``ڤ`` → ``ف``, ``ڭ گ`` → ``ك``, ``پ`` → ``ب``);
* Arabic-Indic and Persian digits → ``0``–``9``;
* a few Latin letters without a decomposition (``œ æ ø ł đ ı``) spelled out.

`fold` is idempotent and never changes the number of words in plain text; tokenisation
(where punctuation, apostrophes and elisions are handled) lives in `tokens`.
"""

from __future__ import annotations

import unicodedata

_LETTERS: dict[str, str] = {
    # Arabic letter variants
    "\u0671": "\u0627",  # ٱ alef wasla
    "\u0672": "\u0627",  # ٲ alef with wavy hamza above
    "\u0673": "\u0627",  # ٳ alef with wavy hamza below
    "\u0675": "\u0627",  # ٵ high hamza alef
    "\u0649": "\u064a",  # ى alef maqsura -> ي
    "\u0629": "\u0647",  # ة ta marbuta -> ه
    "\u06c3": "\u0647",  # ۃ
    "\u06a9": "\u0643",  # ک Persian kaf
    "\u06aa": "\u0643",  # ڪ swash kaf
    "\u06cc": "\u064a",  # ی Persian yeh
    "\u06d2": "\u064a",  # ے yeh barree
    "\u06a4": "\u0641",  # ڤ veh
    "\u06a5": "\u0641",  # ڥ (Maghrebi veh)
    "\u06ad": "\u0643",  # ڭ ng (Moroccan g)
    "\u06af": "\u0643",  # گ gaf
    "\u06a8": "\u0642",  # ڨ (Algerian/Tunisian g)
    "\u067e": "\u0628",  # پ peh
    "\u0686": "\u062c",  # چ tcheh
    "\u0698": "\u0632",  # ژ jeh
    "\u06be": "\u0647",  # ھ heh doachashmee
    "\u06c1": "\u0647",  # ہ heh goal
    "\u06d5": "\u0647",  # ە ae
    # Latin letters without a canonical decomposition
    "\u0153": "oe",  # œ
    "\u00e6": "ae",  # æ
    "\u00f8": "o",  # ø
    "\u0142": "l",  # ł
    "\u0111": "d",  # đ
    "\u0131": "i",  # ı dotless i
    "\u0127": "h",  # ħ
    "\u00f0": "d",  # ð
    "\u00fe": "th",  # þ
    # Arabic decimal and thousands separators
    "\u066b": ".",
    "\u066c": ",",
}
_DIGITS = {chr(0x0660 + i): str(i) for i in range(10)} | {
    chr(0x06F0 + i): str(i) for i in range(10)
}
_REMOVED = {
    "\u0640": None,  # tatweel
    "\u200c": None,  # ZWNJ
    "\u200d": None,  # ZWJ
    "\u00ad": None,  # soft hyphen
    "\u200e": None,  # LRM
    "\u200f": None,  # RLM
    "\ufeff": None,  # BOM / ZWNBSP
}
_TABLE = str.maketrans(_LETTERS | _DIGITS | _REMOVED)
_HAMZA_ABOVE = "\u0654"
_YEH_HAMZA_WAW = "\u064a\u0654\u0648"  # ئو decomposed
_WAW_HAMZA_WAW = "\u0648\u0654\u0648"  # ؤو decomposed


def fold(text: str) -> str:
    """Return the comparison form of `text` (see the module documentation)."""
    if text.isascii():
        return text.lower()
    s = unicodedata.normalize("NFKC", text).casefold()
    s = unicodedata.normalize("NFD", s)
    s = "".join(ch for ch in s if ch == _HAMZA_ABOVE or unicodedata.category(ch) != "Mn")
    if _HAMZA_ABOVE in s:
        # ئو and ؤو are two spellings of one hamza (الشئون / الشؤون, مسئول / مسؤول)
        s = s.replace(_YEH_HAMZA_WAW, _WAW_HAMZA_WAW).replace(_HAMZA_ABOVE, "")
    s = s.translate(_TABLE)
    s = unicodedata.normalize("NFKC", s)
    if not s.isascii():
        # A second pass settles the rare characters whose case folding or compatibility
        # mapping produces something the first pass would still change.
        s2 = unicodedata.normalize("NFD", s.casefold())
        s2 = "".join(ch for ch in s2 if unicodedata.category(ch) != "Mn").translate(_TABLE)
        s = unicodedata.normalize("NFKC", s2)
    return s


ARABIC_LETTERS = frozenset(chr(c) for c in range(0x0621, 0x064B)) - {"\u0640"}


def is_arabic(word: str) -> bool:
    """True when the (folded) word is written in Arabic letters."""
    return any(ch in ARABIC_LETTERS for ch in word)
