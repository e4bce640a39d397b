//! Backup and restore on both backends: a demo zone with users, runs, rule results, points and
//! consents survives backup → restore into a fresh database (and across backends) with every
//! table's row count and content hash equal; a backup taken during imports is consistent; a
//! truncated or altered file and a non-empty target are refused without writing anything.
use gaoxin_demo::DemoConfig;
use gaoxin_model::{ParkId, Uscc, Year, Zone};
use gaoxin_store::{
    Error, ParkInput, PointsRow, Role, RuleResultRow, RunKind, RunRecord, Scope, Store,
    TableDigest, UserRecord, testing,
};
use std::path::{Path, PathBuf};

mod backup_fixture;
use backup_fixture::*;

fn zone() -> Zone {
    Zone::parse(include_str!("../../../data/reference/zone.toml")).unwrap()
}

fn tmp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "gx_backup_{}_{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

/// A small demo zone plus one row (at least) in every table the platform writes.
async fn fill(store: &Store) {
    let demo = gaoxin_demo::generate(
        &zone(),
        &DemoConfig {
            enterprises: 300,
            first_year: 2022,
            last_year: 2024,
            seed: 7,
        },
    );
    let mut tx = store.begin_import().await.unwrap();
    tx.write_enterprises(&demo.enterprises).await.unwrap();
    tx.write_facts(&demo.facts).await.unwrap();
    tx.commit().await.unwrap();
    store
        .set_meta("demo", "合成演示数据（测试）")
        .await
        .unwrap();
    let firm = demo.enterprises[0].uscc.clone();
    let park = demo.enterprises[0].park.clone();
    store
        .insert_links(
            &[gaoxin_store::LinkRecord {
                from: firm.as_str().to_string(),
                from_firm: true,
                to: "南京大学".into(),
                to_firm: false,
                kind: "co_patent".into(),
                year: 2024,
                source: "测试".into(),
                evidence: String::new(),
                synthetic: false,
            }],
            "admin",
            1_700_000_000,
        )
        .await
        .unwrap();
    for (name, role) in [
        ("admin", Role::ZoneAdmin),
        ("park", Role::ParkAdmin(park.clone())),
        ("firm", Role::Enterprise(firm.clone())),
        (
            "dept",
            Role::Department(gaoxin_model::DeptId::parse("keji").unwrap()),
        ),
    ] {
        store
            .insert_user(&UserRecord {
                username: name.into(),
                password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into(),
                role,
                disabled: false,
                failed_logins: 1,
                locked_until: 0,
                created_at: 1_700_000_000,
                must_change_password: true,
            })
            .await
            .unwrap();
    }
    store
        .record_login_attempt("127.0.0.1", "admin", "attempt-1", 1_700_000_001, 0)
        .await
        .unwrap();
    // an appeal with two transitions, and a 12345 key (the appeals' tables)
    let id = store
        .file_appeals(&[gaoxin_store::NewAppeal {
            uscc: firm.as_str().into(),
            firm_name: "企业".into(),
            park: park.to_string(),
            category: "融资".into(),
            suggested_category: None,
            title: "贷款".into(),
            description: "希望对接银行".into(),
            contact: "张 1".into(),
            channel: "企业".into(),
            rule_file: Some("gaoqi-award".into()),
            department: Some("jinrong".into()),
            filed_at: 1_700_000_000,
            filed_on: 20231114,
            filed_by: "firm".into(),
            filed_role: "enterprise".into(),
            limit_days: 10,
            state: "受理".into(),
            note: String::new(),
        }])
        .await
        .unwrap()[0];
    assert!(
        store
            .escalate_appeals(&[gaoxin_store::TransitionRow {
                appeal_id: id,
                seq: 0,
                at: 1_700_000_100,
                on_date: 20231130,
                actor: "系统".into(),
                role: "system".into(),
                action: "提级".into(),
                from_state: Some("受理".into()),
                to_state: "受理".into(),
                note: "超期".into(),
                department: Some("jinrong".into()),
                satisfied: None,
                resolved: None,
            }])
            .await
            .unwrap()
            == vec![id]
    );
    // an attachment of the appeal (bytes that are not text survive the round trip)
    assert_eq!(
        store
            .add_appeal_attachment(
                &Scope::Zone,
                &gaoxin_store::NewAttachment {
                    appeal_id: id,
                    name: "证明.pdf".into(),
                    content_type: "application/pdf".into(),
                    bytes: vec![0, 255, 10, 13, 37, 80],
                    added_by: "firm".into(),
                    added_at: 1_700_000_200,
                },
                5,
            )
            .await
            .unwrap(),
        gaoxin_store::Attached::Stored(1)
    );
    store.add_appeal_key("12345热线", 1).await.unwrap().unwrap();
    let rows: Vec<RuleResultRow> = demo
        .enterprises
        .iter()
        .enumerate()
        .map(|(i, e)| RuleResultRow {
            uscc: e.uscc.as_str().into(),
            name: String::new(),
            park: e.park.as_str().into(),
            rule: "gaoqi".into(),
            verdict: ["pass", "fail", "unknown"][i % 3].into(),
            level: (i % 4) as i32,
            amount_fen: (i % 2 == 0).then_some(i as i64 * 100_001),
            // Values whose last bits would not survive a decimal round trip done carelessly.
            distance: (i % 5 != 0).then_some(0.1 * i as f64 / 3.0),
            verified: i % 2 == 0,
            assumption_dependent: i % 7 == 0,
            supply: "研发费用\n知识产权".into(),
            record: String::new(),
            level_basis: "rules".into(),
        })
        .collect();
    store
        .insert_rules_run(
            &RunRecord {
                id: "run-rules".into(),
                kind: RunKind::Rules,
                created_at: 1_700_000_100,
                year: gaoxin_model::Year::new(2024).ok(),
                input_hash: "abc".into(),
                versions: "gaoqi=2024.1".into(),
                summary: "{\"rules\":[]}".into(),
            },
            &rows,
        )
        .await
        .unwrap();
    let points: Vec<PointsRow> = demo
        .enterprises
        .iter()
        .take(50)
        .enumerate()
        .map(|(i, e)| PointsRow {
            uscc: e.uscc.as_str().into(),
            year: Year::new(2024).unwrap(),
            run_id: "run-points".into(),
            stage: "growth".into(),
            total: i as f64 * 1.1 + 1e-9,
            detail: "{\"components\":[]}".into(),
        })
        .collect();
    store
        .replace_points(Year::new(2024).unwrap(), &points)
        .await
        .unwrap();
    assert!(
        store
            .set_park_input(
                &Scope::Zone,
                &ParkInput {
                    park: park.as_str().into(),
                    year: Year::new(2024).unwrap(),
                    indicator: "3.1".into(),
                    value: 0.123_456_789,
                    entered_by: "admin".into(),
                    entered_at: 1_700_000_200,
                },
            )
            .await
            .unwrap()
    );
    let (bank, _key) = store
        .add_bank("测试银行", 1_700_000_300)
        .await
        .unwrap()
        .unwrap();
    store
        .grant_consent(
            &Scope::Enterprise(firm.clone()),
            &firm,
            &bank.id,
            1_900_000_000,
            "firm",
            1_700_000_400,
        )
        .await
        .unwrap()
        .unwrap();
    store
        .bank_scope(&bank, &firm, "/bank/v1/points", 1_700_000_500)
        .await
        .unwrap()
        .unwrap();
    fill_finance(store, &bank, &firm).await;
    fill_tracks_leads(store, &firm).await;
    fill_tech(store, &firm).await;
}

