//! Synthetic 孵化载体 for the demo zone, labelled synthetic (names end in （演示）, every carrier
//! carries `synthetic`, every year's source is 演示数据), loaded by `gaoxin demo`.
//!
//! Calibration (the city's 14th-FYP plan, zone.md): the city had 41 national incubators and 60
//! national maker spaces in 2020 and aims at 60 and 85 by 2025; its 城市“硅巷” operated over
//! 100万 m² in 2020 and should exceed 300万 m² by 2025. The zone hosts a share of them — the
//! generator's assumption, not a figure from a source: about two thirds, so 27 national incubators
//! and 40 national maker spaces recognised by 2020, growing to 37 and 52 by 2024 (on the city's
//! path to its targets), and 硅巷 spaces only in 玄武园, 秦淮园 and 鼓楼园 (the opinions' 城市硅巷
//! parks) opening so that about 70万 m² operate in 2020 and about 170万 m² in 2024. Each park holds
//! 20–34 carriers (a few dozen). Sizes, rates and the ~3 % of unreported cells (missing, not 0) are
//! the generator's. Incubated firms are linked from the panel: about one firm in six, to a carrier
//! of its park, entering in a panel year so the ladder link has a rung at entry. Deterministic.
use crate::audit::Who;
use crate::carrier::CarrierError;
use gaoxin_model::rng::Xoshiro256;
use gaoxin_model::{Enterprise, Zone};
use gaoxin_store::{Carrier, CarrierImport, CarrierLink, CarrierYear, Store};

const FIELDS: [&str; 8] = [
    "人工智能",
    "集成电路",
    "生物医药",
    "新能源汽车",
    "智能制造",
    "新材料",
    "软件和信息服务",
    "未来网络",
];
const OPERATORS: [&str; 6] = [
    "科技发展有限公司",
    "创业投资管理有限公司",
    "大学科技园发展有限公司",
    "产业园运营有限公司",
    "科创服务有限公司",
    "孵化器管理有限公司",
];
/// The parks with 城市“硅巷” (the opinions: 玄武、秦淮、鼓楼).
const SILICON_ALLEY_PARKS: [&str; 3] = ["xuanwu", "qinhuai", "gulou"];

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

/// National recognitions: (kind, recognised by 2020, recognised 2021–2024).
const NATIONAL: [(&str, usize, usize); 2] = [("孵化器", 27, 10), ("众创空间", 40, 12)];

/// 硅巷 spaces: (count opened by 2020, count opened 2021–2024), each 2.5–5.5万 m².
const ALLEYS: (usize, usize) = (17, 23);

fn kind_of(r: &mut R) -> &'static str {
    match r.below(100) {
        0..=37 => "孵化器",
        38..=75 => "众创空间",
        76..=88 => "加速器",
        _ => "特色产业园",
    }
}

fn area_of(r: &mut R, kind: &str) -> i64 {
    let base = match kind {
        "孵化器" => 25_000.0,
        "众创空间" => 2_500.0,
        "加速器" => 40_000.0,
        "特色产业园" => 120_000.0,
        _ => 25_000.0 + 30_000.0 * r.unit(),
    };
    (base * (0.35 * r.normal()).exp()).round().max(300.0) as i64
}

/// The generated carriers and facts for `first_year..=last_year` over `zone`'s parks, with
/// incubated firms chosen among `firms`.
pub fn generate(
    zone: &Zone,
    firms: &[Enterprise],
    seed: u64,
    first_year: i32,
    last_year: i32,
) -> CarrierImport {
    let mut r = R(Xoshiro256::new(seed ^ 0x4341_5252));
    let mut out = CarrierImport::default();
    let mut opened: Vec<i64> = Vec::new();
    for park in &zone.parks {
        let n = 20 + r.below(15) as usize;
        for _ in 0..n {
            let kind = kind_of(&mut r);
            let founded = 2008 + r.below(15) as i64;
            out.carriers.push(carrier(
                &mut r,
                out.carriers.len(),
                kind,
                park.id.as_str(),
                founded,
            ));
            opened.push(founded);
        }
    }
    let alley_parks: Vec<&str> = zone
        .parks
        .iter()
        .map(|p| p.id.as_str())
        .filter(|p| SILICON_ALLEY_PARKS.contains(p))
        .collect();
    for k in 0..ALLEYS.0 + ALLEYS.1 {
        let Some(park) = alley_parks.get(k % alley_parks.len().max(1)) else {
            break;
        };
        let open = if k < ALLEYS.0 {
            2015 + (k % 6) as i64
        } else {
            2021 + ((k - ALLEYS.0) % 4) as i64
        };
        out.carriers
            .push(carrier(&mut r, out.carriers.len(), "硅巷空间", park, open));
        opened.push(open);
    }
    recognise(&mut r, &mut out.carriers, &mut opened);
    for (c, &open) in out.carriers.iter().zip(&opened) {
        let size = (0.5 * r.normal()).exp();
        let growth = 0.06 + 0.04 * r.normal();
        for year in first_year.max(open as i32)..=last_year {
            let age = f64::from(year) - open as f64 + 1.0;
            let s = size * (growth * age.min(8.0)).exp();
            out.years.push(CarrierYear {
                carrier_id: c.id.clone(),
                year: i64::from(year),
                values: facts(&mut r, &c.kind, s),
                source_file: "演示数据".into(),
                source_row: None,
                import_id: "demo".into(),
            });
        }
    }
    out.links = links(&mut r, &out.carriers, &opened, firms, first_year, last_year);
    out
}

