//! Turning a sheet row into an enterprise and its year of facts, or into row/column errors in
//! plain Chinese. Cross-row checks (duplicates, one firm described two ways) live here too.
use crate::columns::{Col, IDENTITY, N_COLS, match_header, ordinal, zh_name};
use gaoxin_model::facts::parse_value;
use gaoxin_model::{
    Date, Enterprise, F, Facts, IndustryCode, Listing, Provenance, Sector, Uscc, Year, Zone,
};
use std::collections::HashMap;

/// One problem in the file: spreadsheet row (0 for the header/file), column header, message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    pub row: u64,
    pub column: String,
    pub message: String,
}

impl std::fmt::Display for RowError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (self.row, self.column.is_empty()) {
            (0, true) => write!(f, "{}", self.message),
            (0, false) => write!(f, "表头「{}」{}", self.column, self.message),
            (r, true) => write!(f, "第{r}行：{}", self.message),
            (r, false) => write!(f, "第{r}行「{}」{}", self.column, self.message),
        }
    }
}

/// The mapping from sheet columns to fields, checked once per file.
pub struct RowParser<'z> {
    zone: &'z Zone,
    cols: Vec<Option<Col>>,
    /// Sheet position of each column, by [`ordinal`].
    idx: Vec<Option<usize>>,
    max_year: i32,
    only_park: Option<String>,
    seen_rows: HashMap<([u8; 18], i32), u64, FastHash>,
    /// First row of each firm and a fingerprint of its identity fields (not the whole
    /// enterprise: a million-row file keeps this small).
    seen_firms: HashMap<[u8; 18], (u64, [u64; 5]), FastHash>,
}

fn key(u: &Uscc) -> [u8; 18] {
    u.as_str()
        .as_bytes()
        .try_into()
        .expect("18 ASCII characters")
}

/// FNV-1a for the per-file key sets: keys are short credit codes, SipHash's DoS resistance buys
/// nothing for a signed-in administrator's upload and costs a few percent of an import.
#[derive(Default, Clone, Copy)]
struct Fnv(u64);

impl std::hash::Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        let mut h = if self.0 == 0 {
            0xcbf2_9ce4_8422_2325
        } else {
            self.0
        };
        for b in bytes {
            h ^= *b as u64;
            h = h.wrapping_mul(0x100_0000_01b3);
        }
        self.0 = h;
    }
}

type FastHash = std::hash::BuildHasherDefault<Fnv>;

/// The identity fields that must agree across a firm's rows.
const IDENTITY_CHECKED: [Col; 5] = [
    Col::Name,
    Col::Park,
    Col::Founded,
    Col::Industry,
    Col::Listing,
];

fn identity_fingerprint(e: &Enterprise) -> [u64; 5] {
    use std::hash::{DefaultHasher, Hash, Hasher};
    let h = |v: &dyn Fn(&mut DefaultHasher)| {
        let mut s = DefaultHasher::new();
        v(&mut s);
        s.finish()
    };
    [
        h(&|s| e.name.hash(s)),
        h(&|s| e.park.hash(s)),
        h(&|s| e.founded.hash(s)),
        h(&|s| e.industry.hash(s)),
        h(&|s| e.listing.hash(s)),
    ]
}

fn current_year() -> i32 {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    Date::from_days_since_epoch((secs / 86_400) as i64).year()
}

