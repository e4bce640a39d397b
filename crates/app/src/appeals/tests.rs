//! The whole workflow on both backends, through the use cases, with each role's capacities.
use super::*;
use crate::appeals_data::AppealsConfig;
use crate::appeals_data::tests::shipped;
use gaoxin_demo::{DemoConfig, generate};
use gaoxin_model::{DeptId, Enterprise, ParkId, Zone};
use gaoxin_store::testing;

pub(crate) async fn stores_with_firms() -> Vec<(Store, Vec<Enterprise>)> {
    let zone = Zone::parse(include_str!("../../../../data/reference/zone.toml")).unwrap();
    let demo = generate(
        &zone,
        &DemoConfig {
            enterprises: 60,
            first_year: 2024,
            last_year: 2024,
            seed: 5,
        },
    );
    let mut out = Vec::new();
    for store in testing::all().await.unwrap() {
        let mut tx = store.begin_import().await.unwrap();
        tx.write_enterprises(&demo.enterprises).await.unwrap();
        tx.commit().await.unwrap();
        out.push((store, demo.enterprises.clone()));
    }
    out
}

fn firm_actor(e: &Enterprise) -> Actor {
    Actor::user("firm", &Role::Enterprise(e.uscc.clone()))
}

/// 2025-03-03 10:00 in China.
const MON: i64 = 1_740_967_200;
const DAY: i64 = 86_400;

