"""Plain-text boilerplate removal.

Scraped and exported article bodies carry page furniture: a navigation bar flattened into one
run-together line ("HomeWorldPolitics"), share and newsletter prompts, advertisement markers,
copyright and DMCA footers, "back to top" links, cookie notices.  Three general rules remove
them while keeping every sentence and every in-article heading:

1. clutter lines anywhere: a line that *is* a known kind of page furniture (generic patterns,
   never any one site's strings), judged only on short lines so a real paragraph that happens to
   mention a newsletter is never dropped;
2. the edges: at the top, short non-sentence lines that look like navigation (run-together
   words, menu separators, all-caps kickers, one- or two-word labels) are dropped until the
   headline or the first sentence; at the bottom, short lines without sentence punctuation
   (trailing labels, "Related" blocks, sign-offs) are dropped until the last sentence;
3. across articles (:func:`remove_repeated_lines`): a short line repeated in many different
   articles of one outlet within a batch is that outlet's template, not news.
"""
from __future__ import annotations

import re
from collections import defaultdict
from functools import lru_cache
from typing import Iterable, Optional, Sequence

# Sentence-final punctuation, optionally followed by closing quotes or brackets.
_SENTENCE_END = re.compile(r"[.!?\u2026][\"'\u201d\u2019\u00bb)\]]*$")
_WORD = re.compile(r"[^\W\d_]+(?:['\u2019][^\W\d_]+)*")
_ALNUM = re.compile(r"[^\W_]")
# "DiplomatDiplomaticWorld": a lower-case run followed directly by a capital, as left by
# menus whose items were concatenated without spaces.
_RUN_TOGETHER = re.compile(r"[a-z]{3}[A-Z]")
_MENU_SEPARATORS = re.compile(r"\s*(?:\||\u00bb|\u203a|\u2022|\u00b7|\s>\s|\s/\s)\s*")

_UI_LABELS = frozenset("""
ad ads advertisement advertisements sponsored promoted close menu search home loading play pause
next previous more comments comment listen watch audio video videos photo photos image images
gallery slideshow expand collapse print share email tweet updated live opinion analysis
highlights tags topics trending related recommended
""".split()) | frozenset({
    "story highlights", "show caption", "hide caption", "toggle caption", "enlarge this image",
    "view comments", "read more", "read next", "more on this", "related articles",
    "related stories", "related content", "related coverage", "most popular", "most read",
    "you may also like", "see also", "also read", "top stories", "latest news",
    "breaking news", "editor's picks", "editors picks", "filed under", "previous next",
    "skip to content", "skip to main content", "skip navigation", "sign in", "log in",
    "story continues below", "story continued below", "continue reading",
    "continue reading the main story", "advertisement continue reading the main story",
    "story continues below advertisement", "scroll to continue with content",
})

