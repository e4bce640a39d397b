//! The talent import (`gaoxin talents import`, the web upload on 人才): xlsx or CSV with Chinese
//! headers, one row per talent × programme membership (a talent in two programmes has two rows
//! whose personal columns agree), all or nothing: any error (named by row and column) writes
//! nothing; else every talent of the file is written, replacing the stored record of the same
//! 人才编号, in one transaction with its audit event (`talent.import`).
//!
//! A park administrator imports only their park's talents (a row of another park, or a code
//! stored for another park, is an error); the talent office (zone) imports any.
use crate::talent::Reader;
use crate::talent_service::ServiceConfig;
use gaoxin_model::{Uscc, Zone};
use gaoxin_store::{Programme, Scope, Store, Talent};
use std::collections::BTreeMap;

/// The columns every file must have.
pub const REQUIRED: [&str; 11] = [
    "人才编号",
    "姓名",
    "性别",
    "出生年份",
    "国籍",
    "最高学历",
    "领域",
    "工作单位类型",
    "工作单位",
    "引进年份",
    "状态",
];

/// Columns that may be absent (blank: none).
pub const OPTIONAL: [&str; 14] = [
    "园区",
    "职称",
    "工作单位统一社会信用代码",
    "团队",
    "团队角色",
    "顶尖人才（团队）",
    "英才卡等级",
    "离开年份",
    "身份证号码",
    "入选计划",
    "计划层级",
    "入选年份",
    "计划来源",
    "来源",
];

pub const GENDERS: [&str; 2] = ["男", "女"];
pub const DEGREES: [&str; 4] = ["博士", "硕士", "学士", "其他"];
pub const EMPLOYER_KINDS: [&str; 4] = ["企业", "高校", "科研院所", "新型研发机构"];
pub const STATUSES: [&str; 2] = ["在岗", "离开"];
pub const TEAM_ROLES: [&str; 2] = ["负责人", "成员"];
pub const LEVELS: [&str; 4] = ["国家级", "省级", "市级", "区级"];

/// What an import wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Imported {
    pub talents: usize,
    pub programmes: usize,
    /// Codes that replaced a stored record.
    pub replaced: usize,
}

/// The first of a row's problems in a column: `第N行「列」：问题`.
fn at(row: u64, col: &str, msg: impl std::fmt::Display) -> String {
    format!("第{row}行「{col}」：{msg}")
}

/// Checks a 居民身份证号码 (GB 11643: 18 characters, the check character) against the birth year;
/// returns its last four characters (all that is kept).
pub fn check_id_number(id: &str, birth_year: i64) -> Result<String, String> {
    let id: String = id.trim().to_uppercase();
    let c: Vec<char> = id.chars().collect();
    if c.len() != 18 || !c[..17].iter().all(|x| x.is_ascii_digit()) {
        return Err("身份证号码应为18位（前17位为数字）".into());
    }
    const W: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    const CHECK: [char; 11] = ['1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'];
    let sum: u32 = c[..17]
        .iter()
        .zip(W)
        .map(|(d, w)| d.to_digit(10).unwrap_or(0) * w)
        .sum();
    if CHECK[(sum % 11) as usize] != c[17] {
        return Err("身份证号码校验位不正确".into());
    }
    let year: i64 = id[6..10].parse().map_err(|_| "身份证号码出生日期无效")?;
    if year != birth_year {
        return Err(format!(
            "身份证号码中的出生年份（{year}）与「出生年份」（{birth_year}）不一致"
        ));
    }
    Ok(id[14..].to_string())
}

fn year_in(v: &str, lo: i64, hi: i64) -> Result<i64, String> {
    let y: i64 = v
        .trim()
        .trim_end_matches(".0")
        .parse()
        .map_err(|_| format!("「{v}」不是年份"))?;
    if !(lo..=hi).contains(&y) {
        return Err(format!("年份应在{lo}–{hi}之间，实际为{y}"));
    }
    Ok(y)
}

