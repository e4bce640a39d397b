//! Lowering of a file's expressions into hash-consed nodes ([`Compiler`]): names,
//! parameters folded to the plan's date, time functions unrolled into facts at year offsets.
use super::*;

pub(super) struct Compiler<'a> {
    pub(super) files: &'a [RuleFile],
    pub(super) as_of: Date,
    pub(super) overrides: &'a Overrides,
    pub(super) ops: Vec<Op>,
    pub(super) units: Vec<Unit>,
    pub(super) dedup: HashMap<(String, u8), NodeId>,
    pub(super) memo: HashMap<(usize, String, u8), NodeId>,
    pub(super) stack: Vec<(usize, String, u8)>,
    pub(super) tables: Vec<CTable>,
    pub(super) table_ids: HashMap<(usize, String), u32>,
    pub(super) manual_keys: Vec<String>,
    pub(super) max_offset: u8,
    pub(super) refs: Vec<(NodeId, usize, u8)>,
    pub(super) evers: Vec<NodeId>,
    pub(super) sme_nodes: Vec<(NodeId, u8)>,
}

pub(super) fn unit_name(u: Unit) -> u8 {
    u as u8
}

impl<'a> Compiler<'a> {
    pub(super) fn err(&self, file: usize, line: usize, msg: impl Into<String>) -> LoadError {
        LoadError {
            file: self.files[file].path.clone(),
            line,
            msg: msg.into(),
        }
    }

    pub(super) fn push(&mut self, op: Op, unit: Unit) -> NodeId {
        // Constant folding with the evaluation kernels themselves.
        let op = match fold(&op, &self.ops, &self.tables) {
            Some(v) => Op::Const(v),
            None => op,
        };
        let key = (
            op.key(),
            if matches!(op, Op::Const(_)) {
                unit_name(unit)
            } else {
                0
            },
        );
        if let Some(&id) = self.dedup.get(&key) {
            return id;
        }
        let id = self.ops.len() as NodeId;
        self.ops.push(op);
        self.units.push(unit);
        self.dedup.insert(key, id);
        id
    }

    pub(super) fn konst(&mut self, v: f64, unit: Unit) -> NodeId {
        self.push(Op::Const(v), unit)
    }

    pub(super) fn const_of(&self, id: NodeId) -> Option<f64> {
        match self.ops[id as usize] {
            Op::Const(v) => Some(v),
            _ => None,
        }
    }

    pub(super) fn param_value(
        &self,
        fi: usize,
        name: &str,
    ) -> Result<Option<(f64, Unit)>, LoadError> {
        let f = &self.files[fi];
        let Some(p) = f.params.iter().find(|p| p.name == name) else {
            return Ok(None);
        };
        if let Some(v) = self.overrides.get(&(f.id.clone(), name.to_string())) {
            return Ok(Some((v * p.factor, p.unit)));
        }
        if p.yearly {
            return Err(self.err(
                fi,
                p.line,
                format!(
                    "参数「{}」（{}）按年度取值，只能用在表达式中（不能作为奖励比例或分档表的含本数参数）",
                    p.name, p.zh
                ),
            ));
        }
        match p.at(self.as_of) {
            Some(v) => Ok(Some((v, p.unit))),
            None => Err(self.err(
                fi,
                p.line,
                format!(
                    "参数「{}」（{}）在{}没有生效的取值（最早的取值自{}起）",
                    p.name, p.zh, self.as_of, p.values[0].from
                ),
            )),
        }
    }

