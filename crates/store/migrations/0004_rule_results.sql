-- gaoxin schema, version 4: per-firm results of rules-engine runs (gaoxin evaluate).
-- Portable SQL for SQLite and PostgreSQL (BIGINT / DOUBLE PRECISION / TEXT only).
-- One row per firm × rule of a run (the run itself, with rule versions and input hash, is in `runs`,
-- kind `rules`). verdict: pass / fail / unknown. level: the firm's ladder rung in the run's year
-- (0 = none). amount_fen: the computed award (policies). distance: normalised shortfall (0 when
-- passing; NULL when not computed). verified: eligible with every input verified (免申即享).
-- supply: the items to supply or have verified (快申快享), one per line as `字段名（年份，来源）`.
CREATE TABLE rule_results (
    run_id TEXT NOT NULL,
    uscc TEXT NOT NULL,
    park TEXT NOT NULL,
    rule TEXT NOT NULL,
    verdict TEXT NOT NULL,
    level BIGINT NOT NULL,
    amount_fen BIGINT,
    distance DOUBLE PRECISION,
    verified BIGINT NOT NULL,
    assumption_dependent BIGINT NOT NULL,
    supply TEXT NOT NULL,
    PRIMARY KEY (run_id, rule, uscc)
)
;;
CREATE INDEX rule_results_firm ON rule_results (uscc, run_id)
