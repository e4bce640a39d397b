//! `gaoxin carriers …` as a user runs it (SQLite; the store and use cases are tested on both
//! backends in the app crate): `template`, `import` all-or-nothing with row/column messages, the
//! incubated firms' file, `evaluate`, `list` (and `--out` with its 说明 sheet), `show`.
use calamine::Reader;
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
    let d = std::env::temp_dir().join(format!("gx_carriers_cli_{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn template_import_evaluate_list_and_show() {
    let dir = tmpdir();
    let db = format!("sqlite://{}", dir.join("c.db").display());
    let tpl = dir.join("t.xlsx").display().to_string();
    let o = gaoxin(&db, &["carriers", "template", "--out", &tpl]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(std::fs::metadata(&tpl).unwrap().len() > 1000);
    // a bad row: nothing written, the row and column named, exit 1
    let bad = write(
        &dir,
        "bad.csv",
        "载体编号,载体名称,载体类型,园区,年度,在孵企业（家）\nC1,甲孵化器,孵化器,江北新区,2024,10\nC2,乙空间,众创空间,江北新区,2024,-3\n",
    );
    let o = gaoxin(&db, &["carriers", "import", &bad]);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).contains("第3行「在孵企业（家）」"), "{}", text(&o));
    let o = gaoxin(&db, &["carriers", "show", "C1"]);
    assert_eq!(o.status.code(), Some(1), "nothing was written");
    // good files: three incubators over two years, then their firms
    let mut rows = String::from(
        "载体编号,载体名称,载体类型,园区,级别,认定年份,年度,在孵企业（家）,当年毕业企业（家）,创业服务活动（场次）,载体总收入（万元）\n",
    );
    for (k, (id, park)) in [
        ("C1", "江北新区"),
        ("C2", "江北新区"),
        ("C3", "新港国家高新园"),
    ]
    .iter()
    .enumerate()
    {
        for y in [2023, 2024] {
            rows.push_str(&format!(
                "{id},载体{id},孵化器,{park},国家级,2019,{y},{},{},{},{}\n",
                20 + 10 * k,
                2 + k,
                10 + 5 * k + (y - 2023) as usize,
                100 * (k + 1)
            ));
        }
    }
    let good = write(&dir, "good.csv", &rows);
    let o = gaoxin(&db, &["carriers", "import", &good]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        text(&o).contains("已导入 3 个载体、6 条年度数据"),
        "{}",
        text(&o)
    );
    let links = write(
        &dir,
        "firms.csv",
        "载体编号,统一社会信用代码,入孵年份,毕业年份\nC1,91440300708461136T,2023,\n",
    );
    let o = gaoxin(&db, &["carriers", "import", &links]);
    assert!(text(&o).contains("1 条在孵企业关联"), "{}", text(&o));
    let o = gaoxin(
        &db,
        &["carriers", "evaluate", "--year", "2024", "--mc", "50"],
    );
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        text(&o).contains("2024 年孵化载体评价 · 孵化器类载体：3 个"),
        "{}",
        text(&o)
    );
    let o = gaoxin(&db, &["carriers", "list", "--park", "江北新区"]);
    let t = text(&o);
    assert!(
        t.contains("载体C1") && t.contains("载体C2") && !t.contains("载体C3"),
        "{t}"
    );
    let out = dir.join("l.xlsx");
    let o = gaoxin(&db, &["carriers", "list", "--out", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o));
    let wb = calamine::open_workbook_auto(&out).unwrap();
    assert!(
        wb.sheet_names().iter().any(|s| s == "说明"),
        "{:?}",
        wb.sheet_names()
    );
    let o = gaoxin(&db, &["carriers", "show", "C1"]);
    let t = text(&o);
    assert!(t.contains("good.csv 第2行"), "provenance: {t}");
    assert!(t.contains("在孵企业 1 家"), "{t}");
    std::fs::remove_dir_all(&dir).ok();
}
