"""On whose word an event is reported: the speaker, and the sources the article cites.

``attribution_of(sent, trigger)`` returns ``(asserted_by, cited_sources)``:

* ``asserted_by`` is the nearest asserter above the trigger in the parse: "according to
  *KCNA*", the subject of a speech verb whose complement holds the trigger ("*Russia's foreign
  ministry* said on Monday that drones attacked", "Pyongyang fired missiles, *South Korea's
  military* said", "*Lavrov* told reporters that ..."), the accuser in "*X* accused Y of ...",
  the denier in "*Moscow* denied that ...".  It is the phrase as written (determiners
  dropped), pronouns included ("he"), for the coder to resolve against its actor mentions.
  The trigger's own speech verb has no asserter: the saying is reported by the article.
* ``cited_sources`` are the article's source citations that cover the sentence: a trailing
  parenthetical run ("... tensions (Wikipedia) (CNA)."), a dash credit ("... - AP"), a
  dateline ("MOSCOW (Reuters) -", which covers the whole article), and the citations that
  close the sentence's paragraph (:func:`document_citations`).

A parenthesis is a citation only at the end of a sentence or paragraph or in a dateline,
never mid-sentence, and never when it spells the initials of the words before it ("the
Korean Central News Agency (KCNA)" defines an acronym) or starts in lower case ("(pictured)").
"""
from __future__ import annotations

import re
from typing import Iterable

from spacy.tokens import Doc, Span, Token

from .modality import asserts, governors

_TRAILING_RUN = re.compile(r"((?:\s*\([^()\n]{1,80}\))+)\s*[.!?]?[\"”’']?\s*$")
_PAREN = re.compile(r"\(([^()\n]{1,80})\)")
_DASH_CREDIT = re.compile(r"(?:^|\s)[-–—]{1,2}\s*([A-Z][\w&.]*(?:\s+[A-Z][\w&.]*){0,2})\s*\.?\s*$")
_SOURCE_LINE = re.compile(r"^\s*(?:sources?|via|credit)\s*:\s*(.+?)\s*\.?\s*$", re.I)
# "MOSCOW (Reuters) -", "Washington (CNN) President ...", "(CNN) Russia's ...": the agency
# of a dateline covers the whole article.  Without a dash, only an agency-like name counts.
_DATELINE = re.compile(r"^\s*[A-Z][A-Za-z .,'’-]{1,60}?\s*\(([^()\n]{2,40})\)\s*[-–—:]")
_BARE_DATELINE = re.compile(r"^\s*(?:[A-Z][\w.'’-]*(?:,?\s+[A-Z][\w.'’-]*){0,3}\s*)?"
                            r"\(([^()\n]{2,40})\)\s")
# Wire services and outlets commonly credited with a bare dash ("- AP"); an all-capital
# acronym is accepted too.
_AGENCIES = {
    "reuters", "ap", "afp", "xinhua", "yonhap", "kcna", "tass", "ria novosti", "interfax",
    "kyodo", "cna", "bbc", "cnn", "bloomberg", "dpa", "efe", "ansa", "anadolu", "irna",
    "wafa", "pti", "ani", "upi", "al jazeera", "nhk", "jiji", "bernama", "antara", "sputnik",
    "ukrinform", "unian", "wikipedia", "associated press", "agence france-presse",
}
_NOT_SOURCES = re.compile(
    r"^(?:photo|file|image|pictured|video|left|right|center|centre|top|bottom|see|cf|ibid|"
    r"e\.g|i\.e|via|source|update|updated|corrected|r|d|i)\b", re.I)
_PARTY_LABEL = re.compile(r"^[RDI]-[A-Z]")
_PHRASE_BREAKS = {"(", ")", "[", "]", "—", "–", "--", ":", '"', "“", "”", ";"}
_SPEAKER_DEPS = {"compound", "amod", "det", "poss", "case", "nummod", "flat", "nmod",
                 "quantmod", "advmod"}


# --- citations -----------------------------------------------------------------------------

def _initials(words: list[str]) -> str:
    return "".join(w[0] for w in words if w[:1].isupper())


def _defines_acronym(piece: str, before: str) -> bool:
    """"the Korean Central News Agency (KCNA)": the parenthesis names what precedes it."""
    letters = re.sub(r"[^A-Za-z]", "", piece)
    if not (2 <= len(letters) <= 10 and letters.isupper()):
        return False
    words = [w for w in re.findall(r"[A-Za-z][\w'’-]*", before)[-12:]
             if w.lower() not in ("of", "the", "and", "for", "on", "in", "de", "la", "'s")]
    initials = _initials(words)
    return any(initials.endswith(letters[:k]) and len(letters) - k <= 1
               for k in range(len(letters), len(letters) - 2, -1)) or letters in initials


