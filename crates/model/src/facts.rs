//! The enterprise-year panel: one row of facts per firm and fiscal year.
//!
//! The list of facts is one table, [`FIELDS`], which drives everything that handles facts
//! generically: import headers (Chinese and English), the template, export, store columns,
//! the rules engine's variable names and the indicator engine's panel aggregations.
//! Every value is an exact integer (money in fen, dates as `yyyymmdd`, flags as 0/1) and
//! every value carries a [`Provenance`]; a missing value is `None` with `Provenance::Missing`.
use crate::money::{Money, Unit};
use crate::provenance::Provenance;
use crate::uscc::Uscc;
use crate::{Date, Year};

/// How a fact's integer is to be read and written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// CNY, stored in fen, written in 万元. `signed` facts (net profit) may be negative.
    Money { signed: bool },
    /// US dollars, stored in cents, written in 万美元.
    Usd,
    /// A non-negative count (people, patents).
    Count,
    /// A small ordinal level with named values (index = stored value).
    Level(&'static [&'static str]),
    /// 0/1, written 是/否.
    Flag,
    /// A date, stored as yyyymmdd.
    Date,
}

/// Metadata for one fact.
#[derive(Debug, Clone, Copy)]
pub struct FieldDef {
    /// Stable identifier (store column, rule variable, English header).
    pub key: &'static str,
    /// Chinese column header of the template (with its unit).
    pub zh: &'static str,
    pub kind: Kind,
    /// Plain-Chinese explanation for the template's notes row and the UI.
    pub help: &'static str,
}

pub const RD_LEVELS: &[&str] = &["无", "市级以下", "市级", "省级", "国家级"];
pub const DIGITAL_LEVELS: &[&str] = &["未评测", "一级", "二级", "三级", "四级"];

macro_rules! fields {
    ($( $id:ident = $key:literal, $zh:literal, $kind:expr, $help:literal; )*) => {
        /// Index of a fact in [`FIELDS`] and in [`Facts::values`].
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[repr(usize)]
        #[allow(non_camel_case_types)]
        pub enum F { $( $id, )* }

        pub const FIELDS: &[FieldDef] = &[ $( FieldDef { key: $key, zh: $zh, kind: $kind, help: $help }, )* ];

        impl F {
            pub const ALL: &'static [F] = &[ $( F::$id, )* ];
        }
    };
}

const M: Kind = Kind::Money { signed: false };

