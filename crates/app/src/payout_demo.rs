//! A synthetic payout ledger for the demo zone (labelled synthetic: every step's actor is
//! 演示数据 and its note says 演示数据（合成）): the last year's rules run is stored and synced into
//! the ledger, then each award is moved along by a seeded draw — some paid (approval to payment
//! 5–40 working days), some approved and waiting, some rejected with a reason, some waiting for
//! the firm's application or the zone's review — so 应享尽享 and 应兑尽兑 have something to show.
//! Two special-fund years are entered too (synthetic amounts).
use crate::audit::{Who, event};
use crate::payout_data::{CITY_TOTAL, PayoutConfig, load_calendar};
use crate::payout_flow::State;
use crate::payouts::{PayoutError, new_step};
use gaoxin_model::rng::Xoshiro256;
use gaoxin_model::{Date, Year};
use gaoxin_store::{FundLine, PayoutFilter, PayoutRow, Scope, Store};

const NOTE: &str = "演示数据（合成）";

fn who() -> Who {
    Who {
        actor: "演示数据".into(),
        role: "zone_admin".into(),
    }
}

/// 10:00 in China on `d` (unix seconds).
fn at(d: Date) -> i64 {
    d.days_since_epoch() * 86_400 + 2 * 3600
}

async fn step(
    store: &Store,
    p: &mut PayoutRow,
    name: &str,
    to: State,
    on: Date,
    edit: impl FnOnce(&mut PayoutRow, &mut gaoxin_store::PayoutStep),
) -> Result<(), PayoutError> {
    let from = State::parse(&p.state).map_err(PayoutError::Refused)?;
    let mut s = new_step(&who(), at(on), on.to_int(), name, Some(from), to);
    s.note = NOTE.into();
    let mut next = PayoutRow {
        state: to.zh().into(),
        ..p.clone()
    };
    edit(&mut next, &mut s);
    let ev = event(
        &who(),
        "payout.demo",
        Some(&p.park),
        &format!("payout:{}", p.id),
        serde_json::json!({"step": name, "note": NOTE}),
    );
    if !store.apply_payout_step(&next, &s, &ev).await? {
        return Err(PayoutError::Conflict);
    }
    next.version += 1;
    *p = next;
    Ok(())
}

