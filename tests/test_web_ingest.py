"""Writing over HTTP: POST /api/ingest through the real ingest pipeline and coder, its bearer
token, its limits and errors, the read-only and --insecure-dev modes, concurrent reads during
an ingest, and `detente serve` refusing unsafe configurations."""
from __future__ import annotations

import concurrent.futures
import json

import httpx
import pytest
from typer.testing import CliRunner

from _web_support import TOKEN, servers

AUTH = {"Authorization": f"Bearer {TOKEN}"}

# Written for these tests.
DOC_A = {"title": "Ministers meet in Hanoi", "outlet": "Test Wire", "date": "2024-07-02",
         "url": "https://wire.example/hanoi",
         "text": "Vietnamese Foreign Minister Bui Thanh Son met Chinese Foreign Minister Wang Yi "
                 "in Hanoi on Tuesday. The two ministers signed an agreement on border trade."}
DOC_B = {"title": "Seoul protests launch", "outlet": "Test Wire", "date": "2024-07-03",
         "text": "South Korea condemned North Korea on Wednesday after Pyongyang fired two "
                 "ballistic missiles into the sea, the defence ministry said."}


@pytest.fixture(scope="module")
def live():
    return servers()


@pytest.fixture(scope="module")
def rw(live):
    with httpx.Client(base_url=live["rw"].url, timeout=180) as client:
        yield client


def counts(client) -> tuple[int, int]:
    h = client.get("/api/health").json()
    return h["articles"], h["events"]


# -- authorisation: nothing is stored without the right token --------------------------------

@pytest.mark.parametrize("headers, status", [
    ({}, 401),
    ({"Authorization": ""}, 401),
    ({"Authorization": "Basic dXNlcjpwYXNz"}, 401),
    ({"Authorization": "Bearer"}, 401),
    ({"Authorization": "Bearer wrong-token-0123456789"}, 403),
    ({"Authorization": f"Bearer {TOKEN}x"}, 403),
    ({"Authorization": f"Bearer {TOKEN[:-1]}"}, 403),
])
def test_ingest_needs_the_token(rw, headers, status):
    before = counts(rw)
    r = rw.post("/api/ingest", json=DOC_A, headers=headers)
    assert r.status_code == status, r.text
    assert r.json()["field"] == "authorization"
    if status == 401:
        assert r.headers["www-authenticate"].startswith("Bearer")
    assert counts(rw) == before
    assert rw.get("/api/articles", params={"q": "Bui Thanh Son"}).json()["total"] == 0


def test_read_only_server_has_no_write_endpoint(live):
    before = httpx.get(live["ro"].url + "/api/health").json()["articles"]
    r = httpx.post(live["ro"].url + "/api/ingest", json=DOC_A, headers=AUTH)
    assert r.status_code == 405 and "read-only" in r.json()["error"]
    assert httpx.get(live["ro"].url + "/api/health").json()["articles"] == before


def test_insecure_dev_server_takes_writes_without_a_token(live):
    doc = {"text": "A note stored by the development server without any token at all.",
           "title": "dev note"}
    r = httpx.post(live["dev"].url + "/api/ingest", json=doc, timeout=60)
    assert r.status_code == 201, r.text
    assert httpx.get(live["dev"].url + "/api/health").json()["writes"] == "open (--insecure-dev)"


# -- malformed, oversize and invalid bodies --------------------------------------------------

@pytest.mark.parametrize("body, content_type, status, field, words", [
    (b'{"text": "unterminated', "application/json", 400, "body", "not valid JSON"),
    (b"", "application/json", 400, "body", "empty"),
    (b"42", "application/json", 422, "body", "document object"),
    (b'{"title": "no text here"}', "application/json", 422, "text", "Field required"),
    (b'{"text": ""}', "application/json", 422, "text", "at least 1"),
    (b'{"text": 5}', "application/json", 422, "text", "string"),
    (b'{"text": "   "}', "application/json", 422, "text", "document"),
    (b'{"documents": []}', "application/json", 422, "documents", "at least 1"),
    (json.dumps([DOC_A, {**DOC_B, "date": "the 45th of Juneteen"}]).encode(), "application/json",
     422, "documents[1].date", "not a date"),
    (json.dumps({**DOC_A, "date": "2024-13-45"}).encode(), "application/json", 422, "date", "not a date"),
    (b"\xff\xfe{}", "application/json", 400, "body", "UTF-8"),
    (b"%PDF-1.4 binary", "application/pdf", 415, "content-type", "not accepted"),
    (b"<html><body><nav>menu</nav></body></html>", "text/html", 422, "body", "no article text"),
    (b"<rss><channel></channel></rss>", "application/rss+xml", 422, "body", ""),
])
def test_bad_bodies_get_a_clear_4xx_and_store_nothing(rw, body, content_type, status, field, words):
    before = counts(rw)
    r = rw.post("/api/ingest", content=body, headers={**AUTH, "Content-Type": content_type})
    assert r.status_code == status, r.text
    answer = r.json()
    assert answer["field"] == field, answer
    assert words in answer["error"], answer
    assert counts(rw) == before


