"""What every relations analysis shares: where events are read from, which modalities count,
the net cooperation index, and the summary record of one event.

Analyses read ONE table, named ``merged_events`` (one row per real-world event, the default) or
``events`` (one row per report, ``reports=True``).  They accept a :class:`~detente.store.Store`,
a DuckDB connection on which those names are tables or views (a Parquet lake:
``CREATE VIEW events AS SELECT * FROM read_parquet(...)``), or a DuckDB relation that is itself
the table to aggregate (merged events when it has an ``n_reports`` column, reports otherwise).
"""
from __future__ import annotations

import datetime as dt
import math
from contextlib import contextmanager
from dataclasses import MISSING, asdict, dataclass, field
from typing import Any, Callable, Iterable, Iterator, Optional, Sequence, Union

import duckdb

from ..store import Store

# Counted by default.  Hypothetical events ("if Seoul deploys, Pyongyang would respond") and
# negated ones ("Moscow denied supplying shells") did not happen as far as the report says, so
# counting them would turn talk about an event into the event.  Planned events are left out
# because their date is the date of the intended event, not of the announcement: counting them
# would count a realised plan twice and an abandoned one as if it happened (they stay reachable
# through ``modalities=`` and ``merged_events.planned_link``).  Claimed events (asserted by one
# party, unconfirmed) are counted: most state-media reports of the other side's acts are claims.
DEFAULT_MODALITIES: tuple[str, ...] = ("occurred", "claimed")

QUAD_NAMES = {1: "verbal_coop", 2: "material_coop", 3: "verbal_conflict", 4: "material_conflict"}

# CAMEO codes that name an act of both parties at once (they met, negotiated, signed, fought):
# the report's source/target order is an accident of phrasing, so directed analyses count
# them in both directions and merging ignores their direction.
SYMMETRIC_PREFIXES: tuple[str, ...] = ("040", "041", "044", "046", "057", "060", "061", "062",
                                       "063", "190", "193", "194")


class RelationsError(ValueError):
    """Bad input to a relations analysis: one clear line for the user."""


def is_symmetric(code: str | None) -> bool:
    return bool(code) and code.startswith(SYMMETRIC_PREFIXES)


def symmetric_sql(col: str = "code") -> str:
    alts = ", ".join(f"'{p}'" for p in SYMMETRIC_PREFIXES)
    return f"(left({col}, 3) IN ({alts}))"


def net_coop(goldstein_sum: float, goldstein_abs_sum: float) -> Optional[float]:
    """Net cooperation index: sum of Goldstein scores over the sum of their magnitudes.

    In [-1, 1]: +1 when every scored event is cooperative, -1 when every one is conflictual, 0
    when they balance; weighted by Goldstein so an air strike (-10) outweighs a critical remark
    (-2).  ``None`` when no event carries a non-zero score (no evidence either way).
    """
    if not goldstein_abs_sum:
        return None
    return goldstein_sum / goldstein_abs_sum


def net_coop_sql(g: str = "goldstein", weight: str = "1") -> str:
    return (f"sum({g} * {weight}) / nullif(sum(abs({g}) * {weight}), 0)")


# -- where events come from ------------------------------------------------------------------

Source = Union[Store, duckdb.DuckDBPyConnection, duckdb.DuckDBPyRelation]


