"""Regenerate the web app screenshots in docs/ (web-home.png, web-dyad.png, web-event.png,
web-article.png, web-network.png) in headless Debian chromium.

    .venv/bin/python bench/screenshots.py                        # out/demo.duckdb (make demo)
    .venv/bin/python bench/screenshots.py --db other.duckdb --dyad RUS PRK

Serves a read-only copy of the store on a free loopback port, opens each page, and fails
(exit 1) if any page makes a request off loopback or logs a console error.
"""
from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))  # LiveServer and the browser flags live with the tests

from test_web_browser import CHROMIUM, CHROMIUM_ARGS  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", default=str(REPO / "out" / "demo.duckdb"))
    parser.add_argument("--dyad", nargs=2, metavar=("A", "B"),
                        help="dyad page to show (default: the pair with the most events)")
    parser.add_argument("--out", default=str(REPO / "docs"))
    args = parser.parse_args()
    if not Path(args.db).exists():
        print(f"{args.db}: no such store (run `make demo`, or give --db)", file=sys.stderr)
        return 1
    if not CHROMIUM.exists():
        print(f"{CHROMIUM} is missing: apt-get install -y chromium", file=sys.stderr)
        return 1

    from playwright.sync_api import sync_playwright

    from _web_support import LiveServer
    from detente.web import WebConfig, create_app

    out = Path(args.out)
    requests: list[str] = []
    errors: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "shots.duckdb"
        shutil.copy(args.db, db)
        with LiveServer(create_app(WebConfig(db=str(db), read_only=True))) as server, \
                sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1280, "height": 1000})
            page.on("request", lambda req: requests.append(req.url))
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda exc: errors.append(str(exc)))

            def shot(path: str, name: str, full: bool = False) -> None:
                page.goto(server.url + path, wait_until="load")
                page.screenshot(path=str(out / name), full_page=full)
                print(f"{path} -> docs/{name}")

            if args.dyad:
                a, b = (x.upper() for x in args.dyad)
            else:
                import httpx

                edges = httpx.get(server.url + "/api/network", timeout=120).json()["edges"]
                a, b = (edges[0]["a"], edges[0]["b"]) if edges else ("RUS", "PRK")
            shot("/", "web-home.png")
            shot(f"/dyads/{a}/{b}", "web-dyad.png", full=True)
            event = page.locator("a.key-event").first
            event_path = urlsplit(event.get_attribute("href") or "/").path if event.count() else None
            if event_path:
                shot(event_path, "web-event.png")
                link = page.locator("a.article-link").first
                shot(urlsplit(link.get_attribute("href") or "/").path, "web-article.png")
            shot("/network", "web-network.png")
            browser.close()
    outside = [u for u in requests if urlsplit(u).hostname not in ("127.0.0.1", "localhost")]
    print(f"{len(requests)} requests, {len(outside)} off loopback, {len(errors)} console errors")
    for line in outside + errors:
        print("  " + line, file=sys.stderr)
    return 1 if outside or errors else 0


if __name__ == "__main__":
    sys.exit(main())