def test_oversize_bodies_get_413(rw):
    before = counts(rw)
    big = json.dumps({"text": "word " * 100_000}).encode()  # 500 kB > the test server's 256 kB
    r = rw.post("/api/ingest", content=big, headers={**AUTH, "Content-Type": "application/json"})
    assert r.status_code == 413 and r.json()["field"] == "body"

    def chunks():  # no Content-Length: counted as it streams
        for _ in range(40):
            yield b"x" * 10_000

    r = rw.post("/api/ingest", content=chunks(), headers={**AUTH, "Content-Type": "application/json"})
    assert r.status_code == 413
    assert counts(rw) == before


def test_bad_url_parameter(rw):
    r = rw.post("/api/ingest", params={"url": "javascript:alert(1)"}, content=b"<html></html>",
                headers={**AUTH, "Content-Type": "text/html"})
    assert r.status_code == 422 and r.json()["field"] == "url"


# -- ingest through the real pipeline --------------------------------------------------------

def test_ingest_json_documents_codes_and_stores_them(rw):
    before = counts(rw)
    r = rw.post("/api/ingest", json={"documents": [DOC_A, DOC_B]}, headers=AUTH)
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["ingested"] == 2 and len(body["ids"]) == 2 and body["failed"] == 0
    assert body["coded"] == 2 and body["events"] >= 2
    after = counts(rw)
    assert after == (before[0] + 2, before[1] + body["events"])
    art = rw.get(f"/api/articles/{body['ids'][0]}").json()
    assert art["article"]["title"] == DOC_A["title"] and art["article"]["outlet"] == "Test Wire"
    assert art["events"], "the coder found no event in the Hanoi story"
    codes = {(e["source_country"], e["target_country"]) for e in art["events"]}
    assert ("VNM", "CHN") in codes or ("CHN", "VNM") in codes
    # The same document again: a duplicate, same id, nothing new stored.
    again = rw.post("/api/ingest", json=DOC_A, headers=AUTH)
    assert again.status_code == 200 and again.json()["duplicate"] == 1
    assert again.json()["ids"] == [body["ids"][0]]
    assert counts(rw) == after


def test_ingest_an_html_page(rw):
    page = ("<!DOCTYPE html><html><head><title>Tokyo and Canberra deepen ties</title>"
            "<meta property='og:site_name' content='Pacific Times'></head><body>"
            "<nav><a href='/'>Home</a> <a href='/world'>World</a></nav><article><h1>Tokyo and "
            "Canberra deepen ties</h1><p>Japanese Prime Minister Fumio Kishida hosted Australian "
            "Prime Minister Anthony Albanese in Tokyo on Friday, and the two governments agreed "
            "to expand joint military exercises next year.</p><p>Officials in both capitals "
            "described the talks as productive and said further meetings would follow in "
            "Canberra.</p></article><footer>Copyright</footer></body></html>")
    r = rw.post("/api/ingest", params={"url": "https://pacific.example/tokyo-canberra"},
                content=page.encode(), headers={**AUTH, "Content-Type": "text/html; charset=utf-8"})
    assert r.status_code == 201, r.text
    art = rw.get(f"/api/articles/{r.json()['ids'][0]}").json()["article"]
    assert art["url"] == "https://pacific.example/tokyo-canberra"
    assert "Kishida" in art["text"] and "Home" not in art["text"]


def test_ingest_a_feed(rw):
    feed = """<?xml version="1.0"?><rss version="2.0"><channel><title>Border Desk</title>
      <link>https://border.example/</link>
      <item><title>India and Pakistan exchange fire</title><link>https://border.example/1</link>
        <pubDate>Mon, 08 Jul 2024 09:00:00 GMT</pubDate>
        <description>Indian and Pakistani troops exchanged fire along the Line of Control on Monday, officials in New Delhi said, the first such incident in months.</description></item>
      <item><title>Ankara hosts Baku delegation</title><link>https://border.example/2</link>
        <pubDate>Tue, 09 Jul 2024 09:00:00 GMT</pubDate>
        <description>Turkey hosted a delegation from Azerbaijan in Ankara on Tuesday to discuss energy cooperation and a new pipeline.</description></item>
    </channel></rss>"""
    r = rw.post("/api/ingest", content=feed.encode(),
                headers={**AUTH, "Content-Type": "application/rss+xml"})
    assert r.status_code == 201, r.text
    assert r.json()["ingested"] == 2
    found = rw.get("/api/articles", params={"outlet": "Border Desk"}).json()
    assert found["total"] == 2


