//! `check`: validates rule files (parse, names, cycles, parameter dates) and runs each file's own
//! test cases — the worked examples of the criteria — reporting every mismatch in plain Chinese.
use std::path::{Path, PathBuf};

use gaoxin_model::{Date, F, HIGH_TECH_FIELDS, Listing, Provenance, Sector};

use crate::explain::{Explanation, explain};
use crate::file::{Expected, LoadError, RuleFile, TestCase};
use crate::panel::{FirmAttrs, Panel};
use crate::plan::{EvalOptions, Overrides, Verdict, compile};

/// The outcome of one test case.
#[derive(Debug, Clone, serde::Serialize)]
pub struct CaseResult {
    pub file: PathBuf,
    pub rule: String,
    pub case: String,
    pub note: String,
    pub line: usize,
    /// Mismatches; empty when the case passed.
    pub failures: Vec<String>,
}

/// What `check` found.
#[derive(Debug, Clone, serde::Serialize, Default)]
pub struct CheckReport {
    pub files: usize,
    pub errors: Vec<LoadError>,
    pub cases: Vec<CaseResult>,
}

impl CheckReport {
    pub fn ok(&self) -> bool {
        self.errors.is_empty() && self.cases.iter().all(|c| c.failures.is_empty())
    }
    pub fn passed(&self) -> usize {
        self.cases.iter().filter(|c| c.failures.is_empty()).count()
    }
    pub fn render_zh(&self) -> String {
        let mut s = format!(
            "规则文件 {} 个；错误 {} 处；测试用例 {} 个，通过 {} 个。\n",
            self.files,
            self.errors.len(),
            self.cases.len(),
            self.passed()
        );
        for e in &self.errors {
            s.push_str(&format!("错误 {e}\n"));
        }
        for c in self.cases.iter().filter(|c| !c.failures.is_empty()) {
            s.push_str(&format!(
                "用例未通过 {}:{} 「{}」{}\n",
                c.file.display(),
                c.line,
                c.case,
                c.note
            ));
            for f in &c.failures {
                s.push_str(&format!("    {f}\n"));
            }
        }
        s
    }
}

/// Loads a directory and checks it.
pub fn check_dir(dir: &Path) -> CheckReport {
    match crate::file::read_dir(dir) {
        Ok(files) => check(&files),
        Err(errors) => CheckReport {
            files: 0,
            errors,
            cases: Vec::new(),
        },
    }
}

/// Validates the files together (they may reference each other) and runs every test case.
pub fn check(files: &[RuleFile]) -> CheckReport {
    let mut report = CheckReport {
        files: files.len(),
        ..Default::default()
    };
    // Validate on the latest effective date, when every file is in force.
    let date = files
        .iter()
        .map(|f| f.effective_from)
        .max()
        .unwrap_or(Date::new(2025, 1, 1).unwrap());
    if let Err(e) = compile(files, date, &Overrides::new()) {
        report.errors = e;
        return report;
    }
    for f in files {
        for t in &f.tests {
            let failures = match run_case(files, f, t) {
                Ok(fs) => fs,
                Err(e) => vec![e],
            };
            report.cases.push(CaseResult {
                file: f.path.clone(),
                rule: f.id.clone(),
                case: t.id.clone(),
                note: t.note.clone(),
                line: t.line,
                failures,
            });
        }
    }
    report
}

/// The one-firm panel of a test case.
pub fn case_panel(f: &RuleFile, t: &TestCase) -> Result<Panel, String> {
    let first = t
        .facts
        .values()
        .flat_map(|m| m.keys())
        .copied()
        .min()
        .unwrap_or(t.year)
        .min(t.year);
    let mut p = Panel::new(first, t.year);
    let founded = match &t.firm.founded {
        Some(s) => Date::parse(s).ok_or_else(|| format!("成立日期「{s}」无效"))?,
        None => Date::new(2000, 1, 1).unwrap(),
    };
    let sector = match &t.firm.sector {
        Some(s) => Sector::parse(s).ok_or_else(|| format!("行业类别「{s}」应为 制造业/服务业"))?,
        None => Sector::Services,
    };
    let listing = match &t.firm.listing {
        Some(s) => Listing::parse(s).ok_or_else(|| format!("上市状态「{s}」无效"))?,
        None => Listing::Unlisted,
    };
    p.push_firm(&FirmAttrs {
        uscc: format!("TEST-{}", t.id),
        name: format!("测试用例{}", t.id),
        park: "测试园区".into(),
        founded,
        sector,
        listing,
        tech_field_ok: t
            .firm
            .tech_field
            .as_deref()
            .is_some_and(|x| HIGH_TECH_FIELDS.contains(&x)),
    });
    for (k, years) in &t.facts {
        let field = F::by_key(k).ok_or_else(|| format!("没有名为「{k}」的指标"))?;
        let prov = if t.verified.contains(k) {
            Provenance::Verified("测试数据".into())
        } else {
            Provenance::Declared
        };
        for (y, v) in years {
            p.set(0, *y, field, Some(*v), &prov);
        }
    }
    for (k, v) in &t.manual {
        if !f.manual.iter().any(|m| m.name == *k) {
            return Err(format!("本文件没有名为「{k}」的专家评分项"));
        }
        p.set_manual(&f.id, k, 0, *v);
    }
    Ok(p)
}

