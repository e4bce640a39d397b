//! The bridge from the platform's enterprise-year panel (`gaoxin-model`) to the engine: one
//! adapter, [`firm_rows`], and the target measures ([`Measures`]).
//!
//! Mapping of a model [`Facts`] row (plus its [`Enterprise`]) to a [`FirmRow`]:
//!
//! | engine field | from the model |
//! |---|---|
//! | every key of [`expr::NUMERIC_FIELDS`] except `age_years` and `year` | the fact of the same key; money (fen) → yuan (`/100`), `valuation_usd` (cents) → dollars; counts and levels as they are (`rd_institution`: 0 无, 1 市级以下, 2 市级, 3 省级, 4 国家级) |
//! | `age_years` | whole years from `Enterprise::founded` to 31 December of the year (0 if founded later) |
//! | `year` | the row's year |
//! | `techsme_registered`, `private_investment`, `major_incident`, `credit_blacklist`, `unicorn_listed`, `gazelle_listed` | the model flags |
//! | `hightech_certified` | a 高企 certificate issued on or before 31 December and less than three years earlier ([`hnte_valid`]) |
//! | `listed` | `Enterprise::listing` is an exchange listing, 新三板 excluded |
//! | `is_hightech_service` | `Enterprise::tech_field` is 高技术服务 |
//!
//! A missing fact stays missing (`None` → NaN in the engine), never zero.
//!
//! [`Measures`] computes the named target measures of `data/reference/zone.toml` (`measure = …`)
//! per year and park from the same panel; the web dashboard's definitions are the same.

use crate::expr;
use crate::park::{FirmColumns, FirmRow};
use gaoxin_model::{Date, Enterprise, F, Facts, Kind, Sector, Uscc, Year};
use std::collections::{BTreeMap, HashMap};

/// Whether a 高企 certificate issued on `cert` (yyyymmdd) is valid at the end of `year` (three years).
pub fn hnte_valid(cert: Option<i64>, year: i32) -> bool {
    let (Some(c), Some(end)) = (cert.and_then(Date::from_int), Date::new(year, 12, 31)) else {
        return false;
    };
    c <= end && c.add_years(3) > end
}

/// Firm rows of `year`: one per firm with facts that year, keyed by park id (see the module docs).
/// Facts whose firm is not in `enterprises` are skipped.
pub fn firm_rows(enterprises: &[Enterprise], facts: &[Facts], year: Year) -> Vec<FirmRow> {
    let by_code: HashMap<&Uscc, &Enterprise> = enterprises.iter().map(|e| (&e.uscc, e)).collect();
    let numeric: Vec<(&str, Option<F>)> = expr::NUMERIC_FIELDS
        .iter()
        .map(|k| (*k, F::by_key(k)))
        .collect();
    let flags = [
        F::TechSmeRegistered,
        F::PrivateInvestment,
        F::MajorIncident,
        F::CreditBlacklist,
        F::UnicornListed,
        F::GazelleListed,
    ];
    let year_end = Date::new(year.get(), 12, 31).expect("a Year's 31 December is a date");
    let year = year.get(); // the engine's rows carry the number (`year` is also a value)
    facts
        .iter()
        .filter(|f| f.year.get() == year)
        .filter_map(|f| {
            let e = by_code.get(&f.uscc)?;
            let mut r = FirmRow::new(e.park.as_str(), year);
            for (key, field) in &numeric {
                let v = match field {
                    Some(fd) => f
                        .get(*fd)
                        .map(|v| gaoxin_model::facts::as_f64(fd.def().kind, v)),
                    None if *key == "age_years" => {
                        Some(e.founded.whole_years_until(year_end).max(0) as f64)
                    }
                    None if *key == "year" => Some(year as f64),
                    None => None,
                };
                r.values.insert((*key).to_string(), v);
            }
            for fd in flags {
                debug_assert_eq!(fd.def().kind, Kind::Flag);
                r.values.insert(
                    fd.key().to_string(),
                    f.get(fd).map(|v| (v != 0) as u8 as f64),
                );
            }
            let flag = |b: bool| Some(b as u8 as f64);
            r.values.insert(
                "hightech_certified".into(),
                flag(hnte_valid(f.get(F::HightechCertDate), year)),
            );
            r.values
                .insert("listed".into(), flag(e.listing.is_listed_excl_neeq()));
            r.values.insert(
                "is_hightech_service".into(),
                flag(e.tech_field.as_deref() == Some("高技术服务")),
            );
            Some(r)
        })
        .collect()
}

