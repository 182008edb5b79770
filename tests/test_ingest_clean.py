"""Plain-text boilerplate removal: the seed acceptance case sentence by sentence, and the general
rules on our own examples."""
from __future__ import annotations

import re

import pytest

from detente.ingest import clean_text
from detente.ingest.clean import is_clutter, looks_like_headline, remove_repeated_lines
from detente.ingest.pipeline import ingest
from detente.store import Store

from conftest import SEED

# The seed's page furniture, as a reader sees it (test expectations, not product rules).
SEED_CLUTTER = ["DiplomatDiplomaticWorld NewsWORLD WAR", "Content Protection by DMCA.com",
                "Back to top button"]
SEED_TITLE = "Putin's Historic Visit to North Korea: Strategic and Diplomatic Implications"


def _sentences(paragraph: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?])\s+(?=[A-Z\u201c\"])", paragraph.strip()) if s]


def test_seed_article_is_stored_without_clutter_and_with_every_sentence(tmp_path):
    report = ingest([SEED], tmp_path / "s.duckdb", code=False, quiet=True)
    assert report.ingested == 1 and not report.failed
    with Store(tmp_path / "s.duckdb") as store:
        (row,) = store.query("SELECT title, text, source_format, n_chars FROM articles")
    body = row["text"]
    assert row["title"] == SEED_TITLE and row["source_format"] == "text"
    assert row["n_chars"] == len(body)
    for clutter in SEED_CLUTTER:
        assert clutter not in body
    assert "DMCA" not in body and "Back to top" not in body
    paragraphs = [p.strip() for p in SEED.read_text(encoding="utf-8").split("\n") if p.strip()]
    proper = [p for p in paragraphs if p not in SEED_CLUTTER and p != SEED_TITLE]
    assert len(proper) == 15
    n = 0
    for paragraph in proper:
        for sentence in _sentences(paragraph):
            assert sentence in body, sentence
            n += 1
    assert n >= 30
    # Headings inside the article are kept, in order.
    order = [body.index(h) for h in ("Historical Context and Recent Developments",
                                     "Economic Dimensions", "Global Reactions and Future Prospects")]
    assert order == sorted(order)


@pytest.mark.parametrize("line", [
    "Advertisement", "ADVERTISEMENT", "Story continues below advertisement",
    "Copyright © 2019 The Example Times, LLC. Click here for reprint permission.",
    "© 2021 Example Media Group. All rights reserved.",
    "Content Protection by DMCA.com", "Back to top", "Scroll to top of page",
    "SHARE THIS ARTICLE Share Tweet Post Email", "Share on Facebook", "Email",
    "Sign up for our daily newsletter", "Follow us on Twitter @ExampleNews.",
    "Get the best stories delivered to your inbox. By signing up, you agree to our Privacy Policy",
    "We use cookies to improve your experience on our website. By continuing you accept them.",
    "READ MORE: Talks collapse as envoys walk out", "Related: What the treaty means",
    "Image copyright Getty Images", "Media playback is unsupported on your device",
    "Enlarge this image toggle caption AP AP", "6 years ago", "___", "* * *", "[pullquote]",
])
def test_clutter_lines(line):
    assert is_clutter(line)


@pytest.mark.parametrize("line", [
    "The minister said the newsletter published by the opposition had misquoted her on Monday.",
    "Facebook changed its privacy policy in 2018 after regulators in Brussels objected, and the company now faces a new inquiry over it.",
    "Russia and China signed a trade agreement on Tuesday.",
    "More than 200 people were evacuated from the border town.",
    "Share prices in Seoul fell sharply after the missile launch.",
    "Follow-up talks are planned for next month in Geneva.",
    "Economic Dimensions",
])
def test_prose_and_headings_are_not_clutter(line):
    assert not is_clutter(line)


def test_edges_navigation_headline_and_trailing_labels():
    text = ("HomeWorldPoliticsSport\nWORLD NEWS\nEurope\n\n"
            "Leaders Agree Deal on Grain Corridor\n\n"
            "Leaders of three countries agreed on Friday to reopen a grain corridor.\n\n"
            "Next steps\n\nShipping is expected to resume within a week.\n\n"
            "Related Articles\nTags\nGrain, Shipping")
    out = clean_text(text)
    assert out.startswith("Leaders Agree Deal on Grain Corridor\n\nLeaders of three countries")
    assert "Next steps" in out  # a heading inside the article stays
    assert out.endswith("Shipping is expected to resume within a week.")
    assert clean_text(text, title="Leaders Agree Deal on Grain Corridor").startswith("Leaders of three")


def test_repeated_paragraph_within_one_article_is_kept_once():
    caption = "President Ada Brenn speaks at a press conference in Halvik on Monday, March 4, 2024."
    out = clean_text(f"{caption}\n\n{caption}\n\nThe talks ended without agreement.")
    assert out.count(caption) == 1


def test_headline_detection():
    assert looks_like_headline("Putin's Visit to North Korea: Strengthening Ties")
    assert not looks_like_headline("The talks ended without agreement.")
    assert not looks_like_headline("DiplomatDiplomaticWorld NewsWORLD WAR")
    assert not looks_like_headline("World")


def test_lines_repeated_across_an_outlets_articles_are_template():
    template = "Listen to this story in our app"
    stories = [f"Story number {i} tells of event {i} in the capital of country {i}.\n"
               f"{template}\nOfficials in country {i} declined to comment on the events."
               for i in range(4)]
    other = f"A different outlet.\n{template}\nIts own closing sentence stands here."
    texts = remove_repeated_lines(stories + [other], ["Daily"] * 4 + ["Other"])
    assert all(template not in t for t in texts[:4])
    assert template in texts[4]  # another outlet, below the threshold
    assert all("declined to comment" in t for t in texts[:4])


def test_syndicated_copies_do_not_count_as_template():
    """Three copies of one wire story in one outlet share every line; their sentences are the
    story, not a template."""
    story = ("Envoys from Lirio and Tamsk met in Geneva on Thursday.\n"
             "The talks lasted four hours, officials said.\n"
             "A second round is planned for next month.")
    texts = [story, story + "\nUpdated with comment.", "Breaking:\n" + story]
    out = remove_repeated_lines(texts, ["Wire"] * 3)
    assert all("The talks lasted four hours, officials said." in t for t in out)
