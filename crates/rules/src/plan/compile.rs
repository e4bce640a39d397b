//! Compilation of rule files into one [`Plan`]: each file's conditions, items, scores,
//! awards and verification trees, then the node analyses the evaluators rely on
//! (reachable nodes, integral bounds, constant folding).
use super::*;

/// Nodes reachable from `roots`, in ascending (dependency) order.
pub(super) fn closure(ops: &[Op], roots: &[NodeId]) -> Vec<NodeId> {
    let mut seen = vec![false; ops.len()];
    let mut stack: Vec<NodeId> = roots.to_vec();
    while let Some(n) = stack.pop() {
        if std::mem::replace(&mut seen[n as usize], true) {
            continue;
        }
        stack.extend(ops[n as usize].children());
    }
    (0..ops.len() as NodeId)
        .filter(|i| seen[*i as usize])
        .collect()
}

pub(super) fn fact_deps(ops: &[Op], root: NodeId) -> Vec<(u16, u8)> {
    let mut d: Vec<(u16, u8)> = closure(ops, &[root])
        .into_iter()
        .filter_map(|n| match ops[n as usize] {
            Op::Fact { field, offset } => Some((field, offset)),
            _ => None,
        })
        .collect();
    d.sort();
    d.dedup();
    d
}

/// The verification tree of a node every part of which the verdict relies on (see [`vtree`]).
pub(super) fn vtree_every(ops: &[Op], n: NodeId) -> VTree {
    match &ops[n as usize] {
        Op::All(v) | Op::Any(v) => VTree::All(v.iter().map(|c| vtree_every(ops, *c)).collect()),
        Op::If(..) => vtree(ops, n),
        Op::Not(a) => vtree_every(ops, *a),
        _ => vtree(ops, n),
    }
}

pub(super) fn manual_deps(ops: &[Op], root: NodeId) -> Vec<u32> {
    closure(ops, &[root])
        .into_iter()
        .filter_map(|n| match ops[n as usize] {
            Op::Manual { slot, .. } => Some(slot),
            _ => None,
        })
        .collect()
}

pub(crate) fn vtree(ops: &[Op], n: NodeId) -> VTree {
    match &ops[n as usize] {
        Op::All(v) => VTree::All(v.iter().map(|c| vtree(ops, *c)).collect()),
        Op::Any(v) => VTree::Any(v.iter().map(|c| (*c, vtree(ops, *c))).collect()),
        // A negation passes when what it negates fails: every part of it is then relied on
        // (exact for `not any(…)`, conservative for `not all(…)`).
        Op::Not(a) if matches!(ops[*a as usize], Op::All(_) | Op::Any(_) | Op::If(..)) => {
            vtree_every(ops, *a)
        }
        // Whether a fact was recorded is not a value to verify.
        Op::Present(_) => VTree::All(Vec::new()),
        Op::If(c, a, b) => VTree::If {
            cond: *c,
            // Whether a fact was recorded cannot be verified: `present(x)` relies on nothing.
            cond_tree: Box::new(if matches!(ops[*c as usize], Op::Present(_)) {
                VTree::All(Vec::new())
            } else {
                vtree(ops, *c)
            }),
            then: Box::new(vtree(ops, *a)),
            els: Box::new(vtree(ops, *b)),
        },
        _ => VTree::Leaf {
            node: n,
            deps: fact_deps(ops, n),
            manual: manual_deps(ops, n),
        },
    }
}

/// Exact rational of a decimal rate (0.05 → 5/100) through its shortest decimal text.
pub(super) fn rational(v: f64) -> Option<(i64, i64)> {
    let s = format!("{v}");
    if s.contains(['e', 'E', 'N', 'i']) {
        return None;
    }
    let (int, frac) = s.split_once('.').unwrap_or((&s, ""));
    if frac.len() > 12 {
        return None;
    }
    let den = 10i64.pow(frac.len() as u32);
    let num: i64 = format!("{int}{frac}").parse().ok()?;
    Some((num, den))
}

