"""Modality: occurred / planned / hypothetical / negated / claimed, from the parse around the
trigger.  Sentences are our own, plus the seed article's."""
from __future__ import annotations

import pytest

from detente.events.modality import PRECEDENCE, modality_cues, modality_of
from detente.records import MODALITIES
from conftest import SEED


def _trigger(nlp, text: str, word: str, nth: int = 0):
    doc = nlp(text)
    hits = [t for t in doc if t.text == word]
    assert len(hits) > nth, f"{word!r} not in {text!r}"
    tok = hits[nth]
    return tok.sent, tok


CASES = [
    # occurred
    ("Iran seized a British tanker in the Strait of Hormuz.", "seized", "occurred", None),
    ("The two countries agreed to hold joint exercises.", "agreed", "occurred", None),
    ("North Korea said South Korean troops fired on the border.", "said", "occurred", None),
    ("Japan refused to comment.", "refused", "occurred", None),
    ("The government held talks with rebels.", "talks", "occurred", None),
    ("The visit is not merely symbolic.", "visit", "occurred", None),
    ("Why did Russia attack Ukraine?", "attack", "occurred", None),
    ("Putin travelled to Pyongyang to sign a treaty.", "sign", "occurred", None),
    # threats are events of their own, not hypotheticals
    ("North Korea threatened to strike the United States.", "threatened", "occurred", None),
    ("North Korea threatened to strike the United States.", "strike", "occurred", None),
    # planned
    ("Putin to visit North Korea.", "visit", "planned", "to"),
    ("Russian President Vladimir Putin is due to visit Pyongyang next week.", "visit", "planned",
     "due to"),
    ("China plans to send troops to the border.", "send", "planned", "plans to"),
    ("The talks are set to resume in Geneva on Monday.", "resume", "planned", "set to"),
    ("Kim will meet Putin in Vladivostok in September.", "meet", "planned", "will"),
    ("Putin is expected to arrive on Tuesday.", "arrive", "planned", "expected to"),
    ("The Kremlin said Putin is scheduled to meet Kim on Wednesday.", "meet", "planned",
     "scheduled to"),
    ("Putin is going to visit Pyongyang.", "visit", "planned", "going to"),
    ("The two countries agreed to hold joint exercises.", "hold", "planned", "agreed to"),
    ("Kim and Putin will meet and sign a treaty.", "sign", "planned", "will"),
    ("Putin will travel to Pyongyang to sign a treaty.", "sign", "planned", "will"),
    ("Talks will be held in Geneva.", "Talks", "planned", "will"),
    ("The upcoming summit drew attention.", "summit", "planned", "upcoming"),
    ("This visit will be Putin's first to North Korea since 2000.", "visit", "planned", "will"),
    # reported future is future, not hypothetical
    ("Lavrov said Russia would send troops.", "send", "planned", "would"),
    # hypothetical
    ("Sanctions could be imposed if Russia attacks Ukraine.", "imposed", "hypothetical", "could"),
    ("Sanctions could be imposed if Russia attacks Ukraine.", "attacks", "hypothetical", "if"),
    ("Russia would send troops if asked.", "send", "hypothetical", "would"),
    ("Russia may seek to bolster its military.", "bolster", "hypothetical", "seek to"),
    ("Russia is considering sending troops.", "sending", "hypothetical", "considering"),
    ("Washington is considering sanctions against Moscow.", "sanctions", "hypothetical",
     "considering"),
    ("Analysts warned of a potential transfer of weapons.", "transfer", "hypothetical",
     "potential"),
    ("The minister urged Russia to withdraw its troops.", "withdraw", "hypothetical", "urged to"),
    ("Will Russia attack Ukraine?", "attack", "hypothetical", "?"),
    ("The summit may take place in June.", "summit", "hypothetical", "may"),
    # negated
    ("Iran did not attack the tanker.", "attack", "negated", "not"),
    ("North Korea has never attacked Japan.", "attacked", "negated", "never"),
    ("Moscow denied that its forces had shelled the village.", "shelled", "negated", "denied"),
    ("The ministry refused to meet the delegation.", "meet", "negated", "refused to"),
    ("The army failed to capture the city.", "capture", "negated", "failed to"),
    ("The government rejected reports that troops had crossed the border.", "crossed",
     "negated", "rejected"),
    ("The leaders signed the treaty without consulting parliament.", "consulting", "negated",
     "without"),
    ("No talks were held between the two sides.", "talks", "negated", "No"),
    ("Xi did not hold talks with Biden.", "talks", "negated", "not"),
    ("The president cancelled his visit to Japan.", "visit", "negated", "cancelled"),
    ("Officials ruled out sending troops.", "sending", "negated", "ruled out"),
    ("Seoul stopped short of recognising the government.", "recognising", "negated", "short of"),
    # claimed
    ("North Korea said South Korean troops fired on the border.", "fired", "claimed", "said"),
    ("Russia attacked Ukraine, according to KCNA.", "attacked", "claimed", "according to"),
    ("According to KCNA, Kim inspected the missile units.", "inspected", "claimed",
     "according to"),
    ("Israeli forces allegedly shelled the camp.", "shelled", "claimed", "allegedly"),
    ("Police reportedly arrested the protesters.", "arrested", "claimed", "reportedly"),
    ("The United States accused Russia of supplying weapons to the rebels.", "supplying",
     "claimed", "accused of"),
    ("The two leaders met in Geneva last week, the ministry said.", "met", "claimed", "said"),
    ("Kim inspected the missile units, KCNA reported.", "inspected", "claimed", "reported"),
    ("Russia's alleged attack on the convoy drew condemnation.", "attack", "claimed", "alleged"),
]


