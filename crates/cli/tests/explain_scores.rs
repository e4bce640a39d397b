//! `gaoxin explain` itemises scores with their bands (cut-points named 「以下」 in that band),
//! classifies SME size by industry, and names the reference date of certificate validity — run
//! as a user runs it, against SQLite and (when configured) PostgreSQL.
use gaoxin_demo::{DemoConfig, generate};
use gaoxin_model::{F, IndustryCode, Provenance, Zone};
use gaoxin_store::testing;
use std::process::Command;

const WAN: i64 = 1_000_000; // fen per 万元

fn explain(url: &str, uscc: &str, rule: &str) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_gaoxin"))
        .args([
            "--database",
            url,
            "explain",
            uscc,
            "--rule",
            rule,
            "--year",
            "2024",
        ])
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
        .output()
        .expect("gaoxin runs");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    text
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn explain_itemises_scores_and_classifies_sme_size() {
    let zone = Zone::parse(include_str!("../../../data/reference/zone.toml")).unwrap();
    for store in testing::all().await.unwrap() {
        let mut demo = generate(
            &zone,
            &DemoConfig {
                enterprises: 2,
                first_year: 2022,
                last_year: 2024,
                seed: 3,
            },
        );
        // Firm 0: a manufacturer with debt exactly 55% and R&D exactly 1% of revenue.
        // Firm 1: the same but 2,000 staff and 5亿 revenue, debt exactly 50%.
        for (i, (staff, revenue, liabilities)) in [
            (120, 4000 * WAN, 550 * WAN),
            (2000, 50_000 * WAN, 500 * WAN),
        ]
        .into_iter()
        .enumerate()
        {
            let uscc = demo.enterprises[i].uscc.clone();
            demo.enterprises[i].industry = IndustryCode::parse("C3911").unwrap();
            let f = demo
                .facts
                .iter_mut()
                .find(|f| f.uscc == uscc && f.year.get() == 2024)
                .unwrap();
            for (k, v) in [
                ("employees", staff),
                ("revenue", revenue),
                ("rd_expense", revenue / 100),
                ("total_liabilities", liabilities),
                ("total_assets", 1000 * WAN),
            ] {
                f.set(F::by_key(k).unwrap(), Some(v), Provenance::Declared);
            }
        }
        let mut tx = store.begin_import().await.unwrap();
        tx.write_enterprises(&demo.enterprises).await.unwrap();
        tx.write_facts(&demo.facts).await.unwrap();
        tx.commit().await.unwrap();
        let url = store.url().to_string();
        let (a, b) = (
            demo.enterprises[0].uscc.as_str().to_string(),
            demo.enterprises[1].uscc.as_str().to_string(),
        );

        let t = explain(&url, &a, "innovative_sme_2022");
        assert!(t.contains("评分明细"), "{t}");
        assert!(t.contains("落在「A（55%以下）」档（10分）"), "{t}");
        assert!(t.contains("落在「E（1%以下）」档（0分）"), "{t}");
        assert!(t.contains("✓ 须为中小企业"), "{t}");
        assert!(
            t.contains("需低于工业大型企业下限1,000人，实际120人"),
            "{t}"
        );
        assert!(t.contains("有效期按评价基准日 2025-06-30 判断"), "{t}");

        let t = explain(&url, &b, "specialized_sme_2022");
        assert!(t.contains("落在「50%以下」档（5分）"), "{t}");
        assert!(t.contains("✗ 须为中小企业"), "{t}");
        assert!(t.contains("不是中小企业"), "{t}");
        assert!(t.contains("结论：不符合"), "{t}");
        store.close().await;
    }
}
