//! Leads on both backends: validation messages, scoping, the append-only history, the
//! pipeline's figures, and the all-or-nothing import.
use super::*;
use gaoxin_demo::{DemoConfig, generate};
use gaoxin_store::testing;

fn zone() -> Zone {
    Zone::parse(include_str!("../../../../data/reference/zone.toml")).unwrap()
}

async fn fixture(store: &Store, zone: &Zone) -> Vec<gaoxin_model::Enterprise> {
    let demo = generate(
        zone,
        &DemoConfig {
            enterprises: 120,
            first_year: 2022,
            last_year: 2024,
            seed: 3,
        },
    );
    let mut tx = store.begin_import().await.unwrap();
    tx.write_enterprises(&demo.enterprises).await.unwrap();
    tx.write_facts(&demo.facts).await.unwrap();
    tx.commit().await.unwrap();
    demo.enterprises
}

fn actor(name: &str, scope: Scope) -> Actor {
    Actor {
        username: name.into(),
        scope,
        may_write: true,
    }
}

const DAY: i64 = 86_400;
// 2026-12-06 12:00 Beijing
const NOW: i64 = 1_796_529_600;

fn outside(code: &str) -> LeadInput {
    LeadInput {
        uscc: code.into(),
        firm_name: "区外前沿科技有限公司".into(),
        track: "低空经济".into(),
        event: "第四届南京新赛道大会".into(),
        park: "江北新区".into(),
        next_action: "线上会谈".into(),
        next_date: "2026-12-20".into(),
        ..Default::default()
    }
}

#[tokio::test]
async fn bad_input_is_refused_with_chinese_messages_naming_the_field() {
    let z = zone();
    let cfg = LeadsConfig::shipped().unwrap();
    for store in testing::all().await.unwrap() {
        let firms = fixture(&store, &z).await;
        let admin = actor("admin", Scope::Zone);
        let bad = LeadInput {
            uscc: "91320100MA1XXXXXX0".into(),
            track: "量子赛道".into(),
            event: "第九届大会".into(),
            park: "火星园".into(),
            stage: "签约".into(),
            next_action: "走访".into(),
            next_date: "2026-12-01".into(),
            ..Default::default()
        };
        let Err(InputError::Invalid(errs)) = create(&store, &z, &cfg, &admin, &bad, NOW).await
        else {
            panic!("accepted");
        };
        let all = errs.join("\n");
        for want in [
            "「统一社会信用代码」",
            "「赛道」：未知赛道「量子赛道」",
            "「来源活动」：未知活动",
            "「负责园区」：未知园区「火星园」",
            "「阶段」：未知阶段「签约」",
            "「下一步日期」：2026-12-01 已过去",
        ] {
            assert!(all.contains(want), "{want} not in {all}");
        }
        // a panel firm: the name comes from the panel
        let f = firms.iter().find(|e| e.park == "xingang").unwrap();
        let input = LeadInput {
            uscc: f.uscc.as_str().into(),
            firm_name: String::new(),
            park: "新港国家高新园".into(),
            ..outside("")
        };
        let l = create(&store, &z, &cfg, &admin, &input, NOW).await.unwrap();
        assert!(l.in_panel && l.firm_name == f.name && l.park == "xingang" && l.stage == 0);
        // the same firm, track and event again: a duplicate
        let Err(InputError::Invalid(e)) = create(&store, &z, &cfg, &admin, &input, NOW).await
        else {
            panic!("duplicate accepted");
        };
        assert!(e[0].contains("重复线索"), "{e:?}");
        // a park administrator cannot register for another park; analysts cannot write
        let jb = actor(
            "park-jiangbei",
            Scope::Park(ParkId::parse("jiangbei").unwrap()),
        );
        let Err(InputError::Invalid(e)) = create(
            &store,
            &z,
            &cfg,
            &jb,
            &LeadInput {
                park: "新港国家高新园".into(),
                ..outside("91320191MA1W8E9X2T")
            },
            NOW,
        )
        .await
        else {
            panic!("other park accepted");
        };
        assert!(e[0].contains("只能登记本园区"), "{e:?}");
        let ro = Actor {
            may_write: false,
            ..admin.clone()
        };
        assert!(matches!(
            create(&store, &z, &cfg, &ro, &outside("91320191MA1W8E9X2T"), NOW).await,
            Err(InputError::Forbidden)
        ));
    }
}