fn carrier(r: &mut R, k: usize, kind: &str, park: &str, _founded: i64) -> Carrier {
    let field = r.pick(&FIELDS);
    let suffix = match kind {
        "孵化器" => "科技企业孵化器",
        "众创空间" => "众创空间",
        "加速器" => "企业加速器",
        "特色产业园" => "特色产业园",
        _ => "硅巷",
    };
    Carrier {
        id: format!("CAR-{:04}", k + 1),
        name: format!("{field}{suffix}{}号（演示）", k + 1),
        kind: kind.to_string(),
        operator: format!("南京{}{}（演示）", field, r.pick(&OPERATORS)),
        park: park.to_string(),
        level: String::new(),
        level_year: None,
        area_m2: Some(area_of(r, kind)),
        field: field.to_string(),
        synthetic: true,
    }
}

/// Levels: the national counts of [`NATIONAL`] (recognised no earlier than the carrier opened),
/// then about a third 省级 and a third 市级 of the rest.
fn recognise(r: &mut R, carriers: &mut [Carrier], opened: &mut [i64]) {
    for (kind, early, late) in NATIONAL {
        let idx: Vec<usize> = (0..carriers.len())
            .filter(|&i| carriers[i].kind == kind)
            .collect();
        for (j, &i) in idx.iter().take(early + late).enumerate() {
            let year = if j < early {
                2012 + (j % 9) as i64
            } else {
                2021 + ((j - early) % 4) as i64
            };
            opened[i] = opened[i].min(year - 1);
            carriers[i].level = "国家级".into();
            carriers[i].level_year = Some(year);
        }
    }
    for (c, &open) in carriers.iter_mut().zip(opened.iter()) {
        if !c.level.is_empty() || c.kind == "硅巷空间" {
            continue;
        }
        let l = match r.below(3) {
            0 => "省级",
            1 => "市级",
            _ => continue,
        };
        c.level = l.into();
        c.level_year = Some((open + 1 + r.below(4) as i64).min(2024));
    }
}

fn facts(r: &mut R, kind: &str, s: f64) -> [Option<i64>; 9] {
    let per = match kind {
        "众创空间" => 18.0,
        "加速器" => 22.0,
        "特色产业园" => 55.0,
        "硅巷空间" => 70.0,
        _ => 40.0,
    };
    let firms = (per * s * (1.0 + 0.15 * r.normal())).max(3.0);
    let wan = |x: f64| (x.max(0.0) * 1_000_000.0).round() as i64;
    let young = if kind == "众创空间" { 0.3 } else { 1.0 };
    let mut v = [
        Some(firms.round() as i64),
        Some((firms * (0.10 + 0.05 * r.unit())).round() as i64),
        Some(wan(firms
            * 320.0
            * young
            * s.sqrt()
            * (1.0 + 0.2 * r.normal()))),
        Some(wan(firms * 90.0 * s.sqrt() * (0.5 + r.unit()))),
        Some((firms * (0.8 + 1.2 * r.unit())).round() as i64),
        Some(((12.0 + 10.0 * r.unit()) * s.sqrt() * (2.0 - young)).round() as i64),
        Some((firms * (0.12 + 0.15 * r.unit())).round().max(1.0) as i64),
        Some((3.0 + 6.0 * s * r.unit()).round() as i64),
        Some(wan(per * 25.0 * s * (1.0 + 0.2 * r.normal()))),
    ];
    for x in v.iter_mut() {
        if r.unit() < 0.03 {
            *x = None;
        }
    }
    v
}