fn one_of(v: &str, list: &[&str]) -> Result<String, String> {
    let v = v.trim();
    if list.contains(&v) {
        Ok(v.to_string())
    } else {
        Err(format!("「{v}」无效（可选：{}）", list.join("、")))
    }
}

fn text(v: &str, max: usize) -> Result<String, String> {
    let t = v.trim();
    let n = t.chars().count();
    if n > max {
        return Err(format!("过长（{n}字，最多{max}字）"));
    }
    Ok(t.to_string())
}

/// The value, or an empty text with the error recorded for row `n`, column `col`.
fn take(errs: &mut Vec<String>, n: u64, col: &str, r: Result<String, String>) -> String {
    match r {
        Ok(v) => v,
        Err(e) => {
            errs.push(at(n, col, e));
            String::new()
        }
    }
}

/// What the row parser needs besides the row.
pub struct Context<'a> {
    pub zone: &'a Zone,
    pub cfg: &'a ServiceConfig,
    /// Firms of the panel by credit code: (name, park).
    pub firms: &'a BTreeMap<String, (String, String)>,
    /// The current year (the latest year accepted).
    pub year: i64,
    pub source: &'a str,
    pub now: i64,
}

/// One row as a talent with at most one programme, or every problem of the row.
pub fn parse_row(
    ctx: &Context<'_>,
    n: u64,
    get: &dyn Fn(&str) -> String,
) -> Result<Talent, Vec<String>> {
    let mut errs = Vec::new();
    let required = |col: &str, max: usize| {
        let v = get(col);
        if v.trim().is_empty() {
            Err("不能为空".to_string())
        } else {
            text(&v, max)
        }
    };
    let code = take(&mut errs, n, "人才编号", required("人才编号", 40));
    let name = take(&mut errs, n, "姓名", required("姓名", 50));
    let gender = take(&mut errs, n, "性别", one_of(&get("性别"), &GENDERS));
    let birth = take(
        &mut errs,
        n,
        "出生年份",
        year_in(&get("出生年份"), 1920, ctx.year - 16).map(|y| y.to_string()),
    );
    let nationality = take(&mut errs, n, "国籍", required("国籍", 40));
    let degree = take(&mut errs, n, "最高学历", one_of(&get("最高学历"), &DEGREES));
    let field = take(&mut errs, n, "领域", required("领域", 40));
    let title = take(&mut errs, n, "职称", text(&get("职称"), 40));
    let kind = take(
        &mut errs,
        n,
        "工作单位类型",
        one_of(&get("工作单位类型"), &EMPLOYER_KINDS),
    );
    let arrival = take(
        &mut errs,
        n,
        "引进年份",
        year_in(&get("引进年份"), 1980, ctx.year + 1).map(|y| y.to_string()),
    );
    let status = take(&mut errs, n, "状态", one_of(&get("状态"), &STATUSES));
    let (employer_name, employer_uscc, park) = parse_employer(ctx, n, get, &kind, &mut errs);
    let team = take(&mut errs, n, "团队", text(&get("团队"), 60));
    let role_in = get("团队角色");
    let team_role = if role_in.trim().is_empty() {
        String::new()
    } else {
        take(&mut errs, n, "团队角色", one_of(&role_in, &TEAM_ROLES))
    };
    if team.is_empty() != team_role.is_empty() {
        errs.push(at(
            n,
            "团队角色",
            "「团队」与「团队角色」须同时填写或同时留空",
        ));
    }
    let top = match get("顶尖人才（团队）").trim() {
        "" | "否" => false,
        "是" => true,
        v => {
            errs.push(at(
                n,
                "顶尖人才（团队）",
                format!("「{v}」无效（可选：是、否）"),
            ));
            false
        }
    };
    let card = parse_card(ctx, n, get, &mut errs);
    let birth_year: i64 = birth.parse().unwrap_or(0);
    let arrival_year: i64 = arrival.parse().unwrap_or(0);
    let left_in = get("离开年份");
    let left_year = match (status.as_str(), left_in.trim()) {
        ("离开", "") => {
            errs.push(at(n, "离开年份", "状态为「离开」时必填"));
            None
        }
        ("离开", v) => match year_in(v, 1980, ctx.year) {
            Ok(y) if arrival_year > 0 && y < arrival_year => {
                errs.push(at(n, "离开年份", format!("早于引进年份（{arrival_year}）")));
                None
            }
            Ok(y) => Some(y),
            Err(e) => {
                errs.push(at(n, "离开年份", e));
                None
            }
        },
        (_, "") => None,
        (_, _) => {
            errs.push(at(n, "离开年份", "仅当状态为「离开」时填写"));
            None
        }
    };
    let id_in = get("身份证号码");
    let id_tail = if id_in.trim().is_empty() || birth_year == 0 {
        None
    } else {
        match check_id_number(&id_in, birth_year) {
            Ok(t) => Some(t),
            Err(e) => {
                errs.push(at(n, "身份证号码", e));
                None
            }
        }
    };
    let programme = parse_programme(n, get, ctx.year, ctx.source, &mut errs);
    if !errs.is_empty() {
        return Err(errs);
    }
    let source = match get("来源").trim() {
        "" => ctx.source.to_string(),
        s => s.chars().take(100).collect(),
    };
    Ok(Talent {
        code,
        name,
        gender,
        birth_year,
        nationality,
        degree,
        field,
        title,
        employer_kind: kind,
        employer_uscc,
        employer_name,
        park,
        team: (!team.is_empty()).then_some(team),
        team_role: (!team_role.is_empty()).then_some(team_role),
        top_team: top,
        card_level: card,
        arrival_year,
        status,
        left_year,
        id_tail,
        source,
        updated_at: ctx.now,
        synthetic: false,
        programmes: programme.into_iter().collect(),
    })
}

