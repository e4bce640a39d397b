//! Issue 11 A, B, 3 and 9 through the `gaoxin` command, on SQLite and (when configured)
//! PostgreSQL: `import --park` cannot take over another park's firm, a partial file keeps the
//! rest and prints each change, a header's unit is read, `move-park` records the move, and
//! re-importing an export changes nothing. `GAOXIN_BIN` runs the same checks against another
//! build of the binary (e.g. an older one, to see them fail).
use gaoxin_model::{F, Uscc};
use gaoxin_store::{Scope, Store, testing};
use std::path::{Path, PathBuf};
use std::process::Output;

fn bin() -> PathBuf {
    std::env::var("GAOXIN_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|_| PathBuf::from(env!("CARGO_BIN_EXE_gaoxin")))
}

fn gaoxin(url: &str, args: &[&str]) -> Output {
    std::process::Command::new(bin())
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

fn code(i: u32) -> Uscc {
    Uscc::from_body(&format!("91320100MA{:07}", i)).unwrap()
}

fn write(dir: &Path, name: &str, body: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, body).unwrap();
    p.display().to_string()
}

async fn stores() -> Vec<Store> {
    testing::all().await.unwrap()
}

async fn revenue(store: &Store, i: u32) -> Option<i64> {
    store.facts_of(&Scope::Zone, &code(i)).await.unwrap()[0].get(F::Revenue)
}

#[tokio::test]
async fn import_with_park_merges_and_never_takes_over() {
    for store in stores().await {
        let url = store.url().to_string();
        let dir =
            std::env::temp_dir().join(format!("gaoxin-cli-{}-{}", std::process::id(), url.len()));
        std::fs::create_dir_all(&dir).unwrap();
        let seed = write(
            &dir,
            "seed.csv",
            &format!(
                "统一社会信用代码,企业名称,所属园区,年度,成立日期,行业代码,营业收入（万元）,从业人员（人）\n\
                 {},新港一号公司,新港国家高新园,2024,2015-06-01,C3911,5000,120\n\
                 {},江北二号公司,江北新区,2024,2015-06-01,C3911,800,40\n",
                code(1),
                code(2)
            ),
        );
        let o = gaoxin(&url, &["import", &seed]);
        assert!(o.status.success(), "{}", text(&o));

        // A: 江北新区's administrator names firm 1 (新港) as theirs.
        let takeover = write(
            &dir,
            "takeover.csv",
            &format!(
                "统一社会信用代码,企业名称,所属园区,年度,成立日期,行业代码,营业收入（万元）\n{},新港一号公司,江北新区,2024,2015-06-01,C3911,1\n",
                code(1)
            ),
        );
        let o = gaoxin(&url, &["import", &takeover, "--park", "江北新区"]);
        assert_eq!(o.status.code(), Some(1), "{}", text(&o));
        assert!(text(&o).contains("已登记在其他园区"), "{}", text(&o));
        let e = store
            .enterprise(&Scope::Zone, &code(1))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(e.park, "xingang");
        assert_eq!(revenue(&store, 1).await, Some(5_000_000_000));

        // B: a partial file (code, year, revenue) keeps 从业人员 and prints the change.
        let partial = write(
            &dir,
            "partial.csv",
            &format!(
                "统一社会信用代码,年度,营业收入（万元）\n{},2024,900\n",
                code(2)
            ),
        );
        let o = gaoxin(&url, &["import", &partial, "--park", "江北新区"]);
        assert!(o.status.success(), "{}", text(&o));
        assert!(
            text(&o).contains(&format!("{} 2024年 营业收入（万元）：800 → 900", code(2))),
            "{}",
            text(&o)
        );
        let f = &store.facts_of(&Scope::Zone, &code(2)).await.unwrap()[0];
        assert_eq!(
            (f.get(F::Revenue), f.get(F::Employees)),
            (Some(900_000_000), Some(40))
        );

        // 3: a header in 元; an implausible value needs --accept-warnings.
        let yuan = write(
            &dir,
            "yuan.csv",
            &format!(
                "统一社会信用代码,年度,营业收入（元）\n{},2024,9100000\n",
                code(2)
            ),
        );
        let o = gaoxin(&url, &["import", &yuan]);
        assert!(o.status.success(), "{}", text(&o));
        assert_eq!(revenue(&store, 2).await, Some(910_000_000));
        let huge = write(
            &dir,
            "huge.csv",
            &format!(
                "统一社会信用代码,年度,营业收入（万元）\n{},2024,91000000\n",
                code(2)
            ),
        );
        let o = gaoxin(&url, &["import", &huge]);
        assert_eq!(o.status.code(), Some(1), "{}", text(&o));
        assert!(text(&o).contains("警告") && text(&o).contains("--accept-warnings"));
        assert_eq!(revenue(&store, 2).await, Some(910_000_000));
        let o = gaoxin(&url, &["import", &huge, "--accept-warnings"]);
        assert!(o.status.success(), "{}", text(&o));
        assert_eq!(revenue(&store, 2).await, Some(91_000_000 * 1_000_000));

        // A zone administrator's audited move.
        let o = gaoxin(
            &url,
            &[
                "move-park",
                code(1).as_str(),
                "--to",
                "江北新区",
                "--reason",
                "迁址",
                "--by",
                "zone-admin",
            ],
        );
        assert!(o.status.success(), "{}", text(&o));
        let moves = store.park_moves(&Scope::Zone, &code(1)).await.unwrap();
        assert_eq!(moves.len(), 1);
        assert_eq!(
            (
                moves[0].from_park.as_str(),
                moves[0].to_park.as_str(),
                moves[0].reason.as_str()
            ),
            ("xingang", "jiangbei", "迁址")
        );
        assert!(moves[0].actor.starts_with("zone-admin"));
        let o = gaoxin(
            &url,
            &[
                "move-park",
                code(1).as_str(),
                "--to",
                "江北新区",
                "--reason",
                "x",
            ],
        );
        assert_eq!(o.status.code(), Some(1), "same park: {}", text(&o));
    }
}

#[tokio::test]
async fn reimporting_the_demo_export_changes_nothing() {
    for store in stores().await {
        let url = store.url().to_string();
        let dir = std::env::temp_dir().join(format!(
            "gaoxin-cli-demo-{}-{}",
            std::process::id(),
            url.len()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let o = gaoxin(
            &url,
            &["demo", "--enterprises", "40", "--years", "2023-2024"],
        );
        assert!(o.status.success(), "{}", text(&o));
        let out = dir.join("export.csv").display().to_string();
        let o = gaoxin(&url, &["export", "--out", &out]);
        assert!(o.status.success(), "{}", text(&o));
        let o = gaoxin(&url, &["import", &out]);
        assert!(o.status.success(), "{}", text(&o));
        let t = text(&o);
        assert!(
            t.contains("新增0行、更新0行") && t.contains("更新企业0家"),
            "{t}"
        );
        let (es, _) = store.panel(&Scope::Zone, None).await.unwrap();
        assert!(es.iter().all(|e| e.synthetic), "the demo label is kept");
    }
}

/// A zip-bomb xlsx is refused at once with the message, and a file over the row limit
/// (`GAOXIN_IMPORT_MAX_ROWS`) is refused naming it; neither writes anything.
#[tokio::test]
async fn a_zip_bomb_and_too_many_rows_are_refused_writing_nothing() {
    for store in stores().await {
        let url = store.url().to_string();
        let dir = std::env::temp_dir().join(format!(
            "gaoxin-cli-limits-{}-{}",
            std::process::id(),
            url.len()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let bomb = dir.join("bomb.xlsx");
        std::fs::write(&bomb, gaoxin_ingest::testing::zip_bomb_xlsx(400)).unwrap();
        let t = std::time::Instant::now();
        let o = gaoxin(&url, &["import", &bomb.display().to_string()]);
        assert_eq!(o.status.code(), Some(1), "{}", text(&o));
        assert!(
            text(&o).contains("Excel 文件解压后过大，已拒绝"),
            "{}",
            text(&o)
        );
        assert!(t.elapsed().as_secs() < 20, "{:?}", t.elapsed());
        let rows = write(
            &dir,
            "rows.csv",
            &format!(
                "统一社会信用代码,企业名称,所属园区,年度,成立日期,行业代码,营业收入（万元）,从业人员（人）\n\
                 {},新港一号公司,新港国家高新园,2024,2015-06-01,C3911,5000,120\n\
                 {},江北二号公司,江北新区,2024,2015-06-01,C3911,800,40\n",
                code(1),
                code(2)
            ),
        );
        let o = std::process::Command::new(bin())
            .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
            .env("GAOXIN_IMPORT_MAX_ROWS", "1")
            .args(["--database", &url, "import", &rows])
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(1), "{}", text(&o));
        assert!(
            text(&o).contains("文件超过行数上限：最多1行数据（第3行超出"),
            "{}",
            text(&o)
        );
        assert_eq!(store.summary(&Scope::Zone).await.unwrap().firms, 0);
        // the same file within the default limit is imported
        let o = gaoxin(&url, &["import", &rows]);
        assert!(o.status.success(), "{}", text(&o));
        assert_eq!(store.summary(&Scope::Zone).await.unwrap().firms, 2);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
