//! 创新活力指数 over HTTP while it is computed: the page answers at once with the progress (a
//! loading state polling itself), the poll answers the progress and then asks for a refresh, and
//! the page then shows the index.
mod common;

use common::*;
use gaoxin_store::testing;
use std::time::{Duration, Instant};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_vitality_page_answers_at_once_while_the_index_is_computed() {
    // the page shows the progress at once instead of waiting up to a second for the index (its
    // computation on this panel became faster than that wait): set before the server starts;
    // this binary holds this one test, so no other test reads the variable meanwhile
    unsafe { std::env::set_var("GAOXIN_VITALITY_WAIT_MS", "0") };
    let s = start(testing::sqlite().await.unwrap()).await;
    // a panel large enough that the index takes a while to compute
    let demo = gaoxin_demo::generate(
        &s.zone,
        &gaoxin_demo::DemoConfig {
            enterprises: 6_000,
            first_year: 2019,
            last_year: 2024,
            seed: 23,
        },
    );
    let mut tx = s.store.begin_import().await.unwrap();
    tx.write_enterprises(&demo.enterprises).await.unwrap();
    tx.write_facts(&demo.facts).await.unwrap();
    tx.commit().await.unwrap();
    // what an import records: a new data version
    gaoxin_app::audit::record(
        &s.store,
        &gaoxin_app::audit::Who::cli(),
        "import.commit",
        None,
        "test",
        serde_json::json!({}),
    )
    .await
    .unwrap();
    let mut admin = s.signed_in("admin").await;
    let t = Instant::now();
    let r = admin.get("/vitality").await;
    let first = t.elapsed();
    assert_eq!(r.status, 200);
    let text = r.text();
    assert!(
        text.contains("id=\"vitality-loading\"") && text.contains("hx-trigger=\"every 1s\""),
        "{text}"
    );
    assert!(text.contains("正在计算创新活力指数"), "{text}");
    assert!(first < Duration::from_secs(3), "answered in {first:?}");
    eprintln!("/vitality answered the loading state in {first:?}");
    // the poll: progress until done, then a refresh
    let mut polls = 0;
    loop {
        let p = admin.get("/vitality?progress=1").await;
        assert_eq!(p.status, 200);
        if p.header("hx-refresh") == Some("true") {
            break;
        }
        let pt = p.text();
        assert!(pt.contains("已读取") && pt.contains("every 1s"), "{pt}");
        polls += 1;
        assert!(t.elapsed() < Duration::from_secs(300), "never ready");
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    eprintln!(
        "/vitality: the index ready after {:?} ({polls} polls)",
        t.elapsed()
    );
    let page = admin.get("/vitality").await;
    let pt = page.text();
    assert!(
        pt.contains("基期") && pt.contains("对增长的贡献") && !pt.contains("vitality-loading"),
        "{pt}"
    );
}
