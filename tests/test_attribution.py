"""Attribution: who asserts an event, and which sources the article cites for it."""
from __future__ import annotations

import pytest

from detente.events.attribution import attribution_of, document_citations
from conftest import SEED


def _trigger(nlp, text: str, word: str):
    doc = nlp(text)
    tok = next(t for t in doc if t.text == word)
    return tok.sent, tok


@pytest.mark.parametrize("text,word,speaker", [
    ("North Korea said South Korean troops fired on the border.", "fired", "North Korea"),
    ("Lavrov told reporters that Russia would never recognize the vote.", "recognize", "Lavrov"),
    ("Pyongyang fired two missiles into the sea, South Korea's military said.", "fired",
     "South Korea's military"),
    ("North Korea launched a satellite, according to the Japanese defence ministry.", "launched",
     "Japanese defence ministry"),
    ("According to KCNA, Kim inspected the missile units.", "inspected", "KCNA"),
    ("The United States accused Russia of supplying weapons to the rebels.", "supplying",
     "United States"),
    ("Moscow denied that its forces had shelled the village.", "shelled", "Moscow"),
    ('"We will respond," a Jordanian official told reporters.', "respond", "Jordanian official"),
    # nearest asserter wins: Kim says it, state media report Kim saying it
    ("Kim Jong Un, North Korea's leader, said the country would strengthen its forces, state "
     "media reported.", "strengthen", "Kim Jong Un"),
    ("Kim Jong Un, North Korea's leader, said the country would strengthen its forces, state "
     "media reported.", "said", "state media"),
])
def test_asserted_by(nlp, text, word, speaker):
    sent, tok = _trigger(nlp, text, word)
    assert attribution_of(sent, tok)[0] == speaker


@pytest.mark.parametrize("text,word", [
    ("North Korea said South Korean troops fired on the border.", "said"),  # the saying itself
    ("Israeli forces allegedly shelled the camp.", "shelled"),             # no one named
    ("Iran seized a British tanker.", "seized"),
])
def test_no_asserter(nlp, text, word):
    sent, tok = _trigger(nlp, text, word)
    assert attribution_of(sent, tok)[0] is None


def test_dateline_speaker_is_not_the_city(nlp):
    sent, tok = _trigger(nlp, "MOSCOW (Reuters) - Russia's foreign ministry said on Monday that "
                              "Ukrainian drones attacked a refinery.", "attacked")
    assert attribution_of(sent, tok) == ("Russia's foreign ministry", ["Reuters"])


def test_dateline_without_dash(nlp):
    sent, tok = _trigger(nlp, "Washington (CNN) President Barack Obama announced Thursday that "
                              "U.S. forces will remain in Afghanistan.", "remain")
    assert attribution_of(sent, tok) == ("President Barack Obama", ["CNN"])
    # a parenthesis after an ordinary opening is not a dateline
    sent, tok = _trigger(nlp, "Seoul said it detected the launch (Yonhap). Tokyo protested.",
                         "protested")
    assert attribution_of(sent, tok) == (None, [])


def test_speaker_stops_at_the_line_above(nlp):
    sent, tok = _trigger(nlp, "Tuesday, February 5, 2019\n\nState media on Saturday reported a "
                              "block of flats collapsed in Aleppo.", "collapsed")
    assert attribution_of(sent, tok)[0] == "State media"


def test_citations_at_sentence_paragraph_and_line_ends(nlp):
    text = ("Seoul said it detected the launch (Yonhap). Tokyo protested.\n\n"
            "Pyongyang fired two missiles. Seoul condemned the launch (Wikipedia, CNA).\n\n"
            "China called for restraint.\n- AP\n\n"
            "Russia vetoed the resolution.\n\n(Reuters)\n\n"
            "The Korean Central News Agency (KCNA) reported the test. Kim (pictured) watched.")
    doc = nlp(text)
    cites = document_citations(doc)

    def cited(words: str) -> list[str]:
        # by content, so the test does not depend on where the segmenter breaks lines
        return next(cites.get(i, []) for i, s in enumerate(doc.sents) if words in s.text)

    assert cited("detected the launch") == ["Yonhap"]
    assert cited("Tokyo protested") == []              # a mid-paragraph citation stays local
    assert cited("Pyongyang fired") == ["Wikipedia", "CNA"]  # cited at the paragraph's end
    assert "AP" in cited("called for restraint")       # dash credit on the next line
    assert "Reuters" in cited("vetoed the resolution")  # citation on a line of its own
    assert "KCNA" not in cited("Korean Central News Agency")  # acronym, not a source
    assert cited("watched") == []                       # caption, not a source


def test_dateline_covers_the_whole_article(nlp):
    doc = nlp("SEOUL (Yonhap) - North Korea fired a missile on Sunday.\n\n"
              "Japan lodged a protest.")
    assert list(document_citations(doc).values()) == [["Yonhap"], ["Yonhap"]]


@pytest.fixture(scope="module")
def seed(nlp):
    return nlp(SEED.read_text(encoding="utf-8"))


@pytest.mark.parametrize("contains,word,sources", [
    ("September 2023", "meeting", ["Wikipedia", "CNA"]),
    ("Kim Jong Un expressed his full support", "expressed", ["Wikipedia", "CNA"]),
    ("since 2000", "visit", ["Wikipedia", "CNA"]),
    ("The United States has already expressed apprehensions", "expressed", ["CNA"]),
    ("upcoming visit to North Korea signifies", "visit", []),
])
def test_seed_article_citations(seed, contains, word, sources):
    sent = next(s for s in seed.sents if contains in s.text)
    tok = next(t for t in sent if t.text == word)
    assert attribution_of(sent, tok) == (None, sources)


@pytest.mark.parametrize("text", ["", "!!! ... ???", "(", "()", "(CNA)", "- AP",
                                  "Путин посетил Пхеньян (ТАСС)."])
def test_odd_input_never_raises(nlp, text):
    doc = nlp(text)
    document_citations(doc)
    for sent in doc.sents:
        for tok in sent:
            speaker, sources = attribution_of(sent, tok)
            assert isinstance(sources, list)
