-- gaoxin schema, version 15: links between a cluster's firms and with local universities and
-- institutes (issue 15, 群而不集). One row per unordered pair, kind and year.
-- from_party / to_party: a firm's 统一社会信用代码 (from_firm / to_firm = 1) or an institution's
-- name (0). kind: supply | tech_contract | co_patent | shared_platform. pair_key: the two parties
-- in ascending order joined by a tab (the duplicate check: the same pair, kind and year once).
-- source: where the record comes from (e.g. 技术合同登记, 专利数据库, 企业填报); evidence: a
-- reference or note; synthetic = 1 for generated demo links. imported_by / imported_at: who and
-- when (unix seconds).
CREATE TABLE cluster_links (
    pair_key TEXT NOT NULL,
    kind TEXT NOT NULL,
    year BIGINT NOT NULL,
    from_party TEXT NOT NULL,
    from_firm BIGINT NOT NULL,
    to_party TEXT NOT NULL,
    to_firm BIGINT NOT NULL,
    source TEXT NOT NULL,
    evidence TEXT NOT NULL DEFAULT '',
    synthetic BIGINT NOT NULL DEFAULT 0,
    imported_by TEXT NOT NULL DEFAULT '',
    imported_at BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (pair_key, kind, year)
)
;;
CREATE INDEX cluster_links_year ON cluster_links (year)
;;
CREATE INDEX cluster_links_from ON cluster_links (from_party)
;;
CREATE INDEX cluster_links_to ON cluster_links (to_party)
