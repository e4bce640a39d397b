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

/// An xlsx with a title merged across the columns and a two-row header: the identity cells
/// merged down rows 2–3, 「研发费用」 merged across 「金额（万元）」 and 「占比（%）」,
/// 「营业收入」 over its unit 「万元」.
fn two_row_header_xlsx() -> Vec<u8> {
    use rust_xlsxwriter::{Format, FormatAlign, Workbook};
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    let center = Format::new().set_bold().set_align(FormatAlign::Center);
    ws.merge_range(0, 0, 0, 7, "南京高新区2024年度企业数据统计表", &center)
        .unwrap();
    for (c, h) in [
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
        ws.merge_range(1, c as u16, 2, c as u16, h, &center)
            .unwrap();
    }
    ws.merge_range(1, 6, 1, 7, "研发费用", &center).unwrap();
    ws.write_string_with_format(2, 6, "金额（万元）", &center)
        .unwrap();
    ws.write_string_with_format(2, 7, "占比（%）", &center)
        .unwrap();
    ws.write_string_with_format(1, 8, "营业收入", &center)
        .unwrap();
    ws.write_string_with_format(2, 8, "万元", &center).unwrap();
    for i in 1..=2u32 {
        let r = 2 + i;
        ws.write_string(r, 0, code(i)).unwrap();
        ws.write_string(r, 1, format!("南京{i}号科技有限公司"))
            .unwrap();
        ws.write_string(r, 2, "江北新区").unwrap();
        ws.write_number(r, 3, 2024).unwrap();
        ws.write_string(r, 4, "2015-06-01").unwrap();
        ws.write_string(r, 5, "C3911").unwrap();
        ws.write_number(r, 6, 50.25 * i as f64).unwrap();
        ws.write_number(r, 7, 0.05).unwrap();
        ws.write_number(r, 8, 1000 * i).unwrap();
    }
    wb.save_to_buffer().unwrap()
}

async fn rd(store: &Store, i: u32) -> Option<i64> {
    store
        .facts_of(&Scope::Zone, &Uscc::parse(&code(i)).unwrap())
        .await
        .unwrap()
        .first()
        .and_then(|f| f.get(F::RdExpense))
}

#[tokio::test]
async fn a_two_row_header_with_merged_cells_is_read() {
    for store in testing::all().await.unwrap() {
        let r = run(&store, two_row_header_xlsx()).await;
        assert!(r.ok(), "{:?} {:?}", r.errors, r.notices);
        assert_eq!(r.rows, 2);
        assert_eq!(rd(&store, 2).await, Some(100_500_000), "100.5万元 in fen");
        assert_eq!(revenue(&store, 1).await, Some(1_000_000_000));
        assert!(
            r.notices
                .iter()
                .any(|n| n.contains("取第2—3行（两行表头）作为表头")
                    && n.contains("数据从第4行开始")
                    && n.contains("第1行「南京高新区2024年度企业数据统计表」")),
            "{:?}",
            r.notices
        );
        assert!(
            r.notices.iter().any(|n| n
                .contains("「研发费用」＋「金额（万元）」→「研发费用（万元）」")
                && n.contains("「营业收入」＋「万元」→「营业收入（万元）」")),
            "{:?}",
            r.notices
        );
        // the share is not a fact (ratios are computed): ignored, and said so
        assert_eq!(r.ignored_columns, vec!["研发费用-占比（%）".to_string()]);
        // no unit assumed: both units came from the lower row
        assert!(
            !r.notices.iter().any(|n| n.contains("未注明单位")),
            "{:?}",
            r.notices
        );
    }
}

#[tokio::test]
async fn a_two_row_csv_header_takes_the_label_to_the_left_for_a_blank_upper_cell() {
    let store = testing::sqlite().await.unwrap();
    let text = format!(
        "企业数据,,,,,,,\n,,,,,,研发费用,\n统一社会信用代码,企业名称,所属园区,年度,成立日期,行业代码,金额（万元）,占比\n{},南京1号科技有限公司,江北新区,2024,2015-06-01,C3911,12.5,3%\n",
        code(1)
    );
    let r = run(&store, text.into_bytes()).await;
    assert!(r.ok(), "{:?}", r.errors);
    assert_eq!(rd(&store, 1).await, Some(12_500_000), "12.5万元 in fen");
    assert_eq!(r.ignored_columns, vec!["研发费用-占比".to_string()]);
    assert!(
        r.notices
            .iter()
            .any(|n| n.contains("取第2—3行（两行表头）") && n.contains("数据从第4行开始")),
        "{:?}",
        r.notices
    );
}

#[test]
fn thousands_separators_are_read_only_where_unambiguous() {
    use gaoxin_ingest::columns::CellUnit;
    use gaoxin_ingest::validate::parse_cell;
    use gaoxin_model::Unit;
    let wan = CellUnit::Money(Unit::WanYuan);
    assert_eq!(
        parse_cell(F::Revenue, wan, "1,234.56"),
        Ok(Some(1_234_560_000))
    );
    assert_eq!(
        parse_cell(F::Revenue, wan, "1,234,567"),
        Ok(Some(1_234_567_000_000))
    );
    assert_eq!(
        parse_cell(F::NetProfit, wan, "-1,234"),
        Ok(Some(-1_234_000_000))
    );
    assert_eq!(
        parse_cell(F::Employees, CellUnit::Plain, "1,200"),
        Ok(Some(1200))
    );
    for bad in ["12,5", "1,23", "1234,567", "1,234.5,6", ",123"] {
        let e = parse_cell(F::Revenue, wan, bad).unwrap_err();
        assert!(e.contains("中的逗号不是千位分隔符"), "{bad}: {e}");
    }
    assert!(parse_cell(F::Employees, CellUnit::Plain, "1,20").is_err());
}