fields! {
    Revenue = "revenue", "营业收入（万元）", M, "当年营业收入总额";
    MainRevenue = "main_revenue", "主营业务收入（万元）", M, "当年主营业务收入";
    HightechRevenue = "hightech_revenue", "高新技术产品（服务）收入（万元）", M, "当年高新技术产品（服务）收入";
    RdExpense = "rd_expense", "研发费用（万元）", M, "当年研究开发费用总额（加计扣除口径）";
    RdExpenseDomestic = "rd_expense_domestic", "境内研发费用（万元）", M, "其中在中国境内发生的研发费用";
    TotalCost = "total_cost", "成本费用总额（万元）", M, "当年成本费用支出总额";
    NetProfit = "net_profit", "净利润（万元）", Kind::Money { signed: true }, "当年净利润，亏损填负数";
    TaxPaid = "tax_paid", "上缴税费（万元）", M, "当年实际上缴税费";
    Exports = "exports", "出口总额（万元）", M, "当年出口总额";
    TotalAssets = "total_assets", "资产总额（万元）", M, "年末资产总额";
    TotalLiabilities = "total_liabilities", "负债总额（万元）", M, "年末负债总额";
    EquityFinancing = "equity_financing", "当年股权融资额（万元）", M, "当年新增股权融资（合格机构投资者实缴额）";
    TechContracts = "tech_contracts", "技术合同成交额（万元）", M, "当年登记的技术合同成交额";
    LocalContribution = "local_contribution", "地方经济贡献（万元）", M, "当年对本地的经济贡献（税务口径）";
    ValuationUsd = "valuation_usd", "最新估值（万美元）", Kind::Usd, "最新一轮市场融资（含增资）估值";
    Employees = "employees", "从业人员（人）", Kind::Count, "职工总数（在职、兼职、临时聘用）";
    TechStaff = "tech_staff", "科技人员（人）", Kind::Count, "从事研发和相关技术创新活动的科技人员";
    RdStaff = "rd_staff", "研发人员（人）", Kind::Count, "研发人员数";
    IpClass1 = "ip_class1", "Ⅰ类知识产权（件）", Kind::Count, "有效的发明专利、植物新品种、集成电路布图设计等";
    IpClass1Self = "ip_class1_self", "其中自主研发Ⅰ类（件）", Kind::Count, "Ⅰ类知识产权中自主研发获得的";
    IpClass1HighValue = "ip_class1_high_value", "其中高价值Ⅰ类（件）", Kind::Count, "Ⅰ类知识产权中的高价值发明专利";
    IpClass2 = "ip_class2", "Ⅱ类知识产权（件）", Kind::Count, "有效的实用新型、外观设计、软件著作权等（不含商标）";
    InventionGrants = "invention_grants", "当年发明专利授权（件）", Kind::Count, "当年获得授权的发明专利数";
    Transformations = "transformations", "当年科技成果转化（项）", Kind::Count, "当年科技成果转化项数";
    StandardsLed = "standards_led", "当年主导制定标准（项）", Kind::Count, "当年主导制定的国际、国家或行业标准数";
    RdInstitution = "rd_institution", "研发机构级别", Kind::Level(RD_LEVELS), "经认定的最高级别研发机构：无/市级以下/市级/省级/国家级";
    NationalAwardRank = "national_award_rank", "国家级科技奖励排名", Kind::Count, "当年获国家级科技奖励时在获奖单位中的排名；未获奖填0";
    ProvincialAwardRank = "provincial_award_rank", "省级科技奖励排名", Kind::Count, "当年获省级科技奖励时在获奖单位中的排名；未获奖填0";
    NicheYears = "niche_years", "从事细分市场年限（年）", Kind::Count, "截至年末从事特定细分市场的年数";
    DigitalLevel = "digital_level", "数字化水平", Kind::Level(DIGITAL_LEVELS), "中小企业数字化水平评测等级";
    QualityItems = "quality_items", "质量管理项数", Kind::Count, "省级以上质量奖、ISO9001等体系认证、自主品牌、参与制修订标准中满足的项数（0–4）";
    StrategicEmerging = "strategic_emerging", "属于战略性新兴产业", Kind::Flag, "主导产品属于《战略性新兴产业分类》";
    PrivateInvestment = "private_investment", "获得过私募投资", Kind::Flag, "截至年末是否获得过私募股权投资";
    MajorIncident = "major_incident", "重大安全质量环境事件", Kind::Flag, "当年是否发生重大安全、重大质量事故或严重环境违法、科研严重失信行为";
    CreditBlacklist = "credit_blacklist", "列入异常名录或失信名单", Kind::Flag, "是否列入经营异常名录或严重违法失信企业名单";
    HightechCertDate = "hightech_cert_date", "高企证书发证日期", Kind::Date, "现有高新技术企业证书的发证日期（有效期三年）";
    TechSmeRegistered = "techsme_registered", "科小入库", Kind::Flag, "当年是否已入库科技型中小企业";
    SpecializedCertDate = "specialized_cert_date", "专精特新认定日期", Kind::Date, "省级专精特新中小企业认定日期";
    LittleGiantCertDate = "little_giant_cert_date", "小巨人认定日期", Kind::Date, "专精特新“小巨人”认定日期";
    UnicornListed = "unicorn_listed", "入选南京市独角兽企业榜单", Kind::Flag, "当年是否列入南京市公布的独角兽企业榜单（以市科技局发布为准；未掌握填空）";
    UnicornFirstYear = "unicorn_first_year", "首次入选南京市独角兽榜单年份", Kind::Count, "首次列入南京市独角兽企业榜单的年份（如2021）；从未入选填空";
    GazelleListed = "gazelle_listed", "入选南京市瞪羚企业榜单", Kind::Flag, "当年是否列入南京市公布的瞪羚企业榜单（以市科技局发布为准；未掌握填空）";
    GazelleFirstYear = "gazelle_first_year", "首次入选南京市瞪羚榜单年份", Kind::Count, "首次列入南京市瞪羚企业榜单的年份（如2021）；从未入选填空";
    ItCoreBusiness = "it_core_business", "核心业务采用信息系统支撑", Kind::Flag, "至少1项核心业务采用信息系统支撑（小巨人精细化指标）";
    NicheShareBrand = "niche_share_brand", "细分市场占有率10%以上且有自主品牌", Kind::Flag, "主导产品全国细分市场占有率10%以上且拥有自主品牌（小巨人特色化指标）";
    ChainKeyLink = "chain_key_link", "位于产业链关键环节", Kind::Flag, "位于产业链关键环节，发挥补短板、锻长板、填空白作用（小巨人产业链配套指标）";
    KeyFieldProduct = "key_field_product", "主导产品属于工业“六基”或重点领域", Kind::Flag, "主导产品属于工业“六基”、制造强国十大重点领域或网络强国相关领域（小巨人主导产品指标）";
}

