//! One synthetic firm: its latent traits, its life from founding to the panel's last year, and
//! the enterprise-year rows it reports. See the crate documentation for the calibration.
//!
//! [`firm`] runs the phases in a fixed order on the firm's random stream: identity, traits and
//! revenue path ([`life`]), the yearly state ([`year`]) and the rows ([`row`]); the code tables
//! and yearly rates are in [`tables`].
mod life;
mod row;
mod tables;
mod year;

use crate::rng::Rng;
use gaoxin_model::reference::Park;
use gaoxin_model::{Enterprise, Facts};
use tables::{LIST_STREAM, TRACK_INDUSTRIES};

/// Year from which firms can be founded.
pub const FIRST_FOUNDING_YEAR: i32 = 1995;

/// A park with its sampling weight and the clusters it hosts, precomputed once per zone.
pub struct ParkPlan {
    pub id: gaoxin_model::ParkId,
    pub weight: f64,
    /// Share of the park's manufacturing firms outside clusters.
    pub manufacturing_lean: f64,
    /// (cluster id, industry prefixes) hosted by the park.
    pub clusters: Vec<(String, Vec<String>)>,
}

/// Everything the generator derives from the zone reference, once.
pub struct Plan {
    pub parks: Vec<ParkPlan>,
    pub park_weights: Vec<f64>,
    /// All clusters: (id, host park, prefixes).
    pub clusters: Vec<(String, gaoxin_model::ParkId, Vec<String>)>,
    /// Tracks: (id, typical industry prefixes; empty = any industry).
    pub tracks: Vec<(String, Vec<&'static str>)>,
    pub first_year: i32,
    pub last_year: i32,
    pub seed: u64,
}

impl Plan {
    pub fn new(zone: &gaoxin_model::Zone, first_year: i32, last_year: i32, seed: u64) -> Plan {
        let parks: Vec<ParkPlan> = zone
            .parks
            .iter()
            .map(|p: &Park| {
                let clusters: Vec<(String, Vec<String>)> = zone
                    .clusters
                    .iter()
                    .filter(|c| c.park == p.id)
                    .map(|c| (c.id.clone(), c.industries.clone()))
                    .collect();
                let (base, lean) = match p.location.as_str() {
                    "核心" => (3.0, 0.55),
                    "两翼" => (2.2, 0.6),
                    "主城" => (1.0, 0.2),
                    _ => (0.8, 0.72),
                };
                let weight = base
                    * (1.0 + 0.25 * clusters.len() as f64)
                    * if p.national { 1.3 } else { 1.0 };
                ParkPlan {
                    id: p.id.clone(),
                    weight,
                    manufacturing_lean: lean,
                    clusters,
                }
            })
            .collect();
        let park_weights = parks.iter().map(|p| p.weight).collect();
        let clusters = zone
            .clusters
            .iter()
            .map(|c| (c.id.clone(), c.park.clone(), c.industries.clone()))
            .collect();
        let tracks = zone
            .tracks
            .iter()
            .map(|t| {
                let inds = TRACK_INDUSTRIES
                    .iter()
                    .find(|(k, _)| t.name.contains(k))
                    .map(|(_, v)| v.to_vec())
                    .unwrap_or_default();
                (t.id.clone(), inds)
            })
            .collect();
        Plan {
            parks,
            park_weights,
            clusters,
            tracks,
            first_year,
            last_year,
            seed,
        }
    }
}

/// Generates firm `index`: its identity (without name, which the caller assigns) and its rows.
pub fn firm(plan: &Plan, index: u64) -> (Enterprise, Vec<Facts>) {
    let mut rng = Rng::derive(plan.seed, 1, index);
    let id = life::identity(plan, &mut rng);
    let (mut tr, latent) = life::traits(plan, &id, &mut rng);
    let path = life::revenue_path(plan, &id, &tr, &mut rng);
    let last_active = path.last_active;
    let last_revenue = path.revenue(last_active);
    let backing = life::backing(plan, &id, &latent, last_revenue, last_active, &mut rng);

    // Small firms leave more blanks.
    let small = last_revenue < 1.0e7;
    tr.miss_rate = if small {
        rng.uniform(0.06, 0.16)
    } else {
        rng.uniform(0.02, 0.08)
    };
    let (clusters, tracks, tech_field) = life::memberships(plan, &id, &tr, latent.tau, &mut rng);

    let uscc = crate::names::uscc(index, id.park.id.as_str(), id.fy);
    let enterprise = Enterprise {
        uscc: uscc.clone(),
        name: String::new(),
        park: id.park.id.clone(),
        founded: id.founded,
        industry: id.industry.clone(),
        sector: id.sector,
        tech_field: tech_field.clone(),
        listing: backing.listing,
        clusters,
        tracks,
        synthetic: true,
    };

    // ---- pass 2: yearly state, certificates, rows ----
    let first_year = plan.first_year;
    let mut rows = Vec::with_capacity((last_active - first_year + 1).max(0) as usize);
    let ctx = year::Ctx {
        tr: &tr,
        tau: latent.tau,
        fy: id.fy,
        founded: id.founded,
        mfg: id.mfg,
        sector: id.sector,
        ht_field_ok: tech_field.is_some(),
        path: &path,
        backing: &backing,
    };
    let mut state = year::Life::new(Rng::derive(plan.seed, LIST_STREAM, index));
    for y in id.fy..=last_active {
        let s = state.advance(&ctx, y, &mut rng);
        if y < first_year {
            continue;
        }
        rows.push(row::row(&ctx, &state, &s, &uscc, &mut rng));
    }
    (enterprise, rows)
}
