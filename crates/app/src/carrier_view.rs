//! What the 孵化载体 pages, exports and commands show: the list with grades (filtered), a
//! carrier's page (facts over the years with their provenance, how its firms moved up the ladder,
//! its evaluation), the evaluation page (ranks with intervals, group by group) and the workbooks.
//! Numbers are formatted here through `gaoxin_model::present`, so a page, an export and a command
//! read the same.
use crate::carrier::{CarrierError, FACTS};
use crate::carrier_eval::{self, CarrierReport, CarrierRow};
use crate::carrier_ladder::{self, LadderMovement};
use crate::xlsx::list_sheet;
use gaoxin_model::{Zone, present};
use gaoxin_store::{Carrier, Scope, Store};
use rust_xlsxwriter::Workbook;
use serde::Serialize;

/// The list's filters (every field narrows).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListFilter {
    pub year: Option<i32>,
    /// Park id or name.
    pub park: Option<String>,
    pub kind: Option<String>,
    pub level: Option<String>,
    pub grade: Option<String>,
    /// Part of the name, code or operator.
    pub q: Option<String>,
}

/// One row of the list.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ListRow {
    pub id: String,
    pub name: String,
    pub kind: String,
    pub operator: String,
    pub park: String,
    /// 国家级（2019） or 未认定.
    pub level: String,
    pub area: String,
    pub field: String,
    pub synthetic: bool,
    pub group: String,
    pub total: String,
    pub rank: String,
    /// The Monte Carlo 90 % rank interval (`3–7`).
    pub interval: String,
    pub grade: String,
    pub prev_grade: String,
    pub warned: bool,
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
    pub grades: Vec<String>,
    pub kinds: Vec<&'static str>,
    pub levels: Vec<&'static str>,
    /// (group, which evaluation structure it follows).
    pub structures: Vec<(String, String)>,
    pub mc_replications: usize,
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

fn interval(r: &CarrierRow) -> String {
    match r.rank_p05.zip(r.rank_p95) {
        Some((a, b)) => format!("{}–{}", present::count(a), present::count(b)),
        None => "—".into(),
    }
}

fn level_text(c: &Carrier) -> String {
    match (c.level.as_str(), c.level_year) {
        ("", _) => "未认定".into(),
        (l, Some(y)) => format!("{l}（{y}年）"),
        (l, None) => l.to_string(),
    }
}

fn area_text(a: Option<i64>) -> String {
    a.map(|a| format!("{} 平方米", present::count(a as f64)))
        .unwrap_or_else(|| "—".into())
}

/// The list of carriers in `scope` with the year's grades.
pub async fn list(
    store: &Store,
    zone: &Zone,
    scope: &Scope,
    f: &ListFilter,
) -> Result<ListView, CarrierError> {
    let carriers = store.carriers(scope).await?;
    let years = carrier_eval::years(store, scope).await?;
    let year = f.year.or_else(|| years.first().copied());
    let rep = match year {
        Some(_) => carrier_eval::latest(store, scope, year).await?,
        None => None,
    };
    let park = match &f.park {
        Some(p) if !p.is_empty() => Some(
            zone.park(p)
                .map(|x| x.id.to_string())
                .ok_or_else(|| CarrierError::Invalid(format!("园区「{p}」不存在")))?,
        ),
        _ => None,
    };
    fn some(x: &Option<String>) -> Option<&str> {
        x.as_deref().map(str::trim).filter(|s| !s.is_empty())
    }
    let q = some(&f.q);
    let mut rows: Vec<(String, Option<u32>, ListRow)> = carriers
        .iter()
        .filter(|c| park.as_deref().is_none_or(|p| c.park == p))
        .filter(|c| some(&f.kind).is_none_or(|k| c.kind == k))
        .filter(|c| {
            some(&f.level).is_none_or(|l| c.level == l || (l == "未认定" && c.level.is_empty()))
        })
        .filter(|c| {
            q.is_none_or(|q| c.name.contains(q) || c.id.contains(q) || c.operator.contains(q))
        })
        .filter_map(|c| {
            let r = rep
                .as_ref()
                .and_then(|rep| rep.results.iter().find(|x| x.id == c.id));
            let row = list_row(zone, c, r, rep.as_ref());
            if some(&f.grade).is_some_and(|g| g != row.grade) {
                return None;
            }
            Some((row.group.clone(), r.and_then(|r| r.rank), row))
        })
        .collect();
    rows.sort_by(|a, b| {
        (&a.0, a.1.unwrap_or(u32::MAX), &a.2.id).cmp(&(&b.0, b.1.unwrap_or(u32::MAX), &b.2.id))
    });
    let rows: Vec<ListRow> = rows.into_iter().map(|r| r.2).collect();
    let grades: Vec<String> = rep
        .as_ref()
        .and_then(|r| r.groups.first())
        .map(|g| g.grades.iter().map(|g| g.name.clone()).collect())
        .unwrap_or_default();
    let grade_counts = grades
        .iter()
        .map(|g| (g.clone(), rows.iter().filter(|r| &r.grade == g).count()))
        .collect();
    let structures = match carrier_eval::schemes() {
        Ok(s) => s.into_iter().map(|s| (s.group, s.structure)).collect(),
        Err(e) => vec![("评价方案".into(), e.to_string())],
    };
    Ok(ListView {
        year,
        years,
        evaluated: rep.is_some(),
        total_in_scope: carriers.len(),
        rows,
        grade_counts,
        grades,
        kinds: crate::carrier::KINDS.to_vec(),
        levels: crate::carrier::LEVELS
            .iter()
            .copied()
            .chain(["未认定"])
            .collect(),
        structures,
        mc_replications: rep.as_ref().map_or(0, |r| r.mc_replications),
    })
}

