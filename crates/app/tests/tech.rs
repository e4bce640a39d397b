//! 科技成果转化 on both backends: imports all-or-nothing with row/column messages, matching in both
//! directions with explanations and bad queries, the broker's case workflow with declines feeding
//! ranking, contracts feeding the 技术合同成交额 target, and scoping (park, firm).
use gaoxin_app::audit::Who;
use gaoxin_app::tech::TechConfig;
use gaoxin_app::tech_cases::{self, CaseError};
use gaoxin_app::tech_import::{Kind, import};
use gaoxin_app::tech_match::{Against, Matcher};
use gaoxin_demo::DemoConfig;
use gaoxin_model::{Enterprise, F, Zone};
use gaoxin_search::Filter;
use gaoxin_store::{AuditFilter, CaseState, Scope, Store, testing};

fn zone() -> Zone {
    Zone::parse(include_str!("../../../data/reference/zone.toml")).unwrap()
}

async fn zone_with_firms(store: &Store, z: &Zone) -> Vec<Enterprise> {
    let mut demo = gaoxin_demo::generate(
        z,
        &DemoConfig {
            enterprises: 40,
            first_year: 2024,
            last_year: 2024,
            seed: 5,
        },
    );
    // no firm declares 技术合同成交额: the target needs data until a contract is registered
    for f in &mut demo.facts {
        f.set(F::TechContracts, None, gaoxin_model::Provenance::Missing);
    }
    let mut tx = store.begin_import().await.unwrap();
    tx.write_enterprises(&demo.enterprises).await.unwrap();
    tx.write_facts(&demo.facts).await.unwrap();
    tx.commit().await.unwrap();
    demo.enterprises
}

const RESULTS: &str = "编号,名称,摘要,关键词,学科领域,完成单位,技术成熟度,参考价格（万元）\n\
CG1,碳化硅功率器件封装技术,面向新能源汽车电驱的高温封装工艺,碳化硅；功率器件;封装,集成电路,东南大学,7,200\n\
CG2,晶圆缺陷检测算法,基于深度学习的晶圆表面缺陷检测，检出率高,深度学习，缺陷检测 晶圆,人工智能,南京大学,5,80\n\
CG3,固态电池电解质,硫化物固态电解质提升电池安全性,固态电池_电解质,新能源,南京工业大学,4,\n";