#[tokio::test]
async fn moves_history_scope_and_pipeline() {
    let z = zone();
    let cfg = LeadsConfig::shipped().unwrap();
    for store in testing::all().await.unwrap() {
        // one cache per store (a cache serves one database)
        let cache = PipelineCache::default();
        fixture(&store, &z).await;
        let jb = actor(
            "park-jiangbei",
            Scope::Park(ParkId::parse("jiangbei").unwrap()),
        );
        let xg = actor(
            "park-xingang",
            Scope::Park(ParkId::parse("xingang").unwrap()),
        );
        let a = create(
            &store,
            &z,
            &cfg,
            &jb,
            &LeadInput {
                park: String::new(),
                ..outside("91320191MA1W8E9X2T")
            },
            NOW,
        )
        .await
        .unwrap();
        assert_eq!(a.park, "jiangbei");
        let b = create(
            &store,
            &z,
            &cfg,
            &jb,
            &LeadInput {
                track: "具身智能".into(),
                ..outside("91320191MA1W8E9X2T")
            },
            NOW,
        )
        .await
        .unwrap();
        // another park's administrator: not found, by reading or by changing
        assert!(store.lead(&xg.scope, &a.id).await.unwrap().is_none());
        let mv = |s: &str, note: &str| ChangeInput {
            action: "move".into(),
            stage: s.into(),
            note: note.into(),
            ..Default::default()
        };
        assert!(matches!(
            change(&store, &z, &cfg, &xg, &a.id, &mv("线下走访", ""), NOW).await,
            Err(InputError::NotFound)
        ));
        // forward moves; a backwards move needs a reason
        change(
            &store,
            &z,
            &cfg,
            &jb,
            &a.id,
            &mv("线下走访", ""),
            NOW + 3 * DAY,
        )
        .await
        .unwrap();
        change(
            &store,
            &z,
            &cfg,
            &jb,
            &a.id,
            &mv("项目路演", ""),
            NOW + 10 * DAY,
        )
        .await
        .unwrap();
        let Err(InputError::Invalid(e)) = change(
            &store,
            &z,
            &cfg,
            &jb,
            &a.id,
            &mv("企业考察", ""),
            NOW + 11 * DAY,
        )
        .await
        else {
            panic!("backwards without a reason")
        };
        assert!(e[0].contains("须写明原因"), "{e:?}");
        change(
            &store,
            &z,
            &cfg,
            &jb,
            &a.id,
            &mv("企业考察", "路演材料不足，补充考察"),
            NOW + 11 * DAY,
        )
        .await
        .unwrap();
        change(
            &store,
            &z,
            &cfg,
            &jb,
            &b.id,
            &mv("线下走访", ""),
            NOW + 5 * DAY,
        )
        .await
        .unwrap();
        let land = ChangeInput {
            action: "land".into(),
            invest_wan: "12345.67".into(),
            ..Default::default()
        };
        let l = change(&store, &z, &cfg, &jb, &b.id, &land, NOW + 9 * DAY)
            .await
            .unwrap();
        assert_eq!(
            (l.outcome.as_str(), l.invest_fen, l.landed_park.as_deref()),
            ("landed", Some(12_345_670_000), Some("jiangbei"))
        );
        // closed: no more changes
        assert!(matches!(
            change(
                &store,
                &z,
                &cfg,
                &jb,
                &b.id,
                &mv("线上沟通", "x"),
                NOW + 9 * DAY
            )
            .await,
            Err(InputError::Invalid(_))
        ));
        check_history(&store, &a.id, &jb, &xg).await;

        check_pipeline(&store, &z, &cfg, &cache, &a.id, &jb, &xg).await;
    }
}

/// Lead `a_id`'s history: append-only rows with who, when, stages and days.
async fn check_history(store: &Store, a_id: &str, jb: &Actor, xg: &Actor) {
    let (_, h) = lead_with_history(store, &jb.scope, a_id).await.unwrap();
    let kinds: Vec<_> = h
        .iter()
        .map(|e| (e.kind.as_str(), e.from_stage, e.to_stage, e.dwell_days))
        .collect();
    assert_eq!(
        kinds,
        [
            ("created", None, Some(0), None),
            ("stage", Some(0), Some(1), Some(3)),
            ("stage", Some(1), Some(3), Some(7)),
            ("stage", Some(3), Some(2), Some(1))
        ]
    );
    assert_eq!(h[3].note, "路演材料不足，补充考察");
    assert!(lead_with_history(store, &xg.scope, a_id).await.is_err());
}

