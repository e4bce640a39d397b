//! The finance imports on both backends: all-or-nothing with messages naming row and column;
//! a park's import only for its firms; bank responses only for consenting firms.
use gaoxin_app::finance::FinanceConfig;
use gaoxin_app::finance_import::{
    import_demands, import_funds, import_investments, import_responses, import_scenarios,
};
use gaoxin_demo::DemoConfig;
use gaoxin_model::Zone;
use gaoxin_store::{Scope, testing};

fn zone() -> Zone {
    Zone::parse(include_str!("../../../data/reference/zone.toml")).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn imports_are_all_or_nothing_and_scoped() {
    let z = zone();
    let cfg = FinanceConfig::load().unwrap();
    for store in testing::all().await.unwrap() {
        let demo = gaoxin_demo::generate(
            &z,
            &DemoConfig {
                enterprises: 60,
                first_year: 2024,
                last_year: 2024,
                seed: 3,
            },
        );
        let mut tx = store.begin_import().await.unwrap();
        tx.write_enterprises(&demo.enterprises).await.unwrap();
        tx.write_facts(&demo.facts).await.unwrap();
        tx.commit().await.unwrap();
        let a = &demo.enterprises[0];
        let b = demo.enterprises.iter().find(|e| e.park != a.park).unwrap();
        let head = "统一社会信用代码,需求金额（万元）,期限（月）,资金用途,担保方式,申报日期\n";
        // row 3 is bad: nothing written, the message names row and column
        let bad = format!(
            "{head}{},100.5,12,研发,信用,2026-11-01\n{},abc,12,研发,,2026-11-01\n",
            a.uscc.as_str(),
            b.uscc.as_str()
        );
        let errs = import_demands(&store, &Scope::Zone, bad.into_bytes(), "t")
            .await
            .unwrap()
            .unwrap_err();
        assert_eq!(errs.len(), 1, "{errs:?}");
        assert!(errs[0].starts_with("第3行「需求金额（万元）」"), "{errs:?}");
        assert!(store.demands(&Scope::Zone, None).await.unwrap().is_empty());
        // a park's import: another park's firm is an error, nothing written
        let both = format!(
            "{head}{},100.5,12,研发,信用,2026-11-01\n{},7,6,设备,,2026-11-02\n",
            a.uscc.as_str(),
            b.uscc.as_str()
        );
        let errs = import_demands(
            &store,
            &Scope::Park(a.park.clone()),
            both.clone().into_bytes(),
            "t",
        )
        .await
        .unwrap()
        .unwrap_err();
        assert!(errs[0].starts_with("第3行「统一社会信用代码」"), "{errs:?}");
        assert!(store.demands(&Scope::Zone, None).await.unwrap().is_empty());
        // a missing column is named
        let errs = import_demands(
            &store,
            &Scope::Zone,
            "统一社会信用代码,期限（月）\nx,1\n".into(),
            "t",
        )
        .await
        .unwrap()
        .unwrap_err();
        assert!(
            errs.iter()
                .any(|e| e.contains("缺少列「需求金额（万元）」")),
            "{errs:?}"
        );
        // the zone's import writes both, exact fen
        assert_eq!(
            import_demands(&store, &Scope::Zone, both.into_bytes(), "t")
                .await
                .unwrap(),
            Ok(2)
        );
        let ds = store.demands(&Scope::Zone, None).await.unwrap();
        let da = ds.iter().find(|d| d.uscc == a.uscc.as_str()).unwrap();
        assert_eq!(da.amount_fen, 100_500_000);

        // responses: only for a listed demand of a consenting firm; all or nothing
        store
            .publish_edition(&Scope::Zone, "第1期", 20261110, "t", 1)
            .await
            .unwrap()
            .unwrap();
        let (bank, _) = store.add_bank("银行甲", 1).await.unwrap().unwrap();
        let db = ds.iter().find(|d| d.uscc == b.uscc.as_str()).unwrap();
        store
            .grant_consent(
                &Scope::Enterprise(a.uscc.clone()),
                &a.uscc,
                &bank.id,
                i64::MAX / 2,
                "firm",
                gaoxin_store::unix_now(),
            )
            .await
            .unwrap()
            .unwrap();
        let rhead = "需求编号,银行,状态,金额（万元）,拒绝原因代码,日期,备注\n";
        let two = format!(
            "{rhead}{},银行甲,已审批,80,,2026-11-20,\n{},银行甲,已拒绝,,R02,2026-11-20,\n",
            da.id, db.id
        );
        let errs = import_responses(&store, &cfg, two.into_bytes())
            .await
            .unwrap()
            .unwrap_err();
        assert!(errs[0].starts_with("第3行「需求编号」"), "{errs:?}");
        assert!(
            store
                .loan_responses(&Scope::Zone, None)
                .await
                .unwrap()
                .is_empty()
        );
        let bad_reason = format!("{rhead}{},银行甲,已拒绝,,R77,2026-11-20,\n", da.id);
        let errs = import_responses(&store, &cfg, bad_reason.into_bytes())
            .await
            .unwrap()
            .unwrap_err();
        assert!(errs[0].contains("第2行「拒绝原因代码」R77"), "{errs:?}");
        let one = format!("{rhead}{},银行甲,已审批,80,,2026-11-20,\n", da.id);
        assert_eq!(
            import_responses(&store, &cfg, one.into_bytes())
                .await
                .unwrap(),
            Ok(1)
        );
        let rs = store.loan_responses(&Scope::Zone, None).await.unwrap();
        assert_eq!(rs[0].amount_fen, Some(80_000_000));

        // scenarios: a bad park names row and column; a duplicate code is an error
        let shead = "场景编号,场景名称,提供方,提供方类型,园区,赛道,预算（万元）,截止日期,状态\n";
        let park = &z.parks[0].name;
        let bad = format!(
            "{shead}CJ-1,无人机巡检,管委会,政府部门,{park},低空经济,100,2026-12-31,征集中\nCJ-2,x,y,企业,火星园,低空经济,,,\n"
        );
        let errs = import_scenarios(
            &store,
            &z,
            &gaoxin_app::audit::Who::system(),
            bad.into_bytes(),
        )
        .await
        .unwrap()
        .unwrap_err();
        assert!(errs[0].starts_with("第3行「园区」火星园"), "{errs:?}");
        assert!(store.scenarios().await.unwrap().is_empty());
        let dup = format!("{shead}CJ-1,a,b,,{park},低空经济,,,\nCJ-1,a,b,,{park},低空经济,,,\n");
        let errs = import_scenarios(
            &store,
            &z,
            &gaoxin_app::audit::Who::system(),
            dup.into_bytes(),
        )
        .await
        .unwrap()
        .unwrap_err();
        assert!(errs[0].contains("重复"), "{errs:?}");
        let ok = format!(
            "{shead}CJ-1,无人机巡检,管委会,政府部门,{park},低空经济,100,2026-12-31,征集中\n"
        );
        assert_eq!(
            import_scenarios(
                &store,
                &z,
                &gaoxin_app::audit::Who::system(),
                ok.into_bytes()
            )
            .await
            .unwrap(),
            Ok(1)
        );
        assert_eq!(
            store.scenarios().await.unwrap()[0].budget_fen,
            Some(100_000_000)
        );

        // funds and investments: a track fund needs its track; an investment names a known fund
        let fhead = "基金名称,类别,管理人,规模（万元）,赛道,设立年份\n";
        let bad = format!(
            "{fhead}母基金甲,母基金,管理人,500000,,2022\n赛道基金乙,赛道基金,管理人,50000,,2023\n"
        );
        let errs = import_funds(&store, &z, bad.into_bytes())
            .await
            .unwrap()
            .unwrap_err();
        assert!(errs[0].starts_with("第3行「赛道」"), "{errs:?}");
        assert!(store.funds().await.unwrap().is_empty());
        let ok = format!(
            "{fhead}母基金甲,母基金,管理人,500000,,2022\n赛道基金乙,赛道基金,管理人,50000.5,低空经济,2023\n"
        );
        assert_eq!(
            import_funds(&store, &z, ok.into_bytes()).await.unwrap(),
            Ok(2)
        );
        let ihead = "基金名称,统一社会信用代码,轮次,金额（万元）,日期,拨投结合拨款（万元）,备注\n";
        let bad = format!(
            "{ihead}赛道基金乙,{},A轮,1000,2026-01-01,250,\n无名基金,{},B轮,1,2026-01-01,,\n",
            a.uscc.as_str(),
            a.uscc.as_str()
        );
        let errs = import_investments(&store, &Scope::Zone, bad.into_bytes())
            .await
            .unwrap()
            .unwrap_err();
        assert!(errs[0].starts_with("第3行「基金名称」"), "{errs:?}");
        let other_park = format!(
            "{ihead}赛道基金乙,{},A轮,1000,2026-01-01,250,\n",
            b.uscc.as_str()
        );
        let errs = import_investments(
            &store,
            &Scope::Park(a.park.clone()),
            other_park.into_bytes(),
        )
        .await
        .unwrap()
        .unwrap_err();
        assert!(errs[0].starts_with("第2行「统一社会信用代码」"), "{errs:?}");
        assert!(
            store
                .investments(&Scope::Zone, None)
                .await
                .unwrap()
                .is_empty()
        );
        let ok = format!(
            "{ihead}赛道基金乙,{},A轮,1000,2026-01-01,250,\n",
            a.uscc.as_str()
        );
        assert_eq!(
            import_investments(&store, &Scope::Zone, ok.into_bytes())
                .await
                .unwrap(),
            Ok(1)
        );
        let inv = store.investments(&Scope::Zone, None).await.unwrap();
        assert_eq!(
            (inv[0].amount_fen, inv[0].grant_fen),
            (1_000_000_000, Some(250_000_000))
        );
    }
}
