//! 新型研发机构 (issue 17): the institutions' facts, their xlsx/CSV import (all-or-nothing, messages
//! naming row and column in Chinese), the template and the list. The evaluation is in
//! [`crate::rdi_eval`], the pages' views and workbooks in [`crate::rdi_view`].
//!
//! [`FACTS`] is the single list of an institution's yearly facts: import headers, template,
//! store columns (`gaoxin_store::RDI_FACT_COLUMNS`, same order), the scheme's variables and the
//! exports all derive from it. Money is written in 万元 (up to 6 decimals, exact in fen); a blank
//! cell keeps what is stored, 「清空」 clears it; missing is never 0.
use crate::audit::{Who, event};
use crate::xlsx::list_sheet;
use gaoxin_model::{Money, Unit, Uscc, Zone};
use gaoxin_store::{Institution, InstitutionYear, RDI_FACT_COLUMNS, RdiImport, Scope, Store};
use rust_xlsxwriter::{Workbook, XlsxError};
use std::collections::{BTreeMap, BTreeSet};

/// An error of an institutions' use case.
#[derive(Debug, thiserror::Error)]
pub enum RdiError {
    /// Bad input: the message names the field (shown as it is).
    #[error("{0}")]
    Invalid(String),
    /// Not found or not in scope (the same answer for both).
    #[error("未找到")]
    NotFound,
    #[error(transparent)]
    Store(#[from] gaoxin_store::Error),
    #[error("导出失败：{0}")]
    Xlsx(String),
    #[error("评价方案：{0}")]
    Scheme(String),
}

impl From<XlsxError> for RdiError {
    fn from(e: XlsxError) -> Self {
        RdiError::Xlsx(e.to_string())
    }
}

/// One yearly fact: its key (the scheme's variable), its import header and whether it is money.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FactDef {
    pub key: &'static str,
    pub header: &'static str,
    /// Money in 万元 (stored in fen); otherwise an integer count.
    pub money: bool,
}

const fn f(key: &'static str, header: &'static str, money: bool) -> FactDef {
    FactDef { key, header, money }
}

/// The yearly facts, aligned with `gaoxin_store::RDI_FACT_COLUMNS`.
pub const FACTS: [FactDef; 12] = [
    f("rd_spending", "研发经费支出（万元）", true),
    f("staff", "从业人员（人）", false),
    f("researchers", "研发人员（人）", false),
    f("incubated_firms", "累计孵化企业（家）", false),
    f("incubated_revenue", "孵化企业营业收入（万元）", true),
    f("patents", "专利授权（件）", false),
    f("contracts", "技术合同（项）", false),
    f("contract_income", "技术合同收入（万元）", true),
    f("gov_funding", "政府资助（万元）", true),
    f("own_revenue", "自身营业收入（万元）", true),
    f("platforms", "省级以上平台（个）", false),
    f("talents", "高层次人才（人）", false),
];

/// The identity columns of the import (the first two are required).
pub const IDENTITY: [&str; 8] = [
    "机构编号",
    "机构名称",
    "共建单位",
    "园区",
    "领域",
    "成立年份",
    "法人类型",
    "年度",
];

/// The column of incubated firms' credit codes (separated by 「；」, 「,」 or spaces).
pub const INCUBATED: &str = "孵化企业信用代码";

/// The text that clears a stored value.
const CLEAR: &str = "清空";

/// Every header of the import, in the template's order.
pub fn headers() -> Vec<&'static str> {
    IDENTITY
        .iter()
        .copied()
        .chain(FACTS.iter().map(|f| f.header))
        .chain([INCUBATED])
        .collect()
}

/// The import template (.xlsx): the headers and one example row labelled as such.
pub fn template() -> Result<Vec<u8>, RdiError> {
    let mut wb = Workbook::new();
    let head = headers();
    let ws = list_sheet(&mut wb, "新型研发机构", &head, 16.0)?;
    let example = [
        "RDI-0001",
        "（示例）南京某某研究院",
        "南京大学；东南大学",
        "江北新区",
        "人工智能",
        "2019",
        "事业单位",
        "2024",
        "1200.5",
        "150",
        "90",
        "12",
        "8000",
        "25",
        "40",
        "600",
        "300",
        "2500",
        "2",
        "6",
        "",
    ];
    for (c, v) in example.iter().enumerate() {
        ws.write_string(1, c as u16, *v)?;
    }
    Ok(wb.save_to_buffer()?)
}

