//! Parsing of one rule file's text into a [`RuleFile`], by phase: the TOML itself, then the
//! declared names, parameters, band tables, manual items, variables and conditions, the outcome,
//! the recognised record, the effective dates and the file's own test cases.
use std::collections::BTreeMap;
use std::path::Path;

use toml::Spanned;

use super::*;

struct Ctx<'a> {
    path: &'a Path,
    text: &'a str,
}

impl Ctx<'_> {
    fn err(&self, span: std::ops::Range<usize>, msg: impl Into<String>) -> LoadError {
        LoadError {
            file: self.path.to_path_buf(),
            line: line_of(self.text, span.start),
            msg: msg.into(),
        }
    }
    fn date(&self, s: &Spanned<String>, what: &str) -> Result<gaoxin_model::Date, LoadError> {
        gaoxin_model::Date::parse(s.get_ref()).ok_or_else(|| {
            self.err(
                s.span(),
                format!(
                    "{what}「{}」不是有效日期（应为2016-01-01格式）",
                    s.get_ref()
                ),
            )
        })
    }
    fn expr(&self, s: &Spanned<String>, what: &str) -> Result<Expr, LoadError> {
        let src = s.get_ref();
        let line = line_of(self.text, s.span().start);
        let ast = expr::parse(src).map_err(|e| LoadError {
            file: self.path.to_path_buf(),
            line,
            msg: format!("{what}表达式「{src}」有误：{}", e.in_chars(src)),
        })?;
        Ok(Expr {
            ast,
            text: src.clone(),
            line,
        })
    }
    fn raw_expr(&self, s: &Spanned<RawExpr>, what: &str) -> Result<Expr, LoadError> {
        let text = match s.get_ref() {
            RawExpr::Num(v) => format!("{v}"),
            RawExpr::Text(t) => t.clone(),
        };
        self.expr(&Spanned::new(s.span(), text), what)
    }
}

/// Converts a written band bound to engine units.
pub(crate) fn bound(v: f64, unit: Option<&str>) -> Result<f64, String> {
    Ok(match unit {
        None => v,
        Some("%") => v / 100.0,
        Some("元") => v * 1e2,
        Some("万元") => v * 1e6,
        Some("亿元") => v * 1e10,
        Some("美元") => v * 1e2,
        Some("万美元") => v * 1e6,
        Some(u) => {
            return Err(format!(
                "不认识的单位「{u}」（可用：%、元、万元、亿元、美元、万美元）"
            ));
        }
    })
}

/// Parses one rule file's text. Names are checked later, by [`crate::plan::compile`].
pub fn parse_file(path: &Path, text: &str) -> Result<RuleFile, LoadError> {
    let cx = Ctx { path, text };
    let raw: RawFile = toml::from_str(text).map_err(|e| {
        let line = e.span().map(|s| line_of(text, s.start)).unwrap_or(0);
        LoadError {
            file: path.to_path_buf(),
            line,
            msg: translate_toml_error(e.message()),
        }
    })?;
    let mut names = Names::default();
    let mut params = Vec::new();
    for p in &raw.params {
        names.claim(&cx, &p.name)?;
        params.push(parse_param(&cx, p)?);
    }
    let mut tables = Vec::new();
    for t in &raw.tables {
        names.claim(&cx, &t.name)?;
        tables.push(parse_table(&cx, t)?);
    }
    let Items {
        manual,
        vars,
        conditions,
    } = parse_items(&cx, &raw, &mut names)?;
    let outcome = parse_outcome(&cx, &raw.outcome)?;
    let recognised = parse_recognised(&cx, &raw)?;
    let effective_from = cx.date(&raw.effective_from, "生效日期")?;
    let effective_to = raw
        .effective_to
        .as_ref()
        .map(|d| cx.date(d, "失效日期"))
        .transpose()?;
    if let Some(to) = effective_to
        && to < effective_from
    {
        return Err(cx.err(raw.effective_from.span(), "失效日期早于生效日期"));
    }
    let tests = parse_tests(&cx, &raw.tests)?;
    Ok(RuleFile {
        path: path.to_path_buf(),
        text: text.to_string(),
        id: raw.id.get_ref().clone(),
        name: raw.name,
        version: raw.version,
        document: raw.document,
        issuer: raw.issuer,
        effective_from,
        effective_to,
        source: raw.source,
        status: raw.status,
        kind: raw.kind,
        rung: raw.rung,
        notes: raw.notes,
        params,
        tables,
        manual,
        vars,
        conditions,
        outcome,
        recognised,
        tests,
    })
}

