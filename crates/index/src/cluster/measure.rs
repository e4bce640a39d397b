//! The diagnosis of one year: one pass over the firms (cells, membership), one pass over the
//! links (linkage), then the per-cluster figures. See the module docs for the definitions.
use super::{
    Cell, ClusterDef, ClusterMeasure, LinkKind, Links, Overlap, Params, YearInput, YearMeasures,
    flag,
};
use crate::error::{IndexError, Result};
use std::collections::HashMap;

/// Per definition and park: counts accumulated in the firm pass.
#[derive(Clone, Default)]
struct Acc {
    firms: u64,
    employees: i128,
    revenue: i128,
    high_tech: u64,
    tiered: u64,
    leading_firm: bool,
    national: bool,
    rd_known: bool,
}

fn clamp_i64(v: i128) -> i64 {
    v.clamp(i64::MIN as i128, i64::MAX as i128) as i64
}

/// R's type-7 quantile of `xs` (sorted ascending, not empty).
pub(crate) fn quantile7(xs: &[f64], q: f64) -> f64 {
    let h = (xs.len() - 1) as f64 * q;
    let lo = h.floor() as usize;
    let hi = h.ceil() as usize;
    xs[lo] + (h - lo as f64) * (xs[hi] - xs[lo])
}

fn ratio(a: i128, b: i128) -> Option<f64> {
    (b != 0).then(|| a as f64 / b as f64)
}

/// The diagnosis of one year. `parks` are the zone's park ids (indexed by `YearInput::park`);
/// at most 64 definitions (bit masks).
pub fn diagnose(
    defs: &[ClusterDef],
    parks: &[String],
    params: &Params,
    input: &YearInput,
    links: &Links,
) -> Result<YearMeasures> {
    if defs.len() > 64 {
        return Err(IndexError::Data("集群定义超过64个".into()));
    }
    let n = input.len();
    let cols = [
        input.industry.len(),
        input.tags.len(),
        input.employees.len(),
        input.revenue.len(),
        input.flags.len(),
    ];
    if cols.iter().any(|&l| l != n) {
        return Err(IndexError::Data("集群诊断的输入列长度不一致".into()));
    }
    let park_of_def: Vec<u64> = park_masks(defs, parks)?;
    // definitions hosted by each park and in force: the membership mask of a firm there
    let mut hosted = vec![0u64; parks.len()];
    for (c, d) in defs.iter().enumerate() {
        if d.in_force(input.year) {
            for (p, h) in hosted.iter_mut().enumerate() {
                if park_of_def[c] >> p & 1 == 1 {
                    *h |= 1 << c;
                }
            }
        }
    }
    let code_bits: Vec<u64> = input
        .codes
        .iter()
        .map(|code| {
            defs.iter()
                .enumerate()
                .filter(|(_, d)| d.matches_code(code))
                .fold(0u64, |m, (c, _)| m | 1 << c)
        })
        .collect();
    let pass = firm_pass(defs, parks.len(), params, input, &code_bits, &hosted)?;
    let link_counts = link_pass(defs.len(), n, links, &pass.member)?;
    let leading = leading_members(defs.len(), input, &pass.member, params.leading_firms);
    let unlinked = unlinked_pairs(n, links, &leading);
    let mut cells = cells_of(&pass, parks.len());
    for row in &mut cells {
        if let Some(q) = strong_cutoff(row, params.strong_quantile) {
            for c in row.iter_mut() {
                c.strong = c.firms > 0 && c.lq.is_some_and(|l| l > 1.0 && l >= q);
            }
        }
    }
    let mut clusters = Vec::with_capacity(defs.len());
    for (c, d) in defs.iter().enumerate() {
        clusters.push(cluster_measure(
            c,
            d,
            park_of_def[c],
            params,
            input.year,
            &pass,
            &cells[c],
            &link_counts,
            &leading[c],
            &unlinked[c],
        ));
    }
    let overlaps = overlaps(defs, &park_of_def, input.year, &pass.code_revenue);
    Ok(YearMeasures {
        year: input.year,
        cells,
        clusters,
        overlaps,
        zone_firms: n as u64,
        zone_employees: clamp_i64(pass.zone_employees),
        park_employees: pass.park_employees.iter().map(|&e| clamp_i64(e)).collect(),
        links: links.from.len() as u64,
    })
}

