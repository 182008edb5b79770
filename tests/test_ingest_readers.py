"""Readers: every input format, and every kind of bad input giving one clear line.

Fixtures are our own short articles in tests/data/ingest/; encodings, gzip and WARC variants are
built from them at test time."""
from __future__ import annotations

import gzip
import io
import os
import shutil
from pathlib import Path

import pytest

from detente.ingest import IngestError, iter_documents
from detente.ingest.dates import normalize_date, to_timestamp
from detente.ingest.sniff import Unsupported, sniff
from detente.records import Document, IngestProblem

DATA = Path(__file__).parent / "data" / "ingest"

RUSSIAN_TITLE = "Министры обсудили торговое соглашение"
RUSSIAN_TEXT = ("Министры иностранных дел двух стран встретились во вторник в Москве и обсудили "
                "новое торговое соглашение. Переговоры продолжатся в следующем месяце, сообщили "
                "в министерстве.")


def read(*paths, **kw) -> tuple[list[Document], list[IngestProblem]]:
    docs, problems = [], []
    for item in iter_documents([str(p) for p in paths], **kw):
        (problems if isinstance(item, IngestProblem) else docs).append(item)
    return docs, problems


def failed(problems):
    return [p for p in problems if p.kind == "failed"]


# -- formats -------------------------------------------------------------------------------

def test_text_file_title_body_and_boilerplate():
    docs, problems = read(DATA / "article.txt")
    assert not problems
    (doc,) = docs
    assert doc.source_format == "text"
    assert doc.title == "Coastal States Sign Fisheries Pact After Two Years of Talks"
    assert doc.text.startswith("Ministers from Norland and Vestria signed a fisheries agreement")
    assert "What the agreement covers" in doc.text  # a heading inside the article stays
    assert doc.text.rstrip().endswith("lower than they had hoped.")
    for clutter in ("HomeWorld", "Advertisement", "Share this", "newsletter", "All rights",
                    "Back to top", doc.title):
        assert clutter not in doc.text
    assert doc.source_path.endswith("article.txt")


def test_markdown_with_front_matter():
    (doc,), problems = read(DATA / "notes.md")
    assert not problems
    assert doc.title == "Border Crossing Reopens Between Arland and Brevia"
    assert (doc.date, doc.author, doc.outlet) == ("2023-05-14", "J. Doe", "The Example Gazette")
    assert "**" not in doc.text and "](" not in doc.text and "#" not in doc.text
    assert "the interior ministry said." in doc.text
    assert "Trade resumes" in doc.text


def test_jsonl_fields_aliases_extra_and_bad_lines():
    docs, problems = read(DATA / "corpus.jsonl")
    assert [d.source_id for d in docs] == ["c1", "c2", "c5"]
    c1, c2, c5 = docs
    assert c1.title == "Ports Agree on Shared Customs Checks"
    assert not c1.text.startswith(c1.title)  # the body's repeated headline is dropped
    assert c1.text.startswith("The ports of Selm and Darro")
    assert (c1.date, c1.outlet, c1.url) == ("2021-03-02", "Example Wire", "https://wire.example.org/c1")
    assert c1.author == "R. Lind"
    assert c1.extra == {"topic": "trade"}
    assert c2.date == "2021-03-04T08:15:00+01:00"
    # alternative field names: headline/published/source{name}/link/body
    assert (c5.title, c5.date, c5.outlet, c5.url) == (
        "Navy Holds Drills Near Strait", "2021-03-09", "Other Daily", "https://other.example.org/c5")
    assert c5.extra == {"section": "defence"}
    lines = {str(p).split(": ", 1)[0].rsplit(":", 1)[-1]: p for p in problems}
    assert set(lines) == {"3", "4", "5"}
    assert "invalid JSON" in lines["3"].reason
    assert "no text field" in lines["4"].reason
    assert "not a JSON object" in lines["5"].reason
    assert all(str(p).startswith(str(DATA / "corpus.jsonl") + ":") for p in problems)


