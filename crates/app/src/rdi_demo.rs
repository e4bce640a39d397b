//! Synthetic 新型研发机构 for the demo zone, labelled synthetic (names end in （演示）, every row
//! carries `synthetic`), loaded by `gaoxin demo`.
//!
//! Calibration (zone.md §5–6): the city had 409 new R&D institutions in 2020; the high-tech zone
//! hosts most of them, so the generator founds institutions from 2012 on at a pace that puts
//! about 250 in the zone's parks in 2020 and about 300 by 2024. Their combined revenue with their
//! incubated firms is set near the plan's goal (> 200亿 by 2025): about 150–200亿 in 2024. Each
//! institution grows at its own rate; about one in twenty declines over its last years (so the
//! exit warnings have cases) and about 3 % of the cells are left unreported (missing, not 0).
//! Sizes and rates are the generator's assumptions, not figures from a source. Deterministic.
use crate::audit::Who;
use crate::rdi::RdiError;
use gaoxin_model::rng::Xoshiro256;
use gaoxin_model::{Enterprise, Zone};
use gaoxin_store::{Institution, InstitutionYear, RdiImport, Store};

const FIELDS: [&str; 8] = [
    "人工智能",
    "集成电路",
    "生物医药",
    "新能源汽车",
    "智能制造",
    "新材料",
    "软件和信息服务",
    "节能环保",
];
const PARTNERS: [&str; 11] = [
    "南京大学",
    "东南大学",
    "南京航空航天大学",
    "南京理工大学",
    "河海大学",
    "中国科学院南京分院",
    "南京邮电大学",
    "南京工业大学",
    "中国药科大学",
    "清华大学",
    "北京大学",
];
const FORMS: [&str; 3] = ["企业", "事业单位", "民办非企业单位"];
const SUFFIX: [&str; 4] = ["研究院", "创新研究院", "技术研究院", "产业技术研究院"];

struct R(Xoshiro256);

impl R {
    fn below(&mut self, n: u64) -> u64 {
        self.0.next_u64() % n.max(1)
    }
    fn unit(&mut self) -> f64 {
        self.0.unit()
    }
    fn normal(&mut self) -> f64 {
        let (u, v) = (self.unit().max(1e-12), self.unit());
        (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
    }
    fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[self.below(xs.len() as u64) as usize]
    }
}

/// How many institutions exist in the zone at the end of `year` (the generator's founding pace).
fn founded_by(year: i32) -> usize {
    match year {
        ..=2011 => 0,
        2012..=2016 => ((year - 2011) * 20) as usize,
        2017..=2020 => 100 + ((year - 2016) * 38) as usize,
        _ => 252 + ((year - 2020).min(6) * 12) as usize,
    }
}

/// The generated institutions and facts for `first_year..=last_year` over `zone`'s parks, with
/// incubated firms chosen among `firms`.
pub fn generate(
    zone: &Zone,
    firms: &[Enterprise],
    seed: u64,
    first_year: i32,
    last_year: i32,
) -> RdiImport {
    let mut r = R(Xoshiro256::new(seed ^ 0x5244_4931));
    let total = founded_by(last_year.max(2012));
    let mut out = RdiImport::default();
    for k in 0..total {
        let founded = (2012..=last_year)
            .find(|&y| founded_by(y) > k)
            .unwrap_or(last_year);
        // 江北新区 (the first park) hosts about a quarter, the rest spread over the parks
        let park = if r.unit() < 0.25 || zone.parks.len() < 2 {
            &zone.parks[0]
        } else {
            &zone.parks[1 + r.below(zone.parks.len() as u64 - 1) as usize]
        };
        let field = r.pick(&FIELDS);
        let p1 = r.pick(&PARTNERS);
        let p2 = r.pick(&PARTNERS);
        let partners = if p1 == p2 {
            p1.to_string()
        } else {
            format!("{p1}；{p2}")
        };
        let id = format!("RDI-{:04}", k + 1);
        out.institutions.push(Institution {
            id: id.clone(),
            name: format!(
                "{}{}{}{}号（演示）",
                p1.chars().take(4).collect::<String>(),
                field,
                SUFFIX[k % 4],
                k + 1
            ),
            partners,
            park: park.id.to_string(),
            field: field.to_string(),
            founded: Some(i64::from(founded)),
            legal_form: r.pick(&FORMS).to_string(),
            synthetic: true,
        });
        let quality = r.normal();
        let growth = 0.10 + 0.06 * quality;
        let decliner = r.unit() < 0.05;
        let size = (0.6 * r.normal() + 0.3 * quality).exp();
        for year in first_year.max(founded)..=last_year {
            let age = f64::from(year - founded + 1);
            let mut g = growth * age.min(6.0) + 0.08 * r.normal();
            if decliner && year > last_year - 3 {
                g -= 0.25 * f64::from(year - (last_year - 3));
            }
            let scale = size * g.exp() * (age / (age + 2.0));
            let staff = (60.0 * scale).max(8.0);
            let researchers = staff * (0.45 + 0.15 * r.unit());
            let wan = |x: f64| (x.max(0.0) * 1_000_000.0).round() as i64;
            let mut values = [
                Some(wan(900.0 * scale * (1.0 + 0.1 * r.normal()))),
                Some(staff.round() as i64),
                Some(researchers.round() as i64),
                Some((age * 1.5 * scale).round() as i64),
                Some(wan(1100.0
                    * scale
                    * scale.sqrt()
                    * (1.0 + 0.15 * r.normal()))),
                Some(
                    (researchers * 0.25 * (1.0 + 0.3 * r.normal()))
                        .max(0.0)
                        .round() as i64,
                ),
                Some((12.0 * scale * (1.0 + 0.3 * r.normal())).max(0.0).round() as i64),
                Some(wan(350.0 * scale * (1.0 + 0.2 * r.normal()))),
                Some(wan(500.0 * size / age.sqrt() * (1.0 + 0.2 * r.normal()))),
                Some(wan(520.0 * scale * (1.0 + 0.15 * r.normal()))),
                Some((scale * 1.2).floor() as i64),
                Some((staff * 0.05).round() as i64),
            ];
            for v in values.iter_mut() {
                if r.unit() < 0.03 {
                    *v = None;
                }
            }
            out.years.push(InstitutionYear {
                institution_id: id.clone(),
                year: i64::from(year),
                values,
            });
        }
    }
    // incubated firms: about one firm in thirty, founded after its institution, same park when
    // one is there
    for f in firms {
        if r.below(30) != 0 {
            continue;
        }
        let candidates: Vec<&Institution> = out
            .institutions
            .iter()
            .filter(|i| {
                i.park == f.park.as_str()
                    && i.founded.is_some_and(|y| y <= i64::from(f.founded.year()))
            })
            .collect();
        if candidates.is_empty() {
            continue;
        }
        let i = candidates[r.below(candidates.len() as u64) as usize];
        out.incubations
            .push((f.uscc.as_str().to_string(), i.id.clone()));
    }
    out
}

