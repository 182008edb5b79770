"""What a brief is made of, before it is rendered to Markdown or HTML.

A brief is a list of sections; a section is a list of statements; a statement is either a
template sentence filled only with stored facts or an extracted evidence sentence, and always
carries the numbers of the references it rests on.  Keeping this structure separate from the
renderers lets both formats (and the tests) see exactly which statement cites what.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional


@dataclass
class Reference:
    """One cited article, numbered in order of first citation."""

    number: int
    article_id: str
    title: Optional[str]
    date: Optional[str]
    outlet: Optional[str]
    url: Optional[str]
    source_path: Optional[str] = None
    # Other places the same article (or a syndicated copy) was seen: (outlet, url) pairs.
    also: list[tuple[Optional[str], Optional[str]]] = field(default_factory=list)


@dataclass
class Statement:
    """One line of a brief.

    ``text`` is a template sentence built from stored facts only; ``quote`` is an evidence
    sentence copied verbatim from an article; ``label`` is the modality shown in front of the
    statement (planned, hypothetical, claimed, negated, occurred) so uncertain events can never
    read as accomplished ones.  ``note`` marks a line that reports the absence of evidence and
    so cites nothing.
    """

    text: str
    refs: list[int] = field(default_factory=list)
    quote: Optional[str] = None
    label: Optional[str] = None
    date: Optional[str] = None
    attribution: Optional[str] = None  # "according to CNA and Wikipedia"
    note: bool = False


@dataclass
class Section:
    key: str
    title: str
    statements: list[Statement] = field(default_factory=list)
    chart_svg: Optional[str] = None  # the dyad chart, only in the trend section of HTML briefs


@dataclass
class Brief:
    a: str
    b: str
    a_name: str
    b_name: str
    since: Optional[str]
    summary: Statement
    sections: list[Section]
    references: list[Reference]