impl F {
    pub fn def(self) -> &'static FieldDef {
        &FIELDS[self as usize]
    }
    pub fn key(self) -> &'static str {
        self.def().key
    }
    pub fn by_key(key: &str) -> Option<F> {
        FIELDS.iter().position(|f| f.key == key).map(|i| F::ALL[i])
    }
}

/// Number of facts in one enterprise-year row.
pub const N_FIELDS: usize = FIELDS.len();

/// Why a cell cannot be a value of its field (the import adds row and column).
pub fn parse_value(kind: Kind, text: &str) -> Result<Option<i64>, String> {
    let t = text.trim();
    if t.is_empty() || t == "-" || t == "—" {
        return Ok(None);
    }
    match kind {
        Kind::Money { signed } => {
            let m = Money::parse(t, Unit::WanYuan).map_err(|e| e.to_string())?;
            if !signed && m.0 < 0 {
                return Err(format!("金额不能为负数：{t}"));
            }
            Ok(Some(m.0))
        }
        Kind::Usd => {
            let m = Money::parse(t, Unit::WanYuan).map_err(|e| e.to_string())?;
            if m.0 < 0 {
                return Err(format!("估值不能为负数：{t}"));
            }
            Ok(Some(m.0))
        }
        Kind::Count => {
            let t2 = t.strip_suffix(".0").unwrap_or(t);
            let v: i64 = t2.parse().map_err(|_| format!("「{t}」不是整数"))?;
            if v < 0 {
                return Err(format!("不能为负数：{t}"));
            }
            Ok(Some(v))
        }
        Kind::Level(names) => {
            if let Some(i) = names.iter().position(|n| *n == t) {
                return Ok(Some(i as i64));
            }
            match t.strip_suffix(".0").unwrap_or(t).parse::<i64>() {
                Ok(v) if (0..names.len() as i64).contains(&v) => Ok(Some(v)),
                _ => Err(format!("「{t}」不是可选值之一：{}", names.join("/"))),
            }
        }
        Kind::Flag => match t {
            "是" | "1" | "Y" | "y" | "yes" | "true" | "TRUE" | "有" => Ok(Some(1)),
            "否" | "0" | "N" | "n" | "no" | "false" | "FALSE" | "无" => Ok(Some(0)),
            _ => Err(format!("「{t}」应填“是”或“否”")),
        },
        Kind::Date => {
            if let Some(d) = Date::parse(t) {
                return Ok(Some(d.to_int()));
            }
            // An Excel serial number that reached us as text.
            if let Ok(serial) = t.parse::<f64>()
                && let Some(d) = Date::from_excel_serial(serial)
            {
                return Ok(Some(d.to_int()));
            }
            Err(format!("「{t}」不是有效日期（应为2021-03-01格式）"))
        }
    }
}

