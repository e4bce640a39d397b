//! The park evaluation's columnar path (`firm_columns_with_previous`, `park_report_columns`)
//! gives exactly what the row path gives: the same columns bit for bit, the same report and the
//! same input hash.

use gaoxin_index::load;
use gaoxin_index::panel::{firm_columns_with_previous, firm_rows_with_previous};
use gaoxin_index::park::FirmColumns;
use gaoxin_index::report::{ParkOptions, park_report, park_report_columns};
use gaoxin_model::provenance::Provenance;
use gaoxin_model::{Date, Enterprise, F, Facts, IndustryCode, Listing, ParkId, Sector, Uscc, Year};
use std::collections::BTreeMap;
use std::path::PathBuf;

/// xorshift64*: a deterministic zone without a dependency.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// A valid credit code for firm `i` (the check character computed as GB 32100 says).
fn uscc(i: usize) -> Uscc {
    const CS: &str = "0123456789ABCDEFGHJKLMNPQRTUWXY";
    const W: [u32; 17] = [
        1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
    ];
    let body = format!("91320100{:09}", i);
    let sum: u32 = body
        .chars()
        .zip(W)
        .map(|(c, w)| CS.find(c).unwrap() as u32 * w)
        .sum();
    let check = CS.chars().nth(((31 - sum % 31) % 31) as usize).unwrap();
    Uscc::parse(&format!("{body}{check}")).unwrap()
}

fn zone(n: usize) -> (Vec<Enterprise>, Vec<Facts>) {
    let parks = ["jiangbei", "xingang", "baixia", "qilin"];
    let listings = [Listing::Unlisted, Listing::Star, Listing::Neeq];
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut es = Vec::new();
    let mut fs = Vec::new();
    for i in 0..n {
        let e = Enterprise {
            uscc: uscc(i),
            name: format!("企业{i}"),
            park: ParkId::parse(parks[i % parks.len()]).unwrap(),
            founded: Date::new(2005 + rng.below(20) as i32, 1 + rng.below(12) as u8, 1).unwrap(),
            industry: IndustryCode::parse("C3911").unwrap(),
            sector: if i % 3 == 0 {
                Sector::Services
            } else {
                Sector::Manufacturing
            },
            tech_field: (i % 4 == 0).then(|| "高技术服务".to_string()),
            listing: listings[i % listings.len()],
            clusters: vec![],
            tracks: vec![],
            synthetic: true,
        };
        for year in 2021..=2024 {
            // some firms miss a year; a firm missing from `es` is skipped by both paths
            if rng.below(7) == 0 {
                continue;
            }
            let mut f = Facts::new(e.uscc.clone(), Year::new(year).unwrap());
            for field in F::ALL {
                if rng.below(3) == 0 {
                    continue;
                }
                let v = match field.def().kind {
                    gaoxin_model::Kind::Flag => rng.below(2) as i64,
                    gaoxin_model::Kind::Date => 20180101 + 10_000 * rng.below(7) as i64,
                    _ => rng.below(5_000_000_000) as i64,
                };
                f.set(*field, Some(v), Provenance::Declared);
            }
            fs.push(f);
        }
        es.push(e);
    }
    // facts of a firm the enterprise list does not hold
    let mut stray = Facts::new(uscc(n + 1), Year::new(2024).unwrap());
    stray.set(F::Revenue, Some(1), Provenance::Declared);
    fs.push(stray);
    (es, fs)
}

fn bits(fc: &FirmColumns) -> (Vec<String>, Vec<i32>, Vec<Vec<u64>>) {
    (
        fc.park.clone(),
        fc.year.clone(),
        fc.cols
            .iter()
            .map(|c| c.iter().map(|v| v.to_bits()).collect())
            .collect(),
    )
}

#[test]
fn columns_and_report_equal_the_row_path() {
    let (es, fs) = zone(400);
    let year = Year::new(2024).unwrap();
    let rows = firm_rows_with_previous(&es, &fs, year);
    let from_rows = FirmColumns::from_rows(&rows).unwrap();
    let direct = firm_columns_with_previous(&es, &fs, year);
    assert!(from_rows.year.len() > 600, "both years' rows");
    assert_eq!(bits(&direct), bits(&from_rows));

    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../data/schemes/park-evaluation-2021.toml");
    let scheme = load::park_scheme_from_path(&path).unwrap();
    let inputs = BTreeMap::new();
    let opts = ParkOptions {
        mc: 50,
        ..ParkOptions::default()
    };
    let a = park_report(&scheme, &rows, year, &inputs, None, &opts).unwrap();
    let b = park_report_columns(&scheme, &direct, year, &inputs, None, &opts).unwrap();
    assert_eq!(
        serde_json::to_string(&a).unwrap(),
        serde_json::to_string(&b).unwrap()
    );
    assert_eq!(a.input_hash, b.input_hash);
}
