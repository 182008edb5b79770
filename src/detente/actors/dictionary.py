"""Actor dictionaries: the TSV files under ``data/`` (and any user folders) as typed entries.

Four kinds of file, each extendable by a user folder (``DETENTE_DATA`` or ``extra_dirs``) holding
files whose names start with the same word (``countries*.tsv``, ``actors*.tsv``, ``roles*.tsv``,
``people*.tsv``); the format of each is in docs/actors.md.  Loading is pure Python and cheap
(no spaCy), so :func:`detente.actors.lookup_country` never pays for a pipeline.
"""
from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Iterable, Iterator

log = logging.getLogger(__name__)

DATA_DIR = Path(__file__).with_name("data")
FILE_KINDS = ("countries", "actors", "roles", "people")

# Domestic role codes of CAMEO (manual table 3.1) that a role word may carry.
ROLE_CODES = frozenset(
    "COP GOV INS JUD MIL OPP REB SEP SPY UAF AGR BUS CRM CVL DEV EDU ELI ENV HLH HRI LAB LEG MED "
    "REF MOD RAD".split())
NAMED_KINDS = frozenset({"institution", "igo", "group", "region", "block"})
PERSON_GENDERS = frozenset({"M", "F", ""})


class DictionaryError(ValueError):
    """A malformed dictionary row; the message is one line naming file, line and field."""


def fold(text: str) -> str:
    """ASCII-fold accents ("Erdoğan" -> "Erdogan") so authored and typed forms meet."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


_APOS = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "\u2010": "-", "\u2011": "-"})


def normalize_key(text: str) -> str:
    """Lookup key for free-text names: folded, lower-cased, apostrophes unified, leading "the"
    dropped, whitespace collapsed."""
    text = fold(text.translate(_APOS)).lower().strip()
    text = re.sub(r"\s+", " ", text)
    return re.sub(r"^the ", "", text)


def parse_date(value: str, where: str) -> date | None:
    value = value.strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        try:  # a bare year or year-month: take the first day, which is the conservative bound
            parts = [int(p) for p in value.split("-")]
            return date(parts[0], parts[1] if len(parts) > 1 else 1, 1)
        except (ValueError, IndexError):
            raise DictionaryError(f"{where}: not an ISO date: {value!r}") from None


def split_list(value: str) -> list[str]:
    return [v.strip() for v in value.split("|") if v.strip()]


@dataclass(frozen=True)
class Form:
    """One surface form.  ``ambiguous`` ("~" in the file) means it doubles as an everyday word
    or a person's name and needs confirmation from the NER or a title."""

    text: str
    ambiguous: bool = False

    @classmethod
    def parse(cls, raw: str) -> "Form":
        return cls(raw[1:].strip(), True) if raw.startswith("~") else cls(raw, False)


@dataclass(eq=False)  # identity semantics: entries are shared by many readings
class Country:
    code: str
    name: str
    names: list[Form] = field(default_factory=list)  # name + aliases
    adjectives: list[Form] = field(default_factory=list)
    capitals: list[Form] = field(default_factory=list)
    cities: list[Form] = field(default_factory=list)


@dataclass(eq=False)  # identity semantics: entries are shared by many readings
class NamedActor:
    """A named body: institution ("the Kremlin"), IGO, group, region, or a block phrase
    (kind "block": matched only so that a longer non-actor phrase wins over a name inside it,
    e.g. "South China Sea" is not China)."""

    code: str  # one code, or several joined by "+" ("PRK+KOR" for "the two Koreas")
    kind: str
    name: str
    forms: list[Form]
    start: date | None = None
    end: date | None = None

    @property
    def codes(self) -> list[str]:
        return [c for c in self.code.split("+") if c] if self.kind != "block" else []


@dataclass(eq=False)  # identity semantics: entries are shared by many readings
class RoleWord:
    """A role noun or title: "troops" -> MIL, "foreign minister" -> GOV.  ``kind`` is "title"
    for an office held by one person (it can be the antecedent of "he"/"she") and "role" for
    groups and bodies.  ``fallback`` is the code used when no country can be attached
    ("human rights group" -> NGO, "secretary-general" -> IGOUNO); without one the country
    comes from the document (see resolve_document); "-" means the word is an actor only with a
    country of its own ("Israeli tanks", but not "tanks")."""

    phrase: str
    role: str
    kind: str
    fallback: str | None = None


