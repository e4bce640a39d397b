//! A tiny expression language over enterprise-year fields, used by the scheme files.
//!
//! Row level (one firm-year): numbers, field names, `+ - * /`, comparisons `> >= < <= == !=`,
//! `and`, `or`, `not`, parentheses. Flags are fields worth 1 (true) or 0 (false). A missing value
//! is NaN and propagates; a filter that is NaN counts as false.
//!
//! Group level (a park's firms in a year) adds aggregations over the group's rows:
//! `sum(e)`, `mean(e)`, `median(e)`, `min(e)`, `max(e)` (each optionally `, where cond`),
//! `count()`, `count(cond)`, `share(cond)` (= count(cond)/count()), and `prev(e)` — the same group
//! expression over the previous year's rows. Examples:
//!
//! ```text
//! sum(rd_expense_domestic) / sum(revenue)
//! 10000 * sum(invention_grants) / sum(employees)
//! count(rd_expense_domestic / revenue >= 0.05 and revenue > 500000000)
//! sum(revenue, where rd_expense_domestic / revenue >= 0.05) / sum(revenue)
//! count(hightech_certified) - prev(count(hightech_certified))
//! ```

use crate::error::{IndexError, Result};

/// The enterprise-year fields the platform provides (numeric). Names are the model's fact keys
/// (`gaoxin_model::FIELDS`; money in yuan, `rd_institution` coded 0 无 … 4 国家级 as in the model)
/// plus `age_years` (derived from the founding date) and `year` (the row's year, e.g. for
/// `count(gazelle_first_year == year)`); see `crate::panel` for the mapping.
pub const NUMERIC_FIELDS: &[&str] = &[
    "revenue",
    "main_revenue",
    "hightech_revenue",
    "rd_expense",
    "rd_expense_domestic",
    "total_cost",
    "net_profit",
    "tax_paid",
    "exports",
    "employees",
    "tech_staff",
    "rd_staff",
    "total_assets",
    "total_liabilities",
    "ip_class1",
    "ip_class1_self",
    "ip_class1_high_value",
    "ip_class2",
    "invention_grants",
    "transformations",
    "standards_led",
    "rd_institution",
    "equity_financing",
    "tech_contracts",
    "local_contribution",
    "valuation_usd",
    "age_years",
    "unicorn_first_year",
    "gazelle_first_year",
    "year",
];

/// Firm flags (booleans, 1/0 in expressions). `hightech_certified` (a 高企 certificate valid at the
/// year's end), `listed` (listed on an exchange, 新三板 excluded) and `is_hightech_service`
/// (technical field 高技术服务) are derived by `crate::panel`; the others are model facts.
pub const FLAG_FIELDS: &[&str] = &[
    "hightech_certified",
    "listed",
    "is_hightech_service",
    "techsme_registered",
    "private_investment",
    "major_incident",
    "credit_blacklist",
    "unicorn_listed",
    "gazelle_listed",
];

/// All field names in the order used by column indices: numeric fields, then flags.
pub fn all_fields() -> Vec<&'static str> {
    NUMERIC_FIELDS.iter().chain(FLAG_FIELDS).copied().collect()
}