/// Half a unit of the last written decimal of an expected number.
fn tolerance(x: f64) -> f64 {
    let s = format!("{x}");
    match s.split_once('.') {
        Some((_, d)) => 0.5 * 10f64.powi(-(d.len() as i32)),
        None => 1e-9 * x.abs().max(1.0),
    }
}

fn run_case(files: &[RuleFile], f: &RuleFile, t: &TestCase) -> Result<Vec<String>, String> {
    let as_of = t.as_of.unwrap_or_else(|| crate::default_as_of(t.year));
    let mut ov = Overrides::new();
    for (k, v) in &t.params {
        if !f.params.iter().any(|p| p.name == *k) {
            return Err(format!("本文件没有名为「{k}」的参数"));
        }
        ov.insert((f.id.clone(), k.clone()), *v);
    }
    let plan = compile(files, as_of, &ov).map_err(|e| {
        e.iter()
            .map(|x| x.to_string())
            .collect::<Vec<_>>()
            .join("；")
    })?;
    let panel = case_panel(f, t)?;
    let opts = EvalOptions {
        assumption: t.assumption.unwrap_or_default(),
    };
    let ex = explain(&plan, &panel, 0, t.year, &f.id, &opts).ok_or("规则未编译")?;
    let mut failures = Vec::new();
    for (k, want) in &t.expect {
        if k == "recognised" {
            // The rung's recorded status: pass = 已认定, fail = the record says not, unknown = no record.
            use crate::ladder::Record;
            let Some(rec) = crate::ladder::recorded(&plan, &panel, t.year)
                .into_iter()
                .find(|r| r.rule == f.id)
            else {
                failures.push("recognised：本文件没有 [recognised]（已认定记录）".into());
                continue;
            };
            let got = match rec.record[0] {
                Record::Recognised => Verdict::Pass,
                Record::NotRecognised => Verdict::Fail,
                Record::NoRecord => Verdict::Unknown,
            };
            match want {
                Expected::Verdict(v) if *v == got => {}
                Expected::Verdict(v) => failures.push(format!(
                    "recognised：期望 {}，实际 {}",
                    verdict_str(*v),
                    verdict_str(got)
                )),
                _ => failures.push("recognised：应写 pass / fail / unknown".into()),
            }
            continue;
        }
        if let Err(m) = compare(&ex, k, want) {
            failures.push(m);
        }
    }
    Ok(failures)
}

fn verdict_str(v: Verdict) -> &'static str {
    match v {
        Verdict::Pass => "pass",
        Verdict::Fail => "fail",
        Verdict::Unknown => "unknown",
    }
}

