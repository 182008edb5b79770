"""The stored facts a brief may state: event reports of a dyad, read from the store, grouped
into one fact per real-world event.

Everything here is bounded in size, so a brief costs about the same on a 10-million-event store
as on the demo: the database filters and ranks, Python only sees the few hundred reports a brief
can show.
"""
from __future__ import annotations

import datetime as dt
import re
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field, fields, replace
from functools import cached_property
from typing import Any, Iterable, Iterator, Optional, Union

import duckdb

from ..relations.common import RelationsError
from ..relations.plots import has_merged
from ..relations.reactions import reactions
from ..store import Store

# How many reports a brief reads at most per question it asks the store.  A brief lists a few
# dozen events; the caps only bound the cost on very large dyads (USA-CHN in a GDELT-sized store).
MAX_WINDOW_REPORTS = 1000
MAX_REACTION_REPORTS = 1000
MAX_NEAR_REACTIONS = 40
MAX_REPORTS_PER_EVENT = 20
HISTORY_PER_YEAR = 6

# Which actor an event belongs to at country level: its country, or for non-state actors with
# no country (IGOUNO, NATO, WST) the actor code itself.
SOURCE_KEY = "coalesce(e.source_country, e.source)"
TARGET_KEY = "coalesce(e.target_country, e.target)"
# The day an article was published, read from its ISO date string rather than the TIMESTAMPTZ
# column so that the answer does not depend on the session time zone.
ARTICLE_DAY = "try_cast(substr(a.date, 1, 10) AS DATE)"
SORT_DAY = f"coalesce(e.event_day, {ARTICLE_DAY})"

_COLUMNS = f"""
    e.id, e.article_id, e.sentence_index, e.sentence, e.trigger_start,
    e.source, e.source_country, e.source_name, e.target, e.target_country, e.target_name,
    {SOURCE_KEY} AS source_key, {TARGET_KEY} AS target_key,
    e.code, e.root, e.quad_class, e.goldstein, e.modality, e.date, e.date_precision,
    e.event_day, e.place, e.place_country, e.asserted_by, e.cited_sources, e.confidence,
    a.date AS article_date, {ARTICLE_DAY} AS article_day,
    m.merged_id, m.dimensions
"""
# Reports join their merged event (detente.relations.merge) when merging has run: the merged id
# groups the reports of one real-world event and the dimensions were tagged there.
_FROM = ("FROM events e LEFT JOIN articles a ON a.id = e.article_id "
         "LEFT JOIN event_merge_members m ON m.event_id = e.id")