/// [`firm_rows`] of `year − 1` followed by those of `year`: what a park evaluation needs
/// (its `prev(…)` expressions read the previous year).
pub fn firm_rows_with_previous(
    enterprises: &[Enterprise],
    facts: &[Facts],
    year: Year,
) -> Vec<FirmRow> {
    let mut rows = match year.prev() {
        Some(prev) => firm_rows(enterprises, facts, prev),
        None => Vec::new(),
    };
    rows.extend(firm_rows(enterprises, facts, year));
    rows
}

/// [`firm_rows_with_previous`] built straight into columns: the same rows in the same order
/// with the same values as `FirmColumns::from_rows(&firm_rows_with_previous(…))`, without a map
/// of named values per firm (a park evaluation reads 60,000 firm rows).
pub fn firm_columns_with_previous(
    enterprises: &[Enterprise],
    facts: &[Facts],
    year: Year,
) -> FirmColumns {
    let by_code: HashMap<&Uscc, &Enterprise> = enterprises.iter().map(|e| (&e.uscc, e)).collect();
    let fields = expr::all_fields();
    let numeric: Vec<Option<F>> = expr::NUMERIC_FIELDS.iter().map(|k| F::by_key(k)).collect();
    let model_flags: Vec<Option<F>> = expr::FLAG_FIELDS.iter().map(|k| F::by_key(k)).collect();
    let mut fc = FirmColumns {
        park: Vec::new(),
        year: Vec::new(),
        cols: vec![Vec::new(); fields.len()],
    };
    let years = year.prev().into_iter().chain(std::iter::once(year));
    for y in years {
        let year_end = Date::new(y.get(), 12, 31).expect("a Year's 31 December is a date");
        let y = y.get();
        for f in facts.iter().filter(|f| f.year.get() == y) {
            let Some(e) = by_code.get(&f.uscc) else {
                continue;
            };
            fc.park.push(e.park.as_str().to_string());
            fc.year.push(y);
            let nan = |v: Option<f64>| v.unwrap_or(f64::NAN);
            for (j, (key, field)) in expr::NUMERIC_FIELDS.iter().zip(&numeric).enumerate() {
                let v = match field {
                    Some(fd) => f
                        .get(*fd)
                        .map(|v| gaoxin_model::facts::as_f64(fd.def().kind, v)),
                    None if *key == "age_years" => {
                        Some(e.founded.whole_years_until(year_end).max(0) as f64)
                    }
                    None if *key == "year" => Some(y as f64),
                    None => None,
                };
                fc.cols[j].push(nan(v));
            }
            let flag = |b: bool| b as u8 as f64;
            for (k, (key, field)) in expr::FLAG_FIELDS.iter().zip(&model_flags).enumerate() {
                let v = match (*key, field) {
                    ("hightech_certified", _) => flag(hnte_valid(f.get(F::HightechCertDate), y)),
                    ("listed", _) => flag(e.listing.is_listed_excl_neeq()),
                    ("is_hightech_service", _) => {
                        flag(e.tech_field.as_deref() == Some("高技术服务"))
                    }
                    (_, Some(fd)) => nan(f.get(*fd).map(|v| flag(v != 0))),
                    (_, None) => f64::NAN,
                };
                fc.cols[expr::NUMERIC_FIELDS.len() + k].push(v);
            }
        }
    }
    fc
}

/// The target measures computable from the panel: name (as in `zone.toml`) and definition.
pub const MEASURES: &[(&str, &str)] = &[
    (
        "rd_intensity_pct",
        "研发费用合计 ÷ 同时填报研发费用的企业营业收入合计 × 100",
    ),
    (
        "hnte_share_above_scale_industry_pct",
        "规上工业企业（制造业、营业收入≥2000万元）中持有效高企证书者的比例",
    ),
    (
        "listed_count",
        "当年有数据的企业中境内外上市企业数（不含新三板）",
    ),
    ("total_revenue_yi", "企业营业收入合计（亿元）"),
    ("rd_expense_growth_pct", "研发费用合计比上年增长（%）"),
    ("tech_contracts_yi", "技术合同成交额合计（亿元）"),
    (
        "hnte_count",
        "持有效高企证书（发证日期在年末前三年内）的企业数",
    ),
    ("techsme_count", "当年已入库科技型中小企业数"),
    (
        "talents_new_since_2021",
        "人才台账中2021年起至当年引进的高层次人才累计人数（按引进年份）",
    ),
    (
        "top_teams",
        "人才台账中当年在岗的顶尖人才（团队）数：标为顶尖的团队按团队计，无团队者按人计",
    ),
    (
        "national_incubators",
        "孵化载体台账中类型为孵化器、级别为国家级且认定年份不晚于当年的载体数（认定年份未填者计入各年）",
    ),
    (
        "national_maker_spaces",
        "孵化载体台账中类型为众创空间、级别为国家级且认定年份不晚于当年的载体数（认定年份未填者计入各年）",
    ),
    (
        "silicon_alley_10k_m2",
        "孵化载体台账中当年报送了年度数据（在运营）的硅巷空间面积合计（万平方米）",
    ),
];

