//! Issue 11 A, B, 3 and 9 through the import use case, on SQLite and PostgreSQL: a park
//! administrator cannot take over another park's firm; a partial file changes only what it has;
//! a header's unit is read; re-importing an export changes nothing (not even the demo label).
use gaoxin_ingest::{ExportFormat, ImportOptions, ImportReport, export_bytes, import_bytes};
use gaoxin_model::{
    Date, Enterprise, F, Facts, IndustryCode, Listing, Provenance, Sector, Uscc, Year, Zone,
};
use gaoxin_store::{Scope, Store, testing};

fn zone() -> Zone {
    Zone::parse(include_str!("../../../data/reference/zone.toml")).unwrap()
}

fn code(i: u32) -> Uscc {
    Uscc::from_body(&format!("91320100MA{:07}", i)).unwrap()
}

fn firm(i: u32, park: &str, synthetic: bool) -> Enterprise {
    Enterprise {
        uscc: code(i),
        name: format!("南京{i}号科技有限公司"),
        park: gaoxin_model::ParkId::parse(park).unwrap(),
        founded: Date::new(2015, 6, 1).unwrap(),
        industry: IndustryCode::parse("C3911").unwrap(),
        sector: Sector::Manufacturing,
        tech_field: Some("电子信息".into()),
        listing: Listing::Unlisted,
        clusters: vec![],
        tracks: vec![],
        synthetic,
    }
}

fn facts(i: u32, year: i32) -> Facts {
    let mut f = Facts::new(code(i), Year::new(year).unwrap());
    f.set(
        F::Revenue,
        Some(5_000 * 1_000_000),
        Provenance::Verified("税务".into()),
    );
    f.set(F::RdExpense, Some(400 * 1_000_000), Provenance::Declared);
    f.set(F::Employees, Some(120), Provenance::Declared);
    f.set(F::TechStaff, Some(30), Provenance::Declared);
    f.set(
        F::IpClass1,
        Some(4),
        Provenance::Verified("知识产权局".into()),
    );
    f
}

/// Firm 1 in 新港 (2023, 2024), firm 2 in 江北新区 (2024), both written as the demo loader does.
async fn seeded(synthetic: bool) -> Vec<Store> {
    let mut v = Vec::new();
    for store in testing::all().await.unwrap() {
        let mut tx = store.begin_import().await.unwrap();
        tx.write_enterprises(&[
            firm(1, "xingang", synthetic),
            firm(2, "jiangbei", synthetic),
        ])
        .await
        .unwrap();
        tx.write_facts(&[facts(1, 2023), facts(1, 2024), facts(2, 2024)])
            .await
            .unwrap();
        tx.commit().await.unwrap();
        v.push(store);
    }
    v
}

async fn run(store: &Store, text: &str, opts: ImportOptions) -> ImportReport {
    import_bytes(store, &zone(), text.as_bytes().to_vec(), &opts, &mut |_| {})
        .await
        .unwrap()
}

fn park_admin(p: &str) -> ImportOptions {
    ImportOptions {
        only_park: Some(gaoxin_model::ParkId::parse(p).unwrap()),
        actor: format!("park-{p}"),
        ..Default::default()
    }
}

fn zone_admin() -> ImportOptions {
    ImportOptions {
        actor: "admin".into(),
        file_name: "moves.csv".into(),
        ..Default::default()
    }
}

async fn stored(store: &Store, i: u32, year: i32) -> Facts {
    store
        .facts_of(&Scope::Zone, &code(i))
        .await
        .unwrap()
        .into_iter()
        .find(|f| f.year.get() == year)
        .unwrap()
}

async fn park_of(store: &Store, i: u32) -> String {
    store
        .enterprise(&Scope::Zone, &code(i))
        .await
        .unwrap()
        .unwrap()
        .park
        .to_string()
}