def test_rss2_full_content_summary_items_and_offsets():
    docs, problems = read(DATA / "feed-rss2.xml")
    assert not problems
    full, teaser = docs
    assert full.source_format == "rss" and full.outlet == "Example World Service"
    assert full.title == "Foreign Ministers Agree to Resume Talks"
    assert full.text.startswith("The foreign ministers of Amaro and Belsk agreed on Monday")
    assert "The first meeting will take place in Lisbon in April" in full.text
    assert "Share" not in full.text and "teaser" not in full.text
    assert full.date == "2023-03-14T09:30:00+05:30"  # the publisher's offset is kept
    assert (full.url, full.source_id, full.author) == (
        "https://world.example.org/a/1", "https://world.example.org/a/1", "L. Novak")
    assert full.extra["categories"] == ["Diplomacy"] and full.extra["content"] == "full"
    # summary-only item: headline + summary, escaped HTML decoded
    assert teaser.text == ("Trade Ministers Meet in Vienna\n\n"
                           "Trade ministers from six countries met in Vienna to discuss tariffs on steel.")
    assert teaser.date == "2023-03-15T18:00:00+00:00" and teaser.extra["content"] == "summary"


def test_feed_is_sniffed_without_extension(tmp_path):
    target = tmp_path / "5f3a9c0e1d2b4a67"
    shutil.copy(DATA / "feed-rss2.xml", target)
    docs, problems = read(target)
    assert not problems and len(docs) == 2 and docs[0].source_format == "rss"


def test_atom_and_relative_links():
    (doc,), problems = read(DATA / "feed.atom")
    assert not problems
    assert doc.source_format == "atom" and doc.outlet == "Example Atom Desk"
    assert doc.url == "https://atom.example.org/2023/06/summit"
    assert doc.date == "2023-06-01T17:45:00-04:00" and doc.author == "T. Okafor"
    assert doc.text.startswith("Leaders of the five-nation bloc")
    assert "share gas reserves" in doc.text


def test_rdf_feed():
    (doc,), problems = read(DATA / "feed.rdf")
    assert not problems
    assert doc.source_format == "rdf" and doc.outlet == "Example RDF Bulletin"
    assert doc.date == "2023-07-20T11:00:00+02:00"
    assert "raised its main interest rate by half a point" in doc.text


def test_json_feed():
    docs, problems = read(DATA / "feed.json")
    assert not problems
    first, second = docs
    assert first.source_format == "jsonfeed" and first.outlet == "Example JSON Wire"
    assert first.text == ("The ceasefire between government forces and rebels in the Sorn valley "
                          "was extended by two weeks on Friday.\n\n"
                          "Mediators said both sides had kept to the terms.")
    assert (first.date, first.author, first.source_id) == ("2023-08-11T16:20:00+03:00", "K. Ito", "j1")
    assert second.text.startswith("Aid Convoy Reaches Capital\n\n")
    assert second.date == "2023-08-12"


def test_html_page():
    (doc,), problems = read(DATA / "page.html")
    assert not problems
    assert doc.source_format == "html"
    assert doc.title == "Parliament Approves Water-Sharing Treaty"
    assert doc.date.startswith("2023-09-04")
    assert doc.outlet == "The Example Times"
    assert doc.url == "https://news.example.org/2023/09/04/water-treaty"
    assert "Lawmakers voted 142 to 31 in favour." in doc.text
    assert "Home" not in doc.text and "Copyright" not in doc.text


def test_malformed_html_still_yields_its_text():
    (doc,), problems = read(DATA / "broken.html")
    assert not problems
    assert "prisoner exchange" in doc.text
    assert "Both sides described the atmosphere as constructive." in doc.text