@dataclass
class Term:
    code: str  # composite CAMEO code while in this office: RUSGOV, IGOUNO, IGOWSTNAT
    office: str
    start: date | None
    end: date | None  # None: still in office

    def covers(self, day: date) -> bool:
        return (self.start is None or self.start <= day) and (self.end is None or day < self.end)


@dataclass(eq=False)  # identity semantics: entries are shared by many readings
class Person:
    name: str
    nationality: str
    terms: list[Term] = field(default_factory=list)
    short: list[Form] = field(default_factory=list)  # surname-only forms, resolved by date
    aliases: list[Form] = field(default_factory=list)  # full-name variants, resolved always
    gender: str = ""

    def term_at(self, day: date) -> Term | None:
        # a dated office outranks an open-ended default ("businessman", no dates)
        for term in sorted(self.terms, key=lambda t: t.start is None and t.end is None):
            if term.covers(day):
                return term
        return None

    def latest_term(self) -> Term | None:
        return max(self.terms, key=lambda t: (t.end or date.max, t.start or date.min), default=None)

    def code_at(self, day: date | None) -> tuple[str, str | None]:
        """(code, office) on ``day``: the code of the office held then, else the nationality
        with role ELI (CAMEO's "elites": former officials and other notables).  Without a
        date, the latest office."""
        term = self.term_at(day) if day else self.latest_term()
        if term:
            return term.code, term.office
        return f"{self.nationality}ELI", None


# --- reading ---------------------------------------------------------------------------------

def _rows(path: Path, ncols: int) -> Iterator[tuple[str, list[str]]]:
    with path.open(encoding="utf-8-sig") as fh:
        for lineno, line in enumerate(fh, 1):
            line = line.rstrip("\r\n")
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            cells = line.split("\t")
            where = f"{path}:{lineno}"
            if len(cells) > ncols:
                raise DictionaryError(f"{where}: {len(cells)} tab-separated fields, expected at most {ncols}")
            yield where, cells + [""] * (ncols - len(cells))


def _code(value: str, where: str, fieldname: str) -> str:
    value = value.strip()
    if not re.fullmatch(r"[A-Z-]{3}[A-Z]*(\+[A-Z-]{3}[A-Z]*)*", value):
        raise DictionaryError(f"{where}: field {fieldname!r}: not a CAMEO code: {value!r}")
    return value


def _forms(value: str) -> list[Form]:
    return [Form.parse(v) for v in split_list(value)]


def read_countries(path: Path) -> Iterator[Country]:
    for where, c in _rows(path, 6):
        code = _code(c[0], where, "code")
        if len(code) != 3:
            raise DictionaryError(f"{where}: field 'code': a country code has three letters: {code!r}")
        name = Form.parse(c[1].strip())
        if not name.text:
            raise DictionaryError(f"{where}: field 'name' is empty")
        yield Country(code, name.text, [name] + _forms(c[2]), _forms(c[3]), _forms(c[4]), _forms(c[5]))


def read_actors(path: Path) -> Iterator[NamedActor]:
    for where, c in _rows(path, 6):
        kind = c[1].strip()
        if kind not in NAMED_KINDS:
            raise DictionaryError(f"{where}: field 'kind': {kind!r} is not one of {sorted(NAMED_KINDS)}")
        code = "-" if kind == "block" else _code(c[0], where, "code")
        forms = _forms(c[2]) + _forms(c[3])
        if not forms:
            raise DictionaryError(f"{where}: field 'name' is empty")
        yield NamedActor(code, kind, forms[0].text, forms, parse_date(c[4], where), parse_date(c[5], where))


def read_roles(path: Path) -> Iterator[RoleWord]:
    for where, c in _rows(path, 4):
        phrase, role, kind, fallback = (x.strip() for x in c)
        if not phrase:
            raise DictionaryError(f"{where}: field 'phrase' is empty")
        if role not in ROLE_CODES:
            raise DictionaryError(f"{where}: field 'role': {role!r} is not a CAMEO role code")
        if kind not in ("title", "role"):
            raise DictionaryError(f"{where}: field 'kind': expected 'title' or 'role', got {kind!r}")
        if fallback and fallback != "-":
            fallback = _code(fallback, where, "fallback")
        yield RoleWord(phrase, role, kind, fallback or None)


