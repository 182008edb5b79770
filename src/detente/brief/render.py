"""Rendering a composed :class:`Brief` to Markdown or to self-contained HTML (Jinja2)."""
from __future__ import annotations

import re
from functools import lru_cache

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup, escape

from .model import Brief, Reference, Statement

FORMATS = ("md", "html")

_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|])")


def md_escape(text: str) -> str:
    """Backslash-escape Markdown syntax in text taken from articles, so a quoted '[1]' can never
    pass for a citation and a stray '*' never turns the brief bold."""
    return _MD_SPECIAL.sub(r"\\\1", text)


def _md_statement(s: Statement) -> str:
    if s.note:
        return f"_{md_escape(s.text)}_"
    parts = []
    if s.label:
        parts.append(f"**{s.label}** · {md_escape(s.date) if s.date else 'date not reported'} · ")
    parts.append(md_escape(s.text))
    if s.attribution:
        parts.append(f", {md_escape(s.attribution)}")
    if s.quote:
        parts.append(f": “{md_escape(s.quote)}”")
    parts.append(" " + "".join(f"[{n}]" for n in s.refs))
    return "".join(parts)


def _md_reference(ref: Reference) -> str:
    return md_escape(reference_text(ref)) + (f" <{ref.url}>" if ref.url else "") + (
        "".join(f"; also {md_escape(o or '')}{' <' + u + '>' if u else ''}" for o, u in ref.also))


def _html_statement(s: Statement) -> Markup:
    if s.note:
        return escape(s.text)
    out = Markup("")
    if s.label:
        out += Markup('<span class="modality {0}">{0}</span>').format(s.label)
        out += Markup('<span class="date">{}</span>').format(s.date or "date not reported")
    out += escape(s.text)
    if s.attribution:
        out += Markup(', <span class="attribution">{}</span>').format(s.attribution)
    refs = Markup("").join(Markup('<a href="#ref-{0}">[{0}]</a>').format(n) for n in s.refs)
    if s.quote:
        out += Markup(" <span class=\"refs\">{}</span><blockquote>“{}”</blockquote>").format(refs, s.quote)
    else:
        out += Markup(" <span class=\"refs\">{}</span>").format(refs)
    return out


def _html_reference(ref: Reference) -> Markup:
    out = escape(reference_text(ref))
    if ref.url:
        out += Markup(' <a href="{0}" rel="noreferrer">{0}</a>').format(ref.url)
    for outlet, url in ref.also:
        out += Markup("; also {}").format(outlet or "")
        if url:
            out += Markup(' <a href="{0}" rel="noreferrer">{0}</a>').format(url)
    return out


def reference_text(ref: Reference) -> str:
    """'CNA, 2024-06-14, “Title”' -- the parts that are known, in that order; the file it was
    read from when the article has no outlet and no URL (a local text file)."""
    parts = [ref.outlet or None, ref.date or "undated", f"“{ref.title}”" if ref.title else None]
    text = ", ".join(p for p in parts if p)
    if not ref.outlet and not ref.url and ref.source_path:
        text += f", file {ref.source_path}"
    return text


@lru_cache(maxsize=2)
def _environment(fmt: str) -> Environment:
    env = Environment(loader=PackageLoader("detente.brief", "templates"),
                      autoescape=(fmt == "html"), undefined=StrictUndefined,
                      keep_trailing_newline=True, trim_blocks=(fmt == "md"))
    env.globals["statement"] = _html_statement if fmt == "html" else _md_statement
    env.globals["reference"] = _html_reference if fmt == "html" else _md_reference
    return env


def render(brief: Brief, fmt: str = "md") -> str:
    if fmt not in FORMATS:
        raise ValueError(f"unknown brief format {fmt!r} (choose md or html)")
    text = _environment(fmt).get_template(f"brief.{fmt}.j2").render(brief=brief)
    if fmt == "md":
        text = re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"
    return text