# Whole-line patterns, each with the longest line (in words) it may remove.
_CLUTTER: list[tuple[re.Pattern, int]] = [(re.compile(p, re.I), n) for p, n in [
    # advertising markers
    (r"^(advertisements?|ads?|sponsored( content| links?| stories)?|promoted( content| stories)?|"
     r"paid (content|post|partner content))\W*$", 4),
    (r"^(story|article) continues?\b.*\b(below|after)\b.*$", 8),
    # copyright, rights and takedown footers
    (r"^(copyright|\u00a9|\(c\))\s*(\u00a9\s*|\(c\)\s*)?(\d{4}|[A-Z]).*$", 30),
    (r"\ball rights reserved\b", 40),
    (r"\bdmca\b", 12),
    (r"\b(reprint permission|reproduction (in whole or in part )?(is )?prohibited|may not be "
     r"(re)?published, broadcast, rewritten( or redistributed)?)\b", 40),
    # navigation links
    (r"^(back|return|go|scroll|jump|skip) (back )?to (the )?(top|main content|content|navigation|"
     r"start)( of (the |this )?(page|post|article))?( button| link)?\W*$", 10),
    (r"^take me back to the top\b.*$", 12),
    # "Read more: ...", "Related: ...", "WATCH: ..." teaser links
    (r"^(read more|related( coverage| articles?| stories| content)?|see also|also read|more on this|"
     r"read next|recommended( reading)?|watch|listen|more|don't miss|tags?|topics?|filed under|"
     r"click for more( from)?|more from [\w .'-]{1,40})\s*(:|\||\u2013|\u2014|\.\.\.|\u2026)",
     25),
    (r"^click (here|for more)\b", 30),
    # photo and media furniture
    (r"^(image|photo|picture|media|video)\s+(copyright|caption|credit|source)\b", 25),
    (r"^media playback is (unsupported|not supported)\b", 20),
    (r"^(enlarge|toggle|hide|show) (this )?(image|caption)\b.{0,40}$", 12),
    (r"^(next|previous)?\s*image \d+ of \d+\b", 6),
    (r"^slideshow\s*\(?\d*", 6),
    # relative timestamps that describe the fetch, not the story
    (r"^\d+\s+(seconds?|minutes?|mins?|hours?|hrs?|days?|weeks?|months?|years?)\s+ago\W*$", 5),
    (r"^this (article|story) is more than \d+ \w+ old\W*$", 10),
    # CMS shortcodes left in exported text: "[pullquote]"
    (r"^\[/?[a-z_-]+\]$", 1),
]]



@lru_cache(maxsize=None)
def _clutter_pattern(n_words: int) -> re.Pattern:
    """One alternation of the whole-line patterns that apply to a line of ``n_words`` words
    (one regex call per line instead of one per pattern)."""
    alternatives = [f"(?:{p.pattern})" for p, n in _CLUTTER if n_words <= n]
    return re.compile("|".join(alternatives) if alternatives else r"(?!)", re.I)


# Every line of more than six words that a rule below can remove either starts with one of
# these words or contains one of the second set; other lines are prose, and a set lookup spares
# them the full pattern set (most lines of most articles).
_START_CUES = frozenset("""read related see also more watch listen recommended don't tags tag
topics topic filed click image photo picture media video enlarge toggle hide show next previous
slideshow this story article sign subscribe follow like join download get tap register already
you've back return go scroll jump skip take copyright (c)""".split())
_ANY_CUES = frozenset("""copyright reserved dmca reprint reproduction broadcast sign signing
signed subscribe subscribed subscribes subscription subscriber subscribers newsletter newsletters
inbox privacy terms robot store play notification notifications account login log signin cookie
cookies email""".split())


_FIRST_WORD = re.compile(r"[\W_]*([\w']+)")


def _has_cue(line: str) -> bool:
    low = line.lower()
    if "\u00a9" in low or low.startswith("["):
        return True
    first = _FIRST_WORD.match(low)
    if first and first.group(1) in _START_CUES or low.startswith("(c)"):
        return True
    return not _ANY_CUES.isdisjoint(_WORD.findall(low))


# Newsletter/app/social prompts: one cue at the start of the line, or two anywhere.
_PROMPT_START = re.compile(
    r"^(sign up|subscribe|follow (us|@)|like us on|join us (on|at)|download (the|our)|"
    r"get (the|our) [\w' ]{0,30}(app|newsletter)|tap here|register (now|for free|today)|"
    r"already a subscriber|you've been (signed up|subscribed))", re.I)
_PROMPT_CUES = re.compile(
    r"\b(sign(?:ing|ed)? up|subscribe[sd]?|subscription|newsletters?|inbox|privacy policy|"
    r"terms of (?:use|service)|unsubscribe|email address|not a robot|app store|google play|"
    r"push notifications?|create (?:an|your) account|log ?in|sign ?in)\b", re.I)
_COOKIE = re.compile(r"\bcookies?\b", re.I)
_COOKIE_CUES = re.compile(
    r"\b(we use|uses|using|accept|consent|policy|settings|preferences|browser|website|this site|"
    r"experience|personalis|personaliz|third[- ]party)", re.I)

