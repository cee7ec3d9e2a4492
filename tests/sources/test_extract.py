"""Main-text extraction of article pages: legacy Arabic encodings, boilerplate, canonical."""

from __future__ import annotations

from bot.sources.extract import MAX_TEXT_CHARS, extract_page

PARAGRAPHS = [
    "ترأس وزير الداخلية عبد الوافي لفتيت، اليوم بالرباط، اجتماعا خصص لتتبع تنفيذ "
    "الاستراتيجية الوطنية لمحاربة الهجرة غير النظامية، بحضور الولاة والعمال.",
    "وأكد الوزير خلال هذا الاجتماع على ضرورة تعزيز التنسيق بين مختلف المتدخلين، "
    "ومواصلة الجهود المبذولة على مستوى جميع جهات المملكة خلال الأشهر المقبلة.",
]


def article(charset: str, head: str = "") -> str:
    body = "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
    return (
        f"<html><head><meta charset='{charset}'><title>خبر</title>{head}</head><body>"
        "<nav><a href='/'>الرئيسية</a> | <a href='/sport'>رياضة</a> | <a href='/eco'>اقتصاد</a>"
        "</nav><article><h1>اجتماع حول الهجرة</h1>"
        f"{body}</article><script>var tracker = 'لفتيت';</script>"
        "<footer>جميع الحقوق محفوظة © 2026 — سياسة الخصوصية</footer></body></html>"
    )


def test_windows_1256_page_from_its_meta_charset() -> None:
    page = extract_page(article("windows-1256").encode("cp1256"), url="https://x.ma/a/1")
    assert "عبد الوافي لفتيت" in page.text
    assert "الرئيسية" not in page.text and "جميع الحقوق" not in page.text
    assert "tracker" not in page.text


def test_iso_8859_6_page_from_the_http_charset() -> None:
    text = article("iso-8859-6").replace("© 2026 — ", "")
    page = extract_page(text.encode("iso-8859-6"), url="https://x.ma/a/1", charset="iso-8859-6")
    assert "عبد الوافي لفتيت" in page.text


def test_canonical_is_absolute_and_normalised() -> None:
    head = "<link rel='Canonical' href='/news/1?utm_source=fb#top'>"
    page = extract_page(article("utf-8", head).encode(), url="https://www.x.ma/a/1?x=1")
    assert page.canonical == "https://www.x.ma/news/1"
    other = "<link rel='canonical' href='javascript:void(0)'>"
    assert extract_page(article("utf-8", other).encode(), url="https://x.ma/").canonical is None


def test_junk_gives_no_text_and_no_error() -> None:
    for junk in (b"", b"\x00\xff\xfe" * 1000, b"<html><body></body></html>", b"<<<>>>"):
        page = extract_page(junk, url="https://x.ma/a")
        assert page.text == "" and page.canonical is None


def test_text_is_capped() -> None:
    long_page = "<html><body><article>" + "<p>" + "كلمة " * 60_000 + "</p></article></body></html>"
    assert len(extract_page(long_page.encode(), url="https://x.ma/a").text) == MAX_TEXT_CHARS