    /// Resolves a name in a file at a year offset.
    pub(super) fn name(
        &mut self,
        fi: usize,
        name: &str,
        off: u8,
        line: usize,
    ) -> Result<NodeId, LoadError> {
        let key = (fi, name.to_string(), off);
        if let Some(&id) = self.memo.get(&key) {
            return Ok(id);
        }
        if let Some(p) = self.files[fi].params.iter().find(|p| p.name == name)
            && p.yearly
            && !self
                .overrides
                .contains_key(&(self.files[fi].id.clone(), name.to_string()))
        {
            // A yearly value: the evaluated year (shifted by lags) picks its own; a year without
            // one is missing (a NaN constant, whose state is MISS), never another year's value.
            let (unit, values) = (p.unit, p.values.clone());
            let y = self.push(Op::Attr(Attr::Year, off), Unit::Plain);
            let mut node = self.konst(f64::NAN, unit);
            for d in values.iter().rev() {
                let want = self.konst(d.year.unwrap_or(0) as f64, Unit::Plain);
                let is = self.push(Op::Cmp(CmpOp::Eq, y, want), Unit::Flag);
                let v = self.konst(d.value, unit);
                node = self.push(Op::If(is, v, node), unit);
            }
            self.memo.insert(key, node);
            return Ok(node);
        }
        if let Some((v, unit)) = self.param_value(fi, name)? {
            return Ok(self.konst(v, unit));
        }
        let file = &self.files[fi];
        let def: Option<(crate::file::Expr, Option<Unit>)> = file
            .vars
            .iter()
            .find(|v| v.name == name)
            .map(|v| (v.expr.clone(), v.unit))
            .or_else(|| {
                file.conditions
                    .iter()
                    .find(|c| c.id == name)
                    .map(|c| (c.expr.clone(), Some(Unit::Flag)))
            });
        if let Some((expr, unit)) = def {
            if let Some(pos) = self.stack.iter().position(|k| *k == key) {
                let mut path: Vec<String> = self.stack[pos..].iter().map(|k| k.1.clone()).collect();
                path.push(name.to_string());
                return Err(self.err(
                    fi,
                    expr.line,
                    format!("变量之间存在循环引用：{}", path.join(" → ")),
                ));
            }
            self.stack.push(key.clone());
            let r = self.expr(fi, &expr.ast, off, expr.line);
            self.stack.pop();
            let id = r?;
            if let Some(u) = unit {
                // A declared unit wins for display; the node itself is shared. A currency
                // conversion (US dollars × rate = 元) declares its result's currency.
                let computed = self.units[id as usize];
                if computed == Unit::Plain
                    || matches!(
                        (computed, u),
                        (Unit::Usd, Unit::Money) | (Unit::Money, Unit::Usd)
                    )
                {
                    self.units[id as usize] = u;
                }
            }
            self.memo.insert(key, id);
            return Ok(id);
        }
        if let Some(m) = file.manual.iter().find(|m| m.name == name).cloned() {
            if off != 0 {
                return Err(self.err(
                    fi,
                    line,
                    format!("专家评分项「{name}」只有当年的值，不能取往年（lag）"),
                ));
            }
            let lo = self.expr(fi, &m.lo.ast, 0, m.lo.line)?;
            let hi = self.expr(fi, &m.hi.ast, 0, m.hi.line)?;
            let slot = self.manual_keys.len() as u32;
            self.manual_keys.push(format!("{}/{}", file.id, m.name));
            let id = self.ops.len() as NodeId;
            self.ops.push(Op::Manual { slot, lo, hi });
            self.units.push(Unit::Points);
            self.memo.insert(key, id);
            return Ok(id);
        }
        if file.tables.iter().any(|t| t.name == name) {
            return Err(self.err(
                fi,
                line,
                format!("「{name}」是分档表，应写成 band({name}, 数值)"),
            ));
        }
        if name == "sme" {
            // 中小企业 by the SME size standard (data/reference/sme_size_2011.toml): the
            // firm's industry class's test, compiled from the data file.
            let std = crate::sme::SmeStandard::embedded()
                .map_err(|e| self.err(fi, line, format!("无法使用「sme」：{e}")))?;
            let ast = crate::expr::parse(&std.expr()).map_err(|e| {
                self.err(fi, line, format!("中小企业划型标准生成的表达式有误：{e}"))
            })?;
            let id = self.expr(fi, &ast, off, line)?;
            if self.units[id as usize] == Unit::Plain {
                self.units[id as usize] = Unit::Flag;
            }
            if !self.sme_nodes.contains(&(id, off)) {
                self.sme_nodes.push((id, off));
            }
            self.memo.insert(key, id);
            return Ok(id);
        }
        if let Some((_, a, u, _)) = ATTRS.iter().find(|(n, ..)| *n == name) {
            let a_off = if *a == Attr::Year { off } else { 0 };
            return Ok(self.push(Op::Attr(*a, a_off), *u));
        }
        if let Some(f) = F::by_key(name) {
            self.max_offset = self.max_offset.max(off);
            let unit = match f.def().kind {
                Kind::Money { .. } => Unit::Money,
                Kind::Usd => Unit::Usd,
                Kind::Count => Unit::Count,
                Kind::Level(_) => Unit::Level,
                Kind::Flag => Unit::Flag,
                Kind::Date => Unit::Date,
            };
            return Ok(self.push(
                Op::Fact {
                    field: f as u16,
                    offset: off,
                },
                unit,
            ));
        }
        Err(self.err(fi, line, format!("未知的变量「{name}」：既不是本文件定义的参数、变量、条件或评分项，也不是企业指标（如 revenue、rd_expense）或企业属性（如 manufacturing、listed、founded）")))
    }