fn who() -> Who {
    Who {
        actor: "broker1".into(),
        role: "zone_admin".into(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn import_match_cases_and_contracts_on_both_backends() {
    let z = zone();
    let cfg = TechConfig::load().unwrap();
    for store in testing::all().await.unwrap() {
        let firms = zone_with_firms(&store, &z).await;
        let a = &firms[0];
        let b = firms.iter().find(|e| e.park != a.park).unwrap();
        let zs = Scope::Zone;

        // --- results: bad rows are all reported, nothing written
        let bad = "编号,name,摘要,技术成熟度\nX1,甲,有摘要,10\nX1,乙,,3\nX2,丙,有,0\n";
        let r = import(&store, &zs, Kind::Results, bad.into(), "", &who())
            .await
            .unwrap();
        let text = r.errors.join("\n");
        assert!(text.contains("第2行「技术成熟度」"), "{text}");
        assert!(text.contains("第3行「摘要」：不能为空"), "{text}");
        assert!(text.contains("第3行「编号」：X1 与第2行重复"), "{text}");
        assert!(text.contains("第4行「技术成熟度」"), "{text}");
        assert!(store.tech_results(&zs).await.unwrap().is_empty());
        // a missing required column is named
        let r = import(
            &store,
            &zs,
            Kind::Results,
            "编号,名称\nA,B\n".into(),
            "",
            &who(),
        )
        .await
        .unwrap();
        assert_eq!(r.errors, vec!["缺少必填列「摘要」"]);
        // good file: keywords split on every separator; idempotent
        for _ in 0..2 {
            let r = import(&store, &zs, Kind::Results, RESULTS.into(), "", &who())
                .await
                .unwrap();
            assert!(r.ok(), "{:?}", r.errors);
            assert_eq!(r.written, 3);
        }
        let rs = store.tech_results(&zs).await.unwrap();
        assert_eq!(rs.len(), 3);
        // (CG9 is added on the form below)
        assert_eq!(rs[0].keywords, vec!["碳化硅", "功率器件", "封装"]);
        assert_eq!(rs[1].keywords, vec!["深度学习", "缺陷检测", "晶圆"]);
        assert_eq!(rs[0].price_fen, Some(200_000_000));
        assert_eq!(rs[2].trl, Some(4));

        // --- one result on the form: owners edit only their own
        let uni = Who {
            actor: "nju".into(),
            role: "enterprise".into(),
        };
        let other = Who {
            actor: "seu".into(),
            role: "enterprise".into(),
        };
        let mut input = gaoxin_app::tech_import::ResultInput {
            id: "CG9".into(),
            name: "类脑芯片".into(),
            summary: "脉冲神经网络芯片".into(),
            trl: "11".into(),
            ..Default::default()
        };
        let e = gaoxin_app::tech_import::save_result(&store, &uni, false, &input)
            .await
            .unwrap()
            .unwrap_err();
        assert!(e[0].contains("1 到 9"), "{e:?}");
        input.trl = "5".into();
        let r = gaoxin_app::tech_import::save_result(&store, &uni, false, &input)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(r.owner, "nju");
        input.name = "改名".into();
        let e = gaoxin_app::tech_import::save_result(&store, &other, false, &input)
            .await
            .unwrap()
            .unwrap_err();
        assert!(e[0].contains("只能修改自己登记的成果"), "{e:?}");
        let r = gaoxin_app::tech_import::save_result(&store, &uni, false, &input)
            .await
            .unwrap()
            .unwrap();
        assert_eq!((r.name.as_str(), r.owner.as_str()), ("改名", "nju"));

        // --- demands: unknown credit code refused; a park imports only its firms
        let head = "编号,统一社会信用代码,名称,需求描述,技术领域,预算（万元）,截止日期,揭榜挂帅\n";
        let unknown = format!("{head}D9,91320100MA1XXXXX0X,某需求,描述,,,,\n");
        let r = import(&store, &zs, Kind::Demands, unknown.into(), "", &who())
            .await
            .unwrap();
        assert!(
            r.errors[0].starts_with("第2行「统一社会信用代码」"),
            "{:?}",
            r.errors
        );
        let demands = format!(
            "{head}D1,{},电驱功率模块降损耗,新能源汽车电驱需要碳化硅功率器件的封装方案,集成电路,300,2027-06-30,是\n\
             D2,{},产线质检自动化,需要晶圆缺陷检测,人工智能,50,2027-01-31,否\n",
            a.uscc.as_str(),
            b.uscc.as_str()
        );
        let pa = Scope::Park(a.park.clone());
        let r = import(
            &store,
            &pa,
            Kind::Demands,
            demands.clone().into(),
            "",
            &who(),
        )
        .await
        .unwrap();
        assert!(
            r.errors[0].starts_with("第3行「统一社会信用代码」"),
            "{:?}",
            r.errors
        );
        assert!(store.tech_demands(&zs).await.unwrap().is_empty());
        let r = import(&store, &zs, Kind::Demands, demands.into(), "", &who())
            .await
            .unwrap();
        assert!(r.ok(), "{:?}", r.errors);
        // scoped reads: a park sees its firms' demands, a firm its own
        assert_eq!(store.tech_demands(&pa).await.unwrap().len(), 1);
        let fb = Scope::Enterprise(b.uscc.clone());
        let own = store.tech_demands(&fb).await.unwrap();
        assert_eq!((own.len(), own[0].id.as_str()), (1, "D2"));
        assert!(store.tech_demand(&fb, "D1").await.unwrap().is_none());
        assert_eq!(store.tech_results(&fb).await.unwrap().len(), 4);

        // --- matching both ways, with explanations, filters and bad queries
        let seg = gaoxin_app::tech::segmenter().unwrap();
        let m = Matcher::build(&store, &z, &zs, &cfg, seg).await.unwrap();
        let d1 = store.tech_demand(&zs, "D1").await.unwrap().unwrap();
        let q = gaoxin_app::tech_match::demand_query(&d1);
        let ans = m.search(
            Against::Results,
            &q,
            &Filter::default(),
            10,
            Some(a.uscc.as_str()),
            None,
        );
        assert_eq!(ans.hits[0].item.key, "CG1");
        assert!(ans.hits[0].why.shared.contains(&"碳化硅".to_string()));
        assert!(ans.hits[0].why.fields.contains(&"名称".to_string()));
        let marked = &ans.hits[0].why.doc_marked[0].1;
        assert!(
            marked.starts_with("【碳化硅功率器件") && marked.contains('】'),
            "{marked}"
        );
        let f = Filter {
            trl_max: Some(6),
            ..Filter::default()
        };
        let ans = m.search(Against::Results, &q, &f, 10, None, None);
        assert!(ans.hits.iter().all(|h| h.item.key != "CG1"));
        let cg2 = store.tech_result(&zs, "CG2").await.unwrap().unwrap();
        let ans = m.search(
            Against::Demands,
            &gaoxin_app::tech_match::result_query(&cg2),
            &Filter::default(),
            10,
            None,
            None,
        );
        assert_eq!(ans.hits[0].item.key, "D2");
        let ans = m.search(
            Against::Results,
            "，。！的和",
            &Filter::default(),
            10,
            None,
            None,
        );
        assert!(ans.hits.is_empty());
        assert!(
            ans.messages[0].contains("只有标点或停用词"),
            "{:?}",
            ans.messages
        );
        let long = "碳化硅".repeat(100);
        let ans = m.search(Against::Results, &long, &Filter::default(), 10, None, None);
        assert!(ans.messages[0].contains("查询过长"), "{:?}", ans.messages);
        assert_eq!(ans.hits[0].item.key, "CG1");

        // --- cases: workflow, a decline for 领域不符 hides the result from that firm
        let c = tech_cases::open(
            &store,
            &cfg,
            &zs,
            &who(),
            "CG2",
            a.uscc.as_str(),
            None,
            "推荐",
        )
        .await
        .unwrap();
        assert_eq!(c.state, CaseState::Recommended);
        let err = tech_cases::move_case(&store, &cfg, &zs, &who(), &c.id, "已放弃", None, "")
            .await
            .unwrap_err();
        assert!(err.to_string().contains("放弃须选择原因"), "{err}");
        tech_cases::move_case(
            &store,
            &cfg,
            &zs,
            &who(),
            &c.id,
            "已放弃",
            Some("领域不符"),
            "不对口",
        )
        .await
        .unwrap();
        let m = Matcher::build(
            &store,
            &z,
            &zs,
            &cfg,
            gaoxin_app::tech::segmenter().unwrap(),
        )
        .await
        .unwrap();
        let keys = |ans: gaoxin_app::tech_match::Answer| -> Vec<String> {
            ans.hits.into_iter().map(|h| h.item.key).collect()
        };
        let q = "晶圆缺陷检测";
        assert!(
            !keys(m.search(
                Against::Results,
                q,
                &Filter::default(),
                10,
                Some(a.uscc.as_str()),
                None
            ))
            .contains(&"CG2".to_string())
        );
        assert!(
            keys(m.search(
                Against::Results,
                q,
                &Filter::default(),
                10,
                Some(b.uscc.as_str()),
                None
            ))
            .contains(&"CG2".to_string())
        );

        // the full path to a contract; out-of-order moves refused; contract only when signed
        let c = tech_cases::open(
            &store,
            &cfg,
            &zs,
            &who(),
            "CG1",
            a.uscc.as_str(),
            Some("D1"),
            "",
        )
        .await
        .unwrap();
        let e = tech_cases::register_contract(
            &store,
            &cfg,
            &zs,
            &who(),
            &c.id,
            "R1",
            "100",
            "技术转让",
            "2024-05-01",
        )
        .await
        .unwrap_err();
        assert!(e.to_string().contains("签约后才能登记"), "{e}");
        let e = tech_cases::move_case(&store, &cfg, &zs, &who(), &c.id, "签约", None, "")
            .await
            .unwrap_err();
        assert!(matches!(e, CaseError::Invalid(_)), "{e}");
        for s in ["意向", "洽谈", "签约"] {
            tech_cases::move_case(&store, &cfg, &zs, &who(), &c.id, s, None, s)
                .await
                .unwrap();
        }
        // the 技术合同成交额 target needs data before the contract, shows it after
        let before = gaoxin_app::indicators::targets(&store, &z, &zs, None)
            .await
            .unwrap();
        let t = before.iter().find(|t| t.id == "c-tech-contracts").unwrap();
        assert_eq!(t.status, "needs_data", "{t:?}");
        let done = tech_cases::register_contract(
            &store,
            &cfg,
            &zs,
            &who(),
            &c.id,
            "R1",
            "5000",
            "技术转让",
            "2024-05-01",
        )
        .await
        .unwrap();
        assert_eq!(done.state, CaseState::Registered);
        let after = gaoxin_app::indicators::targets(&store, &z, &zs, None)
            .await
            .unwrap();
        let t = after.iter().find(|t| t.id == "c-tech-contracts").unwrap();
        assert_ne!(t.status, "needs_data");
        assert_eq!(t.current, Some(0.5), "{t:?}");
        // a second contract with the same 登记号 is refused
        let c2 = tech_cases::open(&store, &cfg, &zs, &who(), "CG3", a.uscc.as_str(), None, "")
            .await
            .unwrap();
        for s in ["意向", "洽谈", "签约"] {
            tech_cases::move_case(&store, &cfg, &zs, &who(), &c2.id, s, None, "")
                .await
                .unwrap();
        }
        let e = tech_cases::register_contract(
            &store,
            &cfg,
            &zs,
            &who(),
            &c2.id,
            "R1",
            "1",
            "技术开发",
            "",
        )
        .await
        .unwrap_err();
        assert!(e.to_string().contains("已登记过"), "{e}");
        // history: who, when, from → to
        let ev = store.case_events(&zs, &c.id).await.unwrap();
        let path: Vec<&str> = ev.iter().map(|e| e.to.as_str()).collect();
        assert_eq!(
            path,
            vec![
                "recommended",
                "intent",
                "negotiating",
                "signed",
                "registered"
            ]
        );
        assert!(ev.iter().all(|e| e.actor == "broker1"));

        // scope: another park's administrator cannot see or move the case (same as missing)
        let pb = Scope::Park(b.park.clone());
        assert!(store.tech_case(&pb, &c.id).await.unwrap().is_none());
        let e = tech_cases::move_case(&store, &cfg, &pb, &who(), &c.id, "回访", None, "")
            .await
            .unwrap_err();
        assert!(matches!(e, CaseError::NotFound));
        assert!(store.tech_cases(&pb, None).await.unwrap().is_empty());
        assert_eq!(store.tech_cases(&pa, None).await.unwrap().len(), 3);

        // statistics and the audit trail
        let s = tech_cases::stats(&store, &cfg, &zs).await.unwrap();
        assert_eq!(
            (s.cases, s.contracted, s.contract_fen),
            (3, 1, 5_000_000_000)
        );
        assert_eq!(s.declines, vec![("领域不符".to_string(), 1)]);
        assert_eq!(s.by_field[0].0, "集成电路");
        let audit = store
            .audit_entries(&pa, &AuditFilter::default(), 100, 0)
            .await
            .unwrap();
        let actions: Vec<&str> = audit.iter().map(|e| e.event.action.as_str()).collect();
        for a in ["case.open", "case.move", "case.decline", "case.contract"] {
            assert!(actions.contains(&a), "{a} in {actions:?}");
        }
    }
}

/// The dense model finds what BM25 cannot (no shared word) and every hit shows its semantic score;
/// a model directory that cannot be read leaves BM25 alone, and the answer says why.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hybrid_matching_with_the_embedding_model_and_without() {
    let z = zone();
    let cfg = TechConfig::load().unwrap();
    let store = testing::all().await.unwrap().remove(0);
    let zs = Scope::Zone;
    let r = import(&store, &zs, Kind::Results, RESULTS.into(), "", &who())
        .await
        .unwrap();
    assert!(r.ok(), "{:?}", r.errors);
    let seg = || gaoxin_app::tech::segmenter().unwrap();
    // no word of this query is in any result: BM25 alone finds nothing
    let q = "电动车电机控制器";
    let broken = std::env::temp_dir().join(format!("gx_broken_model_{}", std::process::id()));
    std::fs::create_dir_all(&broken).unwrap();
    std::fs::write(broken.join("model.safetensors"), b"not a model").unwrap();
    std::fs::write(broken.join("tokenizer.json"), b"{}").unwrap();
    let m = Matcher::build_with(
        &store,
        &z,
        &zs,
        &cfg,
        seg(),
        gaoxin_app::tech::load_embeddings(&broken),
    )
    .await
    .unwrap();
    let ans = m.search(Against::Results, q, &Filter::default(), 10, None, None);
    assert!(ans.hits.is_empty());
    assert!(
        ans.mode.contains("仅关键词匹配") && ans.mode.contains("无法读取"),
        "{}",
        ans.mode
    );
    std::fs::remove_dir_all(&broken).unwrap();
    let missing = gaoxin_app::tech::load_embeddings(std::path::Path::new("/nonexistent"));
    let m = Matcher::build_with(&store, &z, &zs, &cfg, seg(), missing)
        .await
        .unwrap();
    assert_eq!(m.mode_note(), gaoxin_app::tech_match::MODE_NOTE);

    let dir = std::path::Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../data/embeddings/tokenlearn-static-model"
    ));
    if !dir.join("model.safetensors").exists() {
        eprintln!(
            "no embedding model in {} (scripts/fetch-embeddings): hybrid not checked",
            dir.display()
        );
        return;
    }
    let model = gaoxin_app::tech::load_embeddings(dir);
    let m = Matcher::build_with(&store, &z, &zs, &cfg, seg(), model)
        .await
        .unwrap();
    assert!(m.mode_note().starts_with("混合检索"), "{}", m.mode_note());
    let ans = m.search(Against::Results, q, &Filter::default(), 10, None, None);
    assert_eq!(ans.hits[0].item.key, "CG1", "{:?}", ans.hits);
    assert!(ans.hits[0].semantic.unwrap() > 0.5 && ans.hits[0].bm25.is_none());
    assert!(ans.hits.iter().all(|h| h.semantic.is_some()));
    // filters still hold: CG1 has TRL 7
    let f = Filter {
        trl_max: Some(6),
        ..Filter::default()
    };
    let ans = m.search(Against::Results, q, &f, 10, None, None);
    assert!(
        ans.hits.iter().all(|h| h.item.key != "CG1"),
        "{:?}",
        ans.hits
    );
    // a query sharing words keeps its explanation and gains the semantic score
    let ans = m.search(
        Against::Results,
        "晶圆缺陷检测",
        &Filter::default(),
        10,
        None,
        None,
    );
    assert_eq!(ans.hits[0].item.key, "CG2");
    assert!(!ans.hits[0].why.shared.is_empty(), "{:?}", ans.hits[0].why);
    assert!(ans.hits[0].bm25.is_some() && ans.hits[0].semantic.is_some());
}
