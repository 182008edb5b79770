"""Text with spans marked: actors and triggers in an evidence sentence or a whole article.

Stored offsets are article offsets; the text is escaped piece by piece so nothing from an
article can become markup.  Overlapping spans (one actor in several events) are merged into
one mark carrying all their events; a span that crosses another is dropped rather than
producing broken nesting.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable, Optional

from markupsafe import Markup, escape

# Where two spans cover the same text, the trigger wins the colour: it is the event itself.
_PRIORITY = {"trigger": 0, "source": 1, "target": 2}


@dataclass
class Span:
    start: int
    end: int
    kind: str                      # trigger | source | target
    events: list[str] = field(default_factory=list)
    title: str = ""


def event_spans(events: Iterable[dict[str, Any]], offset: int = 0,
                limit: Optional[int] = None) -> list[Span]:
    """Spans of each event's trigger, source and target, shifted by ``-offset`` (an evidence
    sentence's start) and kept only when they fall inside ``[0, limit)``."""
    by_key: dict[tuple[int, int], Span] = {}
    for ev in events:
        for kind in ("trigger", "source", "target"):
            start, end = ev.get(f"{kind}_start"), ev.get(f"{kind}_end")
            if start is None or end is None or end <= start:
                continue
            start, end = int(start) - offset, int(end) - offset
            if start < 0 or (limit is not None and end > limit):
                continue
            span = by_key.get((start, end))
            if span is None:
                span = by_key[(start, end)] = Span(start, end, kind)
            elif _PRIORITY[kind] < _PRIORITY[span.kind]:
                span.kind = kind
            if ev.get("id") and ev["id"] not in span.events:
                span.events.append(ev["id"])
            label = _label(ev, kind)
            if label and label not in span.title:
                span.title = f"{span.title}; {label}" if span.title else label
    return sorted(by_key.values(), key=lambda s: (s.start, -(s.end - s.start)))


def _label(ev: dict[str, Any], kind: str) -> str:
    if kind == "trigger":
        return f"event {ev.get('code')} ({ev.get('modality')})"
    code = ev.get(kind)
    name = ev.get(f"{kind}_name")
    return f"{kind}: {code}" + (f" ({name})" if name else "")


def mark(text: str, spans: Iterable[Span]) -> Markup:
    """``text`` escaped, with each span wrapped in ``<mark class="KIND" data-events="...">``."""
    out: list[Markup] = []
    pos = 0
    for s in spans:
        if s.start < pos or s.end > len(text):
            continue  # overlaps a span already marked, or past the text: leave it plain
        out.append(escape(text[pos:s.start]))
        events = " ".join(s.events)
        out.append(Markup('<mark class="{}" data-events="{}" title="{}">{}</mark>').format(
            s.kind, events, s.title, text[s.start:s.end]))
        pos = s.end
    out.append(escape(text[pos:]))
    return Markup("").join(out)


def mark_sentence(sentence: Optional[str], event: dict[str, Any]) -> Markup:
    """An evidence sentence with its event's actors and trigger marked."""
    if not sentence:
        return Markup("")
    start = event.get("sentence_start") or 0
    return mark(sentence, event_spans([event], offset=int(start), limit=len(sentence)))