#[tokio::test]
async fn a_park_admin_cannot_take_over_another_parks_firm() {
    for store in seeded(false).await {
        let before = stored(&store, 1, 2024).await;
        // The 江北新区 administrator names firm 1 (of 新港) with 所属园区 = 江北新区.
        let text = format!(
            "统一社会信用代码,企业名称,所属园区,年度,成立日期,行业代码,营业收入（万元）\n{},南京1号科技有限公司,江北新区,2024,2015-06-01,C3911,1\n",
            code(1)
        );
        let r = run(&store, &text, park_admin("jiangbei")).await;
        assert!(!r.ok(), "{}", r.summary_zh());
        assert_eq!(r.errors.len(), 1, "{:?}", r.errors);
        assert_eq!(r.errors[0].row, 2);
        assert_eq!(r.errors[0].column, "所属园区");
        assert!(
            r.errors[0].message.contains("已登记在其他园区"),
            "{:?}",
            r.errors
        );
        assert_eq!(
            park_of(&store, 1).await,
            "xingang",
            "the firm stays in 新港"
        );
        assert_eq!(
            stored(&store, 1, 2024).await,
            before,
            "its facts are untouched"
        );
        // Without a park column: the same refusal, on the code column.
        let text = format!(
            "统一社会信用代码,年度,营业收入（万元）\n{},2024,1\n",
            code(1)
        );
        let r = run(&store, &text, park_admin("jiangbei")).await;
        assert_eq!(r.errors.len(), 1, "{:?}", r.errors);
        assert_eq!(r.errors[0].column, "统一社会信用代码");
        assert_eq!(stored(&store, 1, 2024).await, before);
        // The 新港 administrator may update it; the 江北新区 one may update their own firm.
        let text = format!(
            "统一社会信用代码,年度,营业收入（万元）\n{},2024,6000\n",
            code(1)
        );
        assert!(run(&store, &text, park_admin("xingang")).await.ok());
        let text = format!(
            "统一社会信用代码,年度,营业收入（万元）\n{},2024,6000\n",
            code(2)
        );
        assert!(run(&store, &text, park_admin("jiangbei")).await.ok());
        assert!(
            store
                .park_moves(&Scope::Zone, &code(1))
                .await
                .unwrap()
                .is_empty()
        );
    }
}

#[tokio::test]
async fn a_zone_admins_upload_moves_a_firm_and_says_so() {
    for store in seeded(false).await {
        let text = format!(
            "统一社会信用代码,所属园区,年度\n{},江北新区,2024\n",
            code(1)
        );
        let r = run(&store, &text, zone_admin()).await;
        assert!(r.ok(), "{:?}", r.errors);
        assert!(
            r.notices.iter().any(|n| n.contains("园区变更")
                && n.contains("新港国家高新园")
                && n.contains("江北新区")),
            "{:?}",
            r.notices
        );
        assert!(
            r.changes
                .iter()
                .any(|c| c.field == "所属园区" && c.old == "新港国家高新园" && c.new == "江北新区")
        );
        assert_eq!(park_of(&store, 1).await, "jiangbei");
        let moves = store.park_moves(&Scope::Zone, &code(1)).await.unwrap();
        assert_eq!(moves.len(), 1);
        assert_eq!(
            (
                moves[0].from_park.as_str(),
                moves[0].to_park.as_str(),
                moves[0].actor.as_str()
            ),
            ("xingang", "jiangbei", "admin")
        );
        assert!(moves[0].reason.contains("moves.csv"));
        // The store's own move (the CLI's move-park): recorded too.
        let m = store
            .move_park(
                &code(1),
                &gaoxin_model::ParkId::parse("xingang").unwrap(),
                "zone-admin",
                "迁回新港",
            )
            .await
            .unwrap()
            .unwrap();
        assert_eq!(m.from_park, "jiangbei");
        assert_eq!(
            store
                .park_moves(&Scope::Zone, &code(1))
                .await
                .unwrap()
                .len(),
            2
        );
        assert_eq!(
            store
                .park_moves(
                    &Scope::Park(gaoxin_model::ParkId::parse("jiangbei").unwrap()),
                    &code(1)
                )
                .await
                .unwrap(),
            vec![],
            "a park sees the moves of its own firms only"
        );
    }
}

