//! What the 新型研发机构 pages, exports and commands show: the list with grades and warnings
//! (filtered), an institution's page (facts over years, its scores against the zone median, its
//! incubated firms), the annual report and the workbooks. Numbers are formatted here through
//! `gaoxin_model::present`, so a page, an export and a command read the same.
use crate::rdi::{FACTS, RdiError, fact_value};
use crate::rdi_eval::{self, RdiReport, RdiRow};
use crate::xlsx::list_sheet;
use gaoxin_model::{Zone, present};
use gaoxin_store::{Incubation, Institution, Scope, Store};
use rust_xlsxwriter::Workbook;
use serde::Serialize;

/// The list's filters (every field narrows).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListFilter {
    pub year: Option<i32>,
    /// Park id or name.
    pub park: Option<String>,
    pub grade: Option<String>,
    pub field: Option<String>,
    /// Only institutions with an exit warning.
    pub warned: bool,
    /// Part of the name or code.
    pub q: Option<String>,
}

/// One row of the list.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ListRow {
    pub id: String,
    pub name: String,
    pub park: String,
    pub field: String,
    pub founded: String,
    pub synthetic: bool,
    pub total: String,
    pub rank: String,
    /// The Monte Carlo 90 % rank interval (`3–7`).
    pub interval: String,
    pub grade: String,
    pub prev_grade: String,
    pub warnings: Vec<String>,
}

/// The list page's data.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ListView {
    pub year: Option<i32>,
    pub years: Vec<i32>,
    pub evaluated: bool,
    pub rows: Vec<ListRow>,
    pub total_in_scope: usize,
    /// (grade, count) over the rows shown, best first.
    pub grade_counts: Vec<(String, usize)>,
    pub warned: usize,
    pub grades: Vec<String>,
    pub fields: Vec<String>,
    pub status: Option<String>,
    pub version: String,
    pub mc_replications: usize,
    pub exit_rule: String,
}

fn park_name(zone: &Zone, id: &str) -> String {
    zone.park(id)
        .map(|p| p.name.clone())
        .unwrap_or_else(|| id.to_string())
}

fn score(x: Option<f64>) -> String {
    x.map(|v| present::fixed(v, 1))
        .unwrap_or_else(|| "—".into())
}

/// The exit rule in words.
pub fn exit_rule_text(rep: &RdiReport) -> String {
    format!(
        "连续{}年评为「{}」，或任一核心指标连续{}年下降（参数{}）",
        rep.exit.fail_streak,
        rep.exit.fail_grade,
        rep.exit.decline_years,
        if rep.exit.status == gaoxin_index::park::Status::Confirmed {
            "已确认"
        } else {
            "未经文件确认"
        }
    )
}

/// The list of institutions in `scope` with the year's grades and warnings.
pub async fn list(
    store: &Store,
    zone: &Zone,
    scope: &Scope,
    f: &ListFilter,
) -> Result<ListView, RdiError> {
    let institutions = store.rd_institutions(scope).await?;
    let years = rdi_eval::years(store, scope).await?;
    let year = f.year.or_else(|| years.first().copied());
    let rep = match year {
        Some(_) => rdi_eval::latest(store, scope, year).await?,
        None => None,
    };
    let park = match &f.park {
        Some(p) if !p.is_empty() => Some(
            zone.park(p)
                .map(|x| x.id.to_string())
                .ok_or_else(|| RdiError::Invalid(format!("园区「{p}」不存在")))?,
        ),
        _ => None,
    };
    let result = |id: &str| {
        rep.as_ref()
            .and_then(|r| r.results.iter().find(|x| x.id == id))
    };
    let warnings = |id: &str| -> Vec<String> {
        rep.as_ref()
            .map(|r| {
                r.warnings
                    .iter()
                    .filter(|w| w.id == id)
                    .map(|w| w.evidence.clone())
                    .collect()
            })
            .unwrap_or_default()
    };
    let q = f.q.as_deref().map(str::trim).filter(|q| !q.is_empty());
    let mut rows: Vec<(Option<u32>, ListRow)> = institutions
        .iter()
        .filter(|i| park.as_deref().is_none_or(|p| i.park == p))
        .filter(|i| {
            f.field
                .as_deref()
                .is_none_or(|x| x.is_empty() || i.field == x)
        })
        .filter(|i| q.is_none_or(|q| i.name.contains(q) || i.id.contains(q)))
        .filter_map(|i| {
            let r = result(&i.id);
            let w = warnings(&i.id);
            let grade = r.and_then(|r| r.grade.clone()).unwrap_or_default();
            if f.grade
                .as_deref()
                .is_some_and(|g| !g.is_empty() && g != grade)
            {
                return None;
            }
            if f.warned && w.is_empty() {
                return None;
            }
            Some((r.and_then(|r| r.rank), list_row(zone, i, r, w)))
        })
        .collect();
    rows.sort_by(|a, b| {
        (a.0.unwrap_or(u32::MAX), &a.1.id).cmp(&(b.0.unwrap_or(u32::MAX), &b.1.id))
    });
    let rows: Vec<ListRow> = rows.into_iter().map(|r| r.1).collect();
    let grades: Vec<String> = rep
        .as_ref()
        .map(|r| r.grades.iter().map(|g| g.name.clone()).collect())
        .unwrap_or_default();
    let grade_counts = grades
        .iter()
        .map(|g| (g.clone(), rows.iter().filter(|r| &r.grade == g).count()))
        .collect();
    let mut fields: Vec<String> = institutions.iter().map(|i| i.field.clone()).collect();
    fields.sort();
    fields.dedup();
    Ok(ListView {
        year,
        years,
        evaluated: rep.is_some(),
        warned: rows.iter().filter(|r| !r.warnings.is_empty()).count(),
        total_in_scope: institutions.len(),
        rows,
        grade_counts,
        grades,
        fields,
        status: rep.as_ref().and_then(|r| r.status.clone()),
        version: rep.as_ref().map(|r| r.version.clone()).unwrap_or_default(),
        mc_replications: rep.as_ref().map_or(0, |r| r.mc_replications),
        exit_rule: rep.as_ref().map(exit_rule_text).unwrap_or_default(),
    })
}

