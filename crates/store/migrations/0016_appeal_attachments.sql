-- gaoxin schema, version 16: attachments of appeals (附件).
-- One row per file: seq 1, 2, … within its appeal; content: the bytes in standard base64 (TEXT,
-- so one migration serves SQLite and PostgreSQL); sha256: hex of the bytes; added_at: unix
-- seconds. Rows are never updated or deleted (an appeal's record keeps every file it was given).
CREATE TABLE appeal_attachments (
    appeal_id BIGINT NOT NULL REFERENCES appeals(id),
    seq BIGINT NOT NULL,
    name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    content TEXT NOT NULL,
    added_by TEXT NOT NULL,
    added_at BIGINT NOT NULL,
    PRIMARY KEY (appeal_id, seq)
)
