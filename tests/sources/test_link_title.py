"""The headline a listing's link carries (bot.sources.link_title)."""

from __future__ import annotations

import pytest
from selectolax.lexbor import LexborHTMLParser, LexborNode

from bot.sources.link_title import LinkTitle, TitleKind, best_title, link_title, word_count


def links(markup: str) -> list[LexborNode]:
    return LexborHTMLParser(markup).css("a")


def title_of(markup: str) -> LinkTitle | None:
    return link_title(links(markup)[0])


@pytest.mark.parametrize(
    ("markup", "expected"),
    [
        # A heading inside a block link: its teaser and date are not the headline.
        (
            "<a href='/a'><span>Dossier spécial</span><h2> Windows 11 : ce qu'il faut savoir"
            "</h2><p>Tout sur le futur OS…</p><small>02/08 21:38</small></a>",
            LinkTitle("Windows 11 : ce qu'il faut savoir", TitleKind.HEADING),
        ),
        (
            "<a href='/a'><span class='card__title'>Le Parlement adopte la loi</span>"
            "<span class='card__dek'>Un vote serré</span></a>",
            LinkTitle("Le Parlement adopte la loi", TitleKind.HEADING),
        ),
        # The title attribute is the headline without the kicker, and agrees with the text.
        (
            "<a href='/a' title='Clément Berthet officiellement chez AG2R'>"
            "<b><span>02/08</span> Transfert</b> Clément Berthet officiellement chez AG2R</a>",
            LinkTitle("Clément Berthet officiellement chez AG2R", TitleKind.TITLE_ATTRIBUTE),
        ),
        # A title attribute that says something else is not taken.
        (
            "<a href='/a' title='Lire la suite'>Le Parlement adopte la loi de finances</a>",
            LinkTitle("Le Parlement adopte la loi de finances", TitleKind.TEXT),
        ),
        # A time in its own element, a clock time in the text, a date-classed element.
        (
            "<a href='/a'><font class='color time'>12:30</font>&nbsp; Prime à la conversion</a>",
            LinkTitle("Prime à la conversion", TitleKind.TEXT),
        ),
        (
            "<a href='/a'>16:43 PC portable : 4 offres</a>",
            LinkTitle("PC portable : 4 offres", TitleKind.TEXT),
        ),
        (
            "<a href='/a'>Le Parlement adopte la loi <span class='post-date'>29 nov.</span></a>",
            LinkTitle("Le Parlement adopte la loi", TitleKind.TEXT),
        ),
        # A block link without a heading: its first line.
        (
            "<a href='/a'><div><b>Tour de Burgos : tout savoir</b></div>"
            "<div>La 43e édition va se disputer…<br><small>31/07</small></div></a>",
            LinkTitle("Tour de Burgos : tout savoir", TitleKind.TEXT),
        ),
        # Hidden text ("More" for sighted readers only), bullets and invisible characters.
        (
            "<a href='/a'><span>فيروس كورونا</span><span aria-hidden='true'>المزيد</span></a>",
            LinkTitle("فيروس كورونا", TitleKind.TEXT),
        ),
        (
            "<a href='/a'>•\u200bMH17 crash: did Russia pull the trigger?</a>",
            LinkTitle("MH17 crash: did Russia pull the trigger?", TitleKind.TEXT),
        ),
        # Not a time: a headline that starts with a number stays whole.
        (
            "<a href='/a'>9/11 report: terror threat far from over</a>",
            LinkTitle("9/11 report: terror threat far from over", TitleKind.TEXT),
        ),
        (
            "<a href='/a'><img src='x.jpg' alt='A photo of the Parliament'></a>",
            LinkTitle("A photo of the Parliament", TitleKind.IMAGE_ALT),
        ),
        ("<a href='/a'><img src='x.jpg' alt=''></a>", None),
    ],
)
def test_link_title(markup: str, expected: LinkTitle | None) -> None:
    assert title_of(markup) == expected


def test_best_title_prefers_the_best_kind_then_the_longest() -> None:
    page = (
        "<a href='/a'><img alt='Black and white photograph of a person in a suit'></a>"
        "<a href='/a'><h3>Bitcoin Royalty Descends on the Trial</h3></a>"
        "<a href='/a'>Bitcoin trial</a>"
    )
    assert best_title(links(page)) == LinkTitle(
        "Bitcoin Royalty Descends on the Trial", TitleKind.HEADING
    )
    assert best_title(links("<a href='/a'>Short</a><a href='/a'>A longer text</a>")) == (
        LinkTitle("A longer text", TitleKind.TEXT)
    )
    assert best_title([]) is None


def test_word_count() -> None:
    assert word_count("TRANSFERTS 2021 - 2022") == 3
    assert word_count("بي بي سي ترند") == 4
    assert word_count("") == 0
