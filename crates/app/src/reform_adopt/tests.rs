use super::*;
use crate::rules_runs::run_rules;
use gaoxin_demo::{DemoConfig, generate};
use gaoxin_model::{Year, Zone};
use gaoxin_rules::{compile_for_run, default_as_of};
use gaoxin_store::{AuditFilter, RunKind, Scope, testing};

const AWARD: &str = "nanjing_first_unicorn_award_2025";

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

fn cap_300() -> Reform {
    reform(&format!(
        "[[params]]\nrule = \"{AWARD}\"\nname = \"cap\"\nvalue = 300\n"
    ))
}

/// The cap in force for fiscal `year` after reloading `dir` (what a restarted server reads).
fn cap_for(dir: &Path, year: i32) -> f64 {
    let files = gaoxin_rules::load_dir(dir).unwrap();
    let f = files.iter().find(|f| f.id == AWARD).unwrap();
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
    // a band change has no dated values
    let band = reform(
        "[[bands]]\nrule = \"innovative_sme_2022\"\ntable = \"rd_tbl\"\nlabel = \"A\"\npoints = 19\n",
    );
    let e = propose(&dir, "x", &band, Date::new(2026, 1, 1).unwrap(), "admin");
    match e {
        Err(AdoptError::Refused(m)) => assert!(m.contains("分数段"), "{m}"),
        Err(other) => panic!("{other}"),
        Ok(_) => panic!("a band change was adopted"),
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
