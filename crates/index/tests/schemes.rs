//! The shipped scheme files load, carry their labels, and run end to end on synthetic firms.

use gaoxin_index::aggregate::AggMethod;
use gaoxin_index::load;
use gaoxin_index::normalise::Normaliser;
use gaoxin_index::park::{FirmColumns, Status};
use gaoxin_index::points::PointsInput;
use gaoxin_index::sensitivity::{Choice, Nominal, Uncertainty};
use gaoxin_index::stats;
use gaoxin_index::synth;
use gaoxin_index::treat::TreatParams;
use std::collections::BTreeMap;
use std::path::PathBuf;

fn scheme_path(f: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../data/schemes")
        .join(f)
}

#[test]
fn park_scheme_file_end_to_end() {
    let s = load::park_scheme_from_path(&scheme_path("park-evaluation-2021.toml")).unwrap();
    assert_eq!(
        s.document,
        "国科发火〔2021〕106号 国家高新技术产业开发区综合评价指标体系"
    );
    assert_eq!(s.dimensions.len(), 5);
    assert_eq!(s.dimensions[0].name, "创新能力和创业活跃度");
    assert_eq!(
        (s.dimensions[0].weight, s.dimensions[0].weight_status),
        (0.2, Status::Confirmed)
    );
    assert!(
        s.dimensions[1..]
            .iter()
            .all(|d| d.weight_status == Status::Unconfirmed)
    );
    let i11 = s.indicators.iter().find(|i| i.code == "1.1").unwrap();
    let i12 = s.indicators.iter().find(|i| i.code == "1.2").unwrap();
    assert_eq!((i11.weight, i12.weight), (0.8, 1.2));
    assert_eq!(s.unconfirmed().len(), 4 + s.indicators.len() - 2);

    let firms = synth::firms(15, 40, &[2023, 2024], 5);
    let mut inputs = BTreeMap::new();
    for p in 1..=15 {
        inputs.insert(
            (format!("P{p:02}"), "3.1".to_string()),
            0.2 + 0.02 * p as f64,
        );
    }
    let values = s.compute_indicators(&firms, 2024, &inputs).unwrap();
    assert_eq!(values.n_rows(), 15);
    // prev() indicators are defined since 2023 is present
    assert!(values.column("2.4").unwrap().iter().all(|v| v.is_finite()));
    let e = s.evaluate(&values, &BTreeMap::new()).unwrap();
    let total = e.scores.column("Total").unwrap();
    assert!(total.iter().all(|t| (0.0..=100.0).contains(t)));
    let mut r = e.rank.clone();
    r.sort();
    assert_eq!(r[0], 1);
    // energy intensity is reversed: the lowest value scores 1
    assert_eq!(e.normalised.value("P01", "3.1"), Some(1.0));

    // Monte Carlo over the general engine on the same structure; an indicator equal in every
    // park (1.8: no firm of the synthetic zone is registered) cannot be normalised, so the run
    // uses the indicators that vary
    let full = s.meta().unwrap();
    let varying: Vec<String> = (0..values.n_cols())
        .filter(|&j| stats::min(values.col(j)) < stats::max(values.col(j)))
        .map(|j| values.codes[j].clone())
        .collect();
    assert!(varying.len() < values.n_cols() && varying.len() > 10);
    let meta = full.restrict(&varying).unwrap();
    let values = values.select_cols(&varying).unwrap();
    let nominal = Nominal {
        treat: Some(TreatParams::default()),
        normaliser: Normaliser::MinMax { lo: 1.0, hi: 100.0 },
        aggregation: AggMethod::Arithmetic,
        weights: meta.weights(None).unwrap(),
        dat_thresh: 0.0,
        output: "Total".into(),
    };
    let choices = vec![
        Choice::WeightNoise {
            noise: 0.25,
            levels: vec![1, 2],
            n_sets: 200,
        },
        Choice::Normaliser(vec![
            Normaliser::MinMax { lo: 1.0, hi: 100.0 },
            Normaliser::ZScore {
                mean: 10.0,
                sd: 2.0,
            },
        ]),
        Choice::Aggregation(vec![AggMethod::Arithmetic, AggMethod::Geometric]),
        Choice::Winmax(vec![0, 5]),
    ];
    let u = Uncertainty::new(&meta, &values, nominal, choices, 1).unwrap();
    let mc = u.monte_carlo(2000, 2);
    assert_eq!(mc.units.len(), 15);
    for i in 0..15 {
        assert!(mc.q05_rank[i] <= mc.median_rank[i] && mc.median_rank[i] <= mc.q95_rank[i]);
        assert!((1.0..=15.0).contains(&mc.median_rank[i]));
    }
    let sob = u.sobol(300, 2);
    assert!(sob.st.iter().any(|t| *t > 0.05), "{sob:?}");
}