/// Replaces the stored institutions with generated ones and evaluates every year (Monte Carlo
/// for the last). Returns (institutions, institution-years).
pub async fn load(
    store: &Store,
    zone: &Zone,
    firms: &[Enterprise],
    seed: u64,
    first_year: i32,
    last_year: i32,
) -> Result<(usize, usize), RdiError> {
    let data = generate(zone, firms, seed, first_year, last_year);
    store.clear_rdi().await?;
    let event = crate::audit::event(
        &Who::system(),
        "rdi.import",
        None,
        "演示数据",
        serde_json::json!({ "institutions": data.institutions.len(), "synthetic": true }),
    );
    store
        .import_rdi(
            &gaoxin_store::Scope::Zone,
            &data,
            &[event],
            gaoxin_store::unix_now(),
        )
        .await?
        .map_err(|_| RdiError::Invalid("演示数据写入失败".into()))?;
    for y in first_year..=last_year {
        let mc = if y == last_year { 500 } else { 0 };
        crate::rdi_eval::evaluate(store, Some(y), mc, &Who::system()).await?;
    }
    Ok((data.institutions.len(), data.years.len()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn zone() -> Zone {
        Zone::parse(include_str!("../../../data/reference/zone.toml")).unwrap()
    }

    #[test]
    fn calibrated_counts_and_revenue() {
        let d = generate(&zone(), &[], 7, 2019, 2024);
        assert_eq!(d.institutions.len(), 300);
        let in_2020 = d
            .institutions
            .iter()
            .filter(|i| i.founded.unwrap() <= 2020)
            .count();
        assert!(
            (230..=270).contains(&in_2020),
            "{in_2020}: most of the city's 409"
        );
        // own revenue + incubated firms' revenue in 2024, in 亿元
        let yi: f64 = d
            .years
            .iter()
            .filter(|y| y.year == 2024)
            .map(|y| (y.values[4].unwrap_or(0) + y.values[9].unwrap_or(0)) as f64 / 1e10)
            .sum();
        assert!((100.0..=260.0).contains(&yi), "{yi} 亿元");
        assert_eq!(
            generate(&zone(), &[], 7, 2019, 2024).years,
            d.years,
            "deterministic"
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_demo_loads_evaluates_and_a_park_reads_its_own_on_both_backends() {
        let zone = zone();
        for store in gaoxin_store::testing::all().await.unwrap() {
            let (n, _) = load(&store, &zone, &[], 7, 2021, 2024).await.unwrap();
            assert_eq!(n, 300);
            let rep = crate::rdi_eval::latest(&store, &gaoxin_store::Scope::Zone, None)
                .await
                .unwrap()
                .unwrap();
            assert_eq!(rep.year, 2024);
            assert_eq!(rep.results.len(), 300);
            assert!(rep.results.iter().all(|r| r.grade.is_some()));
            assert!(rep.results[0].rank_p05.is_some(), "Monte Carlo intervals");
            assert!(!rep.warnings.is_empty(), "the decliners are warned");
            let park = zone.parks[0].id.clone();
            let mine =
                crate::rdi_eval::latest(&store, &gaoxin_store::Scope::Park(park.clone()), None)
                    .await
                    .unwrap()
                    .unwrap();
            assert!(!mine.results.is_empty());
            assert!(mine.results.iter().all(|r| r.park == park.as_str()));
            assert!(mine.warnings.iter().all(|r| r.park == park.as_str()));
        }
    }
}
