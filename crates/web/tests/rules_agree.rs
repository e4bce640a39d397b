//! The stored lists, the 梯度培育 page and the firm's page agree: for the same firms they show the
//! same current rung (with where it comes from) and the same verdict of each rung's rule, on
//! SQLite and (when configured) PostgreSQL.
mod common;

use common::start;
use gaoxin_app::rules_runs;
use gaoxin_store::{RuleResultRow, Scope, testing};
use std::collections::{BTreeMap, HashMap};

/// The text between `from` (after it) and `to`, from the first `from` in `s`.
fn between<'a>(s: &'a str, from: &str, to: &str) -> Option<&'a str> {
    let a = s.find(from)? + from.len();
    let b = s[a..].find(to)? + a;
    Some(&s[a..b])
}

/// The cells' text of each row of the table `id` of a page (tags removed), by credit code (the
/// first cell).
fn table_rows(html: &str, id: &str) -> BTreeMap<String, Vec<String>> {
    let Some(body) = between(html, &format!("id=\"{id}\""), "</tbody>") else {
        return BTreeMap::new();
    };
    let strip = |s: &str| {
        let mut out = String::new();
        let mut tag = false;
        for c in s.chars() {
            match c {
                '<' => tag = true,
                '>' => tag = false,
                _ if !tag => out.push(c),
                _ => {}
            }
        }
        out.trim().to_string()
    };
    body.split("<tr>")
        .skip(1)
        .filter(|tr| tr.contains("<td"))
        .map(|tr| {
            let cells: Vec<String> = tr
                .split("<td")
                .skip(1)
                .map(|td| strip(&format!("<td{td}")))
                .collect();
            (cells[0].clone(), cells)
        })
        .collect()
}

/// What the firm's page says: its current rung as the lists write it (「高新技术企业（已认定）」,
/// 「未入梯」) and the finding of each rule (its summary's badge).
fn firm_page(html: &str) -> (String, HashMap<String, String>) {
    let label = between(html, "class=\"firm-level\">", "</strong>")
        .unwrap()
        .to_string();
    let after = between(html, "class=\"firm-level\">", "</p>").unwrap();
    let basis = after
        .split("<span class=\"badge ")
        .nth(1)
        .and_then(|b| between(b, ">", "</span>"));
    let level = match basis {
        Some(b) => format!("{label}（{b}）"),
        None => label,
    };
    let mut rules = HashMap::new();
    for d in html.split("<details class=\"rule\" data-rule=\"").skip(1) {
        let id = d.split('"').next().unwrap().to_string();
        let badge = between(d, "<summary><span class=\"badge ", "</span>").unwrap();
        rules.insert(id, badge.split('>').nth(1).unwrap().to_string());
    }
    (level, rules)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stored_lists_ladder_page_and_firm_page_agree() {
    for store in testing::all().await.unwrap() {
        let s = start(store).await;
        let (sum, run) = rules_runs::run_rules(&s.store, gaoxin_model::Year::new(2024).unwrap())
            .await
            .unwrap();
        let rows = s
            .store
            .rule_results(&Scope::Zone, &run.id, None, None)
            .await
            .unwrap();
        let stored: HashMap<(&str, &str), &RuleResultRow> = rows
            .iter()
            .map(|r| ((r.uscc.as_str(), r.rule.as_str()), r))
            .collect();
        let mut admin = s.signed_in("admin").await;
        // Firms whose page is opened: some from every list of the 梯度培育 page, and some on
        // every rung by each basis.
        let mut firms: Vec<String> = Vec::new();
        let rung_rules: Vec<String> = sum.rungs.iter().filter_map(|r| r.rule.clone()).collect();
        let mut listed = 0;
        for rule in &rung_rules {
            let page = admin.get(&format!("/ladder?year=2024&rule={rule}")).await;
            assert_eq!(page.status, 200);
            let t = page.text();
            for table in ["nearest-table", "undecided-table"] {
                for (k, (uscc, cells)) in table_rows(&t, table).into_iter().enumerate() {
                    let r = stored[&(uscc.as_str(), rule.as_str())];
                    assert_eq!(
                        cells[3],
                        rules_runs::level_zh(&sum, r),
                        "{uscc} {rule} on /ladder"
                    );
                    if table == "nearest-table" {
                        assert_eq!(
                            cells[5],
                            rules_runs::finding_zh(r),
                            "{uscc} {rule} on /ladder"
                        );
                    } else {
                        assert_eq!(r.verdict, "unknown", "{uscc} {rule}");
                    }
                    listed += 1;
                    if k < 4 {
                        firms.push(uscc);
                    }
                }
            }
        }
        assert!(listed > 20, "{listed} firms listed");
        let mut seen: BTreeMap<(i32, String), usize> = BTreeMap::new();
        for r in rows.iter().filter(|r| r.rule == rung_rules[0]) {
            let n = seen.entry((r.level, r.level_basis.clone())).or_default();
            if *n < 3 {
                *n += 1;
                firms.push(r.uscc.clone());
            }
        }
        assert!(
            seen.keys().filter(|(l, _)| *l > 0).count() >= 3,
            "firms on several rungs and bases: {seen:?}"
        );
        firms.sort();
        firms.dedup();
        for u in &firms {
            let page = admin
                .get(&format!("/enterprises/{u}/ladder?year=2024"))
                .await;
            assert_eq!(page.status, 200);
            let (level, verdicts) = firm_page(&page.text());
            let any = stored[&(u.as_str(), rung_rules[0].as_str())];
            assert_eq!(
                level,
                rules_runs::level_zh(&sum, any),
                "{u}: rung on the firm page"
            );
            for rule in &sum.rules {
                let r = stored[&(u.as_str(), rule.id.as_str())];
                assert_eq!(r.level, any.level, "{u}: one rung in every row");
                assert_eq!(
                    verdicts.get(&rule.id).map(String::as_str),
                    Some(rules_runs::finding_zh(r)),
                    "{u} {}: the firm page and the stored row",
                    rule.id
                );
            }
        }
        assert!(firms.len() > 15, "{} firms compared", firms.len());
    }
}