fn list_row(
    zone: &Zone,
    c: &Carrier,
    r: Option<&CarrierRow>,
    rep: Option<&CarrierReport>,
) -> ListRow {
    ListRow {
        id: c.id.clone(),
        name: c.name.clone(),
        kind: c.kind.clone(),
        operator: c.operator.clone(),
        park: park_name(zone, &c.park),
        level: level_text(c),
        area: area_text(c.area_m2),
        field: c.field.clone(),
        synthetic: c.synthetic,
        group: r.map(|r| r.group.clone()).unwrap_or_default(),
        total: score(r.and_then(|r| r.total)),
        rank: r
            .and_then(|r| r.rank)
            .map(|k| k.to_string())
            .unwrap_or_else(|| "—".into()),
        interval: r.map(interval).unwrap_or_else(|| "—".into()),
        grade: r.and_then(|r| r.grade.clone()).unwrap_or_default(),
        prev_grade: r.and_then(|r| r.prev_grade.clone()).unwrap_or_default(),
        warned: rep.is_some_and(|rep| rep.warnings.iter().any(|w| w.id == c.id)),
    }
}

/// One year's facts of a carrier, formatted, with where they came from.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FactsRow {
    pub year: i64,
    pub cells: Vec<String>,
    /// 「载体.xlsx 第3行」 or 演示数据.
    pub source: String,
}

/// One axis of the carrier's scores: its value, normalised score and the group's median.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScoreAxis {
    pub name: String,
    pub value: String,
    pub own: Option<f64>,
    pub median: Option<f64>,
}

/// A carrier's page.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Detail {
    pub row: ListRow,
    pub headers: Vec<&'static str>,
    pub facts: Vec<FactsRow>,
    pub year: Option<i32>,
    pub group_count: usize,
    pub structure: String,
    pub dimensions: Vec<(String, String)>,
    pub scores: Vec<ScoreAxis>,
    pub warnings: Vec<String>,
    pub ladder: LadderMovement,
    pub median_years: String,
}

fn fact_text(k: usize, v: Option<i64>) -> String {
    match (v, FACTS[k].money) {
        (None, _) => "—".into(),
        (Some(v), true) => present::wan(v),
        (Some(v), false) => present::count(v as f64),
    }
}

/// A carrier's page; `None` when missing or out of `scope` (the same answer).
pub async fn detail(
    store: &Store,
    zone: &Zone,
    scope: &Scope,
    id: &str,
) -> Result<Option<Detail>, CarrierError> {
    let Some(c) = store.carrier(scope, id).await? else {
        return Ok(None);
    };
    let years = store.carrier_years(scope, Some(id)).await?;
    let rep = carrier_eval::latest(store, scope, None).await?;
    let r = rep
        .as_ref()
        .and_then(|rep| rep.results.iter().find(|x| x.id == id));
    let g = rep.as_ref().zip(r).and_then(|(rep, r)| rep.group_of(r));
    let scores = match (g, r) {
        (Some(g), Some(r)) => g
            .indicators
            .iter()
            .enumerate()
            .map(|(j, ind)| ScoreAxis {
                name: ind.name.clone(),
                value: r.values[j]
                    .map(|v| present::value(v, ind.unit.as_deref().unwrap_or("")))
                    .unwrap_or_else(|| "—".into()),
                own: r.normalised[j].map(|v| (v * 1000.0).round() / 10.0),
                median: g
                    .median_normalised
                    .get(j)
                    .copied()
                    .flatten()
                    .map(|v| (v * 1000.0).round() / 10.0),
            })
            .collect(),
        _ => vec![],
    };
    let dimensions = match (g, r) {
        (Some(g), Some(r)) => g
            .dimensions
            .iter()
            .zip(&r.dimensions)
            .map(|(d, v)| (d.name.clone(), score(*v)))
            .collect(),
        _ => vec![],
    };
    let ladder = carrier_ladder::of_carrier(store, scope, id, None).await?;
    Ok(Some(Detail {
        row: list_row(zone, &c, r, rep.as_ref()),
        headers: FACTS.iter().map(|f| f.header).collect(),
        facts: years
            .iter()
            .map(|y| FactsRow {
                year: y.year,
                cells: (0..FACTS.len())
                    .map(|k| fact_text(k, y.values[k]))
                    .collect(),
                source: match y.source_row {
                    Some(n) => format!("{} 第{n}行", y.source_file),
                    None => y.source_file.clone(),
                },
            })
            .collect(),
        year: rep.as_ref().map(|r| r.year),
        group_count: g.map_or(0, |g| g.count),
        structure: g.map(|g| g.structure.clone()).unwrap_or_default(),
        dimensions,
        scores,
        warnings: rep
            .as_ref()
            .map(|rep| {
                rep.warnings
                    .iter()
                    .filter(|w| w.id == id)
                    .map(|w| w.evidence.clone())
                    .collect()
            })
            .unwrap_or_default(),
        median_years: ladder
            .median_years
            .map(|y| format!("{} 年", present::fixed(y, 1)))
            .unwrap_or_else(|| "—".into()),
        ladder,
    }))
}