/// The names a file declares (parameters, tables, manual items, variables, conditions), with the
/// line of each: every name is an identifier and is declared once.
#[derive(Default)]
struct Names(BTreeMap<String, usize>);

impl Names {
    fn claim(&mut self, cx: &Ctx, n: &Spanned<String>) -> Result<(), LoadError> {
        let line = line_of(cx.text, n.span().start);
        let name = n.get_ref();
        if name.is_empty()
            || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            || name.chars().next().is_some_and(|c| c.is_ascii_digit())
        {
            return Err(cx.err(
                n.span(),
                format!("名称「{name}」只能由英文字母、数字和下划线组成，且不以数字开头"),
            ));
        }
        if let Some(prev) = self.0.insert(name.clone(), line) {
            return Err(cx.err(n.span(), format!("名称「{name}」重复（第{prev}行已定义）")));
        }
        Ok(())
    }
}

/// One parameter: its unit and its dated values (by date or by fiscal year), in date order.
fn parse_param(cx: &Ctx, p: &RawParam) -> Result<Param, LoadError> {
    let (unit, factor) = p.unit.engine();
    if p.values.is_empty() {
        return Err(cx.err(
            p.name.span(),
            format!("参数「{}」没有任何取值", p.name.get_ref()),
        ));
    }
    let mut values = Vec::new();
    let yearly = p.values.iter().any(|d| d.year.is_some());
    for d in &p.values {
        let from = match (&d.from, d.year) {
            (Some(f), None) if !yearly => cx.date(f, "参数生效日期")?,
            (None, Some(y)) => match gaoxin_model::Date::new(y, 1, 1) {
                Some(d) if (1900..=2200).contains(&y) => d,
                _ => {
                    return Err(cx.err(
                        p.name.span(),
                        format!("参数「{}」的年度 {y} 不是有效年份", p.name.get_ref()),
                    ));
                }
            },
            _ => {
                return Err(cx.err(
                    p.name.span(),
                    format!(
                        "参数「{}」的每个取值须写 from（生效日期）或 year（适用的财政年度）之一，且同一参数只能用一种写法",
                        p.name.get_ref()
                    ),
                ));
            }
        };
        values.push(Dated {
            from,
            year: d.year,
            value: d.value * factor,
        });
    }
    values.sort_by_key(|d| d.from);
    for w in values.windows(2) {
        if w[0].from == w[1].from {
            let when = match w[0].year {
                Some(y) => format!("{y}年度"),
                None => w[0].from.to_string(),
            };
            return Err(cx.err(
                p.name.span(),
                format!("参数「{}」在{when}有两个取值", p.name.get_ref()),
            ));
        }
    }
    Ok(Param {
        name: p.name.get_ref().clone(),
        zh: p.zh.clone(),
        unit,
        factor,
        status: p.status,
        source: p.source.clone(),
        values,
        yearly,
        line: line_of(cx.text, p.name.span().start),
    })
}

