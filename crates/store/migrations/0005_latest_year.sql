-- Each firm's latest year with facts, kept by the import, so the enterprise list joins one
-- row per firm by primary key instead of searching for the maximum year per row.
ALTER TABLE enterprises ADD COLUMN latest_year BIGINT
;;
UPDATE enterprises SET latest_year = (SELECT MAX(f.year) FROM facts f WHERE f.uscc = enterprises.uscc)
