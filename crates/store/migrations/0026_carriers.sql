-- gaoxin schema, version 26: 孵化载体 (issue 19) — incubators, maker spaces, accelerators,
-- 特色产业园 and 硅巷 spaces; their yearly facts with provenance; the firms they incubated.
-- Portable SQL (BIGINT / DOUBLE PRECISION / TEXT only).
-- carriers: id is the carrier's code (载体编号); kind: 孵化器 / 众创空间 / 加速器 / 特色产业园 /
-- 硅巷空间; level: 国家级 / 省级 / 市级, '' when not recognised, with level_year the year
-- recognised; area_m2: usable area in whole m² (NULL = not reported); synthetic: 1 for demo data.
CREATE TABLE carriers (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    operator TEXT NOT NULL,
    park TEXT NOT NULL,
    level TEXT NOT NULL,
    level_year BIGINT,
    area_m2 BIGINT,
    field TEXT NOT NULL,
    synthetic BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
)
;;
CREATE INDEX carriers_park ON carriers (park)
;;
-- carrier_years: a carrier's facts of one year. Money in fen, counts as integers, NULL = not
-- reported (never 0). Provenance: the file, its row and the import that wrote the year.
CREATE TABLE carrier_years (
    carrier_id TEXT NOT NULL,
    year BIGINT NOT NULL,
    firms_in_incubation BIGINT,
    graduated_firms BIGINT,
    incubated_revenue_fen BIGINT,
    incubated_financing_fen BIGINT,
    incubated_ip BIGINT,
    services BIGINT,
    mentors BIGINT,
    staff BIGINT,
    own_revenue_fen BIGINT,
    source_file TEXT NOT NULL,
    source_row BIGINT,
    import_id TEXT NOT NULL,
    PRIMARY KEY (carrier_id, year),
    FOREIGN KEY (carrier_id) REFERENCES carriers (id)
)
;;
-- carrier_firms: a firm (credit code) incubated by a carrier, with the year it entered and the
-- year it graduated (NULL: still incubated, or not reported).
CREATE TABLE carrier_firms (
    carrier_id TEXT NOT NULL,
    uscc TEXT NOT NULL,
    entry_year BIGINT,
    graduation_year BIGINT,
    PRIMARY KEY (carrier_id, uscc),
    FOREIGN KEY (carrier_id) REFERENCES carriers (id)
)
;;
CREATE INDEX carrier_firms_uscc ON carrier_firms (uscc)
