-- gaoxin schema, version 18: the order in which runs were stored.
-- runs.created_at is in whole seconds, and two runs of one kind and year stored within the same
-- second were ordered by their random ids: the "latest" run could be the older one (a
-- re-evaluation right after an import could leave the page on the evaluation of the data before).
-- stored_us: microseconds since the Unix epoch when the run was stored, strictly increasing
-- within a process; the latest run is the one with the largest stored_us. Runs stored before this
-- version get their created_at in microseconds.
ALTER TABLE runs ADD COLUMN stored_us BIGINT NOT NULL DEFAULT 0
;;
UPDATE runs SET stored_us = created_at * 1000000
;;
DROP INDEX runs_kind_year
;;
CREATE INDEX runs_kind_year_stored ON runs (kind, year, stored_us)
