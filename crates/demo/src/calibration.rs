//! Counts that tie the demo zone to the published figures (see the crate documentation).
use crate::DemoZone;
use gaoxin_model::{Date, Enterprise, F, Facts, Listing, Sector};
use std::collections::HashMap;

/// Populations and ratios of one year of a demo zone. Label definitions:
/// - `hnte`: rows whose 高企 certificate is valid on 31 December (issued ≤ that day, within 3 years);
/// - `techsme`: rows with 科小入库 = 是;
/// - `specialized` / `little_giant`: certificate dated within the last 3 years at year end;
/// - `unicorn`: private investment, not listed (新三板 allowed), valuation ≥ US$1B (Nanjing 2024);
/// - `potential_unicorn`: same, valuation ≥ US$50M (manufacturing) / US$100M (services) and < US$1B;
/// - `gazelle`: Nanjing 2024 rule with `year` as the end year: base-year (year−3) revenue ≥ 3M CNY
///   (manufacturing) / 5M (services), three positive YoY growths, CAGR ≥ 20% / 50%;
/// - `listed` / `neeq`: listing status (as of the panel's last year) of firms active in `year`.
#[derive(Debug, Clone, PartialEq)]
pub struct Calibration {
    pub year: i32,
    /// Firms in the demo zone (all years).
    pub enterprises: usize,
    /// Firms with a row in `year`.
    pub active: usize,
    pub hnte: usize,
    pub techsme: usize,
    pub specialized: usize,
    pub little_giant: usize,
    pub unicorn: usize,
    pub potential_unicorn: usize,
    pub gazelle: usize,
    pub listed: usize,
    pub neeq: usize,
    /// Rows with private investment = 是.
    pub vc_backed: usize,
    /// Median of R&D expense / revenue over rows with both (revenue > 0), in %.
    pub median_rd_intensity_pct: f64,
    /// Σ R&D expense / Σ revenue over rows with both, in % (the zone's 4.5% target measure).
    pub zone_rd_intensity_pct: f64,
    /// Shares (%) of those rows with intensity below 3% and above 10%.
    pub rd_below_3_pct: f64,
    pub rd_above_10_pct: f64,
    /// Σ revenue in 亿元.
    pub total_revenue_yi: f64,
    /// Share (%) of the firms' revenue held by the top 1% of rows by revenue.
    pub top1_revenue_share_pct: f64,
    /// Share (%) of empty cells over all facts of the year's rows (certificate dates included).
    pub missing_cells_pct: f64,
    /// Share (%) of present revenue values verified by the tax bureau.
    pub revenue_verified_pct: f64,
    /// Firms with at least one cluster / track tag (all years).
    pub with_cluster: usize,
    pub with_track: usize,
}

fn valid_3y(f: &Facts, field: F, year: i32) -> bool {
    let end = Date::new(year, 12, 31).expect("valid");
    f.get(field)
        .and_then(Date::from_int)
        .is_some_and(|d| d <= end && d.add_years(3) > end)
}

/// Whether a firm with these revenues (base year first, four values) is a gazelle (Nanjing 2024).
pub fn is_gazelle(sector: Sector, rev: [i64; 4]) -> bool {
    let (min_base, min_cagr) = match sector {
        Sector::Manufacturing => (300_000_000, 0.20), // 3M CNY in fen
        Sector::Services => (500_000_000, 0.50),
    };
    rev[0] >= min_base
        && rev.windows(2).all(|w| w[1] > w[0])
        && (rev[3] as f64 / rev[0] as f64).powf(1.0 / 3.0) - 1.0 >= min_cagr
}

