//! `gaoxin evaluate | ladder | explain` on a small demo zone (SQLite), as a user runs them
//! (issue 11 items C, 5, 7, 8): the ladder counts recognised status (高企 by certificate) and says
//! where it falls back to the rules; 取决于假设 is its own column; firms whose verdict is unknown
//! are never in a distance list; one Chinese label per verdict.
use std::path::PathBuf;
use std::process::Command;

fn gaoxin(db: &str, args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_gaoxin"))
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
        .arg("--database")
        .arg(db)
        .args(args)
        .output()
        .expect("gaoxin runs");
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        out.status.success(),
        "gaoxin {args:?}: {text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    text
}

#[test]
fn ladder_evaluate_and_explain_show_recognised_status_and_states_apart() {
    let dir: PathBuf =
        std::env::temp_dir().join(format!("gaoxin-cli-ladder-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let db = format!("sqlite://{}", dir.join("t.db").display());
    gaoxin(
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

    // 5 and 8: the summary has a column per state, one wording each
    let ev = gaoxin(&db, &["evaluate", "--year", "2024"]);
    assert!(
        ev.contains(
            "规则\t标签\t符合\t不符合\t取决于专家评分假设\t无法判定（缺少数据）\t已认定（记录）"
        ),
        "{ev}"
    );
    let ht = ev
        .lines()
        .find(|l| l.starts_with("高新技术企业认定"))
        .expect("高企 line");
    let cells: Vec<&str> = ht.split('\t').collect();
    let n = |i: usize| cells[i].parse::<usize>().unwrap();
    assert!(
        n(4) > 0,
        "assumption-dependent 高企 verdicts counted apart: {ht}"
    );
    assert!(n(6) > 0, "高企 recognised by certificate: {ht}");
    assert!(!ev.contains("待定（缺数据）"));

    // C and 7
    let out = gaoxin(&db, &["ladder", "--year", "2024", "--top", "10"]);
    let dist = out.lines().find(|l| l.starts_with("梯级分布")).unwrap();
    let ht_count: usize = dist
        .split("高新技术企业 ")
        .nth(1)
        .and_then(|t| t.split('（').next())
        .and_then(|t| t.parse().ok())
        .unwrap();
    assert!(ht_count > 0, "{dist}");
    assert!(
        dist.contains("已认定") && dist.contains("无记录按条件测算"),
        "{dist}"
    );
    let mut in_list = false;
    let mut listed = 0;
    for l in out.lines() {
        if l.starts_with("序号\t") {
            in_list = true;
            continue;
        }
        if in_list
            && l.split('\t')
                .next()
                .is_some_and(|c| c.parse::<usize>().is_ok())
        {
            let c: Vec<&str> = l.split('\t').collect();
            assert!(c[5].parse::<f64>().is_ok(), "a real distance: {l}");
            assert_ne!(c[6], "无法判定（缺少数据）", "{l}");
            listed += 1;
        } else {
            in_list = false;
        }
    }
    assert!(listed > 0, "{out}");
    assert!(out.contains("缺数据，无法测算"), "{out}");
    assert!(!out.contains("待定（缺数据）"));

    // explain: the firm's rung says where it comes from
    let code = out
        .lines()
        .find(|l| l.contains("高新技术企业（已认定）"))
        .and_then(|l| l.split('\t').nth(1))
        .expect("a firm on 高企 by record")
        .to_string();
    let ex = gaoxin(&db, &["explain", &code, "--year", "2024"]);
    assert!(
        ex.contains("（已认定）") && ex.contains("高企证书发证日期（2024年）"),
        "{ex}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// `--year` is parsed as a year at the edge: out of 1949–2100 or not digits is a Chinese error
/// before any database is opened (it was a number the commands used as it was).
#[test]
fn year_flags_are_parsed_as_years() {
    for args in [
        &["evaluate", "--year", "1800"][..],
        &["ladder", "--year", "20x4"],
        &["policies", "--year=-1"],
        &["points", "--year", "2101"],
        &["export", "--year", "abc"],
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_gaoxin"))
            .arg("--database")
            .arg("sqlite:///nonexistent-dir/never.db")
            .args(args)
            .output()
            .expect("gaoxin runs");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{args:?}");
        assert!(
            err.contains("不是年份") || err.contains("超出年份范围"),
            "{args:?}: {err}"
        );
    }
}

/// `gaoxin ladder | head -1`: the reader stops early; the command ends quietly (killed by
/// SIGPIPE, as Unix tools are) instead of panicking on the broken pipe.
#[cfg(unix)]
#[test]
fn output_into_a_closed_pipe_is_not_a_panic() {
    use std::io::{BufRead, BufReader};
    use std::process::Stdio;
    let dir: PathBuf = std::env::temp_dir().join(format!("gaoxin-cli-pipe-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let db = format!("sqlite://{}", dir.join("t.db").display());
    gaoxin(&db, &["demo", "--enterprises", "400", "--seed", "3"]);
    gaoxin(&db, &["evaluate", "--year", "2024"]);
    let mut child = Command::new(env!("CARGO_BIN_EXE_gaoxin"))
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
        .args(["--database", &db, "ladder", "--year", "2024"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("gaoxin runs");
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    assert!(!first.is_empty());
    // the reader is gone: the rest of the lists (more than a pipe's buffer) meets a closed pipe
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("panicked"), "{err}");
    std::fs::remove_dir_all(&dir).ok();
}