/// The canonical text of a value, which [`parse_value`] reads back unchanged.
pub fn format_value(kind: Kind, v: i64) -> String {
    match kind {
        Kind::Money { .. } | Kind::Usd => Money(v).to_decimal(Unit::WanYuan),
        Kind::Count => v.to_string(),
        Kind::Level(names) => names
            .get(v as usize)
            .map(|s| s.to_string())
            .unwrap_or_else(|| v.to_string()),
        Kind::Flag => if v != 0 { "是" } else { "否" }.to_string(),
        Kind::Date => Date::from_int(v)
            .map(|d| d.to_string())
            .unwrap_or_else(|| v.to_string()),
    }
}

/// A value as f64 in natural units (yuan, dollars, count, level) for engines and charts.
pub fn as_f64(kind: Kind, v: i64) -> f64 {
    match kind {
        Kind::Money { .. } | Kind::Usd => v as f64 / 100.0,
        _ => v as f64,
    }
}

/// One enterprise's facts for one fiscal year.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Facts {
    pub uscc: Uscc,
    pub year: Year,
    pub values: [Option<i64>; N_FIELDS],
    pub provenance: [Provenance; N_FIELDS],
}

impl Facts {
    pub fn new(uscc: Uscc, year: Year) -> Facts {
        Facts {
            uscc,
            year,
            values: [None; N_FIELDS],
            provenance: std::array::from_fn(|_| Provenance::Missing),
        }
    }

    pub fn get(&self, f: F) -> Option<i64> {
        self.values[f as usize]
    }

    pub fn money(&self, f: F) -> Option<Money> {
        self.get(f).map(Money)
    }

    pub fn prov(&self, f: F) -> &Provenance {
        &self.provenance[f as usize]
    }

    /// Sets a value with its provenance; `None` makes the fact missing.
    pub fn set(&mut self, f: F, v: Option<i64>, p: Provenance) {
        self.values[f as usize] = v;
        self.provenance[f as usize] = if v.is_some() { p } else { Provenance::Missing };
    }

    /// The provenance column as stored: tokens in field order separated by `|`.
    pub fn provenance_text(&self) -> String {
        let mut s = String::new();
        for (i, p) in self.provenance.iter().enumerate() {
            if i > 0 {
                s.push('|');
            }
            s.push_str(&p.token());
        }
        s
    }

    /// Restores provenance from [`Facts::provenance_text`]; a value present without a token is declared.
    pub fn set_provenance_text(&mut self, text: &str) {
        let mut it = text.split('|');
        for i in 0..N_FIELDS {
            let tok = it.next().unwrap_or("");
            self.provenance[i] = match (self.values[i], Provenance::from_token(tok)) {
                (None, _) => Provenance::Missing,
                (Some(_), Provenance::Missing) => Provenance::Declared,
                (Some(_), p) => p,
            };
        }
    }

