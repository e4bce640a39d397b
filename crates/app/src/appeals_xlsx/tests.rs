use super::*;
use crate::appeals::tests::stores_with_firms;
use crate::appeals_data::tests::shipped;
use gaoxin_store::{Role, Scope};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn import_is_all_or_nothing_with_row_messages() {
    let cfg = shipped();
    for (store, firms) in stores_with_firms().await {
        let admin = Actor::user("admin", &Role::ZoneAdmin);
        let a = firms[0].uscc.as_str();
        let b = firms[1].uscc.as_str();
        let good = format!(
            "统一社会信用代码,诉求类别,诉求内容,联系人及电话,渠道\n{a},融资,希望对接银行,张 1,电话\n{b},,专利被侵权,李 2,\n"
        );
        let bad = format!(
            "统一社会信用代码,诉求类别,诉求内容,联系人及电话\n{a},融资,希望对接银行,张 1\n{b},买菜,内容,李 2\nnot-a-code,,内容,王 3\n{a},,,赵 4\n"
        );
        let r = import(&store, &cfg, &admin, bad.into_bytes(), 1_740_967_200)
            .await
            .unwrap();
        let ImportOutcome::Refused(errs) = r else {
            panic!("{r:?}")
        };
        assert_eq!(errs.len(), 3, "{errs:?}");
        assert!(
            errs[0].starts_with("第3行") && errs[0].contains("买菜"),
            "{errs:?}"
        );
        assert!(
            errs[1].starts_with("第4行") && errs[1].contains("统一社会信用代码"),
            "{errs:?}"
        );
        assert!(
            errs[2].starts_with("第5行") && errs[2].contains("诉求内容"),
            "{errs:?}"
        );
        assert!(
            store
                .appeals(&Scope::Zone, &Default::default())
                .await
                .unwrap()
                .is_empty()
        );
        let missing = "统一社会信用代码,诉求内容\n".to_string();
        let ImportOutcome::Refused(e) = import(&store, &cfg, &admin, missing.into_bytes(), 0)
            .await
            .unwrap()
        else {
            panic!()
        };
        assert!(e[0].contains("联系人及电话"), "{e:?}");
        let r = import(&store, &cfg, &admin, good.into_bytes(), 1_740_967_200)
            .await
            .unwrap();
        assert_eq!(r, ImportOutcome::Filed(vec![1, 2]));
        let rows = store
            .appeals(&Scope::Zone, &Default::default())
            .await
            .unwrap();
        assert_eq!(rows[0].category, "知识产权"); // suggested
        assert_eq!(rows[0].channel, "导入");
        assert_eq!(rows[1].channel, "电话");
        // a firm may not import
        let firm = Actor::user("firm", &Role::Enterprise(firms[0].uscc.clone()));
        let g = format!("统一社会信用代码,诉求内容,联系人及电话\n{a},x,y\n");
        let ImportOutcome::Refused(e) = import(&store, &cfg, &firm, g.into_bytes(), 0)
            .await
            .unwrap()
        else {
            panic!()
        };
        assert!(e[0].contains("渠道"), "{e:?}");
        // export: a workbook with a row per appeal
        let items = crate::appeals::list(
            &store,
            &cfg,
            &Scope::Zone,
            &Default::default(),
            false,
            Date::new(2025, 3, 3).unwrap(),
        )
        .await
        .unwrap();
        let bytes = export(&items, &|p| p.to_string()).unwrap();
        assert!(bytes.starts_with(b"PK"));
        assert!(template().unwrap().starts_with(b"PK"));
    }
}
