//! Pass 2 of a firm's life: the state carried from year to year (IP stock, R&D history, R&D
//! institution, certificates, 科小 registration, valuation, the city's lists) and what each year
//! adds to it, drawn in the generator's fixed order.
use super::life::{Backing, RevenuePath, Traits};
use super::tables::{
    CNY_PER_USD, FIRST_LIST_YEAR, RD_PER_VALUATION, UNICORN_VALUATION_USD, band, fen,
    hnte_new_rate, techsme_rate, year_fraction_or_one,
};
use crate::rng::Rng;
use gaoxin_model::{Date, Sector};

/// What the yearly pass needs to know about the firm.
pub(super) struct Ctx<'a> {
    pub tr: &'a Traits,
    pub tau: f64,
    pub fy: i32,
    pub founded: Date,
    pub mfg: bool,
    pub sector: Sector,
    pub ht_field_ok: bool,
    pub path: &'a RevenuePath,
    pub backing: &'a Backing,
}

/// The state carried from one year to the next.
pub(super) struct Life {
    pub class1: f64,
    pub class2: f64,
    /// (revenue, rd) of every year since founding.
    pub hist: Vec<(f64, f64)>,
    pub hnte: Option<Date>,
    pub specialized: Option<Date>,
    pub giant_cert: Option<Date>,
    pub sme_last: bool,
    pub rd_level: i64,
    pub standards_years: Vec<i32>,
    pub valuation: Option<f64>,
    /// The city's unicorn and gazelle lists: drawn from their own stream so that every other
    /// fact keeps its bytes.
    pub list_rng: Rng,
    pub unicorn_first: Option<i32>,
    pub gazelle_first: Option<i32>,
}

/// The year's operating figures.
#[derive(Clone, Copy)]
pub(super) struct Activity {
    pub a: i32,
    pub revenue: f64,
    pub rd: f64,
    pub employees: f64,
    pub tech_ratio: f64,
    pub tech_staff: f64,
    pub rd_staff: f64,
    pub grants: i64,
    pub standards: i64,
    pub incident: bool,
    pub blacklisted: bool,
    /// 3-year R&D intensity.
    pub rd3: f64,
}

/// The year's statuses on the city's lists.
pub(super) struct Lists {
    pub listed_now: bool,
    pub unicorn_listed: bool,
    pub gazelle_listed: bool,
    pub list_known: bool,
}

/// One year of a firm: figures and statuses the row reports.
pub(super) struct YearState {
    pub y: i32,
    pub act: Activity,
    pub assets: f64,
    pub sme: bool,
    pub lists: Lists,
}

impl Life {
    pub fn new(list_rng: Rng) -> Life {
        Life {
            class1: 0.0,
            class2: 0.0,
            hist: Vec::new(),
            hnte: None,
            specialized: None,
            giant_cert: None,
            sme_last: false,
            rd_level: 0,
            standards_years: Vec::new(),
            valuation: None,
            list_rng,
            unicorn_first: None,
            gazelle_first: None,
        }
    }

    /// Advances the state by year `y`, drawing from `rng` (and the list stream).
    pub fn advance(&mut self, c: &Ctx, y: i32, rng: &mut Rng) -> YearState {
        let act = self.activity(c, y, rng);
        let hnte_valid = self.certificates(c, y, &act, rng);
        let (assets, sme) = self.tech_sme(c, y, &act, hnte_valid, rng);
        let lists = self.lists(c, y, &act);
        YearState {
            y,
            act,
            assets,
            sme,
            lists,
        }
    }

