//! 科技创新生态图谱 over HTTP: the isolated high-tier firms' list filtered by tier and name (and
//! the graph's park, track and cluster filters) and exported with its 说明 sheet; a park
//! administrator's list holds only its own park's firms. The server builds the graph's default
//! pages at start.
mod common;

use calamine::Reader;
use common::*;
use gaoxin_store::testing;

/// (name, park, tier) of each row of the isolated firms' table.
fn rows(html: &str) -> Vec<(String, String, String)> {
    let Some(body) = html.split("<table id=\"iso-table\">").nth(1) else {
        return vec![];
    };
    let body = body.split("</table>").next().unwrap();
    body.split("<tr><td><a href=\"")
        .skip(1)
        .map(|r| {
            let cells: Vec<String> = r
                .split("<td>")
                .map(|c| c.split('<').next().unwrap().to_string())
                .collect();
            let name = r.split('>').nth(1).unwrap().split('<').next().unwrap();
            (name.to_string(), cells[2].clone(), cells[3].clone())
        })
        .collect()
}

fn xlsx_rows(body: &[u8]) -> Vec<Vec<String>> {
    let mut x = calamine::Xlsx::new(std::io::Cursor::new(body.to_vec())).unwrap();
    assert_eq!(x.sheet_names().last().map(String::as_str), Some("说明"));
    let r = x.worksheet_range("孤立的高层级企业").unwrap();
    r.rows()
        .skip(1)
        .map(|row| row.iter().map(|c| c.to_string()).collect())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_isolated_firms_list_filters_and_exports_and_a_park_sees_its_own() {
    for store in testing::all().await.unwrap() {
        let s = start(store).await;
        let mut admin = s.signed_in("admin").await;
        let r = admin.get("/ecosystem/isolated").await;
        assert_eq!(r.status, 200, "{}", r.text());
        let all = rows(&r.text());
        assert!(all.len() > 3, "the fixture has no link: {all:?}");
        let tiers: std::collections::BTreeSet<&str> = all.iter().map(|r| r.2.as_str()).collect();
        assert!(tiers.contains("高新技术企业"), "{tiers:?}");
        let high = admin.get("/ecosystem/isolated?tier=hightech").await.text();
        let high = rows(&high);
        assert!(!high.is_empty() && high.iter().all(|r| r.2 == "高新技术企业"));
        assert!(high.len() <= all.len());
        let name = &all[0].0;
        let one = admin
            .get(&format!("/ecosystem/isolated?q={}", enc(name)))
            .await
            .text();
        let one = rows(&one);
        assert!(one.iter().all(|r| r.0.contains(name.as_str())) && !one.is_empty());
        let park = admin.get("/ecosystem/isolated?park=jiangbei").await.text();
        let park = rows(&park);
        assert!(
            !park.is_empty() && park.iter().all(|r| r.1 == "江北新区"),
            "{park:?}"
        );
        assert_eq!(
            admin.get("/ecosystem/isolated?tier=techsme").await.status,
            400
        );
        assert_eq!(
            admin.get("/ecosystem/isolated?park=atlantis").await.status,
            400
        );
        // the export holds the filtered rows, with the 说明 sheet
        let x = admin.get("/ecosystem/isolated.xlsx?tier=hightech").await;
        assert_eq!(x.status, 200);
        let xr = xlsx_rows(&x.body);
        assert_eq!(xr.len(), high.len());
        assert!(xr.iter().all(|r| r[3] == "高新技术企业"));
        // a park administrator: its own firms only, and the same for the export
        let mut p = s.signed_in("park-jiangbei").await;
        let own = rows(&p.get("/ecosystem/isolated").await.text());
        assert_eq!(own.len(), park.len());
        assert!(own.iter().all(|r| r.1 == "江北新区"));
        let xr = xlsx_rows(&p.get("/ecosystem/isolated.xlsx").await.body);
        assert!(xr.iter().all(|r| r[2] == "江北新区") && xr.len() == own.len());
        let mut firm = s.signed_in("firm").await;
        assert_eq!(firm.get("/ecosystem/isolated").await.status, 404);
    }
}

fn enc(s: &str) -> String {
    s.bytes().map(|b| format!("%{b:02X}")).collect()
}

/// At start the server builds the default pages of the zone and of every park in the background.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_builds_the_default_graph_pages_at_start() {
    let s = start(testing::sqlite().await.unwrap()).await;
    let parks: Vec<gaoxin_store::Scope> = s
        .zone
        .parks
        .iter()
        .map(|p| gaoxin_store::Scope::Park(p.id.clone()))
        .collect();
    let t = std::time::Instant::now();
    loop {
        let zone = gaoxin_app::ecosystem::warmed(&s.store, &gaoxin_store::Scope::Zone);
        if zone
            && parks
                .iter()
                .all(|p| gaoxin_app::ecosystem::warmed(&s.store, p))
        {
            break;
        }
        assert!(
            t.elapsed() < std::time::Duration::from_secs(120),
            "the default pages were not built"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    // and a view is served from them
    let mut admin = s.signed_in("admin").await;
    let r = admin.get("/ecosystem").await;
    assert_eq!(r.status, 200);
}
