-- gaoxin schema, version 3: indicator-engine inputs and results, bank access with consent.
-- Portable SQL for SQLite and PostgreSQL (BIGINT / DOUBLE PRECISION / TEXT only). Times are unix seconds.
-- park_inputs: park-level indicator values entered by analysts (an absent row is a missing value).
CREATE TABLE park_inputs (
    park TEXT NOT NULL,
    year BIGINT NOT NULL,
    indicator TEXT NOT NULL,
    value DOUBLE PRECISION NOT NULL,
    entered_by TEXT NOT NULL,
    entered_at BIGINT NOT NULL,
    PRIMARY KEY (park, year, indicator)
)
;;
CREATE INDEX runs_kind_year ON runs (kind, year, created_at)
;;
-- points: each firm's innovation points of a year, from the latest points run of that year.
-- detail: JSON (gaoxin_index::report::FirmPoints).
CREATE TABLE points (
    uscc TEXT NOT NULL,
    year BIGINT NOT NULL,
    run_id TEXT NOT NULL,
    stage TEXT NOT NULL,
    total DOUBLE PRECISION NOT NULL,
    detail TEXT NOT NULL,
    PRIMARY KEY (uscc, year)
)
;;
CREATE INDEX points_year ON points (year)
;;
-- banks: registered by a zone administrator; only the SHA-256 of the API key is kept.
CREATE TABLE banks (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    key_hash TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL,
    disabled BIGINT NOT NULL
)
;;
-- consents: a firm lets a bank read its points until expires_at, unless revoked.
CREATE TABLE consents (
    id TEXT PRIMARY KEY,
    uscc TEXT NOT NULL,
    bank_id TEXT NOT NULL,
    granted_by TEXT NOT NULL,
    granted_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    revoked_at BIGINT,
    FOREIGN KEY (bank_id) REFERENCES banks (id)
)
;;
CREATE INDEX consents_uscc ON consents (uscc)
;;
-- consent_access_log: every bank read of a firm's data, allowed or refused.
CREATE TABLE consent_access_log (
    id TEXT PRIMARY KEY,
    uscc TEXT NOT NULL,
    bank_id TEXT NOT NULL,
    at BIGINT NOT NULL,
    path TEXT NOT NULL,
    allowed BIGINT NOT NULL
)
;;
CREATE INDEX consent_access_log_uscc ON consent_access_log (uscc, at)
