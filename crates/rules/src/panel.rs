//! The columnar enterprise-year panel the engine reads.
//!
//! One column per fact per year — integer values (money in fen, counts, yyyymmdd dates) held as
//! `i32` while they fit and as `f64` (exact below 2^53) once one does not ([`Values`]), a
//! provenance-kind byte and a source id per cell — plus per-firm attributes from
//! [`Enterprise`] (founding date, sector, listing, park).
//! Columns are created only for facts that were set, so a panel of a few facts stays small.
//! One firm is simply a panel of one row ([`Panel::row`]). [`Panel::hash`] is a stable
//! content hash for run records.
use std::collections::BTreeMap;

use gaoxin_model::{Enterprise, F, Facts, HIGH_TECH_FIELDS, Listing, N_FIELDS, Provenance, Sector};

/// Provenance kinds as stored per cell.
pub const PROV_VERIFIED: u8 = 0;
pub const PROV_DECLARED: u8 = 1;
pub const PROV_IMPUTED: u8 = 2;
pub const PROV_MISSING: u8 = 3;

/// One fact of one year for every firm.
#[derive(Debug, Clone)]
pub struct Column {
    /// The values (all integers): as `i32` while every value fits (counts, flags, dates — half
    /// the bytes to stream), widened once to `f64` when one does not (money in fen; integers
    /// below 2^53 are exact in `f64`).
    val: Values,
    pub prov: Vec<u8>,
    /// Index into [`Panel::sources`] per cell (0 = none), read with [`Column::src`].
    src: Src,
    /// How many cells are [`PROV_MISSING`] (kept by every write; columns are only written
    /// through [`Panel`]), so that kernels skip reading `prov` for a complete column.
    missing: usize,
}

/// A column's verifying sources. A verified cell names its source; every other cell has none (0).
/// Most columns have one source for all their verified cells (or none), so the id is kept once
/// ([`Src::One`]) and a vector per cell only once two sources meet in one column: two bytes a
/// cell fewer in a 1,000,000-firm panel.
#[derive(Debug, Clone)]
enum Src {
    /// Every cell's source is 0.
    None,
    /// Every verified cell's source is this id; every other cell's is 0.
    One(u16),
    /// Per cell.
    Cells(Vec<u16>),
}

/// A column's values, narrow or wide.
#[derive(Debug, Clone)]
pub enum Values {
    Narrow(Vec<i32>),
    Wide(Vec<f64>),
}

impl Column {
    /// Row `row`'s source: an index into [`Panel::sources`] (0 = none).
    #[inline]
    pub fn src(&self, row: usize) -> u16 {
        match &self.src {
            Src::None => 0,
            Src::One(id) => {
                if self.prov[row] == PROV_VERIFIED {
                    *id
                } else {
                    0
                }
            }
            Src::Cells(v) => v[row],
        }
    }
    /// Sets row `row`'s source (its provenance already set): `id` of a verified cell, 0 else.
    fn set_src(&mut self, row: usize, id: u16) {
        let verified = self.prov[row] == PROV_VERIFIED;
        match &mut self.src {
            Src::Cells(v) => v[row] = id,
            Src::None if id == 0 => {}
            Src::One(one) if *one == id && verified => {}
            Src::One(_) if id == 0 && !verified => {}
            Src::None
                if verified && self.prov.iter().filter(|p| **p == PROV_VERIFIED).count() == 1 =>
            {
                // the first verified cell with a source: the column's one source
                self.src = Src::One(id);
            }
            _ => {
                let mut v: Vec<u16> = Vec::with_capacity(self.prov.capacity());
                v.extend((0..self.prov.len()).map(|r| if r == row { 0 } else { self.src(r) }));
                v[row] = id;
                self.src = Src::Cells(v);
            }
        }
    }
    /// How many cells of the column are missing.
    pub fn missing(&self) -> usize {
        self.missing
    }
    /// Row `row`'s value as the engine computes with it (0 where missing).
    #[inline]
    pub fn value(&self, row: usize) -> f64 {
        match &self.val {
            Values::Narrow(v) => v[row] as f64,
            Values::Wide(v) => v[row],
        }
    }
    /// The values, narrow or wide.
    pub fn values(&self) -> &Values {
        &self.val
    }
    fn reserve(&mut self, additional: usize) {
        match &mut self.val {
            Values::Narrow(v) => v.reserve(additional),
            Values::Wide(v) => v.reserve(additional),
        }
        self.prov.reserve(additional);
        if let Src::Cells(v) = &mut self.src {
            v.reserve(additional);
        }
    }
    /// Stores an integer value, widening the column first if it does not fit in `i32`.
    fn put(&mut self, row: usize, x: i64) {
        if let Values::Narrow(v) = &mut self.val {
            match i32::try_from(x) {
                Ok(n) => {
                    v[row] = n;
                    return;
                }
                Err(_) => {
                    let mut w = Vec::with_capacity(v.capacity());
                    w.extend(v.iter().map(|n| *n as f64));
                    self.val = Values::Wide(w);
                }
            }
        }
        if let Values::Wide(v) = &mut self.val {
            v[row] = x as f64;
        }
    }
    fn push_missing(&mut self) {
        match &mut self.val {
            Values::Narrow(v) => v.push(0),
            Values::Wide(v) => v.push(0.0),
        }
        self.prov.push(PROV_MISSING);
        if let Src::Cells(v) = &mut self.src {
            v.push(0);
        }
        self.missing += 1;
    }
}

