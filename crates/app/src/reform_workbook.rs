//! A reform's result as an .xlsx workbook (`gaoxin reform --out`, the page's export): the reform
//! and its changes, baseline vs reform per policy, per park and per tier, the firms newly
//! qualifying and no longer qualifying, every award change (amounts in 万元, exact to the fen)
//! and the firms by total gain.
use crate::reform::{FirmDiff, Outcome, RuleDiff};
use crate::rules_runs::{park_name, wan};
use gaoxin_model::Zone;
use rust_xlsxwriter::{Workbook, Worksheet, XlsxError};

fn sheet<'a>(
    wb: &'a mut Workbook,
    name: &str,
    head: &[&str],
) -> Result<&'a mut Worksheet, XlsxError> {
    crate::xlsx::list_sheet(wb, name, head, 18.0)
}

/// Fen as exact 万元 text; none as 「—」.
fn amount(fen: Option<i64>) -> String {
    fen.map(wan).unwrap_or_else(|| "—".into())
}

const DIFF_HEAD: &[&str] = &[
    "统一社会信用代码",
    "企业名称",
    "园区",
    "当前梯级",
    "规则",
    "现行结论",
    "方案结论",
    "现行金额（万元）",
    "方案金额（万元）",
    "变化（万元）",
];

fn diff_rows(
    ws: &mut Worksheet,
    zone: &Zone,
    o: &Outcome,
    rows: &[&FirmDiff],
) -> Result<(), XlsxError> {
    let rname = |id: &str| {
        o.rules
            .iter()
            .find(|r| r.rule == id)
            .map(|r| r.name.clone())
            .unwrap_or_else(|| id.into())
    };
    for (i, d) in rows.iter().enumerate() {
        let r = i as u32 + 1;
        ws.write_string(r, 0, &d.uscc)?;
        ws.write_string(r, 1, &d.name)?;
        ws.write_string(r, 2, park_name(zone, &d.park))?;
        ws.write_string(r, 3, &d.tier)?;
        ws.write_string(r, 4, rname(&d.rule))?;
        ws.write_string(r, 5, d.base.zh())?;
        ws.write_string(r, 6, d.reform.zh())?;
        ws.write_string(r, 7, amount(d.base_fen))?;
        ws.write_string(r, 8, amount(d.reform_fen))?;
        ws.write_string(r, 9, wan(d.delta_fen()))?;
    }
    Ok(())
}

fn rule_rows(
    ws: &mut Worksheet,
    zone: &Zone,
    rows: &[RuleDiff],
    with_park: bool,
) -> Result<(), XlsxError> {
    for (i, d) in rows.iter().enumerate() {
        let r = i as u32 + 1;
        let mut c = 0u16;
        let mut put = |ws: &mut Worksheet, s: String| -> Result<(), XlsxError> {
            ws.write_string(r, c, s)?;
            c += 1;
            Ok(())
        };
        put(ws, d.name.clone())?;
        if with_park {
            put(ws, park_name(zone, &d.park))?;
        }
        for n in [
            d.base_pass,
            d.reform_pass,
            d.gained,
            d.lost,
            d.amount_changed,
        ] {
            ws.write_number(r, c, n as f64)?;
            c += 1;
        }
        ws.write_string(r, c, wan(d.base_fen))?;
        ws.write_string(r, c + 1, wan(d.reform_fen))?;
        ws.write_string(r, c + 2, wan(d.reform_fen - d.base_fen))?;
    }
    Ok(())
}

/// The workbook of a reform's outcome.
pub fn workbook(zone: &Zone, o: &Outcome) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    let ws = sheet(&mut wb, "改革方案", &["项目", "内容"])?;
    ws.set_column_width(1, 80)?;
    let mut lines: Vec<(String, String)> = vec![
        ("方案名称".into(), o.name.clone()),
        ("提出人".into(), o.author.clone()),
        ("说明".into(), o.note.clone()),
        ("年度".into(), format!("{}（评价基准日 {}）", o.year, o.as_of)),
        ("企业数".into(), o.firms.to_string()),
        ("现行兑现总额（万元）".into(), wan(o.base_total_fen)),
        ("方案兑现总额（万元）".into(), wan(o.reform_total_fen)),
        ("变化（万元）".into(), wan(o.delta_total_fen())),
        (
            "口径".into(),
            "方案测算不改变正式评估结果；结论按专家评分保守假设；金额按分向下取整，仅计符合条件企业".into(),
        ),
    ];
    for c in &o.changes {
        lines.push((
            format!("修改：{}", c.rule_name),
            format!(
                "{}：{} → {}{}",
                c.item,
                c.before,
                c.after,
                if c.unconfirmed {
                    "（待核实口径）"
                } else {
                    ""
                }
            ),
        ));
    }
    for n in &o.out_of_force {
        lines.push(("方案下不再适用".into(), n.clone()));
    }
    for (i, (k, v)) in lines.iter().enumerate() {
        ws.write_string(i as u32 + 1, 0, k)?;
        ws.write_string(i as u32 + 1, 1, v)?;
    }
    let head = [
        "规则",
        "现行符合",
        "方案符合",
        "新增符合",
        "不再符合",
        "金额变化企业",
        "现行金额（万元）",
        "方案金额（万元）",
        "变化（万元）",
    ];
    let ws = sheet(&mut wb, "按政策", &head)?;
    rule_rows(ws, zone, &o.rules, false)?;
    let mut head_p = vec![head[0], "园区"];
    head_p.extend_from_slice(&head[1..]);
    let ws = sheet(&mut wb, "按园区", &head_p)?;
    rule_rows(ws, zone, &o.parks, true)?;
    let ws = sheet(
        &mut wb,
        "按梯级",
        &["规则", "当前梯级", "新增符合", "不再符合"],
    )?;
    for (i, t) in o.tiers.iter().enumerate() {
        let r = i as u32 + 1;
        let name = o
            .rules
            .iter()
            .find(|x| x.rule == t.rule)
            .map(|x| x.name.as_str());
        ws.write_string(r, 0, name.unwrap_or(&t.rule))?;
        ws.write_string(r, 1, &t.tier)?;
        ws.write_number(r, 2, t.gained as f64)?;
        ws.write_number(r, 3, t.lost as f64)?;
    }
    let gained: Vec<&FirmDiff> = o.gained().collect();
    let ws = sheet(&mut wb, "新增符合", DIFF_HEAD)?;
    diff_rows(ws, zone, o, &gained)?;
    let lost: Vec<&FirmDiff> = o.lost().collect();
    let ws = sheet(&mut wb, "不再符合", DIFF_HEAD)?;
    diff_rows(ws, zone, o, &lost)?;
    let all: Vec<&FirmDiff> = o.diffs.iter().collect();
    let ws = sheet(&mut wb, "全部变化", DIFF_HEAD)?;
    diff_rows(ws, zone, o, &all)?;
    let ws = sheet(
        &mut wb,
        "受益排名",
        &[
            "统一社会信用代码",
            "企业名称",
            "园区",
            "金额变化合计（万元）",
        ],
    )?;
    for (i, g) in o.gains.iter().enumerate() {
        let r = i as u32 + 1;
        ws.write_string(r, 0, &g.uscc)?;
        ws.write_string(r, 1, &g.name)?;
        ws.write_string(r, 2, park_name(zone, &g.park))?;
        ws.write_string(r, 3, wan(g.delta_fen))?;
    }
    wb.save_to_buffer()
}