/// What an import did: institutions and institution-years written, links recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportSummary {
    pub institutions: usize,
    pub years: usize,
    pub incubations: usize,
}

/// A cell of a sheet: trimmed text, full width folded.
fn clean(s: &str) -> String {
    s.trim()
        .trim_start_matches('\u{feff}')
        .chars()
        .map(|c| match c {
            '\u{ff01}'..='\u{ff5e}' if !matches!(c, '（' | '）' | '；' | '，') => {
                char::from_u32(c as u32 - 0xfee0).unwrap_or(c)
            }
            '\u{3000}' => ' ',
            c => c,
        })
        .collect::<String>()
        .trim()
        .to_string()
}

/// The header `h` without its unit: 「研发经费支出（万元）」 → 「研发经费支出」.
fn bare(h: &str) -> &str {
    h.split(['（', '(']).next().unwrap_or(h).trim()
}

/// Column positions of every known header (`None` when absent); an unknown or duplicated header
/// is an error (a typo would otherwise silently drop a column).
fn columns(headers: &[String]) -> Result<BTreeMap<&'static str, usize>, Vec<String>> {
    let known = headers_list();
    let mut out = BTreeMap::new();
    let mut errors = Vec::new();
    for (i, h) in headers.iter().enumerate() {
        let h = clean(h);
        if h.is_empty() {
            continue;
        }
        match known.iter().find(|k| **k == h || bare(k) == bare(&h)) {
            Some(k) => {
                if out.insert(*k, i).is_some() {
                    errors.push(format!("第{}列「{h}」重复", i + 1));
                }
            }
            None => errors.push(format!(
                "第{}列「{h}」不是导入模板的列（请下载模板核对列名）",
                i + 1
            )),
        }
    }
    for req in ["机构编号", "年度"] {
        if !out.contains_key(req) {
            errors.push(format!("缺少列「{req}」"));
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

fn headers_list() -> Vec<&'static str> {
    headers()
}

/// A parsed cell: blank (keep), 清空 (clear) or a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cell {
    Keep,
    Clear,
    Set(i64),
}

fn parse_fact(def: &FactDef, text: &str) -> Result<Cell, String> {
    if text.is_empty() {
        return Ok(Cell::Keep);
    }
    if text == CLEAR {
        return Ok(Cell::Clear);
    }
    let v = if def.money {
        Money::parse(text, Unit::WanYuan)
            .map_err(|e| format!("「{text}」不是金额（万元）：{e}"))?
            .fen()
    } else {
        text.replace([',', '，'], "")
            .parse::<i64>()
            .map_err(|_| format!("「{text}」不是整数"))?
    };
    if v < 0 {
        return Err(format!("「{text}」不能为负数"));
    }
    Ok(Cell::Set(v))
}

fn parse_year(text: &str, what: &str) -> Result<i64, String> {
    match text.parse::<i64>() {
        Ok(y) if (1949..=2100).contains(&y) => Ok(y),
        _ => Err(format!("「{what}」：「{text}」不是年份（如 2024）")),
    }
}

/// Parsed rows of one import: institutions by code (identity cells), facts by (code, year),
/// incubations.
#[derive(Default)]
struct Parsed {
    identity: BTreeMap<String, (u64, [Option<String>; 7])>,
    facts: BTreeMap<(String, i64), (u64, [Cell; 12])>,
    incubations: Vec<(String, String)>,
}

