//! Bad text typed with a Chinese input method (full-width digits and brackets, CJK characters,
//! combining marks, emoji) gives an error, never a panic: the index crate's expression language
//! and its scheme files, under deterministic mutations of the shipped schemes.
use std::path::Path;

use gaoxin_index::expr::{parse_group, parse_row};
use gaoxin_index::park::ParkScheme;
use gaoxin_index::points::PointsScheme;

const WIDE: [&str; 14] = [
    "９", "（", "）", "，", "＝", "＞", "≥", "　", "独", "😀", "\u{301}", "％", "\"", "=",
];

fn next(seed: &mut u64, n: usize) -> usize {
    *seed ^= *seed << 13;
    *seed ^= *seed >> 7;
    *seed ^= *seed << 17;
    (*seed % n.max(1) as u64) as usize
}

fn mutate(text: &str, seed: &mut u64) -> String {
    let mut m = text.to_string();
    for _ in 0..1 + next(seed, 3) {
        let bounds: Vec<usize> = m.char_indices().map(|(i, _)| i).chain([m.len()]).collect();
        let at = bounds[next(seed, bounds.len())];
        match next(seed, 3) {
            0 => m.insert_str(at, WIDE[next(seed, WIDE.len())]),
            1 => {
                if let Some(c) = m[at..].chars().next() {
                    m.replace_range(at..at + c.len_utf8(), WIDE[next(seed, WIDE.len())]);
                }
            }
            _ => {
                let end = m[at..]
                    .char_indices()
                    .nth(2)
                    .map(|(i, _)| at + i)
                    .unwrap_or(m.len());
                m.replace_range(at..end, "");
            }
        }
    }
    m
}

#[test]
fn mutated_expressions_and_schemes_never_panic() {
    let mut seed = 0x2545_F491_4F6C_DD1D_u64;
    let exprs = [
        "sum(rd_expense_domestic) / sum(revenue)",
        "count(rd_expense_domestic / revenue >= 0.05 and revenue > 200)",
        "count(hightech_certified) - prev(count(hightech_certified))",
        "rd_expense / revenue * 100",
        "revenue >= 50 and not (rd_expense > 4)",
    ];
    for i in 0..600 {
        let m = mutate(exprs[i % exprs.len()], &mut seed);
        let r = std::panic::catch_unwind(|| {
            let _ = parse_group(&m);
            let _ = parse_row(&m);
        });
        assert!(r.is_ok(), "expression 「{m}」 panicked");
    }
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/schemes");
    let park = std::fs::read_to_string(dir.join("park-evaluation-2021.toml")).unwrap();
    let points = std::fs::read_to_string(dir.join("innovation-points-2024.toml")).unwrap();
    for i in 0..300 {
        let (text, is_park) = if i % 2 == 0 {
            (&park, true)
        } else {
            (&points, false)
        };
        let m = mutate(text, &mut seed);
        let r = std::panic::catch_unwind(|| {
            if is_park {
                let _ = ParkScheme::from_toml_str(&m, "park.toml");
            } else {
                let _ = PointsScheme::from_toml_str(&m, "points.toml");
            }
        });
        assert!(r.is_ok(), "mutated scheme panicked:\n{m}");
    }
}
