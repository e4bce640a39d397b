//! The lists of a rules run as an .xlsx workbook (梯度培育 and 政策 exports, `gaoxin evaluate
//! --out`): counts per park, nearest to qualify, funnel, conversions, time on a rung, 免申即享,
//! 快申快享, budgets and the run record.
use crate::rules_summary::{
    RulesSummary, finding_zh, level_zh, nearest_rows, park_name, record_zh,
};
use gaoxin_model::Zone;
use gaoxin_rules::plan::Finding;
use gaoxin_store::RuleResultRow;
use rust_xlsxwriter::{Workbook, Worksheet, XlsxError};
use std::collections::BTreeMap;

fn sheet<'a>(
    wb: &'a mut Workbook,
    name: &str,
    head: &[&str],
) -> Result<&'a mut Worksheet, XlsxError> {
    crate::xlsx::list_sheet(wb, name, head, 16.0)
}

/// Which lists a workbook holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lists {
    /// Everything: counts, nearest-to-qualify, funnel, conversions, grant lists, budgets.
    All,
    /// The 梯度培育 lists: counts, nearest-to-qualify, funnel, conversions, median time on a rung.
    Ladder,
    /// The 政策 lists: 免申即享, 快申快享, budget by park.
    Policies,
}

/// The lists of a run as .xlsx; `rows` are the run's per-firm rows already narrowed by scope,
/// `names` maps credit codes to firm names.
pub fn workbook(
    zone: &Zone,
    s: &RulesSummary,
    rows: &[RuleResultRow],
    names: &BTreeMap<String, String>,
    which: Lists,
) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    let b = Book {
        zone,
        s,
        rows,
        names,
    };
    if which != Lists::Policies {
        b.counts(&mut wb)?;
        b.nearest(&mut wb)?;
        b.funnel(&mut wb)?;
        b.conversions(&mut wb)?;
        b.medians(&mut wb)?;
    }
    if which != Lists::Ladder {
        b.automatic(&mut wb)?;
        b.fast_track(&mut wb)?;
        b.budgets(&mut wb)?;
    }
    b.record(&mut wb)?;
    wb.save_to_buffer()
}

/// What every sheet of a workbook reads; one method per sheet.
struct Book<'a> {
    zone: &'a Zone,
    s: &'a RulesSummary,
    rows: &'a [RuleResultRow],
    names: &'a BTreeMap<String, String>,
}