/// Firms × years × facts, column-at-a-time.
#[derive(Debug, Clone)]
pub struct Panel {
    pub first_year: i32,
    pub n_years: usize,
    pub uscc: Vec<String>,
    pub name: Vec<String>,
    /// Index into [`Panel::parks`].
    pub park: Vec<u16>,
    pub parks: Vec<String>,
    /// Founding date as yyyymmdd.
    pub founded: Vec<i64>,
    pub manufacturing: Vec<u8>,
    /// Index into [`Listing::ALL`].
    pub listing: Vec<u8>,
    /// 1 when the firm's core technology is in one of the eight 国家重点支持的高新技术领域.
    pub tech_field_ok: Vec<u8>,
    /// First year in which the firm has any value (`i32::MAX` when none): how far back its data
    /// reach (`data_from` in rule expressions).
    pub data_from: Vec<i32>,
    /// Industry class of the SME size standard ([`crate::sme`]); 0 = cannot be classified.
    pub sme_class: Vec<u8>,
    /// `cols[year_idx * N_FIELDS + field]`.
    cols: Vec<Option<Column>>,
    /// Names of verifying sources; index 0 is the empty name.
    pub sources: Vec<String>,
    /// Expert scores entered for manual items, keyed `rule_id/item`; NaN = not entered.
    pub manual: BTreeMap<String, Vec<f64>>,
}

/// Attributes of a firm that do not vary by year (the engine's view of [`Enterprise`]).
#[derive(Debug, Clone)]
pub struct FirmAttrs {
    pub uscc: String,
    pub name: String,
    pub park: String,
    pub founded: gaoxin_model::Date,
    pub sector: Sector,
    pub listing: Listing,
    pub tech_field_ok: bool,
    /// Industry class of the SME size standard ([`crate::sme::class_of`]); 0 = unknown.
    pub sme_class: u8,
}

impl FirmAttrs {
    pub fn of(e: &Enterprise) -> FirmAttrs {
        FirmAttrs {
            uscc: e.uscc.as_str().to_string(),
            name: e.name.clone(),
            park: e.park.to_string(),
            founded: e.founded,
            sector: e.sector,
            listing: e.listing,
            tech_field_ok: e
                .tech_field
                .as_deref()
                .is_some_and(|t| HIGH_TECH_FIELDS.contains(&t)),
            sme_class: crate::sme::class_of(&e.industry),
        }
    }
}

impl Panel {
    /// An empty panel for the years `first..=last`.
    pub fn new(first_year: i32, last_year: i32) -> Panel {
        let n_years = (last_year - first_year + 1).max(1) as usize;
        Panel {
            first_year,
            n_years,
            uscc: Vec::new(),
            name: Vec::new(),
            park: Vec::new(),
            parks: Vec::new(),
            founded: Vec::new(),
            manufacturing: Vec::new(),
            listing: Vec::new(),
            tech_field_ok: Vec::new(),
            data_from: Vec::new(),
            sme_class: Vec::new(),
            cols: vec![None; n_years * N_FIELDS],
            sources: vec![String::new()],
            manual: BTreeMap::new(),
        }
    }

