//! A comparison of reforms ([`crate::reform_compare`]) as a page, a command's text and a workbook
//! see it: Chinese labels, park and policy names, amounts in 万元 through `model::present`.
use crate::reform_compare::{Actual, Comparison};
use crate::rules_runs::park_name;
use gaoxin_model::Zone;
use gaoxin_model::present::wan;
use rust_xlsxwriter::{Workbook, XlsxError};
use serde::Serialize;

/// One table: a head and rows of cells (text).
#[derive(Debug, Clone, Serialize)]
pub struct Table {
    pub title: String,
    pub head: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

/// The comparison's tables: overview, by policy, by park, the firms whose outcome differs, and
/// (with `actual`) last year's actual results beside this year's columns.
#[derive(Debug, Clone, Serialize)]
pub struct CompareView {
    pub year: i32,
    pub as_of: String,
    pub firms: usize,
    pub overview: Table,
    pub by_rule: Table,
    pub by_park: Table,
    pub differing: Table,
    /// Firm × rule pairs that differ (the table may list fewer: `differing_max`).
    pub differing_n: usize,
    pub actual: Option<Table>,
    pub actual_note: String,
}

fn names(c: &Comparison) -> Vec<String> {
    c.columns.iter().map(|x| x.name.clone()).collect()
}

fn verdict_cell(v: gaoxin_rules::plan::Verdict, fen: Option<i64>) -> String {
    match fen {
        Some(f) => format!("{}（{}）", v.zh(), wan(f)),
        None => v.zh().to_string(),
    }
}

/// The view of `c` (and of `actual`), listing at most `max_rows` differing pairs.
pub fn view(zone: &Zone, c: &Comparison, actual: Option<&Actual>, max_rows: usize) -> CompareView {
    let rule_name = |id: &str| {
        c.rules
            .iter()
            .find(|r| r.0 == id)
            .map(|r| r.1.clone())
            .unwrap_or_else(|| id.to_string())
    };
    let overview = Table {
        title: "概览（与现行规则相比）".into(),
        head: [
            "方案",
            "提出人",
            "符合条件（企业×政策）",
            "兑现总额（万元）",
            "比现行增减（万元）",
            "新增符合（企业×规则）",
            "不再符合（企业×规则）",
            "奖励增加的企业",
            "奖励减少的企业",
        ]
        .map(String::from)
        .to_vec(),
        rows: c
            .columns
            .iter()
            .map(|x| {
                vec![
                    x.name.clone(),
                    x.author.clone(),
                    x.eligible.to_string(),
                    wan(x.total_fen),
                    wan(x.total_fen - c.columns[0].total_fen),
                    x.gained.to_string(),
                    x.lost.to_string(),
                    x.winners.to_string(),
                    x.losers.to_string(),
                ]
            })
            .collect(),
    };
    let mut head = vec!["政策 / 规则".to_string()];
    for n in names(c) {
        head.push(format!("{n}：符合"));
        head.push(format!("{n}：金额（万元）"));
    }
    let by_rule = Table {
        title: "按政策：符合条件企业与预算".into(),
        head,
        rows: c
            .rules
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let mut row = vec![r.1.clone()];
                for x in &c.columns {
                    row.push(x.by_rule[i].0.to_string());
                    row.push(if r.2 {
                        wan(x.by_rule[i].1)
                    } else {
                        "—".into()
                    });
                }
                row
            })
            .collect(),
    };
    let mut head = vec!["园区".to_string()];
    head.extend(names(c).into_iter().map(|n| format!("{n}（万元）")));
    let by_park = Table {
        title: "按园区：兑现预算".into(),
        head,
        rows: c
            .parks
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let mut row = vec![park_name(zone, p)];
                row.extend(c.columns.iter().map(|x| wan(x.by_park[i])));
                row
            })
            .collect(),
    };
    let mut head = ["统一社会信用代码", "企业名称", "园区", "规则"]
        .map(String::from)
        .to_vec();
    head.extend(names(c));
    let differing = Table {
        title: "各方案结果不同的企业（结论及金额，万元）".into(),
        head,
        rows: c
            .differing
            .iter()
            .take(max_rows)
            .map(|d| {
                let mut row = vec![
                    d.uscc.clone(),
                    d.name.clone(),
                    park_name(zone, &d.park),
                    rule_name(&d.rule),
                ];
                row.extend(d.cells.iter().map(|(v, f)| verdict_cell(*v, *f)));
                row
            })
            .collect(),
    };
    let (actual, actual_note) = match actual {
        Some(a) => actual_table(zone, c, a),
        None => (None, String::new()),
    };
    CompareView {
        year: c.year,
        as_of: c.as_of.clone(),
        firms: c.firms,
        overview,
        by_rule,
        by_park,
        differing_n: c.differing.len(),
        differing,
        actual,
        actual_note,
    }
}