/// The pipeline after `moves_history_scope_and_pipeline`'s moves (lead `a_id` of 江北).
async fn check_pipeline(
    store: &Store,
    z: &Zone,
    cfg: &LeadsConfig,
    cache: &PipelineCache,
    a_id: &str,
    jb: &Actor,
    xg: &Actor,
) {
    let p = pipeline(
        store,
        z,
        cfg,
        cache,
        &Scope::Zone,
        &LeadFilter::default(),
        NOW + 12 * DAY,
    )
    .await
    .unwrap();
    assert_eq!((p.total, p.open, p.landed, p.dropped), (2, 1, 1, 0));
    // reached = furthest stage at or beyond: a went as far as 项目路演 (then back), b landed
    let reached: Vec<i64> = p.stages.iter().map(|s| s.reached).collect();
    assert_eq!(reached, [2, 2, 2, 2, 1, 1, 1]);
    assert_eq!(p.stages[1].conversion_pct, Some(100.0));
    assert_eq!(p.stages[4].conversion_pct, Some(50.0));
    // days in 线上沟通: 3 (a) and 5 (b): the lower middle
    assert_eq!(p.stages[0].median_days, Some(3));
    assert_eq!(p.stages[1].median_days, Some(4)); // 7 (a) and 4 (b)
    assert_eq!(p.invest_fen, 12_345_670_000);
    // the next-action date (2026-12-20) has passed 20 days later: stalled, the owner's first
    let p = pipeline(
        store,
        z,
        cfg,
        cache,
        &Scope::Zone,
        &LeadFilter::default(),
        NOW + 20 * DAY,
    )
    .await
    .unwrap();
    assert_eq!(p.stalled, 1);
    let (rows, n) = stalled(store, &jb.scope, "park-jiangbei", NOW + 20 * DAY, 10)
        .await
        .unwrap();
    assert_eq!((n, rows[0].id.as_str()), (1, a_id));
    assert_eq!(
        stalled(store, &xg.scope, "park-xingang", NOW + 20 * DAY, 10)
            .await
            .unwrap()
            .1,
        0
    );
    // the park's view sees only its own leads
    let px = pipeline(store, z, cfg, cache, &xg.scope, &LeadFilter::default(), NOW)
        .await
        .unwrap();
    assert_eq!(px.total, 0);
}

#[test]
fn medians_of_histograms() {
    assert_eq!(histogram_median(&[]), None);
    assert_eq!(histogram_median(&[(3, 1)]), Some(3));
    assert_eq!(histogram_median(&[(1, 1), (5, 1)]), Some(1));
    assert_eq!(histogram_median(&[(1, 1), (5, 2)]), Some(5));
    assert_eq!(histogram_median(&[(0, 10), (2, 1), (9, 10)]), Some(2));
}

fn sheet(rows: &[[&str; 11]]) -> Vec<u8> {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    for (c, h) in LEAD_COLUMNS.iter().enumerate() {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            ws.write_string(r as u32 + 1, c as u16, *v).unwrap();
        }
    }
    wb.save_to_buffer().unwrap()
}

#[tokio::test]
async fn import_is_all_or_nothing_with_row_and_column_messages() {
    let z = zone();
    let cfg = LeadsConfig::shipped().unwrap();
    for store in testing::all().await.unwrap() {
        fixture(&store, &z).await;
        let admin = actor("admin", Scope::Zone);
        let good = [
            "91320191MA1W8E9X2T",
            "甲公司",
            "上市公司",
            "人工智能",
            "第一届南京新赛道大会",
            "江北新区",
            "",
            "线下走访",
            "",
            "",
            "",
        ];
        let bad = [
            "91320191MA1W8E9X2T",
            "甲公司",
            "独角兽",
            "人工智能",
            "第一届南京新赛道大会",
            "",
            "",
            "落地",
            "",
            "",
            "",
        ];
        let Err(InputError::Invalid(e)) =
            import(&store, &z, &cfg, &admin, sheet(&[good, bad]), NOW).await
        else {
            panic!("accepted");
        };
        let all = e.join("\n");
        assert!(
            all.contains("第3行「阶段」：新线索不能直接为「落地」"),
            "{all}"
        );
        assert_eq!(
            store
                .leads(&Scope::Zone, &LeadFilter::default(), 0, None)
                .await
                .unwrap()
                .1,
            0
        );
        // the same row twice in one file
        let Err(InputError::Invalid(e)) =
            import(&store, &z, &cfg, &admin, sheet(&[good, good]), NOW).await
        else {
            panic!("accepted");
        };
        assert!(e.join("").contains("第3行：重复线索"), "{e:?}");
        assert_eq!(
            import(&store, &z, &cfg, &admin, sheet(&[good]), NOW)
                .await
                .unwrap(),
            1
        );
        let (rows, _) = store
            .leads(&Scope::Zone, &LeadFilter::default(), 0, None)
            .await
            .unwrap();
        assert_eq!(
            (
                rows[0].stage,
                rows[0].park.as_str(),
                rows[0].firm_class.as_str()
            ),
            (1, "jiangbei", "listed")
        );
        // the export re-imports: same columns (a duplicate now)
        let x = leads_xlsx(&cfg, &z, &rows).unwrap();
        let Err(InputError::Invalid(e)) = import(&store, &z, &cfg, &admin, x, NOW).await else {
            panic!("accepted");
        };
        assert!(e[0].contains("第2行：重复线索"), "{e:?}");
    }
}
