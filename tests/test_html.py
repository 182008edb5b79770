"""HTML main-text extraction: metadata, boilerplate removal, decoding, robustness, and a
sample of the Scrapinghub benchmark scored with its own metric.

The fixtures in tests/data/html are our own pages (invented news), written to carry the page
furniture real news sites carry: cookie banner, menus, related links, newsletter box, share
buttons, footer.
"""
from __future__ import annotations

import gzip
import importlib.util
import json
import sys
from pathlib import Path

import pytest

from detente.ingest.html import (
    ExtractedPage,
    choose_candidate,
    clean_body,
    decode_html,
    extract_html,
    is_furniture,
    is_headline,
)

DATA = Path(__file__).parent / "data" / "html"
REPO = Path(__file__).resolve().parents[1]

CP1251_META = b'<meta http-equiv="Content-Type" content="text/html; charset=windows-1251">\n'


@pytest.fixture(scope="module")
def article() -> ExtractedPage:
    page = extract_html((DATA / "article.html").read_bytes(),
                        url="https://ledger.example.org/world/fisheries-talks?src=rss")
    assert page is not None
    return page


def test_metadata(article):
    assert article.title == "Coastal states agree to resume fisheries talks"
    assert article.date == "2024-03-05"
    assert article.author == "Mara Quill"
    assert article.site == "The Harbour Ledger"
    assert article.lang == "en"
    assert article.description.startswith("Delegations from Norland and Vesteria")
    # the page's canonical URL, not the tracking variant it was fetched from
    assert article.url == "https://ledger.example.org/world/2024/03/05/fisheries-talks"


def test_article_paragraphs_one_per_line(article):
    lines = article.text.split("\n")
    assert lines[0].startswith("Norland and Vesteria said on Tuesday")
    assert lines[-1].startswith("Vesteria's prime minister, Tomas Edlund")
    assert len(lines) == 6
    assert all(line == line.strip() and line for line in lines)


def test_boilerplate_removed(article):
    text = article.text
    for furniture in ("cookies", "Home", "Business", "Sport", "Related",
                      "Vesteria recalls ambassador over trawler seizure", "newsletter",
                      "Subscribe", "Tweet", "All rights reserved", "Privacy policy",
                      "Contact us", "diplomatic correspondent"):
        assert furniture not in text, furniture
    # the headline is metadata, not the first paragraph
    assert "Coastal states agree" not in text


def test_malformed_html_does_not_raise():
    page = extract_html((DATA / "malformed.html").read_bytes())
    assert page is not None
    assert page.title == "Border crossing reopens after flood repairs"
    assert page.text.startswith("The road bridge between Arlen and Mossbrook reopened")
    assert "first crossings & inspections" in page.text
    # the last paragraph sits outside the block the stray </div> closed early
    assert page.text.split("\n")[-1].startswith("Officials said weight limits")
    assert "Contact the newsroom" not in page.text


@pytest.mark.parametrize("raw", [
    b"<html><body><div><p>unclosed <b>bold <i>italic</p></div>" * 3,
    b"<<<>>> </p></div></body></html>",
    "<html><body>\x00\x01 <p>control characters</p></body></html>",
    b"\xff\xfe<\x00h\x00",
    b'<?xml version="1.0" encoding="windows-1251"?><html><body><p>x</p></body></html>',
])
def test_garbage_returns_none_or_page(raw):
    result = extract_html(raw)
    assert result is None or isinstance(result, ExtractedPage)


def test_windows_1251_with_meta_charset():
    page = extract_html((DATA / "cp1251.html").read_bytes())
    assert page is not None
    assert page.title == "Министры обсудили поставки зерна"
    assert page.text.startswith("Министры сельского хозяйства двух соседних стран")
    assert "совместную рабочую группу" in page.text
    assert page.lang == "ru"
    assert "Главная" not in page.text


def test_windows_1251_without_meta_charset():
    raw = (DATA / "cp1251.html").read_bytes()
    assert CP1251_META in raw
    undeclared = raw.replace(CP1251_META, b"")
    page = extract_html(undeclared)
    assert page is not None and "совместную рабочую группу" in page.text
    # the transport's charset (HTTP Content-Type) is honoured too
    assert "совместную" in extract_html(undeclared, encoding="windows-1251").text


def test_utf8_page_with_one_broken_byte_stays_utf8():
    raw = (DATA / "article.html").read_bytes().replace(
        b"</body>", "<p>Caf\u00e9 \u2013 na\u00efve</p>".encode() + b"\xc3(</body>")
    text = decode_html(raw)
    assert "Caf\u00e9 \u2013 na\u00efve" in text


def test_str_input_equals_bytes_input():
    raw = (DATA / "article.html").read_bytes()
    assert extract_html(raw.decode("utf-8")) == extract_html(raw)


@pytest.mark.parametrize("raw", [
    b"", "   \n ", b"<html><head><title>Empty</title></head><body></body></html>",
    "<html><body><nav><a href='/'>Home</a></nav></body></html>", bytes(range(256)) * 20,
])
def test_no_article_text_gives_none(raw):
    assert extract_html(raw) is None


