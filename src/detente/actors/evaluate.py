"""How many of the gold actors does the resolver find?  A recall check for the dictionaries.

    python -m detente.actors.evaluate [GOLD.jsonl ...] [--misses N]

For each gold sentence with coded events, the gold actors are the three-letter prefixes of the
event sources and targets (RUSGOV -> RUS, IGOUNO -> IGO; null and "---" skipped), the
resolver's are the prefixes of the codes of every mention it finds in the sentence
(resolve_document on the sentence alone, dated when the gold gives a date).  Reported: the
micro share of gold actors found, and the mean per-sentence share.

For a file with source/target text spans instead of codes (the ConfliBERT set), the share of
gold spans that overlap a resolver mention is reported instead: spans such as "a car bomb" are
no actors, so this is a floor, not a recall.  With no arguments it reads the *.dev.jsonl files
in ../shared/gold.
"""
from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, field
from pathlib import Path

from ..io import JsonlError, read_jsonl


@dataclass
class Coverage:
    name: str
    sentences: int = 0
    gold: int = 0
    found: int = 0
    per_sentence: list[float] = field(default_factory=list)
    misses: list[tuple[str, list[str], list[str]]] = field(default_factory=list)

    @property
    def micro(self) -> float:
        return self.found / self.gold if self.gold else 0.0

    @property
    def mean(self) -> float:
        return sum(self.per_sentence) / len(self.per_sentence) if self.per_sentence else 0.0

    def line(self) -> str:
        return (f"{self.name}: {self.sentences} sentences, {self.gold} gold actor countries, "
                f"found {self.found} ({self.micro:.1%}); mean per-sentence share {self.mean:.1%}")


def gold_actors(record: dict) -> set[str]:
    out = set()
    for ev in record.get("events") or []:
        for side in ("source", "target"):
            code = ev.get(side)
            if code and code != "---" and not code.startswith("---"):
                out.add(code[:3].upper())
    return out


def coverage(path: Path, nlp=None, resolver=None) -> Coverage:
    from ..nlp import load_nlp
    from . import get_resolver

    nlp = nlp or load_nlp()
    resolver = resolver or get_resolver()
    records = [rec for _, rec in read_jsonl(path) if gold_actors(rec)]
    cov = Coverage(path.name.replace(".jsonl", ""))
    for rec, doc in zip(records, nlp.pipe(r.get("text") or "" for r in records)):
        gold = gold_actors(rec)
        found = {m.code[:3] for sent in resolver.resolve_document(doc, rec.get("date")) for m in sent
                 if m.code and not m.code.startswith("---")}
        hit = gold & found
        cov.sentences += 1
        cov.gold += len(gold)
        cov.found += len(hit)
        cov.per_sentence.append(len(hit) / len(gold))
        if gold - found:
            cov.misses.append((rec.get("text", ""), sorted(gold - found), sorted(found)))
    return cov


@dataclass
class SpanCoverage:
    name: str
    sentences: int = 0
    spans: int = 0
    covered: int = 0

    def line(self) -> str:
        share = self.covered / self.spans if self.spans else 0.0
        return (f"{self.name}: {self.sentences} sentences, {self.spans} gold source/target spans, "
                f"{self.covered} overlap an actor mention ({share:.1%})")


def span_coverage(path: Path, nlp=None, resolver=None, cities: bool = False) -> SpanCoverage:
    from ..nlp import load_nlp
    from . import get_resolver

    nlp = nlp or load_nlp()
    resolver = resolver or get_resolver()
    records = [rec for _, rec in read_jsonl(path)
               if rec.get("source_spans") or rec.get("target_spans")]
    cov = SpanCoverage(path.name.replace(".jsonl", "") + (" (with cities)" if cities else ""))
    for rec, doc in zip(records, nlp.pipe(r.get("text") or "" for r in records)):
        text = rec.get("text") or ""
        mentions = [m for sent in resolver.resolve_document(doc, rec.get("date"), cities=cities) for m in sent
                    if m.code and not m.code.startswith("---")]
        cov.sentences += 1
        for span in (rec.get("source_spans") or []) + (rec.get("target_spans") or []):
            start = text.find(span)
            if start < 0:
                continue
            cov.spans += 1
            end = start + len(span)
            cov.covered += any(m.start < end and m.end > start for m in mentions)
    return cov


def main(argv: list[str] | None = None) -> int:
    from ..config import shared_dir

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("gold", nargs="*", type=Path)
    ap.add_argument("--misses", type=int, default=0, help="print this many missed sentences per file")
    args = ap.parse_args(argv)
    paths = args.gold
    if not paths:
        root = shared_dir()
        if root is None:
            print("no gold files given and ../shared/gold is absent", file=sys.stderr)
            return 2
        paths = sorted((root / "gold").glob("*.dev.jsonl"))
    for path in paths:
        try:
            cov = coverage(path)
            if not cov.sentences:
                print(span_coverage(path).line())
                print(span_coverage(path, cities=True).line())
                continue
        except JsonlError as exc:
            print(exc, file=sys.stderr)
            return 2
        print(cov.line())
        for text, missed, found in cov.misses[:args.misses]:
            print(f"   missed {missed} found {found}: {text[:160]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
