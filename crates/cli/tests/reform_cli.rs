//! `gaoxin reform FILE --year Y [--out F.xlsx]` on a small demo zone (SQLite), as a user runs it
//! (issue 20): the summary in Chinese with the change, totals before and after and the lists as
//! .xlsx; a bad reform is refused with file, line and reason and nothing computed; the stored
//! official run is untouched.
use std::path::PathBuf;
use std::process::{Command, Output};

fn run(db: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_gaoxin"))
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
        .arg("--database")
        .arg(db)
        .args(args)
        .output()
        .expect("gaoxin runs")
}

fn ok(db: &str, args: &[&str]) -> String {
    let out = run(db, args);
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        out.status.success(),
        "gaoxin {args:?}: {text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    text
}

#[test]
fn reform_prints_the_summary_writes_the_lists_and_refuses_bad_files() {
    let dir: PathBuf =
        std::env::temp_dir().join(format!("gaoxin-cli-reform-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let db = format!("sqlite://{}", dir.join("t.db").display());
    ok(
        &db,
        &[
            "demo",
            "--enterprises",
            "600",
            "--years",
            "2020-2024",
            "--seed",
            "7",
        ],
    );
    let before = ok(&db, &["policies", "--year", "2024"]);

    // the worked example: the change in words, the policy line and the totals
    let xlsx = dir.join("改革测算.xlsx");
    let out = ok(
        &db,
        &[
            "reform",
            "data/reforms/unicorn_cap_300.toml",
            "--year",
            "2024",
            "--out",
            xlsx.to_str().unwrap(),
        ],
    );
    assert!(
        out.contains("改革方案：首次入选独角兽企业奖励上限提高至300万元"),
        "{out}"
    );
    assert!(
        out.contains("首次入选独角兽企业奖励 · 奖励上限：200万元 → 300万元"),
        "{out}"
    );
    assert!(
        out.lines()
            .any(|l| l.starts_with("首次入选独角兽企业奖励\t")),
        "{out}"
    );
    assert!(out.contains("兑现总额：现行 "), "{out}");
    assert!(
        out.contains("方案测算（应用、编译、全区一批评估、比较）"),
        "{out}"
    );
    let bytes = std::fs::read(&xlsx).unwrap();
    assert!(bytes.starts_with(b"PK"));

    // a threshold lowered: new gazelles, named by park
    let lower = dir.join("lower.toml");
    std::fs::write(
        &lower,
        "name = \"瞪羚增长门槛降至10%\"\nauthor = \"测试\"\n[[params]]\nrule = \"nanjing_gazelle_2024\"\nname = \"cagr_manufacturing\"\nvalue = 0.1\n[[params]]\nrule = \"nanjing_gazelle_2024\"\nname = \"cagr_services\"\nvalue = 0.25\n",
    )
    .unwrap();
    let out = ok(&db, &["reform", lower.to_str().unwrap(), "--year", "2024"]);
    let line = out
        .lines()
        .find(|l| l.starts_with("南京市瞪羚企业\t"))
        .unwrap_or_else(|| panic!("{out}"));
    let cells: Vec<&str> = line.split('\t').collect();
    assert!(
        cells[3].parse::<usize>().unwrap() > 0,
        "newly qualifying: {line}"
    );
    assert!(out.contains("南京市瞪羚企业 · "), "by park: {out}");

    // refused: file, line and reason; exit code 1; nothing computed
    let bad = dir.join("bad.toml");
    std::fs::write(
        &bad,
        "name = \"x\"\nauthor = \"y\"\n\n[[params]]\nrule = \"nanjing_first_unicorn_award_2025\"\nname = \"cap\"\nvalue = -300\n",
    )
    .unwrap();
    let out = run(&db, &["reform", bad.to_str().unwrap(), "--year", "2024"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains(&format!(
            "错误 {}:5: 参数「cap」（奖励上限）的取值 -300 超出范围：金额不能为负",
            bad.display()
        )),
        "{text}"
    );
    assert!(!text.contains("兑现总额"));

    // the official run is untouched
    assert_eq!(ok(&db, &["policies", "--year", "2024"]), before);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn reform_compare_lays_reforms_side_by_side_and_adopt_dry_run_writes_nothing() {
    let dir: PathBuf =
        std::env::temp_dir().join(format!("gaoxin-cli-reform-cmp-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let db = format!("sqlite://{}", dir.join("t.db").display());
    ok(
        &db,
        &[
            "demo",
            "--enterprises",
            "400",
            "--years",
            "2021-2024",
            "--seed",
            "9",
        ],
    );
    let xlsx = dir.join("方案对比.xlsx");
    let out = ok(
        &db,
        &[
            "reform",
            "compare",
            "unicorn_cap_300",
            "data/reforms/incentive_share_60.toml",
            "--year",
            "2024",
            "--actual",
            "--out",
            xlsx.to_str().unwrap(),
        ],
    );
    for want in [
        "方案对比：2024 年",
        "现行规则",
        "首次入选独角兽企业奖励上限提高至300万元",
        "经济贡献增量激励比例提高至60%",
        "按园区：兑现预算",
        "2023 年没有已保存的正式评价",
    ] {
        assert!(out.contains(want), "{want}: {out}");
    }
    assert!(std::fs::read(&xlsx).unwrap().starts_with(b"PK"));
    // one reform is not a comparison; an unknown name is refused
    assert!(
        !run(
            &db,
            &["reform", "compare", "unicorn_cap_300", "--year", "2024"]
        )
        .status
        .success()
    );
    assert!(
        !run(
            &db,
            &[
                "reform",
                "compare",
                "no_such",
                "unicorn_cap_300",
                "--year",
                "2024"
            ]
        )
        .status
        .success()
    );
    // adopt --dry-run: the diff, nothing written to the repository's rule files
    let file = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../data/rules/nanjing_first_unicorn_award_2025.toml"
    );
    let before = std::fs::read_to_string(file).unwrap();
    let out = ok(
        &db,
        &[
            "reform",
            "adopt",
            "unicorn_cap_300",
            "--effective",
            "2026-01-01",
            "--dry-run",
        ],
    );
    assert!(out.contains("200万元 → 300万元（自2026-01-01起）"), "{out}");
    assert!(out.contains("试运行"), "{out}");
    assert_eq!(std::fs::read_to_string(file).unwrap(), before);
    let _ = std::fs::remove_dir_all(&dir);
}

/// `gaoxin payouts approve-second ID [--as USER]`: the approver named by `--as` must be an
/// existing zone administrator, and a missing award is said so — nothing paid, a failing exit.
#[test]
fn payouts_approve_second_checks_the_approver_and_the_award() {
    let dir: PathBuf =
        std::env::temp_dir().join(format!("gaoxin-cli-approve-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let db = format!("sqlite://{}", dir.join("t.db").display());
    let fails = |args: &[&str], says: &str| {
        let out = run(&db, args);
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(!out.status.success(), "{args:?}: {text}");
        assert!(text.contains(says), "{args:?}: {text}");
    };
    fails(
        &["payouts", "approve-second", "1", "--as", "nobody"],
        "没有名为「nobody」的账号",
    );
    fails(&["payouts", "approve-second", "999"], "未找到该兑现记录");
    let _ = std::fs::remove_dir_all(&dir);
}
