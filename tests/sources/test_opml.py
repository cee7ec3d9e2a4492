"""OPML parsing (nested folders, duplicates, hostile XML) and writing."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.sources.opml import MAX_OUTLINES, OpmlError, OpmlOutline, build_opml, parse_opml


def test_nested_outlines_duplicates_and_non_feeds() -> None:
    data = """<?xml version="1.0" encoding="utf-8"?>
<opml version="1.0"><head><title>x</title></head><body>
  <outline text="Presse"><outline text="Sub">
    <outline type="rss" title="Le360" text="no" xmlUrl=" https://fr.le360.ma/rss?utm_source=x "/>
  </outline></outline>
  <outline type="rss" text="هسبريس" xmlurl="https://www.hespress.com/feed" htmlUrl="https://www.hespress.com/"/>
  <outline type="rss" text="again" xmlUrl="https://fr.le360.ma/rss"/>
  <outline type="rss" text="ftp" xmlUrl="ftp://example.ma/feed"/>
  <outline type="rss" text="js" xmlUrl="javascript:alert(1)"/>
  <outline text="folder only"/>
</body></opml>""".encode()
    assert parse_opml(data) == [
        OpmlOutline("https://fr.le360.ma/rss", "Le360", None),
        OpmlOutline("https://www.hespress.com/feed", "هسبريس", "https://www.hespress.com/"),
    ]


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"<opml><body><outline", "not valid XML"),
        (b"<rss><channel/></rss>", "not an OPML file"),
        (
            b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
            b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;">]><opml><body>&lol2;</body></opml>',
            "refused",
        ),
        (
            b'<?xml version="1.0"?><!DOCTYPE o [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
            b"<opml><body><outline xmlUrl='&x;'/></body></opml>",
            "refused",
        ),
        (b"<opml>" + b" " * 2_000_001 + b"</opml>", "larger than"),
    ],
)
def test_bad_and_hostile_files_get_a_clear_error(data: bytes, reason: str) -> None:
    with pytest.raises(OpmlError, match=reason):
        parse_opml(data)


def test_outline_count_is_capped() -> None:
    outlines = "".join(
        f'<outline xmlUrl="https://e{i}.example.ma/rss"/>' for i in range(MAX_OUTLINES + 50)
    )
    parsed = parse_opml(f"<opml><body>{outlines}</body></opml>".encode())
    assert len(parsed) == MAX_OUTLINES


def test_export_round_trips_names_with_markup_and_arabic() -> None:
    outlines = [
        OpmlOutline("https://a.example.ma/rss", 'Le "Site" <&>', "https://a.example.ma/"),
        OpmlOutline("https://t.me/s/hespress", "هسبريس"),
    ]
    data = build_opml(outlines, title="Rasd", now=datetime(2026, 11, 29, tzinfo=UTC))
    assert data.startswith(b"<?xml version='1.0' encoding='utf-8'?>")
    assert parse_opml(data) == outlines