/// The list as .xlsx (the rows shown, with the filter's year).
pub fn list_workbook(v: &ListView) -> Result<Vec<u8>, CarrierError> {
    let mut wb = Workbook::new();
    let ws = list_sheet(
        &mut wb,
        "孵化载体",
        &[
            "载体编号",
            "载体名称",
            "载体类型",
            "运营主体",
            "园区",
            "级别",
            "面积",
            "领域/赛道",
            "评价组",
            "综合得分",
            "组内排名",
            "排名区间（90%）",
            "等级",
            "上年等级",
            "资格预警",
            "数据来源",
        ],
        16.0,
    )?;
    for (n, r) in v.rows.iter().enumerate() {
        let n = n as u32 + 1;
        for (c, s) in [
            &r.id,
            &r.name,
            &r.kind,
            &r.operator,
            &r.park,
            &r.level,
            &r.area,
            &r.field,
            &r.group,
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
        ws.write_string(n, 14, if r.warned { "有" } else { "" })?;
        ws.write_string(
            n,
            15,
            if r.synthetic {
                "合成演示数据"
            } else {
                ""
            },
        )?;
    }
    Ok(wb.save_to_buffer()?)
}

/// The evaluation page: one table per group, ranks with their intervals.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EvalGroup {
    pub group: String,
    pub structure: String,
    pub status: String,
    pub weights: Vec<(String, String, bool)>,
    pub rows: Vec<ListRow>,
    /// Each row's interval as numbers for the chart: (name, p05, rank, p95).
    pub chart: Vec<(String, f64, f64, f64)>,
}

/// The evaluation page's data.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EvalView {
    pub year: i32,
    pub mc_replications: usize,
    pub groups: Vec<EvalGroup>,
    pub warnings: Vec<(String, String, String)>,
}

/// The stored evaluation of `year` (default: the latest) as `scope` reads it, group by group.
pub async fn evaluation(
    store: &Store,
    zone: &Zone,
    scope: &Scope,
    year: Option<i32>,
) -> Result<Option<EvalView>, CarrierError> {
    let Some(rep) = carrier_eval::latest(store, scope, year).await? else {
        return Ok(None);
    };
    let carriers = store.carriers(scope).await?;
    let groups = rep
        .groups
        .iter()
        .map(|g| {
            let rows: Vec<&CarrierRow> =
                rep.results.iter().filter(|r| r.group == g.group).collect();
            EvalGroup {
                group: g.group.clone(),
                structure: g.structure.clone(),
                status: g.status.clone().unwrap_or_default(),
                weights: g
                    .dimensions
                    .iter()
                    .map(|d| (d.name.clone(), present::fixed(d.weight, 2), d.confirmed))
                    .collect(),
                rows: rows
                    .iter()
                    .filter_map(|r| {
                        let c = carriers.iter().find(|c| c.id == r.id)?;
                        Some(list_row(zone, c, Some(r), Some(&rep)))
                    })
                    .collect(),
                chart: rows
                    .iter()
                    .filter_map(|r| {
                        let (a, b) = r.rank_p05.zip(r.rank_p95)?;
                        Some((r.name.clone(), a, f64::from(r.rank?), b))
                    })
                    .take(30)
                    .collect(),
            }
        })
        .collect();
    Ok(Some(EvalView {
        year: rep.year,
        mc_replications: rep.mc_replications,
        groups,
        warnings: rep
            .warnings
            .iter()
            .map(|w| (w.id.clone(), w.name.clone(), w.evidence.clone()))
            .collect(),
    }))
}