/// Calibration counts for `year` (see [`Calibration`] for the definitions). Expects the zone as
/// [`crate::generate`] returns it: rows sorted by (credit code, year).
pub fn calibration(zone: &DemoZone, year: i32) -> Calibration {
    let by_uscc: HashMap<&str, &Enterprise> = zone
        .enterprises
        .iter()
        .map(|e| (e.uscc.as_str(), e))
        .collect();
    let mut c = Calibration {
        year,
        enterprises: zone.enterprises.len(),
        active: 0,
        hnte: 0,
        techsme: 0,
        specialized: 0,
        little_giant: 0,
        unicorn: 0,
        potential_unicorn: 0,
        gazelle: 0,
        listed: 0,
        neeq: 0,
        vc_backed: 0,
        median_rd_intensity_pct: 0.0,
        zone_rd_intensity_pct: 0.0,
        rd_below_3_pct: 0.0,
        rd_above_10_pct: 0.0,
        total_revenue_yi: 0.0,
        top1_revenue_share_pct: 0.0,
        missing_cells_pct: 0.0,
        revenue_verified_pct: 0.0,
        with_cluster: zone
            .enterprises
            .iter()
            .filter(|e| !e.clusters.is_empty())
            .count(),
        with_track: zone
            .enterprises
            .iter()
            .filter(|e| !e.tracks.is_empty())
            .count(),
    };
    let mut intensities = Vec::new();
    let (mut sum_rd, mut sum_rev_rd) = (0i128, 0i128);
    let mut revenues = Vec::new();
    let (mut missing, mut cells, mut rev_present, mut rev_verified) = (0usize, 0usize, 0, 0);
    // Rows are sorted by (credit code, year): walk them firm by firm.
    let mut start = 0;
    while start < zone.facts.len() {
        let code = &zone.facts[start].uscc;
        let mut end = start + 1;
        while end < zone.facts.len() && zone.facts[end].uscc == *code {
            end += 1;
        }
        let group = &zone.facts[start..end];
        start = end;
        let Some(f) = group.iter().find(|f| f.year.get() == year) else {
            continue;
        };
        let e = by_uscc[f.uscc.as_str()];
        c.active += 1;
        c.hnte += valid_3y(f, F::HightechCertDate, year) as usize;
        c.techsme += (f.get(F::TechSmeRegistered) == Some(1)) as usize;
        c.specialized += valid_3y(f, F::SpecializedCertDate, year) as usize;
        c.little_giant += valid_3y(f, F::LittleGiantCertDate, year) as usize;
        c.listed += e.listing.is_listed_excl_neeq() as usize;
        c.neeq += (e.listing == Listing::Neeq) as usize;
        let vc = f.get(F::PrivateInvestment) == Some(1);
        c.vc_backed += vc as usize;
        if vc
            && !e.listing.is_listed_excl_neeq()
            && let Some(v) = f.get(F::ValuationUsd)
        {
            let usd = v / 100;
            let floor = match e.sector {
                Sector::Manufacturing => 50_000_000,
                Sector::Services => 100_000_000,
            };
            if usd >= 1_000_000_000 {
                c.unicorn += 1;
            } else if usd >= floor {
                c.potential_unicorn += 1;
            }
        }
        let revs: Option<Vec<i64>> = (year - 3..=year)
            .map(|y| {
                group
                    .iter()
                    .find(|g| g.year.get() == y)
                    .and_then(|g| g.get(F::Revenue))
            })
            .collect();
        if let Some(r) = revs
            && is_gazelle(e.sector, [r[0], r[1], r[2], r[3]])
        {
            c.gazelle += 1;
        }
        if let Some(r) = f.get(F::Revenue) {
            revenues.push(r);
            rev_present += 1;
            rev_verified += f.prov(F::Revenue).is_verified() as usize;
            if let Some(rd) = f.get(F::RdExpense)
                && r > 0
            {
                intensities.push(rd as f64 / r as f64);
                sum_rd += rd as i128;
                sum_rev_rd += r as i128;
            }
        }
        missing += f.values.iter().filter(|v| v.is_none()).count();
        cells += f.values.len();
    }
    if !intensities.is_empty() {
        intensities.sort_by(|a, b| a.total_cmp(b));
        let n = intensities.len() as f64;
        c.median_rd_intensity_pct = 100.0 * intensities[intensities.len() / 2];
        c.zone_rd_intensity_pct = 100.0 * sum_rd as f64 / sum_rev_rd as f64;
        c.rd_below_3_pct = 100.0 * intensities.iter().filter(|x| **x < 0.03).count() as f64 / n;
        c.rd_above_10_pct = 100.0 * intensities.iter().filter(|x| **x > 0.10).count() as f64 / n;
    }
    let total: i128 = revenues.iter().map(|r| *r as i128).sum();
    c.total_revenue_yi = total as f64 / 1.0e10;
    if total > 0 {
        revenues.sort_unstable_by(|a, b| b.cmp(a));
        let k = (revenues.len() / 100).max(1);
        let top: i128 = revenues[..k].iter().map(|r| *r as i128).sum();
        c.top1_revenue_share_pct = 100.0 * top as f64 / total as f64;
    }
    if cells > 0 {
        c.missing_cells_pct = 100.0 * missing as f64 / cells as f64;
    }
    if rev_present > 0 {
        c.revenue_verified_pct = 100.0 * rev_verified as f64 / rev_present as f64;
    }
    c
}
