//! 快申快享 grouped by what is missing (issue 18): 1,230 firms that miss the same single item are
//! one group, so the zone can request that item from all of them at once — with the group's
//! list as .xlsx (and 「数据截至」 on it).
use gaoxin_model::present;
use gaoxin_store::RuleResultRow;
use rust_xlsxwriter::{Format, Workbook, XlsxError};

/// Firms of one policy that miss the same items.
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    /// The items to supply or have verified (the kind of item, without the firm's own state).
    pub missing: Vec<String>,
    /// Indices into the rows given to [`group_by_missing`].
    pub rows: Vec<usize>,
}

impl Group {
    /// The group's key in a link (`missing` joined by 「；」).
    pub fn key(&self) -> String {
        self.missing.join("；")
    }
}

/// One item to supply without the firm's own state: 「营业收入（2024年，缺失）」 or
/// 「营业收入（2024年，当前：企业申报）」 → 「营业收入（2024年）」, so firms missing the same
/// item fall in one group.
pub fn item_kind(line: &str) -> String {
    let line = line.trim();
    if let (Some(open), true) = (line.rfind('（'), line.ends_with('）'))
        && let Some(comma) = line[open..].find('，')
    {
        return format!("{}）", &line[..open + comma]);
    }
    line.to_string()
}

/// The 快申快享 rows (not verified, not failing) grouped by the items they miss, largest group
/// first (then by the items' text).
pub fn group_by_missing(rows: &[RuleResultRow]) -> Vec<Group> {
    let mut groups: std::collections::BTreeMap<Vec<String>, Vec<usize>> = Default::default();
    for (i, r) in rows.iter().enumerate() {
        if r.verified || r.verdict == "fail" {
            continue;
        }
        let mut missing: Vec<String> = r
            .supply
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(item_kind)
            .collect();
        missing.sort();
        missing.dedup();
        if missing.is_empty() {
            missing.push("（无需补充，待核验）".into());
        }
        groups.entry(missing).or_default().push(i);
    }
    let mut out: Vec<Group> = groups
        .into_iter()
        .map(|(missing, rows)| Group { missing, rows })
        .collect();
    out.sort_by(|a, b| {
        b.rows
            .len()
            .cmp(&a.rows.len())
            .then(a.missing.cmp(&b.missing))
    });
    out
}

/// One group's firms as .xlsx: credit code, name, park, what to supply (each firm's own
/// state), amount (元); a first line names the policy, the items and the data's time.
pub fn group_xlsx(
    title: &str,
    missing: &str,
    rows: &[&RuleResultRow],
    park_name: &dyn Fn(&str) -> String,
    as_of: Option<i64>,
) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("快申快享")?;
    let bold = Format::new().set_bold();
    ws.write_string_with_format(0, 0, format!("{title} · 需补充：{missing}"), &bold)?;
    ws.write_string(
        1,
        0,
        match as_of {
            Some(t) => format!("数据截至：{}（北京时间）", present::datetime(t)),
            None => "数据截至：尚无导入或计算记录".into(),
        },
    )?;
    for (c, h) in [
        "统一社会信用代码",
        "企业名称",
        "园区",
        "需补充或核验",
        "金额（元）",
    ]
    .iter()
    .enumerate()
    {
        ws.write_string_with_format(2, c as u16, *h, &bold)?;
        ws.set_column_width(c as u16, if c == 3 { 48.0 } else { 22.0 })?;
    }
    ws.set_freeze_panes(3, 0)?;
    for (i, r) in rows.iter().enumerate() {
        let row = 3 + i as u32;
        ws.write_string(row, 0, &r.uscc)?;
        ws.write_string(row, 1, &r.name)?;
        ws.write_string(row, 2, park_name(&r.park))?;
        ws.write_string(row, 3, r.supply.lines().collect::<Vec<_>>().join("；"))?;
        match r.amount_fen {
            Some(f) => ws.write_string(row, 4, present::yuan(f))?,
            None => ws.write_string(row, 4, "—")?,
        };
    }
    wb.save_to_buffer()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(uscc: &str, verdict: &str, verified: bool, supply: &str) -> RuleResultRow {
        RuleResultRow {
            uscc: uscc.into(),
            name: String::new(),
            park: "jiangbei".into(),
            rule: "r".into(),
            verdict: verdict.into(),
            level: 0,
            amount_fen: Some(100),
            distance: None,
            verified,
            assumption_dependent: false,
            supply: supply.into(),
            record: String::new(),
            level_basis: String::new(),
        }
    }

    /// 1,230 firms missing one item are one group, whatever each firm's own state of it.
    #[test]
    fn fast_track_firms_group_by_the_items_they_miss() {
        let mut rows = vec![];
        for i in 0..1230 {
            let state = if i % 2 == 0 {
                "缺失"
            } else {
                "当前：企业申报"
            };
            rows.push(row(
                &format!("a{i}"),
                "pass",
                false,
                &format!("营业收入（2024年，当前：{state}）"),
            ));
        }
        rows.push(row(
            "b",
            "unknown",
            false,
            "营业收入（2024年，当前：缺失）\n从业人员（2024年，当前：缺失）",
        ));
        rows.push(row("c", "pass", true, ""));
        rows.push(row("d", "fail", false, "营业收入（2024年，当前：缺失）"));
        let g = group_by_missing(&rows);
        assert_eq!(g.len(), 2);
        assert_eq!(g[0].missing, vec!["营业收入（2024年）"]);
        assert_eq!(g[0].rows.len(), 1230);
        assert_eq!(g[1].key(), "从业人员（2024年）；营业收入（2024年）");
        let refs: Vec<&RuleResultRow> = g[0].rows.iter().map(|&i| &rows[i]).collect();
        let bytes = group_xlsx("奖励", &g[0].key(), &refs, &|p| p.to_string(), Some(0)).unwrap();
        assert!(bytes.starts_with(b"PK"));
    }
}