/// Index of a field name in [`all_fields`].
pub fn field_index(name: &str) -> Option<usize> {
    // no Vec per call: this runs for every value of every firm row
    NUMERIC_FIELDS
        .iter()
        .chain(FLAG_FIELDS)
        .position(|f| *f == name)
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum CmpOp {
    Gt,
    Ge,
    Lt,
    Le,
    Eq,
    Ne,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum AggFn {
    Sum,
    Mean,
    Median,
    Min,
    Max,
    Count,
    Share,
}

/// A parsed expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    Num(f64),
    Field(usize),
    Neg(Box<Expr>),
    Bin(BinOp, Box<Expr>, Box<Expr>),
    Cmp(CmpOp, Box<Expr>, Box<Expr>),
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    Not(Box<Expr>),
    Agg {
        func: AggFn,
        arg: Option<Box<Expr>>,
        filter: Option<Box<Expr>>,
    },
    Prev(Box<Expr>),
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Num(f64),
    Ident(String),
    Sym(&'static str),
}

fn lex(s: &str) -> Result<Vec<Tok>> {
    let b: Vec<char> = s.chars().collect();
    let mut i = 0;
    let mut out = Vec::new();
    while i < b.len() {
        let c = b[i];
        if c.is_whitespace() {
            i += 1;
        } else if c.is_ascii_digit() || c == '.' {
            let st = i;
            while i < b.len()
                && (b[i].is_ascii_alphanumeric()
                    || b[i] == '.'
                    || ((b[i] == '-' || b[i] == '+') && matches!(b[i - 1], 'e' | 'E')))
            {
                i += 1;
            }
            let t: String = b[st..i].iter().filter(|c| **c != '_').collect();
            out.push(Tok::Num(t.parse().map_err(|_| {
                IndexError::Expr(format!("bad number {t:?} in {s:?}"))
            })?));
        } else if c.is_alphabetic() || c == '_' {
            let st = i;
            while i < b.len() && (b[i].is_alphanumeric() || b[i] == '_') {
                i += 1;
            }
            out.push(Tok::Ident(b[st..i].iter().collect()));
        } else {
            let two: String = b[i..(i + 2).min(b.len())].iter().collect();
            let sym = match two.as_str() {
                ">=" => Some(">="),
                "<=" => Some("<="),
                "==" => Some("=="),
                "!=" => Some("!="),
                _ => None,
            };
            if let Some(sy) = sym {
                out.push(Tok::Sym(sy));
                i += 2;
                continue;
            }
            let sy = match c {
                '+' => "+",
                '-' => "-",
                '*' => "*",
                '/' => "/",
                '(' => "(",
                ')' => ")",
                ',' => ",",
                '>' => ">",
                '<' => "<",
                _ => return Err(IndexError::Expr(format!("unexpected {c:?} in {s:?}"))),
            };
            out.push(Tok::Sym(sy));
            i += 1;
        }
    }
    Ok(out)
}

struct Parser<'a> {
    toks: Vec<Tok>,
    pos: usize,
    src: &'a str,
    /// aggregations allowed (group level) and currently outside an aggregation
    group_level: bool,
    in_agg: bool,
}

impl Parser<'_> {
    fn err<T>(&self, msg: &str) -> Result<T> {
        Err(IndexError::Expr(format!("{msg} in {:?}", self.src)))
    }
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos)
    }
    fn eat_sym(&mut self, s: &str) -> bool {
        if matches!(self.peek(), Some(Tok::Sym(x)) if *x == s) {
            self.pos += 1;
            true
        } else {
            false
        }
    }
    fn eat_kw(&mut self, k: &str) -> bool {
        if matches!(self.peek(), Some(Tok::Ident(x)) if x == k) {
            self.pos += 1;
            true
        } else {
            false
        }
    }
    fn or(&mut self) -> Result<Expr> {
        let mut l = self.and()?;
        while self.eat_kw("or") {
            l = Expr::Or(Box::new(l), Box::new(self.and()?));
        }
        Ok(l)
    }
    fn and(&mut self) -> Result<Expr> {
        let mut l = self.not()?;
        while self.eat_kw("and") {
            l = Expr::And(Box::new(l), Box::new(self.not()?));
        }
        Ok(l)
    }
    fn not(&mut self) -> Result<Expr> {
        if self.eat_kw("not") {
            return Ok(Expr::Not(Box::new(self.not()?)));
        }
        self.cmp()
    }
    fn cmp(&mut self) -> Result<Expr> {
        let l = self.sum()?;
        for (s, op) in [
            (">=", CmpOp::Ge),
            ("<=", CmpOp::Le),
            ("==", CmpOp::Eq),
            ("!=", CmpOp::Ne),
            (">", CmpOp::Gt),
            ("<", CmpOp::Lt),
        ] {
            if self.eat_sym(s) {
                return Ok(Expr::Cmp(op, Box::new(l), Box::new(self.sum()?)));
            }
        }
        Ok(l)
    }
    fn sum(&mut self) -> Result<Expr> {
        let mut l = self.term()?;
        loop {
            if self.eat_sym("+") {
                l = Expr::Bin(BinOp::Add, Box::new(l), Box::new(self.term()?));
            } else if self.eat_sym("-") {
                l = Expr::Bin(BinOp::Sub, Box::new(l), Box::new(self.term()?));
            } else {
                return Ok(l);
            }
        }
    }
    fn term(&mut self) -> Result<Expr> {
        let mut l = self.unary()?;
        loop {
            if self.eat_sym("*") {
                l = Expr::Bin(BinOp::Mul, Box::new(l), Box::new(self.unary()?));
            } else if self.eat_sym("/") {
                l = Expr::Bin(BinOp::Div, Box::new(l), Box::new(self.unary()?));
            } else {
                return Ok(l);
            }
        }
    }
    fn unary(&mut self) -> Result<Expr> {
        if self.eat_sym("-") {
            return Ok(Expr::Neg(Box::new(self.unary()?)));
        }
        self.atom()
    }
    fn atom(&mut self) -> Result<Expr> {
        match self.peek().cloned() {
            Some(Tok::Num(v)) => {
                self.pos += 1;
                Ok(Expr::Num(v))
            }
            Some(Tok::Sym("(")) => {
                self.pos += 1;
                let e = self.or()?;
                if !self.eat_sym(")") {
                    return self.err("missing ')'");
                }
                Ok(e)
            }
            Some(Tok::Ident(name)) => {
                self.pos += 1;
                if self.eat_sym("(") {
                    return self.call(&name);
                }
                match name.as_str() {
                    "true" => return Ok(Expr::Num(1.0)),
                    "false" => return Ok(Expr::Num(0.0)),
                    _ => {}
                }
                if self.group_level && !self.in_agg {
                    return self.err(&format!(
                        "field {name} must be inside an aggregation such as sum({name})"
                    ));
                }
                match field_index(&name) {
                    Some(i) => Ok(Expr::Field(i)),
                    None => self.err(&format!("unknown field {name}")),
                }
            }
            _ => self.err("unexpected end or symbol"),
        }
    }
    fn call(&mut self, name: &str) -> Result<Expr> {
        let func = match name {
            "sum" => AggFn::Sum,
            "mean" => AggFn::Mean,
            "median" => AggFn::Median,
            "min" => AggFn::Min,
            "max" => AggFn::Max,
            "count" => AggFn::Count,
            "share" => AggFn::Share,
            "prev" => {
                if !self.group_level || self.in_agg {
                    return self.err("prev() is only allowed at group level");
                }
                let e = self.or()?;
                if !self.eat_sym(")") {
                    return self.err("missing ')' after prev(");
                }
                return Ok(Expr::Prev(Box::new(e)));
            }
            _ => return self.err(&format!("unknown function {name}")),
        };
        if !self.group_level || self.in_agg {
            return self.err(&format!(
                "{name}() is only allowed at group level, not nested"
            ));
        }
        self.in_agg = true;
        let mut arg = None;
        let mut filter = None;
        if !self.eat_sym(")") {
            let first = self.or()?;
            if self.eat_sym(",") {
                if !self.eat_kw("where") {
                    return self.err("expected `where` after ','");
                }
                filter = Some(Box::new(self.or()?));
            }
            if !self.eat_sym(")") {
                return self.err("missing ')'");
            }
            arg = Some(Box::new(first));
        }
        self.in_agg = false;
        match func {
            AggFn::Count => Ok(Expr::Agg {
                func,
                filter: arg.or(filter),
                arg: None,
            }),
            AggFn::Share => match arg {
                Some(a) => Ok(Expr::Agg {
                    func,
                    arg: None,
                    filter: Some(a),
                }),
                None => self.err("share() needs a condition"),
            },
            _ => match arg {
                Some(a) => Ok(Expr::Agg {
                    func,
                    arg: Some(a),
                    filter,
                }),
                None => self.err(&format!("{name}() needs an argument")),
            },
        }
    }
}

