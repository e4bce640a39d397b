//! The backup round trip's fixture: one row in each table of the later areas (tracks and leads,
//! finance, carriers, talents, payouts, tech transfer).
use super::*;

/// Tracks and leads (migration 0014): one "五个一" element, one lead with its history.
pub(super) async fn fill_tracks_leads(store: &Store, firm: &Uscc) {
    store
        .put_track_elements(&[gaoxin_store::TrackElement {
            track: "t05".into(),
            element: "track_fund".into(),
            name: "低空经济赛道基金".into(),
            who: "高新区".into(),
            since: Some(20240301),
            status: "operating".into(),
            evidence: String::new(),
            updated_by: "admin".into(),
            updated_at: 1_700_000_600,
        }])
        .await
        .unwrap();
    store
        .insert_leads(
            &[gaoxin_store::NewLead {
                uscc: firm.as_str().into(),
                firm_name: "x".into(),
                in_panel: true,
                firm_class: "listed".into(),
                track: "t05".into(),
                event: "conf-2024".into(),
                park: "jiangbei".into(),
                owner: "park-jiangbei".into(),
                stage: 0,
                next_action: "走访".into(),
                next_date: Some(20991231),
                note: "引号\"与换行\n".into(),
            }],
            "admin",
            &[1_700_000_700],
        )
        .await
        .unwrap();
}

/// One row in each finance table (migration 0013).
pub(super) async fn fill_finance(store: &Store, bank: &gaoxin_store::Bank, firm: &Uscc) {
    use gaoxin_store::{
        ApplicationState, Fund, FundInvestment, NewDemand, NewResponse, ResponseStatus, Scenario,
    };
    let own = Scope::Enterprise(firm.clone());
    let d = store
        .declare_demand(
            &own,
            firm,
            &NewDemand {
                amount_fen: 500_000_001,
                term_months: 12,
                purpose: "研发".into(),
                collateral: "知识产权质押".into(),
                declared_on: 20231115,
            },
            "firm",
            1_700_000_600,
        )
        .await
        .unwrap()
        .unwrap();
    store
        .publish_edition(&Scope::Zone, "第1期", 20231120, "admin", 1_700_000_700)
        .await
        .unwrap()
        .unwrap();
    let r = NewResponse {
        status: ResponseStatus::Approved,
        amount_fen: Some(300_000_000),
        reason_code: None,
        on_date: 20231201,
        note: String::new(),
    };
    store
        .bank_respond(bank, &d.id, &r, "/api/v1/bank/loan-demands", 1_700_000_800)
        .await
        .unwrap()
        .unwrap();
    store
        .record_points_loan(
            bank,
            firm,
            20231201,
            "approved",
            Some(100_000_000),
            None,
            "/p",
            1_700_000_900,
        )
        .await
        .unwrap()
        .unwrap();
    store
        .upsert_scenarios(&[Scenario {
            id: "CJ-1".into(),
            title: "智慧园区".into(),
            offered_by: "高新区管委会".into(),
            offerer_kind: "gov".into(),
            park: "jiangbei".into(),
            budget_fen: Some(1),
            track: "ai".into(),
            deadline: Some(20241231),
            status: "open".into(),
            synthetic: true,
            created_at: 1,
        }])
        .await
        .unwrap();
    store
        .apply_scenario(&own, "CJ-1", firm, "", 1_700_001_000)
        .await
        .unwrap()
        .unwrap();
    assert!(
        store
            .set_application_state(
                &Scope::Zone,
                "CJ-1",
                firm,
                ApplicationState::Shortlisted,
                "",
                2
            )
            .await
            .unwrap()
    );
    store
        .upsert_funds(&[Fund {
            id: "fund-1".into(),
            name: "测试基金".into(),
            manager: "管理人".into(),
            size_fen: 10,
            kind: "track".into(),
            track: "ai".into(),
            vintage: 2023,
            synthetic: true,
        }])
        .await
        .unwrap();
    assert!(
        store
            .add_investments(
                &Scope::Zone,
                &[FundInvestment {
                    id: String::new(),
                    fund_id: "fund-1".into(),
                    fund_name: String::new(),
                    uscc: firm.as_str().into(),
                    firm_name: String::new(),
                    park: String::new(),
                    round: "A轮".into(),
                    amount_fen: 7,
                    invested_on: 20230101,
                    grant_fen: Some(3),
                    note: String::new(),
                }],
            )
            .await
            .unwrap()
    );
    let mut values = [None; 12];
    values[0] = Some(100);
    store
        .import_rdi(
            &Scope::Zone,
            &gaoxin_store::RdiImport {
                institutions: vec![gaoxin_store::Institution {
                    id: "RDI-1".into(),
                    name: "测试研究院".into(),
                    partners: "南京大学".into(),
                    park: "jiangbei".into(),
                    field: "人工智能".into(),
                    founded: Some(2019),
                    legal_form: "事业单位".into(),
                    synthetic: true,
                }],
                years: vec![gaoxin_store::InstitutionYear {
                    institution_id: "RDI-1".into(),
                    year: 2023,
                    values,
                }],
                incubations: vec![(firm.as_str().into(), "RDI-1".into())],
            },
            &[],
            1,
        )
        .await
        .unwrap()
        .unwrap();
    store
        .audit(&gaoxin_store::AuditEvent {
            actor: "admin".into(),
            role: "zone_admin".into(),
            action: "park_input.set".into(),
            park: Some("jiangbei".into()),
            subject: "3.1".into(),
            detail: "{\"value\":0.4}".into(),
        })
        .await
        .unwrap();
    talent_fixture(store).await;
    fill_payouts(store).await;
    carrier_fixture(store).await;
}

