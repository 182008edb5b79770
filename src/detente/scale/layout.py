"""The Parquet event lake on disk: layout, schemas, atomic partition commits, the lock.

::

    LAKE/
      _lake.json                         format, version, partition size
      _lock                              held (flock) by the one run or maintenance job at work
      _commits/<key>.json                one marker per committed input partition
      _commits/_checkpoint-<seq>.jsonl   every marker at the last compaction, in one file
      articles/month=YYYY-MM/part-<key>.parquet     articles by publication month
      events/month=YYYY-MM/part-<key>.parquet       events (with evidence) by event month
      sources/part-<key>.parquet                    every place each article was seen
      derived/<digest>/...               lake-wide tables (owners, near-duplicate links,
                                         merged events) computed by finalize; see derive.py
      _derived.json                      which derived/ folder is current, for which partitions
      _tmp/                              work in progress; anything here is garbage

A partition commits in three steps: its files are written and fsynced in a private folder
under ``_tmp``, renamed into place one by one, and only then is its marker written (itself by
rename).  Readers list files from markers, never by globbing, so a partition killed between
the renames and the marker is invisible; the next run redoes it, writing the same file names
with the same bytes (ids and row order are deterministic).  Nothing in the commit path deletes
anything, which is what makes a stale worker of a killed run harmless.
"""
from __future__ import annotations

import errno
import fcntl
import hashlib
import json
import os
import shutil
import uuid
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Iterable, Iterator, Optional

import pyarrow as pa
import pyarrow.parquet as pq

FORMAT = "detente-lake"
FORMAT_VERSION = 1
MANIFEST = "_lake.json"
COMMITS = "_commits"
TMP = "_tmp"
DERIVED = "derived"
DERIVED_STATE = "_derived.json"
LOCK = "_lock"
CHECKPOINT_PREFIX = "_checkpoint-"
UNKNOWN_MONTH = "unknown"
TABLES = ("articles", "events", "sources")
# Columns every raw table carries besides the store's: ``part`` is the partition key (which
# copy of a duplicated article owns it is decided per partition), ``origin`` the input position
# ("path<TAB>offset<TAB>index") that orders documents as the input did.
COMPRESSION = "zstd"


class LakeError(RuntimeError):
    """A lake that cannot be used as asked: one clear line for the user."""


# -- schemas ---------------------------------------------------------------------------------
ARTICLE_SCHEMA = pa.schema([
    ("id", pa.string()), ("title", pa.string()), ("text", pa.string()), ("date", pa.string()),
    ("published", pa.timestamp("us", tz="UTC")), ("outlet", pa.string()), ("url", pa.string()),
    ("author", pa.string()), ("source_id", pa.string()), ("source_path", pa.string()),
    ("source_format", pa.string()), ("lang", pa.string()), ("extra", pa.string()),
    ("minhash", pa.list_(pa.uint64())), ("n_chars", pa.int32()),
    ("coder_version", pa.string()),  # NULL: not coded (--no-code, or the coder failed on it)
    ("n_events", pa.int32()),
    ("origin", pa.string()), ("part", pa.string()),
])

EVENT_SCHEMA = pa.schema([
    ("id", pa.string()), ("article_id", pa.string()), ("sentence_index", pa.int32()),
    ("sentence", pa.string()), ("sentence_start", pa.int32()),
    ("source", pa.string()), ("source_country", pa.string()), ("source_name", pa.string()),
    ("source_start", pa.int32()), ("source_end", pa.int32()),
    ("target", pa.string()), ("target_country", pa.string()), ("target_name", pa.string()),
    ("target_start", pa.int32()), ("target_end", pa.int32()),
    ("code", pa.string()), ("root", pa.string()), ("quad_class", pa.int8()),
    ("goldstein", pa.float64()), ("plover", pa.string()), ("plover_mode", pa.string()),
    ("modality", pa.string()), ("date", pa.string()), ("date_precision", pa.string()),
    ("event_day", pa.date32()), ("place", pa.string()), ("place_country", pa.string()),
    ("trigger", pa.string()), ("trigger_start", pa.int32()), ("trigger_end", pa.int32()),
    ("asserted_by", pa.string()), ("cited_sources", pa.list_(pa.string())),
    ("confidence", pa.float64()), ("coder_version", pa.string()),
    ("part", pa.string()),
])

SOURCE_SCHEMA = pa.schema([
    ("article_id", pa.string()), ("outlet", pa.string()), ("url", pa.string()),
    ("title", pa.string()), ("date", pa.string()), ("source_id", pa.string()),
    ("source_path", pa.string()), ("origin", pa.string()), ("part", pa.string()),
])

SCHEMAS = {"articles": ARTICLE_SCHEMA, "events": EVENT_SCHEMA, "sources": SOURCE_SCHEMA}


def partition_key(fingerprint: dict[str, Any]) -> str:
    """Content-defined partition key: the same input range with the same bytes always gets the
    same key, whichever run, client or worker computes it."""
    blob = json.dumps(fingerprint, sort_keys=True, ensure_ascii=False).encode("utf-8")
    return hashlib.sha256(blob).hexdigest()[:24]


