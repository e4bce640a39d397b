//! Stored runs: a rules run reproduces (same input hash → same results, last year's run
//! re-evaluated), and a stored summary that cannot be decoded is reported (naming the run), never
//! taken for "no run" — on SQLite and (when configured) PostgreSQL.
use gaoxin_app::indicators::{self, EvalError};
use gaoxin_app::rules_runs;
use gaoxin_demo::{DemoConfig, generate};
use gaoxin_model::Zone;
use gaoxin_store::{PointsRow, RunKind, RunRecord, Scope, Store, testing};

fn zone() -> Zone {
    Zone::parse(include_str!("../../../data/reference/zone.toml")).unwrap()
}

/// 300 demo firms 2021–2024.
async fn load_fixture(store: &Store, zone: &Zone) -> Vec<gaoxin_model::Enterprise> {
    let cfg = DemoConfig {
        enterprises: 300,
        first_year: 2021,
        last_year: 2024,
        seed: 7,
    };
    let demo = generate(zone, &cfg);
    let mut tx = store.begin_import().await.unwrap();
    tx.write_enterprises(&demo.enterprises).await.unwrap();
    tx.write_facts(&demo.facts).await.unwrap();
    tx.commit().await.unwrap();
    demo.enterprises
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn runs_are_stored_and_reproduce() {
    for store in testing::all().await.unwrap() {
        let zone = zone();
        load_fixture(&store, &zone).await;
        let (s23, run23) = rules_runs::run_rules(&store, gaoxin_model::Year::new(2023).unwrap())
            .await
            .unwrap();
        let mut seen = Vec::new();
        let (s24, run24) =
            rules_runs::run_rules_with(&store, gaoxin_model::Year::new(2024).unwrap(), &mut |p| {
                seen.push(p)
            })
            .await
            .unwrap();
        assert_ne!(s23.record.input_hash, s24.record.input_hash);
        // progress: loading, evaluating every firm, then stored rows counting up to the total
        use rules_runs::RunProgress;
        assert_eq!(seen[0], RunProgress::Loading);
        assert_eq!(
            seen[1],
            RunProgress::Evaluating {
                firms: s24.record.firms
            }
        );
        let stored24 = store
            .rule_results(&Scope::Zone, &run24.id, None, None)
            .await
            .unwrap()
            .len();
        let writes: Vec<(usize, usize)> = seen[2..]
            .iter()
            .map(|p| match p {
                RunProgress::Storing { done, total } => (*done, *total),
                other => panic!("unexpected {other:?} after evaluating"),
            })
            .collect();
        assert_eq!(writes.first(), Some(&(0, stored24)));
        assert_eq!(writes.last(), Some(&(stored24, stored24)));
        assert!(writes.windows(2).all(|w| w[0].0 < w[1].0));
        // last year's stored run, reproduced from the store's data and the same rule files
        let files = rules_runs::load_rules().unwrap();
        let (es, fs) = store
            .panel(
                &Scope::Zone,
                Some((
                    gaoxin_model::Year::new(2015).unwrap(),
                    gaoxin_model::Year::new(2023).unwrap(),
                )),
            )
            .await
            .unwrap();
        let again =
            rules_runs::evaluate_panel(&files, &es, &fs, gaoxin_model::Year::new(2023).unwrap())
                .unwrap();
        assert_eq!(again.summary.record.input_hash, s23.record.input_hash);
        assert_eq!(again.summary.record.output_hash, s23.record.output_hash);
        assert!(again.summary.record.same_inputs(&s23.record));
        let (stored, _) =
            rules_runs::latest(&store, &Scope::Zone, gaoxin_model::Year::new(2023).unwrap())
                .await
                .unwrap()
                .unwrap();
        assert_eq!(stored, s23);
        let mut rows = store
            .rule_results(&Scope::Zone, &run23.id, None, None)
            .await
            .unwrap();
        let mut fresh = again.rows.clone();
        let key = |r: &gaoxin_store::RuleResultRow| (r.rule.clone(), r.uscc.clone());
        rows.sort_by_key(key);
        fresh.sort_by_key(key);
        assert_eq!(rows.len(), fresh.len());
        for (a, b) in rows.iter().zip(&fresh) {
            assert_eq!(
                (
                    &a.uscc,
                    &a.rule,
                    &a.verdict,
                    a.level,
                    a.amount_fen,
                    a.verified,
                    &a.supply
                ),
                (
                    &b.uscc,
                    &b.rule,
                    &b.verdict,
                    b.level,
                    b.amount_fen,
                    b.verified,
                    &b.supply
                )
            );
            assert_eq!(
                a.distance.map(|d| (d * 1e6).round()),
                b.distance.map(|d| (d * 1e6).round())
            );
        }
        // scope: a park reads only its firms' rows; a firm reads no run
        let jb = store
            .rule_results(
                &Scope::Park(gaoxin_model::ParkId::parse("jiangbei").unwrap()),
                &run24.id,
                None,
                None,
            )
            .await
            .unwrap();
        assert!(!jb.is_empty() && jb.iter().all(|r| r.park == "jiangbei"));
        assert!(
            rules_runs::latest(
                &store,
                &Scope::Enterprise(es[0].uscc.clone()),
                gaoxin_model::Year::new(2024).unwrap()
            )
            .await
            .unwrap()
            .is_none()
        );
        // the workbook holds every list
        let all = store
            .rule_results(&Scope::Zone, &run24.id, None, None)
            .await
            .unwrap();
        let names = all
            .iter()
            .map(|r| (r.uscc.clone(), r.name.clone()))
            .collect();
        let x = rules_runs::workbook(&zone, &s24, &all, &names, rules_runs::Lists::All).unwrap();
        assert!(x.starts_with(b"PK"));
    }
}

fn broken(kind: RunKind, id: &str) -> RunRecord {
    RunRecord {
        id: id.into(),
        kind,
        created_at: 1,
        year: gaoxin_model::Year::new(2024).ok(),
        input_hash: "h".into(),
        versions: "v".into(),
        summary: "{\"not\": \"a summary\"".into(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_undecodable_stored_summary_is_an_error_naming_the_run() {
    for store in testing::all().await.unwrap() {
        store
            .insert_run(&broken(RunKind::ParkEvaluation, "park-x"))
            .await
            .unwrap();
        store
            .insert_run(&broken(RunKind::Rules, "rules-x"))
            .await
            .unwrap();
        match indicators::latest_park_report(
            &store,
            &Scope::Zone,
            gaoxin_model::Year::new(2024).unwrap(),
        )
        .await
        {
            Err(EvalError::Engine(m)) => assert!(m.contains("park-x"), "{m}"),
            other => panic!(
                "expected a decode error, got {:?}",
                other.map(|o| o.is_some())
            ),
        }
        match rules_runs::latest(&store, &Scope::Zone, gaoxin_model::Year::new(2024).unwrap()).await
        {
            Err(EvalError::Engine(m)) => assert!(m.contains("rules-x"), "{m}"),
            other => panic!(
                "expected a decode error, got {:?}",
                other.map(|o| o.is_some())
            ),
        }
        // no run of another year: none, not an error
        assert!(
            indicators::latest_park_report(
                &store,
                &Scope::Zone,
                gaoxin_model::Year::new(2023).unwrap()
            )
            .await
            .unwrap()
            .is_none()
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn undecodable_stored_points_are_an_error_not_dropped() {
    for store in testing::all().await.unwrap() {
        let zone = zone();
        let es = load_fixture(&store, &zone).await;
        let (_, run) = indicators::run_points(&store, gaoxin_model::Year::new(2024).unwrap())
            .await
            .unwrap();
        let uscc = es[0].uscc.clone();
        let firm = uscc.as_str().to_string();
        indicators::firm_points(&store, &Scope::Zone, &uscc)
            .await
            .unwrap();
        let row = PointsRow {
            uscc: firm.clone(),
            year: gaoxin_model::Year::new(2024).unwrap(),
            run_id: run.id.clone(),
            stage: String::new(),
            total: 0.0,
            detail: "{".into(),
        };
        store
            .replace_points(gaoxin_model::Year::new(2024).unwrap(), &[row])
            .await
            .unwrap();
        match indicators::firm_points(&store, &Scope::Zone, &uscc).await {
            Err(EvalError::Engine(m)) => assert!(m.contains(&firm) && m.contains(&run.id), "{m}"),
            other => panic!("expected a decode error, got {:?}", other.map(|v| v.len())),
        }
    }
}

/// The firm page (one firm evaluated on its own) and the stored run's lists place every firm on
/// the same rung, by the same basis, with the same verdict per rule.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_firm_evaluated_alone_agrees_with_the_stored_run() {
    let store = testing::sqlite().await.unwrap();
    let zone = zone();
    let es = load_fixture(&store, &zone).await;
    let (_, run) = rules_runs::run_rules(&store, gaoxin_model::Year::new(2024).unwrap())
        .await
        .unwrap();
    let rows = store
        .rule_results(&Scope::Zone, &run.id, None, None)
        .await
        .unwrap();
    let files = rules_runs::load_rules().unwrap();
    // the firms the run has rows for (firms with facts of the year)
    let mut checked = 0;
    for e in &es {
        let mine: Vec<_> = rows.iter().filter(|r| r.uscc == e.uscc.as_str()).collect();
        if mine.is_empty() {
            continue;
        }
        checked += 1;
        if checked > 60 {
            break;
        }
        let facts = store.facts_of(&Scope::Zone, &e.uscc).await.unwrap();
        let f =
            rules_runs::evaluate_firm(&files, e, &facts, gaoxin_model::Year::new(2024).unwrap())
                .unwrap();
        for r in &mine {
            assert_eq!(r.level, f.position.level as i32, "{} {}", r.uscc, r.rule);
            assert_eq!(
                r.level_basis,
                f.position.basis.map(|b| b.key()).unwrap_or(""),
                "{}",
                r.uscc
            );
            let ex = gaoxin_rules::explain(&f.plan, &f.panel, 0, 2024, &r.rule, &f.opts).unwrap();
            assert_eq!(r.verdict, ex.verdict.key(), "{} {}", r.uscc, r.rule);
        }
    }
    assert!(checked > 60, "only {checked} firms checked");
}

/// The 评价 page's use case: a stored park evaluation that does not decode is an error for a
/// reader who may not compute, and replaced by a new run for one who may (as before the decode
/// error was reported).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_undecodable_park_run_is_replaced_by_who_may_compute() {
    let store = testing::sqlite().await.unwrap();
    load_fixture(&store, &zone()).await;
    let mut bad = broken(RunKind::ParkEvaluation, "park-evaluation-2024-0-bad");
    bad.created_at = 0;
    store.insert_run(&bad).await.unwrap();
    let park = Scope::Park(gaoxin_model::ParkId::parse("jiangbei").unwrap());
    match indicators::park_report_or_run(
        &store,
        &park,
        gaoxin_model::Year::new(2024).unwrap(),
        false,
    )
    .await
    {
        Err(EvalError::Engine(m)) => assert!(m.contains(&bad.id), "{m}"),
        other => panic!(
            "expected a decode error, got {:?}",
            other.map(|o| o.is_some())
        ),
    }
    let (_, run) = indicators::park_report_or_run(
        &store,
        &Scope::Zone,
        gaoxin_model::Year::new(2024).unwrap(),
        true,
    )
    .await
    .unwrap()
    .unwrap();
    assert_ne!(run.id, bad.id);
    let (_, again) = indicators::park_report_or_run(
        &store,
        &park,
        gaoxin_model::Year::new(2024).unwrap(),
        false,
    )
    .await
    .unwrap()
    .unwrap();
    assert_eq!(again.id, run.id);
    assert!(
        store
            .latest_run(
                &Scope::Zone,
                gaoxin_store::RunKind::Points,
                gaoxin_model::Year::new(2024).unwrap()
            )
            .await
            .unwrap()
            .is_some()
    );
}

/// A run on someone's behalf is stored with its one `rules.run` entry (the use case records it,
/// in the run's transaction); a run of the system (the demo, a warm-up) records none.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_on_someones_behalf_is_stored_with_its_audit_entry() {
    for store in testing::all().await.unwrap() {
        let zone = zone();
        load_fixture(&store, &zone).await;
        let year = gaoxin_model::Year::new(2024).unwrap();
        let entries = |store: Store| async move {
            let f = gaoxin_store::AuditFilter {
                action: Some("rules.run".into()),
                ..Default::default()
            };
            store.audit_entries(&Scope::Zone, &f, 10, 0).await.unwrap()
        };
        rules_runs::run_rules(&store, year).await.unwrap();
        assert!(entries(store.clone()).await.is_empty());
        let who = gaoxin_app::audit::Who::user("admin", &gaoxin_store::Role::ZoneAdmin);
        let (_, run, _) = rules_runs::run_rules_as(&store, &who, Some("J1"), year, &mut |_| {})
            .await
            .unwrap();
        let got = entries(store.clone()).await;
        assert_eq!(got.len(), 1, "{got:?}");
        let e = &got[0].event;
        assert_eq!((e.actor.as_str(), e.subject.as_str()), ("admin", "2024"));
        let d: serde_json::Value = serde_json::from_str(&e.detail).unwrap();
        assert_eq!(
            (d["run"].as_str(), d["job"].as_str()),
            (Some(run.id.as_str()), Some("J1"))
        );
    }
}
