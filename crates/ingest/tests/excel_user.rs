//! Files made the way an Excel user makes them (issue 18), generated here rather than committed:
//! an xlsx with a title merged across the columns, a blank row, a note row, a two-row header
//! with merged cells, numbers typed as text with a Chinese input method in full-width mode, a
//! 合计 row of SUM formulas, trailing spaces, a lower-case credit code and a date cell; and a
//! GBK CSV with a title line. Each imports on SQLite and PostgreSQL, all or nothing, and the
//! import → export → import round trip still changes nothing.
use gaoxin_ingest::{ExportFormat, ImportOptions, ImportReport, export_bytes, import_bytes};
use gaoxin_model::{F, Uscc, Zone};
use gaoxin_store::{Scope, Store, testing};
use rust_xlsxwriter::{ExcelDateTime, Format, FormatAlign, Formula, Workbook};

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

/// The workbook; `employees_2` is what the user typed as firm 2's 从业人员.
fn workbook(employees_2: &str) -> Vec<u8> {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("企业数据").unwrap();
    let head = Format::new().set_bold().set_align(FormatAlign::Center);
    let date = Format::new().set_num_format("yyyy-mm-dd");
    // row 1: the title, merged across the table; row 2 blank; row 3 notes
    ws.merge_range(0, 0, 0, 11, "南京高新区2024年度企业数据统计表", &head)
        .unwrap();
    ws.write_string(2, 0, "填报单位：（盖章）").unwrap();
    ws.write_string(2, 10, "单位：万元").unwrap();
    // rows 4–5: the header, two rows
    for (c, h) in [
        "序号",
        "统一社会信用代码",
        "企业名称",
        "所属园区",
        "年度",
        "成立日期",
        "行业代码",
    ]
    .iter()
    .enumerate()
    {
        ws.merge_range(3, c as u16, 4, c as u16, h, &head).unwrap();
    }
    ws.merge_range(3, 7, 3, 8, "研发费用", &head).unwrap();
    ws.write_string_with_format(4, 7, "金额（万元）", &head)
        .unwrap();
    ws.write_string_with_format(4, 8, "占比（%）", &head)
        .unwrap();
    ws.write_string_with_format(3, 9, "营业收入", &head)
        .unwrap();
    ws.write_string_with_format(4, 9, "（万元）", &head)
        .unwrap();
    ws.merge_range(3, 10, 4, 10, "从业人员（人）", &head)
        .unwrap();
    ws.merge_range(3, 11, 4, 11, "科技人员（人）", &head)
        .unwrap();
    // row 6: numbers as numbers, a date cell, trailing spaces, a lower-case code
    ws.write_number(5, 0, 1).unwrap();
    ws.write_string(5, 1, format!("{} ", code(1).to_lowercase()))
        .unwrap();
    ws.write_string(5, 2, "南京一号科技有限公司  ").unwrap();
    ws.write_string(5, 3, "江北新区 ").unwrap();
    ws.write_number(5, 4, 2024).unwrap();
    ws.write_datetime_with_format(5, 5, ExcelDateTime::from_ymd(2015, 6, 1).unwrap(), &date)
        .unwrap();
    ws.write_string(5, 6, "C3911").unwrap();
    ws.write_number(5, 7, 120.5).unwrap();
    ws.write_number(5, 8, 0.05).unwrap();
    ws.write_string(5, 9, "１２３４．５６").unwrap();
    ws.write_string(5, 10, "１２０").unwrap();
    ws.write_number(5, 11, 12).unwrap();
    // row 7: typed with the IME in full-width mode, thousands separators
    ws.write_number(6, 0, 2).unwrap();
    ws.write_string(6, 1, code(2)).unwrap();
    ws.write_string(6, 2, "南京二号科技（集团）有限公司")
        .unwrap();
    ws.write_string(6, 3, "江北新区").unwrap();
    ws.write_string(6, 4, "２０２４年").unwrap();
    ws.write_string(6, 5, "2016/5/20").unwrap();
    ws.write_string(6, 6, "Ｃ３９１１").unwrap();
    ws.write_string(6, 7, "５０").unwrap();
    ws.write_string(6, 9, "2,345.6").unwrap();
    ws.write_string(6, 10, employees_2).unwrap();
    ws.write_string(6, 11, "１０").unwrap();
    // row 8: the total, its label merged across the first three columns, SUM formulas
    ws.merge_range(7, 0, 7, 2, "合计", &head).unwrap();
    ws.write_formula(7, 7, Formula::new("=SUM(H6:H7)").set_result("170.5"))
        .unwrap();
    ws.write_formula(7, 9, Formula::new("=SUM(J6:J7)").set_result("3580.16"))
        .unwrap();
    ws.write_formula(7, 10, Formula::new("=SUM(K6:K7)").set_result("200"))
        .unwrap();
    wb.save_to_buffer().unwrap()
}