fn parse_rows(
    zone: &Zone,
    cols: &BTreeMap<&'static str, usize>,
    rows: &[(u64, Vec<String>)],
) -> Result<Parsed, Vec<String>> {
    let mut p = Parsed::default();
    let mut errors = Vec::new();
    let mut seen_firms: BTreeMap<String, String> = BTreeMap::new();
    for (n, row) in rows {
        let get = |h: &str| {
            cols.get(h)
                .and_then(|&i| row.get(i))
                .map(|s| clean(s))
                .unwrap_or_default()
        };
        let code = get("机构编号");
        if code.is_empty() {
            errors.push(format!("第{n}行「机构编号」：不能为空"));
            continue;
        }
        if code.chars().count() > 40 {
            errors.push(format!("第{n}行「机构编号」：不超过 40 个字符"));
            continue;
        }
        let mut ident: [Option<String>; 7] = Default::default();
        for (k, h) in IDENTITY[1..].iter().enumerate() {
            let v = get(h);
            if v.is_empty() {
                continue;
            }
            let v = match *h {
                "园区" => match zone.park(&v) {
                    Some(pk) => pk.id.to_string(),
                    None => {
                        errors.push(format!("第{n}行「园区」：「{v}」不是高新区的园区"));
                        continue;
                    }
                },
                "成立年份" => match parse_year(&v, h) {
                    Ok(y) => y.to_string(),
                    Err(e) => {
                        errors.push(format!("第{n}行{e}"));
                        continue;
                    }
                },
                "年度" => v,
                _ if v.chars().count() > 200 => {
                    errors.push(format!("第{n}行「{h}」：不超过 200 个字符"));
                    continue;
                }
                _ => v,
            };
            ident[k] = Some(v);
        }
        let year = match ident[6].take().map(|y| parse_year(&y, "年度")) {
            Some(Ok(y)) => y,
            Some(Err(e)) => {
                errors.push(format!("第{n}行{e}"));
                continue;
            }
            None => {
                errors.push(format!("第{n}行「年度」：不能为空"));
                continue;
            }
        };
        match p.identity.get(&code) {
            Some((first, prev))
                if prev[..6] != ident[..6] && ident[..6].iter().any(Option::is_some) =>
            {
                if ident[..6]
                    .iter()
                    .zip(&prev[..6])
                    .any(|(a, b)| a.is_some() && b.is_some() && a != b)
                {
                    errors.push(format!(
                        "第{n}行「机构编号」{code}：机构信息与第{first}行不一致"
                    ));
                }
            }
            Some(_) => {}
            None => {
                p.identity.insert(code.clone(), (*n, ident.clone()));
            }
        }
        let mut cells = [Cell::Keep; 12];
        for (k, def) in FACTS.iter().enumerate() {
            match parse_fact(def, &get(def.header)) {
                Ok(c) => cells[k] = c,
                Err(e) => errors.push(format!("第{n}行「{}」：{e}", def.header)),
            }
        }
        if let Some((first, _)) = p.facts.get(&(code.clone(), year)) {
            errors.push(format!(
                "第{n}行：机构 {code} 的 {year} 年数据与第{first}行重复"
            ));
        } else {
            p.facts.insert((code.clone(), year), (*n, cells));
        }
        for u in get(INCUBATED)
            .split(['；', ';', ',', '，', '、', ' '])
            .filter(|s| !s.is_empty())
        {
            match Uscc::parse(u) {
                Ok(u) => {
                    let u = u.as_str().to_string();
                    match seen_firms.get(&u) {
                        Some(other) if *other != code => errors.push(format!(
                            "第{n}行「{INCUBATED}」：{u} 同时列在机构 {other} 下（一家企业只记一家孵化机构）"
                        )),
                        Some(_) => {}
                        None => {
                            seen_firms.insert(u.clone(), code.clone());
                            p.incubations.push((u, code.clone()));
                        }
                    }
                }
                Err(e) => errors.push(format!("第{n}行「{INCUBATED}」：{u} {e}")),
            }
        }
    }
    if errors.is_empty() {
        Ok(p)
    } else {
        Err(errors)
    }
}