    pub fn len(&self) -> usize {
        self.uscc.len()
    }
    pub fn is_empty(&self) -> bool {
        self.uscc.is_empty()
    }
    pub fn last_year(&self) -> i32 {
        self.first_year + self.n_years as i32 - 1
    }

    /// Reserves room for `additional` more firms in every per-firm vector and column, and in
    /// columns created later (a capacity-aware build: no regrowth copies while filling).
    pub fn reserve(&mut self, additional: usize) {
        self.uscc.reserve(additional);
        self.name.reserve(additional);
        self.park.reserve(additional);
        self.founded.reserve(additional);
        self.manufacturing.reserve(additional);
        self.listing.reserve(additional);
        self.tech_field_ok.reserve(additional);
        self.sme_class.reserve(additional);
        for c in self.cols.iter_mut().flatten() {
            c.reserve(additional);
        }
        for m in self.manual.values_mut() {
            m.reserve(additional);
        }
    }

    /// Adds a firm; returns its row.
    pub fn push_firm(&mut self, a: &FirmAttrs) -> usize {
        let park = match self.parks.iter().position(|p| *p == a.park) {
            Some(i) => i,
            None => {
                self.parks.push(a.park.clone());
                self.parks.len() - 1
            }
        };
        self.uscc.push(a.uscc.clone());
        self.name.push(a.name.clone());
        self.park.push(park as u16);
        self.founded.push(a.founded.to_int());
        self.manufacturing
            .push((a.sector == Sector::Manufacturing) as u8);
        self.listing.push(
            Listing::ALL
                .iter()
                .position(|l| *l == a.listing)
                .unwrap_or(0) as u8,
        );
        self.tech_field_ok.push(a.tech_field_ok as u8);
        self.data_from.push(i32::MAX);
        self.sme_class.push(a.sme_class);
        let n = self.len();
        for c in self.cols.iter_mut().flatten() {
            c.push_missing();
        }
        for m in self.manual.values_mut() {
            m.push(f64::NAN);
        }
        n - 1
    }

    fn col_index(&self, year: i32, f: usize) -> Option<usize> {
        let y = year - self.first_year;
        (y >= 0 && (y as usize) < self.n_years).then(|| y as usize * N_FIELDS + f)
    }

    /// The column of a fact in a year, if any value of it was set.
    pub fn column(&self, year: i32, f: usize) -> Option<&Column> {
        self.col_index(year, f).and_then(|i| self.cols[i].as_ref())
    }

    /// Sets one cell. A `None` value is stored as missing whatever the provenance says.
    pub fn set(&mut self, row: usize, year: i32, f: F, v: Option<i64>, p: &Provenance) {
        let Some(ci) = self.col_index(year, f as usize) else {
            return;
        };
        if v.is_some() {
            self.data_from[row] = self.data_from[row].min(year);
        }
        let src_id = match p {
            Provenance::Verified(s) => self.source_id(s),
            _ => 0,
        };
        let n = self.len();
        // A new column gets the capacity reserved for firms ([`Panel::reserve`]).
        let cap = self.uscc.capacity().max(n);
        let col = self.cols[ci].get_or_insert_with(|| {
            let mut c = Column {
                val: Values::Narrow(Vec::with_capacity(cap)),
                prov: Vec::with_capacity(cap),
                src: Src::None,
                missing: n,
            };
            if let Values::Narrow(v) = &mut c.val {
                v.resize(n, 0);
            }
            c.prov.resize(n, PROV_MISSING);
            c
        });
        col.missing -= (col.prov[row] == PROV_MISSING) as usize;
        match v {
            Some(x) => {
                col.put(row, x);
                col.prov[row] = match p {
                    Provenance::Verified(_) => PROV_VERIFIED,
                    Provenance::Declared | Provenance::Missing => PROV_DECLARED,
                    Provenance::Imputed => PROV_IMPUTED,
                };
                col.set_src(row, src_id);
            }
            None => {
                col.put(row, 0);
                col.prov[row] = PROV_MISSING;
                col.set_src(row, 0);
                col.missing += 1;
            }
        }
    }

    fn source_id(&mut self, s: &str) -> u16 {
        match self.sources.iter().position(|x| x == s) {
            Some(i) => i as u16,
            None => {
                self.sources.push(s.to_string());
                (self.sources.len() - 1) as u16
            }
        }
    }

