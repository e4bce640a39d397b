//! The workbooks read back: every list of a rules run and every sheet of the annual evaluation
//! report is where it should be, with one row per item of the summary it comes from. Set
//! `GAOXIN_DUMP_XLSX=<file>` to write every cell of them as text (to compare two builds).
use calamine::{Data, Range, Reader, Xlsx};
use gaoxin_app::indicators;
use gaoxin_app::rules_runs::{self, Lists};
use gaoxin_demo::{DemoConfig, generate};
use gaoxin_model::Zone;
use gaoxin_store::{Scope, Store, testing};
use std::io::Cursor;

fn zone() -> Zone {
    Zone::parse(include_str!("../../../data/reference/zone.toml")).unwrap()
}

async fn fixture(zone: &Zone) -> Store {
    let store = testing::sqlite().await.unwrap();
    let demo = generate(
        zone,
        &DemoConfig {
            enterprises: 300,
            first_year: 2021,
            last_year: 2024,
            seed: 7,
        },
    );
    let mut tx = store.begin_import().await.unwrap();
    tx.write_enterprises(&demo.enterprises).await.unwrap();
    tx.write_facts(&demo.facts).await.unwrap();
    tx.commit().await.unwrap();
    store
}

/// Sheet name and cells of every sheet, in order.
fn read(bytes: &[u8]) -> Vec<(String, Range<Data>)> {
    let mut x = Xlsx::new(Cursor::new(bytes.to_vec())).unwrap();
    x.sheet_names()
        .into_iter()
        .map(|n| {
            let r = x.worksheet_range(&n).unwrap();
            (n, r)
        })
        .collect()
}

fn text(book: &[(String, Range<Data>)]) -> String {
    let mut o = String::new();
    for (n, r) in book {
        o.push_str(&format!("== {n}\n"));
        for row in r.rows() {
            let cells: Vec<String> = row.iter().map(|c| format!("{c:?}")).collect();
            o.push_str(&cells.join("\t"));
            o.push('\n');
        }
    }
    o
}

fn names(book: &[(String, Range<Data>)]) -> Vec<&str> {
    book.iter().map(|(n, _)| n.as_str()).collect()
}

fn rows(book: &[(String, Range<Data>)], name: &str) -> usize {
    book.iter().find(|(n, _)| n == name).unwrap().1.height()
}

fn cell(book: &[(String, Range<Data>)], name: &str, r: u32, c: u32) -> String {
    let range = &book.iter().find(|(n, _)| n == name).unwrap().1;
    range
        .get_value((r, c))
        .map(|d| d.to_string())
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn workbooks_hold_every_list_and_sheet() {
    let zone = zone();
    let store = fixture(&zone).await;
    let (s, run) = rules_runs::run_rules(&store, gaoxin_model::Year::new(2024).unwrap())
        .await
        .unwrap();
    let all = store
        .rule_results(&Scope::Zone, &run.id, None, None)
        .await
        .unwrap();
    let firm_names = all
        .iter()
        .map(|r| (r.uscc.clone(), r.name.clone()))
        .collect();
    let mut dump = String::new();
    let ladder = [
        "各园区结果",
        "最接近达标",
        "梯度漏斗",
        "年度转化",
        "在梯年限",
    ];
    let policies = ["免申即享", "快申快享", "政策预算"];
    for which in [Lists::All, Lists::Ladder, Lists::Policies] {
        let x = rules_runs::workbook(&zone, &s, &all, &firm_names, which).unwrap();
        let book = read(&x);
        let mut want: Vec<&str> = Vec::new();
        if which != Lists::Policies {
            want.extend(ladder);
        }
        if which != Lists::Ladder {
            want.extend(policies);
        }
        want.push("运行记录");
        assert_eq!(names(&book), want, "{which:?}");
        if which != Lists::Policies {
            assert_eq!(rows(&book, "各园区结果"), s.counts.len() + 1);
            assert_eq!(rows(&book, "梯度漏斗"), s.funnel.len() + 1);
            assert_eq!(rows(&book, "年度转化"), s.conversions.len() + 1);
            assert_eq!(rows(&book, "在梯年限"), s.medians.len() + 1);
            assert!(rows(&book, "最接近达标") > 1);
        }
        if which != Lists::Ladder {
            assert_eq!(rows(&book, "政策预算"), s.budgets.len() + 1);
        }
        assert_eq!(cell(&book, "运行记录", 3, 1), s.record.input_hash);
        assert_eq!(
            rows(&book, "运行记录"),
            6 + s.record.rules.len() + s.skipped.len()
        );
        dump.push_str(&format!("#### rules workbook {which:?}\n{}", text(&book)));
    }

    let (rep, _) =
        indicators::run_park_evaluation(&store, gaoxin_model::Year::new(2024).unwrap(), 50)
            .await
            .unwrap();
    let targets = indicators::targets(
        &store,
        &zone,
        &Scope::Zone,
        gaoxin_model::Year::new(2024).ok(),
    )
    .await
    .unwrap();
    let book = read(&indicators::report_xlsx(&zone, &rep, &targets).unwrap());
    assert_eq!(
        names(&book),
        ["排名", "指标值", "标准化得分", "指标体系", "目标监测"]
    );
    assert_eq!(rows(&book, "排名"), 4 + rep.parks.len());
    assert_eq!(cell(&book, "排名", 0, 0), "2024年度园区综合发展能力评价");
    assert_eq!(rows(&book, "指标值"), 1 + rep.parks.len());
    assert_eq!(rows(&book, "标准化得分"), 1 + rep.parks.len());
    assert_eq!(rows(&book, "指标体系"), 1 + rep.indicators.len());
    assert!(!targets.is_empty());
    assert_eq!(rows(&book, "目标监测"), 1 + targets.len());
    assert_eq!(cell(&book, "目标监测", 1, 0), targets[0].name);
    // `gaoxin targets --out` writes the report's 目标监测 sheet, alone
    let alone = read(&indicators::targets_xlsx(&targets).unwrap());
    assert_eq!(names(&alone), ["目标监测"]);
    assert_eq!(text(&alone), text(&book[4..]));
    dump.push_str(&format!("#### park report\n{}", text(&book)));
    if let Ok(path) = std::env::var("GAOXIN_DUMP_XLSX") {
        std::fs::write(path, dump).unwrap();
    }
}