    /// Revenue, R&D, staff, IP, R&D institution, standards, incidents, 3-year R&D intensity.
    fn activity(&mut self, c: &Ctx, y: i32, rng: &mut Rng) -> Activity {
        let (tr, tau, fy, founded, mfg) = (c.tr, c.tau, c.fy, c.founded, c.mfg);
        let (mut class1, mut class2, mut rd_level) = (self.class1, self.class2, self.rd_level);
        let hist = &mut self.hist;
        let standards_years = &mut self.standards_years;
        let a = y - fy;
        let revenue = c.path.revenue(y);
        let yr_noise = (0.12 * rng.normal()).exp();
        let rd = if y <= tr.prerevenue_until {
            5.0e6f64 * (0.8 * rng.normal()).exp() * year_fraction_or_one(y, fy, founded)
        } else {
            revenue * (tr.rho * yr_noise).min(0.9)
        };
        // A venture-backed firm spends on R&D in proportion to what investors valued it at (a
        // unicorn valued at US$1B spends some 3,500万元 a year), so a unicorn's R&D — and its
        // first-listing award, 5 % of last year's R&D up to 200万元 — is a unicorn's, not a
        // small firm's (issue 18). No draw: every other value of the zone stays as it was.
        let rd = match &c.backing.venture {
            Some(v) => match v.rounds.iter().filter(|r| **r <= y).max() {
                Some(r) => {
                    let last_round = *v.rounds.last().expect("non-empty");
                    let valued = v.last_valuation * (-0.35 * (last_round - r) as f64).exp();
                    rd.max(valued * CNY_PER_USD * RD_PER_VALUATION)
                }
                None => rd,
            },
            None => rd,
        };
        hist.push((revenue, rd));
        let employees = (revenue / tr.productivity * (0.06 * rng.normal()).exp())
            .max(rd / 3.0e5)
            .max(3.0)
            .round();
        let tech_ratio = (tr.tech_ratio * (0.06 * rng.normal()).exp()).min(1.0);
        let tech_staff = (employees * tech_ratio).round().min(employees);
        let rd_staff = (tech_staff * tr.rd_of_tech).round().min(employees);

        // IP: invention grants grow with R&D (elasticity 0.5); Ⅱ-class (utility models, designs,
        // software copyrights) are filed from the start; about 4 % of the stock lapses a year.
        let lambda1 = 0.03 * (rd / 1.0e4).sqrt() * tr.ip_propensity * if mfg { 1.2 } else { 0.7 };
        let grants = rng.poisson(lambda1);
        class1 = (class1 * 0.96).floor() + grants as f64;
        let lambda2 = 0.4 + lambda1 * if mfg { 2.0 } else { 3.5 };
        class2 = (class2 * 0.95).floor() + rng.poisson(lambda2) as f64;

        // R&D institution: firms climb the ladder with size and propensity.
        if a >= 2 && rd_level < 4 {
            let p = 0.02 * (1.0 + tau.max(0.0)) * (rd / 5.0e6).clamp(0.2, 5.0);
            if rng.chance(p / (1.0 + rd_level as f64)) {
                rd_level += 1;
            }
        }
        let standards = if rng.chance(0.004 * (1.0 + (rd / 1.0e7).min(20.0))) {
            standards_years.push(y);
            rng.int(1, 2)
        } else {
            0
        };
        let incident = rng.chance(0.003);
        let blacklisted = tr.blacklisted_year.is_some_and(|b| y == b || y == b + 1);

        // 3-year R&D intensity, as §1.2 computes it.
        let k = hist.len().saturating_sub(3);
        let (sr, sd) = hist[k..]
            .iter()
            .fold((0.0, 0.0), |(r, d), (x, z)| (r + x, d + z));
        let rd3 = if sr > 0.0 { sd / sr } else { 0.0 };
        self.class1 = class1;
        self.class2 = class2;
        self.rd_level = rd_level;
        Activity {
            a,
            revenue,
            rd,
            employees,
            tech_ratio,
            tech_staff,
            rd_staff,
            grants,
            standards,
            incident,
            blacklisted,
            rd3,
        }
    }

    /// 高企, 专精特新 and 小巨人 certificates; returns whether 高企 is valid at the year's end.
    fn certificates(&mut self, c: &Ctx, y: i32, act: &Activity, rng: &mut Rng) -> bool {
        let (tr, tau, ht_field_ok) = (c.tr, c.tau, c.ht_field_ok);
        let Activity {
            a,
            revenue,
            rd,
            employees,
            tech_ratio,
            incident,
            rd3,
            ..
        } = *act;
        let (class1, class2) = (self.class1, self.class2);
        let (mut hnte, mut specialized, mut giant_cert) =
            (self.hnte, self.specialized, self.giant_cert);
        let year_end = Date::new(y, 12, 31).expect("valid");
        // 高企: 3-year certificates, renewal by re-recognition at expiry.
        let valid = |d: Option<Date>| d.is_some_and(|d| d.add_years(3) > year_end);
        if y >= 2008 && a >= 1 && !valid(hnte) {
            let eligible = rd3 >= band(revenue)
                && tech_ratio >= 0.10
                && tr.hightech_share >= 0.6
                && class1 + class2 >= 1.0
                && ht_field_ok
                && !incident;
            let renewal = hnte.is_some_and(|d| d.year() + 3 == y);
            let p = if renewal { 0.9 } else { hnte_new_rate(y) };
            if eligible && rng.chance(p) {
                hnte = Date::new(y, rng.int(10, 12) as u8, rng.int(1, 28) as u8);
            }
        }
        let hnte_valid = valid(hnte);

        // 专精特新 (provincial, 3-year validity) and 小巨人 for a minority.
        if y >= 2018 && !valid(specialized) && employees < 1000.0 {
            let eligible = a >= 2
                && rd >= 1.0e6
                && rd3 >= 0.03
                && revenue >= 1.0e7
                && tr.main_share >= 0.7
                && tau > 0.2;
            let renewal = specialized.is_some();
            if eligible && rng.chance(if renewal { 0.8 } else { 0.06 }) {
                specialized = Date::new(y, rng.int(6, 12) as u8, rng.int(1, 28) as u8);
            }
        }
        if y >= 2019 && valid(specialized) && !valid(giant_cert) {
            let eligible = a >= 3
                && ((revenue >= 1.0e8 && rd3 >= 0.03) || (revenue >= 5.0e7 && rd3 >= 0.06))
                && class1 >= 2.0;
            let renewal = giant_cert.is_some();
            if eligible && rng.chance(if renewal { 0.85 } else { 0.10 }) {
                giant_cert = Date::new(y, rng.int(7, 9) as u8, rng.int(1, 28) as u8);
            }
        }
        self.hnte = hnte;
        self.specialized = specialized;
        self.giant_cert = giant_cert;
        hnte_valid
    }