class ReportScope:
    """Where a brief reads event reports from.

    ``ReportScope(store)`` asks the store's own tables every time: ``events``, joined to
    ``articles`` and ``event_merge_members`` only when a query reads them.  On a large store
    each such question is a scan of every report, and a brief asks a dozen of them about one
    dyad; :func:`dyad_scope` therefore copies the dyad's reports, already joined, into a
    temporary table once, and every later question about the dyad (its window, history,
    counts, "first since", planned outcomes, the trend's events) reads that table.  Questions
    about other actors (third parties' reactions) still go to the store.  Both give the same
    rows: the SQL differs only in where the joined columns come from.
    """

    def __init__(self, store: Store, table: Optional[str] = None,
                 dyad: Iterable[str] = ()):
        self.store = store
        self.table = table          # temporary table holding one dyad's joined reports
        self.dyad = frozenset(dyad)  # the two parties it holds

    @property
    def raw(self) -> "ReportScope":
        return self if self.table is None else ReportScope(self.store)

    def holds(self, *keys: Optional[str]) -> bool:
        """Whether every report between these parties is in the materialised table."""
        return self.table is not None and all(k in self.dyad for k in keys)

    def for_keys(self, *keys: Optional[str]) -> "ReportScope":
        return self if self.holds(*keys) else self.raw

    # Expressions for the joined columns: computed through the joins on the store, stored
    # columns in the materialised table.
    @property
    def article_day(self) -> str:
        return "e.article_day" if self.table else ARTICLE_DAY

    @property
    def merged_id(self) -> str:
        return "e.merged_id" if self.table else "m.merged_id"

    def in_merged(self, merged_ids: list[str]) -> tuple[str, list[Any]]:
        """Condition: the report belongs to one of these merged events.  On the store, through
        the members' own list (joining every report to its member row would scan both)."""
        if self.table:
            cond, params = in_list("e.merged_id", merged_ids)
            return f"coalesce({cond}, false)", params  # unmerged reports: false, not NULL
        cond, params = in_list("merged_id", merged_ids)
        return f"e.id IN (SELECT event_id FROM event_merge_members WHERE {cond})", params

    @property
    def sort_day(self) -> str:
        return "coalesce(e.event_day, e.article_day)" if self.table else SORT_DAY

    def source(self, *clauses: str) -> str:
        """``events e`` with the joins the clauses need, or the materialised table as ``e``."""
        if self.table:
            return f"{self.table} e"
        return "events e" + _joins_for(*clauses)

    def reports(self, where: str, params: list[Any], order: str, limit: int,
                qualify: str = "") -> list["Report"]:
        """Reports matching ``where``, in ``order``, at most ``limit``.

        On the store, two steps, because the cost is in carrying wide rows (sentences) through
        joins and sorts: first only the ids are chosen (joining articles and merge members only
        when the condition or order reads them), then the full rows of those few ids are read.
        The materialised table holds the joined rows already: one query."""
        if self.table:
            # Ids first here too: sorting or windowing the dyad's full rows (sentences and
            # all) costs seconds on a busy dyad, their ids a fraction of that.
            ids = [row[0] for row in self.store.con.execute(
                f"SELECT e.id FROM {self.table} e WHERE {where} {qualify} "
                f"ORDER BY {order} LIMIT {int(limit)}", params).fetchall()]
            if not ids:
                return []
            rows = self.store.query(
                f"SELECT {_SCOPED_COLUMNS} FROM {self.table} e WHERE e.id IN (SELECT unnest(?))",
                [ids])
        else:
            chosen = self.store.con.execute(
                f"SELECT e.id, e.article_id FROM {self.source(where, order, qualify)} "
                f"WHERE {where} {qualify} ORDER BY {order} LIMIT {int(limit)}", params).fetchall()
            if not chosen:
                return []
            ids = [row[0] for row in chosen]
            articles = sorted({row[1] for row in chosen if row[1] is not None})
            # Literal lists (not a semi-join on a list parameter, several times slower on ten
            # million reports), repeated in the join conditions so that the article and merge
            # member scans keep only these rows before joining.
            id_in, id_params = in_list("e.id", ids)
            m_in, m_params = in_list("m.event_id", ids)
            a_in, a_params = in_list("a.id", articles)
            rows = self.store.query(
                f"SELECT {_COLUMNS} FROM events e "
                f"LEFT JOIN articles a ON a.id = e.article_id AND {a_in} "
                f"LEFT JOIN event_merge_members m ON m.event_id = e.id AND {m_in} "
                f"WHERE {id_in}", a_params + m_params + id_params)
        rank = {event_id: i for i, event_id in enumerate(ids)}
        return sorted((Report(**row) for row in rows), key=lambda r: rank[r.id])


def in_list(column: str, values: list[Any]) -> tuple[str, list[Any]]:
    """``column IN (?, ?, ...)`` and its parameters (FALSE for no values)."""
    if not values:
        return "FALSE", []
    return f"{column} IN ({', '.join('?' for _ in values)})", list(values)


def as_scope(source: Union[Store, ReportScope]) -> ReportScope:
    return source if isinstance(source, ReportScope) else ReportScope(source)


@contextmanager
def dyad_scope(store: Store, a: str, b: str) -> Iterator[ReportScope]:
    """The dyad's reports (both directions), joined to their article and merged event, in a
    temporary table for the life of the block: one scan of ``events`` for the whole brief."""
    name = f"_brief_dyad_{uuid.uuid4().hex[:12]}"
    dyad, params = dyad_condition(a, b)
    con = store.con
    try:
        # The dyad condition is on expressions DuckDB cannot push into the scan, so selecting
        # the wide rows directly would decode every report's sentence: find the rows by
        # position with a narrow scan first, then read only those.
        con.execute(f"CREATE TEMP TABLE {name}_rows AS SELECT e.rowid AS rid FROM events e "
                    f"WHERE {dyad}", params)
        rows = f"e.rowid IN (SELECT rid FROM {name}_rows)"
    except duckdb.BinderException:  # a view (Parquet lake) has no rowid
        rows = dyad
    else:
        params = []
    try:
        con.execute(f"CREATE TEMP TABLE {name} AS SELECT {_COLUMNS} {_FROM} WHERE {rows}", params)
        yield ReportScope(store, name, (a, b))
    finally:
        con.execute(f"DROP TABLE IF EXISTS {name}")
        con.execute(f"DROP TABLE IF EXISTS {name}_rows")


