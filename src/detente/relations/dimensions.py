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

# Keyword phrases, lower-case, one phrase per comma-separated item, inflections spelled out.
# The lists favour precision: "mine" alone is left out (land mines are military), "aid" alone is
# left out of economic aid (it is as often humanitarian).
_KEYWORDS: dict[str, str] = {
    "military": """military, militarily, militaries, troop, troops, soldier, soldiers, army, armies,
        navy, naval, air force, airforce, missile, missiles, ballistic, icbm, icbms, warhead,
        warheads, nuclear weapon, nuclear weapons, nuclear arsenal, nuclear test, nuclear tests,
        nuclear programme, nuclear program, weapon, weapons, arms, munition, munitions,
        ammunition, artillery, shells, drill, drills, war games, wargames, warship, warships,
        submarine, submarines, fighter jet, fighter jets, drone, drones, defence, defense,
        security cooperation, intelligence, ceasefire, cease fire, offensive, airstrike,
        airstrikes, air strike, air strikes, invasion, battlefield, armed forces, war, wars""",
    "sanctions": """sanction, sanctions, sanctioned, embargo, embargoes, blacklist, blacklisted,
        asset freeze, asset freezes, export control, export controls, tribunal, court, lawsuit,
        sued, indicted, indictment, extradite, extradited, extradition, icc, violate, violated,
        violates, violating, violation, violations, security council resolution,
        security council resolutions, un resolution, un resolutions, penalty, penalties,
        illegal, unlawful""",
    "humanitarian": """humanitarian, refugee, refugees, famine, food aid, food shortage,
        food shortages, food assistance, relief, displaced, civilian, civilians, evacuate,
        evacuated, evacuation, human rights, medical supplies, medicine, medicines, disaster,
        earthquake, flood, floods, hostage, hostages, prisoner, prisoners, detainee, detainees,
        asylum, starvation, malnutrition, epidemic, pandemic""",
    "diplomatic": """summit, talks, visit, visits, visited, ambassador, ambassadors, embassy,
        embassies, diplomat, diplomats, diplomatic, foreign minister, foreign ministers,
        negotiate, negotiated, negotiation, negotiations, treaty, accord, envoy, envoys,
        consulate, consulates, bilateral relations, diplomatic relations, state visit""",
    "economic:trade": """trade, trading, tariff, tariffs, export, exports, exported, import,
        imports, imported, goods, commerce, wto, free trade, customs, shipment, shipments,
        commodity, commodities""",
    "economic:investment": """invest, invests, invested, investing, investment, investments,
        investor, investors, joint venture, joint ventures, equity stake, equity stakes,
        stake in, stakes in, sovereign fund, sovereign funds, sovereign wealth fund,
        sovereign wealth funds, special economic zone, special economic zones""",
    "economic:aid": """economic aid, financial aid, economic assistance, financial assistance,
        loan, loans, credit line, credit lines, debt relief, development aid, bailout,
        bailouts""",
    "economic:labour": """labour, labor, labourers, laborers, worker, workers, migrant workers,
        employment, jobs, wages, workforce""",
    "economic:energy": """oil, gas, pipeline, pipelines, energy, electricity, power plant,
        power plants, power grid, power grids, fuel supplies, fuel shipments, fuel exports,
        fuel imports, petroleum, lng, coal, nuclear power, nuclear reactor, nuclear reactors,
        nuclear plant, nuclear plants, refinery, refineries""",
    "economic:mining": """mining, mineral, minerals, rare earth, rare earths, ore, ores, lithium,
        cobalt, copper, nickel, gold mine, gold mines, iron ore, coal mine, coal mines""",
    "economic:infrastructure": """railway, railways, rail link, rail links, railroad link,
        railroad links, road, roads, bridge, bridges, port, ports, harbour, harbours, harbor,
        harbors, infrastructure, highway, highways, airport, airports, telecommunications,
        belt and road, construction project, construction projects, tunnel, tunnels""",
    "economic": """economic, economy, economies, economically, business, businesses, bank, banks,
        banking, currency, finance, financial, market, gdp""",
}
# Phrases that contain a keyword but do not mean its dimension: matched first (longest match
# wins) and tagged with what they do mean, if anything.
_OVERRIDES: dict[str, tuple[str, ...]] = {
    "trade war": ("economic:trade",), "trade wars": ("economic:trade",),
    "price war": ("economic",), "currency war": ("economic",), "cold war": ("military",),
    "tear gas": (), "sanctions relief": ("sanctions",), "debt relief": ("economic:aid",),
    "tax relief": ("economic",), "labour party": (), "labor party": (), "capital city": (),
}
# Words whose capitalised form is a name, not the keyword: the UK's Labour, Israel's Labor.
_LOWERCASE_ONLY = frozenset({"labour", "labor"})


def _gazetteer() -> tuple[dict[str, tuple[str, ...]], int]:
    table: dict[str, set[str]] = {}
    for tag, phrases in _KEYWORDS.items():
        for phrase in phrases.split(","):
            phrase = " ".join(phrase.split())
            if phrase:
                table.setdefault(phrase, set()).add(tag)
    out = {phrase: tuple(sorted(tags)) for phrase, tags in table.items()}
    out.update(_OVERRIDES)
    return out, max(len(p.split()) for p in out)


_PHRASES, _MAX_WORDS = _gazetteer()
# First words of multi-word phrases: only these start a longer lookup.
_STARTS = frozenset(p.split()[0] for p in _PHRASES if " " in p)
_WORD = re.compile(r"[A-Za-z0-9]+")

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
    """Dimensions named by keywords in a sentence (an economic sub-tag implies ``economic``).

    One tokenisation and dictionary lookups, longest phrase first, so "trade war" is read as
    trade and never as war (regular expressions over every keyword cost fifty times more)."""
    if not sentence:
        return set()
    words = _WORD.findall(sentence)
    lower = [w.lower() for w in words]
    found: set[str] = set()
    i, n = 0, len(words)
    while i < n:
        longest = min(_MAX_WORDS, n - i) if lower[i] in _STARTS else 1
        for k in range(longest, 0, -1):
            phrase = lower[i] if k == 1 else " ".join(lower[i:i + k])
            tags = _PHRASES.get(phrase)
            if tags is None:
                continue
            if k == 1 and phrase in _LOWERCASE_ONLY and not words[i].islower():
                continue
            found.update(tags)
            i += k
            break
        else:
            i += 1
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