/// Compiles every file for the as-of date (of a rule with several versions, the one in force
/// that day: [`crate::versions::select`]). Names, cycles, parameter dates and band tables are
/// checked here; errors name the file and line.
pub fn compile(
    files: &[RuleFile],
    as_of: Date,
    overrides: &Overrides,
) -> Result<Plan, Vec<LoadError>> {
    let selected = crate::versions::select(files, as_of);
    let files: &[RuleFile] = &selected;
    let mut c = Compiler {
        files,
        as_of,
        overrides,
        ops: Vec::new(),
        units: Vec::new(),
        dedup: HashMap::new(),
        memo: HashMap::new(),
        stack: Vec::new(),
        tables: Vec::new(),
        table_ids: HashMap::new(),
        manual_keys: Vec::new(),
        max_offset: 0,
        refs: Vec::new(),
        evers: Vec::new(),
        sme_nodes: Vec::new(),
    };
    let mut errors = Vec::new();
    let mut rules = Vec::new();
    for (fi, f) in files.iter().enumerate() {
        // Names that would shadow a fact or an attribute make files ambiguous.
        let mut bad = false;
        let named = f
            .params
            .iter()
            .map(|p| (p.name.clone(), p.line))
            .chain(f.vars.iter().map(|v| (v.name.clone(), v.expr.line)))
            .chain(f.conditions.iter().map(|c| (c.id.clone(), c.expr.line)))
            .chain(f.manual.iter().map(|m| (m.name.clone(), m.line)));
        for (n, line) in named {
            if F::by_key(&n).is_some() || ATTRS.iter().any(|a| a.0 == n) || n == "sme" {
                errors.push(c.err(
                    fi,
                    line,
                    format!("名称「{n}」与企业指标或属性重名，请换一个名称"),
                ));
                bad = true;
            }
        }
        if bad {
            continue;
        }
        match compile_rule(&mut c, fi) {
            Ok(r) => rules.push(r),
            Err(e) => errors.push(e),
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let roots: Vec<NodeId> = rules.iter().flat_map(|r| r.nodes.iter().copied()).collect();
    let all_nodes = closure(&c.ops, &roots);
    let exact = integral_bounds(&c.ops, &c.tables)
        .into_iter()
        .map(|b| b.is_some_and(|b| b <= TWO_63))
        .collect();
    Ok(Plan {
        exact,
        as_of,
        ops: c.ops,
        units: c.units,
        tables: c.tables,
        manual_keys: c.manual_keys,
        rules,
        max_offset: c.max_offset,
        all_nodes,
        refs: c
            .refs
            .iter()
            .map(|(n, fi, off)| (*n, files[*fi].name.clone(), *off))
            .collect(),
        evers: c.evers,
        sme_nodes: c.sme_nodes,
    })
}

/// Compiles the files that can be applied on `as_of`: a file with no parameter value in force
/// that day (or depending on such a file through `ref`) is left out, and the reason returned —
/// a run over past years should not fail because a newer policy did not exist yet.
pub fn compile_for_run(files: &[RuleFile], as_of: Date) -> (Plan, Vec<LoadError>) {
    let mut skipped = Vec::new();
    let mut keep: Vec<RuleFile> = Vec::new();
    for f in crate::versions::select(files, as_of).iter() {
        match f.effective_to {
            Some(to) if to < as_of => skipped.push(LoadError {
                file: f.path.clone(),
                line: 0,
                msg: format!("「{}」已于{to}失效，不参与{as_of}的评价", f.name),
            }),
            _ => keep.push(f.clone()),
        }
    }
    loop {
        match compile(&keep, as_of, &Overrides::new()) {
            Ok(p) => return (p, skipped),
            Err(errs) => {
                let bad: Vec<_> = errs.iter().map(|e| e.file.clone()).collect();
                keep.retain(|f| !bad.contains(&f.path));
                skipped.extend(errs);
            }
        }
    }
}

pub(super) fn compile_rule(c: &mut Compiler, fi: usize) -> Result<RulePlan, LoadError> {
    let f = &c.files[fi];
    let mut items = Vec::new();
    for p in &f.params {
        let node = c.name(fi, &p.name, 0, p.line)?;
        items.push(Item {
            name: p.name.clone(),
            zh: p.zh.clone(),
            kind: ItemKind::Param,
            node,
            status: p.status,
            declared_unit: None,
        });
    }
    for m in &f.manual {
        let node = c.name(fi, &m.name, 0, m.line)?;
        items.push(Item {
            name: m.name.clone(),
            zh: m.zh.clone(),
            kind: ItemKind::Manual,
            node,
            status: Status::Confirmed,
            declared_unit: None,
        });
    }
    for v in &f.vars {
        let node = c.name(fi, &v.name, 0, v.expr.line)?;
        items.push(Item {
            name: v.name.clone(),
            zh: v.zh.clone(),
            kind: ItemKind::Var,
            node,
            status: Status::Confirmed,
            declared_unit: v.unit,
        });
    }
    let mut conditions = Vec::new();
    for cd in &f.conditions {
        let node = c.name(fi, &cd.id, 0, cd.expr.line)?;
        items.push(Item {
            name: cd.id.clone(),
            zh: cd.zh.clone(),
            kind: ItemKind::Condition,
            node,
            status: cd.status,
            declared_unit: None,
        });
        let deps = fact_deps(&c.ops, node);
        let levers = condition_levers(c, fi, cd, &deps)?;
        conditions.push(CondPlan {
            id: cd.id.clone(),
            zh: cd.zh.clone(),
            status: cd.status,
            note: cd.note.clone(),
            node,
            sub: closure(&c.ops, &[node]),
            deps,
            levers,
        });
    }
    let e = f.outcome.eligible.clone();
    let eligible = c.expr(fi, &e.ast, 0, e.line)?;
    let award = match &f.outcome.award {
        None => None,
        Some(a) => Some(compile_award(c, fi, a)?),
    };
    let recognised = match &f.recognised {
        None => None,
        Some(r) => Some(compile_recognised(c, fi, r)?),
    };
    let mut roots: Vec<NodeId> = items.iter().map(|i| i.node).collect();
    roots.push(eligible);
    if let Some(a) = &award {
        roots.push(a.base);
        roots.extend(a.cap);
    }
    let nodes = closure(&c.ops, &roots);
    let manual_nodes = manual_dependents(&c.ops, &nodes);
    let vt = rule_vtree(&c.ops, eligible, award.as_ref());
    Ok(RulePlan {
        file: fi,
        id: f.id.clone(),
        name: f.name.clone(),
        version: f.version.clone(),
        document: f.document.clone(),
        issuer: f.issuer.clone(),
        source: f.source.clone(),
        status: f.status,
        kind: f.kind,
        rung: f.rung,
        label: f.outcome.label.clone(),
        validity_years: f.outcome.validity_years,
        effective_from: f.effective_from,
        effective_to: f.effective_to,
        eligible,
        award,
        items,
        conditions,
        nodes,
        manual_nodes,
        vtree: vt,
        recognised,
    })
}

/// The facts a condition's smallest passing change may move: the file's `levers` (`key:-` for a
/// decrease), else every amount or count of the current year it reads (ranks are not levers).
fn condition_levers(
    c: &Compiler,
    fi: usize,
    cd: &crate::file::Condition,
    deps: &[(u16, u8)],
) -> Result<Vec<(u16, u8, bool)>, LoadError> {
    Ok(match &cd.levers {
        Some(ls) => {
            let mut out = Vec::new();
            for l in ls {
                let (key, dec) = match l.strip_suffix(":-") {
                    Some(k) => (k, true),
                    None => (l.strip_suffix(":+").unwrap_or(l), false),
                };
                let Some(fd) = F::by_key(key) else {
                    return Err(c.err(
                        fi,
                        cd.expr.line,
                        format!("条件「{}」的 levers 中没有名为「{key}」的指标", cd.id),
                    ));
                };
                out.push((fd as u16, 0u8, dec));
            }
            out
        }
        None => deps
            .iter()
            .filter(|(fd, o)| {
                // Ranks are not quantities one can "add"; only amounts and counts are levers.
                *o == 0
                    && !FIELDS[*fd as usize].key.ends_with("_rank")
                    && matches!(
                        FIELDS[*fd as usize].kind,
                        Kind::Money { .. } | Kind::Usd | Kind::Count
                    )
            })
            .map(|(fd, o)| (*fd, *o, false))
            .collect(),
    })
}

/// An award: its base, its rate as an exact rational (a constant) and its cap.
fn compile_award(
    c: &mut Compiler,
    fi: usize,
    a: &crate::file::Award,
) -> Result<AwardPlan, LoadError> {
    let base = c.expr(fi, &a.base.ast, 0, a.base.line)?;
    let rate_node = c.expr(fi, &a.rate.ast, 0, a.rate.line)?;
    let rate = c
        .const_of(rate_node)
        .and_then(rational)
        .ok_or_else(|| c.err(fi, a.rate.line, "奖励比例必须是常数（参数或数字），如 0.05"))?;
    let cap = a
        .cap
        .as_ref()
        .map(|x| c.expr(fi, &x.ast, 0, x.line))
        .transpose()?;
    Ok(AwardPlan {
        zh: a.zh.clone(),
        base,
        rate,
        cap,
    })
}

/// A `[recognised]` record: its node, the nodes to evaluate and the facts it reads, then its
/// `details`.
fn compile_recognised(
    c: &mut Compiler,
    fi: usize,
    r: &crate::file::Recognised,
) -> Result<RecognisedPlan, LoadError> {
    let node = c.expr(fi, &r.expr.ast, 0, r.expr.line)?;
    let mut deps = fact_deps(&c.ops, node);
    for d in &r.details {
        let Some(fd) = F::by_key(d) else {
            return Err(c.err(
                fi,
                r.line,
                format!("recognised 的 details 中没有名为「{d}」的指标"),
            ));
        };
        if !deps.contains(&(fd as u16, 0)) {
            deps.push((fd as u16, 0));
        }
    }
    Ok(RecognisedPlan {
        zh: r.zh.clone(),
        source: r.source.clone(),
        status: r.status,
        node,
        nodes: closure(&c.ops, &[node]),
        deps,
    })
}

/// The nodes of `nodes` (ascending) that depend on a manual item.
fn manual_dependents(ops: &[Op], nodes: &[NodeId]) -> Vec<NodeId> {
    let mut dep = vec![false; ops.len()];
    let mut v = Vec::new();
    for &n in nodes {
        let op = &ops[n as usize];
        let d = matches!(op, Op::Manual { .. }) || op.children().iter().any(|ch| dep[*ch as usize]);
        if d {
            dep[n as usize] = true;
            v.push(n);
        }
    }
    v
}

/// A rule's verification tree: its eligibility's, and with an award its base and its cap.
fn rule_vtree(ops: &[Op], eligible: NodeId, award: Option<&AwardPlan>) -> VTree {
    let mut vt = vtree(ops, eligible);
    if let Some(a) = award {
        let mut leaves = vec![vt];
        leaves.push(VTree::Leaf {
            node: a.base,
            deps: fact_deps(ops, a.base),
            manual: manual_deps(ops, a.base),
        });
        // A cap chosen by `if` rests on the branch taken (a higher cap on its verified reason).
        leaves.extend(a.cap.map(|n| vtree(ops, n)));
        vt = VTree::All(leaves);
    }
    vt
}

/// Per node, `Some(b)` when every value it takes with state [`OK`] is an integer `x` with
/// `|x| <= b` (facts are whole fen, counts or dates held as `i64`; truth values are 0 or 1);
/// `None` when that cannot be shown. Sums and products of integers are integers in floating
/// point too (every `f64` above 2^53 is one), so only the bound grows.
pub(super) fn integral_bounds(ops: &[Op], tables: &[CTable]) -> Vec<Option<f64>> {
    let mut b: Vec<Option<f64>> = Vec::with_capacity(ops.len());
    for op in ops {
        let v = integral_bound(op, &b, tables);
        b.push(v);
    }
    b
}

pub(super) fn integral_bound(op: &Op, b: &[Option<f64>], tables: &[CTable]) -> Option<f64> {
    let int = |x: f64| (x.is_finite() && x == x.trunc()).then_some(x.abs());
    let at = |n: &NodeId| b[*n as usize];
    let max_of = |v: &[NodeId]| v.iter().try_fold(0.0f64, |m, x| at(x).map(|x| m.max(x)));
    match op {
        Op::Const(c) => int(*c),
        Op::Fact { .. } => Some(TWO_63),
        Op::Attr(..) => Some(1e9),
        Op::Manual { .. } | Op::Floor(_) => None,
        Op::Neg(a) | Op::Abs(a) => at(a),
        Op::Not(_) | Op::Cmp(..) | Op::All(_) | Op::Any(_) | Op::Present(_) => Some(1.0),
        Op::Bin(BinOp::Add | BinOp::Sub, x, y) => Some(at(x)? + at(y)?),
        Op::Bin(BinOp::Mul, x, y) => Some(at(x)? * at(y)?),
        Op::Bin(BinOp::Div | BinOp::Pow, ..) => None,
        Op::Min(v) | Op::Max(v) if !v.is_empty() => max_of(v),
        Op::Min(_) | Op::Max(_) => None,
        Op::If(_, x, y) => Some(at(x)?.max(at(y)?)),
        Op::SumYears(v) => v.iter().try_fold(0.0f64, |s, (t, _)| at(t).map(|x| s + x)),
        Op::OpYears { n, .. } => Some(*n as f64),
        Op::Band { table, .. } => {
            let t = &tables[*table as usize];
            t.pts
                .iter()
                .chain([&t.undefined_points])
                .try_fold(0.0f64, |m, p| int(*p).map(|p| m.max(p)))
        }
        // Whole years or days between two dates of at most eight digits.
        Op::YearsSince(_) | Op::DaysSince(_) => Some(1e9),
    }
}

impl Plan {
    pub fn rule(&self, id: &str) -> Option<&RulePlan> {
        self.rules.iter().find(|r| r.id == id)
    }

    /// The cells (fiscal year, fact field) an evaluation of fiscal `year` reads: what a panel
    /// built for this plan needs to hold.
    pub fn facts_read(&self, year: i32) -> Vec<(i32, usize)> {
        let mut v: Vec<(i32, usize)> = self
            .all_nodes
            .iter()
            .filter_map(|n| match self.ops[*n as usize] {
                Op::Fact { field, offset } => Some((year - offset as i32, field as usize)),
                _ => None,
            })
            .collect();
        v.sort_unstable();
        v.dedup();
        v
    }

    /// The nodes batch evaluation reads (each rule's eligibility and everything under it, the
    /// award's base and cap, and with `verification` the alternatives of its verification
    /// tree), in ascending order: items a rule only names for explain are not computed per firm.
    pub fn batch_nodes(&self, verification: bool) -> Vec<NodeId> {
        let mut roots = Vec::new();
        for r in &self.rules {
            r.batch_reads(verification, &mut roots);
        }
        closure(&self.ops, &roots)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rational_rates_are_exact() {
        assert_eq!(rational(0.05), Some((5, 100)));
        assert_eq!(rational(0.5), Some((5, 10)));
        assert_eq!(rational(1.0), Some((1, 1)));
    }
}