pub(super) async fn carrier_fixture(store: &Store) {
    let mut values = [None; 9];
    values[0] = Some(12);
    let import = gaoxin_store::CarrierImport {
        carriers: vec![gaoxin_store::Carrier {
            id: "CAR-1".into(),
            name: "测试孵化器".into(),
            kind: "孵化器".into(),
            operator: "测试运营公司".into(),
            park: "jiangbei".into(),
            level: "国家级".into(),
            level_year: Some(2018),
            area_m2: Some(15_000),
            field: "人工智能".into(),
            synthetic: true,
        }],
        years: vec![gaoxin_store::CarrierYear {
            carrier_id: "CAR-1".into(),
            year: 2023,
            values,
            source_file: "载体.xlsx".into(),
            source_row: Some(2),
            import_id: "carrier-import-1".into(),
        }],
        links: vec![gaoxin_store::CarrierLink {
            carrier_id: "CAR-1".into(),
            uscc: "91440300708461136T".into(),
            entry_year: Some(2021),
            graduation_year: Some(2023),
        }],
    };
    store
        .import_carriers(&Scope::Zone, &import, &[], 1)
        .await
        .unwrap()
        .unwrap();
}

pub(super) async fn talent_fixture(store: &Store) {
    let t = gaoxin_store::Talent {
        code: "T1".into(),
        name: "张三".into(),
        gender: "男".into(),
        birth_year: 1985,
        nationality: "中国".into(),
        degree: "博士".into(),
        field: "人工智能".into(),
        title: String::new(),
        employer_kind: "高校".into(),
        employer_uscc: None,
        employer_name: "南京大学".into(),
        park: "jiangbei".into(),
        team: None,
        team_role: None,
        top_team: false,
        card_level: Some("B".into()),
        arrival_year: 2022,
        status: "在岗".into(),
        left_year: None,
        id_tail: None,
        source: "测试".into(),
        updated_at: 1,
        synthetic: false,
        programmes: vec![gaoxin_store::Programme {
            programme: "紫金山英才计划".into(),
            level: "市级".into(),
            year: 2022,
            source: "名单".into(),
        }],
    };
    let ev = gaoxin_store::AuditEvent {
        actor: "admin".into(),
        role: "zone_admin".into(),
        action: "talent.import".into(),
        park: None,
        subject: "t.xlsx".into(),
        detail: "{}".into(),
    };
    store.put_talents(&[t], &ev).await.unwrap();
    store
        .add_talent_request(&gaoxin_store::TalentRequest {
            appeal_id: 1,
            talent_code: "T1".into(),
            park: "jiangbei".into(),
            card_level: Some("B".into()),
            service: "优先".into(),
        })
        .await
        .unwrap();
}