/// Replaces the ledger with the synthetic one of `year` (see the module docs), as of `today`.
/// Returns how many awards it holds.
pub async fn load(store: &Store, year: Year, seed: u64, today: Date) -> Result<usize, PayoutError> {
    let cfg = PayoutConfig::load().map_err(PayoutError::Refused)?;
    let cal = load_calendar().map_err(PayoutError::Refused)?;
    store.clear_payouts().await?;
    crate::rules_runs::run_rules(store, year).await?;
    crate::payout_sync::sync(store, &who(), year).await?;
    let f = PayoutFilter {
        year: Some(i64::from(year.get())),
        ..Default::default()
    };
    let mut rows = store.payouts(&Scope::Zone, &f).await?;
    rows.sort_by_key(|p| p.id);
    let mut rng = Xoshiro256::new(seed ^ 0x5041_594f_5554);
    // the days stay inside the calendar's years
    let (first_year, _) = cal.years();
    let floor = Date::new(first_year, 3, 1).unwrap_or(today);
    for mut p in rows.clone() {
        let u = rng.unit();
        let back = 20 + (rng.unit() * 200.0) as i64;
        let review = Date::from_days_since_epoch(today.days_since_epoch() - back).max(floor);
        let wait = 5 + (rng.unit() * 35.0) as u32;
        if u < 0.12 {
            continue; // waits for the firm (申报) or the zone's 免申 confirmation
        }
        if p.state == "测算" {
            step(store, &mut p, "申报", State::Applied, review, |_, _| {}).await?;
        }
        if u < 0.25 {
            continue; // waits for the zone's review
        }
        if u < 0.32 {
            step(
                store,
                &mut p,
                "不予核准",
                State::Rejected,
                review,
                |_, s| {
                    s.reason = "经核查，研发费用归集不符合要求（演示）".into();
                },
            )
            .await?;
            continue;
        }
        step(store, &mut p, "核准", State::Approved, review, |n, s| {
            n.approved_fen = Some(n.computed_fen);
            n.approved_on = Some(review.to_int());
            s.amount_fen = Some(n.computed_fen);
        })
        .await?;
        let paid = cal.add_working_days(review, wait).unwrap_or(today);
        if u < 0.50 || paid > today {
            continue; // approved, waiting for payment
        }
        let fund = cfg.fund_sources.first().cloned().unwrap_or_default();
        step(store, &mut p, "拨付", State::Paid, paid, |n, s| {
            n.paid_fen = n.approved_fen;
            n.paid_on = Some(paid.to_int());
            s.amount_fen = n.approved_fen;
            s.paid_on = Some(paid.to_int());
            s.fund_source = fund;
        })
        .await?;
    }
    // two years of special-fund accounts (synthetic amounts, in 元)
    for (k, y) in [year.get() - 1, year.get()].into_iter().enumerate() {
        let base: i64 = 8_000_000 + 1_000_000 * k as i64;
        let mut lines: Vec<(String, &str, i64)> = cfg
            .categories
            .iter()
            .enumerate()
            .map(|(i, c)| (c.name.clone(), "市级", base + 350_000 * i as i64))
            .collect();
        lines.push((cfg.categories[0].name.clone(), "区级", base / 2));
        let city: i64 = lines.iter().filter(|l| l.1 == "市级").map(|l| l.2).sum();
        // one year above the floor, one below it
        lines.push((
            CITY_TOTAL.into(),
            "市级",
            if k == 0 { city * 6 } else { city * 4 },
        ));
        for (category, source, yuan) in lines {
            let line = FundLine {
                year: i64::from(y),
                category,
                source: source.into(),
                amount_fen: yuan * 100,
                entered_by: "演示数据".into(),
                entered_at: at(today),
                note: NOTE.into(),
            };
            crate::payouts::set_fund(store, &who(), &line).await?;
        }
    }
    Ok(rows.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use gaoxin_demo::{DemoConfig, generate};

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_demo_ledger_is_labelled_and_its_funds_straddle_the_floor() {
        let store = gaoxin_store::testing::sqlite().await.unwrap();
        let zone =
            gaoxin_model::Zone::parse(include_str!("../../../data/reference/zone.toml")).unwrap();
        let demo = generate(
            &zone,
            &DemoConfig {
                enterprises: 1500,
                first_year: 2021,
                last_year: 2024,
                seed: 11,
            },
        );
        let mut tx = store.begin_import().await.unwrap();
        tx.write_enterprises(&demo.enterprises).await.unwrap();
        tx.write_facts(&demo.facts).await.unwrap();
        tx.commit().await.unwrap();
        let today = Date::new(2026, 11, 30).unwrap();
        let n = load(&store, Year::new(2024).unwrap(), 11, today)
            .await
            .unwrap();
        let rows = store
            .payouts(&Scope::Zone, &PayoutFilter::default())
            .await
            .unwrap();
        assert_eq!(rows.len(), n);
        assert!(n > 0, "the demo zone has awards");
        for p in &rows {
            let steps = store.payout_steps(&Scope::Zone, p.id).await.unwrap();
            assert!(steps.iter().all(|s| s.actor == "演示数据"));
            assert!(
                steps[1..]
                    .iter()
                    .all(|s| s.note == NOTE || s.step == "免申")
            );
            if let (Some(a), Some(b)) = (p.approved_on, p.paid_on) {
                assert!(a <= b && b <= today.to_int());
            }
        }
        // loaded again: the same ledger (reloaded, not added to)
        assert_eq!(
            load(&store, Year::new(2024).unwrap(), 11, today)
                .await
                .unwrap(),
            n
        );
        let cfg = PayoutConfig::load().unwrap();
        let funds = crate::payout_measures::fund_years(
            &cfg,
            &store.payout_funds(&Scope::Zone).await.unwrap(),
        );
        assert_eq!(
            funds.iter().map(|f| f.status.as_str()).collect::<Vec<_>>(),
            ["未达成", "已达成"]
        );
    }
}