fn nonempty_tables(d: &[TableDigest]) -> Vec<&str> {
    d.iter()
        .filter(|t| t.rows > 0)
        .map(|t| t.table.as_str())
        .collect()
}

async fn backup_file(store: &Store, name: &str) -> PathBuf {
    let path = tmp(name);
    let mut f = std::fs::File::create(&path).unwrap();
    store.backup(&mut f).await.unwrap();
    path
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn round_trip_on_both_backends_and_across_them() {
    let sources = testing::all().await.unwrap();
    for source in &sources {
        fill(source).await;
        let before = source.content_digest().await.unwrap();
        for t in [
            "enterprises",
            "facts",
            "users",
            "runs",
            "rule_firm_results",
            "points",
            "park_inputs",
            "banks",
            "consents",
            "consent_access_log",
            "loan_demands",
            "loan_editions",
            "loan_edition_items",
            "loan_responses",
            "points_loans",
            "scenarios",
            "scenario_applications",
            "funds",
            "fund_investments",
            "meta",
            "login_failures",
            "appeals",
            "appeal_transitions",
            "appeal_api_keys",
            "appeal_attachments",
            "cluster_links",
            "track_elements",
            "leads",
            "lead_history",
            "lead_version",
            "audit_log",
            "talents",
            "talent_programmes",
            "talent_requests",
            "payouts",
            "payout_steps",
            "payout_fund_lines",
            "reform_adoptions",
            "tech_results",
            "tech_demands",
            "tech_experts",
            "tech_cases",
            "tech_case_events",
            "tech_contracts",
            "rd_institutions",
            "rd_institution_years",
            "rd_incubations",
            "carriers",
            "carrier_years",
            "carrier_firms",
        ] {
            assert!(
                nonempty_tables(&before).contains(&t),
                "{t} has rows in the fixture: {before:?}"
            );
        }
        let path = backup_file(source, "full.gxbak").await;
        // into a fresh database of each backend (SQLite → PostgreSQL and back included)
        for target in testing::all().await.unwrap() {
            let s = target.restore(&path).await.unwrap();
            assert_eq!(
                s.rows(),
                before.iter().map(|t| t.rows).sum::<u64>(),
                "{:?} → {:?}",
                source.backend(),
                target.backend()
            );
            assert_eq!(
                target.content_digest().await.unwrap(),
                before,
                "{:?} → {:?}",
                source.backend(),
                target.backend()
            );
            // the restored data read back through the ordinary API
            let firms = target.summary(&Scope::Zone).await.unwrap().firms;
            assert_eq!(firms, source.summary(&Scope::Zone).await.unwrap().firms);
            // a second restore into the now non-empty database is refused, naming the tables
            let err = target.restore(&path).await.unwrap_err().to_string();
            assert!(err.contains("目标数据库不是空的"), "{err}");
            assert!(
                err.contains("enterprises") && err.contains("facts"),
                "{err}"
            );
            assert_eq!(target.content_digest().await.unwrap(), before);
        }
        // the digest sees a change of one value
        source.set_meta("demo", "改过").await.unwrap();
        assert_ne!(source.content_digest().await.unwrap(), before);
    }
}

async fn assert_refused(path: &Path, want: &str) {
    for target in testing::all().await.unwrap() {
        let err = target.restore(path).await.unwrap_err();
        assert!(matches!(err, Error::Backup(_)), "{err:?}");
        assert!(err.to_string().contains(want), "{err}");
        assert!(
            nonempty_tables(&target.content_digest().await.unwrap()).is_empty(),
            "nothing written"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn truncated_or_altered_files_are_refused_and_write_nothing() {
    let source = testing::sqlite().await.unwrap();
    fill(&source).await;
    let path = backup_file(&source, "full.gxbak").await;
    let bytes = std::fs::read(&path).unwrap();
    // cut in the middle, cut just before the end, cut off the last newline
    for cut in [bytes.len() / 2, bytes.len() - 10, bytes.len() - 1] {
        let p = tmp("cut.gxbak");
        std::fs::write(&p, &bytes[..cut]).unwrap();
        assert_refused(&p, "不完整或已损坏").await;
    }
    // one changed digit in a row
    let text = String::from_utf8(bytes.clone()).unwrap();
    let at = text.find("[1700000100").unwrap_or(text.len() / 3);
    let mut altered = bytes.clone();
    let i = (at..altered.len())
        .find(|&i| altered[i].is_ascii_digit())
        .unwrap();
    altered[i] = if altered[i] == b'9' {
        b'8'
    } else {
        altered[i] + 1
    };
    let p = tmp("altered.gxbak");
    std::fs::write(&p, &altered).unwrap();
    assert_refused(&p, "不完整或已损坏").await;
    // not a backup at all
    let p = tmp("other.csv");
    std::fs::write(&p, "统一社会信用代码,年度\n").unwrap();
    assert_refused(&p, "不是 gaoxin 备份文件").await;
    let p = tmp("empty.gxbak");
    std::fs::write(&p, "").unwrap();
    assert_refused(&p, "不是 gaoxin 备份文件").await;
}

/// `N` new firms with three years each, in one import transaction.
async fn import_batch(store: &Store, k: u32) {
    let mut es = Vec::new();
    let mut fs = Vec::new();
    let base = gaoxin_demo::generate(
        &zone(),
        &DemoConfig {
            enterprises: 10,
            first_year: 2022,
            last_year: 2024,
            seed: 100 + k as u64,
        },
    );
    for (j, e) in base.enterprises.iter().enumerate() {
        let code = Uscc::from_body(&format!("91320100MB{:03}{:04}", k, j)).unwrap();
        let mut e = e.clone();
        e.uscc = code.clone();
        e.park = ParkId::parse("jiangbei").unwrap();
        es.push(e);
        for y in 2022..=2024 {
            let mut f = gaoxin_model::Facts::new(code.clone(), Year::new(y).unwrap());
            f.set(
                gaoxin_model::F::Employees,
                Some(10 + j as i64),
                gaoxin_model::Provenance::Declared,
            );
            fs.push(f);
        }
    }
    let mut tx = store.begin_import().await.unwrap();
    tx.write_enterprises(&es).await.unwrap();
    tx.write_facts(&fs).await.unwrap();
    tx.commit().await.unwrap();
}

const BATCHES: u32 = 30;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_taken_during_imports_is_consistent() {
    for source in testing::all().await.unwrap() {
        fill(&source).await;
        let base = source.content_digest().await.unwrap();
        let count = |d: &[TableDigest], t: &str| d.iter().find(|x| x.table == t).unwrap().rows;
        let (e0, f0) = (count(&base, "enterprises"), count(&base, "facts"));
        let writer = {
            let s = source.clone();
            tokio::spawn(async move {
                for k in 0..BATCHES {
                    import_batch(&s, k).await;
                }
            })
        };
        let mut files = Vec::new();
        while !writer.is_finished() {
            files.push(backup_file(&source, "during.gxbak").await);
        }
        writer.await.unwrap();
        files.push(backup_file(&source, "after.gxbak").await);
        let mut mid = 0;
        for p in &files {
            let target = testing::sqlite().await.unwrap();
            target.restore(p).await.unwrap();
            let d = target.content_digest().await.unwrap();
            let (e, f) = (count(&d, "enterprises"), count(&d, "facts"));
            // whole imports only: k batches of 10 firms, each firm with its 3 years
            assert_eq!((e - e0) % 10, 0, "{p:?}");
            assert_eq!(f - f0, 3 * (e - e0), "{p:?}");
            if e > e0 && e < e0 + 10 * BATCHES as u64 {
                mid += 1;
            }
        }
        assert_eq!(
            restore_digest(files.last().unwrap()).await,
            source.content_digest().await.unwrap()
        );
        eprintln!(
            "{:?}: {} backups during {BATCHES} imports, {mid} of them between imports",
            source.backend(),
            files.len()
        );
    }
}

async fn restore_digest(p: &Path) -> Vec<TableDigest> {
    let target = testing::sqlite().await.unwrap();
    target.restore(p).await.unwrap();
    target.content_digest().await.unwrap()
}

/// `backup_native`: SQLite `VACUUM INTO` (a SQLite file, restorable into either backend) and
/// PostgreSQL `pg_dump` (restorable into PostgreSQL); `restore_file` tells the formats apart.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn native_backups_round_trip() {
    for source in testing::all().await.unwrap() {
        fill(&source).await;
        let want = source.content_digest().await.unwrap();
        let path = tmp("native.bak");
        source.backup_native(&path).await.unwrap();
        let head = std::fs::read(&path).unwrap();
        let sqlite_file = head.starts_with(b"SQLite format 3\0");
        assert_eq!(
            sqlite_file,
            source.backend() == gaoxin_store::Backend::Sqlite
        );
        for target in testing::all().await.unwrap() {
            let res = target.restore_file(&path).await;
            if !sqlite_file && target.backend() == gaoxin_store::Backend::Sqlite {
                let err = res.unwrap_err().to_string();
                assert!(err.contains("只能恢复到 PostgreSQL"), "{err}");
                continue;
            }
            let s = res.unwrap();
            assert_eq!(s.rows(), want.iter().map(|t| t.rows).sum::<u64>());
            assert_eq!(target.content_digest().await.unwrap(), want);
            let err = target.restore_file(&path).await.unwrap_err().to_string();
            assert!(err.contains("目标数据库不是空的"), "{err}");
            assert_eq!(target.content_digest().await.unwrap(), want);
        }
        // the backup file itself is unchanged by restoring from it
        assert_eq!(std::fs::read(&path).unwrap(), head);
        // a truncated native file writes nothing
        let cut = tmp("native-cut.bak");
        std::fs::write(&cut, &head[..head.len() * 2 / 3]).unwrap();
        for target in testing::all().await.unwrap() {
            assert!(target.restore_file(&cut).await.is_err());
            assert!(
                nonempty_tables(&target.content_digest().await.unwrap()).is_empty(),
                "nothing written"
            );
        }
        // the gaoxin format goes through restore_file too
        let g = backup_file(&source, "g.gxbak").await;
        let target = testing::sqlite().await.unwrap();
        target.restore_file(&g).await.unwrap();
        assert_eq!(target.content_digest().await.unwrap(), want);
    }
}

/// A backup of another schema version is refused (after its checksum is found intact).
#[tokio::test]
async fn another_schema_version_is_refused() {
    use sha2::{Digest, Sha256};
    let source = testing::sqlite().await.unwrap();
    source.set_meta("k", "v").await.unwrap();
    let path = backup_file(&source, "s.gxbak").await;
    let text = std::fs::read_to_string(&path).unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    lines.pop();
    // the current schema version N becomes 1N (a version this program does not have)
    let current: String = lines[0]
        .split("\"schema\":")
        .nth(1)
        .unwrap()
        .chars()
        .take_while(|c| c.is_ascii_digit())
        .collect();
    let header = lines[0].replace("\"schema\":", "\"schema\":1");
    lines[0] = &header;
    let body: String = lines.iter().map(|l| format!("{l}\n")).collect();
    let sha: String = Sha256::digest(body.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let p = tmp("schema.gxbak");
    std::fs::write(
        &p,
        format!("{body}{{\"end\":{{\"rows\":1,\"sha256\":\"{sha}\",\"tables\":13}}}}\n"),
    )
    .unwrap();
    assert_refused(&p, &format!("数据库结构版本为 1{current}")).await;
}