/// One band table: its bands (lower bound in engine units, inclusivity or cut wording), highest
/// first.
fn parse_table(cx: &Ctx, t: &RawTable) -> Result<Table, LoadError> {
    if t.bands.is_empty() {
        return Err(cx.err(
            t.name.span(),
            format!("分档表「{}」没有档位", t.name.get_ref()),
        ));
    }
    let mut bands = Vec::new();
    for (i, b) in t.bands.iter().enumerate() {
        let last = i + 1 == t.bands.len();
        let min = match (b.min, last) {
            (Some(m), _) => {
                Some(bound(m, b.min_unit.as_deref()).map_err(|m| cx.err(t.name.span(), m))?)
            }
            (None, true) => None,
            (None, false) => {
                return Err(cx.err(
                    t.name.span(),
                    format!(
                        "分档表「{}」的第{}档缺少下限 min（只有最后一档可以不写）",
                        t.name.get_ref(),
                        i + 1
                    ),
                ));
            }
        };
        if min.is_some() && b.incl.is_none() && b.cut.is_none() {
            return Err(cx.err(t.name.span(), format!("分档表「{}」的第{}档（{}）须写明下限是否包含本数 incl（以上/不低于/含 = true；超过 = false），或写明分界点的措辞 cut（以上 / 以下 / 区间）", t.name.get_ref(), i + 1, b.label)));
        }
        if b.incl.is_some() && b.cut.is_some() {
            return Err(cx.err(
                t.name.span(),
                format!(
                    "分档表「{}」的第{}档（{}）incl 与 cut 只能写一个",
                    t.name.get_ref(),
                    i + 1,
                    b.label
                ),
            ));
        }
        let cut = match &b.cut {
            None => None,
            Some(_) if min.is_none() => {
                return Err(cx.err(t.name.span(), format!("分档表「{}」的第{}档（{}）没有下限，不能写 cut", t.name.get_ref(), i + 1, b.label)));
            }
            Some(c) => Some(CutWording::parse(c).ok_or_else(|| {
                cx.err(t.name.span(), format!("分档表「{}」的第{}档（{}）的 cut「{c}」应为 以上 / 以下 / 区间（分界点由本档“X以上”、下一档“X以下”或两档均为区间表述）", t.name.get_ref(), i + 1, b.label))
            })?),
        };
        bands.push(Band {
            label: b.label.clone(),
            points: b.points,
            min,
            incl: match (&b.incl, cut) {
                (_, Some(wording)) => Incl::Cut(Cut {
                    wording,
                    named: t.named_cut.clone(),
                    unnamed: t.unnamed_cut.clone(),
                }),
                (Some(RawIncl::Fixed(x)), None) => Incl::Fixed(*x),
                (Some(RawIncl::Param(p)), None) => Incl::Param(p.clone()),
                (None, None) => Incl::Fixed(true),
            },
        });
    }
    for w in bands.windows(2) {
        if let (Some(a), Some(b)) = (w[0].min, w[1].min)
            && a < b
        {
            return Err(cx.err(
                t.name.span(),
                format!(
                    "分档表「{}」的档位须按下限从高到低排列（「{}」低于「{}」）",
                    t.name.get_ref(),
                    w[0].label,
                    w[1].label
                ),
            ));
        }
    }
    let undefined_points = t
        .undefined_points
        .unwrap_or(bands.last().map(|b| b.points).unwrap_or(0.0));
    Ok(Table {
        name: t.name.get_ref().clone(),
        zh: t.zh.clone(),
        status: t.status,
        bands,
        undefined_points,
        line: line_of(cx.text, t.name.span().start),
    })
}

/// A file's manual items, variables and conditions.
struct Items {
    manual: Vec<Manual>,
    vars: Vec<Var>,
    conditions: Vec<Condition>,
}

