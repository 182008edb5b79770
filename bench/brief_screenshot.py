"""Regenerate docs/brief-RUS-PRK.png: the HTML brief of Russia and North Korea, opened in
headless Debian chromium with the network checks of tests/test_brief_html.py.

    .venv/bin/python bench/brief_screenshot.py                 # from the seed article alone
    .venv/bin/python bench/brief_screenshot.py --db out/demo.duckdb   # from an existing store

Without --db the seed article (demo/putin-north-korea-visit.txt) is ingested and coded into a
temporary store by the real pipeline, so the screenshot shows what `make demo` writes to
out/brief-RUS-PRK.html.  Fails (exit 1) if the page makes any request other than the file
itself or logs a console error.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))  # open_in_chromium lives beside the test that uses it


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", help="existing store (default: ingest the seed into a temp store)")
    parser.add_argument("--out", default=str(REPO / "docs" / "brief-RUS-PRK.png"))
    parser.add_argument("--html", help="also keep the HTML brief here")
    args = parser.parse_args()

    from test_brief_html import CHROMIUM, open_in_chromium

    from detente.brief import write_brief
    from detente.store import Store

    if not CHROMIUM.exists():
        print(f"{CHROMIUM} is missing: apt-get install -y chromium", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory() as tmp:
        db = args.db
        if db is None:
            from detente.ingest.pipeline import ingest

            db = str(Path(tmp) / "seed.duckdb")
            # A path relative to the checkout, as `make demo` passes it: the reference list
            # shows the file the article was read from.
            os.chdir(REPO)
            report = ingest(["demo/putin-north-korea-visit.txt"], db, quiet=True)
            print(f"ingested the seed: {report.events} events")
        t0 = time.perf_counter()
        with Store(db, read_only=True) as store:
            html = write_brief(store, "RUS", "PRK", fmt="html")
        print(f"brief written in {time.perf_counter() - t0:.2f} s ({len(html):,} bytes)")
        page = Path(args.html) if args.html else Path(tmp) / "brief-RUS-PRK.html"
        page.write_text(html, encoding="utf-8")
        requests, errors, facts = open_in_chromium(page, Path(args.out))
    others = [r for r in requests if r != page.resolve().as_uri()]
    print(f"screenshot -> {args.out}; sections {len(facts['sections'])}, charts {facts['svgs']}, "
          f"references {facts['refs']}; other requests {len(others)}, console errors {len(errors)}")
    for line in others + errors:
        print("  " + line, file=sys.stderr)
    return 1 if others or errors else 0


if __name__ == "__main__":
    sys.exit(main())