    /// One cell's value (`None` outside the panel or when missing), without its provenance.
    pub fn value(&self, row: usize, year: i32, f: usize) -> Option<i64> {
        self.column(year, f)
            .filter(|c| c.prov[row] != PROV_MISSING)
            .map(|c| c.value(row) as i64)
    }

    /// One cell's value and provenance (`None` outside the panel or when missing).
    pub fn get(&self, row: usize, year: i32, f: usize) -> (Option<i64>, Provenance) {
        match self.column(year, f) {
            Some(c) if c.prov[row] != PROV_MISSING => {
                let p = match c.prov[row] {
                    PROV_VERIFIED => {
                        Provenance::Verified(self.sources[c.src(row) as usize].clone())
                    }
                    PROV_IMPUTED => Provenance::Imputed,
                    _ => Provenance::Declared,
                };
                (Some(c.value(row) as i64), p)
            }
            _ => (None, Provenance::Missing),
        }
    }

    /// Enters an expert score for a manual item of a rule.
    pub fn set_manual(&mut self, rule_id: &str, item: &str, row: usize, score: f64) {
        let n = self.len();
        self.manual
            .entry(format!("{rule_id}/{item}"))
            .or_insert_with(|| vec![f64::NAN; n])[row] = score;
    }

    /// Builds a panel from model types; the years span all facts given. Facts of a firm not in
    /// `firms` are reported as errors, not dropped silently.
    pub fn from_model(firms: &[Enterprise], facts: &[Facts]) -> Result<Panel, String> {
        let (lo, hi) = facts.iter().fold((i32::MAX, i32::MIN), |(lo, hi), f| {
            (lo.min(f.year.get()), hi.max(f.year.get()))
        });
        let (lo, hi) = if facts.is_empty() {
            (2000, 2000)
        } else {
            (lo, hi)
        };
        let mut p = Panel::new(lo, hi);
        p.reserve(firms.len());
        let mut rows = std::collections::HashMap::new();
        for e in firms {
            let r = p.push_firm(&FirmAttrs::of(e));
            rows.insert(e.uscc.as_str().to_string(), r);
        }
        for f in facts {
            let Some(&r) = rows.get(f.uscc.as_str()) else {
                return Err(format!(
                    "{} 年度数据对应的企业 {} 不在企业名录中",
                    f.year, f.uscc
                ));
            };
            for field in F::ALL {
                let i = *field as usize;
                if f.values[i].is_some() {
                    p.set(r, f.year.get(), *field, f.values[i], &f.provenance[i]);
                }
            }
        }
        Ok(p)
    }

    /// A panel holding only `row` (the same years and columns).
    pub fn row(&self, row: usize) -> Panel {
        Panel {
            first_year: self.first_year,
            n_years: self.n_years,
            uscc: vec![self.uscc[row].clone()],
            name: vec![self.name[row].clone()],
            park: vec![0],
            parks: vec![self.parks[self.park[row] as usize].clone()],
            founded: vec![self.founded[row]],
            manufacturing: vec![self.manufacturing[row]],
            listing: vec![self.listing[row]],
            tech_field_ok: vec![self.tech_field_ok[row]],
            data_from: vec![self.data_from[row]],
            sme_class: vec![self.sme_class[row]],
            cols: self
                .cols
                .iter()
                .map(|c| {
                    c.as_ref().map(|c| Column {
                        val: match &c.val {
                            Values::Narrow(v) => Values::Narrow(vec![v[row]]),
                            Values::Wide(v) => Values::Wide(vec![v[row]]),
                        },
                        prov: vec![c.prov[row]],
                        src: Src::Cells(vec![c.src(row)]),
                        missing: (c.prov[row] == PROV_MISSING) as usize,
                    })
                })
                .collect(),
            sources: self.sources.clone(),
            manual: self
                .manual
                .iter()
                .map(|(k, v)| (k.clone(), vec![v[row]]))
                .collect(),
        }
    }

    /// Row of a credit code.
    pub fn find(&self, uscc: &str) -> Option<usize> {
        self.uscc.iter().position(|u| u == uscc)
    }

