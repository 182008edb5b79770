"""Stand-ins for the coder's collaborators, so the coder's own tests do not depend on the actor
dictionaries or attribute heuristics (which have their own tests).  Test helpers only."""
from __future__ import annotations

import re

from detente.events.coder import Attributes
from detente.records import ActorMention, Place

# name -> (CAMEO code, country); written for these tests
NAMES = {
    "Russia": ("RUS", "RUS"), "Russian": ("RUS", "RUS"), "Moscow": ("RUSGOV", "RUS"),
    "Kremlin": ("RUSGOV", "RUS"), "Vladimir Putin": ("RUSGOV", "RUS"), "Putin": ("RUSGOV", "RUS"),
    "North Korea": ("PRK", "PRK"), "North Korean": ("PRK", "PRK"), "Pyongyang": ("PRKGOV", "PRK"),
    "Kim Jong Un": ("PRKGOV", "PRK"), "Kim": ("PRKGOV", "PRK"),
    "United States": ("USA", "USA"), "Washington": ("USAGOV", "USA"), "US": ("USA", "USA"),
    "China": ("CHN", "CHN"), "Chinese": ("CHN", "CHN"), "Beijing": ("CHNGOV", "CHN"),
    "Japan": ("JPN", "JPN"), "Japanese": ("JPN", "JPN"), "Tokyo": ("JPNGOV", "JPN"),
    "India": ("IND", "IND"), "Indian": ("IND", "IND"), "France": ("FRA", "FRA"),
    "French": ("FRA", "FRA"), "Germany": ("DEU", "DEU"), "Brazil": ("BRA", "BRA"),
    "Ukraine": ("UKR", "UKR"), "Ukrainian": ("UKR", "UKR"), "Kyiv": ("UKRGOV", "UKR"),
    "Iran": ("IRN", "IRN"), "Iranian": ("IRN", "IRN"), "Israel": ("ISR", "ISR"),
    "Israeli": ("ISR", "ISR"), "Syria": ("SYR", "SYR"), "Turkey": ("TUR", "TUR"),
    "European Union": ("IGOEU", None), "United Nations": ("IGOUNO", None),
    "South Korea": ("KOR", "KOR"), "Seoul": ("KORGOV", "KOR"), "Western nations": ("WST", None),
    "Egypt": ("EGY", "EGY"), "Kenya": ("KEN", "KEN"), "Chile": ("CHL", "CHL"),
    "Peru": ("PER", "PER"), "Peruvian": ("PER", "PER"), "Chilean": ("CHL", "CHL"),
    "police": ("COP", None), "rebels": ("REB", None),
}
_PRONOUN_ANTECEDENT = {"the two leaders": ["Putin", "Kim"]}
_RX = re.compile(r"\b(" + "|".join(sorted(map(re.escape, NAMES), key=len, reverse=True)) + r")\b")
_PAIR = re.compile(r"\bthe two leaders\b", re.I)


class FakeResolver:
    def mentions(self, span, date=None, base_offset=0):
        text = span.text
        base = getattr(span, "start_char", 0) + base_offset
        out = []
        for m in _RX.finditer(text):
            code, country = NAMES[m.group(1)]
            out.append(ActorMention(m.group(1), base + m.start(), base + m.end(), code, country,
                                    name=m.group(1), kind="country"))
        for m in _PAIR.finditer(text):
            for who in _PRONOUN_ANTECEDENT["the two leaders"]:
                code, country = NAMES[who]
                out.append(ActorMention(m.group(0), base + m.start(), base + m.end(), code, country,
                                        name=who, kind="pronoun", via="coreference"))
        return out

    def resolve_document(self, doc, date=None):
        return [self.mentions(s, date) for s in doc.sents]


def _modality(sent, trig):
    words = {t.lower_ for t in sent}
    if {"upcoming", "planned", "will"} & words:
        return "planned", "will"
    if {"not", "never", "denied"} & words:
        return "negated", "not"
    return "occurred", None


def _date(sent, trig, pub):
    m = re.search(r"\b(January|February|March|April|May|June|July|August|September|October|"
                  r"November|December) (\d{4})\b", sent.text)
    months = ["January", "February", "March", "April", "May", "June", "July", "August",
              "September", "October", "November", "December"]
    if m:
        return f"{m.group(2)}-{months.index(m.group(1)) + 1:02d}", "month"
    m = re.search(r"\b(?:since|in) ((?:19|20)\d\d)\b", sent.text)
    if m:
        return m.group(1), "year"
    return (pub, "day") if pub else (None, None)


def _place(sent, trig):
    m = re.search(r"at the ([A-Z]\w+ [A-Z]\w+)", sent.text)
    return Place(m.group(1), "RUS") if m else None


def _attribution(sent, trig):
    cited = re.findall(r"\((CNA|Wikipedia|Reuters)\)", sent.text)
    m = re.search(r"([A-Z]\w+) said", sent.text)
    return (m.group(1) if m else None), cited


FAKE_ATTRIBUTES = Attributes(_modality, _date, _place, _attribution)