fn parse(src: &str, group_level: bool) -> Result<Expr> {
    let mut p = Parser {
        toks: lex(src)?,
        pos: 0,
        src,
        group_level,
        in_agg: false,
    };
    let e = p.or()?;
    if p.pos != p.toks.len() {
        return p.err("trailing input");
    }
    Ok(e)
}

/// Parses a group-level (park) expression: fields only inside aggregations.
pub fn parse_group(src: &str) -> Result<Expr> {
    parse(src, true)
}

/// Parses a row-level (firm) expression: no aggregations.
pub fn parse_row(src: &str) -> Result<Expr> {
    parse(src, false)
}

#[inline]
fn bin(op: BinOp, a: f64, b: f64) -> f64 {
    match op {
        BinOp::Add => a + b,
        BinOp::Sub => a - b,
        BinOp::Mul => a * b,
        BinOp::Div => {
            let r = a / b;
            if r.is_finite() { r } else { f64::NAN }
        }
    }
}

#[inline]
fn cmp(op: CmpOp, a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() {
        return f64::NAN;
    }
    let r = match op {
        CmpOp::Gt => a > b,
        CmpOp::Ge => a >= b,
        CmpOp::Lt => a < b,
        CmpOp::Le => a <= b,
        CmpOp::Eq => a == b,
        CmpOp::Ne => a != b,
    };
    r as u8 as f64
}

