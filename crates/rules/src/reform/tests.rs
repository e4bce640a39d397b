use super::*;
use crate::batch::evaluate_with;
use crate::plan::{EvalOptions, Verdict};
use gaoxin_model::F;

const AWARD: &str = "nanjing_first_unicorn_award_2025";
const CAP_300: &str = r#"
name = "首次入选独角兽企业奖励上限提高至300万元"
author = "测试"
note = "上限200万元 → 300万元"

[[params]]
rule = "nanjing_first_unicorn_award_2025"
name = "cap"
value = 300
"#;

fn root() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
}

fn rules() -> Vec<RuleFile> {
    crate::load_dir(&root().join("data/rules")).expect("data/rules loads")
}

fn as_of() -> Date {
    crate::default_as_of(2024)
}

fn parse(text: &str) -> Result<Reform, Vec<LoadError>> {
    Reform::parse(Path::new("方案.toml"), text)
}

/// The one error of a refused reform (text and file), its line and message.
fn refused(text: &str) -> (usize, String) {
    let r = match parse(text) {
        Ok(r) => r.apply(&rules(), as_of()).map(|_| ()),
        Err(e) => Err(e),
    };
    let es = r.expect_err("the reform is refused");
    assert_eq!(es.len(), 1, "{es:?}");
    assert_eq!(es[0].file, Path::new("方案.toml"));
    (es[0].line, es[0].msg.clone())
}

#[test]
fn the_worked_example_parses_and_says_what_it_changes() {
    let r = Reform::load(&root().join("data/reforms/unicorn_cap_300.toml")).unwrap();
    assert_eq!(r.name, "首次入选独角兽企业奖励上限提高至300万元");
    assert!(!r.author.is_empty() && !r.note.is_empty());
    let a = r.apply(&rules(), as_of()).unwrap();
    assert_eq!(
        a.changes,
        vec![AppliedChange {
            rule: AWARD.into(),
            rule_name: "首次入选独角兽企业奖励".into(),
            item: "奖励上限".into(),
            before: "200万元".into(),
            after: "300万元".into(),
            unconfirmed: false,
        }]
    );
    let cap = |fs: &[RuleFile]| {
        fs.iter()
            .find(|f| f.id == AWARD)
            .unwrap()
            .params
            .iter()
            .find(|p| p.name == "cap")
            .unwrap()
            .at(as_of())
    };
    // in fen, exactly; the loaded files are untouched
    assert_eq!(cap(&a.files), Some(300_000_000.0));
    assert_eq!(cap(&rules()), Some(200_000_000.0));
}

#[test]
fn a_raised_first_time_unicorn_cap_changes_exactly_the_awards_that_were_capped() {
    let files = rules();
    let r = parse(CAP_300).unwrap();
    let reformed = r.apply(&files, as_of()).unwrap().files;
    let (base_plan, skipped) = compile_for_run(&files, as_of());
    let (ref_plan, notes) = plan(&reformed, &skipped, as_of()).unwrap();
    assert!(notes.is_empty(), "{notes:?}");
    let opts = EvalOptions::default();
    let cap = 200_000_000i64;

    // The rule file's own worked cases: only A2 (5 % of 5,000万 = 250万, capped at 200万) changes.
    let f = files.iter().find(|f| f.id == AWARD).unwrap();
    let mut changed = Vec::new();
    for t in &f.tests {
        let panel = crate::check::case_panel(f, t).unwrap();
        let b = evaluate_with(&base_plan, &panel, t.year, &opts, 1);
        let a = evaluate_with(&ref_plan, &panel, t.year, &opts, 1);
        let (b, a) = (b.rule(AWARD).unwrap(), a.rule(AWARD).unwrap());
        assert_eq!(b.verdict, a.verdict, "case {}", t.id);
        if b.award_at(0) != a.award_at(0) {
            changed.push((t.id.clone(), b.award_at(0), a.award_at(0)));
        }
    }
    assert_eq!(
        changed,
        vec![("A2".to_string(), Some(cap), Some(250_000_000))]
    );

    // A synthetic zone: an award changes if and only if it was capped (5 % above 200万).
    let year = 2024;
    let panel = crate::synth::generate(40_000, 2018, year, 7, 0.02, 0.7);
    let b = evaluate_with(&base_plan, &panel, year, &opts, 2);
    let a = evaluate_with(&ref_plan, &panel, year, &opts, 2);
    let (b, a) = (b.rule(AWARD).unwrap(), a.rule(AWARD).unwrap());
    assert_eq!(b.verdict, a.verdict);
    let mut capped = 0;
    let mut paid = 0;
    for row in 0..panel.len() {
        if b.verdict[row] != Verdict::Pass {
            continue;
        }
        paid += 1;
        let five_pct = panel
            .value(row, year, F::RdExpense as usize)
            .map(|rd| rd / 20);
        let was_capped = b.award_at(row) == Some(cap) && five_pct.is_some_and(|x| x > cap);
        if was_capped {
            capped += 1;
            assert_eq!(a.award_at(row), five_pct.map(|x| x.min(300_000_000)));
        } else {
            assert_eq!(a.award_at(row), b.award_at(row), "row {row}");
        }
    }
    assert!(capped > 0 && paid > capped, "capped {capped} of {paid}");
}

