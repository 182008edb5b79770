"""Shared by the web tests and bench/: a small store of constructed articles and events (text
written for these tests), and a real uvicorn server on a free loopback port in a thread."""
from __future__ import annotations

import datetime as dt
import socket
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

from detente.events.cameo import cameo_info
from detente.records import Event, Evidence, Place, content_id, event_id
from detente.store import Store

TOKEN = "test-token-0123456789abcdef"
CODER_VERSION = "web-test"


@dataclass
class Ev:
    """An event of a constructed article: the spans are found in the text by their words."""

    sentence: int
    source: Optional[str]
    source_words: Optional[str]
    target: Optional[str]
    target_words: Optional[str]
    code: str
    trigger: str
    date: Optional[str]
    modality: str = "occurred"
    asserted_by: Optional[str] = None
    cited: list[str] = field(default_factory=list)
    place: Optional[tuple[str, str]] = None


@dataclass
class Art:
    title: str
    outlet: str
    date: str
    sentences: list[str]
    events: list[Ev]
    url: Optional[str] = None

    @property
    def text(self) -> str:
        return " ".join(self.sentences)

    @property
    def id(self) -> str:
        return content_id(self.text, self.title)


ARTICLES = [
    Art("Putin lands in Pyongyang for talks with Kim", "Harbour Gazette", "2024-06-19", [
        "Russian President Vladimir Putin arrived in Pyongyang on Wednesday for talks with Kim Jong Un.",
        "The two leaders signed a strategic partnership treaty, state media said.",
        "Washington condemned the agreement on Thursday.",
    ], [
        Ev(0, "RUSGOV", "Russian President Vladimir Putin", "PRK", "Pyongyang", "042", "arrived",
           "2024-06-19", place=("Pyongyang", "PRK")),
        Ev(1, "RUS", "The two leaders", "PRK", "The two leaders", "057", "signed", "2024-06-19",
           modality="claimed", asserted_by="state media"),
        Ev(2, "USA", "Washington", "RUS", "the agreement", "111", "condemned", "2024-06-20"),
    ], url="https://gazette.example/putin-pyongyang"),
    Art("Putin visits North Korea", "Northern Wire", "2024-06-20", [
        "Vladimir Putin visited Pyongyang, where he met North Korean leader Kim Jong Un.",
        "Seoul said it was watching the visit closely (NW).",
    ], [
        Ev(0, "RUSGOV", "Vladimir Putin", "PRK", "Pyongyang", "042", "visited", "2024-06-19",
           cited=["NW"]),
        Ev(1, "KOR", "Seoul", "RUS", "the visit", "010", "said", "2024-06-20"),
    ], url="https://wire.example/2024/06/20/putin"),
    Art("North Korea fires missile toward Japan", "Harbour Gazette", "2024-03-02", [
        "North Korea fired a ballistic missile toward Japan on Saturday, Tokyo said.",
        "Japan protested the launch in a statement.",
    ], [
        Ev(0, "PRK", "North Korea", "JPN", "Japan", "190", "fired", "2024-03-02",
           modality="claimed", asserted_by="Tokyo"),
        Ev(1, "JPN", "Japan", "PRK", "the launch", "111", "protested", "2024-03-02"),
    ]),
    Art("Moscow and Pyongyang discuss trade", "Northern Wire", "2024-01-15", [
        "Russia and North Korea held talks on trade in Moscow on Monday.",
        "Russia may send food aid to North Korea next year, officials said.",
    ], [
        Ev(0, "RUS", "Russia", "PRK", "North Korea", "040", "held talks", "2024-01-15",
           place=("Moscow", "RUS")),
        Ev(1, "RUS", "Russia", "PRK", "North Korea", "070", "send", "2025", modality="hypothetical"),
    ]),
    Art("Kim meets Putin at the cosmodrome", "Harbour Gazette", "2023-09-13", [
        "Kim Jong Un met Vladimir Putin at the Vostochny Cosmodrome on Wednesday.",
        "China welcomed the meeting the next day.",
    ], [
        Ev(0, "PRK", "Kim Jong Un", "RUSGOV", "Vladimir Putin", "040", "met", "2023-09-13"),
        Ev(1, "CHN", "China", "RUS", "the meeting", "051", "welcomed", "2023-09-14"),
    ]),
    # Markup in stored text must come out as text, never as a tag.
    Art("<script>alert('x')</script> Odd headline", "Test <b>Outlet</b>", "2023-05-01", [
        "France criticised Germany over <img src=x onerror=alert(1)> a trade dispute.",
    ], [
        Ev(0, "FRA", "France", "DEU", "Germany", "111", "criticised", "2023-05-01"),
    ], url="javascript:alert(1)"),
]


def _span(text: str, words: Optional[str], start_at: int = 0) -> Optional[tuple[int, int]]:
    if not words:
        return None
    i = text.find(words, start_at)
    assert i >= 0, f"{words!r} not in {text!r}"
    return i, i + len(words)


