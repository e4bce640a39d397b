-- gaoxin schema, version 13: 科技金融 — the loan-demand list, banks' responses, 创新积分贷 outcomes,
-- application scenarios (场景) and funds (4+N, track funds) with their investments.
-- Portable SQL for SQLite and PostgreSQL (BIGINT / DOUBLE PRECISION / TEXT only). Times are unix
-- seconds; dates are yyyymmdd integers (model::Date::to_int); money is fen.
-- loan_demands: a firm's declared need (the firm's user, or staff on its behalf). withdrawn_at:
-- when the firm withdrew it (it stays in the editions that listed it).
CREATE TABLE loan_demands (
    id TEXT PRIMARY KEY,
    uscc TEXT NOT NULL,
    amount_fen BIGINT NOT NULL,
    term_months BIGINT NOT NULL,
    purpose TEXT NOT NULL,
    collateral TEXT NOT NULL,
    declared_on BIGINT NOT NULL,
    declared_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    withdrawn_at BIGINT
)
;;
CREATE INDEX loan_demands_uscc ON loan_demands (uscc)
;;
-- loan_editions: a published edition of the 科技企业贷款需求清单 (the open demands on its date).
CREATE TABLE loan_editions (
    id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    published_on BIGINT NOT NULL,
    published_by TEXT NOT NULL,
    created_at BIGINT NOT NULL
)
;;
CREATE TABLE loan_edition_items (
    edition_id TEXT NOT NULL,
    demand_id TEXT NOT NULL,
    PRIMARY KEY (edition_id, demand_id),
    FOREIGN KEY (edition_id) REFERENCES loan_editions (id),
    FOREIGN KEY (demand_id) REFERENCES loan_demands (id)
)
;;
-- loan_responses: a bank's response to a demand, append-only (the latest per demand and bank is
-- its state). status: contacted | approved | rejected | disbursed; amount_fen for approved and
-- disbursed; reason_code (data/finance/finance.toml) for rejected; on_date the response's date.
CREATE TABLE loan_responses (
    id TEXT PRIMARY KEY,
    demand_id TEXT NOT NULL,
    bank_id TEXT NOT NULL,
    status TEXT NOT NULL,
    amount_fen BIGINT,
    reason_code TEXT,
    on_date BIGINT NOT NULL,
    note TEXT NOT NULL,
    recorded_at BIGINT NOT NULL,
    FOREIGN KEY (demand_id) REFERENCES loan_demands (id),
    FOREIGN KEY (bank_id) REFERENCES banks (id)
)
;;
CREATE INDEX loan_responses_demand ON loan_responses (demand_id, bank_id, recorded_at)
;;
-- points_loans: a bank's 创新积分贷 application outcome, with the firm's points when it applied
-- (points_year/points_total from the stored points; NULL when the firm had none).
-- outcome: pending | approved | rejected.
CREATE TABLE points_loans (
    id TEXT PRIMARY KEY,
    uscc TEXT NOT NULL,
    bank_id TEXT NOT NULL,
    applied_on BIGINT NOT NULL,
    points_year BIGINT,
    points_total DOUBLE PRECISION,
    outcome TEXT NOT NULL,
    approved_fen BIGINT,
    reason_code TEXT,
    recorded_at BIGINT NOT NULL,
    FOREIGN KEY (bank_id) REFERENCES banks (id)
)
;;
CREATE INDEX points_loans_uscc ON points_loans (uscc)
;;
-- scenarios: application scenarios (场景) offered by a government body (offerer_kind 'gov') or a
-- firm ('firm'); id is the scenario's code (场景编号). status: open | closed.
CREATE TABLE scenarios (
    id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    offered_by TEXT NOT NULL,
    offerer_kind TEXT NOT NULL,
    park TEXT NOT NULL,
    budget_fen BIGINT,
    track TEXT NOT NULL,
    deadline BIGINT,
    status TEXT NOT NULL,
    synthetic BIGINT NOT NULL,
    created_at BIGINT NOT NULL
)
;;
-- scenario_applications: a firm's application; state applied | shortlisted | selected | declined.
CREATE TABLE scenario_applications (
    scenario_id TEXT NOT NULL,
    uscc TEXT NOT NULL,
    state TEXT NOT NULL,
    note TEXT NOT NULL,
    applied_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (scenario_id, uscc),
    FOREIGN KEY (scenario_id) REFERENCES scenarios (id)
)
;;
-- funds: the 4+N fund cluster (kind 'parent' for the four, 'track' for a track fund, 'other').
CREATE TABLE funds (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    manager TEXT NOT NULL,
    size_fen BIGINT NOT NULL,
    kind TEXT NOT NULL,
    track TEXT NOT NULL,
    vintage BIGINT NOT NULL,
    synthetic BIGINT NOT NULL
)
;;
-- fund_investments: a fund's investment in a zone firm; grant_fen: the grant of a 拨投结合 deal
-- (a grant converted into equity), NULL when the investment is not one.
CREATE TABLE fund_investments (
    id TEXT PRIMARY KEY,
    fund_id TEXT NOT NULL,
    uscc TEXT NOT NULL,
    round TEXT NOT NULL,
    amount_fen BIGINT NOT NULL,
    invested_on BIGINT NOT NULL,
    grant_fen BIGINT,
    note TEXT NOT NULL,
    FOREIGN KEY (fund_id) REFERENCES funds (id)
)
;;
CREATE INDEX fund_investments_uscc ON fund_investments (uscc)