    pub(super) fn int_arg(
        &self,
        fi: usize,
        a: &Ast,
        line: usize,
        what: &str,
    ) -> Result<u8, LoadError> {
        match a {
            Ast::Num(v, LitUnit::None) if *v >= 0.0 && *v <= 20.0 && v.fract() == 0.0 => {
                Ok(*v as u8)
            }
            _ => Err(self.err(fi, line, format!("{what}应为0到20之间的整数"))),
        }
    }

    pub(super) fn infer_bin(&self, op: BinOp, a: NodeId, b: NodeId) -> Unit {
        let (ua, ub) = (self.units[a as usize], self.units[b as usize]);
        let plain = |u: Unit| matches!(u, Unit::Plain);
        match op {
            BinOp::Div if ua == ub && !plain(ua) => Unit::Ratio,
            BinOp::Div if matches!(ua, Unit::Money | Unit::Usd) && plain(ub) => ua,
            BinOp::Div => {
                if plain(ub) {
                    ua
                } else {
                    Unit::Plain
                }
            }
            BinOp::Mul if matches!(ua, Unit::Money | Unit::Usd) => ua,
            BinOp::Mul if matches!(ub, Unit::Money | Unit::Usd) => ub,
            BinOp::Mul => {
                if plain(ua) {
                    ub
                } else {
                    ua
                }
            }
            BinOp::Add | BinOp::Sub => {
                if plain(ua) {
                    ub
                } else {
                    ua
                }
            }
            BinOp::Pow => Unit::Plain,
        }
    }

    pub(super) fn bin(&mut self, op: BinOp, a: NodeId, b: NodeId) -> NodeId {
        let u = self.infer_bin(op, a, b);
        self.push(Op::Bin(op, a, b), u)
    }

    pub(super) fn ratio_at(
        &mut self,
        fi: usize,
        e: &Ast,
        j: u8,
        off: u8,
        line: usize,
    ) -> Result<NodeId, LoadError> {
        let a = self.expr(fi, e, off + j, line)?;
        let b = self.expr(fi, e, off + j + 1, line)?;
        Ok(self.push(Op::Bin(BinOp::Div, a, b), Unit::Ratio))
    }

    pub(super) fn expr(
        &mut self,
        fi: usize,
        e: &Ast,
        off: u8,
        line: usize,
    ) -> Result<NodeId, LoadError> {
        Ok(match e {
            Ast::Num(v, u) => {
                let unit = match u {
                    LitUnit::None => Unit::Plain,
                    LitUnit::Percent => Unit::Ratio,
                    LitUnit::Yuan => Unit::Money,
                    LitUnit::Usd => Unit::Usd,
                };
                self.konst(*v, unit)
            }
            Ast::Var(n, _) => self.name(fi, n, off, line)?,
            Ast::Neg(a) => {
                let a = self.expr(fi, a, off, line)?;
                let u = self.units[a as usize];
                self.push(Op::Neg(a), u)
            }
            Ast::Not(a) => {
                let a = self.expr(fi, a, off, line)?;
                self.push(Op::Not(a), Unit::Flag)
            }
            Ast::Bin(op, a, b) => {
                let a = self.expr(fi, a, off, line)?;
                let b = self.expr(fi, b, off, line)?;
                self.bin(*op, a, b)
            }
            Ast::Cmp(op, a, b) => {
                let a = self.expr(fi, a, off, line)?;
                let b = self.expr(fi, b, off, line)?;
                self.push(Op::Cmp(*op, a, b), Unit::Flag)
            }
            Ast::And(v) | Ast::Or(v) => {
                let mut ids = Vec::new();
                for x in v {
                    ids.push(self.expr(fi, x, off, line)?);
                }
                let op = if matches!(e, Ast::And(_)) {
                    Op::All(ids)
                } else {
                    Op::Any(ids)
                };
                self.push(op, Unit::Flag)
            }
            Ast::Call(name, args, _) => self.call(fi, name, args, off, line)?,
        })
    }

