-- gaoxin schema, version 29: the forms of 成果转化 (issue 14) and the university role.
-- tech_experts.updated_at: unix seconds of the last edit (the matching indexes' version reads it,
-- so an edited expert is found at once); 0 for rows written before this version.
ALTER TABLE tech_experts ADD COLUMN updated_at BIGINT NOT NULL DEFAULT 0
;;
-- users.unit: the 完成单位 of a `university` user (高校/院所用户), else NULL.
ALTER TABLE users ADD COLUMN unit TEXT
