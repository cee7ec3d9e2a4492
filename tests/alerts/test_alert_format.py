from __future__ import annotations

import re
from datetime import UTC, datetime
from html.parser import HTMLParser
from zoneinfo import ZoneInfo

import pytest

from bot.alerts.format import AlertContent, bold_spans, excerpt, format_alert
from bot.matching import Span

CASABLANCA = ZoneInfo("Africa/Casablanca")


class TagChecker(HTMLParser):
    """Fails on tags Telegram would reject or leave unclosed."""

    allowed = frozenset({"a", "b", "i", "code"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        assert tag in self.allowed, tag
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.stack and self.stack.pop() == tag, tag

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse(html_text: str) -> str:
    checker = TagChecker()
    checker.feed(html_text)
    checker.close()
    assert not checker.stack
    return "".join(checker.text)


TITLE = "وزير الداخلية يتحدث عن الهجرة"
TEXT = "قال الوزير إن ملف الهجرة يحظى بالأولوية. وأضاف أن التعاون مستمر."
WORD = "الهجرة"


def alert(**changes: object) -> AlertContent:
    base: dict[str, object] = {
        "title": TITLE,
        "url": "https://example.ma/a?x=1&y=2",
        "source_name": "هسبريس",
        "published": datetime(2026, 11, 29, 13, 5, tzinfo=UTC),
        "text": TEXT,
        "spans": [
            Span("title", TITLE.index(WORD), TITLE.index(WORD) + len(WORD)),
            Span("text", TEXT.index(WORD), TEXT.index(WORD) + len(WORD)),
        ],
        "queries": ["الهجرة"],
    }
    base.update(changes)
    return AlertContent(**base)  # type: ignore[arg-type]


def test_title_with_markup_characters_is_escaped() -> None:
    message = format_alert(alert(title="<b>& co</b> on <i>", spans=[]), CASABLANCA)
    assert "&lt;b&gt;&amp; co&lt;/b&gt; on &lt;i&gt;" in message
    assert "<b>& co</b> on <i>" in parse(message)


def test_link_is_escaped_in_its_attribute() -> None:
    message = format_alert(alert(url='https://x.ma/?a=1&b="2"'), CASABLANCA)
    assert 'href="https://x.ma/?a=1&amp;b=&quot;2&quot;"' in message
    parse(message)


def test_match_is_bold_in_title_and_excerpt() -> None:
    message = format_alert(alert(), CASABLANCA)
    assert message.count("<b>الهجرة</b>") == 2
    parse(message)


def test_time_is_in_the_configured_zone_and_source_named() -> None:
    paris = ZoneInfo("Europe/Paris")
    assert "هسبريس · 29 Nov 2026, 14:05" in format_alert(alert(), paris)
    assert "هسبريس · 29 nov. 2026, 14:05" in format_alert(alert(), paris, "fr")
    assert "هسبريس · 29 نوفمبر 2026، 14:05" in format_alert(alert(), paris, "ar")
    assert "29 Nov 2026, 13:05" in format_alert(alert(), ZoneInfo("UTC"), "en")


def test_query_names_are_listed_escaped() -> None:
    message = format_alert(alert(queries=["a<b", "Macron"]), CASABLANCA)
    assert "🔎 a&lt;b · Macron" in message


def test_excerpt_keeps_the_sentence_with_the_match() -> None:
    text = "Première phrase sans rien. Le ministre Laftit a parlé. Troisième phrase."
    start = text.index("Laftit")
    shown = excerpt(text, [Span("text", start, start + 6)])
    assert shown == "…Le ministre <b>Laftit</b> a parlé.…"


def test_long_sentence_is_trimmed_around_the_match_at_word_boundaries() -> None:
    words = [f"mot{i}" for i in range(200)]
    words[150] = "Retailleau"
    text = " ".join(words)
    start = text.index("Retailleau")
    shown = excerpt(text, [Span("text", start, start + 10)], limit=120)
    plain = re.sub("</?b>", "", shown).strip("…")
    assert "<b>Retailleau</b>" in shown
    assert len(plain) <= 125
    assert all(re.fullmatch(r"mot\d+|Retailleau", w) for w in plain.split())


def test_overlapping_spans_merge() -> None:
    assert bold_spans("abc def", [(0, 3), (2, 5)]) == "<b>abc d</b>ef"


def test_excerpt_without_text_match_shows_the_opening() -> None:
    shown = excerpt("Une phrase. Une autre.", [])
    assert shown == "Une phrase.…"


def test_many_long_queries_keep_the_alert_within_telegram_limits() -> None:
    queries = [f"query number {i} " + "x" * 280 for i in range(50)]
    message = format_alert(
        alert(title="T" * 2000, text="word " * 5000, queries=queries), CASABLANCA
    )
    assert len(parse(message)) < 1500
    assert message.rstrip().endswith("…")


def test_also_line_is_shown_as_given() -> None:
    from bot.alerts.render import also_line

    line = also_line("en", ["Le360", "H<24>", "Le360"])
    assert line == "➕ Also reported by: Le360, H&lt;24&gt;"
    html_text = format_alert(alert(also_line=line), CASABLANCA)
    assert html_text.endswith("\n" + line)
    parse(html_text)
    assert also_line("en", []) == ""


def test_plain_text_keeps_links_readable() -> None:
    from bot.alerts.format import html_to_plain

    html_text = format_alert(alert(), CASABLANCA)
    plain = html_to_plain(html_text)
    assert "<" not in plain.replace("&lt;", "")
    assert "(https://example.ma/a?x=1&y=2)" in plain
    assert "&amp;" not in plain


def test_only_an_http_link_is_a_link() -> None:
    for url in (
        "javascript:alert(document.cookie)",
        "JavaScript:alert(1)",
        " javascript:alert(1)",
        "data:text/html;base64,PHNjcmlwdD4=",
        "tg://resolve?domain=phishing",
        "mailto:a@b.ma",
        "/relative/path",
        "https:no-host",
        "",
    ):
        message = format_alert(alert(url=url, title=""), CASABLANCA)
        assert "<a " not in message, url
        assert message.startswith("—\n"), url  # no title either: a dash, never the link
        parse(message)
    for url in ("https://x.ma/a", "HTTP://x.ma/a", "http://[2001:db8::1]/a"):
        assert format_alert(alert(url=url), CASABLANCA).startswith(f'<a href="{url}">'), url


def test_bidi_controls_are_stripped_and_matches_stay_in_place() -> None:
    """Spans are offsets into the stored strings, controls included: they still land on the
    word once the controls are gone."""
    title = "\u202e" + TITLE + "\u2069"
    text = "\u2066" + TEXT.replace(" ", " \u202b", 1)
    message = format_alert(
        alert(
            title=title,
            text=text,
            source_name="Hes\u2069press\u202e",
            queries=["الهجرة\u2069 \u2067x"],
            spans=[
                Span("title", title.index(WORD), title.index(WORD) + len(WORD)),
                Span("text", text.index(WORD), text.index(WORD) + len(WORD)),
            ],
        ),
        CASABLANCA,
    )
    assert not re.search("[\u202a-\u202e\u2066-\u2069]", message)
    assert message.count("<b>الهجرة</b>") == 2
    assert "🗞 Hespress · " in message
    assert "🔎 الهجرة x" in message
    parse(message)


def test_a_notice_writes_its_dates_in_the_chats_language() -> None:
    from bot.alerts.render import Undeliverable, render_notice
    from bot.storage.models import Chat, OutboxItem

    payload = {
        "key": "notice_source_recovered",
        "params": {"id": "3", "name": "Le360"},
        "dates": {"since": "2026-11-29T13:05:00+00:00"},
    }
    row = OutboxItem(chat_id=1, thread_id=0, kind="notice", payload=payload)
    arabic = render_notice(row, Chat(id=1, language="ar"), CASABLANCA).parts[0]
    assert "(كان يفشل منذ 29 نوفمبر 2026، 14:05)" in arabic
    french = render_notice(row, Chat(id=1, language="fr"), CASABLANCA).parts[0]
    assert "(en échec depuis 29 nov. 2026, 14:05)" in french
    # Older rows carry the date already written, and a count as text: both still render.
    payload = {"key": "notice_source_unhealthy", "params": {"id": "3", "name": "x", "error": "e"}}
    row.payload = {**payload, "params": {**payload["params"], "errors": "5"}}
    assert "5 مرات متتالية" in render_notice(row, Chat(id=1, language="ar")).parts[0]
    row.payload = {"key": "notice_source_recovered", "params": {"id": "3", "name": "x"}}
    with pytest.raises(Undeliverable):
        render_notice(row, Chat(id=1, language="en"))