#[tokio::test]
async fn b_a_partial_file_changes_only_what_it_has() {
    for store in seeded(false).await {
        let before = stored(&store, 1, 2024).await;
        let firm_before = store
            .enterprise(&Scope::Zone, &code(1))
            .await
            .unwrap()
            .unwrap();
        // Only code, year and this year's revenue: identity columns are not needed.
        let text = format!(
            "统一社会信用代码,年度,营业收入（万元）\n{},2024,5200\n",
            code(1)
        );
        let r = run(&store, &text, ImportOptions::default()).await;
        assert!(r.ok(), "{:?}", r.errors);
        let c = r.counts.unwrap();
        assert_eq!(
            (c.facts_updated, c.enterprises_updated, c.fields_changed),
            (1, 0, 1)
        );
        let after = stored(&store, 1, 2024).await;
        assert_eq!(after.get(F::Revenue), Some(5_200 * 1_000_000));
        for f in F::ALL.iter().filter(|f| **f != F::Revenue) {
            assert_eq!(after.get(*f), before.get(*f), "{f:?} kept");
            assert_eq!(after.prov(*f), before.prov(*f), "{f:?} source kept");
        }
        assert_eq!(after.prov(F::Revenue), &Provenance::Declared);
        assert_eq!(
            store
                .enterprise(&Scope::Zone, &code(1))
                .await
                .unwrap()
                .unwrap(),
            firm_before
        );
        assert_eq!(r.changes.len(), 1);
        assert_eq!(
            r.changes[0].to_string(),
            format!("{} 2024年 营业收入（万元）：5000 → 5200", code(1))
        );
        // Idempotent: the same partial file again changes nothing.
        let r = run(&store, &text, ImportOptions::default()).await;
        let c = r.counts.unwrap();
        assert_eq!(
            (c.facts_unchanged, c.facts_updated, c.fields_changed),
            (1, 0, 0)
        );

        // Blank cells in present columns keep values; 清空 clears on purpose.
        let text = format!(
            "统一社会信用代码,企业名称,年度,研发费用（万元）,从业人员（人）,Ⅰ类知识产权（件）,技术领域\n{},,2024,,清空,,清空\n",
            code(1)
        );
        let r = run(&store, &text, ImportOptions::default()).await;
        assert!(r.ok(), "{:?}", r.errors);
        let after = stored(&store, 1, 2024).await;
        assert_eq!(after.get(F::RdExpense), before.get(F::RdExpense));
        assert_eq!(after.get(F::IpClass1), Some(4));
        assert_eq!(after.get(F::Employees), None, "cleared");
        assert_eq!(after.prov(F::Employees), &Provenance::Missing);
        let e = store
            .enterprise(&Scope::Zone, &code(1))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (e.name.as_str(), e.tech_field.as_deref()),
            ("南京1号科技有限公司", None)
        );
        let lines: Vec<String> = r.changes.iter().map(|c| c.to_string()).collect();
        assert!(
            lines.contains(&format!("{} 2024年 从业人员（人）：120 → （空）", code(1))),
            "{lines:?}"
        );
        assert!(
            lines.contains(&format!("{} 技术领域：电子信息 → （空）", code(1))),
            "{lines:?}"
        );

        // A merged row is checked as a whole: 科技人员 (stored 30) cannot exceed 从业人员.
        let text = format!(
            "统一社会信用代码,年度,从业人员（人）\n{},2023,10\n",
            code(1)
        );
        let r = run(&store, &text, ImportOptions::default()).await;
        assert!(!r.ok());
        assert!(
            r.errors[0].message.contains("科技人员不能多于从业人员"),
            "{:?}",
            r.errors
        );
        assert_eq!(stored(&store, 1, 2023).await.get(F::Employees), Some(120));

        // A firm not yet stored needs its identity, and the report names the columns.
        let text = format!(
            "统一社会信用代码,年度,营业收入（万元）\n{},2024,1\n",
            code(7)
        );
        let r = run(&store, &text, ImportOptions::default()).await;
        let cols: Vec<&str> = r.errors.iter().map(|e| e.column.as_str()).collect();
        assert_eq!(
            cols,
            ["企业名称", "所属园区", "成立日期", "行业代码"],
            "{:?}",
            r.errors
        );
        assert!(r.errors[0].message.contains("尚未登记"));
        assert!(
            store
                .enterprise(&Scope::Zone, &code(7))
                .await
                .unwrap()
                .is_none()
        );
    }
}

#[tokio::test]
async fn nine_reimporting_an_export_changes_nothing_and_keeps_the_demo_label() {
    let z = zone();
    for store in seeded(true).await {
        for format in [ExportFormat::Csv, ExportFormat::Xlsx] {
            let bytes = export_bytes(&store, &z, &Scope::Zone, None, None, format)
                .await
                .unwrap();
            let r = import_bytes(&store, &z, bytes, &ImportOptions::default(), &mut |_| {})
                .await
                .unwrap();
            assert!(r.ok(), "{:?}", r.errors);
            let c = r.counts.unwrap();
            assert_eq!(
                (
                    c.facts_unchanged,
                    c.facts_updated,
                    c.enterprises_unchanged,
                    c.enterprises_updated,
                    c.fields_changed
                ),
                (3, 0, 2, 0, 0),
                "{format:?}: {}",
                r.summary_zh()
            );
            assert!(r.summary_zh().contains("更新企业0家"));
            assert!(r.changes.is_empty());
            let e = store
                .enterprise(&Scope::Zone, &code(1))
                .await
                .unwrap()
                .unwrap();
            assert!(e.synthetic, "the demo label survives the re-import");
        }
    }
}

fn units_file(header: &str, revenue: &str) -> String {
    format!(
        "统一社会信用代码,企业名称,所属园区,年度,成立日期,行业代码,从业人员（人）,{header}\n{},某公司,江北新区,2024,2015-06-01,C3911,100,{revenue}\n",
        code(9)
    )
}

