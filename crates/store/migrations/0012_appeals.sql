-- gaoxin schema, version 12: 企业诉求直通车 (firms' appeals) and department users.
-- users.department: the department id of a `department` user (部门用户), else NULL.
ALTER TABLE users ADD COLUMN department TEXT
;;
-- appeals: one row per appeal; its history is in appeal_transitions (append-only).
-- id: 1, 2, … (诉求编号); filed_at: unix seconds; filed_on, clock_start, due_on, replied_on,
-- closed_on: yyyymmdd. state: 受理 | 交办 | 签收 | 办理 | 待企业补充 | 答复 | 回访 | 办结.
-- channel: 企业 | 电话 | 走访 | 导入 | 12345. department: the department routed to (NULL: the
-- firm's park handles it). rule_file: the policy / rule file the appeal is about (optional).
-- limit_days: the category's time limit in working days; clock_start: the day the reply clock
-- started (filing, or the last 重办); pauses: the clock's pauses since clock_start as
-- `yyyymmdd-yyyymmdd;yyyymmdd-` (an open pause has no end). escalated: 1 once 提级 (to the zone).
-- (uscc has no foreign key: an appeal is a record that outlives a reload of the panel.)
-- reopened: how many times 不满意 → 重办. satisfied / resolved: the last 回访 (1/0, NULL: none).
CREATE TABLE appeals (
    id BIGINT PRIMARY KEY,
    uscc TEXT NOT NULL,
    firm_name TEXT NOT NULL,
    park TEXT NOT NULL,
    category TEXT NOT NULL,
    suggested_category TEXT,
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    contact TEXT NOT NULL,
    channel TEXT NOT NULL,
    rule_file TEXT,
    department TEXT,
    state TEXT NOT NULL,
    escalated BIGINT NOT NULL DEFAULT 0,
    reopened BIGINT NOT NULL DEFAULT 0,
    filed_at BIGINT NOT NULL,
    filed_on BIGINT NOT NULL,
    filed_by TEXT NOT NULL,
    limit_days BIGINT NOT NULL,
    clock_start BIGINT NOT NULL,
    pauses TEXT NOT NULL DEFAULT '',
    replied_on BIGINT,
    closed_on BIGINT,
    satisfied BIGINT,
    resolved BIGINT
)
;;
CREATE INDEX appeals_park ON appeals (park, state)
;;
CREATE INDEX appeals_department ON appeals (department, state)
;;
CREATE INDEX appeals_uscc ON appeals (uscc, category)
;;
CREATE INDEX appeals_state ON appeals (state)
;;
-- appeal_transitions: every change of an appeal, never updated or deleted. seq: 1, 2, … per
-- appeal; at: unix seconds; on_date: yyyymmdd (the working-day calendar's day). actor: the
-- username (or 系统 for the SLA sweep, 12345 for the hotline's API); role: the actor's role key.
-- action: 受理 | 交办 | 签收 | 办理 | 待企业补充 | 企业补充 | 答复 | 回访 | 重办 | 办结 | 提级.
-- satisfied / resolved: set by 回访 (1/0).
CREATE TABLE appeal_transitions (
    appeal_id BIGINT NOT NULL,
    seq BIGINT NOT NULL,
    at BIGINT NOT NULL,
    on_date BIGINT NOT NULL,
    actor TEXT NOT NULL,
    role TEXT NOT NULL,
    action TEXT NOT NULL,
    from_state TEXT,
    to_state TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    department TEXT,
    satisfied BIGINT,
    resolved BIGINT,
    PRIMARY KEY (appeal_id, seq),
    FOREIGN KEY (appeal_id) REFERENCES appeals (id)
)
;;
-- appeal_api_keys: keys of other systems pushing appeals (the 12345 hotline); only the key's
-- SHA-256 is kept (the key is shown once). created_at: unix seconds; disabled: 1 = refused.
CREATE TABLE appeal_api_keys (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    key_hash TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL,
    disabled BIGINT NOT NULL DEFAULT 0
)
