-- gaoxin schema, version 24: 科技成果转化 (issue 14) — research results, firms' technology demands
-- (including 揭榜挂帅 calls), experts and technology brokers, brokers' 对接 cases with their
-- append-only history, and the 技术合同 records that close cases.
-- Portable SQL for SQLite and PostgreSQL (BIGINT / DOUBLE PRECISION / TEXT only). Times are unix
-- seconds; dates are yyyymmdd integers; money is fen; keyword lists are joined with '；'.
-- tech_results: a research result (科技成果), public to every signed-in user. owner: the account
-- that may edit it ('' = staff only). trl: 技术成熟度 1–9 or NULL.
CREATE TABLE tech_results (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    summary TEXT NOT NULL,
    keywords TEXT NOT NULL,
    field TEXT NOT NULL,
    unit TEXT NOT NULL,
    inventors TEXT NOT NULL,
    trl BIGINT,
    ip_status TEXT NOT NULL,
    transfer_mode TEXT NOT NULL,
    price_fen BIGINT,
    contact TEXT NOT NULL,
    owner TEXT NOT NULL,
    synthetic BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
)
;;
-- tech_demands: a firm's technology demand (技术需求) or a 揭榜挂帅 call (jiebang = 1, with
-- milestones text and award_fen). Scoped through the firm (enterprises e ON e.uscc = uscc).
CREATE TABLE tech_demands (
    id TEXT PRIMARY KEY,
    uscc TEXT NOT NULL,
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    field TEXT NOT NULL,
    budget_fen BIGINT,
    deadline BIGINT,
    jiebang BIGINT NOT NULL,
    milestones TEXT NOT NULL,
    award_fen BIGINT,
    synthetic BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
)
;;
CREATE INDEX tech_demands_uscc ON tech_demands (uscc)
;;
-- tech_experts: experts (kind = 'expert') and technology brokers (kind = 'broker').
CREATE TABLE tech_experts (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    unit TEXT NOT NULL,
    fields TEXT NOT NULL,
    keywords TEXT NOT NULL,
    contact TEXT NOT NULL,
    synthetic BIGINT NOT NULL,
    created_at BIGINT NOT NULL
)
;;
-- tech_cases: a broker's 对接 case between a result and a firm (for one of its demands, or none).
-- state: recommended | intent | negotiating | signed | registered | revisited | declined.
-- decline_reason: a code (data/tech/tech.toml) when declined. follow_up: yyyymmdd of the next
-- follow-up (NULL when closed).
CREATE TABLE tech_cases (
    id TEXT PRIMARY KEY,
    result_id TEXT NOT NULL,
    demand_id TEXT,
    uscc TEXT NOT NULL,
    broker TEXT NOT NULL,
    state TEXT NOT NULL,
    decline_reason TEXT,
    follow_up BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    FOREIGN KEY (result_id) REFERENCES tech_results (id)
)
;;
CREATE INDEX tech_cases_uscc ON tech_cases (uscc)
;;
-- tech_case_events: each case's moves, append-only (who, when, from, to, reason, note).
CREATE TABLE tech_case_events (
    id TEXT PRIMARY KEY,
    case_id TEXT NOT NULL,
    at BIGINT NOT NULL,
    actor TEXT NOT NULL,
    from_state TEXT NOT NULL,
    to_state TEXT NOT NULL,
    reason TEXT,
    note TEXT NOT NULL,
    FOREIGN KEY (case_id) REFERENCES tech_cases (id)
)
;;
CREATE INDEX tech_case_events_case ON tech_case_events (case_id, at)
;;
-- tech_contracts: a registered technology contract (技术合同登记): 登记号, amount (fen), type
-- (技术开发 / 技术转让 / 技术许可 / 技术咨询 / 技术服务), the date (yyyymmdd) it was registered.
CREATE TABLE tech_contracts (
    reg_no TEXT PRIMARY KEY,
    case_id TEXT NOT NULL,
    uscc TEXT NOT NULL,
    amount_fen BIGINT NOT NULL,
    kind TEXT NOT NULL,
    registered_on BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    FOREIGN KEY (case_id) REFERENCES tech_cases (id)
)
;;
CREATE INDEX tech_contracts_uscc ON tech_contracts (uscc)
