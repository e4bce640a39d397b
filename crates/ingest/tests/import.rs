//! Import, validation messages, all-or-nothing writes, idempotence and export round trips,
//! against SQLite and PostgreSQL.
use gaoxin_ingest::{
    ExportFormat, ImportOptions, ImportReport, export_bytes, import_bytes, template_csv_header,
    template_xlsx,
};
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

const HEADER: &str = "统一社会信用代码,企业名称,所属园区,年度,成立日期,行业代码,上市状态,所属集群,营业收入（万元）,研发费用（万元）,从业人员（人）,科技人员（人）,净利润（万元）,高企证书发证日期,数据来源,来源明细";

fn good_rows() -> String {
    let mut s = String::from(HEADER);
    s.push('\n');
    for i in 1..=3 {
        for y in [2023, 2024] {
            s.push_str(&format!(
                "{},南京{}号科技有限公司,江北新区,{y},2015-06-01,C3911,新三板,集成电路,{}.5,{},100,{},-12.25,2023-11-20,税务,研发费用=企业申报\n",
                code(i),
                i,
                1000 * i,
                50 * i,
                20 + i
            ));
        }
    }
    s
}

async fn run(store: &Store, bytes: Vec<u8>) -> ImportReport {
    run_as(store, bytes, ImportOptions::default()).await
}

async fn run_as(store: &Store, bytes: Vec<u8>, opts: ImportOptions) -> ImportReport {
    let mut calls = 0;
    let r = import_bytes(store, &zone(), bytes, &opts, &mut |_| calls += 1)
        .await
        .unwrap();
    assert!(calls >= 1, "progress is reported");
    r
}

async fn firms(store: &Store) -> i64 {
    store.summary(&Scope::Zone).await.unwrap().firms
}

#[tokio::test]
async fn good_file_imports_and_reimport_is_idempotent() {
    for store in testing::all().await.unwrap() {
        let r = run(&store, good_rows().into_bytes()).await;
        assert!(r.ok(), "{:?}", r.errors);
        let c = r.counts.unwrap();
        assert_eq!((c.facts_inserted, c.enterprises_inserted), (6, 3));
        let facts = store
            .facts_of(&Scope::Zone, &Uscc::parse(&code(2)).unwrap())
            .await
            .unwrap();
        assert_eq!(
            facts[0].get(F::Revenue),
            Some(2_000_500_000),
            "2000.5 万元 in fen, exactly"
        );
        assert_eq!(facts[0].get(F::NetProfit), Some(-12_250_000));
        assert_eq!(facts[0].get(F::TaxPaid), None);
        assert_eq!(facts[0].prov(F::Revenue).zh(), "已核验（税务）");
        assert_eq!(facts[0].prov(F::RdExpense).zh(), "企业申报");
        let again = run(&store, good_rows().into_bytes()).await;
        let c = again.counts.unwrap();
        assert_eq!(
            (c.facts_inserted, c.facts_updated, c.facts_unchanged),
            (0, 0, 6)
        );
        assert!(again.summary_zh().contains("未变化6行"));
    }
}