fn mv(action: Action, note: &str) -> Move {
    Move {
        action,
        note: note.into(),
        department: String::new(),
        resolved: true,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_appeal_from_filing_to_closing_with_a_reopening() {
    let cfg = shipped();
    assert_eq!(china_date(MON).to_string(), "2025-03-03");
    for (store, firms) in stores_with_firms().await {
        let id = filing(&cfg, &store, &firms).await;
        routing_and_handling(&cfg, &store, &firms, id).await;
        reopening_and_closing(&cfg, &store, &firms, id).await;
        scopes_and_staff_filing(&cfg, &store, &firms, id).await;
    }
}

#[allow(unused_variables)]
async fn filing(cfg: &AppealsConfig, store: &Store, firms: &[Enterprise]) -> i64 {
    let e = &firms[0];
    let firm = firm_actor(e);
    let admin = Actor::user("admin", &Role::ZoneAdmin);
    let analyst = Actor::user("analyst", &Role::ZoneAnalyst);
    let park = Actor::user("park", &Role::ParkAdmin(e.park.clone()));
    let keji = Actor::user(
        "dept-keji",
        &Role::Department(DeptId::parse("keji").unwrap()),
    );
    let jinrong = Actor::user(
        "dept-jr",
        &Role::Department(DeptId::parse("jinrong").unwrap()),
    );
    let f = Filing {
        uscc: e.uscc.as_str().into(),
        category: String::new(),
        title: "高企奖励未到账".into(),
        description: "去年认定的高新技术企业奖励至今没有拨付".into(),
        contact: "张经理 13800000000".into(),
        channel: "企业".into(),
        rule: "gaoqi-award".into(),
    };
    // a firm files only for itself, only by the 企业 channel
    let other = &firms.iter().find(|x| x.uscc != e.uscc).unwrap();
    let bad = Filing {
        uscc: other.uscc.as_str().into(),
        ..f.clone()
    };
    assert!(matches!(
        file(store, cfg, &firm, &bad, MON).await,
        Err(AppealError::Invalid(_))
    ));
    let bad = Filing {
        channel: "电话".into(),
        ..f.clone()
    };
    assert!(
        file(store, cfg, &firm, &bad, MON)
            .await
            .unwrap_err()
            .to_string()
            .contains("渠道")
    );
    let bad = Filing {
        description: "  ".into(),
        ..f.clone()
    };
    assert!(
        file(store, cfg, &firm, &bad, MON)
            .await
            .unwrap_err()
            .to_string()
            .contains("诉求内容不能为空")
    );
    assert!(matches!(
        file(store, cfg, &analyst, &f, MON).await,
        Err(AppealError::Refused(_))
    ));
    let id = file(store, cfg, &firm, &f, MON).await.unwrap();
    let v = view(store, cfg, &firm, id, china_date(MON)).await.unwrap();
    // suggested and routed: 政策兑现 → 科技创新局, 10 working days
    assert_eq!(v.row.category, "政策兑现");
    assert_eq!(v.row.department.as_deref(), Some("keji"));
    assert_eq!(v.state, State::Accepted);
    assert_eq!(
        v.sla.due.map(|d| d.to_string()).as_deref(),
        Some("2025-03-17")
    );
    assert!(v.allowed.is_empty(), "a firm waits");
    // another department does not see it: the same answer as a missing appeal
    assert!(matches!(
        view(store, cfg, &jinrong, id, china_date(MON)).await,
        Err(AppealError::NotFound)
    ));
    assert!(matches!(
        act(store, cfg, &jinrong, id, &mv(Action::Sign, ""), MON).await,
        Err(AppealError::NotFound)
    ));
    id
}

#[allow(unused_variables)]
async fn routing_and_handling(cfg: &AppealsConfig, store: &Store, firms: &[Enterprise], id: i64) {
    let e = &firms[0];
    let firm = firm_actor(e);
    let admin = Actor::user("admin", &Role::ZoneAdmin);
    let analyst = Actor::user("analyst", &Role::ZoneAnalyst);
    let park = Actor::user("park", &Role::ParkAdmin(e.park.clone()));
    let keji = Actor::user(
        "dept-keji",
        &Role::Department(DeptId::parse("keji").unwrap()),
    );
    let jinrong = Actor::user(
        "dept-jr",
        &Role::Department(DeptId::parse("jinrong").unwrap()),
    );
    let f = Filing {
        uscc: e.uscc.as_str().into(),
        category: String::new(),
        title: "高企奖励未到账".into(),
        description: "去年认定的高新技术企业奖励至今没有拨付".into(),
        contact: "张经理 13800000000".into(),
        channel: "企业".into(),
        rule: "gaoqi-award".into(),
    };
    // the department cannot sign before it is routed (交办) — wrong state
    assert!(matches!(
        act(store, cfg, &keji, id, &mv(Action::Sign, ""), MON).await,
        Err(AppealError::Refused(_))
    ));
    // the analyst reads but may not move it
    assert!(
        view(store, cfg, &analyst, id, china_date(MON))
            .await
            .unwrap()
            .allowed
            .is_empty()
    );
    act(
        store,
        cfg,
        &park,
        id,
        &mv(Action::Assign, "请科技创新局办理"),
        MON,
    )
    .await
    .unwrap();
    act(store, cfg, &keji, id, &mv(Action::Sign, ""), MON + DAY)
        .await
        .unwrap();
    act(store, cfg, &keji, id, &mv(Action::Start, ""), MON + DAY)
        .await
        .unwrap();
    // a reply needs its text
    assert!(
        act(store, cfg, &keji, id, &mv(Action::Reply, ""), MON + DAY)
            .await
            .unwrap_err()
            .to_string()
            .contains("说明")
    );
    // waiting for the firm stops the clock: Wed → Mon (03-06, 03-07, 03-10 not counted)
    act(
        store,
        cfg,
        &keji,
        id,
        &mv(Action::AskFirm, "请补充认定证书"),
        MON + 2 * DAY,
    )
    .await
    .unwrap();
    let v = view(store, cfg, &admin, id, china_date(MON + 4 * DAY))
        .await
        .unwrap();
    assert_eq!(v.sla.level, crate::appeals_sla::Level::Paused);
    assert!(matches!(
        act(
            store,
            cfg,
            &keji,
            id,
            &mv(Action::Supplement, "已补"),
            MON + 7 * DAY
        )
        .await,
        Err(AppealError::Refused(_))
    ));
    act(
        store,
        cfg,
        &firm,
        id,
        &mv(Action::Supplement, "已上传证书"),
        MON + 7 * DAY,
    )
    .await
    .unwrap();
    let v = view(store, cfg, &admin, id, china_date(MON + 7 * DAY))
        .await
        .unwrap();
    assert_eq!(
        v.sla.due.map(|d| d.to_string()).as_deref(),
        Some("2025-03-20")
    );
    assert_eq!(v.sla.used, 2);
    act(
        store,
        cfg,
        &keji,
        id,
        &mv(Action::Reply, "已核实，本月拨付"),
        MON + 8 * DAY,
    )
    .await
    .unwrap();
}

#[allow(unused_variables)]
async fn reopening_and_closing(cfg: &AppealsConfig, store: &Store, firms: &[Enterprise], id: i64) {
    let e = &firms[0];
    let firm = firm_actor(e);
    let admin = Actor::user("admin", &Role::ZoneAdmin);
    let analyst = Actor::user("analyst", &Role::ZoneAnalyst);
    let park = Actor::user("park", &Role::ParkAdmin(e.park.clone()));
    let keji = Actor::user(
        "dept-keji",
        &Role::Department(DeptId::parse("keji").unwrap()),
    );
    let jinrong = Actor::user(
        "dept-jr",
        &Role::Department(DeptId::parse("jinrong").unwrap()),
    );
    let f = Filing {
        uscc: e.uscc.as_str().into(),
        category: String::new(),
        title: "高企奖励未到账".into(),
        description: "去年认定的高新技术企业奖励至今没有拨付".into(),
        contact: "张经理 13800000000".into(),
        channel: "企业".into(),
        rule: "gaoqi-award".into(),
    };
    // 不满意 → 重办 (counted), the clock restarts
    act(
        store,
        cfg,
        &firm,
        id,
        &mv(Action::Visit { satisfied: false }, "仍未到账"),
        MON + 9 * DAY,
    )
    .await
    .unwrap();
    let v = view(store, cfg, &keji, id, china_date(MON + 9 * DAY))
        .await
        .unwrap();
    assert_eq!(v.state, State::Handling);
    assert_eq!(v.row.reopened, 1);
    assert_eq!(v.row.clock_start, 20250312);
    assert_eq!(v.row.replied_on, Some(20250311));
    // 办结 needs a 回访 first
    assert!(matches!(
        act(
            store,
            cfg,
            &admin,
            id,
            &mv(Action::Close, ""),
            MON + 9 * DAY
        )
        .await,
        Err(AppealError::Refused(_))
    ));
    act(
        store,
        cfg,
        &keji,
        id,
        &mv(Action::Reply, "已拨付到账"),
        MON + 10 * DAY,
    )
    .await
    .unwrap();
    act(
        store,
        cfg,
        &firm,
        id,
        &mv(Action::Visit { satisfied: true }, ""),
        MON + 10 * DAY,
    )
    .await
    .unwrap();
    // the firm cannot close; the park can
    assert!(matches!(
        act(
            store,
            cfg,
            &firm,
            id,
            &mv(Action::Close, ""),
            MON + 10 * DAY
        )
        .await,
        Err(AppealError::Refused(_))
    ));
    act(
        store,
        cfg,
        &park,
        id,
        &mv(Action::Close, "办结"),
        MON + 11 * DAY,
    )
    .await
    .unwrap();
    let v = view(store, cfg, &firm, id, china_date(MON + 11 * DAY))
        .await
        .unwrap();
    assert_eq!(v.state, State::Closed);
    assert_eq!((v.row.satisfied, v.row.resolved), (Some(true), Some(true)));
    let actions: Vec<&str> = v.history.iter().map(|t| t.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "受理",
            "交办",
            "签收",
            "办理",
            "待企业补充",
            "企业补充",
            "答复",
            "重办",
            "答复",
            "回访",
            "办结"
        ]
    );
    assert!(v.history.iter().all(|t| !t.actor.is_empty()));
}

#[allow(unused_variables)]
async fn scopes_and_staff_filing(
    cfg: &AppealsConfig,
    store: &Store,
    firms: &[Enterprise],
    id: i64,
) {
    let e = &firms[0];
    let firm = firm_actor(e);
    let admin = Actor::user("admin", &Role::ZoneAdmin);
    let analyst = Actor::user("analyst", &Role::ZoneAnalyst);
    let park = Actor::user("park", &Role::ParkAdmin(e.park.clone()));
    let keji = Actor::user(
        "dept-keji",
        &Role::Department(DeptId::parse("keji").unwrap()),
    );
    let jinrong = Actor::user(
        "dept-jr",
        &Role::Department(DeptId::parse("jinrong").unwrap()),
    );
    let f = Filing {
        uscc: e.uscc.as_str().into(),
        category: String::new(),
        title: "高企奖励未到账".into(),
        description: "去年认定的高新技术企业奖励至今没有拨付".into(),
        contact: "张经理 13800000000".into(),
        channel: "企业".into(),
        rule: "gaoqi-award".into(),
    };
    // a park administrator of another park sees nothing
    let other_park = firms
        .iter()
        .find(|x| x.park != e.park)
        .unwrap()
        .park
        .clone();
    let op = Actor::user("p2", &Role::ParkAdmin(other_park));
    assert!(matches!(
        view(store, cfg, &op, id, china_date(MON)).await,
        Err(AppealError::NotFound)
    ));
    // staff file on a firm's behalf by phone; a park-routed category goes to the park
    let f2 = Filing {
        category: "园区配套".into(),
        channel: "电话".into(),
        rule: String::new(),
        ..f.clone()
    };
    let id2 = file(store, cfg, &park, &f2, MON).await.unwrap();
    let v = view(store, cfg, &park, id2, china_date(MON)).await.unwrap();
    assert_eq!(v.row.department, None);
    assert_eq!(v.department_name, "所在园区");
    act(store, cfg, &park, id2, &mv(Action::Assign, ""), MON)
        .await
        .unwrap();
    // the park handles it itself (Handler capacity)
    act(store, cfg, &park, id2, &mv(Action::Sign, ""), MON)
        .await
        .unwrap();
    let _ = ParkId::parse("x");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_department_user_needs_a_department_of_the_routing_table() {
    crate::accounts::use_fast_hashing_for_tests();
    let zone = Zone::parse(include_str!("../../../../data/reference/zone.toml")).unwrap();
    let store = testing::sqlite().await.unwrap();
    let pw = "a-long-enough-passphrase-42";
    let nobody = Role::Department(DeptId::parse("nobody").unwrap());
    let e = crate::accounts::add_user(&store, &zone, "d1", pw, nobody)
        .await
        .unwrap_err()
        .to_string();
    assert!(e.contains("nobody") && e.contains("keji"), "{e}");
    let keji = Role::Department(DeptId::parse("keji").unwrap());
    crate::accounts::add_user(&store, &zone, "d2", pw, keji.clone())
        .await
        .unwrap();
    assert_eq!(store.user("d2").await.unwrap().unwrap().role, keji);
    assert_eq!(
        keji.scope(),
        Scope::Department(DeptId::parse("keji").unwrap())
    );
}