#[inline]
fn truth(v: f64) -> f64 {
    if v.is_nan() {
        v
    } else {
        (v != 0.0) as u8 as f64
    }
}

/// Three-valued `and` (missing = unknown): false if either side is false, else unknown if either
/// is unknown. Row and group expressions share it.
fn and3(a: f64, b: f64) -> f64 {
    let (x, y) = (truth(a), truth(b));
    if x == 0.0 || y == 0.0 {
        0.0
    } else if x.is_nan() || y.is_nan() {
        f64::NAN
    } else {
        1.0
    }
}

/// Three-valued `or`: true if either side is true, else unknown if either is unknown (the group
/// version used to compute `min(x + y, 1)`, and `NaN.min(1.0)` is 1.0: unknown or false was true).
fn or3(a: f64, b: f64) -> f64 {
    let (x, y) = (truth(a), truth(b));
    if x == 1.0 || y == 1.0 {
        1.0
    } else if x.is_nan() || y.is_nan() {
        f64::NAN
    } else {
        0.0
    }
}

/// Column access for evaluation: `cols[field_index]` is that field's column (NaN = missing).
pub type Columns<'a> = [&'a [f64]];

/// Evaluates a row-level expression for row `i`.
pub fn eval_row(e: &Expr, cols: &Columns<'_>, i: usize) -> f64 {
    match e {
        Expr::Num(v) => *v,
        Expr::Field(f) => cols[*f][i],
        Expr::Neg(a) => -eval_row(a, cols, i),
        Expr::Bin(op, a, b) => bin(*op, eval_row(a, cols, i), eval_row(b, cols, i)),
        Expr::Cmp(op, a, b) => cmp(*op, eval_row(a, cols, i), eval_row(b, cols, i)),
        Expr::And(a, b) => and3(eval_row(a, cols, i), eval_row(b, cols, i)),
        Expr::Or(a, b) => or3(eval_row(a, cols, i), eval_row(b, cols, i)),
        Expr::Not(a) => 1.0 - truth(eval_row(a, cols, i)),
        Expr::Agg { .. } | Expr::Prev(_) => f64::NAN,
    }
}