fn links(
    r: &mut R,
    carriers: &[Carrier],
    opened: &[i64],
    firms: &[Enterprise],
    first_year: i32,
    last_year: i32,
) -> Vec<CarrierLink> {
    let mut out = Vec::new();
    for f in firms {
        if r.below(6) != 0 {
            continue;
        }
        let entry = i64::from(f.founded.year()).max(i64::from(first_year)) + r.below(2) as i64;
        if entry >= i64::from(last_year) {
            continue;
        }
        let candidates: Vec<usize> = (0..carriers.len())
            .filter(|&i| {
                carriers[i].park == f.park.as_str()
                    && carriers[i].kind != "特色产业园"
                    && opened[i] <= entry
            })
            .collect();
        if candidates.is_empty() {
            continue;
        }
        let c = &carriers[candidates[r.below(candidates.len() as u64) as usize]];
        let grad = entry + 2 + r.below(3) as i64;
        out.push(CarrierLink {
            carrier_id: c.id.clone(),
            uscc: f.uscc.as_str().to_string(),
            entry_year: Some(entry),
            graduation_year: (grad <= i64::from(last_year) && r.unit() < 0.6).then_some(grad),
        });
    }
    out
}

/// Replaces the stored carriers with generated ones and evaluates every year (Monte Carlo for
/// the last). Returns (carriers, carrier-years, links).
pub async fn load(
    store: &Store,
    zone: &Zone,
    firms: &[Enterprise],
    seed: u64,
    first_year: i32,
    last_year: i32,
) -> Result<(usize, usize, usize), CarrierError> {
    let data = generate(zone, firms, seed, first_year, last_year);
    store.clear_carriers().await?;
    let event = crate::audit::event(
        &Who::system(),
        "carrier.import",
        None,
        "演示数据",
        serde_json::json!({ "carriers": data.carriers.len(), "links": data.links.len(), "synthetic": true }),
    );
    store
        .import_carriers(
            &gaoxin_store::Scope::Zone,
            &data,
            &[event],
            gaoxin_store::unix_now(),
        )
        .await?
        .map_err(|_| CarrierError::Invalid("演示数据写入失败".into()))?;
    for y in first_year..=last_year {
        let mc = if y == last_year { 500 } else { 0 };
        crate::carrier_eval::evaluate(store, Some(y), mc, &Who::system()).await?;
    }
    Ok((data.carriers.len(), data.years.len(), data.links.len()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::carrier_targets::measures_of;

    fn zone() -> Zone {
        Zone::parse(include_str!("../../../data/reference/zone.toml")).unwrap()
    }

    #[test]
    fn calibrated_to_the_plan_and_deterministic() {
        let z = zone();
        let d = generate(&z, &[], 7, 2019, 2024);
        for p in &z.parks {
            let n = d
                .carriers
                .iter()
                .filter(|c| c.park == p.id.as_str() && c.kind != "硅巷空间")
                .count();
            assert!((20..=34).contains(&n), "{}: {n}", p.name);
        }
        assert!(
            d.carriers
                .iter()
                .all(|c| c.synthetic && c.name.ends_with("（演示）"))
        );
        let sum = |y: i64| {
            measures_of(&d.carriers, &d.years, y)
                .values()
                .fold((0.0, 0.0, 0.0), |a, v| (a.0 + v.0, a.1 + v.1, a.2 + v.2))
        };
        let (inc, maker, area) = sum(2020);
        assert_eq!(
            (inc, maker),
            (27.0, 40.0),
            "two thirds of the city's 41 and 60"
        );
        assert!((55.0..=85.0).contains(&area), "{area} 万m² in 2020");
        let (inc, maker, area) = sum(2024);
        assert_eq!((inc, maker), (37.0, 52.0));
        assert!((140.0..=200.0).contains(&area), "{area} 万m² in 2024");
        assert_eq!(
            generate(&z, &[], 7, 2019, 2024).years,
            d.years,
            "deterministic"
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_demo_loads_evaluates_and_a_park_reads_its_own_on_both_backends() {
        let zone = zone();
        for store in gaoxin_store::testing::all().await.unwrap() {
            let (n, _, _) = load(&store, &zone, &[], 7, 2022, 2024).await.unwrap();
            let rep = crate::carrier_eval::latest(&store, &gaoxin_store::Scope::Zone, None)
                .await
                .unwrap()
                .unwrap();
            assert_eq!(rep.year, 2024);
            assert_eq!(rep.results.len(), n);
            assert!(rep.results.iter().all(|r| r.grade.is_some()));
            assert!(rep.results[0].rank_p05.is_some(), "Monte Carlo intervals");
            let park = zone.parks[0].id.clone();
            let mine =
                crate::carrier_eval::latest(&store, &gaoxin_store::Scope::Park(park.clone()), None)
                    .await
                    .unwrap()
                    .unwrap();
            assert!(!mine.results.is_empty());
            assert!(mine.results.iter().all(|r| r.park == park.as_str()));
        }
    }
}
