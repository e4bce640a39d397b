//! The cluster diagnosis as .xlsx: the overview (every cluster, overlaps, definitions), one
//! cluster (measures over years, members, links, gaps) and a park's clusters.
use crate::clusters::{ClusterRow, Detail, Overview, ParkView, gap_zh};
use crate::error::EvalError;
use crate::xlsx::list_sheet;
use rust_xlsxwriter::{Workbook, Worksheet, XlsxError};

fn xe(e: XlsxError) -> EvalError {
    EvalError::Engine(format!("生成 Excel 失败：{e}"))
}

/// One cell: text, a number, or empty.
enum V {
    S(String),
    N(Option<f64>),
}

fn put(ws: &mut Worksheet, r: u32, vs: Vec<V>) -> Result<(), XlsxError> {
    for (c, v) in vs.into_iter().enumerate() {
        match v {
            V::S(s) => {
                ws.write_string(r, c as u16, s)?;
            }
            V::N(Some(x)) if x.is_finite() => {
                ws.write_number(r, c as u16, x)?;
            }
            V::N(_) => {}
        }
    }
    Ok(())
}

fn yi(fen: i64) -> Option<f64> {
    Some(fen as f64 / 1e10)
}

fn yes(b: bool) -> V {
    V::S(if b { "是" } else { "否" }.into())
}

const MEASURE_HEAD: [&str; 16] = [
    "成员企业数",
    "从业人员",
    "营业收入（亿元）",
    "区位熵",
    "集中度",
    "强集群",
    "高企占比",
    "梯度企业占比",
    "从业人员增长",
    "营收增长",
    "实际关联数",
    "期望关联数",
    "关联指数",
    "群而不集",
    "缺少的关联类型",
    "领军企业/国家级平台/新型研发机构",
];

fn measure_cells(r: &ClusterRow) -> Vec<V> {
    let m = &r.m;
    vec![
        V::N(Some(m.firms as f64)),
        V::N(Some(m.employees as f64)),
        V::N(yi(m.revenue)),
        V::N(m.lq),
        V::N(m.focus),
        yes(m.strong),
        V::N(m.high_tech_share),
        V::N(m.tiered_share),
        V::N(m.employees_growth),
        V::N(m.revenue_growth),
        V::N(Some(m.observed as f64)),
        V::N(Some(m.expected)),
        V::N(m.linkage_index),
        yes(m.loose),
        V::S(r.missing_kinds.join("、")),
        V::S(format!(
            "{}/{}/{}",
            gap_zh(m.gap_leading_firm),
            gap_zh(m.gap_national_platform),
            gap_zh(m.gap_new_rd_institution)
        )),
    ]
}

fn definitions_sheet(
    wb: &mut Workbook,
    defs: &[(String, String)],
    note: &str,
) -> Result<(), XlsxError> {
    let ws = list_sheet(wb, "口径说明", &["指标", "定义"], 40.0)?;
    ws.set_column_width(1, 120)?;
    for (i, (a, b)) in defs.iter().enumerate() {
        put(ws, i as u32 + 1, vec![V::S(a.clone()), V::S(b.clone())])?;
    }
    put(
        ws,
        defs.len() as u32 + 2,
        vec![V::S("说明".into()), V::S(note.into())],
    )?;
    Ok(())
}

/// The overview workbook.
pub fn overview_xlsx(o: &Overview) -> Result<Vec<u8>, EvalError> {
    let mut wb = Workbook::new();
    let mut head = vec!["编号", "集群", "级别", "所在园区"];
    head.extend(MEASURE_HEAD);
    head.push("彼此无关联的龙头企业");
    let ws = list_sheet(&mut wb, &format!("集群诊断{}", o.year), &head, 14.0).map_err(xe)?;
    for (i, r) in o.rows.iter().enumerate() {
        let mut vs = vec![
            V::S(r.id.clone()),
            V::S(r.name.clone()),
            V::S(r.level.into()),
            V::S(
                r.parks
                    .iter()
                    .map(|p| p.1.clone())
                    .collect::<Vec<_>>()
                    .join("、"),
            ),
        ];
        vs.extend(measure_cells(r));
        vs.push(V::S(
            r.leading_pairs
                .iter()
                .map(|(a, b)| format!("{a}—{b}"))
                .collect::<Vec<_>>()
                .join("；"),
        ));
        put(ws, i as u32 + 1, vs).map_err(xe)?;
    }
    let ws = list_sheet(
        &mut wb,
        "跨园区同质化",
        &[
            "集群一",
            "园区一",
            "集群二",
            "园区二",
            "重叠行业代码",
            "营收结构余弦相似度",
        ],
        18.0,
    )
    .map_err(xe)?;
    for (i, x) in o.overlaps.iter().enumerate() {
        put(
            ws,
            i as u32 + 1,
            vec![
                V::S(x.a_name.clone()),
                V::S(x.a_park.clone()),
                V::S(x.b_name.clone()),
                V::S(x.b_park.clone()),
                V::S(x.shared_prefixes.join("、")),
                V::N(x.cosine),
            ],
        )
        .map_err(xe)?;
    }
    let note = if o.synthetic_links {
        "关联记录含合成演示数据（非真实关联）"
    } else {
        "关联记录来自导入"
    };
    definitions_sheet(&mut wb, &o.definitions, note).map_err(xe)?;
    wb.save_to_buffer().map_err(xe)
}

