"""The server-rendered pages, fetched over loopback from the read-only test server: each page
renders what the store holds, links only to this server, escapes stored text, and answers bad
parameters with a readable error page."""
from __future__ import annotations

import re
from urllib.parse import quote

import httpx
import pytest

from _web_support import ARTICLES, servers


@pytest.fixture(scope="module")
def site():
    with httpx.Client(base_url=servers()["ro"].url, timeout=120) as client:
        yield client


def external_refs(html: str) -> list[str]:
    """Every src/href/url() that would make the browser fetch from another host.  Links out
    to an article's original page (rel=noreferrer, opened by a click) are not fetches."""
    fetched = re.findall(r"""<(?:script|link|img|iframe|source|video|audio)\b[^>]*?(?:src|href)=["']([^"']+)""", html)
    fetched += re.findall(r"url\(([^)]+)\)", html)
    return [u for u in fetched if re.match(r"(?:https?:)?//", u.strip("'\""))]


PAGES = ["/", "/articles", "/articles?q=Pyongyang", "/events", "/events?actor=RUS&modality=claimed",
         "/dyads/RUS/PRK", "/dyads/RUS/PRK?freq=month&dimension=diplomatic", "/network",
         "/countries/PRK", "/countries/JPN", f"/articles/{ARTICLES[0].id}", "/docs"]


@pytest.mark.parametrize("path", PAGES)
def test_page_renders_with_local_assets_only(site, path):
    r = site.get(path)
    assert r.status_code == 200, r.text[:500]
    assert r.headers["content-type"].startswith("text/html")
    assert external_refs(r.text) == []
    assert "<script>" not in r.text  # no inline script: the CSP forbids it


def test_home_lists_latest_events_and_moving_dyads(site):
    html = site.get("/").text
    assert "Most-moving dyads" in html and 'href="/dyads/PRK/RUS"' in html
    assert "Latest events" in html and "make a visit" in html
    assert f"{len(ARTICLES)} articles" in html


def test_dyad_page_has_chart_shifts_events_reactions_and_brief(site):
    html = site.get("/dyads/RUS/PRK").text
    assert '<figure class="chart" id="dyad-chart"><svg' in html
    for heading in ("Shifts", "Key events", "Reactions of third parties", "Events between them"):
        assert heading in html
    assert 'href="/api/briefs/RUS/PRK?format=html"' in html
    assert re.search(r'href="/events/m[0-9a-f]+"', html)
    for dim in ("military", "economic:trade", "sanctions"):
        assert f"dimension={dim}" in html


def test_dyad_form_redirects_names_to_codes(site):
    r = site.get("/dyads", params={"a": "Russia", "b": "North Korea"})
    assert r.status_code == 303 and r.headers["location"] == "/dyads/RUS/PRK"
    r = site.get("/countries", params={"c": "Japan"})
    assert r.status_code == 303 and r.headers["location"] == "/countries/JPN"


def test_event_page_shows_every_report_with_marked_evidence(site):
    visit = site.get("/api/events", params={"code": "042"}).json()["items"][0]
    html = site.get(f"/events/{visit['merged_id']}").text
    assert html.count('<li class="report">') == 2
    assert '<mark class="trigger"' in html and '<mark class="source"' in html
    assert ">arrived</mark>" in html and ">visited</mark>" in html
    assert "Harbour Gazette" in html and "Northern Wire" in html
    treaty = site.get("/api/events", params={"code": "057"}).json()["items"][0]
    html = site.get(f"/events/{treaty['merged_id']}").text
    assert "claimed" in html and "on the word of <strong>state media</strong>" in html


def test_article_page_highlights_its_events(site):
    art = ARTICLES[0]
    html = site.get(f"/articles/{art.id}").text
    assert html.count('<tr data-event="') == len(art.events)
    for ev in art.events:
        assert f">{ev.trigger}</mark>" in html
    assert 'href="https://gazette.example/putin-pyongyang"' in html


def test_stored_markup_is_escaped_and_bad_links_dropped(site):
    odd = ARTICLES[-1]
    for path in (f"/articles/{odd.id}", "/articles", "/events?actor=FRA"):
        html = site.get(path).text
        assert "<script>alert" not in html and "<img src=x" not in html
        assert 'href="javascript:' not in html
    html = site.get(f"/articles/{odd.id}").text
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; Odd headline" in html


@pytest.mark.parametrize("path, status, words", [
    ("/articles?from=2024-99", 422, "from"),
    ("/events?actor=XYZ", 422, "actor"),
    ("/events?quad=9", 422, "quad"),
    ("/dyads/RUS/XYZ", 422, "unknown country"),
    ("/dyads/RUS/PRK?freq=hourly", 422, "freq"),
    ("/dyads/RUS/PRK?dimension=sports", 422, "dimension"),
    ("/countries/Atlantis", 422, "unknown country"),
    ("/articles/0000", 404, "not in the store"),
    ("/events/m123", 404, "not in the store"),
    ("/nowhere", 404, "no such page"),
    ("/dyads?a=RUS", 400, "choose two countries"),
])
def test_bad_page_requests_get_an_error_page(site, path, status, words):
    r = site.get(path)
    assert r.status_code == status
    assert r.headers["content-type"].startswith("text/html")
    assert words in r.text and "Traceback" not in r.text


@pytest.mark.parametrize("payload", ["'; DROP TABLE events; --", "' OR '1'='1", "%' OR 1=1 --"])
def test_page_parameters_resist_sql_injection(site, payload):
    before = site.get("/api/health").json()
    for path in ("/articles?q={}", "/articles?outlet={}", "/events?actor={}", "/events?code={}",
                 "/events?dyad={}", "/dyads/RUS/PRK?from={}", "/network?to={}",
                 "/articles/{}", "/events/{}", "/countries/{}", "/dyads/RUS/{}"):
        r = site.get(path.format(quote(payload, safe="")))
        assert r.status_code in (200, 404, 422), (path, r.status_code)
        if r.status_code == 200 and "/articles?" in path:
            assert "No article matches." in r.text
    assert site.get("/api/health").json() == before


def test_static_assets_served(site):
    assert site.get("/static/style.css").status_code == 200
    assert site.get("/static/app.js").status_code == 200
    r = site.get("/favicon.ico")
    assert r.status_code == 200 and r.headers["content-type"].startswith("image/svg+xml")
    assert site.get("/static/../app.py").status_code == 404
    assert site.get("/static/%2e%2e/app.py").status_code == 404
