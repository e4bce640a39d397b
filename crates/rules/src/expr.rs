//! The expression language of rule files: lexer, parser and abstract syntax tree.
//!
//! Grammar (lowest precedence first):
//! ```text
//! expr   := or
//! or     := and ("or" and)*
//! and    := not ("and" not)*
//! not    := "not" not | cmp
//! cmp    := add (("<" | "<=" | ">" | ">=" | "==" | "!=") add)?
//! add    := mul (("+" | "-") mul)*
//! mul    := pow (("*" | "/") pow)*
//! pow    := unary ("^" unary)?
//! unary  := "-" unary | atom
//! atom   := number [unit] | ident | ident "(" args ")" | "(" expr ")"
//! ```
//! Numbers may carry a unit suffix that converts them to the engine's integer units:
//! `%` (÷100), `元`, `万元`, `亿元` (→ fen), `美元`, `万美元`, `亿美元` (→ US cents).
//! Identifiers are fact keys, derived variables, parameters, condition ids, manual items,
//! enterprise attributes or function names; the compiler resolves them.

/// A unit written after a number literal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LitUnit {
    None,
    Percent,
    Yuan,
    Usd,
}

/// Abstract syntax tree of one expression. `pos` fields are byte offsets into the source text.
#[derive(Debug, Clone, PartialEq)]
pub enum Ast {
    Num(f64, LitUnit),
    Var(String, usize),
    Call(String, Vec<Ast>, usize),
    Neg(Box<Ast>),
    Not(Box<Ast>),
    Bin(BinOp, Box<Ast>, Box<Ast>),
    Cmp(CmpOp, Box<Ast>, Box<Ast>),
    And(Vec<Ast>),
    Or(Vec<Ast>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
    Pow,
}

/// A comparison; its Chinese wording is what users read in "need X".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CmpOp {
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
    Ne,
}

impl CmpOp {
    pub fn symbol(self) -> &'static str {
        match self {
            CmpOp::Lt => "<",
            CmpOp::Le => "≤",
            CmpOp::Gt => ">",
            CmpOp::Ge => "≥",
            CmpOp::Eq => "=",
            CmpOp::Ne => "≠",
        }
    }
    /// Chinese wording following 民法典 第一千二百五十九条 (以上/以下 include the number).
    pub fn zh(self) -> &'static str {
        match self {
            CmpOp::Lt => "低于",
            CmpOp::Le => "不超过",
            CmpOp::Gt => "超过",
            CmpOp::Ge => "不低于",
            CmpOp::Eq => "等于",
            CmpOp::Ne => "不等于",
        }
    }
    #[inline(always)]
    pub fn apply(self, a: f64, b: f64) -> bool {
        // Integral operands (fen, counts, dates) compare exactly. Fractional ones (ratios, rates)
        // count as equal within a relative 1e-12, so that a ratio which is mathematically on a
        // cut-point is not pushed across it by binary rounding (e.g. 0.5*(1.3+1.4)-1 vs 0.35).
        // Exact equality is computed without a branch; the tolerance test only runs when the
        // operands differ by less than the tolerance, which is rare and so well predicted.
        let d = a - b;
        let mut eq = d == 0.0;
        if !eq && d.abs() <= 1e-12 * a.abs().max(b.abs()) {
            let integral = |x: f64| (x as i64) as f64 == x;
            eq = !(integral(a) && integral(b));
        }
        match self {
            CmpOp::Lt => (d < 0.0) & !eq,
            CmpOp::Le => (d < 0.0) | eq,
            CmpOp::Gt => (d > 0.0) & !eq,
            CmpOp::Ge => (d > 0.0) | eq,
            CmpOp::Eq => eq,
            CmpOp::Ne => !eq,
        }
    }
}

/// A syntax error at a byte offset of the expression.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("第{}个字符处：{msg}", pos + 1)]
pub struct ParseError {
    pub pos: usize,
    pub msg: String,
}