    pub(super) fn call(
        &mut self,
        fi: usize,
        name: &str,
        args: &[Ast],
        off: u8,
        line: usize,
    ) -> Result<NodeId, LoadError> {
        let want = |n: usize| -> Result<(), LoadError> {
            if args.len() != n {
                Err(self.err(
                    fi,
                    line,
                    format!("函数 {name} 需要{n}个参数，实际写了{}个", args.len()),
                ))
            } else {
                Ok(())
            }
        };
        let many = |this: &mut Self| -> Result<Vec<NodeId>, LoadError> {
            if args.is_empty() {
                return Err(this.err(fi, line, format!("函数 {name} 至少需要一个参数")));
            }
            args.iter().map(|a| this.expr(fi, a, off, line)).collect()
        };
        Ok(match name {
            "all" | "any" => {
                let ids = many(self)?;
                let op = if name == "all" { Op::All(ids) } else { Op::Any(ids) };
                self.push(op, Unit::Flag)
            }
            "min" | "max" => {
                let ids = many(self)?;
                let u = ids.iter().map(|i| self.units[*i as usize]).find(|u| *u != Unit::Plain).unwrap_or(Unit::Plain);
                let op = if name == "min" { Op::Min(ids) } else { Op::Max(ids) };
                self.push(op, u)
            }
            "clamp" => {
                want(3)?;
                let x = self.expr(fi, &args[0], off, line)?;
                let lo = self.expr(fi, &args[1], off, line)?;
                let hi = self.expr(fi, &args[2], off, line)?;
                let u = self.units[x as usize];
                let m = self.push(Op::Max(vec![x, lo]), u);
                self.push(Op::Min(vec![m, hi]), u)
            }
            "if" => {
                want(3)?;
                let c = self.expr(fi, &args[0], off, line)?;
                let a = self.expr(fi, &args[1], off, line)?;
                let b = self.expr(fi, &args[2], off, line)?;
                let u = if self.units[a as usize] != Unit::Plain { self.units[a as usize] } else { self.units[b as usize] };
                self.push(Op::If(c, a, b), u)
            }
            "floor" | "abs" | "present" | "years_since" | "days_since" => {
                want(1)?;
                let a = self.expr(fi, &args[0], off, line)?;
                let u = self.units[a as usize];
                match name {
                    "floor" => self.push(Op::Floor(a), u),
                    "abs" => self.push(Op::Abs(a), u),
                    "present" => self.push(Op::Present(a), Unit::Flag),
                    "years_since" => self.push(Op::YearsSince(a), Unit::Years),
                    _ => self.push(Op::DaysSince(a), Unit::Plain),
                }
            }
            "lag" => {
                want(2)?;
                let k = self.int_arg(fi, &args[1], line, "lag 的年数")?;
                self.expr(fi, &args[0], off + k, line)?
            }
            "sum" | "mean" => {
                want(2)?;
                let n = self.int_arg(fi, &args[1], line, "年数")?;
                if n == 0 {
                    return Err(self.err(fi, line, "年数至少为1"));
                }
                let mut terms = Vec::new();
                for j in 0..n {
                    terms.push((self.expr(fi, &args[0], off + j, line)?, off + j));
                }
                let u = self.units[terms[0].0 as usize];
                let s = self.push(Op::SumYears(terms), u);
                if name == "sum" {
                    s
                } else {
                    let c = self.push(Op::OpYears { n, offset: off }, Unit::Years);
                    self.push(Op::Bin(BinOp::Div, s, c), u)
                }
            }
            "years_in" => {
                want(1)?;
                let n = self.int_arg(fi, &args[0], line, "年数")?;
                self.max_offset = self.max_offset.max(off + n);
                self.push(Op::OpYears { n, offset: off }, Unit::Years)
            }
            "growth" => {
                want(1)?;
                let r = self.ratio_at(fi, &args[0], 0, off, line)?;
                let one = self.konst(1.0, Unit::Plain);
                self.push(Op::Bin(BinOp::Sub, r, one), Unit::Ratio)
            }
            "mean_growth" | "min_growth" => {
                want(2)?;
                self.growth_over_years(fi, name, args, off, line)?
            }
            "cagr" => {
                want(2)?;
                let n = self.int_arg(fi, &args[1], line, "年数")?;
                if n == 0 {
                    return Err(self.err(fi, line, "年数至少为1"));
                }
                let a = self.expr(fi, &args[0], off, line)?;
                let b = self.expr(fi, &args[0], off + n, line)?;
                let r = self.push(Op::Bin(BinOp::Div, a, b), Unit::Ratio);
                let inv = self.konst(1.0 / n as f64, Unit::Plain);
                let p = self.push(Op::Bin(BinOp::Pow, r, inv), Unit::Ratio);
                let one = self.konst(1.0, Unit::Plain);
                self.push(Op::Bin(BinOp::Sub, p, one), Unit::Ratio)
            }
            "band" => {
                want(2)?;
                let Ast::Var(t, _) = &args[0] else {
                    return Err(self.err(fi, line, "band 的第一个参数应为分档表名称"));
                };
                let table = self.table(fi, t, line)?;
                let x = self.expr(fi, &args[1], off, line)?;
                self.push(Op::Band { table, x }, Unit::Points)
            }
            "ref" => {
                want(1)?;
                self.ref_rule(fi, args, off, line)?
            }
            "ever" => {
                // ever(e, since): e held in some year from `since` to the year before the
                // evaluated one, counting only years from the firm's founding on (EVER_YEARS at
                // most). A counted year whose inputs are missing — including a year before the
                // firm's first data — makes it unknown unless another counted year already
                // passes: no record of an earlier year is not evidence that nothing happened.
                want(2)?;
                self.ever(fi, args, off, line)?
            }
            _ => return Err(self.err(fi, line, format!("未知的函数「{name}」（可用：all any min max clamp if floor abs present years_since days_since lag sum mean years_in growth mean_growth min_growth cagr band ref ever）"))),
        })
    }

