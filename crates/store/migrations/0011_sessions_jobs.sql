-- gaoxin schema, version 11: sign-in sessions and background jobs survive a restart.
-- sessions: token_hash = hex SHA-256 of the cookie's random token (the raw token is never stored);
-- username NULL = the anonymous session of the sign-in page (it holds only a CSRF token).
-- created, last_seen: unix seconds; idle_expires: last_seen + the idle lifetime (pushed forward
-- when the session is re-validated); absolute_expires: created + the absolute lifetime.
CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    username TEXT,
    csrf TEXT NOT NULL,
    must_change_password BIGINT NOT NULL DEFAULT 0,
    created BIGINT NOT NULL,
    last_seen BIGINT NOT NULL,
    idle_expires BIGINT NOT NULL,
    absolute_expires BIGINT NOT NULL
)
;;
CREATE INDEX sessions_username ON sessions (username)
;;
CREATE INDEX sessions_idle_expires ON sessions (idle_expires)
;;
-- jobs: imports (kind 'import', subject = the file name) and rules runs (kind 'rules',
-- subject = the year). state: running | done | failed | interrupted (the server stopped while it
-- ran). progress: the stage as shown; percent 0..100; result: the summary (done) or the error
-- message (failed). started, finished: unix seconds.
CREATE TABLE jobs (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    owner TEXT NOT NULL,
    subject TEXT NOT NULL,
    started BIGINT NOT NULL,
    finished BIGINT,
    state TEXT NOT NULL,
    progress TEXT NOT NULL DEFAULT '',
    percent BIGINT NOT NULL DEFAULT 0,
    result TEXT
)
;;
CREATE INDEX jobs_owner ON jobs (owner, kind, started)
;;
CREATE INDEX jobs_state ON jobs (state)