def build_store(path: Path) -> dict[str, Any]:
    """Write ARTICLES with their events, merge them, and return what the tests check against."""
    from detente.relations.merge import merge_events

    summary: dict[str, Any] = {"articles": [], "events": []}
    with Store(path) as store:
        with store.transaction():
            for art in ARTICLES:
                text = art.text
                published = dt.datetime.fromisoformat(art.date).replace(tzinfo=dt.timezone.utc)
                store.con.execute(
                    "INSERT INTO articles (id, title, text, date, published, outlet, url, "
                    "canonical_id, n_chars) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [art.id, art.title, text, art.date, published, art.outlet, art.url, art.id,
                     len(text)])
                store.con.execute(
                    "INSERT INTO article_sources (article_id, outlet, url, title, date) "
                    "VALUES (?, ?, ?, ?, ?)", [art.id, art.outlet, art.url, art.title, art.date])
                events = []
                starts = [0]
                for s in art.sentences[:-1]:
                    starts.append(starts[-1] + len(s) + 1)
                for ev in art.events:
                    s0 = starts[ev.sentence]
                    sentence = art.sentences[ev.sentence]
                    trig = _span(text, ev.trigger, s0)
                    info = cameo_info(ev.code)
                    evid = Evidence(
                        article_id=art.id, sentence_index=ev.sentence, sentence=sentence,
                        sentence_start=s0, trigger=ev.trigger, trigger_start=trig[0],
                        trigger_end=trig[1], source_span=_span(text, ev.source_words, s0),
                        target_span=_span(text, ev.target_words, s0) if ev.target_words != ev.source_words else None,
                        asserted_by=ev.asserted_by, cited_sources=list(ev.cited))
                    precision = {4: "year", 7: "month"}.get(len(ev.date or ""), "day") if ev.date else None
                    events.append(Event(
                        id=event_id(art.id, ev.sentence, trig[0], ev.source, ev.target, ev.code),
                        source=ev.source, target=ev.target, code=ev.code, root=info.root,
                        quad_class=info.quad_class, goldstein=info.goldstein, plover=info.plover,
                        modality=ev.modality, date=ev.date, date_precision=precision,
                        place=Place(*ev.place) if ev.place else None, evidence=evid,
                        source_country=ev.source[:3] if ev.source else None,
                        target_country=ev.target[:3] if ev.target else None))
                store.replace_events(art.id, events, CODER_VERSION)
                summary["articles"].append(art.id)
                summary["events"].extend(e.id for e in events)
        merge_events(store)
        summary["n_articles"] = store.count("articles")
        summary["n_events"] = store.count("events")
    return summary


class LiveServer:
    """uvicorn serving ``app`` on a free 127.0.0.1 port, in a daemon thread."""

    def __init__(self, app: Any):
        import uvicorn

        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(app, log_level="warning", lifespan="on", server_header=False)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]},
                                       daemon=True, name=f"uvicorn-{self.port}")

    def __enter__(self) -> "LiveServer":
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the test server did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=20)
        self.sock.close()


# -- servers shared by the web test modules ---------------------------------------------------

class FakeCoder:
    """For the --insecure-dev server only: stores articles with no events, instantly."""

    version = "fake-coder"

    def code_many(self, items, batch_size: int = 64):
        for article_id, _text, _date in items:
            yield article_id, []


_SERVERS: dict[str, Any] = {}


def servers() -> dict[str, Any]:
    """One store and three servers over copies of it, built once per test process:
    ``rw`` (writable, bearer token, the real coder), ``ro`` (--read-only) and ``dev``
    (--insecure-dev, no token).  Stopped at exit."""
    if _SERVERS:
        return _SERVERS
    import atexit
    import shutil
    import tempfile

    from detente.web import WebConfig, create_app

    tmp = Path(tempfile.mkdtemp(prefix="detente-web-"))
    summary = build_store(tmp / "rw.duckdb")
    shutil.copy(tmp / "rw.duckdb", tmp / "ro.duckdb")
    shutil.copy(tmp / "rw.duckdb", tmp / "dev.duckdb")
    configs = {
        "rw": WebConfig(db=str(tmp / "rw.duckdb"), token=TOKEN, max_body=256 * 1024),
        "ro": WebConfig(db=str(tmp / "ro.duckdb"), read_only=True),
        "dev": WebConfig(db=str(tmp / "dev.duckdb"), insecure_dev=True, coder_factory=FakeCoder),
    }
    live = {name: LiveServer(create_app(cfg)).__enter__() for name, cfg in configs.items()}

    def stop() -> None:
        for server in live.values():
            server.__exit__(None, None, None)
        shutil.rmtree(tmp, ignore_errors=True)

    atexit.register(stop)
    _SERVERS.update(live)
    _SERVERS["summary"] = summary
    _SERVERS["tmp"] = tmp
    return _SERVERS
