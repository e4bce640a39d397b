-- gaoxin schema, version 8: where a firm's ladder rung comes from. rule_results.record: the zone's
-- record of this rule's rung for the firm (`recognised` = 已认定 by a certificate in force or a list
-- entry; `not_recognised` = the record says not; '' = no record or not a rung rule). level_basis:
-- where the firm's rung (`level`) comes from (`record` = 已认定, `rules` = 按条件测算 because no
-- record exists for that rung; '' at level 0).
ALTER TABLE rule_results ADD COLUMN record TEXT NOT NULL DEFAULT ''
;;
ALTER TABLE rule_results ADD COLUMN level_basis TEXT NOT NULL DEFAULT ''