def _source_names(content: str, before: str = "") -> list[str]:
    names = []
    for piece in re.split(r"\s*[,;/|]\s*|\s+and\s+", content.strip()):
        piece = piece.strip(" .")
        if not piece or len(piece) > 40 or len(piece.split()) > 5:
            continue
        if not piece[0].isupper() or _NOT_SOURCES.match(piece) or _PARTY_LABEL.match(piece):
            continue
        if re.fullmatch(r"[\d\W]+", piece) or re.search(r"\d{3,}", piece):
            continue  # "(2019)", "(50 km)", "(+82)"
        if _defines_acronym(piece, before):
            continue
        names.append(piece)
    return names


def _agency_like(name: str) -> bool:
    name = name.strip()
    return name.lower() in _AGENCIES or bool(re.fullmatch(r"[A-Z]{2,6}", name))


def _trailing_citations(text: str) -> list[str]:
    """Citations that end a piece of text: "(Wikipedia) (CNA)." or "- AP"."""
    stripped = text.rstrip()
    found: list[str] = []
    m = _TRAILING_RUN.search(stripped)
    if m:
        before = stripped[:m.start()]
        if before.strip():
            for p in _PAREN.finditer(m.group(1)):
                found.extend(_source_names(p.group(1), before))
        else:  # a line that is nothing but a citation: "(CNA)"
            for p in _PAREN.finditer(m.group(1)):
                found.extend(_source_names(p.group(1)))
        return found
    m = _DASH_CREDIT.search(stripped)
    if m:
        name = m.group(1).rstrip(".")
        if _agency_like(name):
            found.append(name)
        return found
    m = _SOURCE_LINE.match(stripped) if "\n" not in stripped else None
    if m:
        found.extend(_source_names(m.group(1)))
    return found


def _is_citation_only(text: str) -> bool:
    body = text.strip()
    if not body:
        return False
    if _SOURCE_LINE.match(body):
        return True
    rest = _PAREN.sub("", body).strip(" .-–—")
    if not rest:
        return True
    return bool(re.fullmatch(r"[-–—]{1,2}\s*\S.{0,30}", body)) and bool(_trailing_citations(body))


def _paragraphs(text: str) -> list[tuple[int, int]]:
    """Paragraph character ranges: blank-line separated, or line separated when the text has
    no blank lines (feeds and some scrapes put one paragraph per line)."""
    sep = re.compile(r"\n[ \t\r\f\v]*\n\s*") if re.search(r"\n[ \t\r\f\v]*\n", text) else re.compile(r"\n\s*")
    ranges, start = [], 0
    for m in sep.finditer(text):
        if text[start:m.start()].strip():
            ranges.append((start, m.start()))
        start = m.end()
    if text[start:].strip():
        ranges.append((start, len(text)))
    return ranges


def _dedup(names: Iterable[str]) -> list[str]:
    seen, out = set(), []
    for name in names:
        if name.lower() not in seen:
            seen.add(name.lower())
            out.append(name)
    return out


def document_citations(doc: Doc) -> dict[int, list[str]]:
    """Sentence index (position in ``doc.sents``) -> sources cited for it: at the end of the
    sentence, at the end of its paragraph (of each paragraph, when the segmenter ran a
    sentence across a break), or in the article's dateline.  A citation alone on its own line
    ("(CNA)", "Source: Reuters") closes the paragraph above it.  Sentences citing nothing are
    absent.  Cached on the Doc; a Doc without sentence boundaries gives {}."""
    cached = doc.user_data.get("detente.citations")
    if cached is not None:
        return cached
    if not doc.has_annotation("SENT_START"):
        return {}
    text = doc.text
    paragraphs = _paragraphs(text)
    closing: list[list[str]] = []
    for start, end in paragraphs:
        body = text[start:end]
        cites = _trailing_citations(body)
        if cites and _is_citation_only(body) and closing:
            closing[-1] = _dedup(closing[-1] + cites)  # "(CNA)" on a line of its own
            cites = []
        closing.append(cites)
    dateline: list[str] = []
    for start, end in paragraphs[:3]:
        m = _DATELINE.match(text[start:end])
        if m is None:
            m = _BARE_DATELINE.match(text[start:end])
            m = m if m and _agency_like(m.group(1)) else None
        if m:
            dateline = _source_names(m.group(1))
            break
    result: dict[int, list[str]] = {}
    para_index = 0
    for i, sent in enumerate(doc.sents):
        first, last = sent.start_char, sent.end_char - 1
        while first < last and text[first].isspace():
            first += 1
        while last > first and text[last].isspace():
            last -= 1
        # A sentence the segmenter ran across a paragraph break takes the citations of every
        # paragraph it covers.
        while para_index < len(paragraphs) - 1 and paragraphs[para_index][1] <= first:
            para_index += 1
        names = _trailing_citations(sent.text) if sent.text.strip() else []
        j = para_index
        while j < len(paragraphs) and paragraphs[j][0] <= last:
            names += closing[j]
            j += 1
        names = _dedup(names + dateline)
        if names:
            result[i] = names
    doc.user_data["detente.citations"] = result
    return result


