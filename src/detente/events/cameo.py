"""The CAMEO event vocabulary: every verb code with its root, Goldstein weight, quad class and
PLOVER type, read once from ``data/cameo_codes.tsv`` (its header documents the columns).

Other stages call :func:`cameo_info` to describe a code and :func:`penta_class` to fold a code
into the 5-way class the ConfliBERT gold set uses.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Optional

QUAD_CLASS_NAMES = {1: "verbal cooperation", 2: "material cooperation",
                    3: "verbal conflict", 4: "material conflict"}

# ConfliBERT's 5-way grouping of roots (shared/gold README): statements and appeals; intent,
# consultation and diplomatic cooperation; material cooperation, aid, yielding; verbal conflict
# (investigate .. threaten, and reducing relations); material conflict.
_PENTA = {"01": 0, "02": 0, "03": 1, "04": 1, "05": 1, "06": 2, "07": 2, "08": 2,
          "09": 3, "10": 3, "11": 3, "12": 3, "13": 3, "16": 3,
          "14": 4, "15": 4, "17": 4, "18": 4, "19": 4, "20": 4}
PENTA_NAMES = ("statement/appeal", "verbal cooperation", "material cooperation",
               "verbal conflict", "material conflict")


@dataclass(frozen=True)
class CameoCode:
    code: str
    name: str
    root: str
    goldstein: float
    quad_class: int
    plover: Optional[str]
    plover_mode: Optional[str]
    goldstein_source: str = "published"  # or "parent" for the 7 codes the scale never covered


class UnknownCode(KeyError):
    pass


def _load() -> dict[str, CameoCode]:
    table: dict[str, CameoCode] = {}
    text = resources.files(__package__).joinpath("data/cameo_codes.tsv").read_text("utf-8")
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        code, root, quad, goldstein, gsource, plover, mode, name = line.split("\t")
        table[code] = CameoCode(code=code, name=name, root=root, goldstein=float(goldstein),
                                quad_class=int(quad), plover=plover or None,
                                plover_mode=mode or None, goldstein_source=gsource)
    return table


CAMEO: dict[str, CameoCode] = _load()


def normalize_code(code: str) -> str:
    """'42' -> '042', ' 0231 ' -> '0231'.  Gold files and users sometimes drop the leading zero
    of roots 01-09; a three-digit code starting 1-9 with no match is read that way."""
    code = str(code).strip()
    if code in CAMEO:
        return code
    if code.isdigit() and len(code) in (1, 2, 3) and ("0" + code) in CAMEO:
        return "0" + code
    return code


@lru_cache(maxsize=None)
def cameo_info(code: str) -> CameoCode:
    """The table row for ``code``; raises :class:`UnknownCode` for a code CAMEO does not have."""
    norm = normalize_code(code)
    try:
        return CAMEO[norm]
    except KeyError:
        raise UnknownCode(f"unknown CAMEO verb code {code!r}") from None


def is_code(code: str) -> bool:
    return normalize_code(code) in CAMEO


def root_of(code: str) -> str:
    return normalize_code(code)[:2]


def penta_class(code: str) -> int:
    """5-way class of a code (0 statement/appeal .. 4 material conflict)."""
    return _PENTA[root_of(code)]


def root_for_penta(penta: int) -> str:
    """A representative root for a 5-way class, used when only the class is known (the learned
    classifier's answer): the most general root of the group."""
    return {0: "01", 1: "04", 2: "06", 3: "11", 4: "19"}[penta]


# -- composing a frame with its content ------------------------------------------------
# CAMEO builds its appeal (02), intent (03), demand (10), rejection (12) and threat (13) codes
# in parallel to the acts they are about: "agreed to send aid" is intent to provide aid (033),
# "refused to release" is refusal to yield by releasing (1243).  These tables map the content
# act to that parallel sub-code, so a frame verb plus an embedded trigger gets the specific code.
_YIELD_SUB = {"081": "1", "0811": "1", "0812": "1", "0813": "1", "0814": "1", "082": "2",
              "084": "3", "0841": "3", "0842": "3", "085": "4", "086": "5", "0861": "5",
              "0862": "5", "0863": "5", "087": "6", "0871": "6", "0872": "6", "0873": "6",
              "0874": "6"}
_COOP_FRAMES = {
    # frame root: (meet, mediate, diplomatic, material coop, aid, yield, reform)
    "02": ("026", "028", "022", "021", "023", "025", "024"),
    "03": ("036", "039", "032", "031", "033", "035", "034"),
    "10": ("106", "108", "102", "101", "103", "105", "104"),
    "12": ("125", "126", "120", "121", "122", "124", "123"),
}
_THREAT_OF = {"161": "1313", "162": "1311", "1621": "1311", "1622": "1311", "1623": "1311",
              "163": "1312", "164": "134", "165": "135", "166": "136", "1661": "136",
              "1662": "136", "1663": "136", "172": "132", "1721": "1321", "1722": "1322",
              "1723": "1323", "1724": "1324", "175": "137", "173": "137", "174": "137",
              "191": "1381", "192": "1382"}


def compose(frame: str, content: str) -> str:
    """The code of a frame act (appeal/intent/demand/reject/threaten) about a content act, or
    the frame's own code when CAMEO has no parallel sub-code."""
    frame, content = normalize_code(frame), normalize_code(content)
    froot, croot = frame[:2], content[:2]
    if froot == "03" and croot in ("13", "14", "15", "17", "18", "19", "20"):
        froot = "13"  # a promise to use force is a threat
    if froot == "13":
        if content in _THREAT_OF:
            return _THREAT_OF[content]
        if croot in ("18",):
            return "1383"
        if croot in ("19",):
            return "1384"
        if croot in ("20",):
            return "1385"
        if croot == "14":
            return "133"
        if croot == "17":
            return "137"
        return frame if frame[:2] == "13" else "130"
    row = _COOP_FRAMES.get(froot)
    if row is None:
        return frame
    meet, mediate, diplo, material, aid, yld, reform = row
    out = None
    if croot == "04":
        out = mediate if content == "045" else meet
    elif croot == "05":
        out = diplo
    elif croot == "06":
        out = material + content[2:] if len(content) == 3 and content[2] != "0" else material
    elif croot == "07":
        out = aid + content[2:] if len(content) == 3 and content[2] in "1234" else aid
    elif croot == "08":
        if content.startswith("083"):
            out = reform
        else:
            sub = _YIELD_SUB.get(content)
            out = yld + sub if sub else yld
    elif croot == "03" and froot == "03":
        out = content
    if out is None or out not in CAMEO:
        return frame
    return out