/// Last year's official run and payments beside this year's columns, per policy with an award.
fn actual_table(zone: &Zone, c: &Comparison, a: &Actual) -> (Option<Table>, String) {
    let mut note = match &a.run {
        Some(r) => format!(
            "{} 年正式评价（{} 运行）：按当时的规则文件计算的符合条件企业与可计算的奖励。",
            a.year,
            gaoxin_model::present::datetime(r.created_at)
        ),
        None => format!("{} 年没有已保存的正式评价。", a.year),
    };
    match &a.paid {
        Some(p) => note.push_str(&format!(
            "兑现台账：{} 年度奖励 {} 项，已拨付 {} 项，共 {} 万元（按实际拨付金额）。",
            a.year,
            p.awards,
            p.paid,
            wan(p.total_fen)
        )),
        None => note.push_str(&format!(
            "兑现台账中没有 {} 年度的奖励，无实际拨付数。",
            a.year
        )),
    }
    if a.run.is_none() && a.paid.is_none() {
        return (None, note);
    }
    let y1 = a.year;
    let mut head = vec![
        "政策 / 园区".to_string(),
        format!("{y1}年正式评价：符合"),
        format!("{y1}年正式评价：金额（万元）"),
        format!("{y1}年实际拨付：项数"),
        format!("{y1}年实际拨付（万元）"),
    ];
    head.extend(
        names(c)
            .into_iter()
            .map(|n| format!("{}年·{n}（万元）", c.year)),
    );
    let mut rows = Vec::new();
    for (i, r) in c.rules.iter().enumerate().filter(|(_, r)| r.2) {
        let run = a.run.as_ref().and_then(|x| x.by_rule.get(&r.0)).copied();
        let paid = a.paid.as_ref().and_then(|x| x.by_rule.get(&r.0)).copied();
        let mut row = vec![
            r.1.clone(),
            run.map(|v| v.0.to_string()).unwrap_or_else(|| "—".into()),
            run.map(|v| wan(v.1)).unwrap_or_else(|| "—".into()),
            paid.map(|v| v.0.to_string()).unwrap_or_else(|| "—".into()),
            paid.map(|v| wan(v.1)).unwrap_or_else(|| "—".into()),
        ];
        row.extend(c.columns.iter().map(|x| wan(x.by_rule[i].1)));
        rows.push(row);
    }
    for (i, p) in c.parks.iter().enumerate() {
        let run = a.run.as_ref().and_then(|x| x.by_park.get(p)).copied();
        let paid = a.paid.as_ref().and_then(|x| x.by_park.get(p)).copied();
        let mut row = vec![
            format!("园区：{}", park_name(zone, p)),
            "—".into(),
            run.map(wan).unwrap_or_else(|| "—".into()),
            "—".into(),
            paid.map(wan).unwrap_or_else(|| "—".into()),
        ];
        row.extend(c.columns.iter().map(|x| wan(x.by_park[i])));
        rows.push(row);
    }
    let mut total = vec![
        "合计".to_string(),
        "—".into(),
        a.run
            .as_ref()
            .map(|r| wan(r.total_fen))
            .unwrap_or_else(|| "—".into()),
        a.paid
            .as_ref()
            .map(|p| p.paid.to_string())
            .unwrap_or_else(|| "—".into()),
        a.paid
            .as_ref()
            .map(|p| wan(p.total_fen))
            .unwrap_or_else(|| "—".into()),
    ];
    total.extend(c.columns.iter().map(|x| wan(x.total_fen)));
    rows.push(total);
    (
        Some(Table {
            title: format!("上年实际（{y1}年）与本年方案（{}年）", c.year),
            head,
            rows,
        }),
        note,
    )
}