/// One row as typed with a Chinese input method left in full-width mode.
fn full_width_csv() -> String {
    let wide: String = code(1)
        .chars()
        .map(|c| char::from_u32(c as u32 + 0xFEE0).unwrap())
        .collect();
    format!(
        "统一社会信用代码,企业名称,所属园区,年度,成立日期,行业代码,营业收入（万元）,研发费用（万元）,从业人员（人）,科技人员（人）\n\
         {wide}　,南京ＡＢＣ１号科技（集团）有限公司　,江北新区,２０２４年,２０１６／５／２０,Ｃ３９１１,１２３４.５６,\"１，２３４．５\",１２０,１２\n"
    )
}

#[tokio::test]
async fn full_width_digits_letters_and_spaces_are_read() {
    for store in testing::all().await.unwrap() {
        let r = run(&store, full_width_csv().into_bytes()).await;
        assert!(r.ok(), "{:?}", r.errors);
        let u = Uscc::parse(&code(1)).unwrap();
        let f = &store.facts_of(&Scope::Zone, &u).await.unwrap()[0];
        assert_eq!(f.year.get(), 2024);
        assert_eq!(f.get(F::Revenue), Some(1_234_560_000));
        assert_eq!(f.get(F::RdExpense), Some(1_234_500_000));
        assert_eq!(
            (f.get(F::Employees), f.get(F::TechStaff)),
            (Some(120), Some(12))
        );
        let e = store.enterprise(&Scope::Zone, &u).await.unwrap().unwrap();
        // width only: ASCII letters and digits, the Chinese brackets of the registered name kept
        assert_eq!(e.name, "南京ABC1号科技（集团）有限公司");
        assert_eq!(e.founded.to_string(), "2016-05-20");
        assert_eq!(e.industry.to_string(), "C3911");
    }
}

#[tokio::test]
async fn total_rows_are_skipped_with_a_note_and_never_errors() {
    for store in testing::all().await.unwrap() {
        let mut text = String::from(
            "序号,统一社会信用代码,企业名称,所属园区,年度,成立日期,行业代码,营业收入（万元）\n",
        );
        text.push_str(&format!(
            "1,{},南京1号科技有限公司,江北新区,2024,2015-06-01,C3911,100\n",
            code(1)
        ));
        text.push_str(",,小计,,,,,100\n");
        text.push_str(&format!(
            "2,{},南京2号科技有限公司,江北新区,2024,2015-06-01,C3911,200\n",
            code(2)
        ));
        text.push_str("合 计,,,,,,,300\n");
        // in the code column: read after NFKC, so the note shows 「总计:」
        text.push_str(",总计：,,,,,,300\n");
        let r = run(&store, text.into_bytes()).await;
        assert!(r.ok(), "{:?}", r.errors);
        assert_eq!(r.rows, 2, "total rows are not data rows");
        assert_eq!(r.counts.unwrap().facts_inserted, 2);
        let note = r
            .notices
            .iter()
            .find(|n| n.starts_with("合计行已跳过"))
            .expect("the report names the total rows");
        assert!(
            note.contains("第3行「小计」")
                && note.contains("第5行「合 计」")
                && note.contains("第6行「总计:」")
                && note.contains("共3行"),
            "{note}"
        );
    }
}

#[tokio::test]
async fn a_total_label_with_a_valid_credit_code_is_an_error_and_nothing_is_written() {
    let store = testing::sqlite().await.unwrap();
    let text = format!(
        "统一社会信用代码,企业名称,所属园区,年度,成立日期,行业代码,营业收入（万元）\n{},南京1号科技有限公司,江北新区,2024,2015-06-01,C3911,100\n{},合计,江北新区,2024,2015-06-01,C3911,100\n",
        code(1),
        code(2)
    );
    let r = run(&store, text.into_bytes()).await;
    assert!(!r.ok());
    let m: Vec<String> = r.errors.iter().map(|e| e.to_string()).collect();
    assert_eq!(m.len(), 1, "{m:?}");
    assert!(
        m[0].starts_with("第3行「企业名称」此行标为「合计」，却填有有效的统一社会信用代码"),
        "{m:?}"
    );
    assert_eq!(store.summary(&Scope::Zone).await.unwrap().firms, 0);
}

#[tokio::test]
async fn a_sheet_with_a_title_and_a_header_but_no_data_names_the_first_data_row() {
    let store = testing::sqlite().await.unwrap();
    let text = "某某统计表\n\n统一社会信用代码,年度\n合计,\n";
    let r = run(&store, text.as_bytes().to_vec()).await;
    let m: Vec<String> = r.errors.iter().map(|e| e.to_string()).collect();
    assert_eq!(m, vec!["第4行：文件中没有数据行".to_string()]);
}
