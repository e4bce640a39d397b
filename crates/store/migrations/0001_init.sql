-- gaoxin schema, version 1. Portable SQL for SQLite and PostgreSQL (BIGINT / DOUBLE PRECISION / TEXT only).
-- Statements are separated by a line holding only ';;'.
CREATE TABLE meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
)
;;
CREATE TABLE enterprises (
    uscc TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    park TEXT NOT NULL,
    founded BIGINT NOT NULL,
    industry TEXT NOT NULL,
    sector TEXT NOT NULL,
    tech_field TEXT,
    listing TEXT NOT NULL,
    clusters TEXT NOT NULL,
    tracks TEXT NOT NULL,
    synthetic BIGINT NOT NULL,
    row_hash BIGINT NOT NULL
)
;;
CREATE INDEX enterprises_park ON enterprises (park)
;;
CREATE TABLE facts (
    uscc TEXT NOT NULL,
    year BIGINT NOT NULL,
    revenue BIGINT,
    main_revenue BIGINT,
    hightech_revenue BIGINT,
    rd_expense BIGINT,
    rd_expense_domestic BIGINT,
    total_cost BIGINT,
    net_profit BIGINT,
    tax_paid BIGINT,
    exports BIGINT,
    total_assets BIGINT,
    total_liabilities BIGINT,
    equity_financing BIGINT,
    tech_contracts BIGINT,
    local_contribution BIGINT,
    valuation_usd BIGINT,
    employees BIGINT,
    tech_staff BIGINT,
    rd_staff BIGINT,
    ip_class1 BIGINT,
    ip_class1_self BIGINT,
    ip_class1_high_value BIGINT,
    ip_class2 BIGINT,
    invention_grants BIGINT,
    transformations BIGINT,
    standards_led BIGINT,
    rd_institution BIGINT,
    national_award_rank BIGINT,
    provincial_award_rank BIGINT,
    niche_years BIGINT,
    digital_level BIGINT,
    quality_items BIGINT,
    strategic_emerging BIGINT,
    private_investment BIGINT,
    major_incident BIGINT,
    credit_blacklist BIGINT,
    hightech_cert_date BIGINT,
    techsme_registered BIGINT,
    specialized_cert_date BIGINT,
    little_giant_cert_date BIGINT,
    provenance TEXT NOT NULL,
    row_hash BIGINT NOT NULL,
    PRIMARY KEY (uscc, year),
    FOREIGN KEY (uscc) REFERENCES enterprises (uscc)
)
;;
CREATE INDEX facts_year ON facts (year)
;;
CREATE TABLE runs (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    year BIGINT,
    input_hash TEXT NOT NULL,
    versions TEXT NOT NULL,
    summary TEXT NOT NULL
)
