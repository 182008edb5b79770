"""The web layer's small parts on their own: date bounds, bearer checks, highlighting, the
render cache, the read pool."""
from __future__ import annotations

import threading
import time

import pytest

from detente.web.charts import Cache, content_key
from detente.web.errors import ApiError
from detente.web.highlight import event_spans, mark, mark_sentence
from detente.web.params import actor, country, date_bound, date_range, safe_href
from detente.web.security import check_bearer


@pytest.mark.parametrize("text, first, after", [
    ("2024", "2024-01-01", "2025-01-01"),
    ("2024-02", "2024-02-01", "2024-03-01"),
    ("2024-12", "2024-12-01", "2025-01-01"),
    ("2024-02-29", "2024-02-29", "2024-03-01"),
])
def test_date_bounds_cover_the_named_period(text, first, after):
    b = date_bound(text, "from")
    assert (b.first.isoformat(), b.after.isoformat()) == (first, after)


@pytest.mark.parametrize("text", ["2023-02-29", "2024-13", "24-01-01", "2024/01/01", "now", "2024-1"])
def test_bad_dates_name_the_field(text):
    with pytest.raises(ApiError) as err:
        date_bound(text, "to")
    assert err.value.status == 422 and err.value.field == "to"
    assert err.value.message.startswith("to: ")


def test_date_range_order():
    with pytest.raises(ApiError, match="before"):
        date_range("2024-05", "2024-04")
    lo, hi = date_range("2024-05", "2024-05")
    assert lo.first < hi.after


def test_countries_and_actors():
    assert country("north korea", "a") == "PRK" and country("prk", "a") == "PRK"
    assert actor("rusgov", "actor") == "RUSGOV" and actor("IGOUNO", "actor") == "IGOUNO"
    with pytest.raises(ApiError):
        actor("QQQGOV", "actor")
    assert actor("QQQGOV", "actor", in_store=lambda code: code == "QQQGOV") == "QQQGOV"


def test_bearer_checks():
    check_bearer(None, None)  # --insecure-dev
    check_bearer("Bearer s3cret-token-value-1234", "s3cret-token-value-1234")
    check_bearer("bearer   s3cret-token-value-1234 ", "s3cret-token-value-1234")
    for header, status in ((None, 401), ("Token x", 401), ("Bearer ", 401), ("Bearer nope", 403)):
        with pytest.raises(ApiError) as err:
            check_bearer(header, "s3cret-token-value-1234")
        assert err.value.status == status


def test_safe_href_only_allows_http():
    assert safe_href("https://x.example/a") == "https://x.example/a"
    for bad in ("javascript:alert(1)", "data:text/html,x", "//evil.example", "http://a b", None):
        assert safe_href(bad) is None


def test_marks_escape_text_and_merge_overlaps():
    text = "Russia & <North Korea> signed a treaty."
    events = [
        {"id": "e1", "code": "057", "modality": "occurred", "source": "RUS", "target": "PRK",
         "source_start": 0, "source_end": 6, "target_start": 9, "target_end": 22,
         "trigger_start": 23, "trigger_end": 29},
        {"id": "e2", "code": "057", "modality": "occurred", "source": "RUS", "target": None,
         "source_start": 0, "source_end": 6, "trigger_start": 23, "trigger_end": 29,
         "target_start": None, "target_end": None},
        # Crosses the target span: dropped rather than nesting badly.
        {"id": "e3", "code": "010", "modality": "occurred", "source_start": 15,
         "source_end": 27, "trigger_start": None, "trigger_end": None},
    ]
    html = str(mark(text, event_spans(events)))
    assert "&amp;" in html and "&lt;North Korea&gt;</mark>" in html
    assert html.count("<mark") == 3
    assert 'data-events="e1 e2"' in html and ">signed</mark>" in html


def test_sentence_marks_use_sentence_offsets():
    ev = {"id": "x", "code": "111", "modality": "claimed", "sentence_start": 100,
          "source": "USA", "source_start": 100, "source_end": 110, "target_start": None,
          "target_end": None, "trigger_start": 111, "trigger_end": 120}
    html = str(mark_sentence("Washington condemned it.", ev))
    assert html.startswith('<mark class="source"') and ">condemned</mark>" in html


def test_cache_makes_each_key_once_under_concurrency():
    cache = Cache(size=4)
    calls = []

    def make():
        calls.append(1)
        time.sleep(0.2)
        return "svg"

    results = []
    threads = [threading.Thread(target=lambda: results.append(cache.get_or_make("k", make)))
               for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == ["svg"] * 6 and len(calls) == 1
    for i in range(6):
        cache.get_or_make(i, lambda: i)
    assert cache.get_or_make("k", lambda: "redrawn") == "redrawn"  # evicted, made again


def test_content_key_changes_with_data():
    assert content_key([1, 2]) == content_key([1, 2]) != content_key([1, 3])


def test_read_pool_serves_parallel_readers(tmp_path):
    from detente.store import Store
    from detente.web.database import Busy, Database

    Store(tmp_path / "s.duckdb").close()
    db = Database(str(tmp_path / "s.duckdb"), readers=2, wait_seconds=0.2)
    try:
        with db.reader() as a, db.reader() as b:
            assert a is not b
            with pytest.raises(Busy):
                with db.reader():
                    pass
        with pytest.raises(Exception):
            with db.reader() as c:
                c.execute("SELECT * FROM no_such_table")
        with db.reader() as d:  # the broken cursor was replaced
            assert d.execute("SELECT 1").fetchall() == [(1,)]
        future = db.submit_write(lambda store: store.con.execute(
            "INSERT INTO articles (id, text) VALUES ('a1', 'x')").fetchall())
        future.result(timeout=30)
        assert db.generation == 1 and db.counts()["articles"] == 1
    finally:
        db.close()


def test_cors_and_allowed_hosts_when_configured(tmp_path):
    import httpx

    from _web_support import LiveServer
    from detente.store import Store
    from detente.web import WebConfig, create_app

    Store(tmp_path / "c.duckdb").close()
    config = WebConfig(db=str(tmp_path / "c.duckdb"), read_only=True,
                       cors_origins=("https://dash.example",), allowed_hosts=("127.0.0.1",))
    with LiveServer(create_app(config)) as server:
        ok = httpx.get(server.url + "/api/health", headers={"Origin": "https://dash.example"})
        assert ok.headers["access-control-allow-origin"] == "https://dash.example"
        other = httpx.get(server.url + "/api/health", headers={"Origin": "https://evil.example"})
        assert "access-control-allow-origin" not in other.headers
        rebound = httpx.get(server.url + "/api/health", headers={"Host": "evil.example"})
        assert rebound.status_code == 400