impl<'z> RowParser<'z> {
    /// Maps the header row. Errors: a required column missing, a column given twice.
    /// Unknown columns are ignored (reported back as `ignored`) so extra notes columns do no harm.
    pub fn new(
        zone: &'z Zone,
        headers: &[String],
        only_park: Option<String>,
    ) -> Result<(RowParser<'z>, Vec<String>), Vec<RowError>> {
        let mut errors = Vec::new();
        let mut idx: Vec<Option<usize>> = vec![None; N_COLS];
        let mut ignored = Vec::new();
        let cols: Vec<Option<Col>> = headers
            .iter()
            .enumerate()
            .map(|(i, h)| {
                let c = match_header(h);
                match c {
                    Some(c) if idx[ordinal(c)].replace(i).is_some() => {
                        errors.push(RowError {
                            row: 1,
                            column: h.clone(),
                            message: "重复出现：每列只能出现一次".into(),
                        });
                    }
                    Some(_) => {}
                    None if !h.trim().is_empty() => ignored.push(h.clone()),
                    None => {}
                }
                c
            })
            .collect();
        for (c, zh, _, required, _) in IDENTITY {
            if *required && idx[ordinal(*c)].is_none() {
                errors.push(RowError {
                    row: 1,
                    column: zh.to_string(),
                    message: "缺少必填列：请使用导入模板（gaoxin template）的表头".into(),
                });
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        let p = RowParser {
            zone,
            cols,
            idx,
            max_year: current_year(),
            only_park,
            seen_rows: HashMap::default(),
            seen_firms: HashMap::default(),
        };
        Ok((p, ignored))
    }

    /// Parses one row. On success, `new_firm` tells whether this is the first row of that firm
    /// in the file (its identity is written once).
    pub fn parse(
        &mut self,
        row: u64,
        cells: &csv::StringRecord,
    ) -> Result<(Enterprise, Facts, bool), Vec<RowError>> {
        let mut errs = Vec::new();
        let cell = |c: Col| {
            self.idx[ordinal(c)]
                .and_then(|i| cells.get(i))
                .map(|s| s.trim())
                .unwrap_or("")
        };
        let err = |errs: &mut Vec<RowError>, c: Col, m: String| {
            errs.push(RowError {
                row,
                column: zh_name(c).into(),
                message: m,
            })
        };

        let required = |errs: &mut Vec<RowError>, c: Col| {
            let v = cell(c);
            if v.is_empty() {
                err(errs, c, "不能为空".into());
            }
            v
        };
        let uscc = match Uscc::parse(required(&mut errs, Col::Uscc)) {
            Ok(u) => Some(u),
            Err(gaoxin_model::UsccError::Empty) => None,
            Err(e) => {
                err(&mut errs, Col::Uscc, e.to_string());
                None
            }
        };
        let name = required(&mut errs, Col::Name).to_string();
        if name.chars().count() > 200 {
            err(&mut errs, Col::Name, "过长：不超过200个字符".into());
        }
        let park_text = required(&mut errs, Col::Park);
        let park = if park_text.is_empty() {
            None
        } else {
            match self.zone.park(park_text) {
                Some(p) => {
                    if let Some(only) = &self.only_park
                        && &p.id != only
                    {
                        err(
                            &mut errs,
                            Col::Park,
                            format!("「{}」不是您管理的园区，不能导入其他园区的数据", p.name),
                        );
                    }
                    Some(p.id.clone())
                }
                None => {
                    err(
                        &mut errs,
                        Col::Park,
                        format!(
                            "「{park_text}」不是本区的园区（应为十五个园区之一，如“江北新区”“玄武园”）"
                        ),
                    );
                    None
                }
            }
        };
        let year_text = required(&mut errs, Col::Year);
        let year = if year_text.is_empty() {
            None
        } else {
            match year_text
                .strip_suffix(".0")
                .unwrap_or(year_text)
                .trim_end_matches('年')
                .parse::<i32>()
                .map_err(|_| "不是有效年份".to_string())
                .and_then(Year::new)
            {
                Ok(y) if y.get() > self.max_year => {
                    err(
                        &mut errs,
                        Col::Year,
                        format!(
                            "{}年晚于当前年度{}年，不能导入未来年度的数据",
                            y.get(),
                            self.max_year
                        ),
                    );
                    None
                }
                Ok(y) => Some(y),
                Err(m) => {
                    err(&mut errs, Col::Year, format!("「{year_text}」{m}"));
                    None
                }
            }
        };
        let founded_text = required(&mut errs, Col::Founded);
        let founded = if founded_text.is_empty() {
            None
        } else {
            let d = Date::parse(founded_text).or_else(|| {
                founded_text
                    .parse::<f64>()
                    .ok()
                    .and_then(Date::from_excel_serial)
            });
            match d {
                Some(d) if year.is_some_and(|y| d.year() > y.get()) => {
                    err(
                        &mut errs,
                        Col::Founded,
                        format!("成立日期{d}晚于数据年度{}", year.unwrap()),
                    );
                    None
                }
                Some(d) => Some(d),
                None => {
                    err(
                        &mut errs,
                        Col::Founded,
                        format!("「{founded_text}」不是有效日期（应为2015-06-01格式）"),
                    );
                    None
                }
            }
        };
        let industry = match IndustryCode::parse(required(&mut errs, Col::Industry)) {
            Ok(i) => Some(i),
            Err(m) => {
                if !cell(Col::Industry).is_empty() {
                    err(&mut errs, Col::Industry, m);
                }
                None
            }
        };
        let sector = match cell(Col::Sector) {
            "" => industry.as_ref().map(|i| i.default_sector()),
            s => match Sector::parse(s) {
                Some(x) => Some(x),
                None => {
                    err(
                        &mut errs,
                        Col::Sector,
                        format!("「{s}」应为“制造业”或“服务业”"),
                    );
                    None
                }
            },
        };
        let tech_field = match cell(Col::TechField) {
            "" => None,
            t if gaoxin_model::HIGH_TECH_FIELDS.contains(&t) => Some(t.to_string()),
            t => {
                err(
                    &mut errs,
                    Col::TechField,
                    format!(
                        "「{t}」不是八大高新技术领域之一：{}",
                        gaoxin_model::HIGH_TECH_FIELDS.join("、")
                    ),
                );
                None
            }
        };
        let listing = match Listing::parse(cell(Col::Listing)) {
            Some(l) => l,
            None => {
                err(
                    &mut errs,
                    Col::Listing,
                    format!(
                        "「{}」应为：未上市/主板/创业板/科创板/北交所/新三板/境外上市",
                        cell(Col::Listing)
                    ),
                );
                Listing::Unlisted
            }
        };
        let mut tags = |c: Col, find: &dyn Fn(&str) -> Option<String>, what: &str| -> Vec<String> {
            let mut v = Vec::new();
            for t in cell(c)
                .split(['、', ',', '，', ';', '；'])
                .map(str::trim)
                .filter(|t| !t.is_empty())
            {
                match find(t) {
                    Some(id) => {
                        if !v.contains(&id) {
                            v.push(id)
                        }
                    }
                    None => err(&mut errs, c, format!("「{t}」不是已登记的{what}")),
                }
            }
            v
        };
        let clusters = tags(
            Col::Clusters,
            &|t| self.zone.cluster(t).map(|c| c.id.clone()),
            "创新型产业集群",
        );
        let tracks = tags(
            Col::Tracks,
            &|t| self.zone.track(t).map(|c| c.id.clone()),
            "新赛道",
        );

        // Provenance: the row default, then per-field overrides.
        let default_prov = Provenance::from_source_label(cell(Col::Source));
        let mut overrides: Vec<(F, Provenance)> = Vec::new();
        for part in cell(Col::SourceDetail)
            .split([';', '；'])
            .map(str::trim)
            .filter(|p| !p.is_empty())
        {
            match part.split_once(['=', '＝']) {
                Some((field, label)) => match match_header(field) {
                    Some(Col::Fact(f)) => {
                        overrides.retain(|(k, _)| *k != f);
                        overrides.push((f, Provenance::from_source_label(label)));
                    }
                    _ => err(
                        &mut errs,
                        Col::SourceDetail,
                        format!("「{}」不是数据字段名", field.trim()),
                    ),
                },
                None => err(
                    &mut errs,
                    Col::SourceDetail,
                    format!("「{part}」应写成“字段=来源”，如“研发费用=税务”"),
                ),
            }
        }

        let mut facts = uscc.clone().zip(year).map(|(u, y)| Facts::new(u, y));
        for (i, c) in self.cols.iter().enumerate() {
            let Some(Col::Fact(f)) = c else { continue };
            let text = cells.get(i).unwrap_or("");
            match parse_value(f.def().kind, text) {
                Ok(Some(v)) => {
                    if let Some(fa) = facts.as_mut() {
                        let p = overrides
                            .iter()
                            .find(|(k, _)| k == f)
                            .map(|(_, p)| p.clone())
                            .unwrap_or_else(|| default_prov.clone());
                        fa.set(*f, Some(v), p);
                    }
                }
                // Facts start missing.
                Ok(None) => {}
                Err(m) => err(&mut errs, Col::Fact(*f), m),
            }
        }
        if let Some(fa) = &facts {
            for (f, m) in fa.consistency_errors() {
                err(&mut errs, Col::Fact(f), m);
            }
        }

        let (
            Some(uscc),
            Some(park),
            Some(year),
            Some(founded),
            Some(industry),
            Some(sector),
            Some(facts),
        ) = (uscc, park, year, founded, industry, sector, facts)
        else {
            return Err(errs);
        };
        let ent = Enterprise {
            uscc: uscc.clone(),
            name,
            park,
            founded,
            industry,
            sector,
            tech_field,
            listing,
            clusters,
            tracks,
            synthetic: false,
        };
        // Cross-row checks.
        let k = key(&uscc);
        if let Some(first) = self.seen_rows.get(&(k, year.get())) {
            errs.push(RowError {
                row,
                column: zh_name(Col::Year).into(),
                message: format!(
                    "与第{first}行重复：同一企业（{uscc}）同一年度（{year}）只能有一行"
                ),
            });
        } else {
            self.seen_rows.insert((k, year.get()), row);
        }
        let fp = identity_fingerprint(&ent);
        let new_firm = match self.seen_firms.get(&k) {
            Some((first, old)) => {
                for (i, c) in IDENTITY_CHECKED.iter().enumerate() {
                    if old[i] != fp[i] {
                        let c = *c;
                        err(
                            &mut errs,
                            c,
                            format!(
                                "与第{first}行同一企业的{}不一致：同一企业各年度的基本信息须相同",
                                zh_name(c)
                            ),
                        );
                    }
                }
                false
            }
            None => {
                self.seen_firms.insert(k, (row, fp));
                true
            }
        };
        if errs.is_empty() {
            Ok((ent, facts, new_firm))
        } else {
            Err(errs)
        }
    }
}
