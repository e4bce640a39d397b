//! Scores on the firm page: cut-points named 「以下」 fall in that band, every scored indicator is
//! itemised (value, band, points), the SME size test names the industry and its bounds, validity
//! names the reference date, and a 小巨人 verdict that hangs on unentered expert items reads
//! 取决于假设 — on SQLite and (when configured) PostgreSQL.
mod common;

use common::{Server, start};
use gaoxin_model::{F, IndustryCode, Provenance, Uscc};
use gaoxin_store::{Scope, testing};

/// Sets a firm's industry and some of its 2024 facts (money in fen, counts as is).
async fn set_firm(s: &Server, uscc: &str, industry: &str, vals: &[(&str, i64)]) {
    let code = Uscc::parse(uscc).unwrap();
    let mut e = s
        .store
        .enterprise(&Scope::Zone, &code)
        .await
        .unwrap()
        .unwrap();
    e.industry = IndustryCode::parse(industry).unwrap();
    let mut facts = s.store.facts_of(&Scope::Zone, &code).await.unwrap();
    let f = facts.iter_mut().find(|f| f.year.get() == 2024).unwrap();
    for (k, v) in vals {
        f.set(F::by_key(k).unwrap(), Some(*v), Provenance::Declared);
    }
    let mut tx = s.store.begin_import().await.unwrap();
    tx.write_enterprises(&[e]).await.unwrap();
    tx.write_facts(&facts).await.unwrap();
    tx.commit().await.unwrap();
}

const WAN: i64 = 1_000_000; // fen per 万元

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn firm_page_itemises_scores_and_classifies_sme_size() {
    for store in testing::all().await.unwrap() {
        let s = start(store).await;
        let firms: Vec<String> = s
            .firms
            .iter()
            .filter(|e| e.park == "jiangbei" && e.name != common::HOSTILE)
            .take(3)
            .map(|e| e.uscc.as_str().to_string())
            .collect();
        let (a, b, c) = (&firms[0], &firms[1], &firms[2]);
        // A: debt exactly 55% (创新型「A 55%以下 10」), a small manufacturer.
        set_firm(
            &s,
            a,
            "C3911",
            &[
                ("total_liabilities", 550 * WAN),
                ("total_assets", 1000 * WAN),
                ("employees", 120),
                ("revenue", 4000 * WAN),
            ],
        )
        .await;
        // B: debt exactly 50% (专精特新「50%以下 5」), 2,000 staff and 5亿 revenue: not an SME.
        set_firm(
            &s,
            b,
            "C3911",
            &[
                ("total_liabilities", 500 * WAN),
                ("total_assets", 1000 * WAN),
                ("employees", 2000),
                ("revenue", 50_000 * WAN),
            ],
        )
        .await;
        // C: financial services are not covered by the SME standard.
        set_firm(&s, c, "J6620", &[("employees", 20), ("revenue", 100 * WAN)]).await;
        let mut admin = s.signed_in("admin").await;

        let r = admin
            .get(&format!("/enterprises/{a}/ladder?year=2024"))
            .await;
        assert_eq!(r.status, 200);
        let t = r.text();
        assert!(t.contains("评分明细"), "{t}");
        assert!(
            t.contains("4 资产负债率：10分（上年度资产负债率（越低越好） 55%，落在「A（55%以下）」档（10分））"),
            "{t}"
        );
        assert!(
            t.contains("需低于工业大型企业下限1,000人，实际120人"),
            "{t}"
        );
        assert!(t.contains("有效期按评价基准日 2025-06-30 判断"), "{t}");

        let r = admin
            .get(&format!("/enterprises/{b}/ladder?year=2024"))
            .await;
        assert_eq!(r.status, 200);
        let t = r.text();
        assert!(t.contains("落在「50%以下」档（5分）"), "{t}");
        assert!(
            t.contains("各项指标均达到大型企业下限，不是中小企业"),
            "{t}"
        );
        assert!(
            t.contains("需低于工业大型企业下限4.00亿元，实际5.00亿元"),
            "{t}"
        );

        let r = admin
            .get(&format!("/enterprises/{c}/ladder?year=2024"))
            .await;
        assert_eq!(r.status, 200);
        let t = r.text();
        assert!(
            t.contains(
                "企业所属行业无法按《中小企业划型标准规定》（工信部联企业〔2011〕300号）划型"
            ),
            "{t}"
        );
    }
}
