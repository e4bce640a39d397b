//! Every workbook a command writes with `--out` carries the 「说明」 sheet (数据截至, the scope the
//! command read, the export's time), as the web's exports do. The commands are found by walking
//! `gaoxin --help` and each command's (and subcommand's) help for an `--out` option, so a new
//! command with `--out` fails here until it is listed in [`RUNS`] (and carries the sheet) or in
//! [`NOT_DATA`] with its reason.
use calamine::Reader;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Commands whose `--out` is not a data workbook.
const NOT_DATA: &[(&str, &str)] = &[
    ("template", "a blank form with its own 填写说明"),
    ("payouts template", "a blank form with its own 填写说明"),
    ("rdi template", "a blank form with its own 填写说明"),
    ("backup", "a backup file, not a workbook"),
    ("carriers template", "a blank form with its own 填写说明"),
    (
        "ecosystem",
        "a graph for Gephi (GEXF or CSV), not a workbook",
    ),
];

/// How each command is run (its other arguments; `--out` is added).
const RUNS: &[(&str, &[&str])] = &[
    ("rank", &["rank", "--year", "2024", "--mc", "10"]),
    ("points", &["points", "--year", "2024"]),
    ("targets", &["targets", "--year", "2024"]),
    ("export", &["export", "--format", "xlsx"]),
    ("evaluate", &["evaluate", "--year", "2024"]),
    ("policies", &["policies", "--year", "2024"]),
    (
        "reform",
        &[
            "reform",
            "data/reforms/unicorn_cap_300.toml",
            "--year",
            "2024",
        ],
    ),
    ("appeals list", &["appeals", "list"]),
    ("loans list", &["loans", "list"]),
    ("scenarios list", &["scenarios", "list"]),
    ("funds list", &["funds", "list"]),
    ("clusters", &["clusters", "--year", "2024"]),
    ("links export", &["links", "export", "--format", "xlsx"]),
    ("tracks", &["tracks"]),
    ("leads list", &["leads", "list"]),
    ("leads pipeline", &["leads", "pipeline"]),
    ("talents list", &["talents", "list"]),
    ("talents monitor", &["talents", "monitor"]),
    ("payouts list", &["payouts", "list"]),
    ("payouts measures", &["payouts", "measures"]),
    ("rdi list", &["rdi", "list"]),
    (
        "rdi evaluate",
        &["rdi", "evaluate", "--year", "2024", "--mc", "10"],
    ),
    ("payouts funds", &["payouts", "funds", "history"]),
    ("carriers list", &["carriers", "list"]),
    (
        "carriers evaluate",
        &["carriers", "evaluate", "--year", "2024", "--mc", "10"],
    ),
    (
        "reform compare",
        &[
            "reform",
            "compare",
            "data/reforms/unicorn_cap_300.toml",
            "data/reforms/incentive_share_60.toml",
            "--year",
            "2024",
        ],
    ),
];

fn root() -> &'static str {
    concat!(env!("CARGO_MANIFEST_DIR"), "/../..")
}

fn run(db: Option<&str>, args: &[&str]) -> String {
    let mut c = Command::new(env!("CARGO_BIN_EXE_gaoxin"));
    c.current_dir(root());
    if let Some(db) = db {
        c.arg("--database").arg(db);
    }
    let out = c.args(args).output().expect("gaoxin runs");
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        out.status.success(),
        "gaoxin {args:?}: {text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    text
}

/// The names in a help text's 「Commands:」 section.
fn commands(help: &str) -> Vec<String> {
    help.lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| !l.trim().is_empty())
        .filter_map(|l| l.split_whitespace().next().map(str::to_string))
        .filter(|c| c != "help")
        .collect()
}

/// Every command and subcommand whose help offers `--out`.
fn commands_with_out() -> Vec<String> {
    let mut found = Vec::new();
    for c in commands(&run(None, &["--help"])) {
        let h = run(None, &[&c, "--help"]);
        let subs = commands(&h);
        if subs.is_empty() && h.contains("--out") {
            found.push(c.clone());
        }
        for s in subs {
            if run(None, &[&c, &s, "--help"]).contains("--out") {
                found.push(format!("{c} {s}"));
            }
        }
    }
    found
}

/// The 「说明」 sheet's labels, or why there is none.
fn note_labels(file: &Path) -> Result<Vec<String>, String> {
    let bytes = std::fs::read(file).map_err(|e| format!("{}: {e}", file.display()))?;
    let mut x = calamine::Xlsx::new(std::io::Cursor::new(bytes)).map_err(|e| e.to_string())?;
    let names = x.sheet_names().to_vec();
    if names.last().map(String::as_str) != Some("说明") {
        return Err(format!("no 说明 sheet at the end: {names:?}"));
    }
    let r = x.worksheet_range("说明").map_err(|e| e.to_string())?;
    Ok(r.rows()
        .filter_map(|row| row.first().map(|c| c.to_string()))
        .collect())
}

#[test]
fn every_out_workbook_has_its_note_sheet() {
    let listed = commands_with_out();
    for c in &listed {
        assert!(
            RUNS.iter().any(|r| r.0 == c) || NOT_DATA.iter().any(|r| r.0 == c),
            "`gaoxin {c}` has --out but is not walked here: add it to RUNS (or NOT_DATA)"
        );
    }
    assert!(listed.len() >= RUNS.len(), "{listed:?}");

    let dir: PathBuf = std::env::temp_dir().join(format!("gaoxin-notes-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let db = format!("sqlite://{}", dir.join("t.db").display());
    let db = Some(db.as_str());
    run(
        db,
        &[
            "demo",
            "--enterprises",
            "300",
            "--years",
            "2021-2024",
            "--seed",
            "7",
        ],
    );
    let mut failures = Vec::new();
    for (name, args) in RUNS {
        let out = dir.join(format!("{}.xlsx", name.replace(' ', "-")));
        let mut a: Vec<&str> = args.to_vec();
        let o = out.display().to_string();
        a.extend(["--out", &o]);
        run(db, &a);
        // `evaluate --out` names a directory of workbooks
        let files: Vec<PathBuf> = if out.is_dir() {
            std::fs::read_dir(&out)
                .unwrap()
                .map(|e| e.unwrap().path())
                .filter(|p| p.extension().is_some_and(|e| e == "xlsx"))
                .collect()
        } else {
            vec![out.clone()]
        };
        assert!(!files.is_empty(), "gaoxin {name}: nothing written");
        for f in files {
            match note_labels(&f) {
                Ok(l) if l == ["数据截至", "数据范围", "导出时间"] => {}
                Ok(l) => failures.push(format!("gaoxin {name}: {}: {l:?}", f.display())),
                Err(e) => failures.push(format!("gaoxin {name}: {e}")),
            }
        }
    }
    // the panel's workbook with its 说明 sheet still re-imports unchanged
    let panel = dir.join("export.xlsx").display().to_string();
    let t = run(db, &["import", &panel]);
    assert!(t.contains("新增0行、更新0行"), "{t}");
    let _ = std::fs::remove_dir_all(&dir);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
