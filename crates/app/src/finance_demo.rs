//! Synthetic 科技金融 data for the demo zone, labelled synthetic (bank names end in （演示）, the
//! edition's title says 合成演示数据, scenarios and funds carry `synthetic`): banks, consents, loan
//! demands, a published edition, banks' responses, 创新积分贷 outcomes with the points the firms
//! had, scenarios with applications, and the 4+N fund cluster with investments.
//!
//! Plausible against zone.md §6 (宁科贷, 创新积分贷, 场景贷, the 4+N fund cluster with one fund per
//! track, 拨投结合, a published loan-demand list); the sizes and rates are the generator's
//! assumptions, not figures from a source. Deterministic for a seed.
use crate::finance_loans::FinanceError;
use gaoxin_model::rng::Xoshiro256;
use gaoxin_model::{Enterprise, Year, Zone};
use gaoxin_store::{
    ApplicationState, Fund, FundInvestment, NewDemand, NewResponse, ResponseStatus, Scenario,
    Scope, Store,
};

const BANKS: [&str; 4] = [
    "南京银行（演示）",
    "江苏银行（演示）",
    "招商银行南京分行（演示）",
    "建设银行南京分行（演示）",
];
const PURPOSES: [&str; 5] = ["研发投入", "设备购置", "流动资金", "中试线建设", "订单备货"];
const COLLATERAL: [&str; 4] = ["信用", "知识产权质押", "股权质押", "应收账款质押"];
const ROUNDS: [&str; 5] = ["天使轮", "Pre-A轮", "A轮", "B轮", "C轮"];

struct R(Xoshiro256);

impl R {
    fn below(&mut self, n: u64) -> u64 {
        self.0.next_u64() % n.max(1)
    }
    fn chance(&mut self, p: f64) -> bool {
        self.0.unit() < p
    }
    fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[self.below(xs.len() as u64) as usize]
    }
}

/// yyyymmdd of `days` after 2026-09-01 (the demo's finance season).
fn day(days: u64) -> i64 {
    let start = gaoxin_model::Date::parse("2026-09-01")
        .map(|d| d.days_since_epoch())
        .unwrap_or(0);
    gaoxin_model::Date::from_days_since_epoch(start + days as i64).to_int()
}

/// Writes the synthetic finance data for `firms` (the demo zone's firms); `now` is the time the
/// records are stamped with. Returns (demands, responses, scenarios, investments) written.
pub async fn load(
    store: &Store,
    zone: &Zone,
    firms: &[Enterprise],
    seed: u64,
    points_year: Year,
    now: i64,
) -> Result<(usize, usize, usize, usize), FinanceError> {
    if firms.is_empty() {
        return Ok((0, 0, 0, 0));
    }
    // a fresh demo zone replaces the finance data too (the firms they named are gone)
    store.clear_finance().await?;
    let mut r = R(Xoshiro256::new(seed ^ 0x6b6a_6a72));
    // banks (existing ones kept)
    let mut banks = Vec::new();
    for name in BANKS {
        if let Some((b, _key)) = store.add_bank(name, now).await? {
            banks.push(b);
        } else if let Some(b) = store.banks().await?.into_iter().find(|b| b.name == name) {
            banks.push(b);
        }
    }
    // innovation points of the latest year, so 创新积分贷 outcomes carry the points at application
    // (a year without data computes nothing: the outcomes then carry no points)
    let _ = crate::indicators::run_points(store, points_year).await;
    // demands: about one firm in 150, at least 20
    let n = (firms.len() / 150).clamp(20.min(firms.len()), 400);
    let step = (firms.len() / n.max(1)).max(1);
    let chosen: Vec<&Enterprise> = firms.iter().step_by(step).take(n).collect();
    let mut demands = Vec::new();
    for e in &chosen {
        let wan = [100u64, 200, 300, 500, 800, 1000, 1500, 2000, 3000, 5000][r.below(10) as usize];
        let d = NewDemand {
            amount_fen: (wan * 1_000_000) as i64,
            term_months: [12, 24, 36][r.below(3) as usize],
            purpose: r.pick(&PURPOSES).into(),
            collateral: r.pick(&COLLATERAL).into(),
            declared_on: day(r.below(60)),
        };
        demands.push((e.uscc.clone(), d));
    }
    let ids = match store
        .declare_demands(&Scope::Zone, &demands, "演示数据", now)
        .await?
    {
        Ok(ids) => ids,
        Err(_) => return Err(FinanceError::NotFound),
    };
    store
        .publish_edition(
            &Scope::Zone,
            "2026年第4季度科技企业贷款需求清单（合成演示数据）",
            day(61),
            "演示数据",
            now,
        )
        .await?;
    // consents (about two thirds of the firms, one or two banks each) and responses
    let mut responses = 0;
    for (k, (uscc, d)) in demands.iter().enumerate() {
        if !r.chance(0.67) || banks.is_empty() {
            continue;
        }
        let own = Scope::Enterprise(uscc.clone());
        let mut mine = vec![banks[r.below(banks.len() as u64) as usize].clone()];
        if r.chance(0.3) {
            let b = banks[r.below(banks.len() as u64) as usize].clone();
            if b.id != mine[0].id {
                mine.push(b);
            }
        }
        for b in &mine {
            store
                .grant_consent(&own, uscc, &b.id, now + 365 * 86_400, "演示数据", now)
                .await?;
            let mut on = 65 + r.below(20);
            let mut steps = vec![NewResponse {
                status: ResponseStatus::Contacted,
                amount_fen: None,
                reason_code: None,
                on_date: day(on),
                note: String::new(),
            }];
            if r.chance(0.25) {
                on += 5 + r.below(10);
                steps.push(NewResponse {
                    status: ResponseStatus::Rejected,
                    amount_fen: None,
                    reason_code: Some(["R01", "R02", "R03", "R05"][r.below(4) as usize].into()),
                    on_date: day(on),
                    note: String::new(),
                });
            } else if r.chance(0.6) {
                let approved = d.amount_fen / 100 * (50 + r.below(51) as i64);
                on += 5 + r.below(10);
                steps.push(NewResponse {
                    status: ResponseStatus::Approved,
                    amount_fen: Some(approved),
                    reason_code: None,
                    on_date: day(on),
                    note: String::new(),
                });
                if r.chance(0.6) {
                    on += 3 + r.below(10);
                    steps.push(NewResponse {
                        status: ResponseStatus::Disbursed,
                        amount_fen: Some(approved),
                        reason_code: None,
                        on_date: day(on),
                        note: String::new(),
                    });
                }
            }
            for s in steps {
                if store
                    .bank_respond(b, &ids[k], &s, "演示数据", now)
                    .await?
                    .is_some()
                {
                    responses += 1;
                }
            }
        }
    }
    load_points_loans(store, firms, &banks, &mut r, now).await?;
    let scenarios = load_scenarios(store, zone, firms, &mut r, now).await?;
    let investments = load_funds(store, zone, firms, &mut r).await?;
    Ok((ids.len(), responses, scenarios, investments))
}

