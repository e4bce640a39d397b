use super::*;
use crate::appeals::tests::stores_with_firms;
use crate::talent::Reader;
use gaoxin_model::ParkId;
use gaoxin_store::TalentFilter;

/// 2025-03-03 in China.
pub(crate) const NOW: i64 = 1_740_967_200;

pub(crate) fn zone() -> Zone {
    Zone::parse(include_str!("../../../../data/reference/zone.toml")).unwrap()
}

pub(crate) fn cfg() -> ServiceConfig {
    ServiceConfig::parse(
        "talent-services.toml",
        include_str!("../../../../data/appeals/talent-services.toml"),
    )
    .unwrap()
}

pub(crate) const HEAD: &str = "人才编号,姓名,性别,出生年份,国籍,最高学历,领域,工作单位类型,工作单位,引进年份,状态,园区,工作单位统一社会信用代码,团队,团队角色,顶尖人才（团队）,英才卡等级,离开年份,身份证号码,入选计划,计划层级,入选年份";

pub(crate) fn csv(rows: &[String]) -> Vec<u8> {
    let mut s = String::from(HEAD);
    for r in rows {
        s.push('\n');
        s.push_str(r);
    }
    s.into_bytes()
}

#[test]
fn id_numbers_are_checked_and_only_the_tail_kept() {
    assert_eq!(check_id_number("11010519491231002X", 1949).unwrap(), "002X");
    assert_eq!(check_id_number("11010519491231002x", 1949).unwrap(), "002X");
    assert!(
        check_id_number("110105194912310021", 1949)
            .unwrap_err()
            .contains("校验位")
    );
    assert!(
        check_id_number("11010519491231002X", 1950)
            .unwrap_err()
            .contains("不一致")
    );
    assert!(
        check_id_number("1101051949", 1949)
            .unwrap_err()
            .contains("18位")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_import_is_all_or_nothing_with_row_and_column_messages() {
    let (zone, cfg) = (zone(), cfg());
    for (store, firms) in stores_with_firms().await {
        let firm = &firms[0];
        let zone_reader = Reader::cli(Scope::Zone);
        let good = format!(
            "RC-1,张三,男,1985,中国,博士,人工智能,企业,,2022,在岗,,{},智能团队,负责人,是,A,,110105198512310010,紫金山英才计划,市级,2022",
            firm.uscc.as_str()
        );
        let bad =
            "RC-2,李四,未知,1985,中国,博士,生物医药,高校,南京大学,2023,离开,不存在园区,,,,,Z,,,,,"
                .to_string();
        let r = import(
            &store,
            &zone,
            &cfg,
            &zone_reader,
            csv(&[good.clone(), bad]),
            "t.csv",
            NOW,
        )
        .await
        .unwrap()
        .unwrap_err();
        let all = r.join("\n");
        assert!(all.contains("第3行「性别」"), "{all}");
        assert!(all.contains("第3行「园区」"), "{all}");
        assert!(all.contains("第3行「英才卡等级」"), "{all}");
        assert!(all.contains("第3行「离开年份」"), "{all}");
        // nothing written
        assert!(
            store
                .talents(&Scope::Zone, &TalentFilter::default())
                .await
                .unwrap()
                .is_empty()
        );
        // a second programme of the same talent on another row; the ID's tail only
        let second = good.replace("紫金山英才计划,市级,2022", "江苏省双创人才,省级,2023");
        let ok = import(
            &store,
            &zone,
            &cfg,
            &zone_reader,
            csv(&[good.clone(), second]),
            "t.csv",
            NOW,
        )
        .await
        .unwrap()
        .unwrap();
        assert_eq!(
            ok,
            Imported {
                talents: 1,
                programmes: 2,
                replaced: 0
            }
        );
        let t = store.talent(&Scope::Zone, "RC-1").await.unwrap().unwrap();
        assert_eq!(t.park, firm.park.to_string());
        assert_eq!(t.employer_name, firm.name);
        assert_eq!(t.id_tail.as_deref(), Some("0010"));
        assert_eq!(t.programmes.len(), 2);
        // rows of one talent must agree
        let other = good
            .replace("张三", "张三丰")
            .replace("紫金山英才计划", "另一计划");
        let r = import(
            &store,
            &zone,
            &cfg,
            &zone_reader,
            csv(&[good.clone(), other]),
            "t.csv",
            NOW,
        )
        .await
        .unwrap()
        .unwrap_err();
        assert!(
            r[0].contains("第3行「姓名」") && r[0].contains("第2行"),
            "{r:?}"
        );
        // a park administrator imports only their park's talents
        let other_park = zone.parks.iter().find(|p| p.id != firm.park).unwrap();
        let park_reader = Reader::cli(Scope::Park(other_park.id.clone()));
        let r = import(
            &store,
            &zone,
            &cfg,
            &park_reader,
            csv(std::slice::from_ref(&good)),
            "t.csv",
            NOW,
        )
        .await
        .unwrap()
        .unwrap_err();
        assert!(r[0].contains("只能导入本园区"), "{r:?}");
        let moved = good
            .replace(&format!(",{},", firm.uscc.as_str()), ",,")
            .replace(",企业,,", ",高校,南京大学,")
            .replace(",在岗,,", &format!(",在岗,{},", other_park.name));
        let r = import(
            &store,
            &zone,
            &cfg,
            &park_reader,
            csv(&[moved]),
            "t.csv",
            NOW,
        )
        .await
        .unwrap()
        .unwrap_err();
        assert!(r[0].contains("已由其他园区登记"), "{r:?}");
        let _ = ParkId::parse("jiangbei");
        // the import is in the audit trail
        let f = gaoxin_store::AuditFilter {
            action: Some("talent.import".into()),
            ..Default::default()
        };
        assert_eq!(store.audit_count(&Scope::Zone, &f).await.unwrap(), 1);
    }
}
