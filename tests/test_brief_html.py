"""The HTML brief is self-contained: it opens in headless Chromium (Debian `chromium`, driven by
Playwright) with no request other than the file itself and no console error."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

import _brief_seed as seed
from detente.brief import write_brief

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def open_in_chromium(html_path: Path, screenshot: Path | None = None) -> tuple[list[str], list[str], dict]:
    """Load ``html_path``; return (every request URL, console errors and page errors, facts
    read from the rendered page).  Shared with bench/brief_docs.py, which takes the checked-in
    screenshot the same way."""
    from playwright.sync_api import sync_playwright

    requests: list[str] = []
    errors: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1100, "height": 1400})
            page.on("request", lambda req: requests.append(req.url))
            page.on("console", lambda msg: errors.append(f"console {msg.type}: {msg.text}")
                    if msg.type == "error" else None)
            page.on("pageerror", lambda exc: errors.append(f"page error: {exc}"))
            page.goto(html_path.resolve().as_uri(), wait_until="load")
            facts = page.evaluate("""() => ({
                sections: [...document.querySelectorAll('section > h2')].map(h => h.textContent),
                svgs: document.querySelectorAll('figure svg').length,
                svgWidth: (document.querySelector('figure svg') || {getBoundingClientRect: () => ({width: 0})})
                          .getBoundingClientRect().width,
                refs: document.querySelectorAll('ol.references li').length,
            })""")
            if screenshot is not None:
                page.screenshot(path=str(screenshot), full_page=True)
        finally:
            browser.close()
    return requests, errors, facts


needs_chromium = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="Debian chromium is absent (apt-get install -y chromium)")


@pytest.fixture(scope="module")
def html_brief(tmp_path_factory) -> str:
    from detente.store import Store

    with Store(tmp_path_factory.mktemp("html") / "brief.duckdb") as store:
        seed.insert_seed_events(store)
        seed.insert_followup(store)
        return write_brief(store, "RUS", "PRK", fmt="html")


def test_html_is_self_contained(html_brief):
    html = html_brief
    assert html.startswith("<!DOCTYPE html>")
    # No reference to anything outside the file: no script, stylesheet, image or font URL.
    assert "<script" not in html.lower()
    assert not re.search(r"""(src|href)=["'](?!#|data:|https?://[^"']*["'] rel="noreferrer")""", html)
    assert "@import" not in html
    assert not re.search(r"url\((?!#)", html)  # only the SVG's own clip paths
    # Every statement cites, in HTML as in Markdown.
    body = html.split('<section id="references">')[0]
    items = re.findall(r"<li( class=\"note\")?>(.*?)</li>", body, flags=re.S)
    assert len(items) > 10
    for note, item in items:
        assert note or 'href="#ref-' in item, item


@pytest.mark.browser
@needs_chromium
def test_html_opens_in_chromium_without_requests_or_errors(html_brief, tmp_path):
    pytest.importorskip("playwright")
    path = tmp_path / "brief-RUS-PRK.html"
    path.write_text(html_brief, encoding="utf-8")
    shot = tmp_path / "brief.png"
    requests, errors, facts = open_in_chromium(path, shot)
    assert requests == [path.resolve().as_uri()]
    assert errors == []
    assert facts["sections"][:2] == ["Headline development", "Historical context"]
    assert facts["refs"] == 3
    assert facts["svgs"] == 1 and facts["svgWidth"] > 400  # the dyad chart is drawn inline
    assert shot.stat().st_size > 10_000
