//! Spreadsheets as people make them (issue 18): a title above the header, blank rows and notes,
//! merged and two-row headers, full-width digits typed with a Chinese input method, 合计 rows,
//! trailing spaces — built here the way an Excel user builds them, imported on SQLite and
//! PostgreSQL.
use gaoxin_ingest::{ImportOptions, ImportReport, import_bytes};
use gaoxin_model::{F, Uscc, Zone};
use gaoxin_store::{Scope, Store, testing};

fn zone() -> Zone {
    Zone::parse(include_str!("../../../data/reference/zone.toml")).unwrap()
}

fn code(i: u32) -> String {
    Uscc::from_body(&format!("91320100MA{:07}", i))
        .unwrap()
        .to_string()
}

async fn run(store: &Store, bytes: Vec<u8>) -> ImportReport {
    import_bytes(
        store,
        &zone(),
        bytes,
        &ImportOptions::default(),
        &mut |_| {},
    )
    .await
    .unwrap()
}

async fn revenue(store: &Store, i: u32) -> Option<i64> {
    store
        .facts_of(&Scope::Zone, &Uscc::parse(&code(i)).unwrap())
        .await
        .unwrap()
        .first()
        .and_then(|f| f.get(F::Revenue))
}

/// A CSV as a person saves it from a sheet with a title, a blank row and a note above the header.
fn titled_csv(extra: &str) -> String {
    let mut s = String::from(
        "南京高新区2024年度企业数据统计表,,,,,,\n,,,,,,\n填报单位：江北新区,,,,,,单位：万元\n统一社会信用代码,企业名称,所属园区,年度,成立日期,行业代码,营业收入（万元）\n",
    );
    for i in 1..=2 {
        s.push_str(&format!(
            "{},南京{i}号科技有限公司,江北新区,2024,2015-06-01,C3911,{}\n",
            code(i),
            1000 * i
        ));
    }
    s.push_str(extra);
    s
}

#[tokio::test]
async fn a_csv_with_a_title_above_the_header_imports_in_utf8_and_gbk() {
    for store in testing::all().await.unwrap() {
        let r = run(&store, titled_csv("").into_bytes()).await;
        assert!(r.ok(), "{:?}", r.errors);
        assert_eq!(r.rows, 2);
        assert_eq!(revenue(&store, 2).await, Some(2000 * 1_000_000));
        let note = r
            .notices
            .iter()
            .find(|n| n.starts_with("表头："))
            .expect("the report says which row is the header");
        assert!(
            note.contains("取第4行作为表头")
                && note.contains("第1行「南京高新区2024年度企业数据统计表」")
                && note.contains("第2行（空行）"),
            "{note}"
        );
        let text = titled_csv("");
        let (gbk, _, bad) = encoding_rs::GBK.encode(&text);
        assert!(!bad);
        let r = run(&store, gbk.into_owned()).await;
        assert!(r.ok(), "{:?}", r.errors);
        assert_eq!(
            (r.format.as_str(), r.counts.unwrap().facts_unchanged),
            ("GBK", 2)
        );
    }
}

#[tokio::test]
async fn errors_below_a_title_name_the_spreadsheet_rows() {
    let store = testing::sqlite().await.unwrap();
    // row 7 is blank, row 8 is bad
    let bad = format!(
        "\n{},南京3号科技有限公司,江北新区,2024,2015-06-01,C3911,很多\n",
        code(3)
    );
    let r = run(&store, titled_csv(&bad).into_bytes()).await;
    assert!(!r.ok());
    let m: Vec<String> = r.errors.iter().map(|e| e.to_string()).collect();
    assert_eq!(m.len(), 1, "{m:?}");
    assert!(m[0].starts_with("第8行「营业收入（万元）」"), "{m:?}");
    assert_eq!(store.summary(&Scope::Zone).await.unwrap().firms, 0);
}

#[tokio::test]
async fn a_header_error_names_the_header_row() {
    let store = testing::sqlite().await.unwrap();
    let text = "某某统计表\n统一社会信用代码,企业名称,营业收入（千元）\nx,y,1\n";
    let r = run(&store, text.as_bytes().to_vec()).await;
    let m: Vec<String> = r.errors.iter().map(|e| e.to_string()).collect();
    assert!(
        m.iter()
            .any(|e| e.starts_with("第2行「营业收入（千元）」的单位「千元」")),
        "{m:?}"
    );
    assert!(
        m.iter().any(|e| e.starts_with("第2行「年度」缺少必填列")),
        "{m:?}"
    );
}