fn parse_programme(
    n: u64,
    get: &dyn Fn(&str) -> String,
    year: i64,
    source: &str,
    errs: &mut Vec<String>,
) -> Option<Programme> {
    let name = get("入选计划");
    let (level, y, src) = (get("计划层级"), get("入选年份"), get("计划来源"));
    if name.trim().is_empty() {
        if !(level.trim().is_empty() && y.trim().is_empty()) {
            errs.push(at(
                n,
                "入选计划",
                "填写了计划层级或入选年份，但未填写入选计划",
            ));
        }
        return None;
    }
    let name = text(&name, 60)
        .map_err(|e| errs.push(at(n, "入选计划", e)))
        .ok()?;
    let level = one_of(&level, &LEVELS)
        .map_err(|e| errs.push(at(n, "计划层级", e)))
        .ok()?;
    let y = year_in(&y, 1980, year)
        .map_err(|e| errs.push(at(n, "入选年份", e)))
        .ok()?;
    Some(Programme {
        programme: name,
        level,
        year: y,
        source: match src.trim() {
            "" => source.to_string(),
            s => s.chars().take(100).collect(),
        },
    })
}

/// The 紫金山英才卡 level of row `n` (blank or 无: none).
fn parse_card(
    ctx: &Context<'_>,
    n: u64,
    get: &dyn Fn(&str) -> String,
    errs: &mut Vec<String>,
) -> Option<String> {
    let card_in = get("英才卡等级");
    match card_in.trim() {
        "" | "无" => None,
        v => match ctx.cfg.level(v) {
            Some(l) => Some(l.id.clone()),
            None => {
                errs.push(at(
                    n,
                    "英才卡等级",
                    format!(
                        "「{v}」无效（可选：{}、无）",
                        ctx.cfg.level_ids().join("、")
                    ),
                ));
                None
            }
        },
    }
}