fn list_row(zone: &Zone, i: &Institution, r: Option<&RdiRow>, warnings: Vec<String>) -> ListRow {
    ListRow {
        id: i.id.clone(),
        name: i.name.clone(),
        park: park_name(zone, &i.park),
        field: i.field.clone(),
        founded: i
            .founded
            .map(|y| y.to_string())
            .unwrap_or_else(|| "—".into()),
        synthetic: i.synthetic,
        total: score(r.and_then(|r| r.total)),
        rank: r
            .and_then(|r| r.rank)
            .map(|k| k.to_string())
            .unwrap_or_else(|| "—".into()),
        interval: match r.and_then(|r| r.rank_p05.zip(r.rank_p95)) {
            Some((a, b)) => format!("{}–{}", present::count(a), present::count(b)),
            None => "—".into(),
        },
        grade: r.and_then(|r| r.grade.clone()).unwrap_or_default(),
        prev_grade: r.and_then(|r| r.prev_grade.clone()).unwrap_or_default(),
        warnings,
    }
}

/// One year's facts of an institution, formatted.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FactsRow {
    pub year: i64,
    pub cells: Vec<String>,
}

/// One axis of the radar: the institution's normalised score and the zone median (0–100).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RadarAxis {
    pub name: String,
    pub own: Option<f64>,
    pub median: Option<f64>,
    pub value: String,
}

/// An institution's page.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Detail {
    pub id: String,
    pub name: String,
    pub partners: String,
    pub park: String,
    pub field: String,
    pub founded: String,
    pub legal_form: String,
    pub synthetic: bool,
    pub headers: Vec<&'static str>,
    pub facts: Vec<FactsRow>,
    pub year: Option<i32>,
    pub total: String,
    pub rank: String,
    pub interval: String,
    pub grade: String,
    pub zone_count: usize,
    pub dimensions: Vec<(String, String)>,
    pub radar: Vec<RadarAxis>,
    pub warnings: Vec<String>,
    /// Incubated firms: (credit code, name when the firm is in scope).
    pub incubated: Vec<(String, Option<String>)>,
}

fn fact_text(k: usize, v: Option<i64>) -> String {
    match (v, FACTS[k].money) {
        (None, _) => "—".into(),
        (Some(v), true) => present::wan(v),
        (Some(v), false) => present::count(v as f64),
    }
}