@dataclass
class Report:
    """One coded event as reported in one sentence of one article."""

    id: str
    article_id: str
    sentence_index: int
    sentence: Optional[str]
    trigger_start: Optional[int]
    source: Optional[str]
    source_country: Optional[str]
    source_name: Optional[str]
    target: Optional[str]
    target_country: Optional[str]
    target_name: Optional[str]
    source_key: Optional[str]
    target_key: Optional[str]
    code: str
    root: str
    quad_class: Optional[int]
    goldstein: Optional[float]
    modality: str
    date: Optional[str]
    date_precision: Optional[str]
    event_day: Optional[dt.date]
    place: Optional[str]
    place_country: Optional[str]
    asserted_by: Optional[str]
    cited_sources: list[str]
    confidence: Optional[float]
    article_date: Optional[str]
    article_day: Optional[dt.date]
    merged_id: Optional[str] = None
    dimensions: Optional[list[str]] = None

    @property
    def sort_day(self) -> Optional[dt.date]:
        return self.event_day or self.article_day

    @property
    def order(self) -> tuple:
        """Deterministic reading order: by article, then position in it."""
        return (self.article_day or dt.date.min, self.article_id, self.sentence_index,
                self.trigger_start or 0, self.id)


# The materialised table's columns are named as Report's fields.
_SCOPED_COLUMNS = ", ".join(f"e.{f.name}" for f in fields(Report))


@dataclass
class Fact:
    """One real-world event as the brief states it: every report of it, and whether its two
    sides were coded as doing it to each other (``reciprocal``: "the two leaders met").

    ``merged`` is the event's row in ``merged_events`` when event merging has run: its
    representative code, direction, modality, date, place and sentence then speak for the
    reports (merging reads "B hosted A" as A's visit to B, and settles disagreements)."""

    reports: list[Report]
    reciprocal: bool = False
    dimensions: tuple[str, ...] = ()
    merged: Optional[dict[str, Any]] = None
    # For a third party's event found near the dyad's own events (detente.relations.reactions):
    # the dyad event it is nearest to, and how many days after it (negative: before).
    anchor: Optional[Any] = None
    anchor_days: Optional[int] = None

    def __post_init__(self) -> None:
        self.reports.sort(key=lambda r: r.order)

    @cached_property
    def primary(self) -> Report:
        """The report that speaks for the fact: the merged event's representative when there is
        one, else the most precisely dated report, then the earliest."""
        rank = {"day": 0, "month": 1, "year": 2}
        best = min(self.reports, key=lambda r: (rank.get(r.date_precision or "", 3), r.order))
        m = self.merged
        if not m:
            return best
        base = next((r for r in self.reports
                     if r.article_id == m["article_id"] and r.sentence == m["sentence"]), best)
        return replace(
            base, code=m["code"], root=m["root"], goldstein=m["goldstein"],
            quad_class=m["quad_class"], modality=m["modality"], date=m["date"],
            date_precision=m["date_precision"], event_day=m["event_day"],
            source=m["source"], source_country=m["source_country"], source_name=m["source_name"],
            target=m["target"], target_country=m["target_country"], target_name=m["target_name"],
            source_key=m["source_country"] or m["source"], target_key=m["target_country"] or m["target"],
            place=m["place"] or base.place, place_country=m["place_country"] or base.place_country,
            sentence=m["sentence"] or base.sentence)

    @property
    def disagrees_on(self) -> list[str]:
        return list((self.merged or {}).get("disagrees_on") or [])

    @property
    def planned_link(self) -> Optional[str]:
        return (self.merged or {}).get("planned_link")

    @property
    def code(self) -> str:
        return self.primary.code

    @property
    def modality(self) -> str:
        return self.primary.modality

    @property
    def date(self) -> Optional[str]:
        return self.primary.date

    @property
    def event_day(self) -> Optional[dt.date]:
        return self.primary.event_day

    @property
    def sort_day(self) -> Optional[dt.date]:
        days = [r.sort_day for r in self.reports if r.sort_day]
        return self.event_day or (max(days) if days else None)

    @property
    def article_ids(self) -> list[str]:
        seen: dict[str, None] = {}
        for r in self.reports:
            seen.setdefault(r.article_id, None)
        return list(seen)

    @property
    def target_keys(self) -> list[str]:
        seen: dict[str, None] = {}
        for r in self.reports:
            if r.target_key:
                seen.setdefault(r.target_key, None)
        return list(seen)

    @property
    def cited_sources(self) -> list[str]:
        seen: dict[str, None] = {}
        for r in self.reports:
            for s in r.cited_sources or []:
                seen.setdefault(s, None)
        return list(seen)

    @property
    def asserted_by(self) -> list[str]:
        seen: dict[str, None] = {}
        for r in self.reports:
            if r.asserted_by:
                seen.setdefault(r.asserted_by, None)
        return list(seen)

    @property
    def weight(self) -> float:
        """How much a fact matters when only a few can be listed: the articles reporting it,
        the sentences telling it (an article that returns to a plan three times is about it),
        then its intensity."""
        sentences = {(r.article_id, r.sentence_index) for r in self.reports}
        return len(self.article_ids) * 10 + len(sentences) * 2 + abs(self.primary.goldstein or 0.0)