class EventTable:
    """One table of events to run SQL over, whatever it was given as.

    SQL is written against the placeholder ``{t}``; :meth:`sql` fills it in and runs it.
    Literals are inlined with :func:`lit` (a relation's ``query`` takes no parameters).
    """

    VIRTUAL = "_detente_events"

    def __init__(self, source: Source, reports: bool = False):
        self.relation: Optional[duckdb.DuckDBPyRelation] = None
        self._columns: Optional[set[str]] = None
        self._rowid: Optional[bool] = None
        # What is learnt about a store's tables (they exist, their columns, rowids) holds for
        # the life of the Store object: its schema only changes when it is opened.
        self._meta: Optional[dict[str, Any]] = None
        self._read_only = False
        if isinstance(source, Store):
            self.con: Optional[duckdb.DuckDBPyConnection] = source.con
            self._meta = source.__dict__.setdefault("_relations_meta", {})
            self._read_only = source.read_only
        elif isinstance(source, duckdb.DuckDBPyConnection):
            self.con = source
        elif isinstance(source, duckdb.DuckDBPyRelation):
            self.con = None
            self.relation = source
        else:
            raise RelationsError(
                f"cannot read events from {type(source).__name__}: give a Store, a DuckDB "
                "connection or a DuckDB relation")
        if self.relation is not None:
            self.merged = "n_reports" in [c.lower() for c in self.relation.columns]
            self.name = self.VIRTUAL
        else:
            self.merged = not reports
            self.name = "merged_events" if self.merged else "events"
            if self._meta is not None:
                self._columns = self._meta.get(("columns", self.name))
                self._rowid = self._meta.get(("rowid", self.name))
            if not self.has_table(self.name):
                hint = (" (run `detente merge`, or open the store read-write once to migrate it)"
                        if self.merged else "")
                raise RelationsError(f"no table or view named {self.name!r} on this "
                                     f"connection{hint}")

    def _exists(self, name: str) -> bool:
        # A zero-row select is a catalog lookup; information_schema costs ten times more,
        # which shows when a dashboard asks for many series.
        assert self.con is not None
        try:
            self.con.execute(f"SELECT 1 FROM {name} LIMIT 0").fetchall()
            return True
        except duckdb.CatalogException:
            return False

    def has_table(self, name: str) -> bool:
        """Whether the connection has a table or view ``name`` (remembered for a Store, whose
        tables only change when it is opened)."""
        if self.con is None:
            return False
        key = ("table", name)
        # Remembered on this object too: a second probe inside a snapshot that fails would
        # abort the snapshot's transaction.
        known = self.__dict__.setdefault("_tables", {} if self._meta is None else self._meta)
        if key not in known:
            known[key] = self._exists(name)
        return known[key]

    def lasting(self, key: Any, compute: Callable[[], Any]) -> Any:
        """``compute()``, remembered for a read-only Store: no one can write its file while it
        is open (DuckDB locks it), so what it answers once holds for the Store's life.  Computed
        every time on anything else."""
        if self._meta is None or not self._read_only:
            return compute()
        if key not in self._meta:
            self._meta[key] = compute()
        return self._meta[key]

    @property
    def columns(self) -> set[str]:
        if self._columns is None:
            cols, _ = self.sql("SELECT * FROM {t} LIMIT 0")
            self._columns = {c.lower() for c in cols}
            self._remember()
        return self._columns

    def _remember(self) -> None:
        if self._meta is not None:
            for key, value in (("columns", self._columns), ("rowid", self._rowid)):
                if value is not None:
                    self._meta[(key, self.name)] = value

    def sql(self, template: str) -> tuple[list[str], list[tuple]]:
        """Run ``template`` (with ``{t}`` for the table); returns (column names, rows)."""
        query = template.replace("{t}", self.name)
        if self.relation is not None:
            rel = self.relation.query(self.VIRTUAL, query)
            return list(rel.columns), rel.fetchall()
        assert self.con is not None
        cur = self.con.execute(query)
        return [d[0] for d in cur.description], cur.fetchall()

    def records(self, template: str) -> list[dict[str, Any]]:
        cols, rows = self.sql(template)
        return [dict(zip(cols, row)) for row in rows]

    # Columns of an :class:`EventSummary`, whichever table is read.
    @property
    def has_rowid(self) -> bool:
        """Base tables have a ``rowid``; views over Parquet and relations may not."""
        if self._rowid is None:
            try:
                self.sql("SELECT rowid FROM {t} LIMIT 0")
                self._rowid = True
            except duckdb.Error:
                self._rowid = False
            self._remember()
        return self._rowid

    def pick_sql(self) -> str:
        """What an aggregation keeps of a chosen event (``max_by(<this>, key, k)``) so that
        :meth:`fetch` can read it in full: its rowid when the table has one, else its id."""
        return "rowid" if self.has_rowid else "id"

    @contextmanager
    def snapshot(self) -> Iterator[None]:
        """Run the enclosed queries on one snapshot of the table, so rowids chosen by one query
        still name the same rows in the next (a writer may commit in between).  Inside a
        caller's transaction that transaction is the snapshot already."""
        if self.con is None or self._read_only:  # nobody can write a read-only store
            yield
            return
        # Probe for rowid before BEGIN: on a view without one (a Parquet lake) the failed probe
        # would abort the transaction and every query after it.
        self.has_rowid  # noqa: B018
        try:
            self.con.execute("BEGIN TRANSACTION")
        except duckdb.TransactionException:
            yield
            return
        try:
            yield
        except BaseException:
            self.con.execute("ROLLBACK")  # a failed query aborts it: keep the first error
            raise
        self.con.execute("COMMIT")

    def fetch(self, where: str, picks: Iterable[Any], *,
              articles: bool = False) -> dict[Any, "EventSummary"]:
        """Full summaries of the events an aggregation picked (values of :meth:`pick_sql`),
        by pick.  By rowid, a join makes DuckDB read just those rows' wide columns (sentence,
        outlets); ``rowid IN (...)`` or an id filter would decode every row of the dyad's row
        groups.  Call inside :meth:`snapshot` together with the picking query."""
        wanted = sorted(set(p for p in picks if p is not None))
        if not wanted:
            return {}
        if self.has_rowid:
            rows = self._by_rowid(wanted)
        else:
            rows = self.records(f"SELECT id AS _pick, {self.summary_columns()} FROM {{t}} "
                                f"WHERE {where} AND {in_sql('id', wanted)}")
        events = self.summaries(rows, articles=articles)
        return {row["_pick"]: ev for row, ev in zip(rows, events)}

    def _by_rowid(self, rowids: Sequence[int]) -> list[dict[str, Any]]:
        listed = ", ".join(str(int(r)) for r in rowids)
        # The range bounds the scan to the row groups holding the picks (a dyad's merged
        # events are together).  A join, not ``rowid IN (...)``: when the picks are spread
        # over the whole table (reports), the IN form decodes every row group.
        return self.records(
            f"SELECT {{t}}.rowid AS _pick, {self.summary_columns()} "
            f"FROM (SELECT unnest([{listed}]) AS _rid) _p JOIN {{t}} ON {{t}}.rowid = _p._rid "
            f"WHERE {{t}}.rowid BETWEEN {int(min(rowids))} AND {int(max(rowids))}")

    def summary_columns(self) -> str:
        return summary_sql(self.merged)

    def n_reports(self) -> str:
        return "n_reports" if self.merged else "1"

    def summaries(self, rows: Iterable[dict[str, Any]],
                  articles: bool = True) -> list["EventSummary"]:
        """EventSummary records from rows selected with :meth:`summary_columns`; with
        ``articles``, title, URL and date of the article (and, for a report, its outlets) are
        filled in from the store."""
        out = [EventSummary.from_row(r) for r in rows]
        if articles:
            self.fill_articles(out)
        return out

    def fill_articles(self, events: list["EventSummary"]) -> None:
        """Title, URL and date of each event's article (and, for a report, its outlets) from
        the store, when it has articles."""
        if not events or self.con is None or not self._exists("articles"):
            return
        ids = sorted({e.article_id for e in events if e.article_id})
        if not ids:
            return
        # Merged events carry their outlets already; a report's come from its article and the
        # other places that article was seen.
        need_sources = any(not e.outlets for e in events) and self._exists("article_sources")
        sources = ("list(DISTINCT s.outlet) FILTER (WHERE s.outlet IS NOT NULL)"
                   if need_sources else "NULL::VARCHAR[]")
        join = "LEFT JOIN article_sources s ON s.article_id = a.id" if need_sources else ""
        rows = self.con.execute(
            f"SELECT a.id, any_value(a.title), any_value(a.outlet), any_value(a.url), "
            f"any_value(a.date), {sources} FROM articles a {join} "
            f"WHERE a.id IN (SELECT unnest(?)) GROUP BY a.id", [ids]).fetchall()
        info = {r[0]: r for r in rows}
        for ev in events:
            row = info.get(ev.article_id or "")
            if row is None:
                continue
            ev.title, ev.outlet, ev.url, ev.published = row[1], row[2], row[3], row[4]
            if not ev.outlets:
                ev.outlets = sorted(set(row[5] or []) | ({row[2]} if row[2] else set()))
                ev.n_outlets = len(ev.outlets)


