"""Long Telegram HTML split at sentences, never inside a tag or an entity, tags balanced."""

from __future__ import annotations

import html
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.alerts.split import split_html, utf16_length, visible_length
from tests.support.fakes.telegram_api import _check_html

_TAG = re.compile(r"<[^<>]*>")


def visible(markup: str) -> str:
    return html.unescape(_TAG.sub("", markup))


def words_of(parts: list[str]) -> list[str]:
    return " ".join(visible(part) for part in parts).split()


def test_short_text_is_one_part() -> None:
    assert split_html("<b>Bonjour</b> &amp; bienvenue", 4096) == ["<b>Bonjour</b> &amp; bienvenue"]
    assert split_html("   ", 10) == []


def test_length_is_counted_like_telegram() -> None:
    assert visible_length('<a href="https://example.com/very/long">x</a>') == 1
    assert visible_length("&amp;&lt;&#1604;") == 3
    assert visible_length("📰") == 2  # outside the BMP: a surrogate pair in UTF-16
    assert utf16_length("لفتيت") == 5


def test_cuts_after_sentences_arabic_and_latin() -> None:
    sentence_ar = "أعلنت الحكومة عن إجراءات جديدة لدعم الفلاحين؟ "
    sentence_fr = "Le ministre a présenté le projet au conseil. "
    text = (sentence_ar + sentence_fr) * 30
    parts = split_html(text, 400)
    assert len(parts) > 1
    for part in parts:
        assert visible_length(part) <= 400
        assert part.rstrip().endswith(("؟", ".")), part[-30:]
    assert words_of(parts) == text.split()


def test_cuts_at_line_breaks() -> None:
    lines = [f"ligne {n} sans ponctuation finale" for n in range(60)]
    parts = split_html("\n".join(lines), 300)
    assert len(parts) > 1  # the loop below checks something
    for part in parts:
        assert visible_length(part) <= 300
        assert all(line in lines for line in part.split("\n"))


def test_a_long_sentence_is_cut_between_words() -> None:
    text = " ".join(f"mot{n}" for n in range(400))
    parts = split_html(text, 250)
    assert all(visible_length(p) <= 250 for p in parts)
    assert words_of(parts) == text.split()


def test_a_single_huge_word_is_cut_between_characters() -> None:
    word = "ا" * 1000
    parts = split_html(f"<b>{word}</b>", 300)
    assert [visible_length(p) for p in parts] == [300, 300, 300, 100]
    assert all(p.startswith("<b>") and p.endswith("</b>") for p in parts)


def test_tags_are_closed_and_reopened_with_their_attributes() -> None:
    link = '<a href="https://example.ma/a?x=1&amp;y=2">'
    body = " ".join(["<i>une phrase en italique.</i>"] * 5 + ["mot"] * 200)
    markup = f"<b>Titre.</b> {link}{body}</a> fin."
    parts = split_html(markup, 200)
    assert len(parts) > 2
    for part in parts:
        _check_html(part)  # balanced, known tags, valid entities: as Telegram checks
        assert visible_length(part) <= 200
    assert parts[1].startswith(link)
    assert parts[0].endswith("</a>")
    assert words_of(parts) == visible(markup).split()


def test_entities_are_never_cut() -> None:
    markup = "&amp;" * 50 + " " + "&lt;&gt;" * 100
    parts = split_html(markup, 64)
    for part in parts:
        assert not re.search(r"&[#\w]*$", part) and not re.match(r"^[#\w]*;", part)
        _check_html(part)
    assert "".join(visible(p) for p in parts).replace(" ", "") == visible(markup).replace(" ", "")


def test_surrogate_pairs_count_double() -> None:
    parts = split_html("📰" * 300, 100)
    assert [visible_length(p) for p in parts] == [100] * 6


def test_limit_must_leave_room() -> None:
    with pytest.raises(ValueError, match="limit"):
        split_html("abc", 1)


_fragment = st.one_of(
    st.text(alphabet="abc لفتيت.؟!\n ", min_size=1, max_size=30).map(
        lambda s: html.escape(s, quote=False)
    ),
    st.sampled_from(["&amp;", "&lt;", "📰", "é", " ", ". ", "\n"]),
)


@st.composite
def _markup(draw: st.DrawFn) -> str:
    def node(depth: int) -> str:
        if depth > 2 or draw(st.booleans()):
            return draw(_fragment)
        tag = draw(st.sampled_from(["b", "i", "code", 'a href="https://x.ma/?a=1&amp;b=2"']))
        inner = "".join(node(depth + 1) for _ in range(draw(st.integers(1, 4))))
        return f"<{tag}>{inner}</{tag.split()[0]}>"

    return "".join(node(0) for _ in range(draw(st.integers(1, 12))))


@settings(max_examples=200)
@given(_markup(), st.integers(min_value=8, max_value=120))
def test_any_markup_splits_into_valid_parts_that_keep_every_character(
    markup: str, limit: int
) -> None:
    parts = split_html(markup, limit)
    for part in parts:
        _check_html(part)
        assert visible_length(part) <= limit
    # Only spaces at the cuts may go.
    assert re.sub(r"\s", "", "".join(visible(p) for p in parts)) == re.sub(
        r"\s", "", visible(markup)
    )
