//! Issue 13, the audit trail from the command line, on SQLite and (when configured) PostgreSQL:
//! each write a command makes (a table of (action, command)) leaves one entry by `cli:<os user>`
//! with the record's park, and `gaoxin audit` lists them with its filters, as a table or JSON.
use gaoxin_store::testing;
use std::process::Output;

fn gaoxin(url: &str, args: &[&str]) -> Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_gaoxin"))
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
        .env("USER", "auditor")
        .arg("--database")
        .arg(url)
        .args(args)
        .output()
        .expect("gaoxin runs")
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// The entries `gaoxin audit --format json` prints for `filters`.
fn listed(url: &str, filters: &[&str]) -> Vec<serde_json::Value> {
    let mut args = vec!["audit", "--format", "json"];
    args.extend_from_slice(filters);
    let o = gaoxin(url, &args);
    assert!(o.status.success(), "{}", text(&o));
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object a line"))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_command_that_writes_leaves_an_audit_entry() {
    let dir = std::env::temp_dir().join(format!("gaoxin-audit-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for store in testing::all().await.unwrap() {
        let url = store.url().to_string();
        let o = gaoxin(
            &url,
            &["demo", "--enterprises", "60", "--years", "2023-2024"],
        );
        assert!(o.status.success(), "{}", text(&o));
        let mut firm = None;
        store
            .for_each_row(&gaoxin_store::Scope::Zone, None, None, |e, _| {
                if firm.is_none() && e.park.as_str() != "xingang" {
                    firm = Some(e.clone());
                }
                Ok(())
            })
            .await
            .unwrap();
        let firm = firm.unwrap();
        let backup = dir.join("a.gxbak").display().to_string();
        let links = dir.join("links.csv");
        std::fs::write(
            &links,
            format!(
                "年度,主体一（统一社会信用代码或高校院所名称）,主体二（统一社会信用代码或高校院所名称）,关联类型,来源,依据\n2024,{},南京大学,技术合同,技术合同登记,合同 2024-001\n",
                firm.uscc.as_str()
            ),
        )
        .unwrap();
        let links = links.display().to_string();
        // (action, park of the entry, subject, the command)
        let pw = "a-long-enough-passphrase-2026";
        let cases: Vec<(&str, Option<&str>, String, Vec<String>)> = vec![
            (
                "user.create",
                Some("jiangbei"),
                "pj".into(),
                args(&[
                    "user",
                    "add",
                    "pj",
                    "--role",
                    "park_admin",
                    "--park",
                    "jiangbei",
                    "--password",
                    pw,
                ]),
            ),
            (
                "user.reset_password",
                None,
                "pj".into(),
                args(&[
                    "user",
                    "reset-password",
                    "pj",
                    "--password",
                    "another-long-passphrase-7",
                ]),
            ),
            (
                "user.disable",
                None,
                "pj".into(),
                args(&["user", "disable", "pj"]),
            ),
            ("bank.disable", None, "某银行".into(), vec![]),
            (
                "park_input.set",
                Some("jiangbei"),
                "1.5".into(),
                args(&["park-input", "jiangbei", "2024", "1.5", "3.5"]),
            ),
            (
                "park_input.clear",
                Some("jiangbei"),
                "1.5".into(),
                args(&["park-input", "jiangbei", "2024", "1.5", "--clear"]),
            ),
            (
                "rules.run",
                None,
                "2024".into(),
                args(&["evaluate", "--year", "2024"]),
            ),
            (
                "points.run",
                None,
                "2024".into(),
                args(&["points", "--year", "2024"]),
            ),
            (
                "firm.move_park",
                Some("xingang"),
                firm.uscc.as_str().into(),
                args(&[
                    "move-park",
                    firm.uscc.as_str(),
                    "--to",
                    "xingang",
                    "--reason",
                    "迁址",
                ]),
            ),
            (
                "links.import",
                None,
                "links".into(),
                args(&["links", "import", &links]),
            ),
            (
                "backup.create",
                None,
                "database".into(),
                args(&["backup", "--out", &backup]),
            ),
        ];
        let o = gaoxin(&url, &["bank", "add", "某银行"]);
        assert!(o.status.success(), "{}", text(&o));
        let bank = &listed(&url, &["--action", "bank.add"])[0];
        assert_eq!(bank["detail"]["name"], "某银行");
        for (action, park, subject, cmd) in &cases {
            let cmd = if cmd.is_empty() {
                args(&["bank", "disable", "某银行"])
            } else {
                cmd.clone()
            };
            let a: Vec<&str> = cmd.iter().map(String::as_str).collect();
            let o = gaoxin(&url, &a);
            assert!(o.status.success(), "{action}: {}", text(&o));
            let es = listed(&url, &["--action", action]);
            assert_eq!(es.len(), 1, "{action}: {es:?}");
            let e = &es[0];
            assert_eq!(e["actor"], "cli:auditor", "{action}");
            assert_eq!(e["role"], "cli");
            assert_eq!(e["park"].as_str(), *park, "{action}: {e}");
            assert_eq!(e["subject"].as_str(), Some(subject.as_str()), "{action}");
        }
        // the filters: a family of actions, a park, a subject, a day range, the table form
        assert_eq!(listed(&url, &["--action", "user"]).len(), 3);
        assert!(
            listed(&url, &["--park", "江北新区"])
                .iter()
                .all(|e| e["park"] == "jiangbei")
        );
        assert_eq!(listed(&url, &["--subject", "pj"]).len(), 3);
        assert!(listed(&url, &["--since", "2099-01-01"]).is_empty());
        assert!(!listed(&url, &["--until", "2099-01-01"]).is_empty());
        let o = gaoxin(&url, &["audit", "--action", "user.create"]);
        assert!(
            text(&o).contains("创建账号") && text(&o).contains("命令行"),
            "{}",
            text(&o)
        );
        let o = gaoxin(&url, &["audit", "--since", "12/01"]);
        assert_eq!(o.status.code(), Some(2));
        assert!(text(&o).contains("起始日期"), "{}", text(&o));
        // a restore into an empty database records itself there
        let target = testing::sqlite().await.unwrap();
        let o = gaoxin(target.url(), &["restore", &backup]);
        assert!(o.status.success(), "{}", text(&o));
        assert_eq!(
            listed(target.url(), &["--action", "backup.restore"]).len(),
            1
        );
    }
}

fn args(a: &[&str]) -> Vec<String> {
    a.iter().map(|s| s.to_string()).collect()
}