# The columns of an EventSummary as summary_sql() selects them, in order.
SUMMARY_NAMES: tuple[str, ...] = (
    "id", "date", "date_precision", "event_day", "source", "target", "source_country",
    "target_country", "source_name", "target_name", "code", "root", "quad_class", "goldstein",
    "modality", "place", "place_country", "sentence", "article_id", "n_reports", "n_outlets",
    "outlets", "disagreement", "planned_link", "dimensions")
# A report has no merge fields.
_REPORT_CONSTANTS = {"n_reports": "1", "n_outlets": "NULL::INTEGER",
                     "outlets": "NULL::VARCHAR[]", "disagreement": "false",
                     "planned_link": "NULL::VARCHAR", "dimensions": "NULL::VARCHAR[]"}


def summary_exprs(merged: bool, prefix: str = "") -> list[tuple[str, str]]:
    """(name, SQL) of each of :data:`SUMMARY_NAMES` for merged events or (``merged`` False)
    reports, columns qualified with ``prefix`` (``'m.'``)."""
    constants = {} if merged else _REPORT_CONSTANTS
    return [(n, constants.get(n, f"{prefix}{n}")) for n in SUMMARY_NAMES]


def summary_sql(merged: bool, prefix: str = "") -> str:
    """The columns of :data:`SUMMARY_NAMES` for a SELECT (see :func:`summary_exprs`)."""
    return ", ".join(expr if expr == f"{prefix}{n}" else f"{expr} AS {n}"
                     for n, expr in summary_exprs(merged, prefix))


