//! Cluster diagnosis over HTTP: who sees which cluster, park and link (a park administrator sees
//! other parks' clusters as aggregates only), bad parameters, exports and the link import.
mod common;

use common::*;
use gaoxin_store::{LinkRecord, testing};

fn link(a: &str, af: bool, b: &str, bf: bool, kind: &str) -> LinkRecord {
    LinkRecord {
        from: a.into(),
        from_firm: af,
        to: b.into(),
        to_firm: bf,
        kind: kind.into(),
        year: 2024,
        source: "测试".into(),
        evidence: String::new(),
        synthetic: false,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clusters_are_scoped_by_park_and_links_import_all_or_nothing() {
    let s = start(testing::sqlite().await.unwrap()).await;
    let jb: Vec<String> = s
        .firms
        .iter()
        .filter(|e| e.park == "jiangbei" && e.name != HOSTILE)
        .map(|e| e.uscc.as_str().to_string())
        .take(2)
        .collect();
    let xg = s.firm_in("xingang");
    s.store
        .insert_links(
            &[
                link(&jb[0], true, &jb[1], true, "supply"),
                link(&jb[0], true, &xg, true, "tech_contract"),
                link(&jb[1], true, "南京大学", false, "co_patent"),
            ],
            "test",
            1,
        )
        .await
        .unwrap();
    // zone: every cluster, each can be opened
    let mut admin = s.signed_in("admin").await;
    let r = admin.get("/clusters").await;
    assert_eq!(r.status, 200, "{}", r.text());
    let t = r.text();
    assert!(
        t.contains("生物医药制品制造") && t.contains("href=\"/clusters/c03?year=2024\""),
        "{t}"
    );
    assert!(t.contains("区位熵") && t.contains("美国集群地图"));
    assert_eq!(admin.get("/clusters/c03").await.status, 200);
    let x = admin.get("/clusters/export.xlsx").await;
    assert_eq!(x.status, 200);
    assert!(x.body.starts_with(b"PK"));
    assert_eq!(admin.get("/clusters?sort=bogus").await.status, 400);
    assert_eq!(
        admin.get("/clusters?flag=loose&sort=linkage").await.status,
        200
    );
    assert_eq!(admin.get("/clusters/c99").await.status, 404);
    // a park: aggregates of all, pages of its own clusters only
    let mut park = s.signed_in("park-jiangbei").await;
    let t = park.get("/clusters").await.text();
    assert!(
        t.contains("智能电网"),
        "aggregates of other parks' clusters"
    );
    assert!(t.contains("href=\"/clusters/c01?year=2024\""));
    assert!(!t.contains("href=\"/clusters/c03"), "{t}");
    let own = park.get("/clusters/c01").await;
    assert_eq!(own.status, 200);
    assert!(own.text().contains("id=\"linkage-flag\""));
    for path in [
        "/clusters/c03",
        "/clusters/c03/export.xlsx",
        "/clusters/parks/xingang",
        "/clusters/parks/xingang/export.xlsx",
    ] {
        assert_eq!(park.get(path).await.status, 404, "{path}");
    }
    assert_eq!(park.get("/clusters/parks/jiangbei").await.status, 200);
    assert_eq!(park.get("/clusters/c01/export.xlsx").await.status, 200);
    // the member list filters by name, code or industry
    let t = park
        .get("/clusters/c01?q=%E4%B8%8D%E5%AD%98%E5%9C%A8%E7%9A%84")
        .await
        .text();
    assert!(t.contains("没有符合筛选条件的成员"), "{t}");
    // links: the park sees its own and institution links, never the other park's firm
    let t = park.get("/clusters/links").await.text();
    assert!(t.contains("南京大学") && t.contains(&jb[1]), "{t}");
    assert!(!t.contains(&xg), "{t}");
    let csv = park.get("/clusters/links/export?format=csv").await;
    assert_eq!(csv.status, 200);
    assert!(!String::from_utf8_lossy(&csv.body).contains(&xg));
    let all = admin.get("/clusters/links/export?format=csv").await;
    assert!(String::from_utf8_lossy(&all.body).contains(&xg));
    // import: a bad file writes nothing and names row and column
    let token = park.csrf_token().await;
    let bad = format!(
        "年度,主体一,主体二,关联类型,来源,依据\n2024,{},{},联合申请专利,专利数据库,\n2024,{},{},合资,企业填报,\n",
        jb[0], xg, jb[0], jb[1]
    );
    let r = park
        .post_multipart(
            "/clusters/links",
            &[],
            &[("_csrf", &token)],
            ("l.csv", bad.as_bytes()),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let t = r.text();
    assert!(
        t.contains("未导入任何记录")
            && t.contains("第2行「主体二」")
            && t.contains("第3行「关联类型」"),
        "{t}"
    );
    assert_eq!(
        s.store
            .links(&gaoxin_store::Scope::Zone, None)
            .await
            .unwrap()
            .len(),
        3
    );
    let good = format!(
        "年度,主体一,主体二,关联类型,来源,依据\n2024,{},东南大学,共建研发平台,联合实验室名录,\n",
        jb[0]
    );
    let r = park
        .post_multipart(
            "/clusters/links",
            &[],
            &[("_csrf", &token)],
            ("l.csv", good.as_bytes()),
        )
        .await;
    assert!(r.text().contains("已导入 1 条"), "{}", r.text());
    // without the form's token: refused
    let r = park
        .post_multipart("/clusters/links", &[], &[], ("l.csv", good.as_bytes()))
        .await;
    assert_eq!(r.status, 403);
    // an analyst may read but not import; an enterprise user sees nothing
    let mut analyst = s.signed_in("analyst").await;
    assert_eq!(analyst.get("/clusters/c01").await.status, 200);
    let token = analyst.csrf_token().await;
    let r = analyst
        .post_multipart(
            "/clusters/links",
            &[],
            &[("_csrf", &token)],
            ("l.csv", good.as_bytes()),
        )
        .await;
    assert_eq!(r.status, 403, "importers only, as /upload");
    let mut firm = s.signed_in("firm").await;
    for path in [
        "/clusters",
        "/clusters/c01",
        "/clusters/links",
        "/clusters/parks/jiangbei",
    ] {
        assert_eq!(firm.get(path).await.status, 404, "{path}");
    }
}
