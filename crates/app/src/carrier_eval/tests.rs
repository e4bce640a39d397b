use super::*;
use gaoxin_store::CarrierLink;

#[test]
fn the_shipped_schemes_load_cover_every_kind_and_are_unconfirmed() {
    let s = schemes().unwrap();
    assert_eq!(s.len(), 2);
    assert!(s.iter().all(|s| !s.scheme.grades_confirmed));
    let names: Vec<&str> = s[0]
        .scheme
        .dimensions
        .iter()
        .map(|d| d.name.as_str())
        .collect();
    assert_eq!(names, ["服务能力", "孵化绩效", "可持续发展"]);
    assert!(s[0].structure.contains("国家级科技企业孵化器评价指标体系"));
    assert_eq!(s[1].kinds, ["众创空间"]);
}

const TEST_SCHEME: &str = r#"
group = "测试组"
kinds = ["孵化器"]
structure = "测试"
source = "test"
document = "test"
effective_from = "2024-01-01"
version = "t1"
grades_status = "UNCONFIRMED"
[[dimension]]
code = "S"
name = "服务"
weight = 0.4
weight_status = "UNCONFIRMED"
[[dimension]]
code = "P"
name = "绩效"
weight = 0.6
weight_status = "UNCONFIRMED"
[[indicator]]
code = "S1"
name = "服务活动"
dimension = "S"
weight = 1.0
weight_status = "UNCONFIRMED"
numerator = "services"
[[indicator]]
code = "P1"
name = "毕业企业"
dimension = "P"
weight = 1.0
weight_status = "UNCONFIRMED"
numerator = "graduated_firms"
[[indicator]]
code = "P2"
name = "梯度跃升"
dimension = "P"
weight = 1.0
weight_status = "UNCONFIRMED"
numerator = "firms_moved_up"
[[grade]]
name = "优秀"
min_total = 60
[[grade]]
name = "合格"
min_total = 30
[[grade]]
name = "不合格"
min_total = -1
[exit]
fail_grade = "不合格"
fail_streak = 2
decline_years = 3
status = "UNCONFIRMED"
"#;

fn carrier(id: &str) -> Carrier {
    Carrier {
        id: id.into(),
        name: format!("载体{id}"),
        kind: "孵化器".into(),
        operator: String::new(),
        park: "jiangbei".into(),
        level: String::new(),
        level_year: None,
        area_m2: None,
        field: String::new(),
        synthetic: false,
    }
}

fn year(id: &str, services: i64, graduated: i64) -> CarrierYear {
    let mut values = [None; 9];
    values[5] = Some(services);
    values[1] = Some(graduated);
    CarrierYear {
        carrier_id: id.into(),
        year: 2024,
        values,
        source_file: String::new(),
        source_row: None,
        import_id: String::new(),
    }
}

fn firm(c: &str, u: &str, entry: i64) -> CarrierFirm {
    CarrierFirm {
        link: CarrierLink {
            carrier_id: c.into(),
            uscc: u.into(),
            entry_year: Some(entry),
            graduation_year: None,
        },
        name: None,
        park: None,
    }
}

/// By hand (min–max over the three carriers, dimension = 100·mean of its indicators' scores,
/// total = 0.4·S + 0.6·P):
/// services A 10, B 20, C 30 → S: 0, 50, 100;
/// graduated A 5, B 1, C 3 → 1, 0, 0.5;
/// moved up: A's two firms both rose (2), B's one did not (0), C has no linked firm (missing) →
/// A 1, B 0, C missing; P: A 100, B 0, C 50 (its one known indicator);
/// totals: A 0.4·0 + 0.6·100 = 60, B 0.4·50 + 0 = 20, C 0.4·100 + 0.6·50 = 70;
/// ranks C 1, A 2, B 3; grades C 优秀, A 优秀 (60 is inclusive), B 不合格.
#[test]
fn a_hand_computed_example() {
    let s = parse_scheme(TEST_SCHEME, "test.toml").unwrap();
    let carriers = vec![carrier("A"), carrier("B"), carrier("C")];
    let years = vec![year("A", 10, 5), year("B", 20, 1), year("C", 30, 3)];
    let firms = vec![
        firm("A", "A1", 2021),
        firm("A", "A2", 2021),
        firm("B", "B1", 2022),
    ];
    let t = |xs: &[(i64, i32)]| xs.iter().copied().collect::<BTreeMap<_, _>>();
    let tiers: Tiers = [
        ("A1", t(&[(2021, 1), (2024, 2)])),
        ("A2", t(&[(2021, 0), (2023, 1)])),
        ("B1", t(&[(2022, 1), (2024, 1)])),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    let inp = Inputs {
        carriers: &carriers,
        years: &years,
        firms: &firms,
        tiers: &tiers,
    };
    let rep = report(&[s], &inp, 2024, 200).unwrap();
    let by = |id: &str| rep.results.iter().find(|r| r.id == id).unwrap();
    let close = |a: Option<f64>, b: f64| assert!((a.unwrap() - b).abs() < 1e-9, "{a:?} vs {b}");
    close(by("A").total, 60.0);
    close(by("B").total, 20.0);
    close(by("C").total, 70.0);
    close(by("C").dimensions[1], 50.0);
    assert_eq!(by("C").values[2], None, "no linked firm: missing, not 0");
    assert_eq!(by("A").values[2], Some(2.0));
    assert_eq!(
        rep.results
            .iter()
            .map(|r| r.id.as_str())
            .collect::<Vec<_>>(),
        ["C", "A", "B"]
    );
    assert_eq!(by("A").grade.as_deref(), Some("优秀"));
    assert_eq!(by("B").grade.as_deref(), Some("不合格"));
    assert!(by("A").rank_p05.is_some() && by("A").rank_p95.is_some());
    assert_eq!(rep.groups[0].count, 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_data_is_an_error_in_chinese() {
    let store = gaoxin_store::testing::sqlite().await.unwrap();
    let e = evaluate(&store, None, 0, &Who::cli()).await.unwrap_err();
    assert!(e.to_string().contains("请先导入"), "{e}");
}