fn compare(ex: &Explanation, key: &str, want: &Expected) -> Result<(), String> {
    let num = |got: Option<f64>, w: f64, what: &str| -> Result<(), String> {
        match got {
            Some(g) if (g - w).abs() <= tolerance(w) => Ok(()),
            Some(g) => Err(format!("{key}（{what}）：期望 {w}，实际 {g}")),
            None => Err(format!(
                "{key}（{what}）：期望 {w}，实际无值（缺失或无法计算）"
            )),
        }
    };
    let verdict = |got: Verdict, w: &Expected| -> Result<(), String> {
        match w {
            Expected::Verdict(v) if *v == got => Ok(()),
            Expected::Verdict(v) => Err(format!(
                "{key}：期望 {}，实际 {}",
                verdict_str(*v),
                verdict_str(got)
            )),
            _ => Err(format!("{key}：应写 pass / fail / unknown")),
        }
    };
    match key {
        "eligible" => return verdict(ex.verdict, want),
        "award" => {
            let Expected::Number(w) = want else {
                return Err("award 应为数字（万元）".into());
            };
            return num(ex.award.map(|a| a as f64 / 1e6), *w, "奖励金额，万元");
        }
        "assumption_dependent" | "auto_grant" => {
            let got = if key == "auto_grant" {
                ex.auto_grant
            } else {
                ex.assumption_dependent
            };
            return match want {
                Expected::Bool(b) if *b == got => Ok(()),
                Expected::Bool(b) => Err(format!("{key}：期望 {b}，实际 {got}")),
                _ => Err(format!("{key} 应为 true / false")),
            };
        }
        _ => {}
    }
    if let Some(rest) = key.strip_prefix("gap.") {
        let (cond, fact) = rest.split_once('.').ok_or("gap 期望应写成 gap.条件.指标")?;
        let c = ex
            .conditions
            .iter()
            .find(|c| c.id == cond)
            .ok_or(format!("没有条件「{cond}」"))?;
        let g = c.gaps.iter().find(|g| g.key == fact);
        let Expected::Number(w) = want else {
            return Err("gap 期望应为数字".into());
        };
        let scale = match F::by_key(fact).map(|f| f.def().kind) {
            Some(gaoxin_model::Kind::Money { .. } | gaoxin_model::Kind::Usd) => 1e6,
            _ => 1.0,
        };
        return num(g.map(|g| g.change as f64 / scale), *w, "最小调整量");
    }
    let (name, band) = match key.rsplit_once('.') {
        Some((n, b @ ("lo" | "hi"))) => (n, Some(b)),
        _ => (key, None),
    };
    let item = ex
        .trace
        .iter()
        .find(|i| i.name == name)
        .ok_or_else(|| format!("期望项「{key}」不是本规则的参数、变量、条件或评分项"))?;
    if let Some(b) = band {
        let Some((lo, hi, _)) = item.band else {
            return Err(format!("「{name}」不是专家评分项，没有 .lo/.hi"));
        };
        let Expected::Number(w) = want else {
            return Err("期望应为数字".into());
        };
        return num(Some(if b == "lo" { lo } else { hi }), *w, "评分区间");
    }
    match want {
        Expected::Verdict(_) => {
            let got = match item.value.state {
                "missing" => Verdict::Unknown,
                "ok" if item.value.value != Some(0.0) => Verdict::Pass,
                _ => Verdict::Fail,
            };
            verdict(got, want)
        }
        Expected::Number(w) => num(
            item.value
                .value
                .map(|v| crate::fmt::file_units(v, item.value.unit)),
            *w,
            "数值",
        ),
        Expected::Bool(b) => num(item.value.value, if *b { 1.0 } else { 0.0 }, "是否"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::file::parse_file;

    const FILE: &str = r#"id = "demo"
name = "示例"
version = "1"
document = "无"
issuer = "无"
effective_from = "2020-01-01"
source = "test"
status = "UNCONFIRMED"
kind = "policy"

[[params]]
name = "cap"
zh = "上限"
unit = "万元"
values = [{ from = "2020-01-01", value = 200 }]

[[conditions]]
id = "big"
zh = "研发费用不低于100万元"
expr = "rd_expense >= 100万元"

[outcome]
label = "示例奖励"
eligible = "big"

[outcome.award]
zh = "奖励"
base = "rd_expense"
rate = "0.05"
cap = "cap"

[[tests]]
id = "ok"
year = 2024
facts = { rd_expense = 5000 }
expect = { big = "pass", award = 200 }

[[tests]]
id = "wrong"
year = 2024
facts = { rd_expense = 3000 }
expect = { award = 200, big = "fail" }
"#;

    #[test]
    fn a_wrong_expectation_is_reported() {
        let f = parse_file(Path::new("demo.toml"), FILE).unwrap();
        let r = check(&[f]);
        assert!(r.errors.is_empty(), "{}", r.render_zh());
        assert_eq!(r.cases.len(), 2);
        assert!(r.cases[0].failures.is_empty(), "{:?}", r.cases[0].failures);
        let w = &r.cases[1].failures;
        assert_eq!(w.len(), 2, "{w:?}");
        assert!(w.iter().any(|m| m.contains("期望 200，实际 150")), "{w:?}");
        assert!(!r.ok());
        assert_eq!(r.cases[1].line, 38);
    }

    #[test]
    fn loader_errors_name_file_line_and_problem() {
        let bad = FILE.replace("issuer = \"无\"", "issuer = \"无\"\nauthor = \"x\"");
        let e = parse_file(Path::new("demo.toml"), &bad).unwrap_err();
        assert_eq!(e.line, 6, "{e}");
        assert!(e.msg.contains("不认识的字段「author」"), "{e}");
        let bad = FILE.replace("value = 200", "value = \"二百\"");
        let e = parse_file(Path::new("demo.toml"), &bad).unwrap_err();
        assert_eq!(e.line, 15, "{e}");
        let bad = FILE.replace(
            "expr = \"rd_expense >= 100万元\"",
            "expr = \"rd_expense >= (100万元\"",
        );
        let e = parse_file(Path::new("demo.toml"), &bad).unwrap_err();
        assert_eq!(e.line, 20, "{e}");
        assert!(e.msg.contains("右括号"), "{e}");
        let bad = FILE.replace("eligible = \"big\"", "eligible = \"bigg\"");
        let f = parse_file(Path::new("demo.toml"), &bad).unwrap();
        let r = check(&[f]);
        assert_eq!(r.errors.len(), 1);
        assert_eq!(r.errors[0].line, 24);
        assert!(
            r.errors[0]
                .to_string()
                .starts_with("demo.toml:24: 未知的变量「bigg」"),
            "{}",
            r.errors[0]
        );
        let bad = FILE.replace(
            "{ from = \"2020-01-01\", value = 200 }",
            "{ from = \"2023-01-01\", value = 200 }",
        );
        let f = parse_file(Path::new("demo.toml"), &bad).unwrap();
        let r = check(&[f]);
        assert!(
            r.cases
                .iter()
                .all(|c| c.failures.iter().any(|m| m.contains("没有生效的取值"))),
            "{}",
            r.render_zh()
        );
    }
}