def test_ingest_plain_text_and_jsonl(rw):
    text = ("Brazil and Argentina signed a customs agreement in Brasilia on Thursday, "
            "the foreign ministries of both countries said in a joint statement.")
    r = rw.post("/api/ingest", content=text.encode(), headers={**AUTH, "Content-Type": "text/plain"})
    assert r.status_code == 201, r.text
    lines = "\n".join(json.dumps({"id": f"n{i}", "title": f"note {i}",
                                  "text": f"Note number {i}: Egypt and Sudan held talks on the Nile "
                                          f"dam in Cairo, round {i} of the negotiations."})
                      for i in range(3))
    r = rw.post("/api/ingest", content=lines.encode(),
                headers={**AUTH, "Content-Type": "application/x-ndjson"})
    assert r.status_code == 201, r.text
    assert r.json()["ingested"] + r.json()["near_duplicate"] == 3


def test_reads_run_while_an_ingest_is_written(rw, live):
    """Readers are never blocked or broken by the writer: every read during a coding ingest
    answers 200, and the documents all arrive."""
    docs = [{"title": f"Concurrent story {i}", "outlet": "Load Wire", "date": f"2024-08-{i + 1:02d}",
             "text": f"Story {i}: Kenya and Ethiopia discussed a regional security pact in Nairobi "
                     f"on day {i}, and Kenya pledged troops for a joint border mission number {i}."}
            for i in range(6)]
    before = counts(rw)
    paths = ["/api/health", "/api/events?actor=RUS", "/api/articles?q=Putin", "/api/network",
             "/api/dyads/RUS/PRK", "/"]

    def read(i: int) -> int:
        with httpx.Client(base_url=live["rw"].url, timeout=120) as c:
            return c.get(paths[i % len(paths)]).status_code

    with concurrent.futures.ThreadPoolExecutor(max_workers=6) as pool:
        ingest = pool.submit(lambda: rw.post("/api/ingest", json=docs, headers=AUTH))
        statuses = list(pool.map(read, range(36)))
        result = ingest.result()
    assert result.status_code == 201, result.text
    assert statuses == [200] * 36
    assert counts(rw)[0] == before[0] + 6
    assert rw.get("/api/articles", params={"outlet": "Load Wire"}).json()["total"] == 6


def test_uploaded_markup_is_stored_as_text_and_escaped_in_pages(rw):
    doc = {"title": "<img src=x onerror=alert(1)>Bold claim",
           "text": "Canada criticised Norway over <script>alert('x')</script> fishing quotas on Monday."}
    r = rw.post("/api/ingest", json=doc, headers=AUTH)
    assert r.status_code == 201, r.text
    page = rw.get(f"/articles/{r.json()['ids'][0]}").text
    assert "<script>alert" not in page and "<img src=x" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;Bold claim" in page


# -- `detente serve` refuses unsafe starts ---------------------------------------------------

@pytest.fixture()
def cli(monkeypatch):
    from detente.cli import app

    monkeypatch.delenv("DETENTE_TOKEN", raising=False)
    return lambda *args, env=None: CliRunner().invoke(app, ["serve", *args], env=env)


def test_serve_refuses_writable_without_token(cli, tmp_path):
    result = cli("--db", str(tmp_path / "x.duckdb"))
    assert result.exit_code == 2
    assert "DETENTE_TOKEN" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "x.duckdb").exists()


def test_serve_refuses_insecure_dev_off_loopback(cli, tmp_path):
    result = cli("--db", str(tmp_path / "x.duckdb"), "--insecure-dev", "--host", "0.0.0.0")
    assert result.exit_code == 2 and "loopback" in result.output


def test_serve_refuses_a_short_token(cli, tmp_path):
    result = cli("--db", str(tmp_path / "x.duckdb"), env={"DETENTE_TOKEN": "short"})
    assert result.exit_code == 2 and "16 characters" in result.output


def test_serve_read_only_needs_an_existing_store(cli, tmp_path):
    result = cli("--db", str(tmp_path / "missing.duckdb"), "--read-only")
    assert result.exit_code == 2 and "no such store" in result.output


def test_create_app_refuses_without_token(tmp_path):
    from detente.web import ConfigError, WebConfig, create_app

    with pytest.raises(ConfigError, match="DETENTE_TOKEN"):
        create_app(WebConfig(db=str(tmp_path / "x.duckdb")))
    with pytest.raises(ConfigError):
        create_app(WebConfig(db=str(tmp_path / "x.duckdb"), token="   "))
