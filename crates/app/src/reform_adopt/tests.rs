use super::*;
use crate::rules_runs::run_rules;
use gaoxin_demo::{DemoConfig, generate};
use gaoxin_model::{Year, Zone};
use gaoxin_rules::versions::in_force;
use gaoxin_rules::{compile_for_run, default_as_of};
use gaoxin_store::{AuditFilter, RunKind, Scope, testing};

const AWARD: &str = "nanjing_first_unicorn_award_2025";
const SME: &str = "innovative_sme_2022";

/// A copy of the shipped rule files in a fresh directory.
fn rules_copy(tag: &str) -> PathBuf {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/rules");
    let dir = std::env::temp_dir().join(format!("gaoxin-adopt-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for e in std::fs::read_dir(&src).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "toml") {
            std::fs::copy(&p, dir.join(p.file_name().unwrap())).unwrap();
        }
    }
    dir
}

fn snapshot(dir: &Path) -> Vec<(PathBuf, String)> {
    let mut v: Vec<(PathBuf, String)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .map(|p| (p.clone(), std::fs::read_to_string(&p).unwrap()))
        .collect();
    v.sort();
    v
}

fn reform(body: &str) -> Reform {
    Reform::parse(
        Path::new("方案.toml"),
        &format!("name = \"上限提高\"\nauthor = \"科创局\"\nnote = \"测试\"\n{body}"),
    )
    .unwrap()
}

/// 研发费用占比 A档 from 5% down to 4.5% (the file's own cases still pass).
fn band_a_4_5() -> Reform {
    reform(&format!(
        "[[bands]]\nrule = \"{SME}\"\ntable = \"rd_tbl\"\nlabel = \"A（5%以上）\"\nmin = 4.5\nmin_unit = \"%\"\n"
    ))
}

fn cap_300() -> Reform {
    reform(&format!(
        "[[params]]\nrule = \"{AWARD}\"\nname = \"cap\"\nvalue = 300\n"
    ))
}

/// The cap in force for fiscal `year` after reloading `dir` (what a restarted server reads).
fn cap_for(dir: &Path, year: i32) -> f64 {
    let files = gaoxin_rules::load_dir(dir).unwrap();
    let f = in_force(&files, AWARD, default_as_of(year)).unwrap();
    let p = f.params.iter().find(|p| p.name == "cap").unwrap();
    // the plan compiles with the file in force
    let (plan, _) = compile_for_run(&files, default_as_of(year));
    assert!(plan.rules.iter().any(|r| r.id == AWARD));
    p.at(default_as_of(year)).unwrap() / p.factor
}