    /// Cross-field consistency checks, in plain Chinese, naming the fields.
    pub fn consistency_errors(&self) -> Vec<(F, String)> {
        let mut e = Vec::new();
        let lt = |a: F, b: F| matches!((self.get(a), self.get(b)), (Some(x), Some(y)) if x > y);
        let pairs = [
            (F::TechStaff, F::Employees, "科技人员不能多于从业人员"),
            (F::RdStaff, F::Employees, "研发人员不能多于从业人员"),
            (
                F::RdExpenseDomestic,
                F::RdExpense,
                "境内研发费用不能大于研发费用总额",
            ),
            (F::MainRevenue, F::Revenue, "主营业务收入不能大于营业收入"),
            (
                F::HightechRevenue,
                F::Revenue,
                "高新技术产品（服务）收入不能大于营业收入",
            ),
            (
                F::IpClass1Self,
                F::IpClass1,
                "自主研发Ⅰ类知识产权不能多于Ⅰ类知识产权总数",
            ),
            (
                F::IpClass1HighValue,
                F::IpClass1,
                "高价值Ⅰ类知识产权不能多于Ⅰ类知识产权总数",
            ),
        ];
        for (a, b, msg) in pairs {
            if lt(a, b) {
                e.push((
                    a,
                    format!(
                        "{msg}（{} > {}）",
                        format_value(a.def().kind, self.get(a).unwrap()),
                        format_value(b.def().kind, self.get(b).unwrap())
                    ),
                ));
            }
        }
        if let Some(q) = self.get(F::QualityItems)
            && q > 4
        {
            e.push((
                F::QualityItems,
                format!("质量管理项数应在0–4之间，实际为{q}"),
            ));
        }
        let year = self.year.get() as i64;
        for (first, list) in [
            (F::UnicornFirstYear, "独角兽"),
            (F::GazelleFirstYear, "瞪羚"),
        ] {
            if let Some(y) = self.get(first)
                && !(2000..=year).contains(&y)
            {
                e.push((
                    first,
                    format!("首次入选{list}榜单年份应在2000–{year}之间，实际为{y}"),
                ));
            }
        }
        e
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_table_is_consistent() {
        assert_eq!(F::ALL.len(), FIELDS.len());
        for (i, f) in F::ALL.iter().enumerate() {
            assert_eq!(*f as usize, i);
            assert_eq!(F::by_key(f.key()), Some(*f));
        }
        let mut keys: Vec<_> = FIELDS.iter().map(|f| f.key).collect();
        keys.sort();
        keys.dedup();
        assert_eq!(keys.len(), FIELDS.len(), "duplicate keys");
        let mut zh: Vec<_> = FIELDS.iter().map(|f| f.zh).collect();
        zh.sort();
        zh.dedup();
        assert_eq!(zh.len(), FIELDS.len(), "duplicate Chinese headers");
    }

    #[test]
    fn values_round_trip_through_text() {
        let cases = [
            (F::Revenue, "1234.56"),
            (F::NetProfit, "-12.5"),
            (F::Employees, "300"),
            (F::RdInstitution, "省级"),
            (F::PrivateInvestment, "是"),
            (F::HightechCertDate, "2023-11-20"),
            (F::ValuationUsd, "100000"),
        ];
        for (f, t) in cases {
            let v = parse_value(f.def().kind, t).unwrap().unwrap();
            assert_eq!(format_value(f.def().kind, v), t, "{f:?}");
        }
    }

    #[test]
    fn bad_values_are_named() {
        assert_eq!(
            parse_value(F::Revenue.def().kind, "-5").unwrap_err(),
            "金额不能为负数：-5"
        );
        assert!(
            parse_value(F::Employees.def().kind, "3.5")
                .unwrap_err()
                .contains("不是整数")
        );
        assert!(
            parse_value(F::RdInstitution.def().kind, "区级")
                .unwrap_err()
                .contains("国家级")
        );
        assert!(parse_value(F::PrivateInvestment.def().kind, "maybe").is_err());
        assert_eq!(parse_value(F::Revenue.def().kind, "  "), Ok(None));
        assert_eq!(
            parse_value(F::HightechCertDate.def().kind, "45292"),
            Ok(Some(20240101))
        );
    }

    #[test]
    fn consistency() {
        let mut f = Facts::new(
            Uscc::parse("91440300708461136T").unwrap(),
            Year::new(2024).unwrap(),
        );
        f.set(F::Employees, Some(10), Provenance::Declared);
        f.set(F::TechStaff, Some(11), Provenance::Declared);
        let e = f.consistency_errors();
        assert_eq!(e.len(), 1);
        assert_eq!(e[0].0, F::TechStaff);
        assert!(e[0].1.contains("科技人员不能多于从业人员（11 > 10）"));
    }

    #[test]
    fn provenance_text_round_trip() {
        let mut f = Facts::new(
            Uscc::parse("91440300708461136T").unwrap(),
            Year::new(2024).unwrap(),
        );
        f.set(F::Revenue, Some(100), Provenance::Verified("税务".into()));
        f.set(F::Employees, Some(3), Provenance::Declared);
        let t = f.provenance_text();
        let mut g = f.clone();
        g.provenance = std::array::from_fn(|_| Provenance::Missing);
        g.set_provenance_text(&t);
        assert_eq!(f, g);
    }
}