def test_unsupported_input_type_gives_none():
    assert extract_html(12345) is None  # type: ignore[arg-type]


def test_fragment_without_page_frame():
    page = extract_html("<p>The delegation arrived in the capital on Monday for two days of "
                        "talks on trade and security.</p><p>Officials said the visit would end "
                        "with a joint declaration.</p>")
    assert page is not None
    assert page.text.split("\n") == [
        "The delegation arrived in the capital on Monday for two days of talks on trade and "
        "security.", "Officials said the visit would end with a joint declaration."]


# -- the pieces ------------------------------------------------------------------------------


def test_choose_candidate_prefers_precise_unless_it_lost_most():
    balanced = "one two three four five six seven eight nine ten"
    precise = "one two three four five six"
    assert choose_candidate(balanced, precise) == precise
    assert choose_candidate(balanced, "one two") == balanced
    assert choose_candidate(balanced, "") == balanced
    assert choose_candidate("", "only precise") == "only precise"
    # a balanced text that repeats the article (hidden copies on the page) found no more of it
    article = "first paragraph of the story here\nsecond paragraph of the story here"
    tripled = "\n".join([article, "menu", article, "login", article])
    assert choose_candidate(tripled, article) == article


def test_headline_detection():
    title = "Coastal states agree to resume fisheries talks | The Harbour Ledger"
    assert is_headline("Coastal states agree to resume fisheries talks", title)
    assert is_headline("Coastal States Agree To Resume Fisheries Talks.", title)
    assert not is_headline("Coastal states met on Tuesday to discuss quotas.", title)
    assert not is_headline("Anything", None)
    body = "Analysis\nCoastal states agree to resume fisheries talks\nFirst paragraph."
    assert clean_body(body, title) == "First paragraph."


@pytest.mark.parametrize("line", [
    "Read more: Vesteria recalls ambassador", "Related: Grey Sea dispute explained",
    "Sign up for our daily newsletter", "Get the day's top headlines delivered to your inbox.",
    "© 2024 The Harbour Ledger", "Copyright 2019 Dow Jones & Company, Inc. All Rights Reserved",
    "12 comments", "Filed under: Diplomacy |", "Lesen Sie auch: Neue Gespräche in Tallberg",
    "Le puede interesar", "___", "- ", "You may also like...", "Follow us on Twitter",
])
def test_furniture_lines(line):
    assert is_furniture(line)


@pytest.mark.parametrize("line", [
    "The minister said the newsletter of the fisheries board had published the quotas in May.",
    "Related talks will begin in April, officials said.",
    "More than 100 protesters were killed, Amnesty said.",
    "Officials said the agreement would be signed on Friday.",
])
def test_prose_is_not_furniture(line):
    assert not is_furniture(line)


# -- the benchmark, on a sample ---------------------------------------------------------------


def _bench_module():
    """bench/extraction.py is a script, not a package module: load it by path (registered, so
    its dataclasses resolve their module)."""
    name = "detente_bench_extraction"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, REPO / "bench" / "extraction.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


def test_scrapinghub_sample_scores_above_floor(shared):
    """Every 15th page of the Scrapinghub benchmark (12 pages), scored with the benchmark's own
    metric.  The full run (bench/extraction.py) scores about 0.97; 0.90 leaves room for the
    sample's variance while still failing on any real regression."""
    root = shared / "html-bench" / "scrapinghub-article-extraction-benchmark"
    if not root.is_dir():
        pytest.skip("../shared/html-bench/scrapinghub-article-extraction-benchmark is absent")
    bench = _bench_module()
    truth = json.loads((root / "ground-truth.json").read_text(encoding="utf-8"))
    keys = sorted(truth)[::15]
    predicted = {}
    for key in keys:
        with gzip.open(root / "html" / f"{key}.html.gz", "rb") as f:
            page = extract_html(f.read())
        predicted[key] = page.text if page else None
    scores = bench.score_scrapinghub({k: truth[k]["articleBody"] for k in keys}, predicted,
                                     n_bootstrap=0)
    assert scores["f1"] >= 0.90, scores
    assert scores["precision"] >= 0.85 and scores["recall"] >= 0.85, scores


def test_benchmark_metric_matches_upstream_definition():
    """The shingle metric on hand-made cases (precision/recall per page, then averaged)."""
    bench = _bench_module()
    truth = {"a": "one two three four five", "b": "alpha beta gamma delta"}
    perfect = bench.score_scrapinghub(truth, dict(truth), n_bootstrap=0)
    assert perfect["f1"] == pytest.approx(1.0) and perfect["accuracy"] == 1.0
    # page a: 2 true shingles, predicted with 2 extra tokens -> 2 TP, 2 FP; page b empty
    scores = bench.score_scrapinghub(
        truth, {"a": "one two three four five six seven", "b": None}, n_bootstrap=0)
    assert scores["precision"] == pytest.approx(0.5)  # b has nothing predicted: not averaged
    assert scores["recall"] == pytest.approx(0.5)  # a: 1.0, b: 0.0