#[tokio::test]
async fn three_a_headers_unit_is_read_exactly() {
    let mut fen = Vec::new();
    for (header, value) in [
        ("营业收入（元）", "52000000"),
        ("营业收入（万元）", "5200"),
        ("营业收入(亿元)", "0.52"),
        ("营业收入（单位：元）", "\"52,000,000.00\""),
    ] {
        for store in testing::all().await.unwrap() {
            let r = run(&store, &units_file(header, value), ImportOptions::default()).await;
            assert!(r.ok(), "{header}: {:?} {:?}", r.errors, r.warnings);
            assert!(r.notices.is_empty(), "{:?}", r.notices);
            fen.push(stored(&store, 9, 2024).await.get(F::Revenue).unwrap());
        }
    }
    assert!(fen.iter().all(|v| *v == 5_200_000_000), "{fen:?}");

    let store = testing::sqlite().await.unwrap();
    // A unit that does not fit: refused, naming the column.
    for h in [
        "营业收入（人）",
        "营业收入（千元）",
        "营业收入（%）",
        "营业收入（万美元）",
    ] {
        let r = run(&store, &units_file(h, "1"), ImportOptions::default()).await;
        assert!(!r.ok());
        assert_eq!(r.errors[0].row, 1);
        assert_eq!(r.errors[0].column, h);
        assert!(
            r.errors[0].message.contains("元、万元、亿元"),
            "{:?}",
            r.errors
        );
    }
    let r = run(
        &store,
        &units_file("营业收入（元）", "12.345"),
        ImportOptions::default(),
    )
    .await;
    assert!(r.errors[0].message.contains("最多2位"), "{:?}", r.errors);
    // No unit: the template's 万元, said in the report.
    let r = run(
        &store,
        &units_file("营业收入", "5200"),
        ImportOptions::default(),
    )
    .await;
    assert!(r.ok());
    assert!(
        r.notices[0].contains("未注明单位") && r.notices[0].contains("万元"),
        "{:?}",
        r.notices
    );
    assert_eq!(
        stored(&store, 9, 2024).await.get(F::Revenue),
        Some(5_200_000_000)
    );
}

#[tokio::test]
async fn three_implausible_values_wait_for_confirmation() {
    for store in testing::all().await.unwrap() {
        // 52,000,000 yuan typed under a 万元 header: 5200亿元, 52亿元 per employee.
        let text = units_file("营业收入（万元）", "52000000");
        let r = run(&store, &text, ImportOptions::default()).await;
        assert!(!r.ok());
        assert!(r.needs_confirmation, "{}", r.summary_zh());
        assert_eq!(r.error_count, 0);
        assert_eq!(r.warning_count, 2, "{:?}", r.warnings);
        assert!(
            r.warnings
                .iter()
                .any(|w| w.message.contains("人均营业收入"))
        );
        assert!(r.summary_zh().contains("未写入任何数据"));
        assert!(
            store
                .enterprise(&Scope::Zone, &code(9))
                .await
                .unwrap()
                .is_none()
        );
        let r = run(
            &store,
            &text,
            ImportOptions {
                accept_warnings: true,
                ..Default::default()
            },
        )
        .await;
        assert!(r.ok(), "{}", r.summary_zh());
        assert!(r.summary_zh().contains("已确认2处警告"));
        // Once stored, re-importing the same file asks nothing (nothing changes).
        let r = run(&store, &text, ImportOptions::default()).await;
        assert!(r.ok() && r.warning_count == 0, "{}", r.summary_zh());
    }
}

#[test]
fn the_templates_instructions_say_how_to_clear_and_which_units() {
    use calamine::Reader;
    let bytes = gaoxin_ingest::template_xlsx(&zone());
    let mut wb = calamine::Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
    let help = wb.worksheet_range("填写说明").unwrap();
    let all: Vec<String> = help.cells().map(|(_, _, c)| c.to_string()).collect();
    assert!(
        all.iter()
            .any(|c| c.contains(&format!("填写“{}”", gaoxin_ingest::CLEAR)))
    );
    assert!(all.iter().any(|c| c.contains("元、万元、亿元")));
    assert!(all.iter().any(|c| c.contains("--accept-warnings")));
    assert!(all.iter().any(|c| c == "新企业必填"));
}

#[tokio::test]
async fn a_failed_import_does_not_announce_a_move() {
    for store in seeded(false).await {
        // Moves firm 1 but the merged row is inconsistent (stored 科技人员 30 > 从业人员 10).
        let text = format!(
            "统一社会信用代码,所属园区,年度,从业人员（人）\n{},江北新区,2024,10\n",
            code(1)
        );
        let r = run(&store, &text, zone_admin()).await;
        assert!(!r.ok());
        assert!(r.notices.is_empty(), "{:?}", r.notices);
        assert_eq!(park_of(&store, 1).await, "xingang");
        assert!(
            store
                .park_moves(&Scope::Zone, &code(1))
                .await
                .unwrap()
                .is_empty()
        );
    }
}
