//! Personal data: who reads a talent's record, and that every read is in the audit trail.
use super::*;
use crate::appeals::tests::stores_with_firms;
use crate::talent_import::tests::{NOW, cfg, csv, zone};
use gaoxin_model::{ParkId, Uscc};

async fn seeded(store: &Store) -> (String, ParkId, ParkId) {
    let zone = zone();
    let (a, b) = (&zone.parks[0], &zone.parks[1]);
    let rows = vec![
        format!(
            "RC-A,王五,女,1990,中国,博士,集成电路,高校,东南大学,2023,在岗,{},,,,否,B,,110105199012310027,,,",
            a.name
        ),
        format!(
            "RC-B,赵六,男,1980,美国,硕士,生物医药,科研院所,某研究院,2021,在岗,{},,,,否,,,,,,",
            b.name
        ),
    ];
    let r = crate::talent_import::import(
        store,
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
    (String::from("RC-A"), a.id.clone(), b.id.clone())
}

#[test]
fn only_parks_and_the_zone_administrator_read_personal_records() {
    let p = ParkId::parse("jiangbei").unwrap();
    assert_eq!(talent_scope(&Role::ZoneAdmin), Some(Scope::Zone));
    assert_eq!(
        talent_scope(&Role::ParkAdmin(p.clone())),
        Some(Scope::Park(p))
    );
    assert_eq!(talent_scope(&Role::ZoneAnalyst), None);
    let u = Uscc::parse("91320191MA1W8E9X2T").unwrap();
    assert_eq!(talent_scope(&Role::Enterprise(u)), None);
    assert!(Reader::user("analyst", &Role::ZoneAnalyst).is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_park_cannot_read_a_record_and_every_read_is_recorded() {
    for (store, _) in stores_with_firms().await {
        let (code, park_a, park_b) = seeded(&store).await;
        let own = Reader::user("pa", &Role::ParkAdmin(park_a.clone())).unwrap();
        let other = Reader::user("pb", &Role::ParkAdmin(park_b.clone())).unwrap();
        // the other park: the same answer as a missing record, by show, held, list and export
        assert!(matches!(
            show(&store, &other, &code).await,
            Err(TalentError::NotFound)
        ));
        assert!(matches!(
            show(&store, &other, "RC-none").await,
            Err(TalentError::NotFound)
        ));
        assert!(matches!(
            held(&store, &other, &code).await,
            Err(TalentError::NotFound)
        ));
        let listed = list(&store, &other, &TalentFilter::default())
            .await
            .unwrap();
        assert_eq!(
            listed.iter().map(|t| t.code.as_str()).collect::<Vec<_>>(),
            ["RC-B"]
        );
        let x = crate::talent_xlsx::export(
            &store,
            &other,
            &TalentFilter::default(),
            true,
            "年度统计报送",
        )
        .await
        .unwrap();
        assert!(!xlsx_text(&x).contains("RC-A"));
        // its own park reads it; the read is recorded with the park
        let t = show(&store, &own, &code).await.unwrap();
        assert_eq!(masked_id(&t), "**************0027");
        let reads = AuditFilter {
            action: Some("talent.read".into()),
            ..Default::default()
        };
        let e = store
            .audit_entries(&Scope::Park(park_a.clone()), &reads, 10, 0)
            .await
            .unwrap();
        assert_eq!(e.len(), 1);
        assert_eq!(e[0].event.subject, code);
        assert_eq!(e[0].event.actor, "pa");
        assert!(
            store
                .audit_entries(&Scope::Park(park_b.clone()), &reads, 10, 0)
                .await
                .unwrap()
                .is_empty()
        );
        // exporting personal fields needs a reason, which is recorded
        let z = Reader::user("admin", &Role::ZoneAdmin).unwrap();
        assert!(matches!(
            crate::talent_xlsx::export(&store, &z, &TalentFilter::default(), true, " ").await,
            Err(TalentError::Invalid(m)) if m.contains("用途")
        ));
        let plain = crate::talent_xlsx::export(&store, &z, &TalentFilter::default(), false, "")
            .await
            .unwrap();
        assert!(!xlsx_text(&plain).contains("王五"));
        let full =
            crate::talent_xlsx::export(&store, &z, &TalentFilter::default(), true, "人才工作年报")
                .await
                .unwrap();
        let text = xlsx_text(&full);
        assert!(text.contains("王五") && text.contains("**************0027"));
        assert!(!text.contains("110105199012310027"));
        let ex = AuditFilter {
            action: Some("talent.export".into()),
            ..Default::default()
        };
        let e = store.audit_entries(&Scope::Zone, &ex, 10, 0).await.unwrap();
        assert!(e.iter().any(|x| x.event.detail.contains("人才工作年报")));
        // what is held: the record and who read it
        let h = held(&store, &own, &code).await.unwrap();
        assert_eq!(h.talent.name, "王五");
        assert!(
            h.accesses
                .iter()
                .any(|a| a.event.action == "talent.read" && a.event.actor == "pa")
        );
    }
}

pub(crate) fn xlsx_text(bytes: &[u8]) -> String {
    use calamine::{Reader as _, Xlsx};
    let mut wb: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let mut out = String::new();
    for name in wb.sheet_names() {
        let r = wb.worksheet_range(&name).unwrap();
        for row in r.rows() {
            for c in row {
                out.push_str(&c.to_string());
                out.push('\t');
            }
            out.push('\n');
        }
    }
    out
}