_SHARE_CORE = frozenset("""share shares tweet facebook twitter email e-mail whatsapp linkedin
reddit pinterest print telegram messenger flipboard sms copy""".split())
_SHARE_VOCAB = _SHARE_CORE | frozenset("""this article story page link post on via the to
save comment comments x""".split())
# Prompts (newsletter, cookie) are judged on lines up to this many words; longer lines are prose.
_LONGEST_CLUTTER = 45


def _words(line: str) -> list[str]:
    return line.split()


def is_sentence(line: str) -> bool:
    """Ends like a sentence (or is a parenthesised credit such as "(Reporting by ...)")."""
    s = line.strip()
    return bool(_SENTENCE_END.search(s)) or (s.startswith("(") and s.endswith(")"))


def is_clutter(line: str) -> bool:
    """True when the line is page furniture wherever it stands."""
    s = line.strip()
    if not s:
        return False
    if not _ALNUM.search(s):
        return True  # separators: "___", "* * *", "|"
    n_words = s.count(" ") + 1  # lines arrive whitespace-normalised
    if n_words > _LONGEST_CLUTTER:
        return False  # a long paragraph is prose, whatever words it contains
    if n_words > 6 and not _has_cue(s):
        return False  # one cheap test clears most prose lines
    if n_words <= 6:
        label = " ".join(re.sub(r"[^\w' ]+", " ", s.lower()).split())
        if label in _UI_LABELS:
            return True
    if _clutter_pattern(n_words).search(s):
        return True
    if _PROMPT_START.search(s):
        return True
    if _PROMPT_CUES.search(s) and len(
            {m.group(0).lower() for m in _PROMPT_CUES.finditer(s)}) >= 2:
        return True
    if _COOKIE.search(s) and _COOKIE_CUES.search(s):
        return True
    if n_words <= 12:
        tokens = [t.lower() for t in _WORD.findall(s)]
        if tokens and all(t in _SHARE_VOCAB for t in tokens) and any(
                t in _SHARE_CORE for t in tokens):
            return True
    return False


def looks_like_navigation(line: str) -> bool:
    """A short non-sentence line shaped like a menu, breadcrumb, section kicker or label."""
    s = line.strip()
    if is_sentence(s):
        return False
    words = _words(s)
    if len(words) > 14:
        return False
    if len(_RUN_TOGETHER.findall(s)) >= 2:
        return True
    parts = [p for p in _MENU_SEPARATORS.split(s) if p]
    if len(parts) >= 3 and all(len(p.split()) <= 4 for p in parts):
        return True
    letters = [w for w in _WORD.findall(s)]
    if letters and len(words) <= 4 and all(w.isupper() for w in letters if len(w) > 1):
        return True  # "WORLD NEWS", "ANALYSIS/OPINION:"
    if len(words) <= 2 and not any(ch.isdigit() for ch in s):
        return True  # "Diplomacy", "Doug Stanglin"
    return False


def looks_like_headline(line: str) -> bool:
    """A plausible title: a few words to a long sentence's worth, no final full stop, not a
    navigation line."""
    s = line.strip().lstrip("#").strip()
    words = _words(s)
    if not 3 <= len(words) <= 30 or len(s) > 250:
        return False
    if s.endswith(".") and not s.endswith("..."):
        return False
    if looks_like_navigation(s) or is_clutter(s):
        return False
    return any(ch.isupper() for ch in s[:1]) or s[:1].isdigit() or s[:1] in "\"'\u201c\u2018"


_ZERO_WIDTH = re.compile("[\u200b\u200c\u200d\u2060\ufeff]")


def _normalize_line(line: str) -> str:
    # str.split() splits on every Unicode space (NBSP, thin and ideographic spaces included).
    return " ".join(line.split())


def _line_key(line: str) -> str:
    return " ".join(line.lower().split())


