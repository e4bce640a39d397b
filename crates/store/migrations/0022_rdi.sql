-- gaoxin schema, version 22: 新型研发机构 (issue 17) — the institutions, their yearly facts and the
-- firms they incubated. Portable SQL (BIGINT / DOUBLE PRECISION / TEXT only).
-- rd_institutions: id is the institution's code (机构编号); partners: the founding universities or
-- institutes, separated by 「；」; park: park id; founded: the founding year; synthetic: 1 for demo
-- data (labelled 演示数据 wherever shown).
CREATE TABLE rd_institutions (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    partners TEXT NOT NULL,
    park TEXT NOT NULL,
    field TEXT NOT NULL,
    founded BIGINT,
    legal_form TEXT NOT NULL,
    synthetic BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
)
;;
CREATE INDEX rd_institutions_park ON rd_institutions (park)
;;
-- rd_institution_years: an institution's facts of one year. Money in fen; counts as integers;
-- NULL = not reported (never 0).
CREATE TABLE rd_institution_years (
    institution_id TEXT NOT NULL,
    year BIGINT NOT NULL,
    rd_spending_fen BIGINT,
    staff BIGINT,
    researchers BIGINT,
    incubated_firms BIGINT,
    incubated_revenue_fen BIGINT,
    patents BIGINT,
    contracts BIGINT,
    contract_income_fen BIGINT,
    gov_funding_fen BIGINT,
    own_revenue_fen BIGINT,
    platforms BIGINT,
    talents BIGINT,
    PRIMARY KEY (institution_id, year),
    FOREIGN KEY (institution_id) REFERENCES rd_institutions (id)
)
;;
-- rd_incubations: a firm (credit code) incubated by an institution.
CREATE TABLE rd_incubations (
    uscc TEXT PRIMARY KEY,
    institution_id TEXT NOT NULL,
    FOREIGN KEY (institution_id) REFERENCES rd_institutions (id)
)
;;
CREATE INDEX rd_incubations_institution ON rd_incubations (institution_id)
