//! The bulk reads ([`Store::panel`]: one row per firm, decoded on a thread of its own;
//! [`Store::for_each_row_in`]: one row per firm, streamed) give back exactly what was written, on
//! both backends, for every scope and year range.
use crate::scope::Scope;
use gaoxin_model::provenance::Provenance;
use gaoxin_model::{Date, Enterprise, F, Facts, IndustryCode, Listing, ParkId, Sector, Uscc, Year};

fn firm(i: u32, park: &str) -> Enterprise {
    Enterprise {
        uscc: Uscc::from_body(&format!("91320100MA{i:07}")).unwrap(),
        name: format!("企业{i}"),
        park: ParkId::parse(park).unwrap(),
        founded: Date::new(2010 + (i % 10) as i32, 3, 1).unwrap(),
        industry: IndustryCode::parse("C3911").unwrap(),
        sector: if i.is_multiple_of(2) {
            Sector::Manufacturing
        } else {
            Sector::Services
        },
        tech_field: i.is_multiple_of(3).then(|| "电子信息".to_string()),
        listing: if i.is_multiple_of(4) {
            Listing::Star
        } else {
            Listing::Unlisted
        },
        clusters: vec![],
        tracks: if i.is_multiple_of(5) {
            vec!["ic".into()]
        } else {
            vec![]
        },
        synthetic: true,
    }
}

#[tokio::test]
async fn the_bulk_reads_give_what_was_written_in_every_scope_and_year_range() {
    for store in crate::testing::all().await.unwrap() {
        let parks = ["jiangbei", "xingang", "qilin"];
        // inserted out of code order; one firm without facts in any year
        let es: Vec<Enterprise> = (0..30u32)
            .rev()
            .map(|i| firm(i, parks[i as usize % 3]))
            .collect();
        let mut fs = Vec::new();
        for (k, e) in es.iter().enumerate().skip(1) {
            for year in 2020..=2024 {
                if (k + year as usize).is_multiple_of(4) {
                    continue;
                }
                let mut f = Facts::new(e.uscc.clone(), Year::new(year).unwrap());
                f.set(
                    F::Revenue,
                    Some(k as i64 * 1_000 + year as i64),
                    Provenance::Verified("税务".into()),
                );
                f.set(F::Employees, Some(k as i64), Provenance::Declared);
                fs.push(f);
            }
        }
        let mut tx = store.begin_import().await.unwrap();
        tx.write_enterprises(&es).await.unwrap();
        tx.write_facts(&fs).await.unwrap();
        tx.commit().await.unwrap();
        let y = |v| Year::new(v).unwrap();
        let scopes = [
            Scope::Zone,
            Scope::Park(ParkId::parse("xingang").unwrap()),
            Scope::Enterprise(es[3].uscc.clone()),
        ];
        for scope in &scopes {
            for years in [None, Some((y(2023), y(2024))), Some((y(2021), y(2021)))] {
                // what was written, in scope and range, by code and then year
                let in_scope = |e: &Enterprise| match scope {
                    Scope::Zone => true,
                    Scope::Park(p) => e.park == *p,
                    Scope::Enterprise(u) => e.uscc == *u,
                    _ => unreachable!("only these scopes are tried"),
                };
                let in_range = |f: &Facts| years.is_none_or(|(a, b)| f.year >= a && f.year <= b);
                let mut want_fs: Vec<Facts> = fs
                    .iter()
                    .filter(|f| {
                        in_range(f) && in_scope(es.iter().find(|e| e.uscc == f.uscc).unwrap())
                    })
                    .cloned()
                    .collect();
                want_fs.sort_by(|a, b| (a.uscc.as_str(), a.year).cmp(&(b.uscc.as_str(), b.year)));
                let mut want_es: Vec<Enterprise> = es
                    .iter()
                    .filter(|e| want_fs.iter().any(|f| f.uscc == e.uscc))
                    .cloned()
                    .collect();
                want_es.sort_by(|a, b| a.uscc.as_str().cmp(b.uscc.as_str()));
                let apart = store.panel(scope, years).await.unwrap();
                if *scope == Scope::Zone {
                    assert!(apart.0.len() > 15 && apart.1.len() >= apart.0.len());
                }
                assert_eq!(
                    apart,
                    (want_es.clone(), want_fs.clone()),
                    "panel {scope:?} {years:?}"
                );
                let (mut streamed_es, mut streamed_fs) = (Vec::<Enterprise>::new(), Vec::new());
                let n = store
                    .for_each_row_in(scope, None, years, |e, f| {
                        assert_eq!(e.uscc, f.uscc, "each firm-year with its own firm");
                        if streamed_es.last().is_none_or(|l| l.uscc != e.uscc) {
                            streamed_es.push(e.clone());
                        }
                        streamed_fs.push(f);
                        Ok(())
                    })
                    .await
                    .unwrap();
                assert_eq!(n as usize, want_fs.len());
                assert_eq!(
                    (streamed_es, streamed_fs),
                    (want_es, want_fs),
                    "streamed {scope:?} {years:?}"
                );
            }
        }
    }
}

/// The bulk reads carry every fact as one packed text column; they must give back exactly what
/// the per-column read of [`Store::facts_of`] gives: every field, NULLs, negative values and
/// integers beyond 2^53 (no float on the way), on both backends.
#[tokio::test]
async fn the_packed_bulk_read_equals_the_per_column_read() {
    for store in crate::testing::all().await.unwrap() {
        let es: Vec<Enterprise> = (0..6u32).map(|i| firm(i, "jiangbei")).collect();
        let mut fs = Vec::new();
        for (k, e) in es.iter().enumerate() {
            let mut f = Facts::new(e.uscc.clone(), Year::new(2024).unwrap());
            for i in 0..gaoxin_model::N_FIELDS {
                // every field: NULL for some firms, else a value of its own
                if (i + k) % 3 == 0 {
                    continue;
                }
                let v = match (i + k) % 5 {
                    0 => -(i as i64) * 1_000_003,
                    1 => 9_007_199_254_740_993 + i as i64,
                    2 => 0,
                    _ => i as i64 * 7 + k as i64,
                };
                f.values[i] = Some(v);
                f.provenance[i] = Provenance::Declared;
            }
            fs.push(f);
        }
        let mut tx = store.begin_import().await.unwrap();
        tx.write_enterprises(&es).await.unwrap();
        tx.write_facts(&fs).await.unwrap();
        tx.commit().await.unwrap();
        let (_, bulk) = store.panel(&Scope::Zone, None).await.unwrap();
        assert_eq!(bulk.len(), es.len());
        for f in &bulk {
            let one = store.facts_of(&Scope::Zone, &f.uscc).await.unwrap();
            assert_eq!(one.len(), 1);
            assert_eq!(f, &one[0], "{}", f.uscc);
            let written = fs.iter().find(|w| w.uscc == f.uscc).unwrap();
            assert_eq!(f.values, written.values, "as written");
        }
        let mut streamed = Vec::new();
        store
            .for_each_row(&Scope::Zone, None, None, |_, f| {
                streamed.push(f);
                Ok(())
            })
            .await
            .unwrap();
        assert_eq!(streamed, bulk);
    }
}
