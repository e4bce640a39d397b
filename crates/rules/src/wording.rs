//! The words of an explanation: values with their state and unit ([`Quantity`]), one
//! comparison of a condition ([`Part`]), field names, input values, the change a gap needs, a
//! node's formula and a firm's exact age. Shared by [`crate::explain`] and [`crate::itemise`].
use gaoxin_model::{FIELDS, Kind, Provenance};

use crate::expr::CmpOp;
use crate::file::Unit;
use crate::fmt;
use crate::plan::{NodeId, OK, Op, Plan, UNDEF, Verdict};

/// A value with its state and display.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Quantity {
    /// `None` when missing (缺失) or undefined (无法计算).
    pub value: Option<f64>,
    pub state: &'static str,
    pub unit: Unit,
    pub text: String,
}

pub(crate) fn quantity(v: f64, s: u8, unit: Unit) -> Quantity {
    match s {
        OK => Quantity {
            value: Some(v),
            state: "ok",
            unit,
            text: fmt::value(v, unit),
        },
        UNDEF => Quantity {
            value: None,
            state: "undefined",
            unit,
            text: "无法计算（分母为零）".into(),
        },
        _ => Quantity {
            value: None,
            state: "missing",
            unit,
            text: "缺失".into(),
        },
    }
}

/// One comparison inside a condition.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Part {
    /// What is compared: a fact (with its year), a named variable, or empty.
    pub what: String,
    pub verdict: Verdict,
    pub have: Quantity,
    pub op: CmpOp,
    pub need: Quantity,
    pub text: String,
}

/// Provenance as `{kind, source, zh}` (the model type has no serde form of its own).
pub fn ser_prov<S: serde::Serializer>(p: &Provenance, s: S) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeStruct;
    let mut st = s.serialize_struct("Provenance", 3)?;
    st.serialize_field("kind", p.kind())?;
    st.serialize_field(
        "source",
        &match p {
            Provenance::Verified(x) => Some(x.as_str()),
            _ => None,
        },
    )?;
    st.serialize_field("zh", &p.zh())?;
    st.end()
}

pub(crate) fn field_name(f: usize) -> &'static str {
    let zh = FIELDS[f].zh;
    zh.rsplit_once('（').map(|(n, _)| n).unwrap_or(zh)
}

fn field_unit_word(f: usize) -> &'static str {
    let zh = FIELDS[f].zh;
    match zh.rsplit_once('（') {
        Some((_, u)) => {
            let u = u.trim_end_matches('）');
            match u {
                "件" => "件",
                "人" => "人",
                "项" => "项",
                "年" => "年",
                _ => "",
            }
        }
        None => "",
    }
}

pub(crate) fn input_text(f: usize, v: i64) -> String {
    match FIELDS[f].kind {
        Kind::Money { .. } => fmt::money(v),
        Kind::Usd => fmt::value(v as f64, Unit::Usd),
        k => gaoxin_model::facts::format_value(k, v),
    }
}

pub(crate) fn gap_text(f: usize, year: i32, eval_year: i32, cur: i64, req: i64) -> String {
    let name = field_name(f);
    let when = if year != eval_year {
        format!("（{year}年）")
    } else {
        String::new()
    };
    let d = req - cur;
    match FIELDS[f].kind {
        Kind::Money { .. } => {
            let verb = if d > 0 { "增加" } else { "减少" };
            format!(
                "{name}{when}需{verb} {}（由{}至{}）",
                fmt::money(d.abs()),
                fmt::money(cur),
                fmt::money(req)
            )
        }
        Kind::Usd => {
            // Exact to the cent: a shortfall of one cent is 「0.01美元」, never 「0万美元」.
            let verb = if d > 0 { "提高" } else { "降低" };
            format!(
                "{name}{when}需{verb} {}（由{}至{}）",
                fmt::usd(d.abs()),
                fmt::usd(cur),
                fmt::usd(req)
            )
        }
        _ => {
            let u = field_unit_word(f);
            if d > 0 {
                format!("还需 {d} {u}{name}{when}（由{cur}至{req}）")
            } else {
                format!("{name}{when}需减少 {} {u}（由{cur}至{req}）", -d)
            }
        }
    }
}

/// The formula of one plan node in words (`#12 ÷ #15`, `revenue[2023]`, `band(rd_tbl, #7)`),
/// for rendering an explanation's steps.
pub fn describe(plan: &Plan, n: NodeId, year: i32) -> String {
    use crate::expr::BinOp;
    let r = |x: &NodeId| format!("#{x}");
    match &plan.ops[n as usize] {
        Op::Const(v) => fmt::value(*v, plan.units[n as usize]),
        Op::Fact { field, offset } => {
            format!("{}[{}]", FIELDS[*field as usize].key, year - *offset as i32)
        }
        Op::Attr(a, _) => format!("{a:?}"),
        Op::Manual { slot, .. } => format!("专家评分 {}", plan.manual_keys[*slot as usize]),
        Op::Neg(a) => format!("-{}", r(a)),
        Op::Not(a) => format!("not {}", r(a)),
        Op::Bin(o, a, b) => {
            let s = match o {
                BinOp::Add => "+",
                BinOp::Sub => "-",
                BinOp::Mul => "×",
                BinOp::Div => "÷",
                BinOp::Pow => "^",
            };
            format!("{} {s} {}", r(a), r(b))
        }
        Op::Cmp(o, a, b) => format!("{} {} {}", r(a), o.symbol(), r(b)),
        Op::All(v) => format!("all({})", v.iter().map(r).collect::<Vec<_>>().join(", ")),
        Op::Any(v) => format!("any({})", v.iter().map(r).collect::<Vec<_>>().join(", ")),
        Op::Min(v) => format!("min({})", v.iter().map(r).collect::<Vec<_>>().join(", ")),
        Op::Max(v) => format!("max({})", v.iter().map(r).collect::<Vec<_>>().join(", ")),
        Op::If(c, a, b) => format!("if({}, {}, {})", r(c), r(a), r(b)),
        Op::Floor(a) => format!("floor({})", r(a)),
        Op::Abs(a) => format!("abs({})", r(a)),
        Op::SumYears(v) => format!(
            "sum({})",
            v.iter()
                .map(|(x, o)| format!("{}@{}", r(x), year - *o as i32))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Op::OpYears { n, offset } => {
            format!("经营年数({}年窗口, 截至{})", n, year - *offset as i32)
        }
        Op::Present(a) => format!("present({})", r(a)),
        Op::Band { table, x } => format!("band({}, {})", plan.tables[*table as usize].name, r(x)),
        Op::YearsSince(a) => format!("years_since({})", r(a)),
        Op::DaysSince(a) => format!("days_since({})", r(a)),
    }
}

/// 「已成立10年1天」: whole years to `to`, then the days after the last anniversary.
pub fn exact_age(from: gaoxin_model::Date, to: gaoxin_model::Date) -> String {
    if to < from {
        return "尚未成立".into();
    }
    let years = from.whole_years_until(to);
    let anniversary = from.add_years(years);
    let days = to.days_since_epoch() - anniversary.days_since_epoch();
    format!("已成立{years}年{days}天")
}
