"""Which dimension of a relationship an event belongs to: diplomatic, military (and security),
economic (with sub-tags), sanctions (and legal), humanitarian.

Two sources, combined:

* the CAMEO code, read by longest matching prefix (``0311`` intent to cooperate economically ->
  economic; ``163`` impose sanctions -> sanctions; ``19`` fight -> military).  The code says what
  kind of act it is, so it is trusted first;
* keywords in the evidence sentence, because many codes are topic-neutral ("consult", "sign a
  formal agreement", "criticise") and the topic is only in the words ("signed a *trade* deal",
  "discussed *military* cooperation").

Economic sub-tags are returned as ``economic:<sub>`` (``economic:trade``, ``economic:energy``);
an event with a sub-tag always carries ``economic`` too.  ``diplomatic`` is given to the acts of
diplomacy themselves (meetings, visits, negotiations, agreements, recognition, cutting relations)
and, as a fallback, to verbal exchanges between states that name no other topic.
"""
from __future__ import annotations

import re
from functools import lru_cache
from typing import Iterable

DIMENSIONS: tuple[str, ...] = ("diplomatic", "military", "economic", "sanctions", "humanitarian")
ECONOMIC_SUBTAGS: tuple[str, ...] = ("trade", "investment", "aid", "labour", "energy", "mining",
                                     "infrastructure")

# Code prefix -> dimensions.  The longest prefix present wins, so 16 (reduce relations) can be
# diplomatic while 163 (sanctions) and 1621 (cut economic aid) say what they are.
_CODE_RULES: dict[str, tuple[str, ...]] = {
    # statements/appeals/intents about a specific kind of cooperation
    "0211": ("economic",), "0212": ("military",), "0213": ("sanctions",), "0214": ("military",),
    "022": ("diplomatic",),
    "0231": ("economic", "economic:aid"), "0232": ("military",), "0233": ("humanitarian",),
    "0234": ("military",),
    "0243": ("humanitarian",),
    "0251": ("sanctions",), "0253": ("humanitarian",), "0254": ("sanctions", "economic"),
    "0255": ("diplomatic",), "0256": ("military",),
    "026": ("diplomatic",), "027": ("diplomatic",), "028": ("diplomatic",),
    "0311": ("economic",), "0312": ("military",), "0313": ("sanctions",), "0314": ("military",),
    "032": ("diplomatic",),
    "0331": ("economic", "economic:aid"), "0332": ("military",), "0333": ("humanitarian",),
    "0334": ("military",),
    "0343": ("humanitarian",),
    "0351": ("sanctions",), "0353": ("humanitarian",), "0354": ("sanctions", "economic"),
    "0356": ("military",),
    "036": ("diplomatic",), "037": ("diplomatic",), "038": ("diplomatic",), "039": ("diplomatic",),
    # acts of diplomacy
    "04": ("diplomatic",), "05": ("diplomatic",),
    # material cooperation and aid
    "061": ("economic",), "062": ("military",), "063": ("sanctions",), "064": ("military",),
    "071": ("economic", "economic:aid"), "072": ("military",), "073": ("humanitarian",),
    "074": ("military",), "075": ("humanitarian",),
    # yielding
    "081": ("sanctions",), "0841": ("humanitarian",), "085": ("sanctions", "economic"),
    "0861": ("military",), "0862": ("military",), "0863": ("humanitarian",),
    "087": ("military",),
    "093": ("military",), "094": ("military", "sanctions"), "092": ("humanitarian",),
    "091": ("sanctions",),
    # demands and rejections about specific cooperation
    "1011": ("economic",), "1012": ("military",), "1013": ("sanctions",), "1014": ("military",),
    "102": ("diplomatic",),
    "1031": ("economic", "economic:aid"), "1032": ("military",), "1033": ("humanitarian",),
    "1034": ("military",),
    "1043": ("humanitarian",),
    "1051": ("sanctions",), "1053": ("humanitarian",), "1054": ("sanctions", "economic"),
    "1056": ("military",),
    "106": ("diplomatic",), "107": ("diplomatic",), "108": ("diplomatic",),
    "1121": ("sanctions",), "1122": ("humanitarian",), "1123": ("military",),
    "1124": ("military", "sanctions"), "1125": ("military",),
    "115": ("sanctions",), "116": ("sanctions",),
    "1211": ("economic",), "1212": ("military",), "1213": ("sanctions",), "1214": ("military",),
    "1221": ("economic", "economic:aid"), "1222": ("military",), "1223": ("humanitarian",),
    "1224": ("military",),
    "1233": ("humanitarian",),
    "1241": ("sanctions",), "1243": ("humanitarian",), "1244": ("sanctions", "economic"),
    "1246": ("military",),
    "125": ("diplomatic",), "126": ("diplomatic",), "127": ("diplomatic",), "129": ("diplomatic",),
    "128": ("sanctions",),
    # threats
    "1311": ("economic", "economic:aid"), "1312": ("sanctions", "economic"),
    "1313": ("diplomatic",), "132": ("sanctions",), "134": ("diplomatic",),
    "135": ("diplomatic",), "138": ("military",),
    # force posture, reducing relations, coercion, violence
    "15": ("military",),
    "161": ("diplomatic",), "1621": ("economic", "economic:aid"), "1622": ("military",),
    "1623": ("humanitarian",), "163": ("sanctions", "economic"), "164": ("diplomatic",),
    "165": ("diplomatic",), "166": ("diplomatic",), "1661": ("military",),
    "1662": ("military",), "1663": ("humanitarian",),
    "171": ("sanctions",), "172": ("sanctions",), "173": ("sanctions",), "174": ("sanctions",),
    "175": ("military",), "176": ("military",),
    "18": ("military",), "181": ("military", "humanitarian"), "19": ("military",),
    "20": ("military", "humanitarian"),
}

