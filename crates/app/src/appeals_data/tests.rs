use super::*;

pub(crate) fn shipped() -> AppealsConfig {
    let cal: Vec<(String, String)> = ["2024", "2025", "2026"]
        .iter()
        .map(|y| {
            (
                format!("{y}.toml"),
                CALENDAR
                    .shipped_text(&format!("{y}.toml"))
                    .unwrap()
                    .to_string(),
            )
        })
        .collect();
    AppealsConfig::parse(
        (
            "categories.toml",
            APPEALS.shipped_text("categories.toml").unwrap(),
        ),
        (
            "routing.toml",
            APPEALS.shipped_text("routing.toml").unwrap(),
        ),
        &cal,
    )
    .unwrap()
}

#[test]
fn shipped_files_parse_and_route_every_category() {
    let c = shipped();
    assert!(c.categories.len() >= 8);
    for x in &c.categories {
        let _ = c.route(&x.name);
        assert!(x.unconfirmed, "{}: no source sets this limit", x.name);
    }
    assert_eq!(
        c.route("融资"),
        Route::Department(DeptId::parse("jinrong").unwrap())
    );
    assert_eq!(c.route("园区配套"), Route::Park);
    assert!(c.department(DEMO_DEPARTMENT).is_some());
    assert_eq!(c.calendar.years(), (2024, 2026));
    assert!(c.parse_category("买菜").unwrap_err().contains("可选"));
}

#[test]
fn bad_files_are_refused() {
    let c = APPEALS.shipped_text("categories.toml").unwrap();
    let r = APPEALS.shipped_text("routing.toml").unwrap();
    let cal = vec![(
        "2025.toml".to_string(),
        CALENDAR.shipped_text("2025.toml").unwrap().to_string(),
    )];
    let e = AppealsConfig::parse(
        ("c", c),
        ("r", &r.replace("\"融资\" = \"jinrong\"", "")),
        &cal,
    )
    .unwrap_err();
    assert!(e.contains("融资") && e.contains("没有交办部门"), "{e}");
    let e = AppealsConfig::parse(
        ("c", c),
        (
            "r",
            &r.replace("\"融资\" = \"jinrong\"", "\"融资\" = \"nobody\""),
        ),
        &cal,
    )
    .unwrap_err();
    assert!(e.contains("nobody"), "{e}");
    let e = AppealsConfig::parse(
        ("c", &c.replace("limit_days = 5", "limit_days = 0")),
        ("r", r),
        &cal,
    )
    .unwrap_err();
    assert!(e.contains("大于0"), "{e}");
}

#[test]
fn suggestion_examples() {
    let c = shipped();
    assert_eq!(c.suggest("贷款难", "希望对接银行授信"), "融资");
    assert_eq!(c.suggest("", "专利被侵权"), "知识产权");
    assert_eq!(c.suggest("", "你好"), OTHER);
}

/// The accuracy of the suggested category on the hand-labelled set (data/appeals/labelled.tsv);
/// printed (`cargo test -p gaoxin-app suggestion_accuracy -- --nocapture`) and required ≥ 80 %.
#[test]
fn suggestion_accuracy_on_the_labelled_set() {
    let c = shipped();
    let text = include_str!("../../../../data/appeals/labelled.tsv");
    let mut n = 0;
    let mut right = 0;
    let mut per: std::collections::BTreeMap<&str, (u32, u32)> = Default::default();
    for line in text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
    {
        let (label, body) = line.split_once('\t').expect("category<TAB>text");
        assert!(c.category(label).is_some(), "unknown label {label}");
        let got = c.suggest("", body);
        n += 1;
        let e = per.entry(label).or_default();
        e.0 += 1;
        if got == label {
            right += 1;
            e.1 += 1;
        } else {
            println!("  ✗ {label} → {got}: {body}");
        }
    }
    let acc = f64::from(right) / f64::from(n);
    println!(
        "suggested category: {right}/{n} correct = {:.1} %",
        acc * 100.0
    );
    for (k, (t, r)) in &per {
        println!("  {k}: {r}/{t}");
    }
    assert!(n >= 80, "{n} labelled appeals");
    assert!(acc >= 0.80, "accuracy {acc}");
}
