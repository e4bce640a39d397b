-- gaoxin schema, version 17: speed (issue 13).
-- rule_firm_results: a rules run's per-firm results, one row per firm (not per firm × rule): `results`
-- holds every rule's result of the firm as JSON, an array of
-- [rule, verdict, level, amount_fen, distance bits (IEEE-754 f64 as an integer: exact), verified,
-- assumption_dependent, supply, record, level_basis]. Fourteen times fewer rows to write and read than
-- `rule_results`, which keeps the rows of runs stored before this version (read as before).
CREATE TABLE rule_firm_results (
    run_id TEXT NOT NULL,
    uscc TEXT NOT NULL,
    park TEXT NOT NULL,
    results TEXT NOT NULL,
    PRIMARY KEY (run_id, uscc)
)