def table_file(table: str, key: str, month: Optional[str] = None) -> str:
    """Relative path of one partition's file of ``table`` (and month)."""
    if table == "sources":
        return f"sources/part-{key}.parquet"
    return f"{table}/month={month or UNKNOWN_MONTH}/part-{key}.parquet"


# -- markers ---------------------------------------------------------------------------------
@dataclass
class Marker:
    """Proof that a partition is in the lake: what input it covers and what it wrote."""

    key: str
    fingerprint: dict[str, Any]
    files: list[str]
    rows: dict[str, int] = field(default_factory=dict)
    problems: list[list[Any]] = field(default_factory=list)  # [path, reason, kind, count]
    coder_version: Optional[str] = None
    # Checkpoint sequence current when the marker was written: a marker older than the newest
    # checkpoint is superseded by that checkpoint's copy (which has the compacted file names).
    after: int = 0

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Marker":
        return cls(**{k: d[k] for k in cls.__dataclass_fields__ if k in d})


def fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:  # some network file systems refuse fsync on a directory
        pass
    finally:
        os.close(fd)


def atomic_write_text(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` so that readers see the old file or the new one, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    _fsync_dir(path.parent)


def write_parquet(table: pa.Table, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, path, compression=COMPRESSION)
    fsync_file(path)


# -- the lake --------------------------------------------------------------------------------
class Lake:
    """A lake folder.  ``Lake(path)`` opens an existing lake; ``Lake(path, create=True)``
    also makes a new one."""

    def __init__(self, path: str | os.PathLike, create: bool = False):
        self.root = Path(path)
        manifest = self.root / MANIFEST
        if not manifest.exists():
            if not create:
                if self.root.exists() and not self.root.is_dir():
                    raise LakeError(f"{self.root}: not a folder")
                raise LakeError(f"{self.root}: not a detente lake (no {MANIFEST}); "
                                "build one with `detente run INPUT... --lake DIR`")
            if self.root.exists() and any(p for p in self.root.iterdir()
                                          if not p.name.startswith(".")):
                raise LakeError(f"{self.root}: folder exists and is not empty; give a new or "
                                "empty folder for a new lake")
            self.root.mkdir(parents=True, exist_ok=True)
            atomic_write_text(manifest, json.dumps(
                {"format": FORMAT, "version": FORMAT_VERSION, "partition_size": None}, indent=2))
        try:
            self.manifest = json.loads(manifest.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise LakeError(f"{manifest}: unreadable lake manifest ({exc})") from exc
        if self.manifest.get("format") != FORMAT:
            raise LakeError(f"{manifest}: not a detente lake manifest")
        if self.manifest.get("version", 0) > FORMAT_VERSION:
            raise LakeError(f"{self.root}: lake format {self.manifest.get('version')} is newer "
                            f"than this detente reads ({FORMAT_VERSION}); upgrade detente")

    def __repr__(self) -> str:
        return f"Lake({str(self.root)!r})"

    # -- manifest -------------------------------------------------------------------------
    @property
    def partition_size(self) -> Optional[int]:
        return self.manifest.get("partition_size")

    def set_partition_size(self, size: int) -> None:
        """Fix the partition size on first use.  It is part of the lake's identity: partition
        boundaries (hence keys) and the per-partition template-line cleaning depend on it."""
        current = self.partition_size
        if current is None:
            self.manifest["partition_size"] = size
            atomic_write_text(self.root / MANIFEST, json.dumps(self.manifest, indent=2))
        elif current != size:
            raise LakeError(f"{self.root}: this lake was built with --partition-size {current}; "
                            f"resume or extend it with the same size (got {size})")

    # -- the lock -------------------------------------------------------------------------
    @contextmanager
    def locked(self, what: str) -> Iterator[None]:
        """One run or maintenance job per lake at a time.  An flock, so a killed holder
        (kill -9 included) releases it with its process."""
        path = self.root / LOCK
        fh = open(path, "a+", encoding="utf-8")
        try:
            try:
                fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError as exc:
                if exc.errno not in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                    raise
                fh.seek(0)
                holder = fh.read().strip() or "another process"
                raise LakeError(f"{self.root}: the lake is in use ({holder}); wait for it to "
                                "finish") from None
            fh.seek(0)
            fh.truncate()
            fh.write(f"{what}, pid {os.getpid()}")
            fh.flush()
            yield
        finally:
            fh.close()

    # -- markers --------------------------------------------------------------------------
    def marker_path(self, key: str) -> Path:
        return self.root / COMMITS / f"{key}.json"

    def checkpoint_seq(self) -> int:
        folder = self.root / COMMITS
        if not folder.is_dir():
            return 0
        seqs = [int(p.name[len(CHECKPOINT_PREFIX):-len(".jsonl")])
                for p in folder.iterdir()
                if p.name.startswith(CHECKPOINT_PREFIX) and p.name.endswith(".jsonl")]
        return max(seqs, default=0)

    def markers(self) -> dict[str, Marker]:
        """Every committed partition, by key."""
        folder = self.root / COMMITS
        out: dict[str, Marker] = {}
        if not folder.is_dir():
            return out
        seq = self.checkpoint_seq()
        if seq:
            path = folder / f"{CHECKPOINT_PREFIX}{seq:06d}.jsonl"
            with open(path, encoding="utf-8") as fh:
                for line in fh:
                    if line.strip():
                        m = Marker.from_dict(json.loads(line))
                        out[m.key] = m
        for p in folder.iterdir():
            if p.suffix != ".json" or p.name.startswith("."):
                continue
            try:
                m = Marker.from_dict(json.loads(p.read_text(encoding="utf-8")))
            except (OSError, ValueError, TypeError):
                continue  # a marker is written by rename: unreadable means not ours
            if m.key not in out or m.after >= seq:
                out[m.key] = m
        return out

    def marker(self, key: str) -> Optional[Marker]:
        path = self.marker_path(key)
        if path.exists():
            try:
                m = Marker.from_dict(json.loads(path.read_text(encoding="utf-8")))
            except (OSError, ValueError, TypeError):
                m = None
            if m is not None and m.after >= self.checkpoint_seq():
                return m
        seq = self.checkpoint_seq()
        if not seq:
            return None
        return self.markers().get(key)

    def is_committed(self, key: str, fingerprint: dict[str, Any],
                     markers: Optional[dict[str, Marker]] = None) -> bool:
        """The partition is in the lake: its marker names this input and its files exist (a
        file lost after the commit makes the partition be redone, never half-counted)."""
        m = markers.get(key) if markers is not None else self.marker(key)
        if m is None or m.fingerprint != fingerprint:
            return False
        return all((self.root / f).exists() for f in m.files)

    def work_dir(self, what: str) -> Path:
        """A private folder under ``_tmp`` to write a partition's files before the commit."""
        work = self.root / TMP / f"{what}.{uuid.uuid4().hex}"
        work.mkdir(parents=True, exist_ok=True)
        return work

    def commit(self, key: str, fingerprint: dict[str, Any], tables: dict[str, list[tuple[str, pa.Table]]],
               *, rows: dict[str, int], problems: Iterable[list[Any]] = (),
               coder_version: Optional[str] = None, checkpoint: Optional[int] = None) -> Marker:
        """Commit one partition: ``tables`` maps table name -> [(relative path, rows)]."""
        work = self.work_dir(key)
        try:
            files: list[str] = []
            for name in TABLES:
                for rel, table in tables.get(name, []):
                    write_parquet(table, work / rel)
                    files.append(rel)
            return self.commit_files(key, fingerprint, work, files, rows=rows, problems=problems,
                                     coder_version=coder_version, checkpoint=checkpoint)
        finally:
            shutil.rmtree(work, ignore_errors=True)

    def commit_files(self, key: str, fingerprint: dict[str, Any], work: Path, files: list[str],
                     *, rows: dict[str, int], problems: Iterable[list[Any]] = (),
                     coder_version: Optional[str] = None, checkpoint: Optional[int] = None) -> Marker:
        """Move ``files`` (relative paths, written and fsynced under ``work``) into place, then
        write the marker: the partition is committed when, and only when, the marker exists."""
        for rel in files:
            target = self.root / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(work / rel, target)
        for parent in {(self.root / rel).parent for rel in files}:
            _fsync_dir(parent)
        marker = Marker(key=key, fingerprint=fingerprint, files=sorted(files), rows=dict(rows),
                        problems=[list(p) for p in problems], coder_version=coder_version,
                        after=self.checkpoint_seq() if checkpoint is None else checkpoint)
        self._write_marker(marker)
        return marker

    def _write_marker(self, marker: Marker) -> None:
        atomic_write_text(self.marker_path(marker.key),
                          json.dumps(asdict(marker), ensure_ascii=False, sort_keys=True))

    # -- what readers see -----------------------------------------------------------------
    def visible_files(self, markers: Optional[dict[str, Marker]] = None) -> dict[str, list[str]]:
        """Committed files of each raw table (relative paths, sorted)."""
        markers = self.markers() if markers is None else markers
        out: dict[str, set[str]] = {t: set() for t in TABLES}
        for m in markers.values():
            for f in m.files:
                out[f.split("/", 1)[0]].add(f)
        return {t: sorted(v) for t, v in out.items()}

    def committed_digest(self, markers: Optional[dict[str, Marker]] = None) -> str:
        """Identity of the committed input: derived tables are current when computed from
        this digest.  Compaction rewrites files, not content, so it does not change it."""
        markers = self.markers() if markers is None else markers
        h = hashlib.sha256()
        for key in sorted(markers):
            h.update(key.encode("ascii") + b"\n")
        return h.hexdigest()[:24]

    def derived_state(self) -> Optional[dict[str, Any]]:
        path = self.root / DERIVED_STATE
        if not path.exists():
            return None
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None

    def clean_tmp(self) -> None:
        """Remove leftovers of killed runs.  Only under the lock: a live worker of the same
        run may be writing there."""
        shutil.rmtree(self.root / TMP, ignore_errors=True)