@pytest.mark.parametrize("text,word,modality,cue", CASES)
def test_modality_of_written_sentences(nlp, text, word, modality, cue):
    sent, tok = _trigger(nlp, text, word)
    assert modality_of(sent, tok) == (modality, cue)


@pytest.mark.parametrize("text,word,expected", [
    # negated > hypothetical > planned > claimed
    ("Lavrov told reporters that Russia would never recognize the vote.", "recognize", "negated"),
    ("The Kremlin said Putin will visit Pyongyang.", "visit", "planned"),
    ("Officials said Russia could deploy more troops.", "deploy", "hypothetical"),
    ("Russia says it has not deployed troops to Belarus.", "deployed", "negated"),
    ("The upcoming visit is not merely symbolic.", "visit", "planned"),
])
def test_precedence_between_cues(nlp, text, word, expected):
    sent, tok = _trigger(nlp, text, word)
    assert modality_of(sent, tok)[0] == expected


def test_negation_of_a_speech_verb_does_not_negate_its_content(nlp):
    # "did not say" scopes over the saying, not over what was said
    sent, tok = _trigger(nlp, "Xi did not say that the talks failed.", "failed")
    assert modality_of(sent, tok)[0] == "claimed"


def test_consequence_modal_does_not_leak_onto_a_nominal_subject(nlp):
    text = ("The upcoming visit is expected to draw further international scrutiny and could "
            "prompt strategic recalibrations.")
    sent, visit = _trigger(nlp, text, "visit")
    assert modality_of(sent, visit) == ("planned", "upcoming")
    sent, prompt = _trigger(nlp, text, "prompt")
    assert modality_of(sent, prompt) == ("hypothetical", "could")


def test_cues_are_listed_and_precedence_is_complete(nlp):
    assert set(PRECEDENCE) == set(MODALITIES)
    sent, tok = _trigger(nlp, "Lavrov told reporters that Russia would never recognize the vote.",
                         "recognize")
    kinds = {c.modality for c in modality_cues(sent, tok)}
    assert {"negated", "planned", "claimed"} <= kinds


@pytest.fixture(scope="module")
def seed(nlp):
    return nlp(SEED.read_text(encoding="utf-8"))


def _seed_trigger(seed, sentence_contains: str, word: str):
    for sent in seed.sents:
        if sentence_contains in sent.text:
            return sent, next(t for t in sent if t.text == word)
    raise AssertionError(f"seed sentence with {sentence_contains!r} not found")


@pytest.mark.parametrize("contains,word,expected", [
    ("upcoming visit to North Korea signifies", "visit", "planned"),
    ("This visit will be Putin’s first", "visit", "planned"),
    ("planned visit to North Korea is a landmark", "visit", "planned"),
    ("follows a significant meeting", "meeting", "occurred"),
    ("Kim Jong Un expressed his full support", "expressed", "occurred"),
    ("The United States has already expressed apprehensions", "expressed", "occurred"),
    ("potential transfer of military technology", "transfer", "hypothetical"),
    ("Such exchanges could destabilize", "destabilize", "hypothetical"),
])
def test_seed_article_modalities(seed, contains, word, expected):
    sent, tok = _seed_trigger(seed, contains, word)
    assert modality_of(sent, tok)[0] == expected


@pytest.mark.parametrize("text", ["", "!!! ... ???", "\x00\x01 \x02", "Путин посетил Пхеньян.",
                                  "will will not not"])
def test_odd_input_never_raises(nlp, text):
    doc = nlp(text)
    for sent in doc.sents:
        for tok in sent:
            modality, _cue = modality_of(sent, tok)
            assert modality in MODALITIES