impl Book<'_> {
    /// A rule's name (its id when the run does not know it).
    fn rname(&self, id: &str) -> String {
        self.s
            .rule(id)
            .map(|r| r.name.clone())
            .unwrap_or_else(|| id.into())
    }

    /// A firm's name by credit code (blank when unknown).
    fn name(&self, u: &str) -> String {
        self.names.get(u).cloned().unwrap_or_default()
    }

    /// 各园区结果: findings per rule and park.
    fn counts(&self, wb: &mut Workbook) -> Result<(), XlsxError> {
        let (s, zone) = (self.s, self.zone);
        let mut head: Vec<&str> = vec!["规则", "园区"];
        head.extend(Finding::ALL.iter().map(|f| f.zh()));
        head.push("已认定（记录）");
        let ws = sheet(wb, "各园区结果", &head)?;
        for (i, c) in s.counts.iter().enumerate() {
            let r = i as u32 + 1;
            ws.write_string(r, 0, self.rname(&c.rule))?;
            ws.write_string(r, 1, park_name(zone, &c.park))?;
            for (j, f) in Finding::ALL.iter().enumerate() {
                ws.write_number(r, 2 + j as u16, c.of(*f) as f64)?;
            }
            if s.rule(&c.rule).is_some_and(|x| x.rung.is_some()) {
                ws.write_number(r, 6, c.recognised as f64)?;
            }
        }
        Ok(())
    }

    /// 最接近达标: per park and rung, firms with a known distance, nearest first, then those
    /// whose verdict is unknown (缺数据，无法测算) without a distance.
    fn nearest(&self, wb: &mut Workbook) -> Result<(), XlsxError> {
        let (s, zone, rows) = (self.s, self.zone, self.rows);
        let ws = sheet(
            wb,
            "最接近达标",
            &[
                "园区",
                "目标梯级",
                "统一社会信用代码",
                "企业名称",
                "当前梯级",
                "距离",
                "结论（按条件测算）",
                "目标梯级认定记录",
                "缺少的数据",
            ],
        )?;
        let mut parks: Vec<&str> = rows.iter().map(|r| r.park.as_str()).collect();
        parks.sort_unstable();
        parks.dedup();
        let mut k = 0u32;
        for park in parks {
            let here: Vec<RuleResultRow> =
                rows.iter().filter(|r| r.park == park).cloned().collect();
            for g in s.rungs.iter() {
                let Some(rule) = &g.rule else { continue };
                let (known, unknown) = nearest_rows(s, &here, rule, false);
                for r in known.into_iter().chain(unknown) {
                    k += 1;
                    ws.write_string(k, 0, park_name(zone, &r.park))?;
                    ws.write_string(k, 1, &g.label)?;
                    ws.write_string(k, 2, &r.uscc)?;
                    ws.write_string(k, 3, self.name(&r.uscc))?;
                    ws.write_string(k, 4, level_zh(s, r))?;
                    match r.distance {
                        Some(d) if r.verdict != "unknown" => {
                            ws.write_number(k, 5, (d * 1000.0).round() / 1000.0)?;
                        }
                        _ => {
                            ws.write_string(k, 5, "缺数据，无法测算")?;
                        }
                    }
                    ws.write_string(k, 6, finding_zh(r))?;
                    ws.write_string(k, 7, record_zh(s, r))?;
                    if r.verdict == "unknown" {
                        ws.write_string(k, 8, r.supply.replace('\n', "；"))?;
                    }
                }
            }
        }
        Ok(())
    }

    /// 梯度漏斗: firms per year, park and rung, by record and by rules.
    fn funnel(&self, wb: &mut Workbook) -> Result<(), XlsxError> {
        let (s, zone) = (self.s, self.zone);
        let mut head: Vec<String> = vec!["年份".into(), "园区".into(), "未入梯".into()];
        for g in s.rungs.iter().filter(|g| g.rule.is_some()) {
            head.push(format!("{}（合计）", g.label));
            head.push(format!("{}：已认定", g.label));
            head.push(format!("{}：无记录、按条件测算", g.label));
            head.push(format!("{}：{}", g.label, Finding::Depends.zh()));
        }
        head.push(format!("未入梯：{}", Finding::Depends.zh()));
        let h2: Vec<&str> = head.iter().map(String::as_str).collect();
        let ws = sheet(wb, "梯度漏斗", &h2)?;
        for (i, f) in s.funnel.iter().enumerate() {
            let k = i as u32 + 1;
            ws.write_number(k, 0, f.year as f64)?;
            ws.write_string(k, 1, park_name(zone, &f.park))?;
            ws.write_number(k, 2, f.counts.first().copied().unwrap_or(0) as f64)?;
            let at = |v: &[usize], l: usize| v.get(l).copied().unwrap_or(0) as f64;
            let mut c = 3u16;
            for g in s.rungs.iter().filter(|g| g.rule.is_some()) {
                let l = g.level as usize;
                ws.write_number(k, c, at(&f.counts, l))?;
                ws.write_number(k, c + 1, f.by_record(l) as f64)?;
                ws.write_number(k, c + 2, at(&f.by_rules, l))?;
                ws.write_number(k, c + 3, at(&f.depends, l))?;
                c += 4;
            }
            ws.write_number(k, c, at(&f.depends, 0))?;
        }
        Ok(())
    }

    /// 年度转化: firms on a rung one year that moved up the next.
    fn conversions(&self, wb: &mut Workbook) -> Result<(), XlsxError> {
        let (s, zone) = (self.s, self.zone);
        let ws = sheet(
            wb,
            "年度转化",
            &["起始年份", "园区", "梯级", "企业数", "次年升级", "转化率"],
        )?;
        for (i, c) in s.conversions.iter().enumerate() {
            let k = i as u32 + 1;
            ws.write_number(k, 0, c.from_year as f64)?;
            ws.write_string(k, 1, park_name(zone, &c.park))?;
            ws.write_string(k, 2, s.rung_label(c.level as i32))?;
            ws.write_number(k, 3, c.firms as f64)?;
            ws.write_number(k, 4, c.moved_up as f64)?;
            if c.firms > 0 {
                ws.write_number(k, 5, c.moved_up as f64 / c.firms as f64)?;
            }
        }
        Ok(())
    }

    /// 在梯年限: median years on a rung per park.
    fn medians(&self, wb: &mut Workbook) -> Result<(), XlsxError> {
        let (s, zone) = (self.s, self.zone);
        let ws = sheet(wb, "在梯年限", &["园区", "梯级", "段数", "中位年限"])?;
        for (i, m) in s.medians.iter().enumerate() {
            let k = i as u32 + 1;
            ws.write_string(k, 0, park_name(zone, &m.park))?;
            ws.write_string(k, 1, s.rung_label(m.level as i32))?;
            ws.write_number(k, 2, m.spells as f64)?;
            ws.write_number(k, 3, m.median_years)?;
        }
        Ok(())
    }

    /// 免申即享: verified awards.
    fn automatic(&self, wb: &mut Workbook) -> Result<(), XlsxError> {
        let (s, zone) = (self.s, self.zone);
        let ws = sheet(
            wb,
            "免申即享",
            &[
                "政策",
                "园区",
                "统一社会信用代码",
                "企业名称",
                "金额（万元）",
                "说明",
            ],
        )?;
        let auto: Vec<&RuleResultRow> = self
            .rows
            .iter()
            .filter(|r| r.verified && s.rule(&r.rule).is_some_and(|x| x.has_award))
            .collect();
        for (i, r) in auto.iter().enumerate() {
            let k = i as u32 + 1;
            ws.write_string(k, 0, self.rname(&r.rule))?;
            ws.write_string(k, 1, park_name(zone, &r.park))?;
            ws.write_string(k, 2, &r.uscc)?;
            ws.write_string(k, 3, self.name(&r.uscc))?;
            match r.amount_fen {
                Some(a) => ws.write_number(k, 4, a as f64 / 1e6)?,
                None => ws.write_string(k, 4, "无法计算")?,
            };
            if r.assumption_dependent {
                ws.write_string(k, 5, Finding::Depends.zh())?;
            }
        }
        Ok(())
    }

    /// 快申快享: awards not yet verified and not failed, with what to supply.
    fn fast_track(&self, wb: &mut Workbook) -> Result<(), XlsxError> {
        let (s, zone) = (self.s, self.zone);
        let ws = sheet(
            wb,
            "快申快享",
            &[
                "政策",
                "园区",
                "统一社会信用代码",
                "企业名称",
                "当前结论",
                "金额（万元）",
                "需补充或核验的材料",
            ],
        )?;
        let fast: Vec<&RuleResultRow> = self
            .rows
            .iter()
            .filter(|r| {
                !r.verified && r.verdict != "fail" && s.rule(&r.rule).is_some_and(|x| x.has_award)
            })
            .collect();
        for (i, r) in fast.iter().enumerate() {
            let k = i as u32 + 1;
            ws.write_string(k, 0, self.rname(&r.rule))?;
            ws.write_string(k, 1, park_name(zone, &r.park))?;
            ws.write_string(k, 2, &r.uscc)?;
            ws.write_string(k, 3, self.name(&r.uscc))?;
            ws.write_string(k, 4, finding_zh(r))?;
            if let Some(a) = r.amount_fen {
                ws.write_number(k, 5, a as f64 / 1e6)?;
            }
            ws.write_string(k, 6, r.supply.replace('\n', "；"))?;
        }
        Ok(())
    }

    /// 政策预算: expected amounts per policy and park.
    fn budgets(&self, wb: &mut Workbook) -> Result<(), XlsxError> {
        let (s, zone) = (self.s, self.zone);
        let ws = sheet(
            wb,
            "政策预算",
            &[
                "政策",
                "园区",
                "符合企业",
                "预计金额（万元）",
                "金额暂无法计算",
                Finding::Unknown.zh(),
                Finding::Depends.zh(),
            ],
        )?;
        for (i, b) in s.budgets.iter().enumerate() {
            let k = i as u32 + 1;
            ws.write_string(k, 0, self.rname(&b.rule))?;
            ws.write_string(k, 1, park_name(zone, &b.park))?;
            ws.write_number(k, 2, b.firms as f64)?;
            ws.write_number(k, 3, b.total_fen as f64 / 1e6)?;
            ws.write_number(k, 4, b.amount_unknown as f64)?;
            ws.write_number(k, 5, b.undecided as f64)?;
            ws.write_number(k, 6, b.depends as f64)?;
        }
        Ok(())
    }

    /// 运行记录: year, date, hashes, rule versions, rule files not applied.
    fn record(&self, wb: &mut Workbook) -> Result<(), XlsxError> {
        let s = self.s;
        let ws = sheet(wb, "运行记录", &["项目", "内容"])?;
        let mut info: Vec<(String, String)> = vec![
            ("数据年度".into(), s.record.year.to_string()),
            ("评价基准日".into(), s.record.as_of.clone()),
            ("输入哈希".into(), s.record.input_hash.clone()),
            ("结果哈希".into(), s.record.output_hash.clone()),
            ("企业数".into(), s.record.firms.to_string()),
        ];
        for r in &s.record.rules {
            info.push((
                format!("规则 {}", r.id),
                format!(
                    "{} 版本 {}（文件哈希 {}）",
                    r.document, r.version, r.file_hash
                ),
            ));
        }
        for k in &s.skipped {
            info.push(("未适用".into(), k.clone()));
        }
        for (i, (a, b)) in info.iter().enumerate() {
            ws.write_string(i as u32 + 1, 0, a)?;
            ws.write_string(i as u32 + 1, 1, b)?;
        }
        Ok(())
    }
}
