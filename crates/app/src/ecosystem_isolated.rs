//! The isolated high-tier firms of the ecosystem graph as a list (issue 17): every firm of the
//! high tiers (`high_tiers` of `data/schemes/ecosystem-graph.toml`) with no link record,
//! registered technology contract or fund investment in the year, among the firms the viewer's
//! graph holds under the page's filters (year, park, track, cluster), narrowed further by tier
//! and by a part of the name or the 统一社会信用代码; and its workbook.
use super::*;
use crate::error::EvalError;

/// One isolated firm.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IsolatedRow {
    pub name: String,
    pub uscc: String,
    pub park: String,
    pub tier: &'static str,
    /// The firm's clusters and tracks of the year, by name (「、」 separated).
    pub clusters: String,
    pub tracks: String,
    pub href: String,
}

/// The list as filtered.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IsolatedView {
    pub rows: Vec<IsolatedRow>,
    /// Isolated high-tier firms before the tier and name filters.
    pub all: usize,
    /// The tier chosen (key; empty: every high tier) and the name searched.
    pub tier: String,
    pub q: String,
    /// The high tiers to choose from: (key, name).
    pub tiers: Vec<(&'static str, &'static str)>,
}

/// The isolated high-tier firms of `p`'s graph of tier `tier` (a key of the high tiers; empty:
/// all) whose name contains `q` (any case) or whose code is `q`.
pub fn isolated(p: &PageData, tier: &str, q: &str) -> Result<IsolatedView, EvalError> {
    let b = &p.built;
    let high = b.config.high();
    let tier = tier.trim();
    let want = match tier {
        "" => None,
        t => Some(
            Tier::parse(t)
                .filter(|x| high.contains(x))
                .ok_or_else(|| EvalError::NoData(format!("层级「{t}」不是统计的高层级")))?,
        ),
    };
    let q = q.trim();
    let needle = q.to_lowercase();
    let firms: HashMap<&str, &FirmIn> =
        b.input.firms.iter().map(|f| (f.uscc.as_str(), f)).collect();
    let names = |ids: &[String], list: &[(String, String)]| {
        ids.iter()
            .map(|i| name_of(list, i))
            .collect::<Vec<_>>()
            .join("、")
    };
    let all = &b.measures.isolated_high_tier;
    let rows = all
        .iter()
        .map(|&i| &b.graph.nodes[i])
        .filter(|n| want.is_none() || n.tier == want)
        .filter_map(|n| {
            let uscc = n.id.strip_prefix("firm:")?;
            let f = firms.get(uscc)?;
            let hit = needle.is_empty()
                || f.name.to_lowercase().contains(&needle)
                || uscc.eq_ignore_ascii_case(q);
            hit.then(|| IsolatedRow {
                name: f.name.clone(),
                uscc: uscc.to_string(),
                park: name_of(&b.input.parks, &f.park).to_string(),
                tier: f.tier.zh(),
                clusters: names(&f.clusters, &b.input.clusters),
                tracks: names(&f.tracks, &b.input.tracks),
                href: format!("/enterprises/{uscc}"),
            })
        })
        .collect();
    Ok(IsolatedView {
        rows,
        all: all.len(),
        tier: want.map(|t| t.key().to_string()).unwrap_or_default(),
        q: q.to_string(),
        tiers: high.iter().map(|t| (t.key(), t.zh())).collect(),
    })
}

/// The list as .xlsx (one sheet; the web adds the 「说明」 sheet): what was filtered in its title
/// row, then one row per firm.
pub fn isolated_xlsx(p: &PageData, v: &IsolatedView) -> Result<Vec<u8>, EvalError> {
    use rust_xlsxwriter::Workbook;
    let xe = |e: rust_xlsxwriter::XlsxError| EvalError::Engine(format!("生成 Excel 失败：{e}"));
    let mut wb = Workbook::new();
    let ws = crate::xlsx::list_sheet(
        &mut wb,
        "孤立的高层级企业",
        &[
            "企业名称",
            "统一社会信用代码",
            "园区",
            "层级",
            "产业集群",
            "新赛道",
        ],
        24.0,
    )
    .map_err(xe)?;
    for (k, r) in v.rows.iter().enumerate() {
        let row = (k + 1) as u32;
        for (c, text) in [&r.name, &r.uscc, &r.park, r.tier, &r.clusters, &r.tracks]
            .into_iter()
            .enumerate()
        {
            ws.write_string(row, c as u16, text).map_err(xe)?;
        }
    }
    let ws = wb.add_worksheet();
    ws.set_name("筛选条件").map_err(xe)?;
    let tier = v
        .tiers
        .iter()
        .find(|t| t.0 == v.tier)
        .map(|t| t.1)
        .unwrap_or("全部高层级");
    let lines = [
        ("图谱", describe(&p.built)),
        ("层级", tier.to_string()),
        ("名称或代码", v.q.clone()),
        (
            "企业数",
            format!(
                "{}（筛选前孤立的高层级企业 {} 家）",
                v.rows.len(),
                v.all
            ),
        ),
        (
            "口径",
            "层级为高层级（配置 high_tiers）而当年没有任何关联记录、技术合同登记或基金投资的企业；新型研发机构的孵化不计在内。".to_string(),
        ),
    ];
    for (k, (a, b)) in lines.iter().enumerate() {
        ws.write_string(k as u32, 0, *a).map_err(xe)?;
        ws.write_string(k as u32, 1, b).map_err(xe)?;
    }
    ws.set_column_width(0, 14).map_err(xe)?;
    ws.set_column_width(1, 80).map_err(xe)?;
    wb.save_to_buffer().map_err(xe)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ecosystem::search_mod::tests::page;

    /// The hand-built zone's isolated high-tier firm is f5 (甲园, 瞪羚: incubated only).
    #[test]
    fn the_isolated_list_filters_by_tier_and_name_and_exports() {
        let p = page(Viewer::Zone, 100);
        let v = isolated(&p, "", "").unwrap();
        assert_eq!(v.all, 1);
        assert_eq!(v.rows.len(), 1);
        assert_eq!(v.rows[0].uscc, "f5");
        assert_eq!(v.rows[0].park, "甲园");
        assert_eq!(v.rows[0].tier, "瞪羚");
        assert_eq!(isolated(&p, "gazelle", "").unwrap().rows.len(), 1);
        assert_eq!(isolated(&p, "unicorn", "").unwrap().rows.len(), 0);
        assert_eq!(isolated(&p, "gazelle", "企业F5").unwrap().rows.len(), 1);
        assert_eq!(isolated(&p, "", "F5").unwrap().rows.len(), 1);
        assert_eq!(isolated(&p, "", "f1").unwrap().rows.len(), 0);
        let e = isolated(&p, "techsme", "").unwrap_err().to_string();
        assert!(e.contains("层级「techsme」"), "{e}");
        assert!(isolated(&p, "nonsense", "").is_err());
        let bytes = isolated_xlsx(&p, &v).unwrap();
        use calamine::Reader;
        let mut x = calamine::Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
        let r = x.worksheet_range("孤立的高层级企业").unwrap();
        let rows: Vec<Vec<String>> = r
            .rows()
            .map(|row| row.iter().map(|c| c.to_string()).collect())
            .collect();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[1][0], "企业f5");
        assert_eq!(rows[1][3], "瞪羚");
    }
}
