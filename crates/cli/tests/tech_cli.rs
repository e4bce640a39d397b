//! Issue 14 through the `gaoxin` command (SQLite; the store and use cases are tested on both
//! backends in crates/app/tests/tech.rs): `template --kind`, `import --kind` all-or-nothing with
//! row/column messages and the panel import still the default, `match` with `--format json` and
//! `--queries FILE` (one JSON line per query, a bad line named by number, a stop-word query empty
//! with a message).
use std::path::{Path, PathBuf};
use std::process::Output;

fn gaoxin(url: &str, args: &[&str]) -> Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_gaoxin"))
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
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

fn write(dir: &Path, name: &str, body: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, body).unwrap();
    p.display().to_string()
}

fn tmpdir() -> PathBuf {
    let d = std::env::temp_dir().join(format!(
        "gx_tech_cli_{}_{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    ));
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn import_template_and_match_from_the_command_line() {
    let dir = tmpdir();
    let url = format!("sqlite://{}", dir.join("g.db").display());
    // templates: --kind results is the results template; without --kind the panel's
    let t = dir.join("r.xlsx");
    let o = gaoxin(
        &url,
        &[
            "template",
            "--kind",
            "results",
            "--out",
            t.to_str().unwrap(),
        ],
    );
    assert!(o.status.success(), "{}", text(&o));
    assert!(std::fs::read(&t).unwrap().starts_with(b"PK"));
    let o = gaoxin(&url, &["template", "--kind", "patents"]);
    assert!(!o.status.success());
    assert!(text(&o).contains("--kind 应为"), "{}", text(&o));
    // a bad file: every error by row and column, nothing written
    let bad = write(
        &dir,
        "bad.csv",
        "编号,名称,摘要,技术成熟度\nA1,碳化硅器件,摘要,12\nA1,重复,,3\n",
    );
    let o = gaoxin(&url, &["import", &bad, "--kind", "results"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let t = text(&o);
    assert!(t.contains("第2行「技术成熟度」"), "{t}");
    assert!(t.contains("第3行「摘要」：不能为空"), "{t}");
    assert!(t.contains("第3行「编号」：A1 与第2行重复"), "{t}");
    assert!(t.contains("未写入任何数据"), "{t}");
    let good = write(
        &dir,
        "good.csv",
        "id,title,abstract,keywords,field,trl\n\
         CG1,碳化硅功率器件封装,面向新能源汽车电驱的高温封装,碳化硅 封装,集成电路,7\n\
         CG2,晶圆缺陷检测算法,基于深度学习的缺陷检测,深度学习;缺陷检测,人工智能,5\n",
    );
    let o = gaoxin(&url, &["import", &good, "--kind", "results"]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("已导入科技成果 2 条"), "{}", text(&o));
    // one query as JSON
    let o = gaoxin(
        &url,
        &[
            "match",
            "--against",
            "results",
            "--query",
            "电驱碳化硅封装",
            "--format",
            "json",
        ],
    );
    assert!(o.status.success(), "{}", text(&o));
    let v: serde_json::Value =
        serde_json::from_str(String::from_utf8_lossy(&o.stdout).trim()).unwrap();
    assert_eq!(v["query"], "电驱碳化硅封装");
    assert_eq!(v["hits"][0]["id"], "CG1");
    assert!(v["hits"][0]["score"].as_f64().unwrap() > 0.0);
    // a batch: one JSON line per query; a stop-word query is empty with a message
    let q = write(&dir, "q.txt", "晶圆缺陷检测\n\n{\"query\": \"的和，。\"}\n");
    let o = gaoxin(
        &url,
        &[
            "match",
            "--against",
            "results",
            "--queries",
            &q,
            "--top",
            "1",
        ],
    );
    assert!(o.status.success(), "{}", text(&o));
    let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&o.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["hits"][0]["id"], "CG2");
    assert_eq!(lines[0]["hits"].as_array().unwrap().len(), 1);
    assert!(lines[1]["hits"].as_array().unwrap().is_empty());
    assert!(lines[1]["messages"][0].as_str().unwrap().contains("停用词"));
    // a malformed queries file names the line
    let q = write(&dir, "bad.txt", "碳化硅\n{\"q\": 1\n");
    let o = gaoxin(&url, &["match", "--against", "results", "--queries", &q]);
    assert!(!o.status.success());
    assert!(text(&o).contains("第2行不是有效的 JSON"), "{}", text(&o));
    let o = gaoxin(&url, &["match", "--against", "patents", "--query", "x"]);
    assert!(text(&o).contains("--against 应为"), "{}", text(&o));
}
