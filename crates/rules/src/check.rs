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
    match crate::versions::read_dir(dir) {
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
    // Each earlier version of a rule with several (names, cycles), with the other files.
    let latest = crate::versions::select(files, date);
    for f in files {
        if !latest.iter().any(|g| g.path == f.path) {
            let with = crate::versions::with_version(files, f);
            if let Err(e) = compile(&with, date, &Overrides::new()) {
                report.errors = e;
                return report;
            }
        }
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
    let sme_class = match &t.firm.industry {
        Some(s) => crate::sme::class_of(
            &gaoxin_model::IndustryCode::parse(s).map_err(|e| format!("行业代码：{e}"))?,
        ),
        None => 0,
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
        sme_class,
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

/// `f` and every file it refers to through `ref(id)`, transitively, in the order of `files`.
fn with_refs(files: &[RuleFile], f: &RuleFile) -> Vec<RuleFile> {
    let mut want = vec![f.id.clone()];
    let mut i = 0;
    while i < want.len() {
        if let Some(g) = files.iter().find(|g| g.id == want[i]) {
            let texts = g
                .vars
                .iter()
                .map(|v| &v.expr.text)
                .chain(g.conditions.iter().map(|c| &c.expr.text))
                .chain([&g.outcome.eligible.text])
                .chain(g.outcome.award.iter().flat_map(|a| {
                    [
                        Some(&a.base.text),
                        Some(&a.rate.text),
                        a.cap.as_ref().map(|c| &c.text),
                    ]
                    .into_iter()
                    .flatten()
                }))
                .chain(g.manual.iter().flat_map(|m| [&m.lo.text, &m.hi.text]));
            for t in texts {
                for (_, rest) in t.match_indices("ref(").map(|(k, _)| ((), &t[k + 4..])) {
                    let id: String = rest
                        .chars()
                        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                        .collect();
                    if !want.contains(&id) {
                        want.push(id);
                    }
                }
            }
        }
        i += 1;
    }
    files
        .iter()
        .filter(|g| want.contains(&g.id))
        .cloned()
        .collect()
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
    // Only the file and the files it refers to (`ref`): a case of an earlier year must not fail
    // because an unrelated newer policy has no parameter value in force then.
    // The file's own version of its rule, whatever the case's date.
    let needed = with_refs(&crate::versions::with_version(files, f), f);
    let plan = compile(&needed, as_of, &ov).map_err(|e| {
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

    #[test]
    fn a_full_width_character_in_an_expression_is_an_error_with_file_and_line() {
        let bad = FILE.replace(
            "expr = \"rd_expense >= 100万元\"",
            "expr = \"any(rou９te_hightech, rd_expense >= 100万元)\"",
        );
        let e = parse_file(Path::new("demo.toml"), &bad).unwrap_err();
        assert_eq!(e.line, 20, "{e}");
        assert!(e.msg.contains("无法识别的字符「９」"), "{e}");
        assert!(e.msg.contains("第8个字符"), "{e}");
        // A multi-byte character right after an operator's first byte, and as the last byte.
        for src in [
            "a <（b",
            "a ＞= b",
            "a =＝ b",
            "a !",
            "（",
            "a >= 5%（",
            "x == 1亿",
        ] {
            assert!(crate::expr::parse(src).is_err(), "{src}");
        }
    }

    /// Deterministic mutation test: 900 mutations of the shipped rule files, half of them inside
    /// expressions, with the characters analysts type through Chinese input methods. Every
    /// mutated file must give a parse/compile error or a check report, never a panic.
    #[test]
    fn mutated_rule_files_never_panic() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/rules");
        let mut paths: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "toml"))
            .collect();
        paths.sort();
        let texts: Vec<String> = paths
            .iter()
            .map(|p| std::fs::read_to_string(p).unwrap())
            .collect();
        let originals: Vec<RuleFile> = paths
            .iter()
            .zip(&texts)
            .map(|(p, t)| parse_file(p, t).unwrap())
            .collect();
        const WIDE: [&str; 24] = [
            "９",
            "（",
            "）",
            "，",
            "：",
            "＝",
            "＞",
            "＜",
            "“",
            "”",
            "、",
            "。",
            "　",
            "独",
            "¥",
            "€",
            "😀",
            "≥",
            "−",
            "％",
            "万元",
            "亿美元",
            "\u{301}",
            "Ａ",
        ];
        const ASCII: [&str; 12] = ["(", ")", ",", "=", ">", "<", "!", "\"", "%", "1e", ".", "_"];
        let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = |n: usize| -> usize {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % n.max(1) as u64) as usize
        };
        let mut panics = Vec::new();
        let mut parsed = 0;
        for run in 0..900 {
            let fi = run % texts.len();
            let text = &texts[fi];
            // Character boundaries, optionally restricted to expression lines.
            let bounds: Vec<usize> = {
                let all: Vec<usize> = text.char_indices().map(|(i, _)| i).collect();
                if run % 2 == 0 {
                    let mut in_expr = Vec::new();
                    let mut off = 0;
                    for line in text.split_inclusive('\n') {
                        let t = line.trim_start();
                        if ["expr", "eligible", "base", "cap", "rate", "lo", "hi"]
                            .iter()
                            .any(|k| t.starts_with(k))
                            && let Some(q) = line.find('"')
                        {
                            in_expr
                                .extend(line[q + 1..].char_indices().map(|(i, _)| off + q + 1 + i));
                        }
                        off += line.len();
                    }
                    if in_expr.is_empty() { all } else { in_expr }
                } else {
                    all
                }
            };
            let mut m = text.clone();
            for _ in 0..1 + next(3) {
                let at = bounds[next(bounds.len())].min(m.len());
                let at = (0..=at).rev().find(|i| m.is_char_boundary(*i)).unwrap_or(0);
                match next(5) {
                    0 | 1 => m.insert_str(at, WIDE[next(WIDE.len())]),
                    2 => m.insert_str(at, ASCII[next(ASCII.len())]),
                    3 => {
                        // Replace one character by a wide one.
                        if let Some(c) = m[at..].chars().next() {
                            m.replace_range(at..at + c.len_utf8(), WIDE[next(WIDE.len())]);
                        }
                    }
                    _ => {
                        // Delete a few characters.
                        let end = m[at..]
                            .char_indices()
                            .nth(1 + next(4))
                            .map(|(i, _)| at + i)
                            .unwrap_or(m.len());
                        m.replace_range(at..end, "");
                    }
                }
            }
            let path = paths[fi].clone();
            let originals = &originals;
            let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                match parse_file(&path, &m) {
                    Ok(f) => {
                        let mut files = originals.clone();
                        files[fi] = f;
                        let report = check(&files);
                        for e in &report.errors {
                            assert!(!e.msg.is_empty());
                        }
                        true
                    }
                    Err(e) => {
                        assert!(!e.msg.is_empty());
                        false
                    }
                }
            }));
            match r {
                Ok(p) => parsed += p as usize,
                Err(_) => panics.push((path.display().to_string(), run, m)),
            }
        }
        assert!(
            parsed > 0 && parsed < 900,
            "{parsed} of 900 mutations parsed"
        );
        if let Some((p, run, m)) = panics.first() {
            panic!(
                "{} of 900 mutated rule files panicked; the first: run {run} of {p}:\n{m}",
                panics.len()
            );
        }
    }
}