@dataclass
class DyadFacts:
    """Everything a brief of the dyad (a, b) may draw on."""

    a: str
    b: str
    since: Optional[dt.date]
    # Set when the dyad has more reports than a brief reads: the sections then cover the
    # events from this day on (whole days), the summary and the trend still count them all.
    covered_from: Optional[dt.date]
    facts: list[Fact]                 # the dyad's own events in the window, both directions
    history: list[Fact]               # key dated events (before the window when there is one)
    reactions: list[Fact]             # third parties' events aimed at a or b, near the dyad's own
    n_reports: int = 0
    n_events: int = 0
    n_articles: int = 0
    first_date: Optional[str] = None   # ISO at the precision reported ('2000', '2023-09')
    last_date: Optional[str] = None
    article_ids: list[str] = field(default_factory=list)  # a sample, for the summary's citation


def dyad_condition(a: str, b: str) -> tuple[str, list[Any]]:
    return (f"(({SOURCE_KEY} = ? AND {TARGET_KEY} = ?) OR ({SOURCE_KEY} = ? AND {TARGET_KEY} = ?))",
            [a, b, b, a])


def window_condition(since: Optional[dt.date],
                     scope: Optional[ReportScope] = None) -> tuple[str, list[Any]]:
    """Reports that belong to the period the brief covers: dated on or after ``since``, or
    undated but published on or after it (a planned event is reported before it happens)."""
    if since is None:
        return "TRUE", []
    day = scope.article_day if scope is not None else ARTICLE_DAY
    return (f"(e.event_day >= ? OR (e.event_day IS NULL AND {day} >= ?) "
            f"OR (e.modality IN ('planned', 'hypothetical') AND {day} >= ?))",
            [since, since, since])


def _joins_for(*clauses: str) -> str:
    """The joins a query over ``events e`` needs: articles (``a.``) and merge members (``m.``)
    only when its clauses read them; on a large store an unneeded join costs a full scan."""
    text = " ".join(clauses)
    joins = ""
    if re.search(r"\ba\.", text):
        joins += " LEFT JOIN articles a ON a.id = e.article_id"
    if re.search(r"\bm\.", text):
        joins += " LEFT JOIN event_merge_members m ON m.event_id = e.id"
    return joins


