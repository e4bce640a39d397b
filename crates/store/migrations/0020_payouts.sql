-- gaoxin schema, version 20: the payout ledger (政策兑现, issue 20) — from a rules run's award to
-- the money paid. One row per award in `payouts`; its history in `payout_steps`, append-only: no
-- statement updates or deletes a step; only the award's current-state columns (state, amounts,
-- dates, flag, version) change, in the same transaction as the step that changes them.
-- id: 1, 2, … (兑现编号). year: the rules run's year; rule: the policy's rule id; rule_version:
-- the policy file's version in that run; run_id: the rules run the computed amount comes from.
-- computed_fen: the award computed by the rules (fen). channel: 免申 (every input verified) or 申报.
-- state: 测算 | 申报 | 免申 | 核准 | 核减 | 不予核准 | 待复核 | 拨付 | 公示.
-- approved_fen: set by 核准 / 核减; paid_fen: set by 拨付. approved_on / paid_on / published_on:
-- yyyymmdd. flagged: 1 when the firm no longer qualifies in the latest rules run (never deleted).
-- supply: what the firm must supply (one item a line), from the run. version: bumped by every step
-- (a step applies only to the version its actor saw).
-- (uscc has no foreign key: an award is a record that outlives a reload of the panel.)
CREATE TABLE payouts (
    id BIGINT PRIMARY KEY,
    uscc TEXT NOT NULL,
    firm_name TEXT NOT NULL,
    park TEXT NOT NULL,
    year BIGINT NOT NULL,
    rule TEXT NOT NULL,
    rule_version TEXT NOT NULL,
    run_id TEXT NOT NULL,
    computed_fen BIGINT NOT NULL,
    channel TEXT NOT NULL,
    state TEXT NOT NULL,
    approved_fen BIGINT,
    paid_fen BIGINT,
    approved_on BIGINT,
    paid_on BIGINT,
    published_on BIGINT,
    flagged BIGINT NOT NULL DEFAULT 0,
    supply TEXT NOT NULL DEFAULT '',
    version BIGINT NOT NULL DEFAULT 1,
    UNIQUE (year, rule, uscc)
)
;;
CREATE INDEX payouts_park ON payouts (park, year, state)
;;
CREATE INDEX payouts_uscc ON payouts (uscc, year)
;;
-- payout_steps: every step of an award, never updated or deleted. seq: 1, 2, … per award; at: unix
-- seconds; on_date: yyyymmdd. actor: the user name (system / cli:<os user> for the platform's own
-- work); role: the actor's role key. step: 测算 | 重新测算 | 不再符合 | 重新符合 | 申报 | 免申 | 核准 |
-- 核减 | 不予核准 | 拨付 | 拨付待复核 | 复核通过 | 复核退回 | 公示 | 导入拨付. amount_fen: the step's
-- amount (computed, approved or paid); reason: why (核减, 不予核准, 复核退回); fund_source: the paying
-- fund (拨付); paid_on: yyyymmdd of the payment; note: free text (a recomputation's old amount …).
CREATE TABLE payout_steps (
    payout_id BIGINT NOT NULL,
    seq BIGINT NOT NULL,
    at BIGINT NOT NULL,
    on_date BIGINT NOT NULL,
    actor TEXT NOT NULL,
    role TEXT NOT NULL,
    step TEXT NOT NULL,
    from_state TEXT,
    to_state TEXT NOT NULL,
    amount_fen BIGINT,
    reason TEXT NOT NULL DEFAULT '',
    fund_source TEXT NOT NULL DEFAULT '',
    paid_on BIGINT,
    note TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (payout_id, seq),
    FOREIGN KEY (payout_id) REFERENCES payouts (id)
)
;;
-- payout_funds: the special S&T fund accounts (专项资金), entered by the zone or imported. One row
-- per year × category × source. category: one of data/payout/payout.toml's categories (企业培育 …),
-- or 市级科技专项资金总额 for the city's whole S&T special fund of the year (the 20% floor's
-- denominator). source: 市级 | 区级. amount_fen: fen. entered_at: unix seconds.
CREATE TABLE payout_funds (
    year BIGINT NOT NULL,
    category TEXT NOT NULL,
    source TEXT NOT NULL,
    amount_fen BIGINT NOT NULL,
    entered_by TEXT NOT NULL,
    entered_at BIGINT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (year, category, source)
)