def clean_text(text: str, title: Optional[str] = None) -> str:
    """The body without page furniture; paragraphs separated by a blank line where the input
    had one.  ``title``, when given, is dropped from the top of the body if repeated there."""
    if not text:
        return ""
    if _ZERO_WIDTH.search(text):
        text = _ZERO_WIDTH.sub("", text)
    lines = [_normalize_line(l) for l in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    kept: list[str] = []
    seen_paragraphs: set[str] = set()
    for line in lines:
        if not line:
            kept.append("")
            continue
        if is_clutter(line):
            continue
        # A paragraph repeated verbatim in one article is a scraping artefact (captions,
        # pull quotes rendered twice); keep the first copy.
        if len(line.split()) >= 8:
            key = _line_key(line)
            if key in seen_paragraphs:
                continue
            seen_paragraphs.add(key)
        kept.append(line)

    content = [i for i, l in enumerate(kept) if l]
    # Top edge: navigation until the headline or the first sentence.
    start = 0
    for i in content:
        if looks_like_navigation(kept[i]):
            start = i + 1
            continue
        break
    if title:
        tkey = _line_key(title.lstrip("#"))
        rest = [i for i in content if i >= start]
        if rest and _line_key(kept[rest[0]].lstrip("#").strip()) == tkey:
            start = rest[0] + 1
    # Bottom edge: trailing labels and non-sentences until the last sentence.
    end = len(kept)
    for i in reversed(content):
        if i < start:
            break
        line = kept[i]
        if not is_sentence(line) and len(line.split()) <= 12:
            end = i
            continue
        break
    body = kept[start:end]
    out: list[str] = []
    for line in body:
        if not line and (not out or not out[-1]):
            continue
        out.append(line)
    return "\n".join(out).strip()


def remove_repeated_lines(texts: Sequence[str], groups: Sequence[Optional[str]], *,
                          min_docs: int = 3, max_words: int = 25,
                          similar: float = 0.5) -> list[str]:
    """Drop lines that recur in ``min_docs`` or more *different* articles of one group
    (outlet) -- the outlet's template.  Articles that share most of their lines (updates of one
    story, syndicated copies) count once, so their common sentences are not mistaken for
    template.  Lines longer than ``max_words`` are never removed: templates are short, shared
    background paragraphs are not.  Returns the new texts, same order; documents without a
    group are returned unchanged."""
    by_group: dict[str, list[int]] = defaultdict(list)
    for i, g in enumerate(groups):
        if g:
            by_group[g].append(i)
    result = list(texts)
    for members in by_group.values():
        if len(members) < min_docs:
            continue
        keysets = {i: {_line_key(l) for l in texts[i].split("\n") if l.strip()} for i in members}
        cluster = _cluster_similar(members, keysets, similar)
        support: dict[str, set[int]] = defaultdict(set)
        for i in members:
            for key in keysets[i]:
                if len(key.split()) <= max_words:
                    support[key].add(cluster[i])
        template = {k for k, c in support.items() if len(c) >= min_docs}
        if not template:
            continue
        for i in members:
            if keysets[i] & template:
                lines = [l for l in texts[i].split("\n") if _line_key(l) not in template
                         or not l.strip()]
                result[i] = clean_text("\n".join(lines))
    return result


def _cluster_similar(members: Iterable[int], keysets: dict[int, set[str]],
                     similar: float) -> dict[int, int]:
    """Union-find over documents whose line sets overlap by Jaccard >= ``similar``."""
    parent = {i: i for i in members}

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    # Index documents by their sentence-length lines so only plausible pairs are compared.
    by_line: dict[str, list[int]] = defaultdict(list)
    for i, keys in keysets.items():
        for k in keys:
            if len(k) >= 30:
                by_line[k].append(i)
    checked: set[tuple[int, int]] = set()
    for docs in by_line.values():
        if len(docs) < 2 or len(docs) > 50:
            continue
        for a_pos, a in enumerate(docs):
            for b in docs[a_pos + 1:]:
                if (a, b) in checked:
                    continue
                checked.add((a, b))
                ka, kb = keysets[a], keysets[b]
                if len(ka & kb) / max(1, len(ka | kb)) >= similar:
                    parent[find(a)] = find(b)
    return {i: find(i) for i in parent}