def read_people(path: Path) -> Iterator[tuple[str, str, Term, list[Form] | None, list[Form], str]]:
    """One row per term of office; rows with the same name are one person."""
    for where, c in _rows(path, 9):
        name, nationality, code, office, start, end, short, aliases, gender = (x.strip() for x in c)
        if not name:
            raise DictionaryError(f"{where}: field 'name' is empty")
        if not re.fullmatch(r"[A-Z]{3}", nationality):
            raise DictionaryError(f"{where}: field 'nationality': expected a country code, got {nationality!r}")
        if gender not in PERSON_GENDERS:
            raise DictionaryError(f"{where}: field 'gender': expected M, F or empty, got {gender!r}")
        term = Term(_code(code, where, "code"), office, parse_date(start, where), parse_date(end, where))
        if term.start and term.end and term.end < term.start:
            raise DictionaryError(f"{where}: term ends ({end}) before it starts ({start})")
        # short: None = derive from the name; [] = "-", no surname-only form at all
        short_forms = None if not short else ([] if short == "-" else _forms(short))
        yield name, nationality, term, short_forms, _forms(aliases), gender


_NAME_SUFFIX = {"Jr.", "Jr", "Sr.", "Sr", "II", "III", "IV"}


def _default_short(name: str) -> list[Form]:
    words = [w for w in name.split() if w not in _NAME_SUFFIX]
    return [Form(words[-1])] if len(words) > 1 else []


# --- the merged dictionary -------------------------------------------------------------------

def _files(folder: Path, kind: str) -> list[Path]:
    found = sorted(folder.glob(f"{kind}*.tsv"))
    sub = folder / "actors"
    if sub.is_dir() and sub != folder:
        found += sorted(sub.glob(f"{kind}*.tsv"))
    return found


@dataclass
class ActorDictionary:
    countries: dict[str, Country] = field(default_factory=dict)
    actors: list[NamedActor] = field(default_factory=list)
    roles: dict[str, RoleWord] = field(default_factory=dict)  # lower-cased phrase -> entry
    people: dict[str, Person] = field(default_factory=dict)
    sources: list[str] = field(default_factory=list)

    @classmethod
    def load(cls, extra_dirs: Iterable[Path | str] = ()) -> "ActorDictionary":
        d = cls()
        d._load_folder(DATA_DIR, strict=True)
        for folder in extra_dirs:
            folder = Path(folder)
            if not folder.is_dir():
                log.warning("actor dictionary folder %s does not exist; ignored", folder)
                continue
            d._load_folder(folder, strict=False)
        return d

    def _load_folder(self, folder: Path, *, strict: bool) -> None:
        readers = {"countries": self._add_countries, "actors": self._add_actors,
                   "roles": self._add_roles, "people": self._add_people}
        for kind in FILE_KINDS:
            for path in _files(folder, kind):
                try:
                    readers[kind](path)
                except DictionaryError as exc:
                    # Built-in data must be valid (tests check it); a bad user file is reported in
                    # one line and skipped rather than stopping a long run.
                    if strict:
                        raise
                    log.warning("skipping dictionary file: %s", exc)
                    continue
                except OSError as exc:
                    raise DictionaryError(f"{path}: cannot read: {exc.strerror or exc}") from None
                self.sources.append(str(path))

    def _add_countries(self, path: Path) -> None:
        rows = list(read_countries(path))
        for row in rows:
            have = self.countries.get(row.code)
            if have is None:
                self.countries[row.code] = row
            else:  # a user row for a known country adds forms; its name replaces ours
                have.name = row.name
                have.names += row.names
                have.adjectives += row.adjectives
                have.capitals += row.capitals
                have.cities += row.cities

    def _add_actors(self, path: Path) -> None:
        self.actors += list(read_actors(path))

    def _add_roles(self, path: Path) -> None:
        for row in read_roles(path):
            self.roles[row.phrase.lower()] = row

    def _add_people(self, path: Path) -> None:
        explicit: set[str] = set()
        for name, nationality, term, short, aliases, gender in list(read_people(path)):
            person = self.people.get(name)
            if person is None:
                person = self.people[name] = Person(name, nationality)
            person.terms.append(term)
            if short is not None:
                explicit.add(name)
                person.short += [f for f in short if f not in person.short]
            person.aliases += [f for f in aliases if f not in person.aliases]
            person.gender = gender or person.gender
        for name, person in self.people.items():
            if name not in explicit and not person.short:
                person.short = _default_short(person.name)

    # --- lookups ---

    def country_of_code(self, code: str | None) -> str | None:
        """The country part of a composite code, when it has one (RUSGOV -> RUS, IGOUNO -> None)."""
        if code and len(code) >= 3 and code[:3] in self.countries:
            return code[:3]
        return None