fn park_masks(defs: &[ClusterDef], parks: &[String]) -> Result<Vec<u64>> {
    if parks.len() > 64 {
        return Err(IndexError::Data("园区超过64个".into()));
    }
    defs.iter()
        .map(|d| {
            d.parks.iter().try_fold(0u64, |m, p| {
                let i = parks.iter().position(|q| q == p).ok_or_else(|| {
                    IndexError::Data(format!("集群 {} 所在园区「{p}」不在园区名录中", d.id))
                })?;
                Ok(m | 1 << i)
            })
        })
        .collect()
}

struct Pass {
    /// acc[c * n_parks + p]
    acc: Vec<Acc>,
    n_parks: usize,
    zone_employees: i128,
    park_employees: Vec<i128>,
    /// Industry employment over the zone per definition.
    industry_employees: Vec<i128>,
    /// Membership mask per firm.
    member: Vec<u64>,
    /// Members' revenue by industry-code index, per definition.
    code_revenue: Vec<HashMap<u32, i128>>,
}

fn firm_pass(
    defs: &[ClusterDef],
    n_parks: usize,
    params: &Params,
    input: &YearInput,
    code_bits: &[u64],
    hosted: &[u64],
) -> Result<Pass> {
    let n = input.len();
    let mut acc = vec![Acc::default(); defs.len() * n_parks];
    let mut park_employees = vec![0i128; n_parks];
    let mut industry_employees = vec![0i128; defs.len()];
    let mut zone_employees = 0i128;
    let mut member = vec![0u64; n];
    let mut code_revenue = vec![HashMap::new(); defs.len()];
    let lead_rev = params.leading_revenue_fen();
    #[allow(clippy::needless_range_loop)] // eight columns indexed alike
    for i in 0..n {
        let p = input.park[i] as usize;
        if p >= n_parks {
            return Err(IndexError::Data(format!("第{i}家企业的园区编号越界")));
        }
        let code = input.industry[i] as usize;
        let bits = code_bits
            .get(code)
            .copied()
            .ok_or_else(|| IndexError::Data(format!("第{i}家企业的行业代码编号越界")))?
            | input.tags[i];
        let e = input.employees[i].unwrap_or(0) as i128;
        zone_employees += e;
        park_employees[p] += e;
        member[i] = bits & hosted[p];
        let f = input.flags[i];
        let rev = input.revenue[i];
        let mut rest = bits;
        while rest != 0 {
            let c = rest.trailing_zeros() as usize;
            rest &= rest - 1;
            industry_employees[c] += e;
            let a = &mut acc[c * n_parks + p];
            a.firms += 1;
            a.employees += e;
            a.revenue += rev.unwrap_or(0) as i128;
            a.high_tech += u64::from(f & flag::HIGH_TECH != 0);
            a.tiered += u64::from(f & flag::TIERED != 0);
            a.leading_firm |=
                f & flag::LISTED_OR_UNICORN != 0 || rev.is_some_and(|r| r >= lead_rev);
            a.national |= f & flag::NATIONAL_PLATFORM != 0;
            a.rd_known |= f & flag::RD_KNOWN != 0;
            if member[i] >> c & 1 == 1
                && let Some(r) = rev
            {
                *code_revenue[c].entry(code as u32).or_insert(0) += r as i128;
            }
        }
    }
    Ok(Pass {
        acc,
        n_parks,
        zone_employees,
        park_employees,
        industry_employees,
        member,
        code_revenue,
    })
}

/// Links per definition: [member–member by kind, member–institution by kind].
type LinkCounts = Vec<[[u64; 4]; 2]>;

fn link_pass(n_defs: usize, n: usize, links: &Links, member: &[u64]) -> Result<LinkCounts> {
    let mut counts = vec![[[0u64; 4]; 2]; n_defs];
    if links.to.len() != links.from.len() || links.kind.len() != links.from.len() {
        return Err(IndexError::Data("关联输入列长度不一致".into()));
    }
    for ((&a, &b), &k) in links.from.iter().zip(&links.to).zip(&links.kind) {
        let (a, b) = (a as usize, b as usize);
        let (bits, inst) = match (a < n, b < n) {
            (true, true) => (member[a] & member[b], 0),
            (true, false) => (member[a], 1),
            (false, true) => (member[b], 1),
            (false, false) => continue,
        };
        let mut rest = bits;
        while rest != 0 {
            let c = rest.trailing_zeros() as usize;
            rest &= rest - 1;
            counts[c][inst][k.index()] += 1;
        }
    }
    Ok(counts)
}

