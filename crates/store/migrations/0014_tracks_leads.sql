-- gaoxin schema, version 14: the tracks' "五个一" board and the 新赛道大会 lead pipeline.
-- track_elements: one row per track × element (element: innovation_sources | specialised_park |
-- promotion_agency | track_fund | flagship_conference); a missing row is a gap. since: the date
-- the element exists from (yyyymmdd) or NULL; status: planned | building | operating.
CREATE TABLE track_elements (
    track TEXT NOT NULL,
    element TEXT NOT NULL,
    name TEXT NOT NULL,
    who TEXT NOT NULL,
    since BIGINT,
    status TEXT NOT NULL,
    evidence TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (track, element)
)
;;
-- leads: a firm worked by a park (park = its id) or by the zone (park = ''). uscc: the credit
-- code (a firm in the panel when in_panel = 1, else an outside firm); firm_key: the credit code,
-- the duplicate check's key with track and event. stage: 0..6 (data/leads/leads.toml, 6 = 落地);
-- max_stage: the furthest stage reached; stage_since: unix seconds the current stage began.
-- next_date: yyyymmdd. outcome: open | landed | dropped; invest_fen: the landed investment (fen).
-- firm_class: the firm's class as the 大会 counts them (data/leads/leads.toml: unicorn,
-- potential_unicorn, listed, frontier) or ''.
CREATE TABLE leads (
    id TEXT PRIMARY KEY,
    uscc TEXT NOT NULL,
    firm_name TEXT NOT NULL,
    in_panel BIGINT NOT NULL,
    firm_key TEXT NOT NULL,
    firm_class TEXT NOT NULL,
    track TEXT NOT NULL,
    event TEXT NOT NULL,
    park TEXT NOT NULL,
    owner TEXT NOT NULL,
    stage BIGINT NOT NULL,
    max_stage BIGINT NOT NULL,
    stage_since BIGINT NOT NULL,
    next_action TEXT NOT NULL,
    next_date BIGINT,
    outcome TEXT NOT NULL,
    invest_fen BIGINT,
    landed_park TEXT,
    drop_reason TEXT,
    created_at BIGINT NOT NULL,
    created_by TEXT NOT NULL,
    updated_at BIGINT NOT NULL
)
;;
CREATE UNIQUE INDEX leads_unique ON leads (firm_key, track, event)
;;
CREATE INDEX leads_park ON leads (park, outcome, next_date)
;;
CREATE INDEX leads_track ON leads (track)
;;
CREATE INDEX leads_event ON leads (event)
;;
-- lead_history: append-only, one row per creation, stage move, note, next action or outcome.
-- kind: created | stage | note | next | landed | dropped. track, event, park: copied from the
-- lead (they never change) so the pipeline's dwell times aggregate without a join.
-- dwell_days: whole days spent in from_stage (stage moves and outcomes).
CREATE TABLE lead_history (
    lead_id TEXT NOT NULL,
    seq BIGINT NOT NULL,
    at BIGINT NOT NULL,
    by_user TEXT NOT NULL,
    kind TEXT NOT NULL,
    from_stage BIGINT,
    to_stage BIGINT,
    dwell_days BIGINT,
    note TEXT NOT NULL,
    track TEXT NOT NULL,
    event TEXT NOT NULL,
    park TEXT NOT NULL,
    PRIMARY KEY (lead_id, seq)
)
;;
CREATE INDEX lead_history_dwell ON lead_history (kind, park, from_stage)
;;
-- lead_version: one row (id 1, made by the first write), bumped by every lead write: the
-- key of the pipeline views' cache.
CREATE TABLE lead_version (
    id BIGINT PRIMARY KEY,
    version BIGINT NOT NULL
)
