-- gaoxin schema, version 25: firms listed by the pinyin of their names (issue 18).
-- enterprises.name_key: `gaoxin_model::name_order::sort_key(name)`, ASCII digits and lower-case
-- letters only, so SQLite and PostgreSQL (whatever its collation) order it alike. Written with
-- the name by every upsert; rows stored before this version get theirs when the store opens
-- (`name_key::fill_missing`), since SQL cannot compute pinyin.
ALTER TABLE enterprises ADD COLUMN name_key TEXT NOT NULL DEFAULT ''
;;
CREATE INDEX enterprises_name_key ON enterprises (name_key, uscc)