/// An institution's page; `None` when missing or out of `scope` (the same answer).
pub async fn detail(
    store: &Store,
    zone: &Zone,
    scope: &Scope,
    id: &str,
) -> Result<Option<Detail>, RdiError> {
    let Some(i) = store.rd_institution(scope, id).await? else {
        return Ok(None);
    };
    let years = store.rd_institution_years(scope, Some(id)).await?;
    let rep = rdi_eval::latest(store, scope, None).await?;
    let r = rep
        .as_ref()
        .and_then(|rep| rep.results.iter().find(|x| x.id == id));
    let radar = match (&rep, r) {
        (Some(rep), Some(r)) => rep
            .indicators
            .iter()
            .enumerate()
            .map(|(j, ind)| RadarAxis {
                name: ind.name.clone(),
                own: r.normalised[j].map(|v| (v * 1000.0).round() / 10.0),
                median: rep.median_normalised[j].map(|v| (v * 1000.0).round() / 10.0),
                value: r.values[j]
                    .map(|v| present::value(v, ind.unit.as_deref().unwrap_or("")))
                    .unwrap_or_else(|| "—".into()),
            })
            .collect(),
        _ => vec![],
    };
    let dimensions = match (&rep, r) {
        (Some(rep), Some(r)) => rep
            .dimensions
            .iter()
            .zip(&r.dimensions)
            .map(|(d, v)| (d.name.clone(), score(*v)))
            .collect(),
        _ => vec![],
    };
    let warnings = rep
        .as_ref()
        .map(|rep| {
            rep.warnings
                .iter()
                .filter(|w| w.id == id)
                .map(|w| w.evidence.clone())
                .collect()
        })
        .unwrap_or_default();
    let row = list_row(zone, &i, r, vec![]);
    Ok(Some(Detail {
        id: i.id.clone(),
        name: i.name.clone(),
        partners: i.partners.clone(),
        park: park_name(zone, &i.park),
        field: i.field.clone(),
        founded: row.founded,
        legal_form: i.legal_form.clone(),
        synthetic: i.synthetic,
        headers: FACTS.iter().map(|f| f.header).collect(),
        facts: years
            .iter()
            .map(|y| FactsRow {
                year: y.year,
                cells: (0..FACTS.len())
                    .map(|k| fact_text(k, y.values[k]))
                    .collect(),
            })
            .collect(),
        year: rep.as_ref().map(|r| r.year),
        total: row.total,
        rank: row.rank,
        interval: row.interval,
        grade: row.grade,
        zone_count: rep.as_ref().map_or(0, |r| r.zone_count),
        dimensions,
        radar,
        warnings,
        incubated: store
            .rd_incubations(scope, Some(id))
            .await?
            .into_iter()
            .map(|x: Incubation| (x.uscc, x.name))
            .collect(),
    }))
}

/// The list as .xlsx (the rows shown, with the filter's year).
pub fn list_workbook(v: &ListView) -> Result<Vec<u8>, RdiError> {
    let mut wb = Workbook::new();
    let ws = list_sheet(
        &mut wb,
        "新型研发机构",
        &[
            "机构编号",
            "机构名称",
            "园区",
            "领域",
            "成立年份",
            "综合得分",
            "排名",
            "排名区间（90%）",
            "等级",
            "上年等级",
            "退出预警",
            "数据来源",
        ],
        16.0,
    )?;
    for (n, r) in v.rows.iter().enumerate() {
        let n = n as u32 + 1;
        for (c, s) in [
            &r.id,
            &r.name,
            &r.park,
            &r.field,
            &r.founded,
            &r.total,
            &r.rank,
            &r.interval,
            &r.grade,
            &r.prev_grade,
        ]
        .iter()
        .enumerate()
        {
            ws.write_string(n, c as u16, s.as_str())?;
        }
        ws.write_string(n, 10, r.warnings.join("；"))?;
        ws.write_string(
            n,
            11,
            if r.synthetic {
                "合成演示数据"
            } else {
                ""
            },
        )?;
    }
    Ok(wb.save_to_buffer()?)
}