/// Measures that are sums over firms, so a zone total is the sum of its parks' values.
pub const ADDITIVE: &[&str] = &[
    "listed_count",
    "total_revenue_yi",
    "tech_contracts_yi",
    "hnte_count",
    "techsme_count",
    "talents_new_since_2021",
    "top_teams",
    "national_incubators",
    "national_maker_spaces",
    "silicon_alley_10k_m2",
];

/// The definition of a measure, if it is one of [`MEASURES`].
pub fn measure_definition(name: &str) -> Option<&'static str> {
    MEASURES.iter().find(|(k, _)| *k == name).map(|(_, d)| *d)
}

/// 规上工业: main-business revenue of at least 20 million yuan (in fen).
const ABOVE_SCALE_FEN: i64 = 2_000_000_000;

/// Sums of one park in one year (money in fen).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
struct Sums {
    firms: i64,
    revenue: i64,
    rd_expense: i64,
    revenue_with_rd: i64,
    listed: i64,
    hnte: i64,
    techsme: i64,
    above_scale: i64,
    above_scale_hnte: i64,
    tech_contracts: i64,
    /// Firm-years with a declared 技术合同成交额.
    tech_contracts_n: i64,
    /// Registered technology contracts (fen) of firm-years without a declared figure.
    tech_contracts_registered: i64,
}

impl Sums {
    fn add(&mut self, o: &Sums) {
        self.firms += o.firms;
        self.revenue += o.revenue;
        self.rd_expense += o.rd_expense;
        self.revenue_with_rd += o.revenue_with_rd;
        self.listed += o.listed;
        self.hnte += o.hnte;
        self.techsme += o.techsme;
        self.above_scale += o.above_scale;
        self.above_scale_hnte += o.above_scale_hnte;
        self.tech_contracts += o.tech_contracts;
        self.tech_contracts_n += o.tech_contracts_n;
        self.tech_contracts_registered += o.tech_contracts_registered;
    }
}

/// Per-year, per-park sums from which every measure of [`MEASURES`] is computed.
#[derive(Debug, Clone, Default)]
pub struct Measures {
    sums: BTreeMap<(i32, String), Sums>,
    /// Values of measures computed outside the panel (the talent ledger), by (measure, year, park).
    given: BTreeMap<(String, i32, String), f64>,
}

impl Measures {
    /// One pass over the panel.
    pub fn build(enterprises: &[Enterprise], facts: &[Facts]) -> Measures {
        let by_code: HashMap<&Uscc, &Enterprise> =
            enterprises.iter().map(|e| (&e.uscc, e)).collect();
        let mut m = Measures::default();
        for f in facts {
            if let Some(e) = by_code.get(&f.uscc) {
                m.add(e, f);
            }
        }
        m
    }

    /// Adds one firm-year (for streaming the panel without holding it).
    pub fn add(&mut self, e: &Enterprise, f: &Facts) {
        let year = f.year.get();
        let s = self.sums.entry((year, e.park.to_string())).or_default();
        let valid = hnte_valid(f.get(F::HightechCertDate), year);
        s.firms += 1;
        s.revenue += f.get(F::Revenue).unwrap_or(0);
        if let Some(rd) = f.get(F::RdExpense) {
            s.rd_expense += rd;
            s.revenue_with_rd += f.get(F::Revenue).unwrap_or(0);
        }
        s.listed += e.listing.is_listed_excl_neeq() as i64;
        s.hnte += valid as i64;
        s.techsme += (f.get(F::TechSmeRegistered) == Some(1)) as i64;
        let rev = f.get(F::MainRevenue).or(f.get(F::Revenue)).unwrap_or(0);
        if e.sector == Sector::Manufacturing && rev >= ABOVE_SCALE_FEN {
            s.above_scale += 1;
            s.above_scale_hnte += valid as i64;
        }
        if let Some(v) = f.get(F::TechContracts) {
            s.tech_contracts += v;
            s.tech_contracts_n += 1;
        }
    }