    /// A stable 64-bit FNV-1a hash of the whole content (firms, cells with provenance, manual
    /// scores). Equal panels hash equally on every machine and run.
    pub fn hash(&self) -> u64 {
        let mut h = Fnv::new();
        h.i64(self.first_year as i64);
        h.i64(self.n_years as i64);
        h.i64(self.len() as i64);
        for r in 0..self.len() {
            h.bytes(self.uscc[r].as_bytes());
            h.bytes(self.parks[self.park[r] as usize].as_bytes());
            h.i64(self.founded[r]);
            h.bytes(&[
                self.manufacturing[r],
                self.listing[r],
                self.tech_field_ok[r],
                self.sme_class[r],
            ]);
        }
        for (i, c) in self.cols.iter().enumerate() {
            let Some(c) = c else { continue };
            h.i64(i as i64);
            for r in 0..self.len() {
                h.bytes(&[c.prov[r]]);
                if c.prov[r] != PROV_MISSING {
                    h.i64(c.value(r) as i64);
                    h.bytes(self.sources[c.src(r) as usize].as_bytes());
                }
            }
        }
        for (k, v) in &self.manual {
            h.bytes(k.as_bytes());
            for x in v {
                h.i64(x.to_bits() as i64);
            }
        }
        h.0
    }
}

/// FNV-1a, 64 bit: tiny, stable across platforms and releases.
pub(crate) struct Fnv(pub u64);