/// 创新积分贷: about one firm in 100 (at most 300) applied to a bank on its points, with consent.
async fn load_points_loans(
    store: &Store,
    firms: &[Enterprise],
    banks: &[gaoxin_store::Bank],
    r: &mut R,
    now: i64,
) -> Result<(), FinanceError> {
    let m = (firms.len() / 100).clamp(1, 300);
    for e in firms
        .iter()
        .skip(7)
        .step_by((firms.len() / m).max(1))
        .take(m)
    {
        let Some(b) = banks.get(r.below(banks.len() as u64) as usize) else {
            break;
        };
        let own = Scope::Enterprise(e.uscc.clone());
        store
            .grant_consent(&own, &e.uscc, &b.id, now + 365 * 86_400, "演示数据", now)
            .await?;
        let pts = store.points_of(&own, &e.uscc).await?;
        let pts = pts.last().map(|p| p.total).unwrap_or(10.0);
        // the generator's assumption: approval more likely with more points
        let p_ok = (0.2 + (pts - 5.0) / 30.0).clamp(0.1, 0.95);
        let (o, fen, code) = if r.chance(0.15) {
            ("pending", None, None)
        } else if r.chance(p_ok) {
            (
                "approved",
                Some(((100 + r.below(900)) * 1_000_000) as i64),
                None,
            )
        } else {
            ("rejected", None, Some("R01"))
        };
        store
            .record_points_loan(
                b,
                &e.uscc,
                day(70 + r.below(30)),
                o,
                fen,
                code,
                "演示数据",
                now,
            )
            .await?;
    }
    Ok(())
}