def load_dyad_facts(source: Union[Store, ReportScope], a: str, b: str,
                    since: Optional[dt.date] = None, dimensions=None) -> DyadFacts:
    """Read what the store knows about a and b (``source``: the store, or a
    :func:`dyad_scope` of it).  ``dimensions(code, sentence)`` tags each fact with its
    dimensions (diplomatic, military, economic, ...)."""
    scope = as_scope(source).for_keys(a, b)
    store = scope.store
    dyad, dyad_params = dyad_condition(a, b)
    window, window_params = window_condition(since, scope)
    newest_first = (f"{scope.sort_day} DESC NULLS LAST, e.article_id, e.sentence_index, "
                    "e.trigger_start, e.id")

    current = scope.reports(f"{dyad} AND {window}", dyad_params + window_params,
                            newest_first, MAX_WINDOW_REPORTS)
    covered_from = None
    days = [r.sort_day for r in current if r.sort_day]
    if len(current) >= MAX_WINDOW_REPORTS and days:
        # Too many to read: keep whole days only, so that what the brief counts per section
        # is exact "from <day> on" (the cut may have split the oldest day read).
        oldest = min(days)
        if oldest < max(days):
            current = [r for r in current if r.sort_day and r.sort_day > oldest]
        covered_from = min(r.sort_day for r in current if r.sort_day)

    # History: a few of the most intense dated events per year (the coder dates "the first since
    # 2000" to 2000), so a long dyad still yields a readable timeline.
    before = "e.event_day < ?" if since else "TRUE"
    history = scope.reports(
        f"{dyad} AND e.event_day IS NOT NULL AND e.modality IN ('occurred', 'claimed') AND {before}",
        dyad_params + ([since] if since else []),
        "e.event_day, e.article_id, e.sentence_index, e.trigger_start, e.id",
        MAX_WINDOW_REPORTS,
        qualify=(f"QUALIFY row_number() OVER (PARTITION BY year(e.event_day) ORDER BY "
                 f"abs(coalesce(e.goldstein, 0)) DESC, e.event_day, e.id) <= {HISTORY_PER_YEAR}"))

    reactions, nearest = _reactions(scope.raw, a, b, current, covered_from or since)

    merged_id = scope.merged_id
    stats = store.query(
        f"SELECT count(*) AS n, count(DISTINCT coalesce({merged_id}, e.id)) AS n_events, "
        f"count(DISTINCT e.article_id) AS n_articles, "
        f"arg_min(e.date, e.event_day) AS first_date, arg_max(e.date, e.event_day) AS last_date "
        f"FROM {scope.source(window, merged_id)} WHERE {dyad} AND {window}",
        dyad_params + window_params)[0]
    sample = [r["article_id"] for r in store.query(
        f"SELECT e.article_id, count(*) AS n FROM {scope.source(window)} "
        f"WHERE {dyad} AND {window} GROUP BY e.article_id ORDER BY n DESC, e.article_id LIMIT 3",
        dyad_params + window_params)]

    out = DyadFacts(a=a, b=b, since=since, covered_from=covered_from, facts=group_reports(current),
                    history=group_reports(history), reactions=group_reports(reactions, join_targets=True),
                    n_reports=stats["n"], n_events=stats["n_events"], n_articles=stats["n_articles"],
                    first_date=stats["first_date"], last_date=stats["last_date"], article_ids=sample)
    _attach_merged(store, out.facts + out.history + out.reactions)
    for fact in out.facts + out.history + out.reactions:
        fact.dimensions = _dimensions(fact, dimensions)
    for fact in out.reactions:
        found = next((nearest[k] for r in fact.reports for k in (r.id, r.merged_id) if k in nearest), None)
        if found is not None:
            fact.anchor, fact.anchor_days = found.anchor, found.days
    return out


def _attach_merged(store: Store, facts: list[Fact]) -> None:
    ids = sorted({r.merged_id for f in facts for r in f.reports if r.merged_id})
    if not ids:
        return
    rows = {row["id"]: row for row in store.query(
        f"SELECT * FROM merged_events WHERE id IN ({', '.join('?' for _ in ids)})", ids)}
    for fact in facts:
        merged_id = fact.reports[0].merged_id
        if merged_id in rows:
            fact.merged = rows[merged_id]
            fact.__dict__.pop("primary", None)  # the merged row now speaks for the reports


def planned_outcome(source: Union[Store, ReportScope], fact: Fact) -> Optional[Fact]:
    """The occurred event that event merging linked a planned one to (it took place).  Merging
    links a plan only to an event of the same pair, so a dyad scope holds its reports."""
    if not fact.planned_link:
        return None
    p = fact.primary
    scope = as_scope(source).for_keys(p.source_key, p.target_key)
    cond, params = scope.in_merged([fact.planned_link])
    found = scope.reports(cond, params,
                          "e.event_day NULLS LAST, e.article_id, e.sentence_index, e.id",
                          MAX_WINDOW_REPORTS)
    if not found:
        return None
    out = Fact(found)
    _attach_merged(scope.store, [out])
    return out