impl ParseError {
    /// The same error with `pos` counted in characters of `src` (for messages: a byte offset
    /// is not what a user counts in a line typed with a Chinese input method).
    pub fn in_chars(&self, src: &str) -> ParseError {
        let pos = String::from_utf8_lossy(&src.as_bytes()[..self.pos.min(src.len())])
            .chars()
            .count();
        ParseError {
            pos,
            msg: self.msg.clone(),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Num(f64, LitUnit),
    Ident(String),
    Op(&'static str),
    LParen,
    RParen,
    Comma,
    End,
}

fn lex(src: &str) -> Result<Vec<(Tok, usize)>, ParseError> {
    let mut out = Vec::new();
    let b = src.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        let start = i;
        if c.is_ascii_digit() || (c == b'.' && i + 1 < b.len() && b[i + 1].is_ascii_digit()) {
            while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'.' || b[i] == b'_') {
                i += 1;
            }
            if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
                let mut j = i + 1;
                if j < b.len() && (b[j] == b'-' || b[j] == b'+') {
                    j += 1;
                }
                if j < b.len() && b[j].is_ascii_digit() {
                    i = j;
                    while i < b.len() && b[i].is_ascii_digit() {
                        i += 1;
                    }
                }
            }
            let text: String = src[start..i].chars().filter(|c| *c != '_').collect();
            let mut v: f64 = text.parse().map_err(|_| ParseError {
                pos: start,
                msg: format!("「{text}」不是数字"),
            })?;
            let rest = &src[i..];
            let units: [(&str, f64, LitUnit); 7] = [
                ("%", 0.01, LitUnit::Percent),
                ("万美元", 1e6, LitUnit::Usd),
                ("亿美元", 1e10, LitUnit::Usd),
                ("美元", 100.0, LitUnit::Usd),
                ("万元", 1e6, LitUnit::Yuan),
                ("亿元", 1e10, LitUnit::Yuan),
                ("元", 100.0, LitUnit::Yuan),
            ];
            let mut unit = LitUnit::None;
            for (suffix, scale, u) in units {
                if rest.starts_with(suffix) {
                    // Scale through the decimal text so that 0.5万元 is exactly 500000 fen.
                    v = scale_decimal(&text, scale).unwrap_or(v * scale);
                    unit = u;
                    i += suffix.len();
                    break;
                }
            }
            out.push((Tok::Num(v, unit), start));
            continue;
        }
        if c.is_ascii_alphabetic() || c == b'_' {
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_' || b[i] == b'.') {
                i += 1;
            }
            out.push((Tok::Ident(src[start..i].to_string()), start));
            continue;
        }
        // `get` rather than slicing: the next character may be multi-byte (全角 input).
        let two = src.get(i..i + 2).unwrap_or("");
        let op2 = ["<=", ">=", "==", "!="].into_iter().find(|o| *o == two);
        if let Some(o) = op2 {
            out.push((Tok::Op(o), start));
            i += 2;
            continue;
        }
        let tok = match c {
            b'(' => Tok::LParen,
            b')' => Tok::RParen,
            b',' => Tok::Comma,
            b'+' => Tok::Op("+"),
            b'-' => Tok::Op("-"),
            b'*' => Tok::Op("*"),
            b'/' => Tok::Op("/"),
            b'^' => Tok::Op("^"),
            b'<' => Tok::Op("<"),
            b'>' => Tok::Op(">"),
            _ => {
                let ch = src[i..].chars().next().unwrap_or('?');
                return Err(ParseError {
                    pos: start,
                    msg: format!("无法识别的字符「{ch}」"),
                });
            }
        };
        out.push((tok, start));
        i += 1;
    }
    out.push((Tok::End, src.len()));
    Ok(out)
}

/// `text × scale` computed on the decimal digits, so powers of ten scale exactly.
fn scale_decimal(text: &str, scale: f64) -> Option<f64> {
    if text.contains(['e', 'E']) {
        return None;
    }
    let (int, frac) = text.split_once('.').unwrap_or((text, ""));
    let zeros = scale.log10().round() as i32;
    if 10f64.powi(zeros) != scale {
        return None;
    }
    let shift = zeros - frac.len() as i32;
    let digits: i128 = format!("{int}{frac}").parse().ok()?;
    Some(if shift >= 0 {
        (digits * 10i128.pow(shift as u32)) as f64
    } else {
        digits as f64 / 10f64.powi(-shift)
    })
}

struct Parser {
    toks: Vec<(Tok, usize)>,
    i: usize,
}

