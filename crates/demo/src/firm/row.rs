//! The enterprise-year row of a firm: every fact with its provenance, blanks and imputations
//! drawn from the row's own writer stream, in the generator's fixed order.
use super::tables::{CNY_PER_USD, fen, logistic};
use super::year::{Ctx, Life, YearState};
use crate::rng::Rng;
use gaoxin_model::{F, Facts, Provenance, Uscc, Year};

/// Writes facts with blanks and imputations from its own stream.
struct Writer {
    rng: Rng,
}

impl Writer {
    fn put(&mut self, f: &mut Facts, field: F, v: i64, missing_p: f64, prov: Provenance) {
        if self.rng.chance(missing_p) {
            return;
        }
        let prov = if !prov.is_verified() && self.rng.chance(0.02) {
            Provenance::Imputed
        } else {
            prov
        };
        f.set(field, Some(v), prov);
    }
}

fn verified(name: &str) -> Provenance {
    Provenance::Verified(name.to_string())
}

/// Verified by `name` with probability `p`, else declared.
fn src(p: f64, name: &str, r: &mut Rng) -> Provenance {
    if r.chance(p) {
        verified(name)
    } else {
        Provenance::Declared
    }
}

/// Where the row's groups of facts come from, drawn once per row.
struct Sources {
    p_rev: Provenance,
    p_tax: Provenance,
    p_rd: Provenance,
    p_staff: Provenance,
    p_ip: Provenance,
    cert: Provenance,
}

/// Blank rate of the core facts.
const CORE: f64 = 0.01;

/// The row of year `s.y`.
pub(super) fn row(c: &Ctx, life: &Life, s: &YearState, uscc: &Uscc, rng: &mut Rng) -> Facts {
    let mut f = Facts::new(uscc.clone(), Year::new(s.y).expect("year in range"));
    let mut w = Writer {
        rng: Rng::new(rng.next_u64()),
    };
    let sources = Sources {
        p_rev: src(0.85, "税务", rng),
        p_tax: src(0.95, "税务", rng),
        p_rd: src(0.6, "税务", rng),
        p_staff: src(0.4, "火炬统计", rng),
        p_ip: src(0.9, "知识产权局", rng),
        cert: verified("认定机构"),
    };
    finances(&mut f, &mut w, &sources, c, life, s, rng);
    staff_and_ip(&mut f, &mut w, &sources, c, life, s, rng);
    recognitions(&mut f, &mut w, sources.cert, c, life, s, rng);
    f
}

/// Revenue, R&D, costs, profit, tax, assets, financing, contracts and valuation.
fn finances(
    f: &mut Facts,
    w: &mut Writer,
    src_: &Sources,
    c: &Ctx,
    life: &Life,
    s: &YearState,
    rng: &mut Rng,
) {
    let (tr, venture, y) = (c.tr, &c.backing.venture, s.y);
    let (revenue, rd, assets) = (s.act.revenue, s.act.rd, s.assets);
    let (valuation, listed_now) = (life.valuation, s.lists.listed_now);
    let (miss, core) = (tr.miss_rate, CORE);
    let (p_rev, p_tax, p_rd) = (src_.p_rev.clone(), src_.p_tax.clone(), src_.p_rd.clone());
    let revenue_f = fen(revenue);
    w.put(f, F::Revenue, revenue_f, core, p_rev.clone());
    w.put(
        f,
        F::MainRevenue,
        fen(revenue * tr.main_share).min(revenue_f),
        miss,
        p_rev.clone(),
    );
    w.put(
        f,
        F::HightechRevenue,
        fen(revenue * tr.hightech_share).min(revenue_f),
        miss,
        Provenance::Declared,
    );
    let rd_f = fen(rd);
    w.put(f, F::RdExpense, rd_f, core, p_rd.clone());
    w.put(
        f,
        F::RdExpenseDomestic,
        fen(rd * tr.domestic_rd).min(rd_f),
        miss,
        p_rd,
    );
    let profit =
        revenue * tr.margin * (0.3 * rng.normal()).exp() - if revenue == 0.0 { rd } else { 0.0 };
    w.put(
        f,
        F::TotalCost,
        fen(revenue - profit.min(revenue)),
        miss,
        Provenance::Declared,
    );
    w.put(
        f,
        F::NetProfit,
        (profit * 0.85 * 100.0).round() as i64,
        core,
        src(0.6, "税务", rng),
    );
    let tax = revenue * tr.tax_rate;
    w.put(f, F::TaxPaid, fen(tax), core, p_tax.clone());
    w.put(
        f,
        F::Exports,
        fen(revenue * tr.export_share),
        miss,
        Provenance::Declared,
    );
    w.put(f, F::TotalAssets, fen(assets), miss, Provenance::Declared);
    w.put(
        f,
        F::TotalLiabilities,
        fen(assets * tr.debt_ratio),
        miss,
        Provenance::Declared,
    );
    let equity = match (&venture, valuation) {
        (Some(vv), Some(val)) if vv.rounds.contains(&y) && !listed_now => {
            val * CNY_PER_USD * rng.uniform(0.08, 0.25)
        }
        _ => 0.0,
    };
    w.put(
        f,
        F::EquityFinancing,
        fen(equity),
        miss,
        Provenance::Declared,
    );
    w.put(
        f,
        F::TechContracts,
        fen(revenue * tr.contract_share),
        miss,
        Provenance::Declared,
    );
    w.put(f, F::LocalContribution, fen(tax * 0.45), miss, p_tax);
    if let Some(val) = valuation
        && !listed_now
    {
        let p = if rng.chance(0.1) {
            Provenance::Imputed
        } else {
            Provenance::Declared
        };
        w.put(f, F::ValuationUsd, (val * 100.0).round() as i64, 0.03, p);
    }
}