def _dimensions(fact: Fact, tagger) -> tuple[str, ...]:
    """Dimensions merging stored for the event (or its reports), else the tagger's answer."""
    if fact.merged and fact.merged.get("dimensions") is not None:
        return tuple(fact.merged["dimensions"])
    found: dict[str, None] = {}
    for r in fact.reports:
        for d in r.dimensions or []:
            found.setdefault(d, None)
    if not found and tagger is not None:
        for d in tagger(fact.code, fact.primary.sentence or ""):
            found.setdefault(d, None)
    return tuple(found)


def _reactions(scope: ReportScope, a: str, b: str, current: list[Report],
               start: Optional[dt.date]) -> tuple[list[Report], dict[str, Any]]:
    """Third parties' events aimed at a or b, found two ways: reported in the same articles as
    the dyad's events the brief covers (``current``: the coverage that puts them side by side,
    dated or not), and dated within days of the dyad's events from ``start`` on
    (:func:`detente.relations.reactions`).  Returns the reports and, for the second kind, each
    reaction by event id (its anchor and delay)."""
    store = scope.store
    order = f"{scope.sort_day} DESC NULLS LAST, e.article_id, e.sentence_index, e.id"
    articles = sorted({r.article_id for r in current})
    found: list[Report] = []
    if articles:
        in_articles, article_params = in_list("e.article_id", articles)
        where = (f"{TARGET_KEY} IN (?, ?) AND {SOURCE_KEY} IS NOT NULL AND {SOURCE_KEY} NOT IN (?, ?) "
                 f"AND {in_articles}")
        found = scope.reports(where, [a, b, a, b] + article_params, order, MAX_REACTION_REPORTS)

    merged = has_merged(store)
    try:
        near = reactions(store, a, b, start=start, reports=not merged, limit=MAX_NEAR_REACTIONS)
    except RelationsError:
        near = []
    by_id = {r.event.id: r for r in near}
    if by_id:
        ids = sorted(by_id)
        members, member_params = scope.in_merged(ids) if merged else in_list("e.id", ids)
        have = {r.id for r in found}
        extra = scope.reports(members, member_params, order, MAX_REACTION_REPORTS)
        found += [r for r in extra if r.id not in have]
    return found, by_id


def facts_for(source: Union[Store, ReportScope], summaries: Iterable[Any]) -> dict[str, Fact]:
    """Facts (with every report) for events the relations analyses hand back
    (:class:`detente.relations.common.EventSummary`: merged events, or single reports), by the
    summary's id.  One query for all of them."""
    summaries = list(summaries)
    ids = list(dict.fromkeys(s.id for s in summaries))
    if not ids:
        return {}
    # Every report of a merged event is in the event's block, i.e. between its two parties.
    keys = {k for s in summaries for k in (s.source_country or s.source,
                                           s.target_country or s.target)}
    scope = as_scope(source).for_keys(*keys)
    merged_id = scope.merged_id
    # A widely reported event is cited by a few of its reports, not hundreds.
    by_merged, merged_params = scope.in_merged(ids)
    by_id, id_params = in_list("e.id", ids)
    found = scope.reports(
        f"({by_merged} OR {by_id})", merged_params + id_params, "e.article_id, e.sentence_index, e.id",
        MAX_REPORTS_PER_EVENT * len(ids),
        qualify=(f"QUALIFY row_number() OVER (PARTITION BY coalesce({merged_id}, e.id) "
                 f"ORDER BY e.article_id, e.sentence_index, e.id) <= {MAX_REPORTS_PER_EVENT}"))
    groups: dict[str, list[Report]] = {}
    for r in found:
        key = r.merged_id if r.merged_id in ids else r.id
        groups.setdefault(key, []).append(r)
    facts = {key: Fact(reps) for key, reps in groups.items()}
    _attach_merged(scope.store, list(facts.values()))
    return facts