/// The view as plain text (the command's output).
pub fn text(v: &CompareView) -> String {
    let mut s = format!(
        "方案对比：{} 年（评价基准日 {}），企业 {} 家。方案测算不改变正式评估结果。\n",
        v.year, v.as_of, v.firms
    );
    let mut tables = vec![&v.overview, &v.by_rule, &v.by_park];
    if let Some(a) = &v.actual {
        tables.push(a);
    }
    tables.push(&v.differing);
    for t in tables {
        s.push_str(&format!("\n{}：\n{}\n", t.title, t.head.join("\t")));
        for r in &t.rows {
            s.push_str(&r.join("\t"));
            s.push('\n');
        }
        if std::ptr::eq(t, &v.differing) {
            s.push_str(&format!(
                "（共 {} 项企业×规则结果不同，此处列出 {} 项）\n",
                v.differing_n,
                t.rows.len()
            ));
        }
    }
    if !v.actual_note.is_empty() {
        s.push_str(&format!("\n{}\n", v.actual_note));
    }
    s
}

/// The view as a workbook: one sheet per table (the differing firms all listed when the view
/// was made with no limit).
pub fn workbook(v: &CompareView) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    let mut sheets = vec![
        ("概览", &v.overview),
        ("按政策", &v.by_rule),
        ("按园区", &v.by_park),
        ("结果不同的企业", &v.differing),
    ];
    if let Some(a) = &v.actual {
        sheets.push(("上年实际", a));
    }
    for (name, t) in sheets {
        let head: Vec<&str> = t.head.iter().map(|h| h.as_str()).collect();
        let ws = crate::xlsx::list_sheet(&mut wb, name, &head, 18.0)?;
        for (i, row) in t.rows.iter().enumerate() {
            for (j, cell) in row.iter().enumerate() {
                ws.write_string(i as u32 + 1, j as u16, cell)?;
            }
        }
    }
    if !v.actual_note.is_empty() {
        let ws = wb.add_worksheet();
        ws.set_name("口径")?;
        ws.write_string(0, 0, &v.actual_note)?;
        ws.write_string(
            1,
            0,
            "上年实际：上一年度已保存的正式评价（当时的规则文件）与兑现台账中该年度奖励的实际拨付金额；本年各列：本年数据按现行规则及各方案测算。",
        )?;
    }
    wb.save_to_buffer()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reform_compare::{Column, DiffRow};
    use gaoxin_rules::plan::Verdict;

    fn zone() -> Zone {
        Zone::parse(include_str!("../../../data/reference/zone.toml")).unwrap()
    }

    #[test]
    fn the_view_names_parks_and_policies_and_limits_the_firm_list() {
        let col = |name: &str, total: i64| Column {
            key: String::new(),
            name: name.into(),
            author: String::new(),
            eligible: 2,
            total_fen: total,
            gained: 0,
            lost: 0,
            winners: 1,
            losers: 0,
            by_park: vec![total],
            by_rule: vec![(2, total)],
        };
        let row = |u: &str| DiffRow {
            uscc: u.into(),
            name: "甲公司".into(),
            park: "jiangbei".into(),
            rule: "r".into(),
            cells: vec![
                (Verdict::Pass, Some(100)),
                (Verdict::Pass, Some(200)),
                (Verdict::Fail, None),
            ],
        };
        let c = Comparison {
            year: 2024,
            as_of: "2025-06-30".into(),
            firms: 2,
            rules: vec![("r".into(), "首次入选奖励".into(), true)],
            parks: vec!["jiangbei".into()],
            columns: vec![col("现行规则", 100), col("甲", 200), col("乙", 0)],
            differing: vec![row("1"), row("2")],
        };
        let v = view(&zone(), &c, None, 1);
        assert_eq!(v.differing.rows.len(), 1);
        assert_eq!(v.differing_n, 2);
        assert_eq!(v.by_rule.rows[0][0], "首次入选奖励");
        assert!(
            !v.by_park.rows[0][0].contains("jiangbei"),
            "{:?}",
            v.by_park.rows
        );
        assert_eq!(v.overview.rows[1][4], wan(100));
        assert_eq!(v.differing.rows[0][5], format!("符合（{}）", wan(200)));
        let t = text(&v);
        assert!(t.contains("共 2 项"), "{t}");
        let bytes = workbook(&v).unwrap();
        assert!(bytes.starts_with(b"PK"));
    }
}