impl Parser {
    fn peek(&self) -> &Tok {
        &self.toks[self.i].0
    }
    fn pos(&self) -> usize {
        self.toks[self.i].1
    }
    fn next(&mut self) -> (Tok, usize) {
        let t = self.toks[self.i].clone();
        if self.i + 1 < self.toks.len() {
            self.i += 1;
        }
        t
    }
    fn err<T>(&self, msg: impl Into<String>) -> Result<T, ParseError> {
        Err(ParseError {
            pos: self.pos(),
            msg: msg.into(),
        })
    }
    fn is_kw(&self, kw: &str) -> bool {
        matches!(self.peek(), Tok::Ident(s) if s == kw)
    }

    fn or(&mut self) -> Result<Ast, ParseError> {
        let mut v = vec![self.and()?];
        while self.is_kw("or") {
            self.next();
            v.push(self.and()?);
        }
        Ok(if v.len() == 1 {
            v.pop().unwrap()
        } else {
            Ast::Or(v)
        })
    }
    fn and(&mut self) -> Result<Ast, ParseError> {
        let mut v = vec![self.not()?];
        while self.is_kw("and") {
            self.next();
            v.push(self.not()?);
        }
        Ok(if v.len() == 1 {
            v.pop().unwrap()
        } else {
            Ast::And(v)
        })
    }
    fn not(&mut self) -> Result<Ast, ParseError> {
        if self.is_kw("not") {
            self.next();
            return Ok(Ast::Not(Box::new(self.not()?)));
        }
        self.cmp()
    }
    fn cmp(&mut self) -> Result<Ast, ParseError> {
        let a = self.add()?;
        let op = match self.peek() {
            Tok::Op("<") => CmpOp::Lt,
            Tok::Op("<=") => CmpOp::Le,
            Tok::Op(">") => CmpOp::Gt,
            Tok::Op(">=") => CmpOp::Ge,
            Tok::Op("==") => CmpOp::Eq,
            Tok::Op("!=") => CmpOp::Ne,
            _ => return Ok(a),
        };
        self.next();
        let b = self.add()?;
        if matches!(
            self.peek(),
            Tok::Op("<") | Tok::Op("<=") | Tok::Op(">") | Tok::Op(">=")
        ) {
            return self.err("比较不能连写，请用 and 连接两个比较");
        }
        Ok(Ast::Cmp(op, Box::new(a), Box::new(b)))
    }
    fn add(&mut self) -> Result<Ast, ParseError> {
        let mut a = self.mul()?;
        loop {
            let op = match self.peek() {
                Tok::Op("+") => BinOp::Add,
                Tok::Op("-") => BinOp::Sub,
                _ => return Ok(a),
            };
            self.next();
            let b = self.mul()?;
            a = Ast::Bin(op, Box::new(a), Box::new(b));
        }
    }
    fn mul(&mut self) -> Result<Ast, ParseError> {
        let mut a = self.pow()?;
        loop {
            let op = match self.peek() {
                Tok::Op("*") => BinOp::Mul,
                Tok::Op("/") => BinOp::Div,
                _ => return Ok(a),
            };
            self.next();
            let b = self.pow()?;
            a = Ast::Bin(op, Box::new(a), Box::new(b));
        }
    }
    fn pow(&mut self) -> Result<Ast, ParseError> {
        let a = self.unary()?;
        if matches!(self.peek(), Tok::Op("^")) {
            self.next();
            let b = self.unary()?;
            return Ok(Ast::Bin(BinOp::Pow, Box::new(a), Box::new(b)));
        }
        Ok(a)
    }
    fn unary(&mut self) -> Result<Ast, ParseError> {
        if matches!(self.peek(), Tok::Op("-")) {
            self.next();
            return Ok(Ast::Neg(Box::new(self.unary()?)));
        }
        self.atom()
    }
    fn atom(&mut self) -> Result<Ast, ParseError> {
        let (t, pos) = self.next();
        match t {
            Tok::Num(v, u) => Ok(Ast::Num(v, u)),
            Tok::LParen => {
                let e = self.or()?;
                if !matches!(self.peek(), Tok::RParen) {
                    return self.err("缺少右括号「)」");
                }
                self.next();
                Ok(e)
            }
            Tok::Ident(name) => {
                if matches!(name.as_str(), "and" | "or" | "not") {
                    return Err(ParseError {
                        pos,
                        msg: format!("「{name}」前缺少操作数"),
                    });
                }
                if !matches!(self.peek(), Tok::LParen) {
                    return Ok(Ast::Var(name, pos));
                }
                self.next();
                let mut args = Vec::new();
                if !matches!(self.peek(), Tok::RParen) {
                    loop {
                        args.push(self.or()?);
                        match self.peek() {
                            Tok::Comma => {
                                self.next();
                            }
                            Tok::RParen => break,
                            _ => return self.err("函数参数之间应以逗号分隔，或缺少右括号"),
                        }
                    }
                }
                self.next();
                Ok(Ast::Call(name, args, pos))
            }
            Tok::End => Err(ParseError {
                pos,
                msg: "表达式不完整".into(),
            }),
            other => Err(ParseError {
                pos,
                msg: format!("此处不应出现「{}」", tok_text(&other)),
            }),
        }
    }
}