/// The employer's name and credit code (a firm of the panel) and the park (a firm's own when
/// blank) of row `n`.
fn parse_employer(
    ctx: &Context<'_>,
    n: u64,
    get: &dyn Fn(&str) -> String,
    kind: &str,
    errs: &mut Vec<String>,
) -> (String, Option<String>, String) {
    let required = |col: &str, max: usize| {
        let v = get(col);
        if v.trim().is_empty() {
            Err("不能为空".to_string())
        } else {
            text(&v, max)
        }
    };
    let employer_in = get("工作单位");
    let mut employer_name = if kind == "企业" {
        take(errs, n, "工作单位", text(&employer_in, 100))
    } else {
        take(errs, n, "工作单位", required("工作单位", 100))
    };
    let code_in = get("工作单位统一社会信用代码");
    let mut employer_uscc = None;
    let mut firm_park = None;
    if kind == "企业" {
        match Uscc::parse(code_in.trim()) {
            Err(e) if code_in.trim().is_empty() => {
                let _ = e;
                errs.push(at(n, "工作单位统一社会信用代码", "工作单位为企业时必填"));
            }
            Err(e) => errs.push(at(n, "工作单位统一社会信用代码", e)),
            Ok(u) => match ctx.firms.get(u.as_str()) {
                None => errs.push(at(
                    n,
                    "工作单位统一社会信用代码",
                    format!("「{}」不是平台已有的企业", u.as_str()),
                )),
                Some((fname, fpark)) => {
                    if employer_name.is_empty() {
                        employer_name = fname.clone();
                    }
                    firm_park = Some(fpark.clone());
                    employer_uscc = Some(u.as_str().to_string());
                }
            },
        }
    } else if !code_in.trim().is_empty() && !kind.is_empty() {
        errs.push(at(
            n,
            "工作单位统一社会信用代码",
            "仅当工作单位类型为「企业」时填写",
        ));
    }
    let park_in = get("园区");
    let park = match (park_in.trim(), firm_park) {
        ("", Some(p)) => p,
        ("", None) => {
            errs.push(at(n, "园区", "不能为空（工作单位不是平台企业时必填）"));
            String::new()
        }
        (p, _) => match ctx.zone.park(p) {
            Some(pk) => pk.id.to_string(),
            None => {
                errs.push(at(n, "园区", format!("「{p}」不是高新区的园区")));
                String::new()
            }
        },
    };
    (employer_name, employer_uscc, park)
}

/// Personal and employment columns that must agree between two rows of one talent.
fn same_person(a: &Talent, b: &Talent) -> Option<&'static str> {
    let checks: [(&str, bool); 12] = [
        ("姓名", a.name == b.name),
        ("性别", a.gender == b.gender),
        ("出生年份", a.birth_year == b.birth_year),
        ("国籍", a.nationality == b.nationality),
        ("最高学历", a.degree == b.degree),
        ("领域", a.field == b.field),
        ("工作单位", a.employer_name == b.employer_name),
        ("园区", a.park == b.park),
        ("引进年份", a.arrival_year == b.arrival_year),
        ("状态", a.status == b.status),
        ("英才卡等级", a.card_level == b.card_level),
        ("团队", a.team == b.team),
    ];
    checks.iter().find(|(_, ok)| !ok).map(|(c, _)| *c)
}