#[test]
fn an_unknown_rule_or_parameter_is_refused_with_file_line_and_reason() {
    let (line, msg) = refused(
        "name = \"x\"\nauthor = \"y\"\n\n[[params]]\nrule = \"no_such_rule\"\nname = \"cap\"\nvalue = 1\n",
    );
    assert_eq!(line, 5);
    assert!(msg.contains("没有编号为「no_such_rule」的规则"), "{msg}");
    assert!(msg.contains(AWARD), "lists the rules: {msg}");

    let (line, msg) = refused(&CAP_300.replace("name = \"cap\"", "name = \"ceiling\""));
    assert_eq!(line, 7);
    assert!(msg.contains("没有参数「ceiling」"), "{msg}");
    assert!(msg.contains("cap"), "lists the parameters: {msg}");
}

#[test]
fn values_outside_their_units_range_are_refused() {
    let cases = [
        ("value = 300", "value = -5", "金额不能为负"),
        ("value = 300", "value = 300.0000001", "精确到分"),
        (
            "name = \"cap\"\nvalue = 300",
            "name = \"rate\"\nvalue = 50",
            "比例须在0到10之间",
        ),
        (
            "name = \"cap\"\nvalue = 300",
            "name = \"list_since\"\nvalue = -1",
            "不能为负",
        ),
        ("value = 300", "value = nan", "有限数"),
    ];
    for (from, to, want) in cases {
        let (line, msg) = refused(&CAP_300.replace(from, to));
        assert_eq!(line, 7, "{to}");
        assert!(msg.contains(want), "{to}: {msg}");
        assert!(msg.contains("超出范围"), "{msg}");
    }
    let flag = "name = \"x\"\nauthor = \"y\"\n[[params]]\nrule = \"gei_unicorn\"\nname = \"age_by_days\"\nvalue = 2\n";
    let (line, msg) = refused(flag);
    assert_eq!((line, msg.contains("只能取0或1")), (4, true), "{msg}");
    // a rate written as a percentage by mistake is refused; 7.5 % is fine and exact
    let ok = CAP_300.replace(
        "name = \"cap\"\nvalue = 300",
        "name = \"rate\"\nvalue = 0.075",
    );
    let a = parse(&ok).unwrap().apply(&rules(), as_of()).unwrap();
    assert_eq!(
        (a.changes[0].before.as_str(), a.changes[0].after.as_str()),
        ("5%", "7.5%")
    );
}

#[test]
fn bad_files_and_double_changes_are_refused() {
    // TOML errors carry their line, unknown fields are named
    let es = parse("name = \"x\"\nauthor = \"y\"\n[[params]]\nrule = \"a\"\nnam = \"cap\"\n")
        .unwrap_err();
    assert_eq!(es[0].line, 5, "{es:?}");
    assert!(es[0].msg.contains("nam"), "{es:?}");
    let es = parse("name = \"x\"\nauthor = \"y\"\n").unwrap_err();
    assert!(es[0].msg.contains("没有任何修改"), "{es:?}");
    let twice = format!("{CAP_300}\n[[params]]\nrule = \"{AWARD}\"\nname = \"cap\"\nvalue = 250\n");
    let (line, msg) = refused(&twice);
    assert_eq!(line, 12);
    assert!(msg.contains("修改了两次"), "{msg}");
}

#[test]
fn dated_and_yearly_values() {
    // from a later date: the old value stays in force before it
    let later = CAP_300.replace("value = 300", "value = 300\nfrom = \"2026-01-01\"");
    let a = parse(&later).unwrap().apply(&rules(), as_of()).unwrap();
    let p = a.files.iter().find(|f| f.id == AWARD).unwrap().params[1].clone();
    assert_eq!(p.at(crate::default_as_of(2024)), Some(200_000_000.0));
    assert_eq!(p.at(crate::default_as_of(2025)), Some(300_000_000.0));
    assert_eq!(a.changes[0].after, "300万元（自2026-01-01起）");
    // `year` only for yearly parameters
    let (_, msg) = refused(&CAP_300.replace("value = 300", "value = 300\nyear = 2024"));
    assert!(msg.contains("不按年度取值"), "{msg}");
}