/// Imports institutions and their yearly facts from an xlsx or CSV file: every row is checked
/// first and any problem (named by row and column) writes nothing (`Ok(Err(messages))`); then
/// everything is written in one transaction with one `rdi.import` audit event per park.
pub async fn import(
    store: &Store,
    zone: &Zone,
    scope: &Scope,
    bytes: Vec<u8>,
    who: &Who,
) -> Result<Result<ImportSummary, Vec<String>>, RdiError> {
    let (headers, rows) = match crate::sheet_rows::read(bytes) {
        Ok(r) => r,
        Err(e) => return Ok(Err(e)),
    };
    let cols = match columns(&headers) {
        Ok(c) => c,
        Err(e) => return Ok(Err(e)),
    };
    let parsed = match parse_rows(zone, &cols, &rows) {
        Ok(p) => p,
        Err(e) => return Ok(Err(e)),
    };
    let stored: BTreeMap<String, Institution> = store
        .rd_institutions(scope)
        .await?
        .into_iter()
        .map(|i| (i.id.clone(), i))
        .collect();
    let stored_years: BTreeMap<(String, i64), InstitutionYear> = store
        .rd_institution_years(scope, None)
        .await?
        .into_iter()
        .map(|y| ((y.institution_id.clone(), y.year), y))
        .collect();
    let mut errors = Vec::new();
    let mut out = RdiImport::default();
    for (code, (n, ident)) in &parsed.identity {
        let old = stored.get(code);
        let pick = |k: usize, old: Option<&String>| ident[k].clone().or(old.cloned());
        let name = pick(0, old.map(|o| &o.name));
        let park = pick(2, old.map(|o| &o.park));
        let (Some(name), Some(park)) = (name, park) else {
            errors.push(format!(
                "第{n}行：新机构 {code} 须填写「机构名称」和「园区」"
            ));
            continue;
        };
        if let Scope::Park(p) = scope
            && p.as_str() != park
        {
            errors.push(format!(
                "第{n}行「园区」：只能导入本园区的机构（机构 {code} 不在您的园区，或已登记在其他园区）"
            ));
            continue;
        }
        out.institutions.push(Institution {
            id: code.clone(),
            name,
            partners: pick(1, old.map(|o| &o.partners)).unwrap_or_default(),
            park,
            field: pick(3, old.map(|o| &o.field)).unwrap_or_default(),
            founded: ident[4]
                .as_deref()
                .and_then(|y| y.parse().ok())
                .or(old.and_then(|o| o.founded)),
            legal_form: pick(5, old.map(|o| &o.legal_form)).unwrap_or_default(),
            synthetic: false,
        });
    }
    if !errors.is_empty() {
        return Ok(Err(errors));
    }
    for ((code, year), (_, cells)) in &parsed.facts {
        let old = stored_years.get(&(code.clone(), *year));
        let mut values = [None; 12];
        for (k, c) in cells.iter().enumerate() {
            values[k] = match c {
                Cell::Keep => old.and_then(|o| o.values[k]),
                Cell::Clear => None,
                Cell::Set(v) => Some(*v),
            };
        }
        out.years.push(InstitutionYear {
            institution_id: code.clone(),
            year: *year,
            values,
        });
    }
    out.incubations = parsed.incubations.clone();
    let mut by_park: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for i in &out.institutions {
        by_park.entry(&i.park).or_default().insert(&i.id);
    }
    let events: Vec<_> = by_park
        .iter()
        .map(|(park, ids)| {
            let ids: Vec<&str> = ids.iter().copied().collect();
            let years = out
                .years
                .iter()
                .filter(|y| ids.contains(&y.institution_id.as_str()))
                .count();
            event(
                who,
                "rdi.import",
                Some(park),
                &format!("{} 家新型研发机构", ids.len()),
                serde_json::json!({ "institutions": ids, "years": years }),
            )
        })
        .collect();
    match store.import_rdi(scope, &out, &events, now()).await? {
        Ok(()) => Ok(Ok({
            crate::ecosystem::invalidate_cache();
            ImportSummary {
                institutions: out.institutions.len(),
                years: out.years.len(),
                incubations: out.incubations.len(),
            }
        })),
        Err(i) => {
            let id = out.institutions.get(i).map(|x| x.id.as_str()).unwrap_or("");
            let row = parsed.identity.get(id).map(|x| x.0).unwrap_or(0);
            Ok(Err(vec![format!(
                "第{row}行「机构编号」：机构 {id} 已登记在其他园区（只能导入本园区的机构），未写入任何数据"
            )]))
        }
    }
}

pub(crate) fn now() -> i64 {
    gaoxin_store::unix_now()
}

