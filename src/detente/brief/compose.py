"""Composing a brief: which stored facts go in which section, and the template sentences that
state them.

Every statement made here is built from the fields of stored events and series (actor and
country names, CAMEO code names, dates, places, counts, cited sources) or is an evidence
sentence copied from an article, and cites the articles it rests on.  Nothing is paraphrased,
summarised or inferred beyond counting and ordering, so a brief is reproducible from the store.
"""
from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Callable, Iterable, Optional, Sequence

from ..store import Store
from .facts import DyadFacts, Fact, ReportScope, as_scope, planned_outcome, previous_of_kind
from .model import Section, Statement
from .names import actor_label, actor_name, code_name
from .references import ReferenceList

# How many events a section lists before it only counts the rest.
MAX_PER_SECTION = 8
MAX_HISTORY = 12
MAX_HEADLINE_PLANNED = 2
MAX_HEADLINE_LATEST = 3
# How many articles a statement about many events cites: the ones with most reports.
MAX_AGGREGATE_REFS = 5
MAX_EVENT_REFS = 5
QUOTE_CHARS = 360
# "The first ... since <date>" is stated only across a gap at least this long.
FIRST_SINCE_MIN_DAYS = 365
DISAGREEMENT = {"date": "its date", "modality": "whether it took place"}

# Section of each dimension detente.relations.dimensions tags (the part before ':' of
# 'economic:energy').  Sanctions (with the legal measures the tagger files under them) are
# economic pressure; humanitarian matters (aid, refugees, prisoners) are settled between
# governments, so they sit with diplomacy.
DIMENSION_SECTION = {
    "diplomatic": "diplomatic",
    "humanitarian": "diplomatic",
    "military": "military",
    "economic": "economic",
    "sanctions": "economic",
}
TOPICAL = (
    ("diplomatic", "Diplomatic and strategic", "diplomatic or strategic"),
    ("military", "Military and security", "military or security"),
    ("economic", "Economic", "economic or about sanctions"),
)
UNCERTAIN = ("planned", "hypothetical")