async fn load_scenarios(
    store: &Store,
    zone: &Zone,
    firms: &[Enterprise],
    r: &mut R,
    now: i64,
) -> Result<usize, FinanceError> {
    let titles = [
        ("人工智能", "政务大模型问答场景"),
        ("低空经济", "园区无人机物流配送场景"),
        ("具身智能", "养老机构服务机器人场景"),
        ("第三代半导体", "新能源汽车功率器件验证场景"),
        ("细胞和基因技术", "三甲医院细胞治疗临床转化场景"),
        ("数据大模型", "城市交通数据开放应用场景"),
        ("工业基础软件", "制造企业工业软件替代场景"),
        ("新一代信息通信", "5G专网智慧工厂场景"),
    ];
    let mut list = Vec::new();
    for (i, (track, title)) in titles.iter().enumerate() {
        let Some(t) = zone.track(track) else { continue };
        let park = &zone.parks[i % zone.parks.len()];
        list.push(Scenario {
            id: format!("CJ-2026-{:03}", i + 1),
            title: (*title).into(),
            offered_by: if i % 3 == 2 {
                "区内龙头企业（演示）".into()
            } else {
                "高新区管委会（演示）".into()
            },
            offerer_kind: if i % 3 == 2 {
                "firm".into()
            } else {
                "gov".into()
            },
            park: park.id.to_string(),
            budget_fen: Some(((200 + r.below(1800)) * 1_000_000) as i64),
            track: t.id.clone(),
            deadline: Some(day(90 + r.below(60))),
            status: if i == 7 {
                "closed".into()
            } else {
                "open".into()
            },
            synthetic: true,
            created_at: now,
        });
    }
    store.upsert_scenarios(&list).await?;
    for s in &list {
        let cands: Vec<&Enterprise> = firms
            .iter()
            .filter(|e| e.tracks.contains(&s.track))
            .take(40)
            .collect();
        let k = cands.len().min(3 + r.below(5) as usize);
        for e in cands.iter().take(k) {
            let app = store
                .apply_scenario(&Scope::Zone, &s.id, &e.uscc, "", now)
                .await?;
            if app.is_some() && r.chance(0.5) {
                store
                    .set_application_state(
                        &Scope::Zone,
                        &s.id,
                        &e.uscc,
                        ApplicationState::Shortlisted,
                        "",
                        now,
                    )
                    .await?;
                if r.chance(0.5) {
                    let st = if r.chance(0.5) {
                        ApplicationState::Selected
                    } else {
                        ApplicationState::Declined
                    };
                    store
                        .set_application_state(&Scope::Zone, &s.id, &e.uscc, st, "", now)
                        .await?;
                }
            }
        }
    }
    Ok(list.len())
}

async fn load_funds(
    store: &Store,
    zone: &Zone,
    firms: &[Enterprise],
    r: &mut R,
) -> Result<usize, FinanceError> {
    // the "4": four parent funds; the "N": one fund per track (zone.md §6)
    let mut funds: Vec<Fund> = [
        ("南京高新区科技创新母基金（演示）", 500_000),
        ("南京高新区产业发展母基金（演示）", 300_000),
        ("南京高新区天使投资母基金（演示）", 100_000),
        ("南京高新区并购母基金（演示）", 200_000),
    ]
    .iter()
    .enumerate()
    .map(|(i, (name, wan))| Fund {
        id: format!("fund-p{}", i + 1),
        name: (*name).into(),
        manager: "南京高新区创投管理公司（演示）".into(),
        size_fen: wan * 1_000_000,
        kind: "parent".into(),
        track: String::new(),
        vintage: 2022 + i as i64 % 3,
        synthetic: true,
    })
    .collect();
    for (i, t) in zone.tracks.iter().enumerate() {
        funds.push(Fund {
            id: format!("fund-{}", t.id),
            name: format!("{}赛道基金（演示）", t.name),
            manager: format!("{}产业基金管理公司（演示）", t.name),
            size_fen: ((50_000 + r.below(100_000) as i64 / 10_000 * 10_000) * 1_000_000),
            kind: "track".into(),
            track: t.id.clone(),
            vintage: 2023 + (i as i64 % 3),
            synthetic: true,
        });
    }
    store.upsert_funds(&funds).await?;
    let stored = store.funds().await?;
    let mut inv = Vec::new();
    for f in stored.iter().filter(|f| f.synthetic) {
        let cands: Vec<&Enterprise> = if f.track.is_empty() {
            firms.iter().step_by(97).take(12).collect()
        } else {
            firms
                .iter()
                .filter(|e| e.tracks.contains(&f.track))
                .take(30)
                .collect()
        };
        let k = cands.len().min(2 + r.below(5) as usize);
        for e in cands.iter().take(k) {
            let amount = ((200 + r.below(4800)) * 1_000_000) as i64;
            let grant = r.chance(0.2).then_some(amount / 4);
            inv.push(FundInvestment {
                id: String::new(),
                fund_id: f.id.clone(),
                fund_name: String::new(),
                uscc: e.uscc.as_str().to_string(),
                firm_name: String::new(),
                park: String::new(),
                round: r.pick(&ROUNDS).into(),
                amount_fen: amount,
                invested_on: day(r.below(300)) - 10_000,
                grant_fen: grant,
                note: if grant.is_some() {
                    "拨投结合：财政拨款转为股权投资（演示）".into()
                } else {
                    String::new()
                },
            });
        }
    }
    store.add_investments(&Scope::Zone, &inv).await?;
    Ok(inv.len())
}