/// Per definition: up to `k` members with the largest revenue (ties: lower index first).
fn leading_members(n_defs: usize, input: &YearInput, member: &[u64], k: usize) -> Vec<Vec<u32>> {
    let mut top: Vec<Vec<(i64, u32)>> = vec![Vec::with_capacity(k + 1); n_defs];
    if k == 0 {
        return vec![Vec::new(); n_defs];
    }
    for (i, &m) in member.iter().enumerate() {
        if m == 0 {
            continue;
        }
        let Some(r) = input.revenue[i] else { continue };
        let mut rest = m;
        while rest != 0 {
            let c = rest.trailing_zeros() as usize;
            rest &= rest - 1;
            let t = &mut top[c];
            if t.len() == k && t[k - 1].0 >= r {
                continue;
            }
            let pos = t.partition_point(|&(v, _)| v >= r);
            t.insert(pos, (r, i as u32));
            t.truncate(k);
        }
    }
    top.into_iter()
        .map(|t| t.into_iter().map(|(_, i)| i).collect())
        .collect()
}

/// Per definition: pairs of its leading members with no link of any kind.
fn unlinked_pairs(n: usize, links: &Links, leading: &[Vec<u32>]) -> Vec<Vec<(u32, u32)>> {
    let mut mark: HashMap<u32, u64> = HashMap::new();
    for (c, l) in leading.iter().enumerate() {
        for &i in l {
            *mark.entry(i).or_insert(0) |= 1 << c;
        }
    }
    let mut linked: std::collections::HashSet<(u32, u32)> = Default::default();
    if !mark.is_empty() {
        for (&a, &b) in links.from.iter().zip(&links.to) {
            if (a as usize) < n
                && (b as usize) < n
                && mark.contains_key(&a)
                && mark.contains_key(&b)
            {
                linked.insert((a.min(b), a.max(b)));
            }
        }
    }
    leading
        .iter()
        .map(|l| {
            let mut out = Vec::new();
            for (x, &a) in l.iter().enumerate() {
                for &b in &l[x + 1..] {
                    if !linked.contains(&(a.min(b), a.max(b))) {
                        out.push((a, b));
                    }
                }
            }
            out
        })
        .collect()
}

/// Cells with LQ, focus and the strong flag.
fn cells_of(pass: &Pass, n_parks: usize) -> Vec<Vec<Cell>> {
    let n_defs = pass.industry_employees.len();
    (0..n_defs)
        .map(|c| {
            let share_zone = ratio(pass.industry_employees[c], pass.zone_employees);
            (0..n_parks)
                .map(|p| {
                    let a = &pass.acc[c * n_parks + p];
                    let focus = ratio(a.employees, pass.park_employees[p]);
                    let lq = match (focus, share_zone) {
                        (Some(f), Some(z)) if z > 0.0 => Some(f / z),
                        _ => None,
                    };
                    Cell {
                        firms: a.firms,
                        employees: clamp_i64(a.employees),
                        revenue: clamp_i64(a.revenue),
                        lq,
                        focus,
                        strong: false,
                    }
                })
                .collect()
        })
        .collect()
}

/// The `q` quantile of the LQs of one cluster industry over the parks with members.
fn strong_cutoff(cells: &[Cell], q: f64) -> Option<f64> {
    let mut lqs: Vec<f64> = cells
        .iter()
        .filter(|c| c.firms > 0)
        .filter_map(|c| c.lq)
        .collect();
    if lqs.is_empty() {
        return None;
    }
    lqs.sort_by(f64::total_cmp);
    Some(quantile7(&lqs, q))
}