    /// `mean_growth(x, n)` / `min_growth(x, n)`: the mean or smallest of the year-on-year growth
    /// rates of `x` over `n` years.
    fn growth_over_years(
        &mut self,
        fi: usize,
        name: &str,
        args: &[Ast],
        off: u8,
        line: usize,
    ) -> Result<NodeId, LoadError> {
        let n = self.int_arg(fi, &args[1], line, "年数")?;
        if n == 0 {
            return Err(self.err(fi, line, "年数至少为1"));
        }
        let mut rs = Vec::new();
        for j in 0..n {
            rs.push(self.ratio_at(fi, &args[0], j, off, line)?);
        }
        let one = self.konst(1.0, Unit::Plain);
        let agg = if name == "min_growth" {
            self.push(Op::Min(rs), Unit::Ratio)
        } else {
            let mut s = rs[0];
            for r in &rs[1..] {
                s = self.push(Op::Bin(BinOp::Add, s, *r), Unit::Ratio);
            }
            let nn = self.konst(n as f64, Unit::Plain);
            self.push(Op::Bin(BinOp::Div, s, nn), Unit::Ratio)
        };
        Ok(self.push(Op::Bin(BinOp::Sub, agg, one), Unit::Ratio))
    }

    /// `ref(rule)`: another file's eligibility at the same year offset (compiled once; a cycle of
    /// references is an error).
    fn ref_rule(
        &mut self,
        fi: usize,
        args: &[Ast],
        off: u8,
        line: usize,
    ) -> Result<NodeId, LoadError> {
        let Ast::Var(rid, _) = &args[0] else {
            return Err(self.err(fi, line, "ref 的参数应为另一规则文件的编号（id）"));
        };
        let Some(other) = self.files.iter().position(|f| f.id == *rid) else {
            return Err(self.err(
                fi,
                line,
                format!("ref 引用的规则「{rid}」不存在（未加载该文件）"),
            ));
        };
        let key = (other, "@eligible".to_string(), off);
        if let Some(&id) = self.memo.get(&key) {
            return Ok(id);
        }
        if self.stack.contains(&key) {
            return Err(self.err(fi, line, format!("规则之间存在循环引用（经由「{rid}」）")));
        }
        self.stack.push(key.clone());
        let e = self.files[other].outcome.eligible.clone();
        let r = self.expr(other, &e.ast, off, e.line);
        self.stack.pop();
        let id = r?;
        self.memo.insert(key, id);
        self.refs.push((id, other, off));
        Ok(id)
    }