impl Fnv {
    pub fn new() -> Fnv {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
    pub fn bytes(&mut self, b: &[u8]) {
        for x in b {
            self.0 ^= *x as u64;
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
        // Length separator, so ("ab","c") and ("a","bc") differ.
        self.0 ^= 0xff;
        self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
    }
    pub fn i64(&mut self, v: i64) {
        self.bytes(&v.to_le_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use gaoxin_model::{Date, IndustryCode, Uscc, Year};

    fn firm() -> Enterprise {
        Enterprise {
            uscc: Uscc::parse("91440300708461136T").unwrap(),
            name: "测试企业".into(),
            park: gaoxin_model::ParkId::parse("p1").unwrap(),
            founded: Date::new(2015, 3, 1).unwrap(),
            industry: IndustryCode::parse("C3911").unwrap(),
            sector: Sector::Manufacturing,
            tech_field: Some("电子信息".into()),
            listing: Listing::Neeq,
            clusters: vec![],
            tracks: vec![],
            synthetic: true,
        }
    }

    /// The sources kept once per column (`Src::One`) or per cell read back exactly as set, through
    /// every change: a first source, the same again, a declared cell, an empty source name, a
    /// second source, cells overwritten and cleared.
    #[test]
    fn sources_read_back_as_set_in_every_column_form() {
        let mut p = Panel::new(2024, 2024);
        let attrs = FirmAttrs::of(&firm());
        for _ in 0..6 {
            p.push_firm(&attrs);
        }
        let v = |s: &str| Provenance::Verified(s.into());
        let mut expect: Vec<(usize, Option<i64>, Provenance)> = Vec::new();
        let steps: Vec<(usize, Option<i64>, Provenance)> = vec![
            (0, Some(1), Provenance::Declared),
            (1, Some(2), v("税务")),
            (2, Some(3), v("税务")),
            (3, Some(4), Provenance::Imputed),
            (1, Some(5), Provenance::Declared),
            (1, Some(6), v("税务")),
            (2, None, v("税务")),
            (4, Some(7), v("火炬统计")),
            (5, Some(8), v("")),
            (4, Some(9), v("税务")),
        ];
        for (row, val, prov) in steps {
            p.set(row, 2024, F::Revenue, val, &prov);
            expect.retain(|(r, _, _)| *r != row);
            expect.push((row, val, prov));
            for row in 0..p.len() {
                let want = match expect.iter().find(|(r, _, _)| *r == row) {
                    Some((_, Some(x), pv)) => (
                        Some(*x),
                        match pv {
                            Provenance::Missing => Provenance::Declared,
                            other => other.clone(),
                        },
                    ),
                    _ => (None, Provenance::Missing),
                };
                assert_eq!(p.get(row, 2024, F::Revenue as usize), want, "row {row}");
            }
            // a column with one source keeps no vector per cell
            let c = p.column(2024, F::Revenue as usize).unwrap();
            if expect
                .iter()
                .all(|(_, _, pv)| !matches!(pv, Provenance::Verified(s) if s != "税务"))
            {
                assert!(!matches!(c.src, Src::Cells(_)), "{:?}", c.src);
            }
        }
        // a panel of one row keeps its source
        assert_eq!(p.row(4).get(0, 2024, F::Revenue as usize).1, v("税务"));
    }

    #[test]
    fn from_model_keeps_values_provenance_and_years() {
        let e = firm();
        let mut f23 = Facts::new(e.uscc.clone(), Year::new(2023).unwrap());
        f23.set(F::Revenue, Some(5), Provenance::Verified("税务".into()));
        let mut f24 = Facts::new(e.uscc.clone(), Year::new(2024).unwrap());
        f24.set(F::Revenue, Some(7), Provenance::Declared);
        let p = Panel::from_model(&[e], &[f23, f24]).unwrap();
        assert_eq!((p.first_year, p.n_years, p.len()), (2023, 2, 1));
        assert_eq!(
            p.get(0, 2023, F::Revenue as usize),
            (Some(5), Provenance::Verified("税务".into()))
        );
        assert_eq!(
            p.get(0, 2024, F::Revenue as usize),
            (Some(7), Provenance::Declared)
        );
        assert_eq!(
            p.get(0, 2024, F::Employees as usize),
            (None, Provenance::Missing)
        );
        assert_eq!(
            p.get(0, 2022, F::Revenue as usize),
            (None, Provenance::Missing)
        );
        assert_eq!(p.tech_field_ok[0], 1);
        assert_eq!(Listing::ALL[p.listing[0] as usize], Listing::Neeq);
    }

    /// A column stays `i32` while its values fit and widens once, keeping every value, when
    /// one does not; the representation is invisible to reads and to the content hash.
    #[test]
    fn narrow_columns_widen_when_a_value_does_not_fit() {
        let build = |first: Option<i64>| {
            let mut p = Panel::new(2024, 2024);
            let a = FirmAttrs::of(&firm());
            p.push_firm(&a);
            p.push_firm(&a);
            if let Some(x) = first {
                p.set(0, 2024, F::Revenue, Some(x), &Provenance::Declared);
            }
            p.set(0, 2024, F::Revenue, Some(5), &Provenance::Declared);
            p.set(1, 2024, F::Revenue, Some(-7), &Provenance::Declared);
            p
        };
        let narrow = build(None);
        let col = narrow.column(2024, F::Revenue as usize).unwrap();
        assert!(matches!(col.values(), Values::Narrow(_)));
        let widened = build(Some(30_000_000_000));
        let col = widened.column(2024, F::Revenue as usize).unwrap();
        assert!(matches!(col.values(), Values::Wide(_)));
        assert_eq!((col.value(0), col.value(1)), (5.0, -7.0));
        assert_eq!(narrow.hash(), widened.hash());
        let mut p = build(None);
        p.set(
            1,
            2024,
            F::Revenue,
            Some(i64::from(i32::MAX) + 1),
            &Provenance::Declared,
        );
        assert_eq!(p.value(0, 2024, F::Revenue as usize), Some(5));
        assert_eq!(
            p.value(1, 2024, F::Revenue as usize),
            Some(i64::from(i32::MAX) + 1)
        );
        let a = FirmAttrs::of(&firm());
        p.push_firm(&a);
        assert_eq!(p.value(2, 2024, F::Revenue as usize), None);
    }

    #[test]
    fn unknown_firm_is_an_error() {
        let e = firm();
        let other = Facts::new(
            Uscc::parse("91110000802100433B").unwrap(),
            Year::new(2024).unwrap(),
        );
        assert!(Panel::from_model(&[e], &[other]).is_err());
    }

    #[test]
    fn hash_is_stable_and_sensitive() {
        let e = firm();
        let mut f = Facts::new(e.uscc.clone(), Year::new(2024).unwrap());
        f.set(F::Revenue, Some(5), Provenance::Declared);
        let p = Panel::from_model(std::slice::from_ref(&e), std::slice::from_ref(&f)).unwrap();
        let q = Panel::from_model(std::slice::from_ref(&e), std::slice::from_ref(&f)).unwrap();
        assert_eq!(p.hash(), q.hash());
        let mut g = f.clone();
        g.set(F::Revenue, Some(5), Provenance::Verified("税务".into()));
        let r = Panel::from_model(&[e], &[g]).unwrap();
        assert_ne!(p.hash(), r.hash(), "provenance is part of the input");
        assert_eq!(p.row(0).hash(), p.hash());
    }
}
