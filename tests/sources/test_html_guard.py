"""The limits checked before HTML is parsed or a CSS selector runs (bot.sources.html_guard):
the depth estimate follows the tree builder on ordinary and sloppy markup, stays linear on
hostile markup, and selectors past the limits are refused with the reason."""

from __future__ import annotations

import time

import pytest
from selectolax.lexbor import LexborHTMLParser

from bot.sources.errors import ErrorKind, SourceError
from bot.sources.html_guard import (
    MAX_DEPTH,
    MAX_HTML_CHARS,
    check_html,
    check_selector_limits,
    html_depth,
    selector_problem,
)

pytestmark = pytest.mark.alone  # times itself or runs processes: see scripts/test.sh


def _lexbor_depth(html: str) -> int:
    """The deepest element of lexbor's tree, below <body>."""
    tree = LexborHTMLParser(html)
    deepest = 0
    stack = [(tree.body, 0)] if tree.body is not None else []
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        child = node.child
        while child is not None:
            if child.tag != "-text":
                stack.append((child, depth + 1))
            child = child.next
    return deepest


@pytest.mark.parametrize(
    "html",
    [
        "<div><div><p>one<p>two</div><ul><li>a<li>b<ul><li>c</ul></ul></div>",
        "<table><tr><td>1<td>2<tr><td><table><tr><td>x</table></table>",
        "<p><b>bold <i>both</b> italic</i> plain <a href=/1>one<a href=/2>two</a>",
        "<section><span><div></span>still inside the div</div></section>",
        "<svg><g><path d='x'/><path d='y'/></g></svg><div><br><img src=x><hr></div>",
        "<div><script>if (a < b) { '<div><div>' }</script><!-- <div><div> --></div>",
        "<div><div><div></div></div></div>" * 3,
        "<ul><li><div>x<li>y</ul>",
        "<dl><dt>a<dd>b<dt>c<dd><dl><dt>x</dl></dl>",
        "<select><option>a<option>b<optgroup><option>c</select><form><form><input></form>",
        # Sloppy markup, repeated: unclosed paragraphs, items, cells, links; misnested tags.
        "<p>paragraph <li>item <td>cell <a href=/x>link <option>choice " * 2_000,
        "<font>x<p>y</font>" * 200,
        "<b><p>x</b>y</p>" * 300,
        "<div>" * 10 + "</span></b></i>" * 5_000 + "</div>" * 10,
        "<ul><li>a<ul><li>b<ul><li>c</ul></ul></ul>" * 100,
        # Misnested on purpose, as an attacker would: the depth is still seen.
        "<b><div></b>" * 100,
        "<span><div></span>" * 100,
        "<center><font><p>" * 100,
    ],
)
def test_the_estimate_follows_the_tree_builder(html: str) -> None:
    page = f"<html><body>{html}</body></html>"
    real = _lexbor_depth(page)
    # Exact but for the <tbody> the parser adds in each table.
    assert real - page.count("<table") <= html_depth(page) <= real


def test_deep_markup_is_seen_whatever_its_disguise() -> None:
    assert html_depth("<div>" * 40_000) == MAX_DEPTH + 1  # the scan stops past the limit
    # End tags the parser ignores (a structural element in between) do not hide the depth.
    assert html_depth("<span><div></span>" * 1_000) > MAX_DEPTH
    assert html_depth("<b>" * 1_000) > MAX_DEPTH
    assert html_depth("<div/>" * 1_000) > MAX_DEPTH  # "/>" closes nothing outside SVG
    assert html_depth("<svg>" + "<g>" * 1_000) > MAX_DEPTH


def test_the_scan_is_linear_on_hostile_markup() -> None:
    for hostile in (
        "<!--" * 200_000,  # unterminated comments
        "<a " * 200_000,  # tags that never end
        "<script>" + "<div>" * 200_000,  # a script that never ends
        "<span></b>" * 100_000,
        "<div></div>" * 200_000,
    ):
        started = time.perf_counter()
        html_depth(hostile)
        assert time.perf_counter() - started < 2.0  # ~0.1 s; quadratic would be minutes


def test_check_html_refuses_deep_and_huge_pages() -> None:
    check_html("<html><body>" + "<div>" * 100 + "</body></html>")
    with pytest.raises(SourceError) as deep:
        check_html("<div>" * 40_000)
    assert deep.value.kind == ErrorKind.TOO_COMPLEX
    assert str(deep.value) == f"refused: the page nests elements more than {MAX_DEPTH} deep"
    with pytest.raises(SourceError) as huge:
        check_html("x" * (MAX_HTML_CHARS + 1))
    assert huge.value.kind == ErrorKind.TOO_LARGE


@pytest.mark.parametrize(
    "selector",
    [
        "div.news > a",
        "article h2 a, .card a",
        "ul.akhbar > li:nth-child(2n+1) a",
        "h1 ~ p",
        "a[href*='~ x > y ~ z, w']",
        ".post:not(.sponsored) .title a",
        "#main .list-item:has(> time) > h3 > a",
    ],
)
def test_ordinary_selectors_pass(selector: str) -> None:
    assert selector_problem(selector) is None
    check_selector_limits(selector)


@pytest.mark.parametrize(
    ("selector", "reason"),
    [
        ("", "the selector is empty"),
        ("a" * 201, "the selector is longer than 200 characters"),
        ("h1 ~ p ~ p", "more than 1 ~ combinators"),
        ("div " * 9 + "a", "more than 8 combinators"),
        ("a, b, c, d, e, f", "more than 5 comma-separated selectors"),
        ("a:hover:focus:active:visited:first-child", "more than 4 pseudo-classes"),
        (":not(:is(:not(a)))", "more than 2 levels of nested parentheses"),
    ],
)
def test_selectors_past_the_limits_are_refused_with_the_reason(selector: str, reason: str) -> None:
    problem = selector_problem(selector)
    assert problem is not None and reason in problem
    with pytest.raises(SourceError) as refused:
        check_selector_limits(selector)
    assert refused.value.kind == ErrorKind.TOO_COMPLEX