    /// `ever(e, since)` (see [`Compiler::call`]): an `any` over the counted earlier years.
    fn ever(&mut self, fi: usize, args: &[Ast], off: u8, line: usize) -> Result<NodeId, LoadError> {
        let since = self.expr(fi, &args[1], off, line)?;
        let founded = self.push(Op::Attr(Attr::Founded, 0), Unit::Date);
        let ten_k = self.konst(10_000.0, Unit::Plain);
        let d = self.push(Op::Bin(BinOp::Div, founded, ten_k), Unit::Plain);
        let founded_year = self.push(Op::Floor(d), Unit::Plain);
        let no = self.konst(0.0, Unit::Flag);
        // A constant `since` bounds the years worth computing: a plan is evaluated for
        // years up to its as-of year, so year − k < since for larger k in every run.
        let last = match self.const_of(since) {
            Some(v) if v.is_finite() => {
                (self.as_of.year() as f64 + 1.0 - v).clamp(0.0, EVER_YEARS as f64) as u8
            }
            _ => EVER_YEARS,
        };
        let mut terms = Vec::new();
        for k in 1..=last {
            let y = self.push(Op::Attr(Attr::Year, off + k), Unit::Plain);
            let g1 = self.push(Op::Cmp(CmpOp::Ge, y, since), Unit::Flag);
            let g2 = self.push(Op::Cmp(CmpOp::Ge, y, founded_year), Unit::Flag);
            let e = self.expr(fi, &args[0], off + k, line)?;
            let g = self.push(Op::All(vec![g1, g2]), Unit::Flag);
            terms.push(self.push(Op::If(g, e, no), Unit::Flag));
        }
        if terms.is_empty() {
            // No earlier year can count: e never held before.
            Ok(self.konst(0.0, Unit::Flag))
        } else {
            let id = self.push(Op::Any(terms), Unit::Flag);
            self.evers.push(id);
            Ok(id)
        }
    }

    pub(super) fn table(&mut self, fi: usize, name: &str, line: usize) -> Result<u32, LoadError> {
        if let Some(&t) = self.table_ids.get(&(fi, name.to_string())) {
            return Ok(t);
        }
        let Some(t) = self.files[fi]
            .tables
            .iter()
            .find(|t| t.name == name)
            .cloned()
        else {
            return Err(self.err(fi, line, format!("未知的分档表「{name}」")));
        };
        let mut bands = Vec::new();
        for b in &t.bands {
            let incl = match &b.incl {
                Incl::Fixed(x) => *x,
                Incl::Param(p) => self.table_flag(fi, &t, "incl", Some(p), true)?,
                Incl::Cut(c) => {
                    let named = self.table_flag(fi, &t, "named_cut", c.named.as_ref(), true)?;
                    let high = self.table_flag(fi, &t, "unnamed_cut", c.unnamed.as_ref(), true)?;
                    c.included(named, high)
                }
            };
            bands.push((b.min, incl, b.points, b.label.clone()));
        }
        let id = self.tables.len() as u32;
        self.tables.push(CTable::new(
            t.name.clone(),
            t.zh.clone(),
            t.status,
            bands,
            t.undefined_points,
        ));
        self.table_ids.insert((fi, name.to_string()), id);
        Ok(id)
    }
}

impl Compiler<'_> {
    /// A table's 0/1 switch: the parameter's value (non-zero = on), `default` when not set.
    pub(super) fn table_flag(
        &mut self,
        fi: usize,
        t: &crate::file::Table,
        what: &str,
        param: Option<&String>,
        default: bool,
    ) -> Result<bool, LoadError> {
        let Some(p) = param else {
            return Ok(default);
        };
        match self.param_value(fi, p)? {
            Some((v, _)) => Ok(v != 0.0),
            None => Err(self.err(
                fi,
                t.line,
                format!("分档表「{}」的 {what} 引用了不存在的参数「{p}」", t.name),
            )),
        }
    }
}