# Roots that are spoken exchanges between states: diplomatic when nothing more specific is found.
_VERBAL_ROOTS = frozenset({"01", "02", "03", "10", "11", "12", "13", "16"})

# Keyword patterns (whole words, case-insensitive).  Each is evidence for a dimension only; the
# lists favour precision: "mine" alone is left out (land mines are military), "aid" alone is
# left out of economic aid (it is as often humanitarian).
_KEYWORDS: dict[str, str] = {
    "military": r"military|militar(?:ily|ies)|troops?|soldiers?|army|armies|navy|naval|air ?force|"
                r"missiles?|ballistic|ICBMs?|warheads?|nuclear (?:weapons?|arsenal|tests?|programme|"
                r"program)|weapons?|arms|munitions?|ammunition|artillery|shells|drills?|"
                r"war ?games|warships?|submarines?|fighter jets?|drones?|defen[cs]e|"
                r"security cooperation|intelligence|ceasefire|cease-fire|offensive|airstrikes?|"
                r"air strikes?|invasion|battlefield|armed forces|(?<!trade )(?<!price )(?<!currency )wars?",
    "sanctions": r"sanctions?|sanctioned|embargo(?:es)?|blacklist(?:ed)?|asset freezes?|"
                 r"export controls?|tribunal|court|lawsuit|sued|indict(?:ed|ment)|extradit(?:e|ed|ion)|"
                 r"ICC|violat(?:e|ed|es|ing|ions?)|resolutions? \d+|Security Council resolutions?|"
                 r"penalt(?:y|ies)|illegal|unlawful",
    "humanitarian": r"humanitarian|refugees?|famine|food (?:aid|shortages?|assistance)|"
                    r"(?<!sanctions )(?<!debt )(?<!tax )relief|"
                    r"displaced|civilians?|evacuat(?:e|ed|ion)|human rights|medical supplies|"
                    r"medicines?|disaster|earthquake|floods?|hostages?|prisoners?|detainees?|"
                    r"asylum|starvation|malnutrition|epidemic|pandemic",
    "diplomatic": r"summit|talks|visits?|visited|ambassadors?|embass(?:y|ies)|diplomat(?:s|ic)?|"
                  r"foreign ministers?|negotiat(?:e|ed|ions?)|treaty|accord|envoys?|consulates?|"
                  r"bilateral relations|diplomatic relations|state visit",
    "economic:trade": r"trade|trading|tariffs?|exports?|exported|imports?|imported|goods|commerce|"
                      r"WTO|free[- ]trade|customs|shipments?|commodit(?:y|ies)",
    "economic:investment": r"invest(?:s|ed|ing|ment|ments|or|ors)?|joint ventures?|equity stakes?|stakes? in|"
                           r"sovereign (?:wealth )?funds?|special economic zones?",
    "economic:aid": r"economic aid|financial aid|economic assistance|financial assistance|loans?|"
                    r"credit lines?|debt relief|development aid|bailouts?",
    "economic:labour": r"(?-i:labou?r(?:ers)?)|workers?|migrant workers|employment|jobs|wages|workforce",
    "economic:energy": r"oil|(?<!tear )gas|pipelines?|energy|electricity|power plants?|power grids?|"
                       r"fuel (?:supplies|shipments|exports|imports)|"
                       r"petroleum|LNG|coal|nuclear (?:power|reactors?|plants?)|refiner(?:y|ies)",
    "economic:mining": r"mining|minerals?|rare earths?|ores?|lithium|cobalt|copper|nickel|"
                       r"gold mines?|iron ore|coal mines?",
    "economic:infrastructure": r"railways?|rail(?:road)? links?|roads?|bridges?|ports?|harbou?rs?|"
                               r"infrastructure|highways?|airports?|telecommunications|"
                               r"Belt and Road|construction projects?|tunnels?",
    "economic": r"economic|economy|economies|econom(?:ically)|business(?:es)?|banks?|banking|"
                r"currency|finance|financial|market|GDP",
}