    /// Adds registered technology contracts (技术合同登记, fen) of a firm-year in `park` whose
    /// 技术合同成交额 was not declared (a declared figure already counts its contracts).
    pub fn add_registered_contracts(&mut self, year: i32, park: &str, fen: i64) {
        let s = self.sums.entry((year, park.to_string())).or_default();
        s.tech_contracts_registered += fen;
    }

    /// Years with data, ascending.
    pub fn years(&self) -> Vec<i32> {
        let mut y: Vec<i32> = self.sums.keys().map(|k| k.0).collect();
        y.extend(self.given.keys().map(|k| k.1));
        y.sort_unstable();
        y.dedup();
        y
    }

    /// Parks with data in `year`, sorted by id.
    pub fn parks(&self, year: i32) -> Vec<String> {
        self.sums
            .keys()
            .filter(|k| k.0 == year)
            .map(|k| k.1.clone())
            .collect()
    }

    fn sums(&self, year: i32, park: Option<&str>) -> Option<Sums> {
        let mut total = Sums::default();
        let mut any = false;
        for ((y, p), s) in &self.sums {
            if *y == year && park.is_none_or(|q| q == p) {
                total.add(s);
                any = true;
            }
        }
        any.then_some(total)
    }

    /// Sets an additive measure computed from other records than the panel (one park, one year).
    pub fn set_given(&mut self, measure: &str, year: i32, park: &str, value: f64) {
        self.given
            .insert((measure.to_string(), year, park.to_string()), value);
    }

    fn given_value(&self, measure: &str, year: i32, park: Option<&str>) -> Option<f64> {
        let mut any = false;
        let mut total = 0.0;
        for ((m, y, p), v) in &self.given {
            if m == measure && *y == year && park.is_none_or(|q| q == p) {
                total += v;
                any = true;
            }
        }
        any.then_some(total)
    }