def test_html_reader_passes_url_encoding_and_date_fallback(monkeypatch):
    """The reader's side of the extract_html contract, with a stand-in extractor."""
    from dataclasses import dataclass

    from detente.ingest import htmlpage

    calls = []

    @dataclass
    class Page:
        text: str
        title: str = "T"
        date: str | None = None
        author: str | None = None
        site: str | None = None
        url: str | None = None
        lang: str | None = "ru"
        description: str | None = None

    def fake(raw, url=None, encoding=None):
        calls.append((url, encoding))
        return Page(text=raw.decode(encoding))

    monkeypatch.setattr(htmlpage, "_extractor", lambda: fake)
    raw = f"<html><body><p>{RUSSIAN_TEXT}</p></body></html>".encode("cp1251")
    doc = htmlpage.page_document(raw, name="x.html", url="https://example.ru/a",
                                 fallback_date="2020-01-02T03:04:05+00:00")
    assert calls == [("https://example.ru/a", "cp1251")]
    assert RUSSIAN_TEXT in doc.text
    assert doc.date == "2020-01-02T03:04:05+00:00"  # page has none: archive date
    assert doc.outlet == "example.ru" and doc.lang == "ru"


def test_stdin():
    data = (DATA / "corpus.jsonl").read_bytes()
    docs, problems = read("-", stdin=io.BytesIO(data))
    assert [d.source_id for d in docs] == ["c1", "c2", "c5"]
    assert all(d.source_path == "<stdin>" for d in docs)
    assert str(problems[0]).startswith("<stdin>:3: invalid JSON")


def test_folders_are_walked_recursively_in_a_stable_order(tmp_path):
    (tmp_path / "b" / "deeper").mkdir(parents=True)
    shutil.copy(DATA / "article.txt", tmp_path / "b" / "deeper" / "one.txt")
    shutil.copy(DATA / "feed.atom", tmp_path / "a.atom")
    (tmp_path / ".hidden.txt").write_text("Not to be read at all, it is hidden.")
    (tmp_path / "README.md").write_text("# About this folder\n\nNotes.")
    docs, problems = read(tmp_path)
    assert [Path(d.source_path).name for d in docs] == ["a.atom", "one.txt"]
    (note,) = problems
    assert note.kind == "skipped" and "README" in str(note)


def test_gzip_is_transparent(tmp_path):
    target = tmp_path / "article.txt.gz"
    target.write_bytes(gzip.compress((DATA / "article.txt").read_bytes()))
    (doc,), problems = read(target)
    (plain,), _ = read(DATA / "article.txt")
    assert not problems and doc.text == plain.text and doc.title == plain.title


# -- encodings -----------------------------------------------------------------------------

def _rss(encoding_decl: str | None) -> str:
    decl = f'<?xml version="1.0" encoding="{encoding_decl}"?>\n' if encoding_decl else ""
    return (f"{decl}<rss version=\"2.0\"><channel><title>Новости</title>"
            f"<item><title>{RUSSIAN_TITLE}</title><link>https://example.ru/1</link>"
            f"<description>{RUSSIAN_TEXT}</description></item></channel></rss>")


@pytest.mark.parametrize("declared", ["windows-1251", None])
def test_windows_1251_feed_declared_or_not(tmp_path, declared):
    target = tmp_path / "feed.xml"
    target.write_bytes(_rss(declared).encode("cp1251"))
    (doc,), problems = read(target)
    assert not failed(problems)
    assert doc.title == RUSSIAN_TITLE and doc.outlet == "Новости"
    assert RUSSIAN_TEXT in doc.text


def test_feed_declaring_the_wrong_encoding(tmp_path):
    target = tmp_path / "feed.xml"
    target.write_bytes(_rss("utf-8").encode("cp1251"))
    (doc,), _ = read(target)
    assert doc.title == RUSSIAN_TITLE


def test_windows_1251_text_undeclared(tmp_path):
    target = tmp_path / "news.txt"
    target.write_bytes(f"{RUSSIAN_TITLE}\n\n{RUSSIAN_TEXT}\n".encode("cp1251"))
    (doc,), problems = read(target)
    assert not problems
    assert doc.title == RUSSIAN_TITLE and doc.text == RUSSIAN_TEXT
    assert doc.extra["encoding"] == "cp1251"