def lit(value: Any) -> str:
    """A SQL literal for a str, number, date or None (strings quoted with '' escaping)."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        if isinstance(value, float) and not math.isfinite(value):
            raise RelationsError(f"not a finite number: {value!r}")
        return repr(value)
    if isinstance(value, dt.datetime):
        return f"TIMESTAMP '{value.isoformat()}'"
    if isinstance(value, dt.date):
        return f"DATE '{value.isoformat()}'"
    return "'" + str(value).replace("'", "''") + "'"


def lit_list(values: Sequence[Any]) -> str:
    return "(" + ", ".join(lit(v) for v in values) + ")" if values else "(NULL)"


def in_sql(column: str, values: Sequence[Any]) -> str:
    """``column IN (...)`` that stays fast for hundreds of values: a literal IN list is tested
    value by value on every row, a subquery over a list literal becomes a hash semi-join."""
    if len(values) <= 8:
        return f"{column} IN {lit_list(values)}"
    return f"{column} IN (SELECT unnest([{', '.join(lit(v) for v in values)}]))"


def parse_day(value: Any, what: str = "date") -> Optional[dt.date]:
    """A date from a date, datetime or ISO string ('2019', '2019-06', '2019-06-12')."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    try:
        parts = text.split("T")[0].split("-")
        if len(parts) == 1 and len(parts[0]) == 4:
            return dt.date(int(parts[0]), 1, 1)
        if len(parts) == 2:
            return dt.date(int(parts[0]), int(parts[1]), 1)
        return dt.date.fromisoformat("-".join(parts[:3]))
    except ValueError:
        raise RelationsError(f"{what}: {text!r} is not a date "
                             "(use YYYY, YYYY-MM or YYYY-MM-DD)") from None


def check_modalities(modalities: Iterable[str]) -> tuple[str, ...]:
    from ..records import MODALITIES

    mods = tuple(modalities)
    bad = [m for m in mods if m not in MODALITIES]
    if bad:
        raise RelationsError(f"modalities: unknown {', '.join(bad)} "
                             f"(known: {', '.join(MODALITIES)})")
    if not mods:
        raise RelationsError("modalities: give at least one")
    return mods


def check_party(code: str, what: str = "country") -> str:
    code = (code or "").strip().upper()
    if not code or not code.replace("_", "").isalnum():
        raise RelationsError(f"{what}: {code!r} is not an actor or ISO3 country code")
    return code


def party_sql(side: str) -> str:
    """The party on one side of an event: its country, or the actor code for non-state actors
    (IGOs such as IGOUNO have no country)."""
    return f"coalesce({side}_country, {side})"


# Fields of the packed ranking key (see rank_sql): each is clamped to 21 bits.
RANK_BITS = 21
RANK_CAP = (1 << RANK_BITS) - 1
_DAY_ZERO = "DATE '0001-01-01'"


def rank_value_sql(n_reports: str = "n_reports") -> str:
    """The ranking value of an event as one BIGINT: its score to 0.1 in the high bits, then
    its reports, then its day (later first), each clamped to 21 bits.  The score is |Goldstein|
    times the reports behind it, so a widely reported strike outranks a remark made once."""
    score = f"(abs(coalesce(goldstein, 0)) * {n_reports})"
    return (f"((CAST(least(round({score} * 10), {RANK_CAP}) AS BIGINT) << {2 * RANK_BITS}) "
            f"| (CAST(least({n_reports}, {RANK_CAP}) AS BIGINT) << {RANK_BITS}) "
            f"| CAST(least(greatest(coalesce(event_day - {_DAY_ZERO}, 0), 0), {RANK_CAP}) "
            f"AS BIGINT))")


def rank_sql(t: EventTable) -> str:
    """The ranking key for ``max_by(pick, key, k)``, highest first: the score (|Goldstein| x
    reports, to 0.1), then the reports, the day and the id, so ties are broken by the events
    themselves.  Not by storage position: DuckDB renumbers rowids when a checkpoint compacts
    a table, which would let an unrelated re-merge change which of two equal events a series
    shows, and a rollup (detente.relations.rollup) could not keep the same choice.  The
    numeric part is one BIGINT (:func:`rank_value_sql`), which DuckDB compares much faster
    than a struct of four fields; :func:`rank_key` is the same order in Python."""
    return rank_struct_sql(t.n_reports())