/// Manual (expert-scored) items, derived variables and conditions, each name claimed in order.
fn parse_items(cx: &Ctx, raw: &RawFile, names: &mut Names) -> Result<Items, LoadError> {
    let mut manual = Vec::new();
    for m in &raw.manual {
        names.claim(cx, &m.name)?;
        manual.push(Manual {
            name: m.name.get_ref().clone(),
            zh: m.zh.clone(),
            expert: m.expert.clone(),
            lo: cx.raw_expr(&m.lo, "下限")?,
            hi: cx.raw_expr(&m.hi, "上限")?,
            line: line_of(cx.text, m.name.span().start),
        });
    }
    let mut vars = Vec::new();
    for v in &raw.vars {
        names.claim(cx, &v.name)?;
        vars.push(Var {
            name: v.name.get_ref().clone(),
            zh: v.zh.clone(),
            expr: cx.expr(&v.expr, "变量")?,
            unit: v.unit,
        });
    }
    let mut conditions = Vec::new();
    for c in &raw.conditions {
        names.claim(cx, &c.id)?;
        conditions.push(Condition {
            id: c.id.get_ref().clone(),
            zh: c.zh.clone(),
            expr: cx.expr(&c.expr, "条件")?,
            status: c.status,
            levers: c.levers.clone(),
            note: c.note.clone(),
        });
    }
    Ok(Items {
        manual,
        vars,
        conditions,
    })
}

/// The outcome: label, eligibility, validity and the award (rounded down to the fen only).
fn parse_outcome(cx: &Ctx, o: &RawOutcome) -> Result<Outcome, LoadError> {
    let award = match &o.award {
        None => None,
        Some(a) => Some(Award {
            zh: {
                if let Some(r) = &a.rounding
                    && r.get_ref() != "down"
                {
                    return Err(cx.err(
                        r.span(),
                        format!(
                            "奖励取整方式「{}」不可用：只能写 rounding = \"down\"（按分向下取整，支付额不得超过政策允许的金额）",
                            r.get_ref()
                        ),
                    ));
                }
                a.zh.clone()
            },
            base: cx.expr(&a.base, "奖励基数")?,
            rate: cx.expr(&a.rate, "奖励比例")?,
            cap: a.cap.as_ref().map(|c| cx.expr(c, "奖励上限")).transpose()?,
        }),
    };
    Ok(Outcome {
        label: o.label.clone(),
        eligible: cx.expr(&o.eligible, "认定结论")?,
        validity_years: o.validity_years,
        award,
    })
}

/// The `[recognised]` record, allowed only in a file that defines a rung.
fn parse_recognised(cx: &Ctx, raw: &RawFile) -> Result<Option<Recognised>, LoadError> {
    Ok(match &raw.recognised {
        None => None,
        Some(r) => {
            if raw.rung.is_none() {
                return Err(cx.err(
                    r.expr.span(),
                    "recognised（已认定记录）只能写在定义梯级（rung）的规则文件中",
                ));
            }
            Some(Recognised {
                zh: r.zh.clone(),
                expr: cx.expr(&r.expr, "已认定记录")?,
                source: r.source.clone(),
                status: r.status,
                details: r.details.clone(),
                line: line_of(cx.text, r.expr.span().start),
            })
        }
    })
}

/// The file's test cases (`[[tests]]`), each with its line.
fn parse_tests(cx: &Ctx, raw: &[RawTest]) -> Result<Vec<TestCase>, LoadError> {
    let mut tests = Vec::new();
    let test_lines: Vec<usize> = cx
        .text
        .lines()
        .enumerate()
        .filter(|(_, l)| l.trim() == "[[tests]]")
        .map(|(i, _)| i + 1)
        .collect();
    for (i, t) in raw.iter().enumerate() {
        let line = test_lines.get(i).copied().unwrap_or(0);
        tests.push(parse_test(cx, t, line)?);
    }
    Ok(tests)
}

