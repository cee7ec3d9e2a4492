"""Reading a chart's texts and the glyphs matplotlib lays out for them, to compare Arabic
labels with the shaping that arabic-reshaper and python-bidi give (the test references; the
bot gives matplotlib its labels in logical order and matplotlib shapes them itself)."""

from __future__ import annotations

import struct
import unicodedata
from urllib.parse import unquote

from arabic_reshaper import reshape
from bidi import get_display
from matplotlib.figure import Figure
from matplotlib.font_manager import findfont, get_font
from matplotlib.text import Text
from matplotlib.textpath import TextToPath


def texts(figure: Figure) -> list[Text]:
    return [found for found in figure.findobj(match=Text) if found.get_text()]


def laid_out_glyphs(label: Text) -> list[str]:
    """The glyphs matplotlib draws for a text, left to right, by name in the font."""
    font = get_font(findfont(label.get_fontproperties()))
    glyphs, _, _ = TextToPath().get_glyphs_with_font(font, label.get_text())
    ordered = sorted(glyphs, key=lambda glyph: glyph[1])  # by x position
    return [font.get_glyph_name(int(unquote(glyph[0]).rsplit("-", 1)[1], 16)) for glyph in ordered]


def expected_glyphs(label: Text) -> list[str]:
    """The glyphs of the label shaped and put in visual order by arabic-reshaper and
    python-bidi. An isolated presentation form counts as its base letter: the font draws an
    isolated letter with the base letter's glyph (its duplicate under the presentation form's
    code point has the same outline). A bidi control (the isolates around an inserted query)
    is drawn by HarfBuzz as an invisible space; python-bidi keeps it where it stood."""
    font = get_font(findfont(label.get_fontproperties()))
    names = []
    for char in get_display(reshape(label.get_text())):
        if unicodedata.category(char) == "Cf":
            names.append("space")
            continue
        decomposition = unicodedata.decomposition(char).split()
        if decomposition[:1] == ["<isolated>"] and len(decomposition) == 2:
            char = chr(int(decomposition[1], 16))
        names.append(font.get_glyph_name(font.get_char_index(ord(char))))
    return names


def png_size(png: bytes) -> tuple[int, int]:
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert png[12:16] == b"IHDR"
    width, height = struct.unpack(">II", png[16:24])
    return width, height