#[test]
fn an_adopted_parameter_is_a_dated_value_of_a_new_version_read_after_a_restart() {
    let dir = rules_copy("cap");
    let effective = Date::new(2026, 1, 1).unwrap();
    let p = propose(&dir, "cap300", &cap_300(), effective, "admin").unwrap();
    assert_eq!(p.files.len(), 1);
    assert_eq!(p.changes.len(), 1);
    let c = &p.changes[0];
    assert!(c.before.contains("200") && c.after.contains("300"), "{c:?}");
    assert!(c.after.contains("2026-01-01"), "{c:?}");
    let v = &p.files[0];
    assert_eq!(v.new_version, format!("{}+2026-01-01", v.old_version));
    // nothing is written by a proposal
    let before = snapshot(&dir);
    assert_eq!(std::fs::read_to_string(&v.path).unwrap(), v.old_text);
    write(&p).unwrap();
    let text = std::fs::read_to_string(&v.path).unwrap();
    assert!(
        text.contains("{ from = \"2026-01-01\", value = 300 }"),
        "{text}"
    );
    assert!(text.contains("采纳方案「上限提高」") && text.contains("采纳人：admin"));
    // the old version kept, readable, not loaded as a rule file
    let kept = dir.join(format!("versions/{AWARD}@{}.toml", v.old_version));
    assert_eq!(std::fs::read_to_string(kept).unwrap(), v.old_text);
    assert_eq!(snapshot(&dir).len(), before.len());
    // a restart: 2024 (as of 2025-06-30) reads the old cap, 2025 (as of 2026-06-30) the new
    assert_eq!(cap_for(&dir, 2024), 200.0);
    assert_eq!(cap_for(&dir, 2025), 300.0);
    assert!(gaoxin_rules::check::check_dir(&dir).ok());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn an_adoption_that_breaks_a_files_cases_or_changes_the_past_is_refused_and_writes_nothing() {
    let dir = rules_copy("refused");
    let before = snapshot(&dir);
    // from 2020: the file's own cases (awards capped at 200万 in 2024) fail
    let e = propose(
        &dir,
        "x",
        &cap_300(),
        Date::new(2020, 1, 1).unwrap(),
        "admin",
    )
    .unwrap_err();
    assert!(e.to_string().contains("测试用例"), "{e}");
    // a new version must start after the version in force (2022-06-01): else it would change
    // every past year
    let e = propose(
        &dir,
        "x",
        &band_a_4_5(),
        Date::new(2022, 6, 1).unwrap(),
        "admin",
    );
    match e {
        Err(AdoptError::Refused(m)) => assert!(m.contains("须晚于"), "{m}"),
        Err(other) => panic!("{other}"),
        Ok(_) => panic!("a band change from the version's own first day was adopted"),
    }
    // an unknown parameter: refused with the reform's reason
    let bad = reform(&format!(
        "[[params]]\nrule = \"{AWARD}\"\nname = \"no_such\"\nvalue = 1\n"
    ));
    assert!(propose(&dir, "x", &bad, Date::new(2026, 1, 1).unwrap(), "admin").is_err());
    assert_eq!(snapshot(&dir), before);
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn adopting_records_the_adoption_and_its_audit_event_and_leaves_official_runs_alone() {
    let store = testing::sqlite().await.unwrap();
    let zone = Zone::parse(include_str!("../../../../data/reference/zone.toml")).unwrap();
    let demo = generate(
        &zone,
        &DemoConfig {
            enterprises: 300,
            first_year: 2021,
            last_year: 2024,
            seed: 5,
        },
    );
    let mut tx = store.begin_import().await.unwrap();
    tx.write_enterprises(&demo.enterprises).await.unwrap();
    tx.write_facts(&demo.facts).await.unwrap();
    tx.commit().await.unwrap();
    let y = Year::new(2024).unwrap();
    let (_, run) = run_rules(&store, y).await.unwrap();
    let stored = store
        .latest_run(&Scope::Zone, RunKind::Rules, y)
        .await
        .unwrap();
    let rows = store
        .rule_results(&Scope::Zone, &run.id, None, None)
        .await
        .unwrap();
    let dir = rules_copy("store");
    let who = Who::user("admin", &Role::ZoneAdmin);
    let effective = Date::new(2026, 1, 1).unwrap();
    // without confirming: the diff only
    let (p, id) = adopt_in(&store, &who, &dir, ("cap300", cap_300()), effective, false)
        .await
        .unwrap();
    assert!(id.is_none());
    assert_eq!(
        std::fs::read_to_string(&p.files[0].path).unwrap(),
        p.files[0].old_text
    );
    assert!(store.adoptions(&Scope::Zone).await.unwrap().is_empty());
    let (p, id) = adopt_in(&store, &who, &dir, ("cap300", cap_300()), effective, true)
        .await
        .unwrap();
    assert_eq!(id, Some(1));
    let a = &store.adoptions(&Scope::Zone).await.unwrap()[0];
    assert_eq!((a.adopter.as_str(), a.effective_on), ("admin", 20260101));
    assert!(a.files.contains(&p.files[0].new_version), "{}", a.files);
    assert!(a.diff.contains("300"), "{}", a.diff);
    let park = Scope::Park(gaoxin_model::ParkId::parse("jiangbei").unwrap());
    assert!(store.adoptions(&park).await.unwrap().is_empty());
    let events = store
        .audit_entries(
            &Scope::Zone,
            &AuditFilter {
                action: Some("reform.adopt".into()),
                ..AuditFilter::default()
            },
            10,
            0,
        )
        .await
        .unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].event.subject, "cap300");
    // the official run is untouched: the same record and the same rows
    assert_eq!(
        store
            .latest_run(&Scope::Zone, RunKind::Rules, y)
            .await
            .unwrap(),
        stored
    );
    assert_eq!(
        store
            .rule_results(&Scope::Zone, &run.id, None, None)
            .await
            .unwrap(),
        rows
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_a_zone_administrator_adopts() {
    let store = testing::sqlite().await.unwrap();
    let who = Who::user("analyst", &Role::ZoneAnalyst);
    let e = adopt(
        &store,
        &who,
        Some(&Role::ZoneAnalyst),
        "unicorn_cap_300",
        Date::new(2026, 1, 1).unwrap(),
        true,
    )
    .await
    .unwrap_err();
    assert!(matches!(e, AdoptError::NotAllowed), "{e}");
}

/// The band of the compiled 研发费用占比 table a ratio falls into, and the plan's version of
/// the rule, for fiscal `year` after reloading `dir`.
fn rd_band_for(dir: &Path, year: i32, ratio: f64) -> (usize, String) {
    let files = gaoxin_rules::load_dir(dir).unwrap();
    let (plan, skipped) = compile_for_run(&files, default_as_of(year));
    assert!(skipped.is_empty(), "{skipped:?}");
    let t = plan
        .tables
        .iter()
        .find(|t| t.name.ends_with("rd_tbl"))
        .unwrap();
    (t.band_of(ratio), plan.rule(SME).unwrap().version.clone())
}

#[test]
fn an_adopted_band_change_is_a_new_version_file_evaluated_from_its_effective_date() {
    let dir = rules_copy("band");
    let effective = Date::new(2026, 1, 1).unwrap();
    // before: 4.7% is band B (index 1) in every year
    assert_eq!(rd_band_for(&dir, 2025, 0.047).0, 1);
    let p = propose(&dir, "band", &band_a_4_5(), effective, "admin").unwrap();
    assert_eq!(p.changes.len(), 1);
    let c = &p.changes[0];
    assert!(
        c.before.contains("0.05") && c.after.contains("0.045"),
        "{c:?}"
    );
    let v = &p.files[0];
    assert_eq!(v.new_path, dir.join(format!("{SME}@2026-01-01.toml")));
    assert!(v.how.contains("2025-12-31"), "{}", v.how);
    assert_eq!(snapshot(&dir).len(), 13, "nothing written by a proposal");
    write(&p).unwrap();
    let new = std::fs::read_to_string(&v.new_path).unwrap();
    assert!(
        new.contains(
            "{ label = \"A（5%以上）\", min = 4.5, min_unit = \"%\", cut = \"以上\", points = 20 }"
        ),
        "{new}"
    );
    assert!(new.contains("effective_from = \"2026-01-01\""), "{new}");
    let old = std::fs::read_to_string(&v.path).unwrap();
    assert!(old.contains("effective_to = \"2025-12-31\""), "{old}");
    assert!(
        old.contains("min = 5, min_unit = \"%\""),
        "the old version keeps its band"
    );
    // fiscal 2024 (as of 2025-06-30): the old version, 4.7% in B; 2025 (as of 2026-06-30): A
    let (band, version) = rd_band_for(&dir, 2024, 0.047);
    assert_eq!((band, version.as_str()), (1, v.old_version.as_str()));
    let (band, version) = rd_band_for(&dir, 2025, 0.047);
    assert_eq!((band, version), (0, v.new_version.clone()));
    assert!(gaoxin_rules::check::check_dir(&dir).ok());
    // the same date again: the new version file exists, refused
    let again = propose(&dir, "band", &band_a_4_5(), effective, "admin");
    assert!(again.is_err());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn an_adopted_draft_replaces_the_rule_from_its_effective_date_only() {
    let dir = rules_copy("draft");
    let drafts = dir.join("drafts");
    std::fs::create_dir_all(&drafts).unwrap();
    let text = std::fs::read_to_string(dir.join(format!("{AWARD}.toml")))
        .unwrap()
        .replace("version = \"2025.2\"", "version = \"2026.1-draft\"")
        .replace(
            "values = [{ from = \"2025-01-01\", value = 200 }]",
            "values = [{ from = \"2025-01-01\", value = 300 }]",
        )
        .replacen(
            "expect = { eligible = \"pass\", award = 200 }",
            "expect = { eligible = \"pass\", award = 250 }",
            1,
        );
    std::fs::write(drafts.join("award.toml"), text).unwrap();
    let path = drafts.join("方案.toml");
    let r = Reform::parse(
        &path,
        &format!("name = \"草案\"\nauthor = \"科创局\"\n[[replace]]\nrule = \"{AWARD}\"\nfile = \"award.toml\"\n"),
    )
    .unwrap();
    let effective = Date::new(2026, 1, 1).unwrap();
    let p = propose(&dir, "draft", &r, effective, "admin").unwrap();
    let v = &p.files[0];
    assert_eq!(v.new_version, "2026.1-draft+2026-01-01");
    write(&p).unwrap();
    let files = gaoxin_rules::load_dir(&dir).unwrap();
    assert_eq!(files.iter().filter(|f| f.id == AWARD).count(), 2);
    assert_eq!(cap_for(&dir, 2024), 200.0);
    assert_eq!(cap_for(&dir, 2025), 300.0);
    let (plan, _) = compile_for_run(&files, default_as_of(2024));
    assert_eq!(plan.rule(AWARD).unwrap().version, "2025.2");
    let (plan, _) = compile_for_run(&files, default_as_of(2025));
    assert_eq!(plan.rule(AWARD).unwrap().version, "2026.1-draft+2026-01-01");
    // each version's own cases: the old one's A2 expects 200, the draft's 250
    let rep = gaoxin_rules::check::check_dir(&dir);
    assert!(rep.ok(), "{}", rep.render_zh());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn an_adopted_yearly_value_is_a_new_version_so_earlier_evaluations_keep_the_old_figures() {
    let dir = rules_copy("yearly");
    let r = reform(
        "[[params]]\nrule = \"nanjing_incentive_2021\"\nname = \"city_avg_growth\"\nyear = 2022\nvalue = 0.031\n",
    );
    let effective = Date::new(2026, 3, 1).unwrap();
    let p = propose(&dir, "yearly", &r, effective, "admin").unwrap();
    write(&p).unwrap();
    let files = gaoxin_rules::load_dir(&dir).unwrap();
    let growth = |as_of: Date| -> Vec<(Option<i32>, f64)> {
        in_force(&files, "nanjing_incentive_2021", as_of)
            .unwrap()
            .params
            .iter()
            .find(|p| p.name == "city_avg_growth")
            .unwrap()
            .values
            .iter()
            .map(|d| (d.year, d.value))
            .collect()
    };
    // evaluated before 2026-03-01 (e.g. fiscal 2024's run): no 2022 figure, as then
    assert_eq!(
        growth(Date::new(2026, 2, 28).unwrap()),
        vec![(Some(2024), 0.0277)]
    );
    assert_eq!(
        growth(default_as_of(2025)),
        vec![(Some(2022), 0.031), (Some(2024), 0.0277)]
    );
    // a 2025 figure would break the file's own case (2025 has none yet): refused, not written
    let r2025 = reform(
        "[[params]]\nrule = \"nanjing_incentive_2021\"\nname = \"city_avg_growth\"\nyear = 2025\nvalue = 0.031\n",
    );
    let e = propose(&dir, "y", &r2025, Date::new(2026, 6, 1).unwrap(), "admin").unwrap_err();
    assert!(e.to_string().contains("U-2025-no-average"), "{e}");
    assert!(gaoxin_rules::check::check_dir(&dir).ok());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_bad_reform_is_refused_with_file_line_and_reason_and_writes_nothing() {
    let dir = rules_copy("bad");
    let before = snapshot(&dir);
    let effective = Date::new(2026, 1, 1).unwrap();
    let refused = |r: &Reform| match propose(&dir, "x", r, effective, "admin") {
        Err(AdoptError::Refused(m)) => m,
        Err(other) => panic!("{other}"),
        Ok(_) => panic!("adopted"),
    };
    // unknown parameter, at the reform's line 4
    let m = refused(&reform(&format!(
        "[[params]]\nrule = \"{AWARD}\"\nname = \"no_such\"\nvalue = 1\n"
    )));
    assert!(
        m.contains("方案.toml:5:") && m.contains("没有参数「no_such」"),
        "{m}"
    );
    // out of range: a negative cap
    let m = refused(&reform(&format!(
        "[[params]]\nrule = \"{AWARD}\"\nname = \"cap\"\nvalue = -1\n"
    )));
    assert!(m.contains("方案.toml:5:") && m.contains("超出范围"), "{m}");
    // a draft with a cycle: refused naming the new version's file and line
    let drafts = dir.join("drafts");
    std::fs::create_dir_all(&drafts).unwrap();
    let text = std::fs::read_to_string(dir.join(format!("{AWARD}.toml")))
        .unwrap()
        .replace("version = \"2025.2\"", "version = \"cycle\"")
        .replace(
            "expr = \"if(present(unicorn_listed), unicorn_listed == 1, ref(nanjing_unicorn_2024))\"",
            "expr = \"on_list_again\"\n\n[[vars]]\nname = \"on_list_again\"\nzh = \"环\"\nexpr = \"on_list\"",
        );
    std::fs::write(drafts.join("cycle.toml"), text).unwrap();
    let path = drafts.join("方案.toml");
    let r = Reform::parse(
        &path,
        &format!("name = \"环\"\nauthor = \"y\"\n[[replace]]\nrule = \"{AWARD}\"\nfile = \"cycle.toml\"\n"),
    )
    .unwrap();
    let m = refused(&r);
    assert!(
        m.contains("循环") && m.contains(&format!("{AWARD}@2026-01-01.toml:")),
        "{m}"
    );
    std::fs::remove_dir_all(&drafts).unwrap();
    assert_eq!(snapshot(&dir), before);
    let _ = std::fs::remove_dir_all(&dir);
}
