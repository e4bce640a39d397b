use super::*;
use crate::appeals::tests::stores_with_firms;
use crate::talent::Reader;
use crate::talent_import::tests::{NOW, cfg, csv, zone};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_talent_targets_need_data_until_talents_exist_then_show_figures() {
    let zone = zone();
    for (store, firms) in stores_with_firms().await {
        let target = |v: &[gaoxin_index::report::TargetView], id: &str| {
            v.iter().find(|t| t.id == id).unwrap().clone()
        };
        let before = crate::indicators::targets(&store, &zone, &Scope::Zone, None)
            .await
            .unwrap();
        for id in ["c-new-talents", "c-top-talents"] {
            let t = target(&before, id);
            assert_eq!(t.current, None);
            assert!(
                t.needs.as_deref().unwrap().contains("台账"),
                "{:?}",
                t.needs
            );
        }
        let (a, b) = (&firms[0], &firms[1]);
        let rows = vec![
            format!(
                "R1,甲,男,1980,中国,博士,人工智能,企业,,2021,在岗,,{},团队一,负责人,是,,,,,,",
                a.uscc.as_str()
            ),
            format!(
                "R2,乙,女,1988,中国,硕士,人工智能,企业,,2022,在岗,,{},团队一,成员,是,,,,,,",
                a.uscc.as_str()
            ),
            format!(
                "R3,丙,男,1975,中国,博士,集成电路,企业,,2019,在岗,,{},,,是,,,,,,",
                b.uscc.as_str()
            ),
            format!(
                "R4,丁,男,1970,德国,博士,集成电路,企业,,2023,离开,,{},,,否,,2024,,,,",
                b.uscc.as_str()
            ),
        ];
        let r = crate::talent_import::import(
            &store,
            &zone,
            &cfg(),
            &Reader::cli(Scope::Zone),
            csv(&rows),
            "t.csv",
            NOW,
        )
        .await
        .unwrap();
        assert!(r.is_ok(), "{r:?}");
        let after = crate::indicators::targets(&store, &zone, &Scope::Zone, None)
            .await
            .unwrap();
        let new = target(&after, "c-new-talents");
        assert_eq!((new.current_year, new.current), (Some(2023), Some(3.0)));
        assert_eq!(new.needs, None);
        // 团队一 counts once; R3 alone; R4 is not a top talent
        assert_eq!(target(&after, "c-top-talents").current, Some(2.0));
        // a park sees its own figures only
        let park = Scope::Park(a.park.clone());
        let mine = crate::indicators::targets(&store, &zone, &park, None)
            .await
            .unwrap();
        let expect = if a.park == b.park { 3.0 } else { 2.0 };
        assert_eq!(target(&mine, "c-new-talents").current, Some(expect));
        // the monitor: in post per year, density beside tier
        let m = monitor(&store, &zone, &Scope::Zone, Some(2024))
            .await
            .unwrap();
        assert_eq!(m.total, 3);
        let y2023 = m.years.iter().position(|y| *y == 2023).unwrap();
        let fields: i64 = m.by_field.iter().map(|s| s.counts[y2023]).sum();
        assert_eq!(fields, 4, "R4 was in post in 2023");
        assert_eq!(m.new_talents.as_ref().unwrap().value, 3);
        assert_eq!(m.top_teams.as_ref().unwrap().value, 2);
        let fa = m.firms.iter().find(|f| f.uscc == a.uscc.as_str()).unwrap();
        assert_eq!(fa.talents, 2);
        assert!(!xlsx(&m).unwrap().is_empty());
    }
}