def rank_struct_sql(n_reports: str = "n_reports") -> str:
    """:func:`rank_sql` over a relation whose report count is the expression ``n_reports``."""
    return f"struct_pack(rank := {rank_value_sql(n_reports)}, id := id)"


def rank_key(e: "EventSummary") -> tuple:
    """:func:`rank_sql` in Python; sort with ``reverse=True``."""
    # round() in DuckDB rounds half away from zero; scores are never negative.
    score10 = min(int(math.floor(e.score * 10 + 0.5)), RANK_CAP)
    day = 0
    if e.event_day is not None:
        day = min(max((e.event_day - dt.date(1, 1, 1)).days, 0), RANK_CAP)
    value = (score10 << (2 * RANK_BITS)) | (min(e.n_reports, RANK_CAP) << RANK_BITS) | day
    return (value, e.id)


@dataclass
class EventSummary:
    """One event (merged, or a single report) as analyses hand it on, with its evidence."""

    id: str
    code: str
    root: str
    quad_class: Optional[int]
    goldstein: Optional[float]
    modality: str
    date: Optional[str] = None
    date_precision: Optional[str] = None
    event_day: Optional[dt.date] = None
    source: Optional[str] = None
    target: Optional[str] = None
    source_country: Optional[str] = None
    target_country: Optional[str] = None
    source_name: Optional[str] = None
    target_name: Optional[str] = None
    place: Optional[str] = None
    place_country: Optional[str] = None
    sentence: Optional[str] = None
    article_id: Optional[str] = None
    n_reports: int = 1
    n_outlets: Optional[int] = None
    outlets: list[str] = field(default_factory=list)
    disagreement: bool = False
    planned_link: Optional[str] = None
    dimensions: list[str] = field(default_factory=list)
    # From the article of the representative report, when the store has it.
    title: Optional[str] = None
    outlet: Optional[str] = None
    url: Optional[str] = None
    published: Optional[str] = None

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> "EventSummary":
        data = dict(_SUMMARY_DEFAULTS)
        data.update(row)
        for extra in row.keys() - _SUMMARY_FIELDS:  # e.g. the pick a fetch was keyed by
            del data[extra]
        return cls._built(data)

    @classmethod
    def from_fields(cls, fields: dict[str, Any]) -> "EventSummary":
        """From a dict holding only EventSummary fields (no check for others)."""
        data = dict(_SUMMARY_DEFAULTS)
        data.update(fields)
        return cls._built(data)

    @classmethod
    def _built(cls, data: dict[str, Any]) -> "EventSummary":
        # Built straight into the instance dict: analyses make hundreds of these per call and
        # the generated __init__ with thirty keyword arguments is most of their cost.
        data["outlets"] = list(data["outlets"] or [])
        dims = data["dimensions"]
        if dims is None:
            from .dimensions import dimensions_of

            dims = dimensions_of(data["code"] or "", data["sentence"])
        data["dimensions"] = list(dims)
        data["disagreement"] = bool(data["disagreement"])
        if data["quad_class"] is not None:
            data["quad_class"] = int(data["quad_class"])
        obj = object.__new__(cls)
        obj.__dict__.update(data)
        return obj

    @property
    def name(self) -> Optional[str]:
        """The CAMEO name of the code ("make a visit"), when the vocabulary knows it."""
        try:
            from ..events.cameo import cameo_info

            return cameo_info(self.code).name
        except Exception:  # vocabulary missing or unknown code: the code itself still stands
            return None

    @property
    def score(self) -> float:
        return abs(self.goldstein or 0.0) * self.n_reports

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["event_day"] = self.event_day.isoformat() if self.event_day else None
        out["name"] = self.name
        return out

    def short(self) -> str:
        """One line for tables: '2019-06-30 USA->PRK 042 make a visit (12 reports)'."""
        who = f"{self.source_country or self.source}->{self.target_country or self.target}"
        what = f"{self.code} {self.name}" if self.name else self.code
        mod = "" if self.modality == "occurred" else f" [{self.modality}]"
        reps = f" ({self.n_reports} reports)" if self.n_reports > 1 else ""
        return f"{self.date or '?'} {who} {what}{mod}{reps}"


_SUMMARY_FIELDS = frozenset(EventSummary.__dataclass_fields__)
_SUMMARY_DEFAULTS = {name: (None if f.default is MISSING else f.default)
                     for name, f in EventSummary.__dataclass_fields__.items()}
_SUMMARY_DEFAULTS.update(outlets=None, dimensions=None)  # filled per row