class Composer:
    def __init__(self, store: Store | ReportScope, data: DyadFacts, refs: ReferenceList):
        # Where reports are read ("first since", planned outcomes): the store, or the brief's
        # materialised dyad (detente.brief.facts.dyad_scope).
        self.scope = as_scope(store)
        self.store = self.scope.store
        self.data = data
        self.refs = refs
        self.a_name = actor_name(data.a)
        self.b_name = actor_name(data.b)
        # A fact's evidence sentence is quoted where the fact first appears; later sections
        # restate it with the same references but do not repeat the quote.
        self._quoted: set[str] = set()

    # -- statements -----------------------------------------------------------------------
    def sides(self, fact: Fact) -> str:
        p = fact.primary
        if fact.reciprocal:
            # Both directions were reported: name the brief's first country first, each with
            # the person or body that acted for it.
            keys = sorted({p.source_key, p.target_key}, key=lambda k: (k != self.data.a, k or ""))
            labels = []
            for key in keys:
                r = next((r for r in fact.reports if r.source_key == key), p)
                labels.append(actor_label(key, r.source, r.source_name) if r.source_key == key
                              else actor_name(key))
            return " ↔ ".join(labels)
        targets = fact.target_keys
        if len(targets) > 1:
            target = join_names([actor_name(k) for k in targets])
        else:
            target = actor_label(p.target_key, p.target, p.target_name)
        return f"{actor_label(p.source_key, p.source, p.source_name)} → {target}"

    def describe(self, fact: Fact, topics: Sequence[str] = ()) -> str:
        """Template sentence of one event: sides, CAMEO code, topics, place, reach."""
        text = f"{self.sides(fact)}: {code_name(fact.code)} (CAMEO {fact.code})"
        if topics:
            text += f" on {join_names(topics)}"
        place = fact.primary if fact.primary.place else next((r for r in fact.reports if r.place), None)
        if place is not None:
            country = actor_name(place.place_country) if place.place_country else None
            if country and country.lower() == place.place.lower():
                text += f" in {country}"  # the place is the country itself
            else:
                text += f" at {place.place}"
                if country and country not in place.place:
                    text += f", {country}"
        m = fact.merged or {}
        n = max(len(fact.article_ids), m.get("n_articles") or 0)
        outlets = m.get("n_outlets") or 0
        if n > 1:
            text += f", reported in {n} articles"
            if outlets > 1:
                text += f" from {outlets} outlets"
        if fact.anchor is not None and fact.anchor_days is not None:
            a = fact.anchor
            when = ("the same day as" if fact.anchor_days == 0 else
                    f"{_count(abs(fact.anchor_days), 'day')} {'after' if fact.anchor_days > 0 else 'before'}")
            text += (f", {when} {self.a_name}–{self.b_name}: {code_name(a.code)}"
                     f"{' (' + a.date + ')' if a.date else ''}")
        disagree = [DISAGREEMENT.get(d, d) for d in fact.disagrees_on]
        if disagree:
            text += f"; the reports disagree on {join_names(disagree)}"
        return text

    @staticmethod
    def attribution(fact: Fact) -> Optional[str]:
        """'according to CNA and Wikipedia': who the article says the statement comes from."""
        names = list(dict.fromkeys(fact.asserted_by + fact.cited_sources))
        return f"according to {join_names(names)}" if names else None

    def event_statement(self, fact: Fact, quote: bool = True, topics: Sequence[str] = ()) -> Statement:
        ids = {r.id for r in fact.reports}
        quote = quote and not (ids & self._quoted)
        if quote:
            self._quoted |= ids
        return Statement(
            text=self.describe(fact, topics),
            refs=sorted(set(self.refs.cite(fact.article_ids, limit=MAX_EVENT_REFS) + (
                self.refs.cite([fact.anchor.article_id]) if fact.anchor is not None
                and fact.anchor.article_id else []))),
            quote=_trim(fact.primary.sentence) if quote else None,
            label=fact.modality,
            date=fact.date,
            attribution=self.attribution(fact))

    def aggregate_refs(self, facts: Sequence[Fact]) -> list[int]:
        """References for a statement about many events: the articles behind most of them."""
        weight: Counter[str] = Counter()
        for fact in facts:
            for article_id in fact.article_ids:
                weight[article_id] += 1
        ranked = sorted(weight, key=lambda a: (-weight[a], a))
        return self.refs.cite(ranked, limit=MAX_AGGREGATE_REFS)

    def none(self, text: str) -> Statement:
        return Statement(text=text, note=True)

    # -- sections -------------------------------------------------------------------------
    def summary(self) -> Statement:
        d = self.data
        if not d.n_reports:
            since = f" since {d.since.isoformat()}" if d.since else ""
            return self.none(f"No events between {self.a_name} and {self.b_name} are stored{since}.")
        span = ""
        if d.first_date and d.last_date:
            span = (f", dated {d.first_date}" if d.first_date == d.last_date else
                    f", dated from {d.first_date} to {d.last_date}")
        since = f" since {d.since.isoformat()}" if d.since else ""
        n_events = d.n_events or d.n_reports
        text = (f"The store holds {_count(n_events, 'event')} between {self.a_name} and "
                f"{self.b_name}{since} ({_count(d.n_reports, 'report')} in "
                f"{_count(d.n_articles, 'article')}){span}")
        if d.n_articles > len(d.article_ids):
            text += f"; the {len(d.article_ids)} articles with most reports are cited"
        if d.covered_from:
            text += (f". The sections below cover the events reported from "
                     f"{d.covered_from.isoformat()} on")
        return Statement(text=text + ".", refs=self.refs.cite(d.article_ids))

    def headline(self) -> Section:
        section = Section("headline", "Headline development")
        facts = self.data.facts
        planned = sorted((f for f in facts if f.modality == "planned"), key=_latest_first)
        latest = sorted((f for f in facts if f.modality in ("occurred", "claimed")), key=_latest_first)
        if latest and latest[0].sort_day:
            newest = latest[0].sort_day
            latest = [f for f in latest if f.sort_day == newest]
        latest = sorted(latest, key=lambda f: -f.weight)[:MAX_HEADLINE_LATEST]
        for fact in planned[:MAX_HEADLINE_PLANNED]:
            section.statements.append(self.event_statement(fact))
            section.statements.extend(self.outcome(fact) or self.first_since(fact))
        for fact in latest:
            section.statements.append(self.event_statement(fact))
            section.statements.extend(self.first_since(fact))
        if not section.statements:
            section.statements.append(self.none(
                f"No occurred or planned event between {self.a_name} and {self.b_name} is reported."))
        return section

    def first_since(self, fact: Fact) -> list[Statement]:
        """'... the first since 2000': the previous stored event of the same kind and direction."""
        before = previous_of_kind(self.scope, fact)
        if before is None or not before.date:
            return []
        anchor = fact.event_day or fact.primary.article_day
        if anchor and before.event_day and (anchor - before.event_day).days < FIRST_SINCE_MIN_DAYS:
            return []  # "the first since last week" is not news
        kind = f"{self.sides(before)} “{code_name(before.code)}” event (CAMEO {before.code[:3]})"
        if fact.modality == "planned":
            text = f"If it goes ahead, it will be the first {kind} on record since {before.date}"
        elif fact.modality in ("occurred", "claimed"):
            text = f"It is the first {kind} on record since {before.date}"
        else:
            return []
        refs = (self.refs.cite(fact.article_ids, limit=MAX_EVENT_REFS)
                + self.refs.cite(before.article_ids, limit=MAX_EVENT_REFS))
        return [Statement(text=text + ".", refs=sorted(set(refs)))]

    def outcome(self, fact: Fact) -> list[Statement]:
        """A planned event that event merging linked to its occurrence: it took place."""
        done = planned_outcome(self.scope, fact)
        if done is None:
            return []
        when = f" on {done.date}" if done.date else ""
        return [Statement(
            text=f"It was later reported as having taken place{when}: {self.describe(done)}.",
            refs=self.refs.cite(done.article_ids, limit=MAX_EVENT_REFS))]

    def history(self) -> Section:
        section = Section("history", "Historical context")
        facts = _spread_over_years(self.data.history, MAX_HISTORY)
        if self.data.since and facts:
            section.statements.append(Statement(
                text=f"Key dated events between {self.a_name} and {self.b_name} before "
                     f"{self.data.since.isoformat()}, oldest first:",
                refs=self.aggregate_refs(facts)))
        for fact in facts:
            section.statements.append(self.event_statement(fact))
        if not facts:
            section.statements.append(self.none("No dated earlier events are reported."))
        return section

    def topical(self, key: str, title: str, adjective: str) -> Section:
        section = Section(key, title)
        facts = [f for f in self.data.facts if key in _sections_of(f)]
        if not facts:
            section.statements.append(self.none(
                f"No {adjective} events between {self.a_name} and {self.b_name} are reported."))
            return section
        section.statements.append(self.count_statement(facts, adjective))
        shown = sorted(facts, key=_latest_first)[:MAX_PER_SECTION]
        section.statements.extend(self.event_statement(f, topics=_subtopics(f, key)) for f in shown)
        if len(facts) > len(shown):
            section.statements.append(self.none(f"{len(facts) - len(shown)} further events not listed."))
        return section

    def count_statement(self, facts: Sequence[Fact], adjective: str) -> Statement:
        by_modality = Counter(f.modality for f in facts)
        parts = ", ".join(f"{n} {m}" for m, n in sorted(by_modality.items(), key=lambda kv: (-kv[1], kv[0])))
        since = (f"From {self.data.covered_from.isoformat()} on, " if self.data.covered_from else "")
        text = (f"{_count(len(facts), 'event')} between {self.a_name} and {self.b_name} "
                f"{'is' if len(facts) == 1 else 'are'} {adjective} ({parts}).")
        return Statement(
            text=since + text if since else text,
            refs=self.aggregate_refs(facts))

    def reactions(self) -> Section:
        section = Section("reactions", "Reactions of others")
        facts = self.data.reactions
        if not facts:
            section.statements.append(self.none(
                f"No third party's event aimed at {self.a_name} or {self.b_name} is reported "
                f"beside their own events or within days of them."))
            return section
        by_actor = Counter(actor_name(f.primary.source_key) for f in facts)
        listed = ", ".join(f"{name} ({n})" for name, n in sorted(by_actor.items(), key=lambda kv: (-kv[1], kv[0])))
        section.statements.append(Statement(
            text=f"{_count(len(facts), 'event')} by third parties aimed at {self.a_name} or "
                 f"{self.b_name} {'is' if len(facts) == 1 else 'are'} reported beside their own "
                 f"events or within days of them: {listed}.",
            refs=self.aggregate_refs(facts)))
        shown = sorted(facts, key=lambda f: (-f.weight,) + _latest_first(f))[:MAX_PER_SECTION]
        section.statements.extend(self.event_statement(f) for f in shown)
        if len(facts) > len(shown):
            section.statements.append(self.none(f"{len(facts) - len(shown)} further events not listed."))
        return section

    def outlook(self) -> Section:
        section = Section("outlook", "Outlook")
        facts = [f for f in self.data.facts if f.modality in UNCERTAIN]
        facts.sort(key=lambda f: (UNCERTAIN.index(f.modality),) + _latest_first(f))
        if not facts:
            section.statements.append(self.none("No planned or hypothetical events are reported."))
            return section
        shown = facts[:MAX_PER_SECTION]
        section.statements.extend(self.event_statement(f) for f in shown)
        if len(facts) > len(shown):
            section.statements.append(self.none(f"{len(facts) - len(shown)} further events not listed."))
        return section


