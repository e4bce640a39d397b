-- gaoxin schema, version 2: platform accounts. Portable SQL for SQLite and PostgreSQL.
-- role: zone_admin | zone_analyst | park_admin (park set) | enterprise (uscc set).
-- locked_until: unix seconds; 0 = not locked.
CREATE TABLE users (
    username TEXT PRIMARY KEY,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL,
    park TEXT,
    uscc TEXT,
    disabled BIGINT NOT NULL,
    failed_logins BIGINT NOT NULL,
    locked_until BIGINT NOT NULL,
    created_at BIGINT NOT NULL
)