#[test]
fn band_changes_keep_the_table_in_order() {
    let files = rules();
    let (rule, table, labels) = files
        .iter()
        .find_map(|f| {
            f.tables.iter().find(|t| t.bands.len() >= 3).map(|t| {
                let l: Vec<(String, Option<f64>)> =
                    t.bands.iter().map(|b| (b.label.clone(), b.min)).collect();
                (f.id.clone(), t.name.clone(), l)
            })
        })
        .expect("a table with three bands");
    let head = format!(
        "name = \"x\"\nauthor = \"y\"\n[[bands]]\nrule = \"{rule}\"\ntable = \"{table}\"\n"
    );
    // the second band's bound raised above the first's: refused
    let top = labels[0].1.unwrap();
    let bad = format!(
        "{head}label = \"{}\"\nmin = {}\n",
        labels[1].0,
        top * 2.0 + 1.0
    );
    let (line, msg) = refused(&bad);
    assert_eq!(line, 4);
    assert!(msg.contains("从高到低"), "{msg}");
    // points of the first band: applied
    let ok = format!("{head}label = \"{}\"\npoints = 99\n", labels[0].0);
    let a = parse(&ok).unwrap().apply(&files, as_of()).unwrap();
    let t = a.files.iter().find(|f| f.id == rule).unwrap();
    let t = t.tables.iter().find(|t| t.name == table).unwrap();
    assert_eq!(t.bands[0].points, 99.0);
    let last = labels.last().unwrap().0.clone();
    let (_, msg) = refused(&format!("{head}label = \"{last}\"\nmin = 1\n"));
    assert!(msg.contains("最后一档"), "{msg}");
}

#[test]
fn a_draft_with_a_cycle_is_refused_with_its_file_and_line() {
    let dir = std::env::temp_dir().join(format!("gaoxin-reform-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let text = std::fs::read_to_string(root().join("data/rules/nanjing_first_unicorn_award_2025.toml"))
        .unwrap()
        .replace(
            "expr = \"if(present(unicorn_listed), unicorn_listed == 1, ref(nanjing_unicorn_2024))\"",
            "expr = \"on_list_again\"\n\n[[vars]]\nname = \"on_list_again\"\nzh = \"环\"\nexpr = \"on_list\"",
        );
    std::fs::write(dir.join("draft.toml"), text).unwrap();
    let reform = dir.join("reform.toml");
    std::fs::write(
        &reform,
        format!("name = \"草案\"\nauthor = \"y\"\n[[replace]]\nrule = \"{AWARD}\"\nfile = \"draft.toml\"\n"),
    )
    .unwrap();
    let r = Reform::load(&reform).unwrap();
    let a = r.apply(&rules(), as_of()).unwrap();
    let (_, skipped) = compile_for_run(&rules(), as_of());
    let es = plan(&a.files, &skipped, as_of()).unwrap_err();
    assert!(
        es.iter()
            .any(|e| e.file == dir.join("draft.toml") && e.line > 0 && e.msg.contains("循环")),
        "{es:?}"
    );
    // a draft with another id is refused at the reform's line
    std::fs::write(
        &reform,
        "name = \"草案\"\nauthor = \"y\"\n[[replace]]\nrule = \"hightech_2016\"\nfile = \"draft.toml\"\n",
    )
    .unwrap();
    let es = Reform::load(&reform).unwrap_err();
    assert_eq!((es[0].file.clone(), es[0].line), (reform.clone(), 4));
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_rule_taken_out_of_force_is_left_out_and_said_so() {
    let text = format!(
        "name = \"停止\"\nauthor = \"y\"\n[[dates]]\nrule = \"{AWARD}\"\neffective_to = \"2025-01-31\"\n"
    );
    let a = parse(&text).unwrap().apply(&rules(), as_of()).unwrap();
    let (_, skipped) = compile_for_run(&rules(), as_of());
    let (p, notes) = plan(&a.files, &skipped, as_of()).unwrap();
    assert!(p.rule(AWARD).is_none());
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert!(notes[0].contains("失效"), "{notes:?}");
}

#[test]
fn every_shipped_example_reform_applies_and_compiles() {
    let dir = root().join("data/reforms");
    let files = rules();
    let (_, skipped) = compile_for_run(&files, as_of());
    let mut n = 0;
    for e in std::fs::read_dir(&dir).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "toml") {
            let r = Reform::load(&p).unwrap_or_else(|e| panic!("{}: {e:?}", p.display()));
            let a = r.apply(&files, as_of()).unwrap();
            assert!(!a.changes.is_empty());
            plan(&a.files, &skipped, as_of()).unwrap();
            n += 1;
        }
    }
    assert!(n >= 3, "{n} examples");
}

#[test]
fn a_change_affects_its_rule_and_the_rules_referring_to_it() {
    let files = rules();
    let award = files.iter().find(|f| f.id == AWARD).unwrap();
    assert!(
        refs_of(award).contains("nanjing_unicorn_2024"),
        "{:?}",
        refs_of(award)
    );
    let one = |id: &str| BTreeSet::from([id.to_string()]);
    // the award: nobody refers to it
    assert_eq!(affected(&files, &one(AWARD)), one(AWARD));
    // the unicorn list: the first-time award and the incentive refer to it
    let a = affected(&files, &one("nanjing_unicorn_2024"));
    assert!(
        a.contains(AWARD) && a.contains("nanjing_incentive_2021"),
        "{a:?}"
    );
    assert!(!a.contains("techsme_2022"), "{a:?}");
    // compiling the award needs the unicorn list it refers to
    let need: Vec<String> = with_dependencies(&files, &one(AWARD))
        .iter()
        .map(|f| f.id.clone())
        .collect();
    assert!(
        need.contains(&AWARD.to_string()) && need.contains(&"nanjing_unicorn_2024".to_string())
    );
}
