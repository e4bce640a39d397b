use super::*;
use crate::file::parse_file;
use crate::plan::compile_for_run;
use std::path::Path;

/// A rule `t` of `version` in force `from` … `to`, whose flag `k` (the eligibility) is `k`.
fn version(path: &str, version: &str, from: &str, to: Option<&str>, k: u8) -> RuleFile {
    let to = to
        .map(|d| format!("effective_to = \"{d}\"\n"))
        .unwrap_or_default();
    let text = format!(
        r#"id = "t"
name = "测试"
version = "{version}"
document = "无"
issuer = "无"
effective_from = "{from}"
{to}source = "test"
status = "CONFIRMED"
kind = "qualification"

[[params]]
name = "k"
zh = "开关"
unit = "flag"
values = [{{ from = "2000-01-01", value = {k} }}]

[outcome]
label = "测试"
eligible = "k == 1"
"#
    );
    parse_file(Path::new(path), &text).unwrap()
}

fn d(s: &str) -> Date {
    Date::parse(s).unwrap()
}

#[test]
fn the_version_in_force_on_the_as_of_date_is_evaluated() {
    let files = vec![
        version("t.toml", "1", "2020-01-01", Some("2026-12-31"), 0),
        version("t@2027-01-01.toml", "1+2027-01-01", "2027-01-01", None, 1),
    ];
    assert!(conflicts(&files).is_empty());
    let at = |s: &str| select(&files, d(s)).into_owned();
    assert_eq!(at("2026-12-31")[0].version, "1");
    assert_eq!(at("2027-01-01")[0].version, "1+2027-01-01");
    // before every version: the earliest (as a single file before its own effective_from)
    assert_eq!(at("2019-06-30")[0].version, "1");
    assert_eq!(at("2026-06-30").len(), 1);
    assert_eq!(
        in_force(&files, "t", d("2028-06-30")).unwrap().version,
        "1+2027-01-01"
    );
    // the compiled plan takes the selected version: `k` is 0 before, 1 after
    let (before, skipped) = compile_for_run(&files, d("2026-06-30"));
    assert!(skipped.is_empty(), "{skipped:?}");
    assert_eq!(before.rules.len(), 1);
    assert_eq!(before.rules[0].version, "1");
    let (after, skipped) = compile_for_run(&files, d("2027-06-30"));
    assert!(skipped.is_empty(), "{skipped:?}");
    assert_eq!(after.rules[0].version, "1+2027-01-01");
    // a version that has ended with no successor is left out, as any expired file
    let ended = vec![version("t.toml", "1", "2020-01-01", Some("2026-12-31"), 0)];
    let (p, skipped) = compile_for_run(&ended, d("2027-06-30"));
    assert!(p.rules.is_empty() && skipped.len() == 1);
    // `with_version` forces one version (its own cases are checked with it)
    let only = with_version(&files, &files[1]);
    assert_eq!(only.len(), 1);
    assert_eq!(only[0].version, "1+2027-01-01");
}

#[test]
fn overlapping_or_equal_versions_are_refused_with_file_line_and_reason() {
    // the first version never ends: the second overlaps it
    let files = vec![
        version("t.toml", "1", "2020-01-01", None, 0),
        version("t@2027-01-01.toml", "2", "2027-01-01", None, 1),
    ];
    let es = conflicts(&files);
    assert_eq!(es.len(), 1, "{es:?}");
    assert_eq!(es[0].file, Path::new("t@2027-01-01.toml"));
    assert_eq!(es[0].line, 6, "the effective_from line");
    assert!(es[0].msg.contains("有效期重叠"), "{}", es[0].msg);
    // the same version twice
    let files = vec![
        version("t.toml", "1", "2020-01-01", Some("2026-12-31"), 0),
        version("t2.toml", "1", "2027-01-01", None, 1),
    ];
    let es = conflicts(&files);
    assert_eq!(es.len(), 1, "{es:?}");
    assert_eq!(es[0].line, 3, "the version line");
    assert!(es[0].msg.contains("版本「1」"), "{}", es[0].msg);
}

#[test]
fn a_directory_holds_several_versions_and_check_runs_each_ones_cases() {
    let dir = std::env::temp_dir().join(format!("gaoxin-versions-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let case = |k: u8, verdict: &str| {
        format!(
            "\n[[tests]]\nid = \"c{k}\"\nyear = 2024\nexpect = {{ eligible = \"{verdict}\" }}\n"
        )
    };
    let old = version("t.toml", "1", "2020-01-01", Some("2026-12-31"), 0);
    let new = version("t@2027-01-01.toml", "2", "2027-01-01", None, 1);
    std::fs::write(
        dir.join("t.toml"),
        format!("{}{}", old.text, case(0, "fail")),
    )
    .unwrap();
    std::fs::write(
        dir.join("t@2027-01-01.toml"),
        format!("{}{}", new.text, case(1, "pass")),
    )
    .unwrap();
    let files = crate::load_dir(&dir).expect("two versions of one id load");
    assert_eq!(files.len(), 2);
    let rep = crate::check(&files);
    assert!(rep.ok(), "{}", rep.render_zh());
    assert_eq!(rep.passed(), 2);
    // overlapping periods: the loader refuses the directory
    std::fs::write(
        dir.join("t.toml"),
        old.text.replace("effective_to = \"2026-12-31\"\n", ""),
    )
    .unwrap();
    let es = crate::load_dir(&dir).expect_err("overlapping versions");
    assert!(es.iter().any(|e| e.msg.contains("有效期重叠")), "{es:?}");
    let _ = std::fs::remove_dir_all(&dir);
}