/// A CSV saved by Chinese Excel (GBK, CRLF) from a sheet with a title line, full-width numbers
/// and a 合计 row.
fn gbk_csv() -> Vec<u8> {
    let text = format!(
        "南京高新区2024年度企业数据统计表,,,,,,,\r\n统一社会信用代码,企业名称,所属园区,年度,成立日期,行业代码,营业收入（万元）,从业人员（人）\r\n{},南京三号科技有限公司 ,玄武园,２０２４,2018-03-01,I6510,\"１，０００．５\",３５\r\n合计,,,,,,\"１，０００．５\",３５\r\n",
        code(3)
    );
    let (gbk, _, bad) = encoding_rs::GBK.encode(&text);
    assert!(!bad, "GBK encodes every character of the file");
    gbk.into_owned()
}

async fn facts(store: &Store, i: u32) -> gaoxin_model::Facts {
    store
        .facts_of(&Scope::Zone, &Uscc::parse(&code(i)).unwrap())
        .await
        .unwrap()
        .remove(0)
}

#[tokio::test]
async fn an_excel_users_workbook_imports() {
    for store in testing::all().await.unwrap() {
        let r = run(&store, workbook("８０")).await;
        assert!(r.ok(), "{:?}", r.errors);
        assert_eq!(r.format, "xlsx");
        assert_eq!(r.rows, 2);
        let f1 = facts(&store, 1).await;
        assert_eq!(f1.get(F::RdExpense), Some(120_500_000));
        assert_eq!(f1.get(F::Revenue), Some(1_234_560_000));
        assert_eq!(
            (f1.get(F::Employees), f1.get(F::TechStaff)),
            (Some(120), Some(12))
        );
        let f2 = facts(&store, 2).await;
        assert_eq!(f2.year.get(), 2024);
        assert_eq!(f2.get(F::RdExpense), Some(50_000_000));
        assert_eq!(f2.get(F::Revenue), Some(2_345_600_000));
        assert_eq!(
            (f2.get(F::Employees), f2.get(F::TechStaff)),
            (Some(80), Some(10))
        );
        let e1 = store
            .enterprise(&Scope::Zone, &Uscc::parse(&code(1)).unwrap())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(e1.name, "南京一号科技有限公司");
        assert_eq!(e1.founded.to_string(), "2015-06-01");
        let e2 = store
            .enterprise(&Scope::Zone, &Uscc::parse(&code(2)).unwrap())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (
                e2.name.as_str(),
                e2.founded.to_string(),
                e2.industry.to_string()
            ),
            (
                "南京二号科技（集团）有限公司",
                "2016-05-20".into(),
                "C3911".into()
            )
        );
        let all = r.notices.join("\n");
        for part in [
            "取第4—5行（两行表头）作为表头",
            "数据从第6行开始",
            "第1行「南京高新区2024年度企业数据统计表」",
            "第2行（空行）",
            "第3行「填报单位：（盖章） 单位：万元」",
            "「研发费用」＋「金额（万元）」→「研发费用（万元）」",
            "「营业收入」＋「（万元）」→「营业收入（万元）」",
            "合计行已跳过（不是企业数据，不导入）：第8行「合计」，共1行",
        ] {
            assert!(all.contains(part), "{part} not in:\n{all}");
        }
        assert_eq!(
            r.ignored_columns,
            vec!["序号".to_string(), "研发费用-占比（%）".into()]
        );
        // the same file again: nothing changes
        let again = run(&store, workbook("８０")).await;
        let c = again.counts.unwrap();
        assert_eq!((c.facts_unchanged, c.fields_changed), (2, 0));
    }
}

