//! Synthetic 科技成果转化 data for the demo zone, labelled synthetic (`synthetic` set; units and
//! experts end in （演示））: results and demand texts from `gaoxin_search::synth` (topics in the
//! zone's fields), firms' demands (some 揭榜挂帅 calls) and experts and brokers. Deterministic.
use gaoxin_model::rng::Xoshiro256;
use gaoxin_model::{Enterprise, Money};
use gaoxin_search::synth::{self, R, TOPICS, UNITS};
use gaoxin_store::{Scope, Store, TechDemand, TechExpert, TechResult};

/// The `i`-th synthetic result as the store's type.
pub fn result(seed: u64, i: usize) -> TechResult {
    let s = synth::result(seed, i);
    TechResult {
        id: s.id,
        name: s.name,
        summary: s.summary,
        keywords: s.keywords,
        field: s.field,
        unit: s.unit,
        inventors: String::new(),
        trl: Some(i64::from(s.trl)),
        ip_status: s.ip_status,
        transfer_mode: s.transfer_mode,
        price_fen: Some(Money::from_yuan(10_000 * s.price_wan).fen()),
        contact: "联系人（演示）".into(),
        owner: String::new(),
        synthetic: true,
    }
}

/// Writes the demo's results, demands (some 揭榜挂帅) and experts/brokers; returns their counts.
pub async fn load(
    store: &Store,
    firms: &[Enterprise],
    seed: u64,
    results: usize,
    demands: usize,
    now: i64,
) -> Result<(usize, usize, usize), gaoxin_store::Error> {
    store.clear_tech().await?;
    let rs: Vec<TechResult> = (0..results).map(|i| result(seed, i)).collect();
    for chunk in rs.chunks(2_000) {
        store.upsert_tech_results(chunk, now).await?;
    }
    let mut r = R(Xoshiro256::new(seed ^ 0x7EC4));
    let mut ds = Vec::new();
    for i in 0..demands.min(firms.len() * 3) {
        let f = &firms[r.below(firms.len())];
        let ti = r.below(TOPICS.len());
        let (name, description) = synth::demand_text(seed, i, ti);
        let jiebang = r.below(10) == 0;
        ds.push(TechDemand {
            id: format!("XQ{:06}", i + 1),
            uscc: f.uscc.as_str().to_string(),
            name,
            description,
            field: TOPICS[ti].field.to_string(),
            budget_fen: Some(Money::from_yuan(10_000 * (50 + r.below(950)) as i64).fen()),
            deadline: Some(20_270_000 + 100 * (1 + r.below(12)) as i64 + 1 + r.below(28) as i64),
            jiebang,
            milestones: if jiebang {
                "6个月完成样机；12个月完成中试；18个月实现量产".into()
            } else {
                String::new()
            },
            award_fen: jiebang
                .then(|| Money::from_yuan(10_000 * (100 + r.below(900)) as i64).fen()),
            synthetic: true,
            ..TechDemand::default()
        });
    }
    for chunk in ds.chunks(2_000) {
        let _ = store.upsert_tech_demands(&Scope::Zone, chunk, now).await?;
    }
    let mut xs = Vec::new();
    for (i, tp) in TOPICS.iter().enumerate() {
        for k in 0..3 {
            let broker = k == 2;
            xs.push(TechExpert {
                id: format!("ZJ{:04}", i * 3 + k + 1),
                kind: if broker { "broker" } else { "expert" }.into(),
                name: format!(
                    "{}{}（演示）",
                    ["王", "李", "张", "刘", "陈", "杨"][(i + k) % 6],
                    ["教授", "研究员", "经纪人"][k]
                ),
                unit: if broker {
                    "南京高新区技术转移中心（演示）".into()
                } else {
                    r.pick(&UNITS).to_string()
                },
                fields: tp.field.to_string(),
                keywords: tp
                    .subjects
                    .iter()
                    .chain(tp.methods)
                    .map(|s| s.to_string())
                    .collect(),
                contact: String::new(),
                synthetic: true,
            });
        }
    }
    store.upsert_tech_experts(&xs, now).await?;
    Ok((rs.len(), ds.len(), xs.len()))
}
