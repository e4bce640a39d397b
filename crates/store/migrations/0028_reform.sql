-- gaoxin schema, version 28 (issue 20's remainder): reforms adopted, and special-fund lines
-- made append-only.
-- reform_adoptions: one row per adopted reform, never updated or deleted. id: 1, 2, …; at: unix
-- seconds; adopter: the user name (cli:<os user> from the command line); reform_key: the saved
-- reform's file name without .toml; reform_name / author / note: the reform's; effective_on:
-- yyyymmdd, the day the new rule-file versions take effect; files: one line per rule file written
-- (`id: old version → new version`); diff: JSON list of {rule, item, before, after} as shown
-- before confirming; rules_dir: the directory the new versions were written to.
CREATE TABLE reform_adoptions (
    id BIGINT PRIMARY KEY,
    at BIGINT NOT NULL,
    adopter TEXT NOT NULL,
    reform_key TEXT NOT NULL,
    reform_name TEXT NOT NULL,
    author TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    effective_on BIGINT NOT NULL,
    files TEXT NOT NULL,
    diff TEXT NOT NULL,
    rules_dir TEXT NOT NULL
)
;;
-- payout_fund_lines: the special-fund accounts as an append-only history (replaces payout_funds,
-- whose set replaced a line in place). One row per entry, never updated or deleted; the line in
-- force for a year × category × source is the one with the highest id; a correction is a new
-- row whose `supersedes` names the id it replaces. id: 1, 2, …; origin: 录入 | 导入:<file name>.
CREATE TABLE payout_fund_lines (
    id BIGINT PRIMARY KEY,
    year BIGINT NOT NULL,
    category TEXT NOT NULL,
    source TEXT NOT NULL,
    amount_fen BIGINT NOT NULL,
    entered_by TEXT NOT NULL,
    entered_at BIGINT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    supersedes BIGINT,
    origin TEXT NOT NULL DEFAULT '录入'
)
;;
CREATE INDEX payout_fund_lines_key ON payout_fund_lines (year, category, source, id)
;;
INSERT INTO payout_fund_lines (id, year, category, source, amount_fen, entered_by, entered_at, note, supersedes, origin)
SELECT ROW_NUMBER() OVER (ORDER BY year, category, source), year, category, source, amount_fen, entered_by, entered_at, note, NULL, '录入'
FROM payout_funds
;;
DROP TABLE payout_funds