@pytest.mark.parametrize("declared", [True, False])
def test_windows_1251_html(tmp_path, declared):
    meta = '<meta charset="windows-1251">' if declared else ""
    page = (f"<html><head>{meta}<title>{RUSSIAN_TITLE}</title></head><body><article>"
            f"<h1>{RUSSIAN_TITLE}</h1><p>{RUSSIAN_TEXT}</p><p>{RUSSIAN_TEXT}</p>"
            f"</article></body></html>")
    target = tmp_path / "page.html"
    target.write_bytes(page.encode("cp1251"))
    docs, problems = read(target)
    assert not failed(problems)
    (doc,) = docs
    assert "Министры иностранных дел" in doc.text


# -- bad input: one clear line each, never a traceback ---------------------------------------

def test_empty_and_blank_files(tmp_path):
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "blank.txt").write_bytes(b" \n\n\t\n")
    docs, problems = read(tmp_path / "empty.txt", tmp_path / "blank.txt")
    assert not docs
    assert [str(p) for p in problems] == [
        f"{tmp_path / 'empty.txt'}: empty file",
        f"{tmp_path / 'blank.txt'}: empty file",
    ]


def test_binary_files_are_rejected(tmp_path):
    png = tmp_path / "photo.txt"
    png.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    blob = tmp_path / "blob"
    blob.write_bytes(bytes((i * 37 + 11) % 256 for i in range(4096)))
    docs, problems = read(png, blob)
    assert not docs
    assert str(problems[0]) == f"{png}: binary file (PNG image), not a text, HTML, feed, JSON or WARC file"
    assert str(problems[1]).startswith(f"{blob}: binary file")
    assert all(p.kind == "failed" for p in problems)


def test_unreadable_file(tmp_path, monkeypatch):
    target = tmp_path / "secret.txt"
    target.write_text("Ministers met on Monday to discuss the border.")
    target.chmod(0)
    if os.geteuid() == 0:  # root reads anything: simulate the permission error
        from detente.ingest import inputs

        def denied(path):
            raise PermissionError(13, "Permission denied", str(path))

        monkeypatch.setattr(inputs, "_open_file", denied)
    try:
        docs, problems = read(target)
    finally:
        target.chmod(0o644)
    assert not docs
    assert str(problems[0]) == f"{target}: cannot read: permission denied"


def test_missing_path():
    docs, problems = read("/nonexistent/feed.xml")
    assert not docs and str(problems[0]) == "/nonexistent/feed.xml: no such file or directory"


def test_malformed_xml_feed(tmp_path):
    # Recoverable: the lenient parser keeps the items and a note names the file.
    docs, problems = read(DATA / "malformed-feed.xml")
    assert len(docs) == 1 and docs[0].title == "Unclosed item bold"
    assert "malformed feed XML" in str(problems[0])
    assert str(problems[0]).startswith(str(DATA / "malformed-feed.xml"))
    # Unrecoverable: no items at all -> one failure line.
    bad = tmp_path / "bad.rss"
    bad.write_text('<?xml version="1.0"?>\n<rss version="2.0"><channel><title>x</title>'
                   '<item><title>a</title><link>b</link></item></chan')
    docs, problems = read(bad)
    if docs:  # feedparser recovered the item: it must still be flagged
        assert "malformed feed XML" in str(problems[0])
    else:
        assert failed(problems) and "malformed feed XML" in str(problems[0])