/// One cluster's workbook.
pub fn detail_xlsx(d: &Detail) -> Result<Vec<u8>, EvalError> {
    let mut wb = Workbook::new();
    let mut head = vec!["年度"];
    head.extend(MEASURE_HEAD);
    let ws = list_sheet(&mut wb, "历年指标", &head, 14.0).map_err(xe)?;
    for (i, p) in d.series.iter().enumerate() {
        let r = ClusterRow {
            m: p.m.clone(),
            missing_kinds: p.m.missing_kinds.iter().map(|k| k.zh()).collect(),
            ..d.row.clone()
        };
        let mut vs = vec![V::N(Some(p.year as f64))];
        vs.extend(measure_cells(&r));
        put(ws, i as u32 + 1, vs).map_err(xe)?;
    }
    let ws = list_sheet(
        &mut wb,
        &format!("成员{}", d.year),
        &[
            "统一社会信用代码",
            "企业名称",
            "行业代码",
            "行业名称",
            "从业人员",
            "营业收入（万元）",
            "关联数",
            "龙头企业",
        ],
        18.0,
    )
    .map_err(xe)?;
    for (i, m) in d.members.iter().enumerate() {
        put(
            ws,
            i as u32 + 1,
            vec![
                V::S(m.uscc.clone()),
                V::S(m.name.clone()),
                V::S(m.industry.clone()),
                V::S(gaoxin_model::industry::industry_description(&m.industry).unwrap_or_default()),
                V::N(m.employees.map(|e| e as f64)),
                V::N(m.revenue.map(|r| r as f64 / 1e6)),
                V::N(Some(m.degree as f64)),
                yes(m.leading),
            ],
        )
        .map_err(xe)?;
    }
    let ws = list_sheet(
        &mut wb,
        &format!("关联{}", d.year),
        &["主体一", "主体二", "类型", "主体二为高校院所"],
        24.0,
    )
    .map_err(xe)?;
    for (i, l) in d.links.iter().enumerate() {
        put(
            ws,
            i as u32 + 1,
            vec![
                V::S(l.from.clone()),
                V::S(l.to.clone()),
                V::S(l.kind.into()),
                yes(l.to_institution),
            ],
        )
        .map_err(xe)?;
    }
    let ws = list_sheet(&mut wb, "短板", &["短板", "状态", "判定方法"], 24.0).map_err(xe)?;
    for (i, g) in d.gaps.iter().enumerate() {
        put(
            ws,
            i as u32 + 1,
            vec![
                V::S(g.gap.into()),
                V::S(g.state.into()),
                V::S(g.note.into()),
            ],
        )
        .map_err(xe)?;
    }
    definitions_sheet(&mut wb, &d.definitions, "").map_err(xe)?;
    wb.save_to_buffer().map_err(xe)
}

/// A park's clusters.
pub fn park_xlsx(v: &ParkView) -> Result<Vec<u8>, EvalError> {
    let mut wb = Workbook::new();
    let ws = list_sheet(
        &mut wb,
        &format!("{}{}", v.park_name, v.year),
        &[
            "编号",
            "集群行业",
            "本园区集群",
            "企业数",
            "从业人员",
            "营业收入（亿元）",
            "区位熵",
            "集中度",
            "强集群",
        ],
        14.0,
    )
    .map_err(xe)?;
    for (i, c) in v.cells.iter().enumerate() {
        put(
            ws,
            i as u32 + 1,
            vec![
                V::S(c.id.clone()),
                V::S(c.name.clone()),
                yes(c.hosted),
                V::N(Some(c.cell.firms as f64)),
                V::N(Some(c.cell.employees as f64)),
                V::N(yi(c.cell.revenue)),
                V::N(c.cell.lq),
                V::N(c.cell.focus),
                yes(c.cell.strong),
            ],
        )
        .map_err(xe)?;
    }
    definitions_sheet(&mut wb, &v.definitions, "").map_err(xe)?;
    wb.save_to_buffer().map_err(xe)
}