#[test]
fn points_scheme_file_end_to_end() {
    let s = load::points_scheme_from_path(&scheme_path("innovation-points-2024.toml")).unwrap();
    assert_eq!(s.groups, vec!["技术创新", "成长经营", "辅助"]);
    // issue 11 §13: the indicators are placeholders, and the scheme says so for every page
    let notice = s.notice.as_deref().expect("placeholder notice");
    assert!(notice.contains("18项") && notice.contains("16项") && notice.contains("占位"));
    assert_eq!(s.indicators.len(), 16);
    assert_eq!(
        s.stages.iter().map(|x| x.name.as_str()).collect::<Vec<_>>(),
        vec!["初创期", "成长期", "稳定期"]
    );
    assert!(
        s.indicators
            .iter()
            .all(|i| i.weight_status == Status::Unconfirmed)
    );
    for st in &s.stages {
        let total: f64 = s.indicators.iter().map(|i| i.weights[&st.code]).sum();
        assert_eq!(total, 100.0, "weights of stage {} sum to 100", st.code);
    }
    let input = synth::points_input(5000, 4, 9);
    let r = s.compute(&input, &BTreeMap::new()).unwrap();
    let max_bonus: f64 = s.bonus.iter().map(|b| b.points).sum();
    let max_neg: f64 = s.negative.iter().map(|b| b.points).sum();
    for &t in &r.total {
        assert!(t >= -max_neg && t <= 100.0 + max_bonus, "{t}");
    }
    assert!(r.stage.contains(&0) && r.stage.contains(&2));
    // from firm rows too
    let rows = synth::firms(2, 20, &[2024], 3);
    let (inp, zones): (PointsInput, _) =
        PointsInput::from_firms(&FirmColumns::from_rows(&rows).unwrap());
    assert_eq!(zones, vec!["P01", "P02"]);
    assert_eq!(s.compute(&inp, &BTreeMap::new()).unwrap().total.len(), 40);
}

#[test]
fn park_scheme_has_the_indicators_found_in_the_public_implementations() {
    use gaoxin_index::park::{Confidence, FirmRow, Source};
    let s = load::park_scheme_from_path(&scheme_path("park-evaluation-2021.toml")).unwrap();
    let ind = |c: &str| {
        s.indicators
            .iter()
            .find(|i| i.code == c)
            .unwrap_or_else(|| panic!("indicator {c} missing"))
    };
    // issue 11 §13: in both public code bases …
    for c in ["3.2", "3.3", "3.4", "5.1", "5.5"] {
        assert_eq!(ind(c).confidence, Confidence::Medium, "{c}");
    }
    // … and in one of them
    for c in ["2.10", "3.7", "3.8", "3.9", "5.8", "5.9", "5.10"] {
        assert_eq!(ind(c).confidence, Confidence::Low, "{c}");
    }
    assert_eq!(s.indicators.len(), 46);
    assert_eq!(ind("3.2").direction, -1.0, "CO₂ growth: lower is better");
    assert!(s.indicators.iter().all(|i| !i.basis.is_empty()));
    // the order of the official table: by dimension, then number
    let key = |c: &str| {
        let (a, b) = c.split_once('.').unwrap();
        (a.parse::<u32>().unwrap(), b.parse::<u32>().unwrap())
    };
    assert!(
        s.indicators
            .windows(2)
            .all(|w| key(&w[0].code) < key(&w[1].code))
    );
    // 5.6 counts firms listed during the year: the panel has no listing date
    assert_eq!(ind("5.6").source, Source::ParkInput);
    // 2.7 is venture capital; equity financing is broader: flagged as a proxy
    assert!(ind("2.7").proxy && ind("2.7").note.as_deref().unwrap().contains("风险投资"));
    // 5.5 and 5.8 come from the panel
    let rows = vec![
        FirmRow::new("A", 2024)
            .with("gazelle_first_year", 2024.0)
            .with("year", 2024.0)
            .with("rd_institution", 4.0),
        FirmRow::new("A", 2024)
            .with("gazelle_first_year", 2022.0)
            .with("year", 2024.0)
            .with("rd_institution", 3.0),
        FirmRow::new("B", 2024)
            .with("year", 2024.0)
            .with("rd_institution", 4.0),
    ];
    let v = s.compute_indicators(&rows, 2024, &BTreeMap::new()).unwrap();
    assert_eq!(v.value("A", "5.5"), Some(1.0));
    assert_eq!(v.value("B", "5.5"), Some(0.0));
    assert_eq!(v.value("A", "5.8"), Some(1.0));
    assert_eq!(v.value("B", "5.8"), Some(1.0));
    // two named dimension weight sets, neither confirmed
    let names: Vec<&str> = s.weight_sets.iter().map(|w| w.name.as_str()).collect();
    assert_eq!(names, vec!["equal-20", "20-20-15-15-30"]);
    let w = s.meta().unwrap().weights(Some("20-20-15-15-30")).unwrap();
    assert_eq!(
        ["D1", "D2", "D3", "D4", "D5"].map(|d| w[d]),
        [0.20, 0.20, 0.15, 0.15, 0.30]
    );
    assert!(
        s.weight_sets
            .iter()
            .all(|w| w.status == Status::Unconfirmed)
    );
}