/// One test case: its facts by year (a list ends in the test's year), expectations and options.
fn parse_test(cx: &Ctx, t: &RawTest, line: usize) -> Result<TestCase, LoadError> {
    let terr = |msg: String| LoadError {
        file: cx.path.to_path_buf(),
        line,
        msg: format!("测试用例「{}」：{msg}", t.id),
    };
    let mut facts = BTreeMap::new();
    for (k, v) in &t.facts {
        let f = gaoxin_model::F::by_key(k).ok_or_else(|| terr(format!("没有名为「{k}」的指标")))?;
        let kind = f.def().kind;
        let conv = |val: &toml::Value| -> Result<i64, LoadError> {
            let s = match val {
                toml::Value::Integer(i) => i.to_string(),
                toml::Value::Float(x) => format!("{x}"),
                toml::Value::String(s) => s.clone(),
                toml::Value::Boolean(b) => if *b { "1" } else { "0" }.to_string(),
                other => {
                    return Err(terr(format!("「{k}」的值类型（{}）不对", other.type_str())));
                }
            };
            gaoxin_model::facts::parse_value(kind, &s)
                .map_err(|e| terr(format!("「{k}」：{e}")))?
                .ok_or_else(|| terr(format!("「{k}」的值为空")))
        };
        let mut by_year = BTreeMap::new();
        match v {
            toml::Value::Array(a) => {
                let n = a.len() as i32;
                for (j, x) in a.iter().enumerate() {
                    by_year.insert(t.year - n + 1 + j as i32, conv(x)?);
                }
            }
            toml::Value::Table(tb) => {
                for (y, x) in tb {
                    let y: i32 = y
                        .parse()
                        .map_err(|_| terr(format!("「{k}」的年份「{y}」不是整数")))?;
                    by_year.insert(y, conv(x)?);
                }
            }
            x => {
                by_year.insert(t.year, conv(x)?);
            }
        }
        facts.insert(k.clone(), by_year);
    }
    let mut expect = BTreeMap::new();
    for (k, v) in &t.expect {
        let e = match v {
            toml::Value::String(s) => {
                Expected::Verdict(crate::verdict::Verdict::parse(s).ok_or_else(|| {
                    terr(format!(
                        "期望「{k}」应为 pass / fail / unknown，而不是「{s}」"
                    ))
                })?)
            }
            toml::Value::Integer(i) => Expected::Number(*i as f64),
            toml::Value::Float(x) => Expected::Number(*x),
            toml::Value::Boolean(b) => Expected::Bool(*b),
            other => {
                return Err(terr(format!(
                    "期望「{k}」的值类型（{}）不对",
                    other.type_str()
                )));
            }
        };
        expect.insert(k.clone(), e);
    }
    for k in &t.verified {
        if gaoxin_model::F::by_key(k).is_none() {
            return Err(terr(format!("verified 中没有名为「{k}」的指标")));
        }
    }
    Ok(TestCase {
        id: t.id.clone(),
        note: t.note.clone(),
        year: t.year,
        as_of: t
            .as_of
            .as_ref()
            .map(|s| {
                gaoxin_model::Date::parse(s)
                    .ok_or_else(|| terr(format!("as_of「{s}」不是有效日期")))
            })
            .transpose()?,
        assumption: t.assumption,
        firm: t.firm.clone(),
        facts,
        verified: t.verified.clone(),
        params: t.params.clone(),
        manual: t.manual.clone(),
        expect,
        line,
    })
}

/// Puts serde/toml's English messages into plain Chinese where the pattern is known.
pub(crate) fn translate_toml_error(msg: &str) -> String {
    let m = msg.trim();
    if let Some(rest) = m.strip_prefix("unknown field `") {
        let field = rest.split('`').next().unwrap_or("");
        let expected = rest
            .split_once("expected ")
            .map(|(_, e)| e.replace('`', ""))
            .unwrap_or_default();
        return format!("不认识的字段「{field}」（可用的字段：{expected}）");
    }
    if let Some(rest) = m.strip_prefix("missing field `") {
        let field = rest.split('`').next().unwrap_or("");
        return format!("缺少必填字段「{field}」");
    }
    if m.starts_with("invalid type") {
        return format!("类型错误：{m}");
    }
    if m.starts_with("unknown variant") {
        return format!("取值不在可选范围内：{m}");
    }
    format!("TOML 格式错误：{m}")
}