#[tokio::test]
async fn one_bad_cell_in_the_workbook_writes_nothing_and_names_its_row() {
    for store in testing::all().await.unwrap() {
        let r = run(&store, workbook("八十")).await;
        assert!(!r.ok());
        assert!(r.counts.is_none());
        let m: Vec<String> = r.errors.iter().map(|e| e.to_string()).collect();
        assert_eq!(
            m,
            vec!["第7行「从业人员（人）」「八十」不是整数".to_string()]
        );
        assert_eq!(store.summary(&Scope::Zone).await.unwrap().firms, 0);
    }
}

#[tokio::test]
async fn a_gbk_csv_with_a_title_line_imports() {
    for store in testing::all().await.unwrap() {
        let r = run(&store, gbk_csv()).await;
        assert!(r.ok(), "{:?}", r.errors);
        assert_eq!((r.format.as_str(), r.rows), ("GBK", 1));
        let f = facts(&store, 3).await;
        assert_eq!(
            (f.get(F::Revenue), f.get(F::Employees)),
            (Some(1_000_500_000), Some(35))
        );
        let all = r.notices.join("\n");
        assert!(
            all.contains("取第2行作为表头") && all.contains("第4行「合计」"),
            "{all}"
        );
    }
}

#[tokio::test]
async fn import_export_import_changes_nothing() {
    let z = zone();
    for store in testing::all().await.unwrap() {
        assert!(run(&store, workbook("８０")).await.ok());
        assert!(run(&store, gbk_csv()).await.ok());
        let before = export_bytes(&store, &z, &Scope::Zone, None, None, ExportFormat::Csv)
            .await
            .unwrap();
        for format in [ExportFormat::Csv, ExportFormat::Xlsx] {
            let bytes = export_bytes(&store, &z, &Scope::Zone, None, None, format)
                .await
                .unwrap();
            let r = run(&store, bytes).await;
            assert!(r.ok(), "{format:?}: {:?}", r.errors);
            let c = r.counts.unwrap();
            assert_eq!(
                (
                    c.facts_unchanged,
                    c.facts_updated,
                    c.enterprises_unchanged,
                    c.fields_changed
                ),
                (3, 0, 3, 0),
                "{format:?}"
            );
        }
        let after = export_bytes(&store, &z, &Scope::Zone, None, None, ExportFormat::Csv)
            .await
            .unwrap();
        assert_eq!(before, after);
    }
}

#[test]
fn the_templates_instructions_say_what_a_hand_made_sheet_may_have() {
    let t = gaoxin_ingest::template_xlsx(&zone());
    let mut wb: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(t)).unwrap();
    use calamine::Reader;
    let help = wb.worksheet_range("填写说明").unwrap();
    let text: Vec<String> = help
        .rows()
        .flat_map(|r| r.iter().map(|c| c.to_string()))
        .collect();
    let note = text
        .iter()
        .find(|c| c.contains("前20行"))
        .expect("a note on hand-made sheets");
    assert!(
        note.contains("两行表头")
            && note.contains("全角数字")
            && note.contains("合计、小计、总计行自动跳过"),
        "{note}"
    );
}
