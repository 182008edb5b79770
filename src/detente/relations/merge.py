"""Event merging: the reports of one real-world event, across articles, outlets and days, become
one merged event.

Rules (docs/relations.md has the long form):

* **Block.**  Reports are compared only within a block: the unordered pair of parties (country,
  or actor code for non-state actors) and the CAMEO root.  A block is also the unit of
  incremental work: a merge run re-merges, from scratch, exactly the blocks whose reports were
  added, removed or changed, so the result always equals a merge of the whole store.
* **Direction.**  ``043`` (host a visit) B->A is read as ``042`` (make a visit) A->B; codes that
  name an act of both sides (meet, negotiate, sign, fight; ``SYMMETRIC_PREFIXES``) ignore
  direction; every other report must agree on who acted on whom.
* **Modality.**  Planned reports merge only with planned ones and hypothetical with hypothetical;
  occurred, claimed and negated reports of one event merge together (they are outlets
  disagreeing on whether it happened) and raise the disagreement flag.
* **Dates, precision-aware.**  Each report's date is an interval (a day, a month or a year).  A
  report joins a merged event only if, with it, the latest start and the earliest end of all the
  members' intervals are at most ``DAY_TOLERANCE`` days apart.  So day-precise reports may
  differ by one day (time zones, "yesterday" resolved from different publication days), a
  month-precise report joins a day-precise event within that month, and no chain of vague
  reports can glue distinct days together.
* **Places.**  Two known places must agree: same country when both have one, else similar
  names.
* **Evidence.**  The report's sentence must be similar enough (rapidfuzz token-set ratio) to a
  member's; for physical acts the trigger word, actor names and place may stand in for the
  sentence.  The bar rises as dates get vaguer and is higher for speech acts (two statements by
  the same side on the same day are often different statements; two visits are not) and for
  one-sided reports (no counterpart named: "Washington held talks" may be any talks).
* **Planned -> occurred.**  A planned event (or an expression of intent, ``036`` intent to meet)
  is linked (``planned_link``) to the first occurred event of the same pair and family on or
  after the day the plan was first reported, inside the date the plan names or, when it names
  none, within ``PLAN_HORIZON_DAYS``.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Optional

import pyarrow as pa
from rapidfuzz import fuzz
from rapidfuzz.utils import default_process

from ..store import Store
from .common import SYMMETRIC_PREFIXES, is_symmetric
from .dimensions import combine_dimensions, keyword_dimensions
from .rollup import PAIR_SQL, refresh_rollups, rollups_current

DAY_TOLERANCE = 1
# Evidence-similarity bars (rapidfuzz 0-100; unrelated news sentences score about 35-47, so the
# speech bar sits above that).  Physical acts of one dyad and root on one day are
# nearly always one event, so the bar only keeps out unrelated text; speech acts need more.
ACT_THRESHOLD = 30.0
SPEECH_THRESHOLD = 62.0
VAGUE_PENALTY = 15.0  # per precision step coarser than a day (month +15, year +30)
SAME_CODE_BONUS = 10.0  # the same three-digit code is itself evidence
PLAN_HORIZON_DAYS = 365
# Keyword dimensions need this share of a merged event's reports (one sentence of a long story
# mentioning "oil" should not make a summit an energy event).
DIMENSION_SHARE = 0.25
# Comparing a report with at most this many members of a candidate event keeps big events
# (a summit with hundreds of reports) linear.
MAX_COMPARE = 25
BATCH_REPORTS = 200_000

# Roots whose events are physical acts rather than statements.
ACT_ROOTS = frozenset({"04", "06", "07", "08", "09", "14", "15", "16", "17", "18", "19", "20"})
_PRECISION_RANK = {"day": 0, "month": 1, "year": 2}
# Words every news sentence shares: left out of evidence comparisons so two unrelated statements
# do not look alike for both saying "the ... said ... of the".  (spaCy's list would do, but
# importing spaCy costs seconds that `detente merge` otherwise never pays.)
FUNCTION_WORDS = frozenset("""
a about after again against all also an and any are as at be been before being between both but
by can could did do does during each for from had has have he her here his how i if in into is it
its itself just me more most my no nor not now of off on once only or other our out over own same
she should so some such than that the their them then there these they this those through to too
under until up very was we were what when where which while who whom why will with would you your
said says say told according reported added also would mr ms mrs
""".split())

# Expressions of intent (root 03) and the root of the act they announce, for planned links.
INTENT_FAMILY = {"031": "06", "032": "05", "033": "07", "034": "08", "035": "08", "036": "04",
                 "039": "04"}


@dataclass
class MergeReport:
    reports: int = 0             # reports (event rows) in the store
    merged: int = 0              # merged events in the store after the run
    blocks_remerged: int = 0
    reports_remerged: int = 0
    outlets_refreshed: int = 0   # merged events whose outlets were recounted for new sources
    planned_links: int = 0
    rollup_rows: int = 0         # rollup rows rewritten (detente.relations.rollup)
    seconds: float = 0.0
    full: bool = False

    def __str__(self) -> str:
        return (f"{self.reports} reports -> {self.merged} merged events "
                f"({self.reports_remerged} reports in {self.blocks_remerged} blocks re-merged, "
                f"{self.planned_links} planned->occurred links) in {self.seconds:.1f}s")


# -- SQL pieces -------------------------------------------------------------------------------

_PA = "coalesce(e.source_country, e.source, '-')"
_PB = "coalesce(e.target_country, e.target, '-')"
BLOCK_SQL = f"least({_PA}, {_PB}) || '|' || greatest({_PA}, {_PB}) || '|' || e.root"
# Everything clustering reads: if any of it changes for a report, its block is re-merged.
_FINGERPRINT_SQL = ("md5(CAST(row(e.source, e.target, e.source_country, e.target_country, "
                    "e.source_name, e.target_name, e.code, e.quad_class, e.goldstein, e.plover, "
                    "e.plover_mode, e.modality, e.date, e.date_precision, e.place, "
                    "e.place_country, e.sentence, e.trigger, e.confidence, e.article_id, "
                    "e.sentence_index, "
                    "a.published) AS VARCHAR))")

_REPORT_COLUMNS = ("id", "article_id", "sentence_index", "source", "target", "source_country",
                   "target_country",
                   "source_name", "target_name", "code", "root", "quad_class", "goldstein",
                   "plover", "plover_mode", "modality", "date", "date_precision", "place",
                   "place_country", "sentence", "trigger", "confidence")


# -- reports and clusters ---------------------------------------------------------------------

class _Report:
    __slots__ = ("row", "id", "article_id", "code", "root", "modality", "group", "dir",
                 "symmetric", "lo", "hi", "rank", "place", "place_country", "text", "key",
                 "published", "fingerprint", "canon_code", "source", "target", "source_name",
                 "target_name", "keyword_tags", "source_country", "target_country",
                 "one_sided")

    def __init__(self, row: dict[str, Any], published: Optional[dt.datetime], fingerprint: str):
        self.row = row
        self.id: str = row["id"]
        self.article_id = row["article_id"]
        self.code: str = row["code"]
        self.root: str = row["root"]
        self.modality: str = row["modality"] or "occurred"
        self.group = self.modality if self.modality in ("planned", "hypothetical") else "factual"
        src = row["source_country"] or row["source"] or "-"
        tgt = row["target_country"] or row["target"] or "-"
        self.source, self.target = row["source"], row["target"]
        self.source_name, self.target_name = row["source_name"], row["target_name"]
        self.source_country, self.target_country = row["source_country"], row["target_country"]
        self.canon_code = self.code
        # "B hosted A" and "A visited B" are one visit: read 043 as 042 with the roles swapped.
        if self.code.startswith("043"):
            src, tgt = tgt, src
            self.source, self.target = self.target, self.source
            self.source_name, self.target_name = self.target_name, self.source_name
            self.source_country, self.target_country = self.target_country, self.source_country
            self.canon_code = "042"
        self.dir = (src, tgt)
        # "Washington held talks" with no counterpart named: the block holds every such report
        # of the side, so it must be matched on its words, as speech is.
        self.one_sided = src == "-" or tgt == "-"
        self.symmetric = is_symmetric(self.code)
        self.lo, self.hi, precision = _interval(row["date"], row["date_precision"])
        self.rank = _PRECISION_RANK.get(precision or "", 3)
        self.place = (row["place"] or "").strip() or None
        self.place_country = row["place_country"]
        self.text = _content_words(row["sentence"])
        key_parts = [row["source_name"], row["target_name"], row["trigger"], row["place"]]
        self.key = default_process(" ".join(p for p in key_parts if p))
        self.published = published
        self.fingerprint = fingerprint
        self.keyword_tags = keyword_dimensions(row["sentence"])


def _content_words(text: Optional[str]) -> str:
    return " ".join(w for w in default_process(text or "").split() if w not in FUNCTION_WORDS)


def _interval(date: Optional[str],
              precision: Optional[str]) -> tuple[Optional[int], Optional[int], Optional[str]]:
    """A date string as an interval of proleptic ordinals (first day, last day)."""
    if not date:
        return None, None, None
    parts = date.split("T")[0].split("-")
    try:
        year = int(parts[0])
        if len(parts) >= 3 and precision not in ("month", "year"):
            day = dt.date(year, int(parts[1]), int(parts[2])).toordinal()
            return day, day, "day"
        if len(parts) >= 2 and precision != "year":
            month = int(parts[1])
            first = dt.date(year, month, 1)
            nxt = dt.date(year + (month == 12), month % 12 + 1, 1)
            return first.toordinal(), nxt.toordinal() - 1, "month"
        return dt.date(year, 1, 1).toordinal(), dt.date(year, 12, 31).toordinal(), "year"
    except (ValueError, IndexError):
        return None, None, None


class _Cluster:
    __slots__ = ("members", "similarity", "group", "dir", "lo_max", "hi_min", "places",
                 "codes3", "best_rank")

    def __init__(self, first: _Report):
        self.members: list[_Report] = [first]
        self.similarity: list[float] = [100.0]
        self.group = first.group
        self.dir = None if first.symmetric else first.dir
        self.lo_max, self.hi_min = first.lo, first.hi
        self.places: list[tuple[str, Optional[str]]] = (
            [(first.place, first.place_country)] if first.place else [])
        self.codes3 = {first.canon_code[:3]}
        self.best_rank = first.rank

    def add(self, r: _Report, similarity: float) -> None:
        self.members.append(r)
        self.similarity.append(similarity)
        if self.dir is None and not r.symmetric:
            self.dir = r.dir
        self.lo_max = max(self.lo_max, r.lo)
        self.hi_min = min(self.hi_min, r.hi)
        if r.place and all(r.place != p for p, _ in self.places):
            self.places.append((r.place, r.place_country))
        self.codes3.add(r.canon_code[:3])
        self.best_rank = min(self.best_rank, r.rank)

    def match(self, r: _Report) -> Optional[float]:
        """The evidence similarity if ``r`` may join this event, else None."""
        if r.group != self.group:
            return None
        if not r.symmetric and self.dir is not None and r.dir != self.dir:
            return None
        if max(self.lo_max, r.lo) - min(self.hi_min, r.hi) > DAY_TOLERANCE:
            return None
        if r.place and not all(_places_agree(r.place, r.place_country, p, c)
                               for p, c in self.places):
            return None
        act = (r.root in ACT_ROOTS or r.code.startswith("057")) and not r.one_sided
        bar = ACT_THRESHOLD if act else SPEECH_THRESHOLD
        bar += VAGUE_PENALTY * max(r.rank, self.best_rank)
        if r.canon_code[:3] in self.codes3:
            bar -= SAME_CODE_BONUS
        best = 0.0
        for m in self.members[:MAX_COMPARE]:
            sim = fuzz.token_set_ratio(r.text, m.text) if r.text and m.text else 0.0
            if act and r.key and m.key:
                sim = max(sim, fuzz.token_set_ratio(r.key, m.key))
            if sim > best:
                best = sim
                if best >= 100.0:
                    break
        return best if best >= bar else None


def _places_agree(p1: str, c1: Optional[str], p2: str, c2: Optional[str]) -> bool:
    if c1 and c2:
        return c1 == c2
    if c1 or c2:  # one side unlocated: nothing says they differ
        return True
    return fuzz.token_set_ratio(p1, p2, processor=default_process) >= 80


def cluster_block(reports: list[_Report]) -> list[_Cluster]:
    """Greedy, deterministic clustering of one block's reports.

    Precise reports go first so they found the events; vaguer ones then join the best-matching
    event their interval allows.  Candidate events are found through day buckets of their date
    interval, so a busy block (a major dyad's statements over ten years) compares each report
    only with the events of its own days.
    """
    ordered = sorted(reports, key=lambda r: (r.rank, r.lo if r.lo is not None else 0,
                                             _pub_key(r.published), r.id))
    clusters: list[_Cluster] = []
    buckets: dict[int, list[int]] = defaultdict(list)  # day ordinal -> clusters
    for r in ordered:
        if r.lo is None:  # undated: nothing places it in time, keep it alone
            clusters.append(_Cluster(r))
            continue
        seen: set[int] = set()
        best: Optional[tuple[float, int]] = None
        for b in _buckets(r.lo - DAY_TOLERANCE, r.hi + DAY_TOLERANCE):
            for ci in buckets.get(b, ()):
                if ci in seen:
                    continue
                seen.add(ci)
                sim = clusters[ci].match(r)
                if sim is not None and (best is None or sim > best[0]):
                    best = (sim, ci)
        if best is None:
            clusters.append(_Cluster(r))
            ci = len(clusters) - 1
            for b in _buckets(r.lo, r.hi):  # searches widen by the tolerance, not the index
                buckets[b].append(ci)
        else:
            clusters[best[1]].add(r, best[0])
    return clusters


_EPOCH = dt.datetime(1, 1, 1, tzinfo=dt.timezone.utc)


def _pub_key(published: Optional[dt.datetime]) -> float:
    if published is None:
        return float("inf")
    if published.tzinfo is None:
        published = published.replace(tzinfo=dt.timezone.utc)
    return (published - _EPOCH).total_seconds()


def _buckets(lo: int, hi: int) -> range:
    return range(lo, hi + 1)


# -- one merged row ---------------------------------------------------------------------------

def _mode(values: Iterable[Any], tiebreak: Callable[[Any], Any] = lambda v: v) -> Any:
    vals = [v for v in values if v is not None]
    if not vals:
        return None
    first = vals[0]
    if all(v == first for v in vals):  # the common case (one report, or all agree): no Counter
        return first
    counts = Counter(vals)
    top = max(counts.values())
    return min((v for v, n in counts.items() if n == top), key=tiebreak)


def _cameo(code: str) -> Any:
    try:
        from ..events.cameo import cameo_info

        return cameo_info(code)
    except Exception:  # vocabulary not installed or unknown code: keep the reports' values
        return None


def _merged_row(block: str, c: _Cluster) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    members = c.members
    anchor = members[0]
    merged_id = "m" + hashlib.sha256(anchor.id.encode("utf-8")).hexdigest()[:19]
    if len(members) == 1:  # most events have one report: no votes to count
        return _single_row(block, merged_id, anchor)

    # Code: the most reported (ties: the most specific, then the smallest).
    code = _mode((m.canon_code for m in members), tiebreak=lambda v: (-len(v), v))
    with_code = [m for m in members if m.canon_code == code]
    direction = _mode((m.dir for m in with_code))
    directed = [m for m in with_code if m.dir == direction] or with_code
    # Scores as the coder gave them for this code; the vocabulary's only when no report has
    # the code itself (every report said "hosted" and the event is stored as the visit).
    exemplar = next((m for m in with_code if m.code == code), None)
    info = _cameo(code) if exemplar is None else None
    if info is not None:
        quad, goldstein, plover, plover_mode = (info.quad_class, info.goldstein, info.plover,
                                                info.plover_mode)
    else:
        row = (exemplar or with_code[0]).row
        quad, goldstein, plover, plover_mode = (row["quad_class"], row["goldstein"],
                                                row["plover"], row["plover_mode"])

    # Modality: the majority; a tie means the outlets contest it, which is what "claimed" says.
    modalities = Counter(m.modality for m in members)
    top = max(modalities.values())
    leaders = sorted(m for m, n in modalities.items() if n == top)
    modality = leaders[0] if len(leaders) == 1 else "claimed"

    # Date: the most reported among the most precise.
    finest = min(m.rank for m in members)
    precise = [m for m in members if m.rank == finest]
    date = _mode((m.row["date"] for m in precise), tiebreak=lambda v: v)
    precision = {0: "day", 1: "month", 2: "year"}.get(finest)
    event_day = dt.date.fromordinal(_interval(date, precision)[0]) if date else None

    disagrees = []
    if c.lo_max is not None and c.lo_max > c.hi_min:
        disagrees.append("date")
    if len(modalities) > 1:
        disagrees.append("modality")

    place = _mode((m.place for m in members), tiebreak=lambda v: (-len(v), v))
    place_country = _mode((m.place_country for m in members))

    rep = _representative([m for m in members if m.canon_code == code and m.modality == modality]
                          or members)

    # Dimensions: the code's, plus keyword tags enough of the reports agree on.
    tag_counts = Counter(t for m in members for t in m.keyword_tags)
    need = max(1.0, DIMENSION_SHARE * len(members))
    dimensions = combine_dimensions(code, (t for t, n in tag_counts.items() if n >= need))

    confs = [m.row["confidence"] for m in members if m.row["confidence"] is not None]
    merged = {
        "id": merged_id, "block": block,
        "source": _mode(m.source for m in directed),
        "source_country": _mode(m.source_country for m in directed),
        "source_name": _mode(m.source_name for m in directed),
        "target": _mode(m.target for m in directed),
        "target_country": _mode(m.target_country for m in directed),
        "target_name": _mode(m.target_name for m in directed),
        "code": code, "root": code[:2], "quad_class": quad, "goldstein": goldstein,
        "plover": plover, "plover_mode": plover_mode, "modality": modality,
        "date": date, "date_precision": precision if date else None, "event_day": event_day,
        "place": place, "place_country": place_country,
        "sentence": rep.row["sentence"], "article_id": rep.article_id,
        # A report is a sentence: the coder may read "A and B met" as A->B and B->A, and those
        # two rows are one report of the meeting.
        "n_reports": len({(m.article_id, m.row["sentence_index"]) for m in members}),
        "n_articles": len({m.article_id for m in members}),
        "n_outlets": 0, "outlets": [],  # counted from articles and their sources after insert
        "disagreement": bool(disagrees), "disagrees_on": disagrees,
        "dimensions": dimensions,
        "confidence": sum(confs) / len(confs) if confs else None,
    }
    rows = [{"event_id": m.id, "merged_id": merged_id, "block": block, "article_id": m.article_id,
             "similarity": float(s), "fingerprint": m.fingerprint,
             "dimensions": combine_dimensions(m.code, m.keyword_tags)}
            for m, s in zip(members, c.similarity)]
    return merged, rows


def _single_row(block: str, merged_id: str,
                r: _Report) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """:func:`_merged_row` for a one-report event: the report's own fields."""
    row = r.row
    dims = combine_dimensions(r.code, r.keyword_tags)
    if r.canon_code != r.code:  # a lone "hosted" report is still stored as the visit
        info = _cameo(r.canon_code)
        scores = ((info.quad_class, info.goldstein, info.plover, info.plover_mode) if info else
                  (row["quad_class"], row["goldstein"], row["plover"], row["plover_mode"]))
        code_dims = combine_dimensions(r.canon_code, r.keyword_tags)
    else:
        scores = (row["quad_class"], row["goldstein"], row["plover"], row["plover_mode"])
        code_dims = dims
    precision = {0: "day", 1: "month", 2: "year"}.get(r.rank)
    merged = {
        "id": merged_id, "block": block, "source": r.source, "source_country": r.source_country,
        "source_name": r.source_name, "target": r.target, "target_country": r.target_country,
        "target_name": r.target_name, "code": r.canon_code, "root": r.canon_code[:2],
        "quad_class": scores[0], "goldstein": scores[1], "plover": scores[2],
        "plover_mode": scores[3], "modality": r.modality,
        "date": row["date"] if precision else None, "date_precision": precision,
        "event_day": dt.date.fromordinal(r.lo) if r.lo is not None else None,
        "place": r.place, "place_country": r.place_country, "sentence": row["sentence"],
        "article_id": r.article_id, "n_reports": 1, "n_articles": 1, "n_outlets": 0,
        "outlets": [], "disagreement": False, "disagrees_on": [], "dimensions": code_dims,
        "confidence": row["confidence"],
    }
    member = {"event_id": r.id, "merged_id": merged_id, "block": block,
              "article_id": r.article_id, "similarity": 100.0, "fingerprint": r.fingerprint,
              "dimensions": dims}
    return merged, [member]


def _representative(members: list[_Report]) -> _Report:
    """The member whose sentence is most like the others' (the medoid): the most typical
    wording of the event, not an outlier.  Token-sort similarity, unlike token-set, does not
    reward a short sentence for being contained in every long one."""
    finest = min(m.rank for m in members)
    pool = [m for m in members if m.rank == finest][:30]
    if len(pool) <= 2:
        return pool[0]
    best, best_score = pool[0], -1.0
    for m in pool:
        score = sum(fuzz.token_sort_ratio(m.text, o.text) for o in pool if o is not m)
        if score > best_score:
            best, best_score = m, score
    return best


# -- the run ----------------------------------------------------------------------------------

_MERGED_SCHEMA = pa.schema([
    ("id", pa.string()), ("block", pa.string()), ("source", pa.string()),
    ("source_country", pa.string()), ("source_name", pa.string()), ("target", pa.string()),
    ("target_country", pa.string()), ("target_name", pa.string()), ("code", pa.string()),
    ("root", pa.string()), ("quad_class", pa.int8()), ("goldstein", pa.float64()),
    ("plover", pa.string()), ("plover_mode", pa.string()), ("modality", pa.string()),
    ("date", pa.string()), ("date_precision", pa.string()), ("event_day", pa.date32()),
    ("place", pa.string()), ("place_country", pa.string()), ("sentence", pa.string()),
    ("article_id", pa.string()), ("n_reports", pa.int32()), ("n_articles", pa.int32()),
    ("n_outlets", pa.int32()), ("outlets", pa.list_(pa.string())),
    ("disagreement", pa.bool_()), ("disagrees_on", pa.list_(pa.string())),
    ("dimensions", pa.list_(pa.string())), ("confidence", pa.float64()),
])
_MEMBER_SCHEMA = pa.schema([
    ("event_id", pa.string()), ("merged_id", pa.string()), ("block", pa.string()),
    ("article_id", pa.string()), ("similarity", pa.float64()), ("fingerprint", pa.string()),
    ("dimensions", pa.list_(pa.string())),
])


def _insert(con, table: str, rows: list[dict[str, Any]], schema: pa.Schema) -> None:
    if not rows:
        return
    data = pa.Table.from_pylist(rows, schema=schema)
    name = f"_merge_insert_{table}"
    con.register(name, data)
    try:
        cols = ", ".join(schema.names)
        con.execute(f"INSERT INTO {table} ({cols}) SELECT {cols} FROM {name}")
    finally:
        con.unregister(name)


def merge_events(store: Store, *, full: bool = False,
                 progress: Optional[Callable[[int, int], None]] = None) -> MergeReport:
    """Bring ``merged_events`` and ``event_merge_members`` up to date with ``events``.

    Incremental by default: only blocks whose reports changed since the last run are re-merged,
    from scratch, so the result is the same as ``full=True`` (which re-merges everything).  One
    transaction: an interrupted run leaves the previous merge in place.  ``progress(done, total)``
    is called with report counts.

    Then, in a second transaction, the dyad-month rollups (detente.relations.rollup) are rebuilt
    for the pairs re-merged (all pairs when they were not current).  Until that commits they are
    marked stale, so an interruption between the two leaves series reading the tables.
    """
    if store.read_only:
        from ..store import StoreError

        raise StoreError(f"{store.path}: merging needs the store open read-write")
    t0 = time.perf_counter()
    con = store.con
    report = MergeReport(full=full)
    with store.transaction():
        last_run = con.execute("SELECT max(merged_at) FROM merged_events").fetchall()[0][0]
        # A rollup that already reflects the merged events is updated pair by pair below;
        # otherwise (a store migrated since its last merge) it is rebuilt whole.
        rollup_was_current = rollups_current(con)
        con.execute(f"""
            CREATE OR REPLACE TEMP TABLE _merge_cur AS
            SELECT e.id, {BLOCK_SQL} AS block, {_FINGERPRINT_SQL} AS fingerprint
            FROM events e LEFT JOIN articles a ON a.id = e.article_id""")
        report.reports = con.execute("SELECT count(*) FROM _merge_cur").fetchall()[0][0]
        if full:
            con.execute("""
                CREATE OR REPLACE TEMP TABLE _merge_blocks AS
                SELECT block FROM _merge_cur UNION SELECT block FROM event_merge_members""")
        else:
            con.execute("""
                CREATE OR REPLACE TEMP TABLE _merge_blocks AS
                SELECT c.block FROM _merge_cur c
                LEFT JOIN event_merge_members m ON m.event_id = c.id
                WHERE m.event_id IS NULL OR m.fingerprint IS DISTINCT FROM c.fingerprint
                   OR m.block <> c.block
                UNION
                SELECT m.block FROM event_merge_members m
                LEFT JOIN _merge_cur c ON c.id = m.event_id
                WHERE c.id IS NULL OR c.fingerprint IS DISTINCT FROM m.fingerprint
                   OR c.block <> m.block""")
        con.execute("DELETE FROM merged_events WHERE block IN (SELECT block FROM _merge_blocks)")
        con.execute("DELETE FROM event_merge_members "
                    "WHERE block IN (SELECT block FROM _merge_blocks)")

        sizes = con.execute("""
            SELECT c.block, count(*) FROM _merge_cur c
            WHERE c.block IN (SELECT block FROM _merge_blocks)
            GROUP BY c.block ORDER BY c.block""").fetchall()
        report.blocks_remerged = len(sizes)
        total = sum(n for _, n in sizes)
        report.reports_remerged = total
        done = 0
        for batch in _batches(sizes, BATCH_REPORTS):
            done += _merge_batch(con, batch)
            if progress:
                progress(done, total)

        report.outlets_refreshed = _refresh_sources(con, last_run)
        report.planned_links = _link_plans(con)
        # The rollups copy their best events' fields, so their pairs to rebuild are those
        # re-merged and those whose events _refresh_sources updated in place (it stamps them
        # with this transaction's time; plan links stay within a pair, so they are covered).
        con.execute(f"""
            CREATE OR REPLACE TEMP TABLE _merge_pairs AS
            SELECT {PAIR_SQL} AS pair FROM _merge_blocks
            UNION
            SELECT {PAIR_SQL} FROM merged_events WHERE merged_at >= current_timestamp""")
        n_pairs = con.execute("SELECT count(*) FROM _merge_pairs").fetchall()[0][0]
        if full or not rollup_was_current or n_pairs:
            # The rollups are rebuilt after this commits; until then they must not pass for
            # current.
            con.execute("DELETE FROM rollup_state")
        con.execute("DROP TABLE IF EXISTS _merge_cur")
        con.execute("DROP TABLE IF EXISTS _merge_blocks")
        con.execute("DROP TABLE IF EXISTS _merge_batch")
        report.merged = con.execute("SELECT count(*) FROM merged_events").fetchall()[0][0]
    with store.transaction():
        if full or not rollup_was_current:
            report.rollup_rows = refresh_rollups(con)
        elif n_pairs:
            report.rollup_rows = refresh_rollups(con, "_merge_pairs")
    con.execute("DROP TABLE IF EXISTS _merge_pairs")
    report.seconds = time.perf_counter() - t0
    return report


def _batches(sizes: list[tuple[str, int]], limit: int) -> Iterable[list[str]]:
    batch: list[str] = []
    n = 0
    for block, size in sizes:
        if batch and n + size > limit:
            yield batch
            batch, n = [], 0
        batch.append(block)
        n += size
    if batch:
        yield batch


def _merge_batch(con, blocks: list[str]) -> int:
    con.register("_merge_batch_blocks", pa.table({"block": pa.array(blocks, pa.string())}))
    try:
        con.execute("CREATE OR REPLACE TEMP TABLE _merge_batch AS "
                    "SELECT block FROM _merge_batch_blocks")
    finally:
        con.unregister("_merge_batch_blocks")
    cols = ", ".join(f"e.{c}" for c in _REPORT_COLUMNS)
    cur = con.execute(f"""
        SELECT c.block, c.fingerprint, a.published, {cols}
        FROM _merge_cur c JOIN events e ON e.id = c.id
        LEFT JOIN articles a ON a.id = e.article_id
        WHERE c.block IN (SELECT block FROM _merge_batch)
        ORDER BY c.block, e.id""")
    rows = cur.fetchall()
    merged_rows: list[dict[str, Any]] = []
    member_rows: list[dict[str, Any]] = []
    i = 0
    while i < len(rows):
        block = rows[i][0]
        j = i
        reports = []
        while j < len(rows) and rows[j][0] == block:
            row = dict(zip(_REPORT_COLUMNS, rows[j][3:]))
            reports.append(_Report(row, rows[j][2], rows[j][1]))
            j += 1
        for cluster in cluster_block(reports):
            merged, members = _merged_row(block, cluster)
            merged_rows.append(merged)
            member_rows.extend(members)
        i = j
    _insert(con, "merged_events", merged_rows, _MERGED_SCHEMA)
    _insert(con, "event_merge_members", member_rows, _MEMBER_SCHEMA)
    return len(rows)


def _refresh_sources(con, last_run: Optional[dt.datetime]) -> int:
    """Recount outlets and first/last seen for merged events just re-merged, and for those
    whose articles gained a source since the last run (a syndicated copy seen at another outlet,
    or a near-duplicate stored beside the article it copies): that changes provenance without
    changing any report.

    An article's provenance is its own outlet, every place it was seen (``article_sources``)
    and the same for its near-duplicates (articles whose ``canonical_id`` is it), which ingest
    stores but does not code."""
    stale = "m.block IN (SELECT block FROM _merge_blocks)"
    if last_run is not None:
        stale += (" OR m.article_id IN (SELECT coalesce(a.canonical_id, a.id) "
                  "FROM article_sources s JOIN articles a ON a.id = s.article_id "
                  f"WHERE s.seen_at >= TIMESTAMPTZ '{last_run.isoformat()}')")
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _merge_seen AS
        WITH targets AS (
            SELECT DISTINCT merged_id, article_id FROM event_merge_members m WHERE {stale}
        ), heads AS (
            SELECT DISTINCT article_id AS head FROM targets
        ), copies AS (
            SELECT h.head, a.id, a.outlet, a.published FROM heads h
            JOIN articles a ON coalesce(a.canonical_id, a.id) = h.head
        ), seen AS (
            SELECT head, outlet, published AS ts FROM copies
            UNION ALL
            SELECT c.head, s.outlet, TRY_CAST(s.date AS TIMESTAMPTZ)
            FROM copies c JOIN article_sources s ON s.article_id = c.id
        )
        SELECT t.merged_id,
               list(DISTINCT s.outlet ORDER BY s.outlet)
                   FILTER (WHERE s.outlet IS NOT NULL) AS outlets,
               count(DISTINCT s.outlet) AS n_outlets,
               min(s.ts) AS first_seen, max(s.ts) AS last_seen
        FROM targets t LEFT JOIN seen s ON s.head = t.article_id
        GROUP BY t.merged_id""")
    n = con.execute("SELECT count(*) FROM _merge_seen").fetchall()[0][0]
    con.execute("""
        UPDATE merged_events SET outlets = coalesce(s.outlets, []), n_outlets = s.n_outlets,
               first_seen = s.first_seen, last_seen = s.last_seen, merged_at = current_timestamp
        FROM _merge_seen s WHERE merged_events.id = s.merged_id""")
    con.execute("DROP TABLE _merge_seen")
    return n


_SP = "coalesce(source_country, source, '-')"
_TP = "coalesce(target_country, target, '-')"


def _link_plans(con) -> int:
    """Recompute every planned -> occurred link (cheap: plans are few, and a global pass keeps
    links across blocks, e.g. intent-to-meet 036 -> visit 042, deterministic)."""
    family = " ".join(f"WHEN '{k}' THEN '{v}'" for k, v in INTENT_FAMILY.items())
    con.execute("UPDATE merged_events SET planned_link = NULL WHERE planned_link IS NOT NULL")
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _merge_links AS
        WITH p AS (
            SELECT id,
                   least({_SP}, {_TP}) AS a,
                   greatest({_SP}, {_TP}) AS b,
                   coalesce(CASE left(code, 3) {family} END, root) AS family,
                   coalesce(first_seen::DATE, event_day) AS seen,
                   event_day AS lo,
                   CASE date_precision
                       WHEN 'year' THEN (event_day + INTERVAL 1 YEAR - INTERVAL 1 DAY)::DATE
                       WHEN 'month' THEN (event_day + INTERVAL 1 MONTH - INTERVAL 1 DAY)::DATE
                       ELSE event_day END AS hi
            FROM merged_events
            WHERE event_day IS NOT NULL
              AND (modality = 'planned'
                   OR (left(code, 3) IN ({", ".join(f"'{k}'" for k in INTENT_FAMILY)})
                       AND modality IN ('occurred', 'claimed')))
        ), w AS (
            -- a plan whose date ends after it was reported names when; otherwise any time
            -- within the horizon counts
            SELECT id, a, b, family,
                   CASE WHEN hi > seen THEN greatest(lo - {DAY_TOLERANCE}, seen)
                        ELSE seen END AS w_lo,
                   CASE WHEN hi > seen THEN hi + {DAY_TOLERANCE}
                        ELSE seen + {PLAN_HORIZON_DAYS} END AS w_hi
            FROM p
        ), o AS (
            SELECT id, event_day, n_reports,
                   least({_SP}, {_TP}) AS a,
                   greatest({_SP}, {_TP}) AS b,
                   root
            FROM merged_events
            WHERE modality IN ('occurred', 'claimed') AND event_day IS NOT NULL
              AND left(code, 3) NOT IN ({", ".join(f"'{k}'" for k in INTENT_FAMILY)})
        )
        SELECT w.id AS plan_id,
               arg_min(o.id, (o.event_day, -o.n_reports, o.id)) AS occurrence
        FROM w JOIN o ON o.a = w.a AND o.b = w.b AND o.root = w.family
                     AND w.a <> '-' AND w.b <> '-' AND w.a <> w.b  -- a plan needs two parties
                     AND o.event_day BETWEEN w.w_lo AND w.w_hi
        GROUP BY w.id""")
    n = con.execute("SELECT count(*) FROM _merge_links").fetchall()[0][0]
    con.execute("""
        UPDATE merged_events SET planned_link = l.occurrence
        FROM _merge_links l WHERE merged_events.id = l.plan_id""")
    con.execute("DROP TABLE _merge_links")
    return n