    /// The value of `measure` in `year` for one park (`Some(id)`) or the zone (`None`); `None`
    /// when the measure is unknown, there are no data, or a ratio's denominator is zero.
    pub fn value(&self, measure: &str, year: i32, park: Option<&str>) -> Option<f64> {
        if let Some(v) = self.given_value(measure, year, park) {
            return Some(v);
        }
        let s = self.sums(year, park)?;
        let yi = |fen: i64| fen as f64 / 1e10;
        match measure {
            "rd_intensity_pct" => (s.revenue_with_rd > 0)
                .then(|| 100.0 * s.rd_expense as f64 / s.revenue_with_rd as f64),
            "hnte_share_above_scale_industry_pct" => (s.above_scale > 0)
                .then(|| 100.0 * s.above_scale_hnte as f64 / s.above_scale as f64),
            "listed_count" => Some(s.listed as f64),
            "total_revenue_yi" => Some(yi(s.revenue)),
            "rd_expense_growth_pct" => {
                let p = self.sums(year - 1, park)?;
                (p.rd_expense > 0)
                    .then(|| 100.0 * (s.rd_expense as f64 / p.rd_expense as f64 - 1.0))
            }
            // no declared figure and no registered contract: unknown (需要数据), never 0
            "tech_contracts_yi" => (s.tech_contracts_n > 0 || s.tech_contracts_registered > 0)
                .then(|| yi(s.tech_contracts + s.tech_contracts_registered)),
            "hnte_count" => Some(s.hnte as f64),
            "techsme_count" => Some(s.techsme as f64),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use gaoxin_model::provenance::Provenance;
    use gaoxin_model::{IndustryCode, Listing, Year};

    fn firm(code: &str, park: &str, listing: Listing, tech_field: Option<&str>) -> Enterprise {
        Enterprise {
            uscc: Uscc::parse(code).unwrap(),
            name: "测试".into(),
            park: gaoxin_model::ParkId::parse(park).unwrap(),
            founded: Date::new(2020, 6, 1).unwrap(),
            industry: IndustryCode::parse("C3911").unwrap(),
            sector: Sector::Manufacturing,
            tech_field: tech_field.map(String::from),
            listing,
            clusters: vec![],
            tracks: vec![],
            synthetic: true,
        }
    }

    fn facts(e: &Enterprise, year: i32, vals: &[(F, i64)]) -> Facts {
        let mut f = Facts::new(e.uscc.clone(), Year::new(year).unwrap());
        for (k, v) in vals {
            f.set(*k, Some(*v), Provenance::Declared);
        }
        f
    }

    const A: &str = "91440300708461136T";

    #[test]
    fn model_facts_become_engine_fields() {
        let e = firm(A, "xingang", Listing::Star, Some("高技术服务"));
        let f = facts(
            &e,
            2024,
            &[
                (F::Revenue, 123_456), // fen
                (F::InventionGrants, 3),
                (F::Transformations, 2),
                (F::RdInstitution, 3),
                (F::HightechCertDate, 20220301),
                (F::TechSmeRegistered, 1),
                (F::ValuationUsd, 1_000),
                (F::GazelleListed, 1),
                (F::GazelleFirstYear, 2024),
            ],
        );
        let other = facts(&e, 2023, &[(F::Revenue, 1)]);
        let rows = firm_rows(
            std::slice::from_ref(&e),
            &[other, f],
            Year::new(2024).unwrap(),
        );
        assert_eq!(rows.len(), 1);
        let r = &rows[0];
        assert_eq!((r.park.as_str(), r.year), ("xingang", 2024));
        let v = |k: &str| r.values.get(k).copied().flatten();
        assert_eq!(v("revenue"), Some(1234.56), "fen → yuan");
        assert_eq!(v("valuation_usd"), Some(10.0), "cents → dollars");
        assert_eq!(v("invention_grants"), Some(3.0));
        assert_eq!(v("transformations"), Some(2.0));
        assert_eq!(v("rd_institution"), Some(3.0), "model coding: 3 = 省级");
        assert_eq!(v("age_years"), Some(4.0), "2020-06-01 → 2024-12-31");
        assert_eq!(v("year"), Some(2024.0));
        assert_eq!(v("gazelle_listed"), Some(1.0));
        assert_eq!(v("gazelle_first_year"), Some(2024.0));
        assert_eq!(v("unicorn_listed"), None);
        assert_eq!(v("hightech_certified"), Some(1.0));
        assert_eq!(v("techsme_registered"), Some(1.0));
        assert_eq!(v("listed"), Some(1.0));
        assert_eq!(v("is_hightech_service"), Some(1.0));
        assert_eq!(v("employees"), None, "missing stays missing");
        assert_eq!(v("major_incident"), None);
        // every engine field is set (possibly missing) and accepted by the engine
        assert_eq!(r.values.len(), expr::all_fields().len());
        crate::park::FirmColumns::from_rows(&rows).unwrap();
    }

    #[test]
    fn every_engine_field_is_a_model_fact_or_derived() {
        let derived = [
            "age_years",
            "year",
            "hightech_certified",
            "listed",
            "is_hightech_service",
        ];
        for k in expr::all_fields() {
            assert!(
                F::by_key(k).is_some() || derived.contains(&k),
                "engine field {k} is neither a model fact nor derived"
            );
        }
    }

    #[test]
    fn expired_or_future_certificates_do_not_count() {
        assert!(hnte_valid(Some(20221101), 2024));
        assert!(!hnte_valid(Some(20211231), 2024), "expired on 2024-12-31");
        assert!(hnte_valid(Some(20220101), 2024));
        assert!(!hnte_valid(Some(20250101), 2024), "not yet issued");
        assert!(!hnte_valid(None, 2024));
        assert!(!hnte_valid(None, 2024));
    }

    #[test]
    fn rows_with_previous_year_feed_prev() {
        let e = firm(A, "p", Listing::Neeq, None);
        let fs = vec![
            facts(&e, 2023, &[(F::Revenue, 10_000)]),
            facts(&e, 2024, &[(F::Revenue, 25_000)]),
        ];
        let rows = firm_rows_with_previous(std::slice::from_ref(&e), &fs, Year::new(2024).unwrap());
        assert_eq!(
            rows.iter().map(|r| r.year).collect::<Vec<_>>(),
            [2023, 2024]
        );
        assert_eq!(rows[1].values["listed"], Some(0.0), "新三板 is not listed");
        let e2 = crate::expr::parse_group("sum(revenue) - prev(sum(revenue))").unwrap();
        let fc = crate::park::FirmColumns::from_rows(&rows).unwrap();
        let cols: Vec<&[f64]> = fc.cols.iter().map(|c| c.as_slice()).collect();
        assert_eq!(crate::expr::eval_group(&e2, &cols, &[1], &[0]), 150.0);
    }

    #[test]
    fn given_measures_sum_over_parks_and_read_like_panel_measures() {
        let mut m = Measures::default();
        assert_eq!(m.value("top_teams", 2024, None), None);
        m.set_given("top_teams", 2024, "jiangbei", 3.0);
        m.set_given("top_teams", 2024, "xianlin", 2.0);
        m.set_given("top_teams", 2023, "xianlin", 1.0);
        assert_eq!(m.value("top_teams", 2024, None), Some(5.0));
        assert_eq!(m.value("top_teams", 2024, Some("xianlin")), Some(2.0));
        assert_eq!(m.value("top_teams", 2022, None), None);
        assert_eq!(m.years(), vec![2023, 2024]);
        assert!(measure_definition("talents_new_since_2021").is_some());
        assert!(ADDITIVE.contains(&"top_teams"));
    }

    #[test]
    fn tech_contracts_need_data_until_declared_or_registered() {
        let a = firm(A, "p1", Listing::Unlisted, None);
        let fs = vec![facts(&a, 2024, &[(F::Revenue, 10_000_000_000)])];
        let mut m = Measures::build(&[a], &fs);
        // nobody declared a figure: unknown (需要数据), not 0
        assert_eq!(m.value("tech_contracts_yi", 2024, None), None);
        // a registered contract of 5000万元 makes it known, in the park and the zone
        m.add_registered_contracts(2024, "p1", 5_000_000_000);
        assert_eq!(m.value("tech_contracts_yi", 2024, Some("p1")), Some(0.5));
        assert_eq!(m.value("tech_contracts_yi", 2024, None), Some(0.5));
        assert_eq!(m.value("tech_contracts_yi", 2024, Some("p2")), None);
    }

    #[test]
    fn measures_per_park_and_zone() {
        let a = firm(A, "p1", Listing::MainBoard, None);
        let b = Enterprise {
            uscc: Uscc::from_body("91320191MA1XXXXX0").unwrap(),
            ..firm(A, "p2", Listing::Unlisted, None)
        };
        let fs = vec![
            facts(
                &a,
                2023,
                &[(F::Revenue, 10_000_000_000), (F::RdExpense, 100)],
            ),
            facts(
                &a,
                2024,
                &[
                    (F::Revenue, 20_000_000_000),
                    (F::RdExpense, 400_000_000),
                    (F::HightechCertDate, 20240105),
                    (F::TechContracts, 10_000_000_000),
                ],
            ),
            facts(&b, 2024, &[(F::Revenue, 20_000_000_000)]),
        ];
        let m = Measures::build(&[a, b], &fs);
        assert_eq!(m.years(), vec![2023, 2024]);
        assert_eq!(m.parks(2024), vec!["p1", "p2"]);
        assert_eq!(m.value("total_revenue_yi", 2024, None), Some(4.0));
        assert_eq!(m.value("total_revenue_yi", 2024, Some("p2")), Some(2.0));
        // R&D intensity only over firms reporting R&D: 4e8 / 2e10 = 2 %
        assert_eq!(m.value("rd_intensity_pct", 2024, None), Some(2.0));
        assert_eq!(m.value("rd_intensity_pct", 2024, Some("p2")), None);
        assert_eq!(m.value("listed_count", 2024, None), Some(1.0));
        assert_eq!(m.value("hnte_count", 2024, None), Some(1.0));
        assert_eq!(m.value("tech_contracts_yi", 2024, None), Some(1.0));
        // both firms are above-scale manufacturing; one holds a valid certificate
        assert_eq!(
            m.value("hnte_share_above_scale_industry_pct", 2024, None),
            Some(50.0)
        );
        assert!(
            (m.value("rd_expense_growth_pct", 2024, None).unwrap() - 399_999_900.0).abs() < 1e-3
        );
        assert_eq!(m.value("rd_expense_growth_pct", 2023, None), None);
        assert_eq!(m.value("no_such_measure", 2024, None), None);
        assert_eq!(m.value("total_revenue_yi", 2019, None), None);
        for (k, _) in MEASURES {
            assert!(measure_definition(k).is_some());
        }
    }
}