/// The value of fact `k` as a number for the engines: 万元 for money, the count otherwise.
pub fn fact_value(k: usize, v: Option<i64>) -> Option<f64> {
    v.map(|v| {
        if FACTS[k].money {
            v as f64 / 1_000_000.0
        } else {
            v as f64
        }
    })
}

/// The store's fact columns and [`FACTS`] agree (checked by a test).
pub fn columns_agree() -> bool {
    RDI_FACT_COLUMNS
        .iter()
        .zip(FACTS.iter())
        .all(|(c, f)| c.trim_end_matches("_fen") == f.key)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn zone() -> Zone {
        Zone::parse(include_str!("../../../data/reference/zone.toml")).unwrap()
    }

    fn csv(lines: &[&str]) -> Vec<u8> {
        lines.join("\n").into_bytes()
    }

    #[test]
    fn facts_and_store_columns_agree() {
        assert!(columns_agree());
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn import_is_all_or_nothing_and_merges_on_both_backends() {
        let zone = zone();
        let park = zone.parks[0].name.clone();
        for store in gaoxin_store::testing::all().await.unwrap() {
            let good = csv(&[
                "机构编号,机构名称,园区,年度,研发经费支出（万元）,从业人员（人）",
                &format!("R1,甲研究院,{park},2023,100.5,40"),
                "R1,,,2024,120,",
            ]);
            let s = import(&store, &zone, &Scope::Zone, good, &Who::cli())
                .await
                .unwrap()
                .unwrap();
            assert_eq!((s.institutions, s.years), (1, 2));
            let ys = store
                .rd_institution_years(&Scope::Zone, Some("R1"))
                .await
                .unwrap();
            assert_eq!(ys[0].values[0], Some(100_500_000), "100.5 万元 in fen");
            assert_eq!(ys[1].values[1], None, "blank is missing, not 0");
            // a bad row writes nothing, and the message names the row and the column
            let bad = csv(&[
                "机构编号,机构名称,园区,年度,研发经费支出（万元）",
                &format!("R2,乙研究院,{park},2024,12"),
                &format!("R3,丙研究院,{park},2024,abc"),
            ]);
            let e = import(&store, &zone, &Scope::Zone, bad, &Who::cli())
                .await
                .unwrap()
                .unwrap_err();
            assert!(e[0].contains("第3行「研发经费支出（万元）」"), "{e:?}");
            assert!(
                store
                    .rd_institution(&Scope::Zone, "R2")
                    .await
                    .unwrap()
                    .is_none()
            );
            // a blank cell keeps the stored value; 清空 clears it
            let merge = csv(&[
                "机构编号,年度,研发经费支出（万元）,从业人员（人）",
                "R1,2023,,清空",
            ]);
            import(&store, &zone, &Scope::Zone, merge, &Who::cli())
                .await
                .unwrap()
                .unwrap();
            let ys = store
                .rd_institution_years(&Scope::Zone, Some("R1"))
                .await
                .unwrap();
            assert_eq!(ys[0].values[0], Some(100_500_000));
            assert_eq!(ys[0].values[1], None);
            let audit = store
                .audit_entries(&Scope::Zone, &Default::default(), 10, 0)
                .await
                .unwrap();
            assert_eq!(
                audit
                    .iter()
                    .filter(|a| a.event.action == "rdi.import")
                    .count(),
                2
            );
        }
    }

    #[tokio::test]
    async fn unknown_headers_and_new_institutions_without_a_park_are_refused() {
        let zone = zone();
        let store = gaoxin_store::testing::sqlite().await.unwrap();
        let e = import(
            &store,
            &zone,
            &Scope::Zone,
            csv(&["机构编号,年度,研发费", "R1,2024,1"]),
            &Who::cli(),
        )
        .await
        .unwrap()
        .unwrap_err();
        assert!(e[0].contains("第3列「研发费」"), "{e:?}");
        let e = import(
            &store,
            &zone,
            &Scope::Zone,
            csv(&["机构编号,年度", "R1,2024"]),
            &Who::cli(),
        )
        .await
        .unwrap()
        .unwrap_err();
        assert!(e[0].contains("须填写「机构名称」和「园区」"), "{e:?}");
    }
}
