use super::*;
use crate::payouts::tests::zone_admin;

fn csv(rows: &[&str]) -> Vec<u8> {
    let mut s = String::from("年度,资金类别,资金级别,金额（元）,备注\n");
    for r in rows {
        s.push_str(r);
        s.push('\n');
    }
    s.into_bytes()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fund_lines_import_all_or_nothing_and_a_correction_supersedes() {
    let cfg = PayoutConfig::load().unwrap();
    let who = zone_admin("admin");
    let cat = cfg.categories[0].name.clone();
    for store in gaoxin_store::testing::all().await.unwrap() {
        // bad rows: every problem named by row and column; nothing written
        let bad = csv(&[
            &format!("2024,{cat},市级,100.00,"),
            "2024,不存在的类别,市级,1,",
            &format!("2024,{cat},省级,1,"),
            &format!("2024,{cat},区级,-5,"),
            &format!("2024,{cat},市级,7,"),
            &format!("二〇二四,{cat},区级,1,"),
        ]);
        let errs = import(&store, &cfg, &who, "资金.csv", bad)
            .await
            .unwrap()
            .unwrap_err();
        let all = errs.join("\n");
        assert!(all.contains("第3行「资金类别」"), "{all}");
        assert!(all.contains("第4行「资金级别」"), "{all}");
        assert!(all.contains("第5行「金额（元）」"), "{all}");
        assert!(all.contains("第6行「资金类别」：与第2行"), "{all}");
        assert!(all.contains("第7行「年度」"), "{all}");
        assert!(
            store
                .payout_fund_history(&Scope::Zone)
                .await
                .unwrap()
                .is_empty()
        );
        // a missing column
        let errs = import(
            &store,
            &cfg,
            &who,
            "x.csv",
            b"year,amount\n2024,1\n".to_vec(),
        )
        .await
        .unwrap()
        .unwrap_err();
        assert!(
            errs.iter().any(|e| e.contains("缺少列「年度」")),
            "{errs:?}"
        );
        // good: two lines; then a correction of one of them
        let ok = csv(&[
            &format!("2024,{cat},市级,100.00,首批"),
            &format!("2024,{CITY_TOTAL},市级,1000.00,"),
        ]);
        assert_eq!(
            import(&store, &cfg, &who, "资金.csv", ok).await.unwrap(),
            Ok(2)
        );
        let fix = csv(&[&format!("2024,{cat},市级,120.50,更正")]);
        assert_eq!(
            import(&store, &cfg, &who, "更正.csv", fix).await.unwrap(),
            Ok(1)
        );
        let h = history(&store, &Scope::Zone, Some(2024)).await.unwrap();
        assert_eq!(h.len(), 3);
        let old = h.iter().find(|e| e.note == "首批").unwrap();
        let new = h.iter().find(|e| e.note == "更正").unwrap();
        assert!(!old.current && new.current);
        assert_eq!(old.status, format!("已被第{}条更正", new.id));
        assert_eq!(new.origin, "导入:更正.csv");
        let now = store.payout_funds(&Scope::Zone).await.unwrap();
        assert_eq!(now.len(), 2);
        assert!(
            now.iter()
                .any(|l| l.category == cat && l.amount_fen == 12_050)
        );
        assert!(
            history(&store, &Scope::Zone, Some(2023))
                .await
                .unwrap()
                .is_empty()
        );
        let n = store
            .audit_count(
                &Scope::Zone,
                &gaoxin_store::AuditFilter {
                    action: Some("payout.fund_import".into()),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(n, 3);
        assert!(history_workbook(&h).unwrap().starts_with(b"PK"));
    }
    assert!(template(&cfg).unwrap().starts_with(b"PK"));
}