/// The evaluation as .xlsx: one sheet per group with dimension scores and raw indicator values.
pub fn report_workbook(zone: &Zone, rep: &CarrierReport) -> Result<Vec<u8>, CarrierError> {
    let mut wb = Workbook::new();
    for g in &rep.groups {
        let mut head: Vec<String> = [
            "组内排名",
            "载体编号",
            "载体名称",
            "类型",
            "园区",
            "等级",
            "综合得分",
            "排名区间（90%）",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        head.extend(g.dimensions.iter().map(|d| d.name.clone()));
        head.extend(g.indicators.iter().map(|i| i.name.clone()));
        let refs: Vec<&str> = head.iter().map(String::as_str).collect();
        let ws = list_sheet(&mut wb, &format!("{}年{}", rep.year, g.group), &refs, 14.0)?;
        for (n, r) in rep
            .results
            .iter()
            .filter(|r| r.group == g.group)
            .enumerate()
        {
            let n = n as u32 + 1;
            let mut cells = vec![
                r.rank.map(|k| k.to_string()).unwrap_or_else(|| "—".into()),
                r.id.clone(),
                r.name.clone(),
                r.kind.clone(),
                park_name(zone, &r.park),
                r.grade.clone().unwrap_or_default(),
                score(r.total),
                interval(r),
            ];
            cells.extend(r.dimensions.iter().map(|d| score(*d)));
            cells.extend(g.indicators.iter().zip(&r.values).map(|(i, v)| {
                v.map(|v| present::value(v, i.unit.as_deref().unwrap_or("")))
                    .unwrap_or_else(|| "—".into())
            }));
            for (c, s) in cells.iter().enumerate() {
                ws.write_string(n, c as u16, s.as_str())?;
            }
        }
    }
    let ws = list_sheet(
        &mut wb,
        "评价方案",
        &["评价组", "层级", "名称", "权重", "权重来源"],
        20.0,
    )?;
    let mut n = 1;
    for g in &rep.groups {
        ws.write_string(n, 0, &g.group)?;
        ws.write_string(n, 1, "结构")?;
        ws.write_string(n, 2, &g.structure)?;
        n += 1;
        let dims = g
            .dimensions
            .iter()
            .map(|d| ("维度", &d.name, d.weight, d.confirmed));
        let inds = g
            .indicators
            .iter()
            .map(|i| ("指标", &i.name, i.weight, i.confirmed));
        for (lvl, name, w, ok) in dims.chain(inds) {
            ws.write_string(n, 0, &g.group)?;
            ws.write_string(n, 1, lvl)?;
            ws.write_string(n, 2, name)?;
            ws.write_string(n, 3, present::fixed(w, 2))?;
            ws.write_string(
                n,
                4,
                if ok {
                    "已确认"
                } else {
                    "未确认（默认值）"
                },
            )?;
            n += 1;
        }
    }
    Ok(wb.save_to_buffer()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn list_filters_detail_and_scope_on_the_demo() {
        let zone = Zone::parse(include_str!("../../../data/reference/zone.toml")).unwrap();
        let store = gaoxin_store::testing::sqlite().await.unwrap();
        crate::carrier_demo::load(&store, &zone, &[], 3, 2022, 2024)
            .await
            .unwrap();
        let all = list(&store, &zone, &Scope::Zone, &ListFilter::default())
            .await
            .unwrap();
        assert_eq!(all.year, Some(2024));
        assert!(all.evaluated);
        assert!(all.rows.len() > 100);
        let makers = list(
            &store,
            &zone,
            &Scope::Zone,
            &ListFilter {
                kind: Some("众创空间".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        assert!(!makers.rows.is_empty());
        assert!(
            makers
                .rows
                .iter()
                .all(|r| r.kind == "众创空间" && r.group == "众创空间")
        );
        let g = all.grades[0].clone();
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
        assert!(!top.rows.is_empty() && top.rows.iter().all(|r| r.grade == g));
        let park = zone.parks[1].id.clone();
        let mine = list(
            &store,
            &zone,
            &Scope::Park(park.clone()),
            &ListFilter::default(),
        )
        .await
        .unwrap();
        assert!(!mine.rows.is_empty());
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
        assert!(!d.scores.is_empty());
        assert!(list_workbook(&all).unwrap().len() > 1000);
        let ev = evaluation(&store, &zone, &Scope::Zone, None)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(ev.groups.len(), 2);
        assert!(
            ev.groups
                .iter()
                .all(|g| !g.rows.is_empty() && !g.chart.is_empty())
        );
        let rep = carrier_eval::latest(&store, &Scope::Zone, None)
            .await
            .unwrap()
            .unwrap();
        assert!(report_workbook(&zone, &rep).unwrap().len() > 1000);
    }
}
