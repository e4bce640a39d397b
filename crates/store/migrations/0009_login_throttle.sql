-- gaoxin schema, version 9: failed sign-ins by network address and username, so that sign-in is
-- throttled per address (and per address and account) rather than only per account: an attacker
-- cannot lock someone else out, and the answer for an unknown account is the same as for a known one.
-- An attempt is recorded before its password is checked (so that concurrent attempts count each
-- other) and deleted when it succeeds or is refused unchecked; attempt: its random id.
-- at: unix seconds. Rows older than the throttle window are deleted as new attempts come in.
CREATE TABLE login_failures (
    address TEXT NOT NULL,
    username TEXT NOT NULL,
    at BIGINT NOT NULL,
    attempt TEXT NOT NULL
)
;;
CREATE INDEX login_failures_address ON login_failures (address, at)
;;
CREATE INDEX login_failures_username ON login_failures (username)
;;
CREATE INDEX login_failures_at ON login_failures (at)
;;
CREATE INDEX login_failures_attempt ON login_failures (attempt)