_PATTERNS: dict[str, re.Pattern[str]] = {
    tag: re.compile(rf"\b(?:{pattern})\b", re.IGNORECASE) for tag, pattern in _KEYWORDS.items()
}
# The order dimensions are listed in: the specific topic first, the generic "diplomatic" last,
# so callers that want one label per event can take the first.
ORDER = ("sanctions", "military", "humanitarian", "economic") + tuple(
    f"economic:{sub}" for sub in ECONOMIC_SUBTAGS) + ("diplomatic",)


@lru_cache(maxsize=4096)
def code_dimensions(code: str) -> tuple[str, ...]:
    """Dimensions implied by a CAMEO code alone (longest matching prefix)."""
    code = (code or "").strip()
    for length in range(len(code), 1, -1):
        dims = _CODE_RULES.get(code[:length])
        if dims is not None:
            return dims
    return ()


def keyword_dimensions(sentence: str | None) -> set[str]:
    """Dimensions named by keywords in a sentence (an economic sub-tag implies ``economic``)."""
    if not sentence:
        return set()
    found = {tag for tag, pattern in _PATTERNS.items() if pattern.search(sentence)}
    if any(tag.startswith("economic:") for tag in found):
        found.add("economic")
    return found


def dimensions_of(code: str, sentence: str | None = None) -> list[str]:
    """All dimensions of an event, most specific first.

    >>> dimensions_of("0311", "Russia and North Korea agreed to expand trade")
    ['economic', 'economic:trade', 'diplomatic']
    >>> dimensions_of("190")
    ['military']
    """
    return combine_dimensions(code, keyword_dimensions(sentence))


def combine_dimensions(code: str, keyword_tags: Iterable[str]) -> list[str]:
    """The dimensions of an event with this code whose text named ``keyword_tags`` (merging
    uses it with the tags most of an event's reports agree on)."""
    dims = set(code_dimensions(code)) | set(keyword_tags)
    if any(tag.startswith("economic:") for tag in dims):
        dims.add("economic")
    root = (code or "")[:2]
    # A verbal exchange on no named topic is still diplomacy between the two states; intent,
    # appeals and demands about a specific matter (0311, 1012, ...) also count as diplomacy.
    if root in _VERBAL_ROOTS and (not dims or root in {"02", "03", "10"}):
        dims.add("diplomatic")
    return [tag for tag in ORDER if tag in dims]


def primary_dimension(code: str, sentence: str | None = None) -> str | None:
    """The single most specific dimension, or None when the event has none (e.g. a protest)."""
    dims = dimensions_of(code, sentence)
    return dims[0] if dims else None