/// The annual evaluation report as .xlsx: results with dimension scores and raw indicator values,
/// exit warnings, and the scheme (weights marked 未确认).
pub fn report_workbook(zone: &Zone, rep: &RdiReport) -> Result<Vec<u8>, RdiError> {
    let mut wb = Workbook::new();
    let mut head: Vec<String> = [
        "排名",
        "机构编号",
        "机构名称",
        "园区",
        "等级",
        "综合得分",
        "排名区间（90%）",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    head.extend(rep.dimensions.iter().map(|d| d.name.clone()));
    head.extend(rep.indicators.iter().map(|i| i.name.clone()));
    let refs: Vec<&str> = head.iter().map(String::as_str).collect();
    let ws = list_sheet(&mut wb, &format!("{}年评价结果", rep.year), &refs, 14.0)?;
    for (n, r) in rep.results.iter().enumerate() {
        let n = n as u32 + 1;
        let mut cells = vec![
            r.rank.map(|k| k.to_string()).unwrap_or_else(|| "—".into()),
            r.id.clone(),
            r.name.clone(),
            park_name(zone, &r.park),
            r.grade.clone().unwrap_or_default(),
            score(r.total),
            match r.rank_p05.zip(r.rank_p95) {
                Some((a, b)) => format!("{}–{}", present::count(a), present::count(b)),
                None => "—".into(),
            },
        ];
        cells.extend(r.dimensions.iter().map(|d| score(*d)));
        cells.extend(rep.indicators.iter().zip(&r.values).map(|(i, v)| {
            v.map(|v| present::value(v, i.unit.as_deref().unwrap_or("")))
                .unwrap_or_else(|| "—".into())
        }));
        for (c, s) in cells.iter().enumerate() {
            ws.write_string(n, c as u16, s.as_str())?;
        }
    }
    let ws = list_sheet(
        &mut wb,
        "退出预警",
        &["机构编号", "机构名称", "园区", "依据"],
        24.0,
    )?;
    for (n, w) in rep.warnings.iter().enumerate() {
        let n = n as u32 + 1;
        ws.write_string(n, 0, &w.id)?;
        ws.write_string(n, 1, &w.name)?;
        ws.write_string(n, 2, park_name(zone, &w.park))?;
        ws.write_string(n, 3, &w.evidence)?;
    }
    let ws = list_sheet(
        &mut wb,
        "评价方案",
        &["层级", "名称", "权重", "方向", "单位", "权重来源"],
        18.0,
    )?;
    let mut n = 1;
    for d in &rep.dimensions {
        for (c, s) in [
            "维度",
            &d.name,
            &present::fixed(d.weight, 2),
            "",
            "",
            if d.confirmed {
                "已确认"
            } else {
                "未确认（默认值）"
            },
        ]
        .iter()
        .enumerate()
        {
            ws.write_string(n, c as u16, *s)?;
        }
        n += 1;
    }
    for i in &rep.indicators {
        let dir = if i.direction < 0.0 {
            "越低越好"
        } else {
            "越高越好"
        };
        let unit = i.unit.clone().unwrap_or_default();
        for (c, s) in [
            "指标",
            &i.name,
            &present::fixed(i.weight, 2),
            dir,
            &unit,
            if i.confirmed {
                "已确认"
            } else {
                "未确认（默认值）"
            },
        ]
        .iter()
        .enumerate()
        {
            ws.write_string(n, c as u16, *s)?;
        }
        n += 1;
    }
    ws.write_string(
        n + 1,
        0,
        format!(
            "方案 {}：{}",
            rep.version,
            rep.status.clone().unwrap_or_default()
        ),
    )?;
    ws.write_string(n + 2, 0, format!("退出预警：{}", exit_rule_text(rep)))?;
    Ok(wb.save_to_buffer()?)
}

/// A value of fact `k` as the engines read it (for the CLI's `show`).
pub fn fact_number(k: usize, v: Option<i64>) -> Option<f64> {
    fact_value(k, v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn list_filters_and_detail_scope() {
        let zone = Zone::parse(include_str!("../../../data/reference/zone.toml")).unwrap();
        let store = gaoxin_store::testing::sqlite().await.unwrap();
        crate::rdi_demo::load(&store, &zone, &[], 3, 2022, 2024)
            .await
            .unwrap();
        let all = list(&store, &zone, &Scope::Zone, &ListFilter::default())
            .await
            .unwrap();
        assert_eq!(all.year, Some(2024));
        assert_eq!(all.rows.len(), 300);
        assert_eq!(all.rows[0].rank, "1");
        let warned = list(
            &store,
            &zone,
            &Scope::Zone,
            &ListFilter {
                warned: true,
                ..Default::default()
            },
        )
        .await
        .unwrap();
        assert!(!warned.rows.is_empty() && warned.rows.len() < 300);
        assert!(warned.rows.iter().all(|r| !r.warnings.is_empty()));
        let g = &all.grades[0];
        let top = list(
            &store,
            &zone,
            &Scope::Zone,
            &ListFilter {
                grade: Some(g.clone()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        assert!(top.rows.iter().all(|r| &r.grade == g));
        let park = zone.parks[1].id.clone();
        let mine = list(
            &store,
            &zone,
            &Scope::Park(park.clone()),
            &ListFilter::default(),
        )
        .await
        .unwrap();
        assert!(mine.rows.iter().all(|r| r.park == zone.parks[1].name));
        let other = all
            .rows
            .iter()
            .find(|r| r.park != zone.parks[1].name)
            .unwrap();
        assert!(
            detail(&store, &zone, &Scope::Park(park), &other.id)
                .await
                .unwrap()
                .is_none()
        );
        let d = detail(&store, &zone, &Scope::Zone, &other.id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(d.facts.len(), 3);
        assert_eq!(d.radar.len(), 11);
        assert!(list_workbook(&all).unwrap().len() > 1000);
        let rep = rdi_eval::latest(&store, &Scope::Zone, None)
            .await
            .unwrap()
            .unwrap();
        assert!(report_workbook(&zone, &rep).unwrap().len() > 1000);
    }
}