def previous_of_kind(source: Union[Store, ReportScope], fact: Fact) -> Optional[Fact]:
    """The latest earlier occurred event of the same kind (same direction, same three-digit
    CAMEO code; "B hosted A" counts as A visiting B) as ``fact``, for "the first since ..."
    statements.

    "Earlier" needs a date to compare with: the fact's own date, else the publication date of
    its article; when neither is known only events reported in the same article qualify, because
    an article reports what has happened before what is planned."""
    p = fact.primary
    if not p.source_key or not p.target_key:
        return None
    scope = as_scope(source).for_keys(p.source_key, p.target_key)
    code = fact.code[:3]
    if code == "036" and p.place_country and p.place_country == p.target_key:
        # An intent to meet in the other side's country is an intended visit: compare with
        # visits ("Putin's upcoming visit to North Korea ... his first since 2000").
        code = "042"
    kinds = [(p.source_key, p.target_key, code)]
    mirror = {"042": "043", "043": "042"}.get(code)
    if mirror:
        kinds.append((p.target_key, p.source_key, mirror))
    where = "(" + " OR ".join(f"({SOURCE_KEY} = ? AND {TARGET_KEY} = ? AND left(e.code, 3) = ?)"
                              for _ in kinds) + ")"
    params: list[Any] = [v for kind in kinds for v in kind]
    where += (" AND e.modality = 'occurred' AND e.event_day IS NOT NULL "
              f"AND e.id NOT IN ({', '.join('?' for _ in fact.reports)})")
    params += [r.id for r in fact.reports]
    if fact.merged:  # other reports of the same event are not an earlier event
        same, same_params = scope.in_merged([fact.merged["id"]])
        where += f" AND NOT ({same})"
        params += same_params
    anchor = fact.event_day or p.article_day
    if anchor is not None:
        where += " AND e.event_day < ?"
        params.append(anchor)
        if fact.event_day and p.date_precision == "year":
            # '2024' is not before 2024-06: at year precision only earlier years are earlier.
            where += " AND year(e.event_day) < ?"
            params.append(anchor.year)
    else:
        where += f" AND e.article_id IN ({', '.join('?' for _ in fact.article_ids)})"
        params += fact.article_ids
    found = scope.reports(where, params, "e.event_day DESC, e.article_id, e.sentence_index, e.id", 1)
    if not found:
        return None
    out = Fact(found)
    _attach_merged(scope.store, [out])
    return out


def group_reports(reports: Iterable[Report], join_targets: bool = False) -> list[Fact]:
    """One fact per real-world event among ``reports``.

    Reports that event merging (detente.relations.merge) put in one merged event are one fact;
    reports not merged yet are one fact when they share direction, code, modality and date (a
    story syndicated across outlets).  Then facts told by one sentence are shown together:
    both sides doing the same thing to each other ("the two leaders met") become one reciprocal
    fact, A <-> B, and with ``join_targets`` one actor doing one thing to several targets ("the
    United States expressed concern" at Russia and North Korea) becomes one fact.
    """
    groups: dict[tuple, list[Report]] = {}
    for r in sorted(reports, key=lambda r: r.order):
        key = (("merged", r.merged_id) if r.merged_id else
               ("report", r.source_key, r.target_key, r.code, r.modality, r.date))
        groups.setdefault(key, []).append(r)
    facts = [Fact(reps) for reps in groups.values()]

    # Union facts that one sentence tells together.
    parent = list(range(len(facts)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    told: dict[tuple, list[int]] = {}
    for i, fact in enumerate(facts):
        for r in fact.reports:
            told.setdefault((r.article_id, r.sentence_index, r.code, r.modality, r.date), []).append(i)
    # One article that mentions a plan (or a possibility) several times is describing one plan:
    # "Putin's upcoming visit" in the lead and "the planned visit" in the conclusion.
    plans: dict[tuple, list[int]] = {}
    for i, fact in enumerate(facts):
        for r in fact.reports:
            if r.modality in ("planned", "hypothetical"):
                plans.setdefault((r.article_id, r.source_key, r.target_key, r.code, r.modality,
                                  r.date), []).append(i)
    for members in plans.values():
        for j in members[1:]:
            if find(j) != find(members[0]):
                parent[find(j)] = find(members[0])
    for members in told.values():
        for i in members:
            for j in members:
                if i >= j or find(i) == find(j):
                    continue
                ri, rj = facts[i].reports[0], facts[j].reports[0]
                mirrored = (ri.source_key, ri.target_key) == (rj.target_key, rj.source_key)
                fanned = join_targets and ri.source_key == rj.source_key
                if mirrored or fanned:
                    parent[find(j)] = find(i)
    combined: dict[int, list[Report]] = {}
    for i, fact in enumerate(facts):
        combined.setdefault(find(i), []).extend(fact.reports)
    out = []
    for reps in combined.values():
        directions = {(r.source_key, r.target_key) for r in reps}
        reciprocal = any((t, s) in directions for s, t in directions if s != t)
        out.append(Fact(reps, reciprocal=reciprocal))
    return out