#[allow(clippy::too_many_arguments)]
fn cluster_measure(
    c: usize,
    d: &ClusterDef,
    park_mask: u64,
    params: &Params,
    year: i32,
    pass: &Pass,
    cells: &[Cell],
    links: &LinkCounts,
    leading: &[u32],
    unlinked: &[(u32, u32)],
) -> ClusterMeasure {
    let mut a = Acc::default();
    let mut region_employees = 0i128;
    for p in (0..pass.n_parks).filter(|p| park_mask >> p & 1 == 1) {
        let x = &pass.acc[c * pass.n_parks + p];
        a.firms += x.firms;
        a.employees += x.employees;
        a.revenue += x.revenue;
        a.high_tech += x.high_tech;
        a.tiered += x.tiered;
        a.leading_firm |= x.leading_firm;
        a.national |= x.national;
        a.rd_known |= x.rd_known;
        region_employees += pass.park_employees[p];
    }
    let in_force = d.in_force(year);
    let focus = ratio(a.employees, region_employees);
    let lq = match (
        focus,
        ratio(pass.industry_employees[c], pass.zone_employees),
    ) {
        (Some(f), Some(z)) if z > 0.0 => Some(f / z),
        _ => None,
    };
    let cutoff = strong_cutoff(cells, params.strong_quantile);
    let strong =
        in_force && a.firms > 0 && matches!((lq, cutoff), (Some(l), Some(q)) if l > 1.0 && l >= q);
    let [member_links, institution_links] = if in_force { links[c] } else { [[0; 4]; 2] };
    let observed: u64 = member_links.iter().chain(&institution_links).sum();
    let expected = params.benchmark_degree * a.firms as f64 / 2.0;
    let linkage_index = (in_force && a.firms > 0).then(|| observed as f64 / expected);
    let loose = in_force
        && a.firms >= params.min_firms
        && linkage_index.is_some_and(|x| x < params.linkage_threshold);
    let missing_kinds = LinkKind::ALL
        .into_iter()
        .filter(|k| member_links[k.index()] + institution_links[k.index()] == 0)
        .collect();
    let members = in_force && a.firms > 0;
    ClusterMeasure {
        id: d.id.clone(),
        in_force,
        firms: if in_force { a.firms } else { 0 },
        employees: if in_force { clamp_i64(a.employees) } else { 0 },
        revenue: if in_force { clamp_i64(a.revenue) } else { 0 },
        lq: lq.filter(|_| in_force),
        focus: focus.filter(|_| in_force),
        strong,
        strong_cutoff: cutoff,
        high_tech_share: members.then(|| a.high_tech as f64 / a.firms as f64),
        tiered_share: members.then(|| a.tiered as f64 / a.firms as f64),
        employees_growth: None,
        revenue_growth: None,
        member_links,
        institution_links,
        observed,
        expected: if in_force { expected } else { 0.0 },
        linkage_index,
        loose,
        missing_kinds: if members { missing_kinds } else { Vec::new() },
        leading: leading.to_vec(),
        unlinked_leading: unlinked.to_vec(),
        gap_leading_firm: members.then_some(!a.leading_firm),
        gap_national_platform: if !members {
            None
        } else if a.national {
            Some(false)
        } else if a.rd_known {
            Some(true)
        } else {
            None
        },
        gap_new_rd_institution: None,
    }
}

/// Clusters of different parks with overlapping prefixes, with the cosine of their revenue mixes.
fn overlaps(
    defs: &[ClusterDef],
    park_of_def: &[u64],
    year: i32,
    code_revenue: &[HashMap<u32, i128>],
) -> Vec<Overlap> {
    let mut out = Vec::new();
    for a in 0..defs.len() {
        for b in a + 1..defs.len() {
            let (da, db) = (&defs[a], &defs[b]);
            if park_of_def[a] & park_of_def[b] != 0 || !da.in_force(year) || !db.in_force(year) {
                continue;
            }
            let mut shared: Vec<String> = Vec::new();
            for p in &da.industries {
                for q in &db.industries {
                    if p.starts_with(q.as_str()) || q.starts_with(p.as_str()) {
                        let s = if p.len() >= q.len() { p } else { q };
                        if !shared.contains(s) {
                            shared.push(s.clone());
                        }
                    }
                }
            }
            if shared.is_empty() {
                continue;
            }
            out.push(Overlap {
                a: da.id.clone(),
                b: db.id.clone(),
                shared_prefixes: shared,
                cosine: cosine(&code_revenue[a], &code_revenue[b]),
            });
        }
    }
    out
}

fn cosine(x: &HashMap<u32, i128>, y: &HashMap<u32, i128>) -> Option<f64> {
    let norm = |m: &HashMap<u32, i128>| m.values().map(|&v| (v as f64).powi(2)).sum::<f64>();
    let (nx, ny) = (norm(x), norm(y));
    if nx == 0.0 || ny == 0.0 {
        return None;
    }
    let dot: f64 = x
        .iter()
        .filter_map(|(k, &v)| y.get(k).map(|&w| v as f64 * w as f64))
        .sum();
    Some(dot / (nx.sqrt() * ny.sqrt()))
}

/// Fills each cluster's growth from the previous year's measures (same cluster id).
pub fn with_growth(mut cur: YearMeasures, prev: Option<&YearMeasures>) -> YearMeasures {
    let Some(prev) = prev else { return cur };
    for c in &mut cur.clusters {
        let Some(p) = prev.clusters.iter().find(|p| p.id == c.id) else {
            continue;
        };
        if !(c.in_force && p.in_force) {
            continue;
        }
        let g = |now: i64, before: i64| (before > 0).then(|| now as f64 / before as f64 - 1.0);
        c.employees_growth = g(c.employees, p.employees);
        c.revenue_growth = g(c.revenue, p.revenue);
    }
    cur
}