/// Staff, IP stock and grants, transformations and standards.
fn staff_and_ip(
    f: &mut Facts,
    w: &mut Writer,
    src_: &Sources,
    c: &Ctx,
    life: &Life,
    s: &YearState,
    rng: &mut Rng,
) {
    let (tr, tau) = (c.tr, c.tau);
    let (employees, tech_staff, rd_staff) = (s.act.employees, s.act.tech_staff, s.act.rd_staff);
    let (class1, class2, grants, rd) = (life.class1, life.class2, s.act.grants, s.act.rd);
    let (miss, core, standards) = (tr.miss_rate, CORE, s.act.standards);
    let (p_staff, p_ip) = (src_.p_staff.clone(), src_.p_ip.clone());
    w.put(f, F::Employees, employees as i64, core, p_staff.clone());
    w.put(f, F::TechStaff, tech_staff as i64, miss, p_staff.clone());
    w.put(f, F::RdStaff, rd_staff as i64, miss, p_staff);
    let c1 = class1 as i64;
    w.put(f, F::IpClass1, c1, core, p_ip.clone());
    w.put(
        f,
        F::IpClass1Self,
        ((c1 as f64) * tr.self_ip).floor() as i64,
        miss,
        p_ip.clone(),
    );
    w.put(
        f,
        F::IpClass1HighValue,
        ((c1 as f64) * tr.hv_ip).floor() as i64,
        miss,
        p_ip.clone(),
    );
    w.put(f, F::IpClass2, class2 as i64, core, p_ip.clone());
    w.put(f, F::InventionGrants, grants, core, p_ip);
    let transformations = rng.poisson(0.4 + 1.5 * logistic(tau) * (1.0 + (rd / 2.0e7).min(4.0)));
    w.put(
        f,
        F::Transformations,
        transformations,
        miss,
        Provenance::Declared,
    );
    w.put(f, F::StandardsLed, standards, miss, Provenance::Declared);
}

/// R&D institution, awards, niche years, levels, incidents, certificates and the city's lists.
fn recognitions(
    f: &mut Facts,
    w: &mut Writer,
    cert: Provenance,
    c: &Ctx,
    life: &Life,
    s: &YearState,
    rng: &mut Rng,
) {
    let (tr, y, a) = (c.tr, s.y, s.act.a);
    let venture = &c.backing.venture;
    let (rd_level, incident, blacklisted, sme) =
        (life.rd_level, s.act.incident, s.act.blacklisted, s.sme);
    let (hnte, specialized, giant_cert) = (life.hnte, life.specialized, life.giant_cert);
    let (unicorn_first, gazelle_first) = (life.unicorn_first, life.gazelle_first);
    let (unicorn_listed, gazelle_listed) = (s.lists.unicorn_listed, s.lists.gazelle_listed);
    let list_known = s.lists.list_known;
    let miss = tr.miss_rate;
    w.put(
        f,
        F::RdInstitution,
        rd_level,
        miss,
        if rd_level >= 2 {
            verified("认定机构")
        } else {
            Provenance::Declared
        },
    );
    let national_rank = if rng.chance(0.0008 * (1.0 + rd_level as f64)) {
        rng.int(1, 8)
    } else {
        0
    };
    let provincial_rank = if rng.chance(0.006 * (1.0 + rd_level as f64)) {
        rng.int(1, 8)
    } else {
        0
    };
    w.put(
        f,
        F::NationalAwardRank,
        national_rank,
        miss,
        Provenance::Declared,
    );
    w.put(
        f,
        F::ProvincialAwardRank,
        provincial_rank,
        miss,
        Provenance::Declared,
    );
    w.put(
        f,
        F::NicheYears,
        (a - tr.niche_lag).max(0) as i64,
        miss,
        Provenance::Declared,
    );
    w.put(
        f,
        F::DigitalLevel,
        tr.digital,
        miss * 1.5,
        Provenance::Declared,
    );
    w.put(f, F::QualityItems, tr.quality, miss, Provenance::Declared);
    w.put(
        f,
        F::StrategicEmerging,
        tr.strategic as i64,
        miss,
        Provenance::Declared,
    );
    let vc_now = venture.as_ref().is_some_and(|v| y >= v.first);
    w.put(
        f,
        F::PrivateInvestment,
        vc_now as i64,
        miss * 0.5,
        Provenance::Declared,
    );
    f.set(
        F::MajorIncident,
        Some(incident as i64),
        Provenance::Declared,
    );
    f.set(
        F::CreditBlacklist,
        Some(blacklisted as i64),
        verified("市场监管"),
    );
    if let Some(d) = hnte {
        f.set(F::HightechCertDate, Some(d.to_int()), cert.clone());
    }
    if y >= 2017 {
        f.set(F::TechSmeRegistered, Some(sme as i64), cert.clone());
    }
    if let Some(d) = specialized {
        f.set(F::SpecializedCertDate, Some(d.to_int()), cert.clone());
    }
    if let Some(d) = giant_cert {
        f.set(F::LittleGiantCertDate, Some(d.to_int()), cert);
    }
    if list_known {
        let list = verified("市发改委榜单");
        f.set(F::UnicornListed, Some(unicorn_listed as i64), list.clone());
        f.set(F::GazelleListed, Some(gazelle_listed as i64), list.clone());
        if let Some(fy) = unicorn_first {
            f.set(F::UnicornFirstYear, Some(fy as i64), list.clone());
        }
        if let Some(fy) = gazelle_first {
            f.set(F::GazelleFirstYear, Some(fy as i64), list);
        }
    }
}