    /// 科小 registration (§2.2 score on this year's figures); returns (total assets, registered).
    fn tech_sme(
        &mut self,
        c: &Ctx,
        y: i32,
        act: &Activity,
        hnte_valid: bool,
        rng: &mut Rng,
    ) -> (f64, bool) {
        let tr = c.tr;
        let Activity {
            revenue,
            rd,
            employees,
            tech_ratio,
            incident,
            blacklisted,
            ..
        } = *act;
        let (class1, class2, rd_level) = (self.class1, self.class2, self.rd_level);
        let standards_years = &self.standards_years;
        let mut sme_last = self.sme_last;
        // 科小: scored as §2.2 on this year's figures; registration is yearly.
        let assets = revenue / tr.asset_turnover + rd;
        let tech_score = match tech_ratio {
            r if r >= 0.30 => 20,
            r if r >= 0.25 => 16,
            r if r >= 0.20 => 12,
            r if r >= 0.15 => 8,
            r if r >= 0.10 => 4,
            _ => 0,
        };
        let cost = revenue * (1.0 - tr.margin);
        let by_rev = if revenue > 0.0 { rd / revenue } else { 1.0 };
        let by_cost = if cost > 0.0 { rd / cost } else { 1.0 };
        let rd_score = [
            (0.06, 0.30, 50),
            (0.05, 0.25, 40),
            (0.04, 0.20, 30),
            (0.03, 0.15, 20),
            (0.02, 0.10, 10),
        ]
        .iter()
        .find(|(a, b, _)| by_rev >= *a || by_cost >= *b)
        .map(|t| t.2)
        .unwrap_or(0);
        let ip_score = match (class1 as i64, class2 as i64) {
            (c1, _) if c1 >= 1 => 30,
            (_, c2) if c2 >= 4 => 24,
            (_, 3) => 18,
            (_, 2) => 12,
            (_, 1) => 6,
            _ => 0,
        };
        let direct = hnte_valid || rd_level >= 3 || standards_years.iter().any(|s| y - s < 5);
        let scored = tech_score > 0 && tech_score + rd_score + ip_score >= 60;
        let sme_eligible = employees <= 500.0
            && revenue <= 2.0e8
            && assets <= 2.0e8
            && !blacklisted
            && !incident
            && (scored || direct);
        let sme =
            y >= 2017 && sme_eligible && rng.chance(if sme_last { 0.97 } else { techsme_rate(y) });
        sme_last = sme;
        self.sme_last = sme_last;
        (assets, sme)
    }

    /// Valuation of the latest round and the city's unicorn and gazelle lists.
    fn lists(&mut self, c: &Ctx, y: i32, act: &Activity) -> Lists {
        let (tr, sector, a) = (c.tr, c.sector, act.a);
        let venture = &c.backing.venture;
        let listed_year = c.backing.listed_year;
        let hist = &self.hist;
        let list_rng = &mut self.list_rng;
        let mut valuation = self.valuation;
        let (mut unicorn_first, mut gazelle_first) = (self.unicorn_first, self.gazelle_first);
        // Valuation of the latest round (USD); listed firms report none after listing.
        if let Some(v) = &venture
            && v.rounds.contains(&y)
        {
            let last_round = *v.rounds.last().expect("non-empty");
            valuation = Some(v.last_valuation * (-0.35 * (last_round - y) as f64).exp());
        }
        let listed_now = listed_year.is_some_and(|l| y >= l);
        // The city's lists of year y (published from 2021): firms meeting the criteria
        // (criteria.md §4.3) apply and are listed with p = 0.85.
        let blacklisted_now = tr.blacklisted_year.is_some_and(|b| y == b || y == b + 1);
        let unicorn_like = !blacklisted_now
            && !listed_now
            && venture.as_ref().is_some_and(|v| y >= v.first)
            && valuation.is_some_and(|v| v > UNICORN_VALUATION_USD);
        let gazelle_like = !blacklisted_now && a >= 3 && {
            let r = &hist[hist.len() - 4..];
            crate::calibration::is_gazelle(sector, [0, 1, 2, 3].map(|i| fen(r[i].0)))
        };
        let on_list = |like: bool, r: &mut Rng| y >= FIRST_LIST_YEAR && like && r.chance(0.85);
        let unicorn_listed = on_list(unicorn_like, list_rng);
        let gazelle_listed = !unicorn_listed && on_list(gazelle_like, list_rng);
        if unicorn_listed {
            unicorn_first.get_or_insert(y);
        }
        if gazelle_listed {
            gazelle_first.get_or_insert(y);
        }
        // The zone has no record of the lists for some firms (blank, not 否).
        let list_known = y >= FIRST_LIST_YEAR && !list_rng.chance(tr.miss_rate);
        self.valuation = valuation;
        self.unicorn_first = unicorn_first;
        self.gazelle_first = gazelle_first;
        Lists {
            listed_now,
            unicorn_listed,
            gazelle_listed,
            list_known,
        }
    }
}