def test_truncated_gzip(tmp_path):
    whole = gzip.compress((DATA / "corpus.jsonl").read_bytes() * 20)
    cut = tmp_path / "corpus.jsonl.gz"
    cut.write_bytes(whole[: len(whole) // 2])
    docs, problems = read(cut)
    assert docs  # lines before the break are kept
    last = problems[-1]
    assert last.kind == "failed" and str(last).startswith(f"{cut}: truncated gzip")
    text_gz = tmp_path / "article.txt.gz"
    whole = gzip.compress((DATA / "article.txt").read_bytes())
    text_gz.write_bytes(whole[:-12])
    docs, problems = read(text_gz)
    assert not docs and str(problems[0]).startswith(f"{text_gz}: truncated gzip")


def test_json_that_is_not_articles(tmp_path):
    target = tmp_path / "index.json"
    target.write_text('[{"file": "a", "bytes": 3}, {"file": "b", "bytes": 4}]')
    docs, problems = read(target)
    assert not docs and len(problems) == 1
    assert "no articles" in str(problems[0])


def test_strict_raises_at_first_failure(tmp_path):
    (tmp_path / "a.txt").write_bytes(b"")
    with pytest.raises(IngestError, match="empty file"):
        read(tmp_path / "a.txt", DATA / "article.txt", strict=True)


# -- WARC / ARC ---------------------------------------------------------------------------

def _warc(gz: bool, pages: list[tuple[str, bytes]], extra_records: bool = True) -> bytes:
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    out = io.BytesIO()
    writer = WARCWriter(out, gzip=gz)
    for url, html in pages:
        if extra_records:
            req = writer.create_warc_record(url, "request", payload=io.BytesIO(b"GET / HTTP/1.1\r\n\r\n"))
            writer.write_record(req)
        headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")],
                                   protocol="HTTP/1.1")
        rec = writer.create_warc_record(url, "response", payload=io.BytesIO(html),
                                        http_headers=headers,
                                        warc_headers_dict={"WARC-Date": "2024-02-18T00:00:00Z"})
        writer.write_record(rec)
    if extra_records:
        img = StatusAndHeaders("200 OK", [("Content-Type", "image/png")], protocol="HTTP/1.1")
        writer.write_record(writer.create_warc_record(
            "https://news.example.org/logo.png", "response", payload=io.BytesIO(b"\x89PNG...."),
            http_headers=img))
    return out.getvalue()


def _pages() -> list[tuple[str, bytes]]:
    page = (DATA / "page.html").read_bytes()
    undated = page.replace(b'<meta property="article:published_time" content="2023-09-04T10:30:00+02:00">', b"")
    undated = undated.replace(b"Copyright 2023 ", b"").replace(b"water-sharing treaty", b"river treaty").replace(
        b'<link rel="canonical" href="https://news.example.org/2023/09/04/water-treaty">', b"")
    return [("https://news.example.org/2023/09/04/water-treaty", page),
            ("https://news.example.org/river", undated)]


@pytest.mark.parametrize("gz", [True, False])
def test_warc_responses_become_articles(tmp_path, gz):
    target = tmp_path / ("crawl.warc.gz" if gz else "crawl.warc")
    target.write_bytes(_warc(gz, _pages()))
    docs, problems = read(target)
    assert [d.url for d in docs] == ["https://news.example.org/2023/09/04/water-treaty",
                                     "https://news.example.org/river"]
    assert all(d.source_format == "warc" and d.source_path == str(target) for d in docs)
    assert docs[0].date.startswith("2023-09-04")  # from the page
    assert docs[1].date == "2024-02-18T00:00:00+00:00"  # from WARC-Date
    assert docs[0].source_id.startswith("<urn:uuid:")
    (skip,) = problems
    assert skip.kind == "skipped" and skip.count == 3
    assert "2 request" in skip.reason and "non-HTML (image/png)" in skip.reason


def test_truncated_warc_keeps_records_before_the_break(tmp_path):
    data = _warc(False, _pages(), extra_records=False)
    cut_at = data.index(b"river treaty") + 10  # inside the second response
    for gz in (False, True):
        target = tmp_path / f"cut{'.warc.gz' if gz else '.warc'}"
        if gz:
            whole = _warc(True, _pages(), extra_records=False)
            target.write_bytes(whole[: len(whole) - 200])
        else:
            target.write_bytes(data[:cut_at])
        docs, problems = read(target)
        assert [d.url for d in docs] == ["https://news.example.org/2023/09/04/water-treaty"]
        (p,) = failed(problems)
        assert str(p).startswith(f"{target}: truncated") and "records before it were read" in str(p)


def test_whole_file_gzip_warc(tmp_path):
    target = tmp_path / "whole.warc.gz"
    target.write_bytes(gzip.compress(_warc(False, _pages(), extra_records=False)))
    docs, problems = read(target)
    (p,) = failed(problems)
    assert str(p).startswith(f"{target}: whole-file gzip WARC")
    assert "warcio recompress" in str(p)
    assert len(docs) <= 1  # whatever came before the break is kept


def test_arc_file(tmp_path):
    page = (DATA / "page.html").read_bytes()
    http = (b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n"
            b"Content-Length: %d\r\n\r\n" % len(page)) + page
    version = b"1 0 Example\nURL IP-address Archive-date Content-type Archive-length\n"
    arc = (b"filedesc://test.arc 0.0.0.0 20240218000000 text/plain %d\n" % len(version)
           + version + b"\n"
           + b"https://news.example.org/a 192.0.2.1 20240218120000 text/html %d\n" % len(http)
           + http + b"\n")
    target = tmp_path / "crawl.arc"
    target.write_bytes(arc)
    (doc,), problems = read(target)
    assert doc.source_format == "arc" and doc.url == "https://news.example.org/a"
    assert "Lawmakers voted 142 to 31 in favour." in doc.text
    assert [p.kind for p in problems] == ["skipped"]


# -- sniffing and dates ---------------------------------------------------------------------

@pytest.mark.parametrize("head,name,fmt", [
    (b"WARC/1.0\r\n", "x", "warc"),
    (b"filedesc://x.arc 0.0.0.0", "x", "arc"),
    (b'{"id": 1, "text": "a"}\n{"id": 2}', "x", "jsonl"),
    (b'{"version": "https://jsonfeed.org/version/1", "items": []}', "x", "jsonfeed"),
    (b'{\n  "version": "https://jsonfeed.org/version/1.1",\n  "items": [', "x", "jsonfeed"),
    (b'[{"text": "a"}]', "x", "json"),
    (b"<!-- generator -->\n<?xml version='1.0'?>\n<rss version='2.0'>", "x", "feed"),
    (b"<?xml version='1.0'?><feed xmlns='http://www.w3.org/2005/Atom'>", "x", "feed"),
    (b"<rdf:RDF xmlns:rdf='x'>", "x", "feed"),
    (b"\xef\xbb\xbf<!DOCTYPE html><html>", "x", "html"),
    (b"<div><p>fragment</p></div>", "x", "html"),
    (b"[Link](http://x) opens this Markdown file", "x.md", "text"),
    (b"Plain words.", "x", "text"),
])
def test_sniff(head, name, fmt):
    assert sniff(head, name) == fmt


def test_sniff_rejects_binary():
    with pytest.raises(Unsupported, match="PDF"):
        sniff(b"%PDF-1.7\n...", "a.txt")


@pytest.mark.parametrize("value,iso", [
    ("2019-01-07", "2019-01-07"),
    ("Tue, 18 Feb 2026 06:34:46 +0530", "2026-02-18T06:34:46+05:30"),
    ("2026-02-17T20:04:03Z", "2026-02-17T20:04:03+00:00"),
    ("2026-02-17T20:04:03.120-05:00", "2026-02-17T20:04:03-05:00"),
    ("Monday, January 7, 2019", "2019-01-07"),
    ("20080430204825", "2008-04-30T20:48:25+00:00"),
    ("6 years ago", None),
    ("2008-10-294T05:21:46-0700", None),
    ("", None),
    (None, None),
])
def test_normalize_date(value, iso):
    assert normalize_date(value) == iso


def test_to_timestamp_takes_naive_as_utc():
    assert to_timestamp("2019-01-07").isoformat() == "2019-01-07T00:00:00+00:00"
    assert to_timestamp("2019-01-07T10:00:00+05:00").utcoffset().total_seconds() == 5 * 3600
    assert to_timestamp(None) is None
