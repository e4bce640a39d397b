use super::*;
use crate::payout_sync::sync;
use crate::payouts::tests::{UNICORN, firms, store_run, zone_admin};
use gaoxin_model::Year;

fn sheet(rows: &[[&str; 7]]) -> Vec<u8> {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    for (c, (h, _)) in IMPORT_COLUMNS.iter().enumerate() {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            ws.write_string(r as u32 + 1, c as u16, *v).unwrap();
        }
    }
    wb.save_to_buffer().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn payments_import_all_or_nothing_with_row_and_column_messages() {
    let cfg = PayoutConfig::load().unwrap();
    for store in gaoxin_store::testing::all().await.unwrap() {
        let f = firms(&store).await;
        store_run(
            &store,
            "rules-2024-a",
            &f,
            &[
                (0, UNICORN, 150_000_000, false),
                (1, UNICORN, 80_000_000, true),
            ],
        )
        .await;
        let who = zone_admin("a1");
        sync(&store, &who, Year::new(2024).unwrap()).await.unwrap();
        let (a, b) = (f[0].0.as_str(), f[1].0.as_str());
        // one good row, and one over the computed amount, one duplicate, one bad date
        let bad = sheet(&[
            [
                a,
                "首次入选独角兽企业奖励",
                "2024",
                "1500000",
                "2025-03-31",
                "其他",
                "",
            ],
            [b, UNICORN, "2024", "800000.01", "2025-03-31", "其他", ""],
            [a, UNICORN, "2024", "1", "2025-03-31", "其他", ""],
            [b, UNICORN, "2024", "1", "2025-13-31", "其他", ""],
            [b, "不存在的政策", "2024", "1", "2025-03-31", "其他", ""],
        ]);
        let errs = import(&store, &cfg, &who, bad).await.unwrap().unwrap_err();
        assert_eq!(errs.len(), 4, "{errs:?}");
        assert!(
            errs[0].starts_with("第3行「拨付金额（元）」：") && errs[0].contains("超过测算金额"),
            "{errs:?}"
        );
        assert!(
            errs[1].starts_with("第4行") && errs[1].contains("与第2行是同一笔奖励"),
            "{errs:?}"
        );
        assert!(errs[2].starts_with("第5行「拨付日期」"), "{errs:?}");
        assert!(errs[3].starts_with("第6行「政策」"), "{errs:?}");
        // nothing written
        let rows = store
            .payouts(&Scope::Zone, &PayoutFilter::default())
            .await
            .unwrap();
        assert!(rows.iter().all(|p| p.paid_fen.is_none()));
        // the good rows alone: written, with their steps
        let good = sheet(&[
            [
                a,
                "首次入选独角兽企业奖励",
                "2024",
                "1500000",
                "2025-03-31",
                "其他",
                "线下拨付",
            ],
            [b, UNICORN, "2024", "800000", "2025-04-01", "其他", ""],
        ]);
        assert_eq!(
            import(&store, &cfg, &who, good.clone()).await.unwrap(),
            Ok(2)
        );
        let rows = store
            .payouts(&Scope::Zone, &PayoutFilter::default())
            .await
            .unwrap();
        assert!(
            rows.iter()
                .all(|p| p.state == "拨付" && p.paid_fen == Some(p.computed_fen))
        );
        let steps = store.payout_steps(&Scope::Zone, rows[0].id).await.unwrap();
        assert_eq!(steps.last().unwrap().step, "导入拨付");
        // again: each is a second payment
        let errs = import(&store, &cfg, &who, good).await.unwrap().unwrap_err();
        assert_eq!(errs.len(), 2);
        assert!(errs.iter().all(|e| e.contains("不能重复拨付")), "{errs:?}");
    }
}

#[test]
fn the_template_reads_back_with_the_import_columns() {
    let cfg = PayoutConfig::load().unwrap();
    let bytes = template(&cfg, &[(UNICORN.into(), "首次入选独角兽企业奖励".into())]).unwrap();
    let s = gaoxin_ingest::read::open_bytes(bytes).unwrap();
    let heads: Vec<&str> = IMPORT_COLUMNS.iter().map(|c| c.0).collect();
    assert_eq!(s.headers, heads);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_imported_payment_to_a_firm_no_longer_eligible_waits_for_a_second_approval() {
    use crate::payout_flow::Capacity;
    use crate::payouts::{StepInput, act};
    let cfg = PayoutConfig::load().unwrap();
    for store in gaoxin_store::testing::all().await.unwrap() {
        let f = firms(&store).await;
        store_run(
            &store,
            "rules-2024-a",
            &f,
            &[(0, UNICORN, 150_000_000, true)],
        )
        .await;
        let a1 = zone_admin("a1");
        sync(&store, &a1, Year::new(2024).unwrap()).await.unwrap();
        // a newer run in which the firm no longer qualifies
        store_run(&store, "rules-2024-b", &f, &[(0, UNICORN, 0, true)]).await;
        let a = f[0].0.as_str();
        let row = sheet(&[[a, UNICORN, "2024", "1000", "2025-03-31", "其他", "线下"]]);
        assert_eq!(import(&store, &cfg, &a1, row).await.unwrap(), Ok(1));
        let p = &store
            .payouts(&Scope::Zone, &PayoutFilter::default())
            .await
            .unwrap()[0];
        assert_eq!((p.state.as_str(), p.paid_fen), ("待复核", None));
        let steps = store.payout_steps(&Scope::Zone, p.id).await.unwrap();
        let last = steps.last().unwrap();
        assert_eq!(last.step, "拨付待复核");
        assert_eq!(last.amount_fen, Some(100_000));
        assert!(last.reason.contains("不符合"), "{}", last.reason);
        // the importer cannot confirm it; another zone administrator can
        let confirm = StepInput {
            action: "复核通过".into(),
            ..Default::default()
        };
        let e = act(
            &store,
            &cfg,
            &a1,
            Capacity::Zone,
            &Scope::Zone,
            p.id,
            &confirm,
        )
        .await
        .unwrap_err();
        assert!(e.to_string().contains("另一名"), "{e}");
        let a2 = zone_admin("a2");
        act(
            &store,
            &cfg,
            &a2,
            Capacity::Zone,
            &Scope::Zone,
            p.id,
            &confirm,
        )
        .await
        .unwrap();
        let p = store.payout(&Scope::Zone, p.id).await.unwrap().unwrap();
        assert_eq!((p.state.as_str(), p.paid_fen), ("拨付", Some(100_000)));
    }
}
