use super::*;
use crate::sheet_rows::read;

fn zone() -> Zone {
    Zone::parse(include_str!("../../../../data/reference/zone.toml")).unwrap()
}

fn csv(lines: &[&str]) -> Vec<u8> {
    lines.join("\n").into_bytes()
}

#[test]
fn facts_and_store_columns_agree() {
    assert!(columns_agree());
}

#[test]
fn the_template_reads_back_with_its_own_headers() {
    let bytes = template().unwrap();
    let (h, rows) = read(bytes).unwrap();
    assert_eq!(h.len(), headers().len());
    assert!(columns(&h, &headers(), &["载体编号", "年度"]).is_ok());
    assert_eq!(rows.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn import_is_all_or_nothing_merges_and_keeps_provenance_on_both_backends() {
    let zone = zone();
    let park = zone.parks[0].name.clone();
    for store in gaoxin_store::testing::all().await.unwrap() {
        let good = csv(&[
            "载体编号,载体名称,载体类型,园区,级别,认定年份,面积（平方米）,年度,在孵企业（家）,在孵企业营业收入（万元）",
            &format!("C1,甲孵化器,孵化器,{park},国家级,2019,\"12,000\",2023,40,100.5"),
            "C1,,,,,,,2024,45,",
        ]);
        let s = import(&store, &zone, &Scope::Zone, "载体.csv", good, &Who::cli())
            .await
            .unwrap()
            .unwrap();
        assert_eq!((s.carriers, s.years), (1, 2));
        let c = store.carrier(&Scope::Zone, "C1").await.unwrap().unwrap();
        assert_eq!((c.level.as_str(), c.area_m2), ("国家级", Some(12_000)));
        let ys = store.carrier_years(&Scope::Zone, Some("C1")).await.unwrap();
        assert_eq!(ys[0].values[2], Some(100_500_000), "100.5 万元 in fen");
        assert_eq!(ys[1].values[2], None, "blank is missing, not 0");
        assert_eq!(ys[0].source_file, "载体.csv");
        assert_eq!(ys[0].source_row, Some(2));
        assert_eq!(ys[1].source_row, Some(3));
        assert_eq!(ys[0].import_id, s.import_id);
        // a bad row writes nothing, and the message names the row and the column
        let bad = csv(&[
            "载体编号,载体名称,载体类型,园区,年度,在孵企业营业收入（万元）",
            &format!("C2,乙空间,众创空间,{park},2024,12"),
            &format!("C3,丙空间,咖啡馆,{park},2024,abc"),
        ]);
        let e = import(&store, &zone, &Scope::Zone, "b.csv", bad, &Who::cli())
            .await
            .unwrap()
            .unwrap_err();
        assert!(e.iter().any(|m| m.contains("第3行「载体类型」")), "{e:?}");
        assert!(
            e.iter()
                .any(|m| m.contains("第3行「在孵企业营业收入（万元）」")),
            "{e:?}"
        );
        assert!(store.carrier(&Scope::Zone, "C2").await.unwrap().is_none());
        // a blank cell keeps the stored value; 清空 clears it
        let merge = csv(&[
            "载体编号,年度,在孵企业（家）,在孵企业营业收入（万元）",
            "C1,2023,,清空",
        ]);
        import(&store, &zone, &Scope::Zone, "m.csv", merge, &Who::cli())
            .await
            .unwrap()
            .unwrap();
        let ys = store.carrier_years(&Scope::Zone, Some("C1")).await.unwrap();
        assert_eq!(ys[0].values[0], Some(40));
        assert_eq!(ys[0].values[2], None);
        assert_eq!(ys[0].source_file, "m.csv");
        // the incubated firms' file
        let links = csv(&[
            "载体编号,统一社会信用代码,入孵年份,毕业年份",
            "C1,91440300708461136T,2020,2023",
        ]);
        let s = import(&store, &zone, &Scope::Zone, "l.csv", links, &Who::cli())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(s.links, 1);
        let bad = csv(&[
            "载体编号,统一社会信用代码,入孵年份,毕业年份",
            "C1,91440300708461136T,2022,2021",
            "C9,91440300708461136T,2022,",
        ]);
        let e = import(&store, &zone, &Scope::Zone, "l.csv", bad, &Who::cli())
            .await
            .unwrap()
            .unwrap_err();
        assert!(e[0].contains("第2行「毕业年份」"), "{e:?}");
        assert!(e[1].contains("第3行「载体编号」"), "{e:?}");
        let firms = store.carrier_firms(&Scope::Zone, Some("C1")).await.unwrap();
        assert_eq!(firms[0].link.graduation_year, Some(2023), "unchanged");
        let audit = store
            .audit_entries(&Scope::Zone, &Default::default(), 20, 0)
            .await
            .unwrap();
        let imports: Vec<_> = audit
            .iter()
            .filter(|a| a.event.action == "carrier.import")
            .collect();
        assert_eq!(imports.len(), 3);
        assert!(
            imports
                .iter()
                .all(|a| a.event.park.as_deref() == Some(zone.parks[0].id.as_str()))
        );
    }
}

#[tokio::test]
async fn a_park_administrator_imports_only_its_park_and_unknown_headers_are_refused() {
    let zone = zone();
    let store = gaoxin_store::testing::sqlite().await.unwrap();
    let e = import(
        &store,
        &zone,
        &Scope::Zone,
        "x.csv",
        csv(&["载体编号,年度,在孵数", "C1,2024,1"]),
        &Who::cli(),
    )
    .await
    .unwrap()
    .unwrap_err();
    assert!(e[0].contains("第3列「在孵数」"), "{e:?}");
    let e = import(
        &store,
        &zone,
        &Scope::Zone,
        "x.csv",
        csv(&["载体编号,年度", "C1,2024"]),
        &Who::cli(),
    )
    .await
    .unwrap()
    .unwrap_err();
    assert!(
        e[0].contains("须填写「载体名称」「载体类型」和「园区」"),
        "{e:?}"
    );
    let mine = Scope::Park(zone.parks[0].id.clone());
    let other = &zone.parks[1].name;
    let e = import(
        &store,
        &zone,
        &mine,
        "x.csv",
        csv(&[
            "载体编号,载体名称,载体类型,园区,年度",
            &format!("C1,甲,孵化器,{other},2024"),
        ]),
        &Who::cli(),
    )
    .await
    .unwrap()
    .unwrap_err();
    assert!(e[0].contains("只能导入本园区的载体"), "{e:?}");
    assert!(store.carriers(&Scope::Zone).await.unwrap().is_empty());
}