/// Evaluates a row-level expression for all `n` rows column-at-a-time into `out`.
pub fn eval_column(e: &Expr, cols: &Columns<'_>, n: usize, out: &mut Vec<f64>) {
    out.clear();
    match e {
        Expr::Num(v) => out.resize(n, *v),
        Expr::Field(f) => out.extend_from_slice(&cols[*f][..n]),
        Expr::Bin(op, a, b) => {
            eval_column(a, cols, n, out);
            let mut rhs = Vec::with_capacity(n);
            eval_column(b, cols, n, &mut rhs);
            for (x, y) in out.iter_mut().zip(&rhs) {
                *x = bin(*op, *x, *y);
            }
        }
        Expr::Cmp(op, a, b) => {
            eval_column(a, cols, n, out);
            let mut rhs = Vec::with_capacity(n);
            eval_column(b, cols, n, &mut rhs);
            for (x, y) in out.iter_mut().zip(&rhs) {
                *x = cmp(*op, *x, *y);
            }
        }
        _ => out.extend((0..n).map(|i| eval_row(e, cols, i))),
    }
}

/// Evaluates a group-level expression over `rows` (this year) and `prev_rows` (previous year).
pub fn eval_group(e: &Expr, cols: &Columns<'_>, rows: &[usize], prev_rows: &[usize]) -> f64 {
    match e {
        Expr::Num(v) => *v,
        Expr::Field(_) => f64::NAN,
        Expr::Neg(a) => -eval_group(a, cols, rows, prev_rows),
        Expr::Bin(op, a, b) => bin(
            *op,
            eval_group(a, cols, rows, prev_rows),
            eval_group(b, cols, rows, prev_rows),
        ),
        Expr::Cmp(op, a, b) => cmp(
            *op,
            eval_group(a, cols, rows, prev_rows),
            eval_group(b, cols, rows, prev_rows),
        ),
        Expr::And(a, b) => and3(
            eval_group(a, cols, rows, prev_rows),
            eval_group(b, cols, rows, prev_rows),
        ),
        Expr::Or(a, b) => or3(
            eval_group(a, cols, rows, prev_rows),
            eval_group(b, cols, rows, prev_rows),
        ),
        Expr::Not(a) => 1.0 - truth(eval_group(a, cols, rows, prev_rows)),
        Expr::Prev(a) => {
            if prev_rows.is_empty() {
                f64::NAN
            } else {
                eval_group(a, cols, prev_rows, &[])
            }
        }
        Expr::Agg { func, arg, filter } => {
            let pass = |i: usize| filter.as_ref().is_none_or(|f| eval_row(f, cols, i) == 1.0);
            match func {
                AggFn::Count => rows.iter().filter(|&&i| pass(i)).count() as f64,
                AggFn::Share => {
                    if rows.is_empty() {
                        f64::NAN
                    } else {
                        rows.iter().filter(|&&i| pass(i)).count() as f64 / rows.len() as f64
                    }
                }
                _ => {
                    let a = arg.as_ref().expect("parser guarantees an argument");
                    let vals: Vec<f64> = rows
                        .iter()
                        .filter(|&&i| pass(i))
                        .map(|&i| eval_row(a, cols, i))
                        .filter(|v| !v.is_nan())
                        .collect();
                    if vals.is_empty() {
                        return f64::NAN;
                    }
                    match func {
                        AggFn::Sum => vals.iter().sum(),
                        AggFn::Mean => crate::stats::mean(&vals),
                        AggFn::Median => crate::stats::median(&vals),
                        AggFn::Min => crate::stats::min(&vals),
                        AggFn::Max => crate::stats::max(&vals),
                        AggFn::Count | AggFn::Share => unreachable!(),
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cols(rows: &[(&str, Vec<f64>)]) -> Vec<Vec<f64>> {
        let n = rows[0].1.len();
        let mut c = vec![vec![f64::NAN; n]; all_fields().len()];
        for (name, v) in rows {
            c[field_index(name).unwrap()] = v.clone();
        }
        c
    }

    #[test]
    fn group_ratios_counts_filters_and_prev() {
        let c = cols(&[
            ("revenue", vec![100.0, 300.0, 600.0, f64::NAN]),
            ("rd_expense_domestic", vec![10.0, 3.0, 60.0, 5.0]),
            ("hightech_certified", vec![1.0, 0.0, 1.0, 1.0]),
        ]);
        let r: Vec<&[f64]> = c.iter().map(|v| v.as_slice()).collect();
        let rows = [0, 1, 2, 3];
        let e = parse_group("sum(rd_expense_domestic) / sum(revenue)").unwrap();
        assert_eq!(eval_group(&e, &r, &rows, &[]), 78.0 / 1000.0);
        let e =
            parse_group("count(rd_expense_domestic / revenue >= 0.05 and revenue > 200)").unwrap();
        assert_eq!(eval_group(&e, &r, &rows, &[]), 1.0);
        let e =
            parse_group("sum(revenue, where rd_expense_domestic / revenue >= 0.05) / sum(revenue)")
                .unwrap();
        assert_eq!(eval_group(&e, &r, &rows, &[]), 0.7);
        let e = parse_group("count(hightech_certified) - prev(count(hightech_certified))").unwrap();
        assert_eq!(eval_group(&e, &r, &rows, &[0, 1]), 2.0);
        assert!(eval_group(&e, &r, &rows, &[]).is_nan(), "no previous year");
        let e = parse_group("share(hightech_certified)").unwrap();
        assert_eq!(eval_group(&e, &r, &rows, &[]), 0.75);
        let e = parse_group("10000 * count() / 2e3").unwrap();
        assert_eq!(eval_group(&e, &r, &rows, &[]), 20.0);
    }

    #[test]
    fn group_and_or_are_three_valued() {
        let c = cols(&[("revenue", vec![100.0, 300.0])]);
        let r: Vec<&[f64]> = c.iter().map(|v| v.as_slice()).collect();
        let g = |src: &str| eval_group(&parse_group(src).unwrap(), &r, &[0, 1], &[]);
        // prev(…) without a previous year is unknown
        assert!(g("prev(count()) > 0").is_nan());
        assert!(
            g("prev(count()) > 0 or count() > 5").is_nan(),
            "unknown or false"
        );
        assert!(g("count() > 5 or prev(count()) > 0").is_nan());
        assert_eq!(g("prev(count()) > 0 or count() > 1"), 1.0);
        assert_eq!(g("prev(count()) > 0 and count() > 5"), 0.0);
        assert!(g("prev(count()) > 0 and count() > 1").is_nan());
        assert_eq!(g("count() > 5 or count() > 1"), 1.0);
        assert_eq!(g("count() > 5 or count() > 4"), 0.0);
    }

    #[test]
    fn row_level_columnar_matches_scalar() {
        let c = cols(&[
            ("revenue", vec![100.0, 0.0, 50.0]),
            ("rd_expense", vec![5.0, 1.0, f64::NAN]),
        ]);
        let r: Vec<&[f64]> = c.iter().map(|v| v.as_slice()).collect();
        let e = parse_row("rd_expense / revenue * 100").unwrap();
        let mut out = Vec::new();
        eval_column(&e, &r, 3, &mut out);
        assert_eq!(out[0], 5.0);
        assert!(out[1].is_nan(), "division by zero is missing");
        assert!(out[2].is_nan());
        let e = parse_row("revenue >= 50 and not (rd_expense > 4)").unwrap();
        assert_eq!(
            (0..3).map(|i| eval_row(&e, &r, i)).collect::<Vec<_>>()[..2],
            [0.0, 0.0]
        );
        assert!(eval_row(&e, &r, 2).is_nan());
    }

    #[test]
    fn parse_errors_are_plain() {
        assert!(
            parse_group("sum(nope)")
                .unwrap_err()
                .to_string()
                .contains("unknown field nope")
        );
        assert!(
            parse_group("revenue / 2")
                .unwrap_err()
                .to_string()
                .contains("inside an aggregation")
        );
        assert!(parse_row("sum(revenue)").is_err());
        assert!(parse_group("sum(sum(revenue))").is_err());
        assert!(parse_group("sum(revenue").is_err());
        assert!(parse_group("sum(revenue) $").is_err());
    }
}
