//! The city plan's carrier targets (60 national incubators and 85 national maker spaces by 2025,
//! 41 and 60 in 2020; 城市“硅巷” above 300万 m²) computed from the carrier records, per park and
//! year, as measures of `gaoxin_index::panel::Measures` (`national_incubators`,
//! `national_maker_spaces`, `silicon_alley_10k_m2`; definitions in `index::panel::MEASURES`).
//! The plan's figures are the city's; the platform holds the zone's carriers, so the figures are
//! the zone's share (高新区口径). Without carrier records in scope the targets stay 需要数据.
use gaoxin_index::panel::Measures;
use gaoxin_store::{Carrier, CarrierYear, Scope, Store};
use std::collections::{BTreeMap, BTreeSet};

/// The three measures of `year` per park: (national incubators, national maker spaces, 硅巷
/// area in 万 m² of the spaces operating — reporting facts — that year).
pub fn measures_of(
    carriers: &[Carrier],
    years: &[CarrierYear],
    year: i64,
) -> BTreeMap<String, (f64, f64, f64)> {
    let operating: BTreeSet<&str> = years
        .iter()
        .filter(|y| y.year == year)
        .map(|y| y.carrier_id.as_str())
        .collect();
    let mut out: BTreeMap<String, (f64, f64, f64)> = BTreeMap::new();
    for c in carriers {
        let e = out.entry(c.park.clone()).or_default();
        let national = c.level == "国家级" && c.level_year.is_none_or(|y| y <= year);
        match c.kind.as_str() {
            "孵化器" if national => e.0 += 1.0,
            "众创空间" if national => e.1 += 1.0,
            "硅巷空间" if operating.contains(c.id.as_str()) => {
                e.2 += c.area_m2.unwrap_or(0) as f64 / 10_000.0
            }
            _ => {}
        }
    }
    out
}

/// Adds the carrier measures per park for the panel's years (without a panel: the carriers'
/// years) to `m` — only when the scope holds carrier records.
pub async fn add_target_measures(
    store: &Store,
    scope: &Scope,
    m: &mut Measures,
) -> Result<(), gaoxin_store::Error> {
    let carriers = store.carriers(scope).await?;
    if carriers.is_empty() {
        return Ok(());
    }
    let years = store.carrier_years(scope, None).await?;
    let mut ys = m.years();
    ys.extend(years.iter().map(|y| y.year as i32));
    ys.sort_unstable();
    ys.dedup();
    for y in ys {
        for (park, (inc, maker, area)) in measures_of(&carriers, &years, i64::from(y)) {
            m.set_given("national_incubators", y, &park, inc);
            m.set_given("national_maker_spaces", y, &park, maker);
            m.set_given("silicon_alley_10k_m2", y, &park, area);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(id: &str, kind: &str, level: &str, year: Option<i64>, area: Option<i64>) -> Carrier {
        Carrier {
            id: id.into(),
            name: id.into(),
            kind: kind.into(),
            operator: String::new(),
            park: "jiangbei".into(),
            level: level.into(),
            level_year: year,
            area_m2: area,
            field: String::new(),
            synthetic: false,
        }
    }

    fn y(id: &str, year: i64) -> CarrierYear {
        CarrierYear {
            carrier_id: id.into(),
            year,
            values: [None; 9],
            source_file: String::new(),
            source_row: None,
            import_id: String::new(),
        }
    }

    #[test]
    fn counts_by_kind_level_recognition_year_and_operating_area() {
        let carriers = vec![
            c("I1", "孵化器", "国家级", Some(2018), None),
            c("I2", "孵化器", "国家级", Some(2023), None),
            c("I3", "孵化器", "省级", Some(2015), None),
            c("M1", "众创空间", "国家级", None, None),
            c("S1", "硅巷空间", "", None, Some(150_000)),
            c("S2", "硅巷空间", "", None, Some(50_000)),
        ];
        let years = vec![y("S1", 2022), y("S1", 2024), y("S2", 2024)];
        let m = measures_of(&carriers, &years, 2022);
        assert_eq!(m["jiangbei"], (1.0, 1.0, 15.0));
        let m = measures_of(&carriers, &years, 2024);
        assert_eq!(m["jiangbei"], (2.0, 1.0, 20.0));
    }

    #[tokio::test]
    async fn the_targets_show_figures_once_carriers_are_recorded() {
        let zone =
            gaoxin_model::Zone::parse(include_str!("../../../data/reference/zone.toml")).unwrap();
        let store = gaoxin_store::testing::sqlite().await.unwrap();
        let current = |v: &[gaoxin_index::report::TargetView], id: &str| {
            v.iter().find(|t| t.id == id).map(|t| t.current)
        };
        let before = crate::indicators::targets(&store, &zone, &Scope::Zone, None)
            .await
            .unwrap();
        assert_eq!(current(&before, "c-national-incubators"), Some(None));
        let import = gaoxin_store::CarrierImport {
            carriers: vec![c("I1", "孵化器", "国家级", Some(2018), None)],
            years: vec![y("I1", 2024)],
            links: vec![],
        };
        store
            .import_carriers(&Scope::Zone, &import, &[], 1)
            .await
            .unwrap()
            .unwrap();
        let after = crate::indicators::targets(&store, &zone, &Scope::Zone, None)
            .await
            .unwrap();
        assert_eq!(current(&after, "c-national-incubators"), Some(Some(1.0)));
    }
}
