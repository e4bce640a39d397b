use super::*;
use crate::testing;
use gaoxin_model::ParkId;

pub(crate) fn talent(code: &str, park: &str) -> Talent {
    Talent {
        code: code.into(),
        name: "张三".into(),
        gender: "男".into(),
        birth_year: 1985,
        nationality: "中国".into(),
        degree: "博士".into(),
        field: "人工智能".into(),
        title: "首席科学家".into(),
        employer_kind: "高校".into(),
        employer_uscc: None,
        employer_name: "南京大学".into(),
        park: park.into(),
        team: Some("智能团队".into()),
        team_role: Some("负责人".into()),
        top_team: true,
        card_level: Some("A".into()),
        arrival_year: 2022,
        status: "在岗".into(),
        left_year: None,
        id_tail: Some("123X".into()),
        source: "测试".into(),
        updated_at: 1,
        synthetic: false,
        programmes: vec![Programme {
            programme: "紫金山英才计划".into(),
            level: "市级".into(),
            year: 2022,
            source: "名单".into(),
        }],
    }
}

fn ev() -> AuditEvent {
    AuditEvent {
        actor: "admin".into(),
        role: "zone_admin".into(),
        action: "talent.import".into(),
        park: None,
        subject: "t.xlsx".into(),
        detail: "{}".into(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn talents_are_read_only_in_their_scope_on_both_backends() {
    for s in testing::all().await.unwrap() {
        let a = talent("T1", "jiangbei");
        let mut b = talent("T2", "xianlin");
        b.programmes.clear();
        s.put_talents(&[a.clone(), b.clone()], &ev()).await.unwrap();
        let zone = s
            .talents(&Scope::Zone, &TalentFilter::default())
            .await
            .unwrap();
        assert_eq!(zone, vec![a.clone(), b.clone()]);
        let park = Scope::Park(ParkId::parse("jiangbei").unwrap());
        assert_eq!(s.talent(&park, "T1").await.unwrap(), Some(a.clone()));
        // another park's talent reads as missing
        assert_eq!(s.talent(&park, "T2").await.unwrap(), None);
        assert_eq!(s.talent(&park, "T9").await.unwrap(), None);
        let firm = Scope::Enterprise(gaoxin_model::Uscc::parse("91320191MA1W8E9X2T").unwrap());
        assert!(
            s.talents(&firm, &TalentFilter::default())
                .await
                .unwrap()
                .is_empty()
        );
        let list = s.talents(&park, &TalentFilter::default()).await.unwrap();
        assert_eq!(list, vec![a.clone()]);
        // filters
        let f = TalentFilter {
            q: Some("T2".into()),
            ..Default::default()
        };
        assert_eq!(s.talents(&Scope::Zone, &f).await.unwrap(), vec![b.clone()]);
        // a re-import replaces the row and its programmes
        let mut a2 = a.clone();
        a2.status = "离开".into();
        a2.left_year = Some(2024);
        a2.programmes[0].year = 2023;
        s.put_talents(&[a2.clone()], &ev()).await.unwrap();
        assert_eq!(s.talent(&Scope::Zone, "T1").await.unwrap(), Some(a2));
        assert_eq!(
            s.audit_count(&Scope::Zone, &Default::default())
                .await
                .unwrap(),
            2
        );
        // requests follow the talent's park
        s.add_talent_request(&TalentRequest {
            appeal_id: 7,
            talent_code: "T2".into(),
            park: "xianlin".into(),
            card_level: None,
            service: "标准".into(),
        })
        .await
        .unwrap();
        assert!(s.talent_requests(&park, None).await.unwrap().is_empty());
        assert_eq!(
            s.talent_requests(&Scope::Zone, Some("T2"))
                .await
                .unwrap()
                .len(),
            1
        );
        let parks = s
            .talent_parks(&["T1".into(), "T2".into(), "T3".into()])
            .await
            .unwrap();
        assert_eq!(parks.len(), 2);
        assert_eq!(parks["T2"], "xianlin");
    }
}