fn tok_text(t: &Tok) -> String {
    match t {
        Tok::Num(v, _) => v.to_string(),
        Tok::Ident(s) => s.clone(),
        Tok::Op(o) => o.to_string(),
        Tok::LParen => "(".into(),
        Tok::RParen => ")".into(),
        Tok::Comma => ",".into(),
        Tok::End => "结尾".into(),
    }
}

/// Parses one expression.
pub fn parse(src: &str) -> Result<Ast, ParseError> {
    let toks = lex(src)?;
    let mut p = Parser { toks, i: 0 };
    let e = p.or()?;
    if !matches!(p.peek(), Tok::End) {
        return p.err(format!("多余的「{}」", tok_text(p.peek())));
    }
    Ok(e)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_messages_count_from_one() {
        let e = ParseError {
            pos: 0,
            msg: "缺少右括号".into(),
        };
        assert_eq!(e.to_string(), "第1个字符处：缺少右括号");
        let l = crate::file::LoadError {
            file: "rules/a.toml".into(),
            line: 12,
            msg: "未知字段".into(),
        };
        assert_eq!(l.to_string(), "rules/a.toml:12: 未知字段");
    }

    #[test]
    fn precedence_and_units() {
        let e = parse("a + b * 2 >= 5% and not c or d").unwrap();
        match e {
            Ast::Or(v) => {
                assert_eq!(v.len(), 2);
                match &v[0] {
                    Ast::And(w) => {
                        assert!(
                            matches!(&w[0], Ast::Cmp(CmpOp::Ge, _, r) if **r == Ast::Num(0.05, LitUnit::Percent))
                        );
                        assert!(matches!(&w[1], Ast::Not(_)));
                    }
                    other => panic!("{other:?}"),
                }
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            parse("5000万元").unwrap(),
            Ast::Num(5_000_000_000.0, LitUnit::Yuan)
        );
        assert_eq!(
            parse("0.5万元").unwrap(),
            Ast::Num(500_000.0, LitUnit::Yuan)
        );
        assert_eq!(parse("10亿美元").unwrap(), Ast::Num(1e11, LitUnit::Usd));
        assert_eq!(parse("1_000").unwrap(), Ast::Num(1000.0, LitUnit::None));
    }

    #[test]
    fn calls_and_errors() {
        let e = parse("min(sum(rd_expense, 3), cap)").unwrap();
        assert!(matches!(e, Ast::Call(ref n, ref a, 0) if n == "min" && a.len() == 2));
        let err = parse("a + ").unwrap_err();
        assert_eq!(err.msg, "表达式不完整");
        let err = parse("(a + b").unwrap_err();
        assert!(err.msg.contains("右括号"), "{err}");
        let err = parse("a # b").unwrap_err();
        assert_eq!(err.pos, 2);
        let err = parse("1 < a < 3").unwrap_err();
        assert!(err.msg.contains("不能连写"));
        assert!(parse("a b").unwrap_err().msg.contains("多余"));
    }

    #[test]
    fn comparisons_respect_inclusivity() {
        assert!(CmpOp::Ge.apply(0.1, 10.0 / 100.0));
        assert!(!CmpOp::Gt.apply(70.0, 70.0));
        assert!(CmpOp::Ge.apply(0.5 * (1.3 + 1.4) - 1.0, 0.35));
        assert!(!CmpOp::Ge.apply(0.35 - 1e-9, 0.35));
        // Integers compare exactly: one fen below a 2亿 bound is below it.
        assert!(CmpOp::Lt.apply(19_999_999_999.0, 20_000_000_000.0));
    }
}
