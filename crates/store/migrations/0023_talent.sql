-- gaoxin schema, version 23: talents (人才) and their service requests (人才服务直通车), issue 19.
-- Personal data (个人信息保护法): the fewest fields the talent office needs. No ID number is
-- stored: an imported 居民身份证号码 is checked (GB 11643) and only its last four characters are
-- kept (id_tail), so a person can be matched against a programme's list with name and birth year.
-- code: 人才编号 given by the talent office (the import's key). gender: 男 | 女. degree: 博士 |
-- 硕士 | 学士 | 其他. employer_kind: 企业 | 高校 | 科研院所 | 新型研发机构; employer_uscc: the
-- firm's credit code when employer_kind = 企业 (a firm of the panel), else NULL. park: the park the
-- talent works in (who may read the record). team: the team's name, team_role: 负责人 | 成员;
-- top_team: 1 when the team (or a talent alone) counts as 顶尖人才（团队）. card_level: the
-- 紫金山英才卡 level (A | B | C), NULL = none. status: 在岗 | 离开, left_year when 离开.
-- source: where the record came from (file, sheet). updated_at: unix seconds. synthetic: 1 = demo.
CREATE TABLE talents (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    gender TEXT NOT NULL,
    birth_year BIGINT NOT NULL,
    nationality TEXT NOT NULL,
    degree TEXT NOT NULL,
    field TEXT NOT NULL,
    title TEXT NOT NULL,
    employer_kind TEXT NOT NULL,
    employer_uscc TEXT,
    employer_name TEXT NOT NULL,
    park TEXT NOT NULL,
    team TEXT,
    team_role TEXT,
    top_team BIGINT NOT NULL DEFAULT 0,
    card_level TEXT,
    arrival_year BIGINT NOT NULL,
    status TEXT NOT NULL,
    left_year BIGINT,
    id_tail TEXT,
    source TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    synthetic BIGINT NOT NULL DEFAULT 0
)
;;
CREATE INDEX talents_park ON talents (park, arrival_year)
;;
CREATE INDEX talents_employer ON talents (employer_uscc)
;;
-- talent_programmes: a talent's programme memberships. level: 国家级 | 省级 | 市级 | 区级;
-- programme: its name (紫金山英才计划 …); year: the year selected; source: the list it is from.
CREATE TABLE talent_programmes (
    talent_code TEXT NOT NULL,
    programme TEXT NOT NULL,
    level TEXT NOT NULL,
    year BIGINT NOT NULL,
    source TEXT NOT NULL,
    PRIMARY KEY (talent_code, programme, year)
)
;;
-- talent_requests: a 人才服务直通车 request is an appeal (appeals, its workflow and history); this
-- row ties it to the talent. card_level: the 英才卡 level when filed; service: the service level
-- it gave (data/talent/services.toml).
CREATE TABLE talent_requests (
    appeal_id BIGINT PRIMARY KEY,
    talent_code TEXT NOT NULL,
    park TEXT NOT NULL,
    card_level TEXT,
    service TEXT NOT NULL
)
;;
CREATE INDEX talent_requests_talent ON talent_requests (talent_code)
