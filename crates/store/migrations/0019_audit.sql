-- gaoxin schema, version 19: the audit trail (issue 13) — who did what, when, to which record.
-- Append-only: the store has no statement that updates or deletes a row of audit_log.
-- at_us: microseconds since the Unix epoch, strictly increasing within a process (the order of
-- entries). actor: the user name, "system" (background work of the server) or "cli:<os user>".
-- role: the actor's role key, "system" or "cli". action: a dotted name ("import.commit",
-- "park_input.set", "appeal.transition", "user.create", "personal.read" …). park: the park the
-- record belongs to ('' = the zone's own record); a park administrator reads the entries of their
-- park only. subject: the record (a credit code, an appeal id, a user name, a run id …).
-- detail: JSON text, what changed (before and after) or a summary.
CREATE TABLE audit_log (
    id TEXT PRIMARY KEY,
    at_us BIGINT NOT NULL,
    actor TEXT NOT NULL,
    role TEXT NOT NULL,
    action TEXT NOT NULL,
    park TEXT NOT NULL,
    subject TEXT NOT NULL,
    detail TEXT NOT NULL
)
;;
CREATE INDEX audit_log_at ON audit_log (at_us)
;;
CREATE INDEX audit_log_subject ON audit_log (subject, at_us)
;;
CREATE INDEX audit_log_park ON audit_log (park, at_us)
