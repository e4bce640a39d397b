//! Who sees what of 成果转化, by role — in particular the university / institute role
//! (高校/院所用户, `Role::University`, bound to one 完成单位), which holds no firm data.
//!
//! What is public (every signed-in user but a department's): a result's 编号, 名称, 摘要, 关键词,
//! 领域, 完成单位, 技术成熟度, 知识产权状态 and 转化方式; experts' and brokers' registry entries.
//! What is not: a result's 参考价格 (and its 联系人 and 完成人, which no page shows) — only to the
//! result's owners (the account that entered it, its unit's university users) and to the brokers
//! and the zone (zone and park administrators, zone analysts). Firms see 「面议」 instead.
//!
//! A university user searches results and experts (the public registries), not demands or firms;
//! on its own unit's result it sees the matched demands with their explanation (名称, 领域,
//! 需求描述 with the shared terms marked, 揭榜挂帅) but not who filed them — the 发布企业, its
//! budget and award stay with the firm's scope; the broker (the zone, the park) connects them.
//! Another unit's result shows no matches.
use crate::tech::TechConfig;
use crate::tech_match::{Against, result_query};
use crate::tech_views::{self as views, AnswerView, ResultPage, ResultRow};
use gaoxin_model::Zone;
use gaoxin_search::Filter;
use gaoxin_store::{Role, Scope, Store, TechResult};

/// What a hidden 参考价格 shows.
pub const PRICE_HIDDEN: &str = "面议（请联系技术经纪人）";

/// The scope a search `against` runs in for `role`: a university user's results and experts are
/// the public registries (read like the zone's); its demands and firms, none.
pub fn match_scope(role: &Role, against: Against) -> Scope {
    match (role, against) {
        (Role::University(_), Against::Results | Against::Experts) => Scope::Zone,
        _ => role.scope(),
    }
}

/// The scope of reading results (the public registry) for `role`.
pub fn results_scope(role: &Role) -> Scope {
    match role {
        Role::University(_) => Scope::Zone,
        _ => role.scope(),
    }
}

/// Whether `role` (signed in as `username`) sees `r`'s non-public fields.
pub fn sees_private(role: &Role, username: &str, r: &TechResult) -> bool {
    match role {
        Role::ZoneAdmin | Role::ZoneAnalyst | Role::ParkAdmin(_) => true,
        Role::University(u) => r.unit == *u || r.owner == username,
        Role::Enterprise(_) | Role::Department(_) => r.owner == username,
    }
}

/// `r` as `role` sees it.
pub fn result_row_as(role: &Role, username: &str, r: &TechResult) -> ResultRow {
    let mut row = views::result_row(r);
    if !sees_private(role, username, r) {
        row.price = PRICE_HIDDEN.into();
    }
    row
}

fn empty(mode: &str) -> AnswerView {
    AnswerView {
        hits: Vec::new(),
        messages: Vec::new(),
        mode: mode.to_string(),
    }
}

/// A result's page as `role` sees it (`None`: missing, or not readable by the role).
pub async fn result_page_as(
    store: &Store,
    zone: &Zone,
    role: &Role,
    username: &str,
    cfg: &TechConfig,
    id: &str,
) -> Result<Option<ResultPage>, String> {
    let Role::University(unit) = role else {
        let Some(mut p) = views::result_page(store, zone, &role.scope(), cfg, id).await? else {
            return Ok(None);
        };
        if let Some(r) = store
            .tech_result(&role.scope(), id)
            .await
            .map_err(|e| e.to_string())?
        {
            p.result = result_row_as(role, username, &r);
        }
        return Ok(Some(p));
    };
    let Some(r) = store
        .tech_result(&Scope::Zone, id)
        .await
        .map_err(|e| e.to_string())?
    else {
        return Ok(None);
    };
    let mode = crate::tech_match::mode_note();
    let demands = if r.unit == *unit {
        let m = views::matcher(store, zone, &Scope::Zone, cfg).await?;
        let a = m.search(
            Against::Demands,
            &result_query(&r),
            &Filter::default(),
            10,
            None,
            None,
        );
        let mut v = views::answer_view(a);
        for h in &mut v.hits {
            // the firm's name (and its park) stay with the firm's scope
            h.subtitle = if h.subtitle.ends_with("揭榜挂帅") {
                "揭榜挂帅".into()
            } else {
                "技术需求".into()
            };
        }
        v
    } else {
        empty(&mode)
    };
    Ok(Some(ResultPage {
        result: result_row_as(role, username, &r),
        demands,
        firms: empty(&mode),
    }))
}