def compose_sections(composer: Composer, trend: Callable[[Composer], Section]) -> tuple[Statement, list[Section]]:
    """All sections in reading order; references are numbered in this order."""
    summary = composer.summary()
    sections = [composer.headline(), composer.history()]
    sections += [composer.topical(key, title, adjective) for key, title, adjective in TOPICAL]
    sections += [composer.reactions(), trend(composer), composer.outlook()]
    return summary, sections


def _spread_over_years(facts: Sequence[Fact], k: int) -> list[Fact]:
    """At most ``k`` facts for a timeline, spread over the years: each year's weightiest first,
    then each year's second, ...; returned oldest first."""
    by_year: dict[int, list[Fact]] = {}
    for f in facts:
        by_year.setdefault(f.event_day.year if f.event_day else 0, []).append(f)
    ranked = []
    for year, items in by_year.items():
        items.sort(key=lambda f: (-f.weight, f.event_day or dt.date.min, f.primary.order))
        ranked += [(rank, -f.weight, -year, f) for rank, f in enumerate(items)]
    ranked.sort(key=lambda t: t[:3])
    chosen = [t[3] for t in ranked[:k]]
    return sorted(chosen, key=lambda f: (f.event_day or dt.date.min, -f.weight, f.primary.order))


def _sections_of(fact: Fact) -> set[str]:
    return {DIMENSION_SECTION[d.split(":")[0]] for d in fact.dimensions
            if d.split(":")[0] in DIMENSION_SECTION}


def _subtopics(fact: Fact, section: str) -> list[str]:
    """The economic sub-tags (energy, mining, ...) of a fact listed in the economic section."""
    if section != "economic":
        return []
    return [d.split(":", 1)[1] for d in fact.dimensions if d.startswith("economic:")]


def _latest_first(fact: Fact) -> tuple:
    day = fact.sort_day
    return (day is None, -(day.toordinal() if day else 0), -fact.weight, fact.primary.order)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _trim(sentence: Optional[str]) -> Optional[str]:
    """The evidence sentence as written, whitespace collapsed and cut at a word if very long."""
    if not sentence:
        return None
    text = " ".join(sentence.split())
    if len(text) <= QUOTE_CHARS:
        return text
    cut = text[:QUOTE_CHARS].rsplit(" ", 1)[0]
    return cut.rstrip(",;:") + " …"


def join_names(names: Iterable[str]) -> str:
    names = list(names)
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