/// Imports talents from `bytes` (xlsx or CSV) as `r`; all or nothing.
pub async fn import(
    store: &Store,
    zone: &Zone,
    cfg: &ServiceConfig,
    r: &Reader,
    bytes: Vec<u8>,
    source: &str,
    now: i64,
) -> Result<Result<Imported, Vec<String>>, gaoxin_store::Error> {
    let sheet = match gaoxin_ingest::read::open_bytes(bytes) {
        Ok(s) => s,
        Err(e) => return Ok(Err(vec![e.to_string()])),
    };
    let headers: Vec<String> = sheet
        .headers
        .iter()
        .map(|h| h.trim().trim_start_matches('\u{feff}').to_string())
        .collect();
    let missing: Vec<String> = REQUIRED
        .iter()
        .filter(|c| !headers.iter().any(|h| h == *c))
        .map(|c| format!("缺少列「{c}」"))
        .collect();
    if !missing.is_empty() {
        return Ok(Err(missing));
    }
    let mut rows: Vec<(u64, Vec<String>)> = Vec::new();
    for row in sheet.rows {
        let (n, rec) = match row {
            Ok(x) => x,
            Err(e) => return Ok(Err(vec![e.to_string()])),
        };
        let cells: Vec<String> = rec.iter().map(|c| c.trim().to_string()).collect();
        if !cells.iter().all(String::is_empty) {
            rows.push((n, cells));
        }
    }
    let col = |name: &str| headers.iter().position(|h| h == name);
    let mut firms = BTreeMap::new();
    if let Some(i) = col("工作单位统一社会信用代码") {
        for (_, cells) in &rows {
            let Some(Ok(u)) = cells.get(i).map(|c| Uscc::parse(c.trim())) else {
                continue;
            };
            if firms.contains_key(u.as_str()) {
                continue;
            }
            if let Some(e) = store.enterprise(&Scope::Zone, &u).await? {
                firms.insert(u.as_str().to_string(), (e.name.clone(), e.park.to_string()));
            }
        }
    }
    let ctx = Context {
        zone,
        cfg,
        firms: &firms,
        year: crate::appeals_data::china_date(now).year() as i64,
        source,
        now,
    };
    let mut errs: Vec<String> = Vec::new();
    let mut talents: BTreeMap<String, (u64, Talent)> = BTreeMap::new();
    for (n, cells) in &rows {
        let n = *n;
        let get = |name: &str| -> String {
            col(name)
                .and_then(|i| cells.get(i).cloned())
                .unwrap_or_default()
        };
        match parse_row(&ctx, n, &get) {
            Err(e) => errs.extend(e),
            Ok(t) => match talents.get_mut(&t.code) {
                None => {
                    talents.insert(t.code.clone(), (n, t));
                }
                Some((first, stored)) => {
                    if let Some(col) = same_person(stored, &t) {
                        errs.push(at(
                            n,
                            col,
                            format!("与第{first}行同一人才编号「{}」的内容不一致", t.code),
                        ));
                    }
                    for p in t.programmes {
                        if stored
                            .programmes
                            .iter()
                            .any(|q| q.programme == p.programme && q.year == p.year)
                        {
                            errs.push(at(
                                n,
                                "入选计划",
                                format!("「{}」（{}年）重复", p.programme, p.year),
                            ));
                        } else {
                            stored.programmes.push(p);
                        }
                    }
                }
            },
        }
    }
    if errs.is_empty() && talents.is_empty() {
        errs.push("文件中没有数据行".into());
    }
    let codes: Vec<String> = talents.keys().cloned().collect();
    let stored = store.talent_parks(&codes).await?;
    if let Scope::Park(p) = &r.scope {
        for (code, (n, t)) in &talents {
            if t.park != p.as_str() {
                errs.push(at(*n, "园区", format!("只能导入本园区（{p}）的人才")));
            } else if stored.get(code).is_some_and(|sp| sp != p.as_str()) {
                errs.push(at(
                    *n,
                    "人才编号",
                    format!("「{code}」已由其他园区登记，不能修改"),
                ));
            }
        }
    }
    if !errs.is_empty() {
        return Ok(Err(errs));
    }
    let list: Vec<Talent> = talents.into_values().map(|(_, t)| t).collect();
    let out = Imported {
        talents: list.len(),
        programmes: list.iter().map(|t| t.programmes.len()).sum(),
        replaced: stored.len(),
    };
    let park = match &r.scope {
        Scope::Park(p) => Some(p.to_string()),
        _ => None,
    };
    let ev = crate::audit::event(
        &r.who,
        "talent.import",
        park.as_deref(),
        source,
        serde_json::json!({"talents": out.talents, "programmes": out.programmes, "replaced": out.replaced, "codes": codes}),
    );
    store.put_talents(&list, &ev).await?;
    Ok(Ok(out))
}

#[cfg(test)]
pub(crate) mod tests;