def merge_lag(source: Any) -> int:
    """Reports in the store minus reports in merged events: a quick staleness check (table
    counts are kept by DuckDB, so this costs nothing on a big store).  Not 0: run
    :func:`merge_events`.  It can miss a re-coding that replaced as many reports as it removed;
    :func:`unmerged_reports` counts exactly."""
    con = source.con if isinstance(source, Store) else source
    return con.execute("SELECT (SELECT count(*) FROM events) - "
                       "(SELECT count(*) FROM event_merge_members)").fetchall()[0][0]


def unmerged_reports(source: Any) -> int:
    """Reports not yet in any merged event (run :func:`merge_events` when this is not 0)."""
    con = source.con if isinstance(source, Store) else source
    return con.execute("""
        SELECT count(*) FROM events e
        WHERE NOT EXISTS (SELECT 1 FROM event_merge_members m WHERE m.event_id = e.id)"""
    ).fetchall()[0][0]


def merged_members(source: Any, merged_id: str) -> list[dict[str, Any]]:
    """All reports behind one merged event, with their evidence and where they were published."""
    con = source.con if isinstance(source, Store) else source
    cur = con.execute("""
        SELECT e.*, m.similarity, a.title, a.outlet, a.url, a.date AS published
        FROM event_merge_members m JOIN events e ON e.id = m.event_id
        LEFT JOIN articles a ON a.id = e.article_id
        WHERE m.merged_id = ?
        ORDER BY a.published NULLS LAST, e.id""", [merged_id])
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, row)) for row in cur.fetchall()]