def _sentence_index(sent: Span) -> int | None:
    doc = sent.doc
    index = doc.user_data.get("detente.sentence_index")
    if index is None:
        index = {s.start: i for i, s in enumerate(doc.sents)}
        doc.user_data["detente.sentence_index"] = index
    return index.get(sent.start)


def cited_sources(sent: Span) -> list[str]:
    """Sources cited for one sentence (see :func:`document_citations`)."""
    if not sent.doc.has_annotation("SENT_START"):
        return _trailing_citations(sent.text)
    i = _sentence_index(sent)
    if i is None:  # a span that is not one of the Doc's sentences
        return _trailing_citations(sent.text)
    return list(document_citations(sent.doc).get(i, []))


# --- the asserter --------------------------------------------------------------------------

def _collect(tok: Token, out: list[Token], depth: int = 0) -> None:
    out.append(tok)
    if depth > 4:
        return
    for child in tok.children:
        if child.i < tok.i and child.dep_ in _SPEAKER_DEPS:
            _collect(child, out, depth + 1)
        elif child.i > tok.i and (child.dep_ in ("flat", "compound") or (
                child.dep_ == "prep" and child.lower_ in ("of", "for", "at", "from"))):
            out.append(child)
            for obj in child.children:
                if obj.dep_ == "pobj":
                    _collect(obj, out, depth + 1)


def speaker_phrase(tok: Token) -> str:
    """The name phrase headed by ``tok`` without relative clauses or appositions:
    "Foreign Minister Sergei Lavrov", "Russia's foreign ministry", "a spokesman for the UN"."""
    toks: list[Token] = []
    _collect(tok, toks)
    start, end = min(t.i for t in toks), max(t.i for t in toks) + 1
    doc = tok.doc
    # Never across a line break: a dateline above ("Tuesday, February 5, 2019\n\nState
    # media said") is not part of the name.
    # Nor across a bracket, dash or colon: "Washington (CNN) President Barack Obama said".
    for i in range(tok.i - 1, start - 1, -1):
        if "\n" in doc[i].text or "\n" in doc[i].whitespace_ or doc[i].text in _PHRASE_BREAKS:
            start = i + 1
            break
    while start < end - 1 and (doc[start].is_punct or doc[start].is_space or doc[start].like_num
                               or doc[start].lower_ in ("the", "a", "an")):
        start += 1
    return doc[start:end].text.strip()


def _according_to(tok: Token) -> str | None:
    for child in tok.children:
        if child.dep_ == "prep" and child.lower_ == "according":
            for to in child.children:
                if to.lower_ == "to":
                    for obj in to.children:
                        if obj.dep_ == "pobj":
                            return speaker_phrase(obj)
    return None


def _subject_of(tok: Token) -> str | None:
    # The subject nearest the verb: a dateline ("MOSCOW (Reuters) - the ministry said") can
    # parse as a second subject.
    subjects = [c for c in tok.children if c.dep_ in ("nsubj", "csubj")]
    if subjects:
        return speaker_phrase(min(subjects, key=lambda c: abs(c.i - tok.i)))
    for child in tok.children:  # passive: "it was announced by the ministry"
        if child.dep_ == "agent":
            for obj in child.children:
                if obj.dep_ == "pobj":
                    return speaker_phrase(obj)
    for child in tok.children:  # "the ministry's statement that ..."
        if child.dep_ == "poss":
            return speaker_phrase(child)
    return None


def asserted_by(sent: Span, trigger: Token) -> str | None:
    """The nearest asserter above the trigger ("according to X", "X said ...")."""
    found = _according_to(trigger)
    if found:
        return found
    for gov in governors(trigger):
        tok = gov.token
        if asserts(gov):
            speaker = _subject_of(tok)
            if speaker:
                return speaker
        found = _according_to(tok)
        if found:
            return found
    return None


def attribution_of(sent: Span, trigger: Token) -> tuple[str | None, list[str]]:
    """(asserted_by, cited_sources) for the event whose trigger is ``trigger``."""
    return asserted_by(sent, trigger), cited_sources(sent)
