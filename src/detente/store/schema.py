"""Versioned DuckDB schema.

Each migration is a list of SQL statements applied in one transaction; ``schema_version``
records which have run.  Append new migrations at the end, never edit an applied one: users'
stores were built by the old text.  ``docs/schema.md`` documents the resulting tables.
"""
from __future__ import annotations

MIGRATIONS: list[tuple[int, str, list[str]]] = [
    (
        1,
        "articles, their sources, events",
        [
            """
            CREATE TABLE articles (
                id            VARCHAR PRIMARY KEY,   -- content hash of the normalised body
                title         VARCHAR,
                text          VARCHAR NOT NULL,      -- cleaned body
                date          VARCHAR,               -- ISO 8601 as given (date or timestamp)
                published     TIMESTAMPTZ,           -- parsed, for range queries; NULL if unknown
                outlet        VARCHAR,
                url           VARCHAR,
                author        VARCHAR,
                source_id     VARCHAR,
                source_path   VARCHAR,
                source_format VARCHAR,
                lang          VARCHAR,
                extra         JSON,
                canonical_id  VARCHAR,               -- near-duplicate cluster head (itself if unique)
                minhash       UBIGINT[],             -- MinHash signature for near-duplicate search
                n_chars       INTEGER,
                ingested_at   TIMESTAMPTZ DEFAULT current_timestamp
            )
            """,
            # Every place an article was seen: exact copies and syndicated near-copies keep
            # their outlet and URL here, so provenance is never first-URL-only.
            """
            CREATE TABLE article_sources (
                article_id   VARCHAR NOT NULL,
                outlet       VARCHAR,
                url          VARCHAR,
                title        VARCHAR,
                date         VARCHAR,
                source_id    VARCHAR,
                source_path  VARCHAR,
                seen_at      TIMESTAMPTZ DEFAULT current_timestamp
            )
            """,
            "CREATE UNIQUE INDEX article_sources_key ON article_sources "
            "(article_id, coalesce(outlet, ''), coalesce(url, ''), coalesce(source_id, ''))",
            """
            CREATE TABLE events (
                id              VARCHAR PRIMARY KEY,  -- deterministic, see records.event_id
                article_id      VARCHAR NOT NULL,
                sentence_index  INTEGER NOT NULL,
                sentence        VARCHAR,
                sentence_start  INTEGER,
                source          VARCHAR,             -- CAMEO actor code, e.g. RUSGOV
                source_country  VARCHAR,
                source_name     VARCHAR,
                source_start    INTEGER,
                source_end      INTEGER,
                target          VARCHAR,
                target_country  VARCHAR,
                target_name     VARCHAR,
                target_start    INTEGER,
                target_end      INTEGER,
                code            VARCHAR NOT NULL,    -- CAMEO verb code
                root            VARCHAR NOT NULL,
                quad_class      TINYINT,
                goldstein       DOUBLE,
                plover          VARCHAR,
                plover_mode     VARCHAR,
                modality        VARCHAR NOT NULL,
                date            VARCHAR,             -- YYYY, YYYY-MM or YYYY-MM-DD
                date_precision  VARCHAR,
                event_day       DATE,                -- first day of the date, for series
                place           VARCHAR,
                place_country   VARCHAR,
                trigger         VARCHAR,
                trigger_start   INTEGER,
                trigger_end     INTEGER,
                asserted_by     VARCHAR,
                cited_sources   VARCHAR[],
                confidence      DOUBLE,
                coder_version   VARCHAR
            )
            """,
            "CREATE INDEX events_article ON events (article_id)",
            "CREATE INDEX events_dyad ON events (source_country, target_country)",
            # Which articles have been through the coder (with which version), so an article
            # with no events is not re-coded on every run.
            """
            CREATE TABLE coded_articles (
                article_id    VARCHAR PRIMARY KEY,
                coder_version VARCHAR,
                n_events      INTEGER,
                coded_at      TIMESTAMPTZ DEFAULT current_timestamp
            )
            """,
        ],
    ),
    (
        2,
        "merged events (one row per real-world event) and their member reports",
        [
            # One row per real-world event: the reports of it across articles, outlets and days
            # (detente.relations.merge).  Analytics count these by default, reports on request.
            """
            CREATE TABLE merged_events (
                id              VARCHAR PRIMARY KEY,  -- 'm' + hash of the anchor report's id
                block           VARCHAR NOT NULL,     -- 'A|B|root': unit of incremental re-merging
                source          VARCHAR,              -- representative direction (most reported)
                source_country  VARCHAR,
                source_name     VARCHAR,
                target          VARCHAR,
                target_country  VARCHAR,
                target_name     VARCHAR,
                code            VARCHAR NOT NULL,     -- most reported CAMEO code
                root            VARCHAR NOT NULL,
                quad_class      TINYINT,
                goldstein       DOUBLE,
                plover          VARCHAR,
                plover_mode     VARCHAR,
                modality        VARCHAR NOT NULL,     -- consensus of the reports
                date            VARCHAR,              -- most precise date the reports support
                date_precision  VARCHAR,
                event_day       DATE,
                place           VARCHAR,
                place_country   VARCHAR,
                sentence        VARCHAR,              -- representative evidence sentence
                article_id      VARCHAR,              -- ... and its article
                n_reports       INTEGER NOT NULL,
                n_articles      INTEGER NOT NULL,
                n_outlets       INTEGER NOT NULL,
                outlets         VARCHAR[],
                first_seen      TIMESTAMPTZ,          -- earliest publication among the reports
                last_seen       TIMESTAMPTZ,
                disagreement    BOOLEAN NOT NULL,     -- reports differ on date or modality
                disagrees_on    VARCHAR[],            -- which: 'date', 'modality'
                dimensions      VARCHAR[],            -- diplomatic, military, economic[:sub], ...
                planned_link    VARCHAR,              -- planned event -> merged event realising it
                confidence      DOUBLE,
                merged_at       TIMESTAMPTZ DEFAULT current_timestamp
            )
            """,
            "CREATE INDEX merged_events_dyad ON merged_events (source_country, target_country)",
            "CREATE INDEX merged_events_block ON merged_events (block)",
            # Every report behind a merged event, so all evidence stays reachable.
            """
            CREATE TABLE event_merge_members (
                event_id     VARCHAR PRIMARY KEY,     -- events.id (a report is in one merged event)
                merged_id    VARCHAR NOT NULL,        -- merged_events.id
                block        VARCHAR NOT NULL,
                article_id   VARCHAR,
                similarity   DOUBLE,                  -- evidence similarity when it joined (0-100)
                fingerprint  VARCHAR,                 -- hash of the fields merging reads
                dimensions   VARCHAR[]
            )
            """,
            "CREATE INDEX event_merge_members_merged ON event_merge_members (merged_id)",
        ],
    ),
    (
        3,
        "dyad-month rollups of merged events and reports for dyad series",
        [
            # Merged events (and, in dyad_report_periods, reports) summed per unordered pair,
            # month and modality, with each group's best events (detente.relations.rollup).
            # Filled by the next `detente merge`; until then rollup_state does not match and
            # series aggregate merged_events / events as before.
            """
            CREATE TABLE dyad_periods (
                pair       VARCHAR NOT NULL,   -- 'A|B' as in merged_events.block ('A|B|root')
                month      INTEGER NOT NULL,   -- year * 12 + month - 1 of event_day
                modality   VARCHAR NOT NULL,
                n_events   INTEGER NOT NULL,
                n_reports  BIGINT NOT NULL,
                q1         INTEGER NOT NULL,   -- events by quad class
                q2         INTEGER NOT NULL,
                q3         INTEGER NOT NULL,
                q4         INTEGER NOT NULL,
                n_scored   INTEGER NOT NULL,   -- events with a Goldstein score
                gsum       DOUBLE NOT NULL,    -- sum of Goldstein scores
                gabs       DOUBLE NOT NULL,    -- sum of their magnitudes
                first_day  DATE NOT NULL,
                last_day   DATE NOT NULL
            )
            """,
            "CREATE TABLE dyad_report_periods AS SELECT * FROM dyad_periods LIMIT 0",
            # The best TOP_KEPT events of each (pair, month, modality) group, best first.
            """
            CREATE TABLE dyad_period_tops (
                pair      VARCHAR NOT NULL,
                month     INTEGER NOT NULL,
                modality  VARCHAR NOT NULL,
                rank      BIGINT NOT NULL,     -- packed score, reports and day (rank_value_sql)
                id        VARCHAR NOT NULL,    -- merged_events.id (events.id for reports)
                locator   BIGINT               -- the row's position when written, checked by id
            )
            """,
            "CREATE TABLE dyad_report_period_tops AS SELECT * FROM dyad_period_tops LIMIT 0",
            # Which state of its source each rollup reflects: the source's row count (and for
            # reports the latest coded_articles.coded_at) when it was last brought up to date.
            """
            CREATE TABLE rollup_state (
                name          VARCHAR PRIMARY KEY,
                source_rows   BIGINT NOT NULL,
                source_stamp  TIMESTAMPTZ,
                built_at      TIMESTAMPTZ DEFAULT current_timestamp
            )
            """,
        ],
    ),
    (
        4,
        "dyad-month rollups keep their top events' summaries",
        [
            # A series read the rollup's picked events from merged_events by position: most of
            # its time.  The best events now carry every field a series shows, so a series
            # reads the rollup alone.  The old rows lack them: the tables are recreated empty
            # and rollup_state cleared, so series read the tables until the next
            # `detente merge` rebuilds the rollups.
            "DROP TABLE dyad_period_tops",
            "DROP TABLE dyad_report_period_tops",
            """
            CREATE TABLE dyad_period_tops (
                pair      VARCHAR NOT NULL,
                month     INTEGER NOT NULL,
                modality  VARCHAR NOT NULL,
                rank      BIGINT NOT NULL,     -- packed score, reports and day (rank_value_sql)
                pos       TINYINT NOT NULL,    -- its place in the group by rank: 1 = the best
                id        VARCHAR NOT NULL,    -- merged_events.id (events.id for reports)
                -- The event's other summary fields as one JSON array (one column to decode
                -- instead of twenty-odd: detente.relations.rollup.TOP_FIELDS).
                fields    VARCHAR NOT NULL
            )
            """,
            "CREATE TABLE dyad_report_period_tops AS SELECT * FROM dyad_period_tops LIMIT 0",
            "DELETE FROM rollup_state",
        ],
    ),
]

SCHEMA_VERSION = MIGRATIONS[-1][0]