pub(super) async fn fill_payouts(store: &Store) {
    let award = gaoxin_store::PayoutRow {
        id: 0,
        uscc: "91320191MA1XXXXXX1".into(),
        firm_name: "测试公司".into(),
        park: "jiangbei".into(),
        year: 2024,
        rule: "nanjing_first_unicorn_award_2025".into(),
        rule_version: "2025-01".into(),
        run_id: "rules-2024-x".into(),
        computed_fen: 150_000_000,
        channel: "申报".into(),
        state: "测算".into(),
        approved_fen: None,
        paid_fen: None,
        approved_on: None,
        paid_on: None,
        published_on: None,
        flagged: false,
        supply: String::new(),
        version: 1,
    };
    let step = gaoxin_store::PayoutStep {
        payout_id: 0,
        seq: 0,
        at: 1_700_000_000,
        on_date: 20250303,
        actor: "system".into(),
        role: "system".into(),
        step: "测算".into(),
        from_state: None,
        to_state: "测算".into(),
        amount_fen: Some(150_000_000),
        reason: String::new(),
        fund_source: String::new(),
        paid_on: None,
        note: String::new(),
    };
    let event = gaoxin_store::AuditEvent {
        actor: "system".into(),
        role: "system".into(),
        action: "payout.compute".into(),
        park: Some("jiangbei".into()),
        subject: String::new(),
        detail: "{}".into(),
    };
    store
        .create_payouts(&[(award, vec![step], vec![event.clone()])])
        .await
        .unwrap();
    let line = gaoxin_store::FundLine {
        year: 2024,
        category: "企业培育".into(),
        source: "市级".into(),
        amount_fen: 5_000_000_000,
        entered_by: "admin".into(),
        entered_at: 1_700_000_000,
        note: String::new(),
    };
    store.set_payout_fund(&line, &event).await.unwrap();
    let adoption = gaoxin_store::Adoption {
        id: 0,
        at: 1_700_000_000,
        adopter: "admin".into(),
        reform_key: "unicorn_cap_300".into(),
        reform_name: "上限提高".into(),
        author: "科创局".into(),
        note: String::new(),
        effective_on: 20260101,
        files: "nanjing_first_unicorn_award_2025: 2025.2 → 2025.2+2026-01-01".into(),
        diff: "[]".into(),
        rules_dir: "data/rules".into(),
    };
    store.record_adoption(&adoption, &event).await.unwrap();
}

/// One row in each 科技成果转化 table: a result, a demand, an expert, a case moved to 签约 and its
/// contract (with their history).
pub(super) async fn fill_tech(store: &Store, firm: &Uscc) {
    use gaoxin_store::{
        CaseMove, CaseState, NewCase, TechContract, TechDemand, TechExpert, TechResult,
    };
    let r = TechResult {
        id: "CG1".into(),
        name: "碳化硅器件".into(),
        summary: "摘要".into(),
        keywords: vec!["碳化硅".into(), "封装".into()],
        trl: Some(6),
        price_fen: Some(100),
        ..TechResult::default()
    };
    store
        .upsert_tech_results(&[r], 1_700_000_000)
        .await
        .unwrap();
    let d = TechDemand {
        id: "XQ1".into(),
        uscc: firm.as_str().into(),
        name: "需求".into(),
        description: "描述".into(),
        jiebang: true,
        award_fen: Some(5),
        ..TechDemand::default()
    };
    assert!(
        store
            .upsert_tech_demands(&Scope::Zone, &[d], 1_700_000_000)
            .await
            .unwrap()
            .is_ok()
    );
    let x = TechExpert {
        id: "ZJ1".into(),
        kind: "broker".into(),
        name: "经纪人".into(),
        ..TechExpert::default()
    };
    store
        .upsert_tech_experts(&[x], 1_700_000_000)
        .await
        .unwrap();
    let c = NewCase {
        result_id: "CG1".into(),
        demand_id: Some("XQ1".into()),
        uscc: firm.clone(),
        broker: "b".into(),
        follow_up: Some(20240101),
        note: String::new(),
    };
    let case = store
        .open_case(&Scope::Zone, &c, "b", 1_700_000_000)
        .await
        .unwrap()
        .unwrap();
    for to in [CaseState::Intent, CaseState::Negotiating, CaseState::Signed] {
        let m = CaseMove {
            to,
            reason: None,
            note: String::new(),
            follow_up: None,
        };
        store
            .move_case(&Scope::Zone, &case.id, &m, "b", 1_700_000_001)
            .await
            .unwrap()
            .unwrap();
    }
    let k = TechContract {
        reg_no: "R1".into(),
        case_id: case.id.clone(),
        uscc: String::new(),
        park: String::new(),
        field: String::new(),
        amount_fen: 1_000,
        kind: "技术转让".into(),
        registered_on: 20240301,
    };
    store
        .register_contract(&Scope::Zone, &k, "b", 1_700_000_002)
        .await
        .unwrap()
        .unwrap()
        .unwrap();
}