#[tokio::test]
async fn gbk_and_bom_files_import() {
    let store = testing::sqlite().await.unwrap();
    let text = good_rows();
    let (gbk, _, bad) = encoding_rs::GBK.encode(&text);
    assert!(!bad);
    let r = run(&store, gbk.into_owned()).await;
    assert!(r.ok(), "{:?}", r.errors);
    assert_eq!(r.format, "GBK");
    let mut bom = b"\xEF\xBB\xBF".to_vec();
    bom.extend(good_rows().into_bytes());
    let r = run(&store, bom).await;
    assert_eq!(
        (r.format.as_str(), r.counts.unwrap().facts_unchanged),
        ("UTF-8 (BOM)", 6)
    );
    let e = store
        .enterprise(&Scope::Zone, &Uscc::parse(&code(1)).unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(e.name, "南京1号科技有限公司");
}

fn with_bad_row(bad: &str) -> String {
    let mut s = good_rows();
    s.push_str(bad);
    s.push('\n');
    s
}

/// Imports a file whose last row is `bad`; asserts nothing was written and returns the messages.
async fn messages(bad: &str) -> Vec<String> {
    let store = testing::sqlite().await.unwrap();
    let r = run(&store, with_bad_row(bad).into_bytes()).await;
    assert!(!r.ok());
    assert!(r.counts.is_none());
    assert_eq!(
        firms(&store).await,
        0,
        "nothing is written when any row is bad"
    );
    r.errors.iter().map(|e| e.to_string()).collect()
}

#[tokio::test]
async fn every_validation_message_names_row_column_and_problem() {
    let c9 = code(9);
    let mut wrong_check = c9.clone();
    let last = wrong_check.pop().unwrap();
    wrong_check.push(if last == '0' { '1' } else { '0' });
    let m = messages(&format!(
        "{wrong_check},坏公司,江北新区,2024,2015-06-01,C3911,,,1,,,,,,,"
    ))
    .await;
    assert_eq!(
        m,
        vec![format!(
            "第8行「统一社会信用代码」校验位错误：应为 {last}，实际为 {}",
            wrong_check.chars().last().unwrap()
        )]
    );

    let m = messages(&format!(
        "{c9},坏公司,火星园,2024,2015-06-01,C3911,,,1,,,,,,,"
    ))
    .await;
    assert_eq!(m.len(), 1);
    assert!(
        m[0].starts_with("第8行「所属园区」「火星园」不是本区的园区"),
        "{m:?}"
    );

    let m = messages(&format!(
        "{c9},坏公司,江北新区,2024,2015-06-01,C3911,,,-5,,,,,,,"
    ))
    .await;
    assert_eq!(
        m,
        vec!["第8行「营业收入（万元）」金额不能为负数：-5".to_string()]
    );

    let m = messages(&format!(
        "{c9},坏公司,江北新区,2024,2015-06-01,C3911,,,1,,10,11,,,,"
    ))
    .await;
    assert_eq!(
        m,
        vec!["第8行「科技人员（人）」科技人员不能多于从业人员（11 > 10）".to_string()]
    );

    let m = messages(&format!(
        "{c9},坏公司,江北新区,2099,2015-06-01,C3911,,,1,,,,,,,"
    ))
    .await;
    assert!(m[0].starts_with("第8行「年度」2099年晚于当前年度"), "{m:?}");

    let m = messages(&format!(
        "{},南京1号科技有限公司,江北新区,2024,2015-06-01,C3911,新三板,集成电路,1,,,,,,,",
        code(1)
    ))
    .await;
    assert_eq!(
        m,
        vec![format!(
            "第8行「年度」与第3行重复：同一企业（{}）同一年度（2024）只能有一行",
            code(1)
        )]
    );

    let m = messages(&format!(
        "{},别的名字,江北新区,2022,2015-06-01,C3911,新三板,集成电路,1,,,,,,,",
        code(1)
    ))
    .await;
    assert_eq!(
        m,
        vec![
            "第8行「企业名称」与第2行同一企业的企业名称不一致：同一企业各年度的基本信息须相同"
                .to_string()
        ]
    );

    let m = messages(&format!(
        "{c9},坏公司,江北新区,2024,2015-06-01,C3911,,,12.3456789,,,,,,,"
    ))
    .await;
    assert_eq!(
        m,
        vec!["第8行「营业收入（万元）」小数位过多：最多6位（精确到分）".to_string()]
    );

    let m = messages(&format!(
        "{c9},坏公司,江北新区,2024,2015-06-01,C3911,,,1,,,,,2023-02-30,,"
    ))
    .await;
    assert!(
        m[0].starts_with("第8行「高企证书发证日期」「2023-02-30」不是有效日期"),
        "{m:?}"
    );

    let m = messages(&format!(
        "{c9},,江北新区,2024,2015-06-01,X99,外星板,不存在集群,abc,,,,,,,"
    ))
    .await;
    assert_eq!(m.len(), 5, "{m:?}");
    assert!(
        m.iter()
            .any(|x| x.starts_with("第8行「企业名称」不能为空：企业")),
        "a new firm without a name: {m:?}"
    );
    assert!(m.iter().any(|x| x.starts_with("第8行「行业代码」")));
    assert!(m.iter().any(|x| x.starts_with("第8行「上市状态」")));
    assert!(m.contains(&"第8行「所属集群」「不存在集群」不是已登记的创新型产业集群".to_string()));
    assert!(m.contains(&"第8行「营业收入（万元）」「abc」不是有效的金额数字".to_string()));
}

#[tokio::test]
async fn missing_required_column_and_unreadable_files() {
    let store = testing::sqlite().await.unwrap();
    let text = good_rows().replace("年度", "备注");
    let r = run(&store, text.into_bytes()).await;
    assert_eq!(r.errors.len(), 1);
    assert_eq!(
        r.errors[0].to_string(),
        "第1行「年度」缺少必填列：请使用导入模板的表头"
    );
    // Without 成立日期 the file can only update stored firms: each new firm is told (its first row).
    let text = good_rows().replace("成立日期", "备注");
    let r = run(&store, text.into_bytes()).await;
    let m: Vec<String> = r.errors.iter().map(|e| e.to_string()).collect();
    assert_eq!(m.len(), 3, "{m:?}");
    assert!(m[0].starts_with("第2行「成立日期」不能为空：企业"), "{m:?}");
    assert!(m[1].starts_with("第4行「成立日期」不能为空"), "{m:?}");

    let mut encrypted = vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
    encrypted.resize(4096, 0);
    let r = run(&store, encrypted).await;
    assert!(
        r.errors[0].message.contains("设有打开密码"),
        "{:?}",
        r.errors
    );
    let r = run(&store, b"PK\x03\x04 not really a zip".to_vec()).await;
    assert!(
        r.errors[0].message.starts_with("文件已损坏"),
        "{:?}",
        r.errors
    );
    let r = run(&store, HEADER.as_bytes().to_vec()).await;
    assert_eq!(r.errors[0].message, "文件中没有数据行");
    assert_eq!(firms(&store).await, 0);
}

#[tokio::test]
async fn park_administrators_import_only_their_park() {
    let store = testing::sqlite().await.unwrap();
    let text = with_bad_row(&format!(
        "{},玄武某公司,玄武园,2024,2015-06-01,I65,,,1,,,,,,,",
        code(9)
    ));
    let r = run_as(
        &store,
        text.into_bytes(),
        ImportOptions {
            only_park: Some(gaoxin_model::ParkId::parse("jiangbei").unwrap()),
            ..Default::default()
        },
    )
    .await;
    assert_eq!(r.errors.len(), 1);
    assert_eq!(
        r.errors[0].to_string(),
        "第8行「所属园区」「玄武园」不是您管理的园区，不能导入其他园区的数据"
    );
    assert_eq!(firms(&store).await, 0);
}

#[tokio::test]
async fn exports_reimport_unchanged_on_both_backends() {
    let z = zone();
    for store in testing::all().await.unwrap() {
        assert!(run(&store, good_rows().into_bytes()).await.ok());
        for format in [ExportFormat::Csv, ExportFormat::Xlsx] {
            let bytes = export_bytes(&store, &z, &Scope::Zone, None, None, format)
                .await
                .unwrap();
            let r = run(&store, bytes).await;
            assert!(r.ok(), "{format:?}: {:?}", r.errors);
            let c = r.counts.unwrap();
            assert_eq!(
                (c.facts_unchanged, c.facts_updated, c.enterprises_unchanged),
                (6, 0, 3),
                "{format:?}"
            );
        }
        let one_year = export_bytes(
            &store,
            &z,
            &Scope::Zone,
            Some(&gaoxin_model::ParkId::parse("jiangbei").unwrap()),
            Some(gaoxin_model::Year::new(2024).unwrap()),
            ExportFormat::Csv,
        )
        .await
        .unwrap();
        assert_eq!(String::from_utf8(one_year).unwrap().lines().count(), 4);
        let other_park = export_bytes(
            &store,
            &z,
            &Scope::Park(gaoxin_model::ParkId::parse("xuanwu").unwrap()),
            None,
            None,
            ExportFormat::Csv,
        )
        .await
        .unwrap();
        assert_eq!(
            String::from_utf8(other_park).unwrap().lines().count(),
            1,
            "header only"
        );
    }
}

#[tokio::test]
async fn template_headers_are_what_the_importer_reads() {
    let t = template_xlsx(&zone());
    let sheet = gaoxin_ingest::read::open_bytes(t).unwrap();
    assert_eq!(sheet.headers.join(","), template_csv_header());
    for h in &sheet.headers {
        assert!(gaoxin_ingest::columns::match_header(h).is_some(), "{h}");
    }
}
