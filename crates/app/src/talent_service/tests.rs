//! A talent's service request through the appeals workflow, from filing to 办结.
use super::*;
use crate::appeals::tests::stores_with_firms;
use crate::appeals::{Move, act, view};
use crate::appeals_data::tests::shipped;
use crate::appeals_flow::Action;
use crate::talent::Reader;
use crate::talent_import::tests::{NOW, cfg, csv, zone};
use gaoxin_store::AppealFilter;

#[test]
fn the_card_level_shortens_the_limit_and_names_the_service() {
    let c = cfg();
    let school = c.category("子女入学").unwrap();
    assert_eq!(
        c.service_for(school, Some("A")),
        ("专员全程代办".into(), 3, true)
    );
    assert_eq!(c.service_for(school, None), ("标准服务".into(), 10, true));
    let medical = c.category("人才服务·医疗").unwrap();
    assert_eq!(c.service_for(medical, Some("C")).1, 5);
    assert!(ServiceConfig::parse("x.toml", "source='s'\nversion='1'\ndepartment='rencai'\ncategory=[]\nlevel=[]\n[none]\nservice='s'").is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_runs_through_the_appeals_workflow_to_closing() {
    let (zone, c, appeals) = (zone(), cfg(), shipped());
    for (store, firms) in stores_with_firms().await {
        let firm = &firms[0];
        let rows = vec![format!(
            "RC-1,张三,男,1985,中国,博士,人工智能,企业,,2022,在岗,,{},,,否,A,,,,,",
            firm.uscc.as_str()
        )];
        let r = crate::talent_import::import(
            &store,
            &zone,
            &c,
            &Reader::cli(Scope::Zone),
            csv(&rows),
            "t.csv",
            NOW,
        )
        .await
        .unwrap();
        assert!(r.is_ok(), "{r:?}");
        let filing = ServiceFiling {
            talent_code: "RC-1".into(),
            category: "子女入学".into(),
            description: "孩子今年秋季入学，需协调就近学校".into(),
            contact: "张先生 13800000000".into(),
            channel: String::new(),
        };
        // another firm cannot file for this talent: the same answer as a missing one
        let stranger = firms.iter().find(|f| f.uscc != firm.uscc).unwrap();
        let s = Actor::user("other", &Role::Enterprise(stranger.uscc.clone()));
        assert!(matches!(
            file(&store, &appeals, &c, &s, &filing, NOW).await,
            Err(TalentError::NotFound)
        ));
        // the employer files; the A card gives 3 working days
        let employer = Actor::user("firm", &Role::Enterprise(firm.uscc.clone()));
        let id = file(&store, &appeals, &c, &employer, &filing, NOW)
            .await
            .unwrap();
        let a = store.appeal(&Scope::Zone, id).await.unwrap().unwrap();
        assert_eq!(
            (a.category.as_str(), a.limit_days, a.department.as_deref()),
            ("人才服务·子女入学", 3, Some("rencai"))
        );
        assert_eq!(a.uscc, firm.uscc.as_str());
        // staff filing carries no firm's code: the employer does not see it
        let admin = Actor::user("admin", &Role::ZoneAdmin);
        let staff = ServiceFiling {
            category: "医疗".into(),
            ..filing.clone()
        };
        let id2 = file(&store, &appeals, &c, &admin, &staff, NOW)
            .await
            .unwrap();
        let mine = store
            .appeals(&employer.scope(), &AppealFilter::default())
            .await
            .unwrap();
        assert_eq!(mine.iter().map(|a| a.id).collect::<Vec<_>>(), vec![id]);
        assert_eq!(
            store
                .talent_requests(&Scope::Zone, Some("RC-1"))
                .await
                .unwrap()
                .len(),
            2
        );
        let _ = id2;
        // the workflow to 办结
        let day = 86_400;
        for (k, action) in [
            Action::Assign,
            Action::Sign,
            Action::Start,
            Action::Reply,
            Action::Visit { satisfied: true },
            Action::Close,
        ]
        .into_iter()
        .enumerate()
        {
            let m = Move {
                action,
                note: "已协调".into(),
                department: String::new(),
                resolved: true,
            };
            act(&store, &appeals, &admin, id, &m, NOW + k as i64 * day / 4)
                .await
                .unwrap();
        }
        let v = view(
            &store,
            &appeals,
            &admin,
            id,
            crate::appeals_data::china_date(NOW),
        )
        .await
        .unwrap();
        assert_eq!(v.state.zh(), "办结");
        assert_eq!(v.row.resolved, Some(true));
        let f = gaoxin_store::AuditFilter {
            action: Some("talent.request".into()),
            ..Default::default()
        };
        assert_eq!(store.audit_count(&Scope::Zone, &f).await.unwrap(), 2);
    }
}
