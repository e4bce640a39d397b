//! Loads the demo's synthetic appeals (`gaoxin_demo::appeals`) through the real workflow: each
//! appeal is filed by its firm (or by staff for a phone call or visit) and moved step by step at
//! its synthetic dates, so every transition is recorded as the workflow records it.
use crate::appeals::{Actor, AppealError, Filing, Move, act, file};
use crate::appeals_data::AppealsConfig;
use crate::appeals_flow::Action;
use gaoxin_demo::appeals::{Step, appeals};
use gaoxin_model::{Date, Enterprise};
use gaoxin_store::{Role, Store};

/// Replaces the stored appeals with `n` synthetic ones of `firms` filed from 2024 until `last`
/// (the day before today in a real run). Returns how many were filed.
pub async fn load(
    store: &Store,
    firms: &[Enterprise],
    n: usize,
    seed: u64,
    last: Date,
) -> Result<usize, AppealError> {
    let cfg = AppealsConfig::load().map_err(AppealError::Config)?;
    let (_, last_year) = cfg.calendar.years();
    let last = last.min(Date::new(last_year, 12, 31).unwrap_or(last));
    let first = Date::new(cfg.calendar.years().0, 1, 2).unwrap_or(last);
    store.clear_appeals().await?;
    let plan = appeals(firms.len(), n, seed, first, last);
    let admin = Actor::user("演示数据", &Role::ZoneAdmin);
    for p in &plan {
        let e = &firms[p.firm];
        let firm = Actor::user("演示企业", &Role::Enterprise(e.uscc.clone()));
        let park = Actor::user("演示园区", &Role::ParkAdmin(e.park.clone()));
        let at = |days: i64| (p.filed.days_since_epoch() + days) * 86_400 + 2 * 3600; // 10:00 in China
        let filer = if p.channel == "企业" { &firm } else { &park };
        let f = Filing {
            uscc: e.uscc.as_str().into(),
            category: p.category.into(),
            title: p.title.into(),
            description: p.description.into(),
            contact: "演示联系人 025-00000000".into(),
            channel: p.channel.into(),
            rule: String::new(),
        };
        let id = file(store, &cfg, filer, &f, at(0)).await?;
        for (d, s) in &p.steps {
            let (action, who, note, resolved) = match *s {
                Step::Assign => (Action::Assign, &park, "按交办表交办", false),
                Step::Sign => (Action::Sign, &admin, "", false),
                Step::Start => (Action::Start, &admin, "", false),
                Step::AskFirm => (Action::AskFirm, &admin, "请补充相关证明材料", false),
                Step::Supplement => (Action::Supplement, &firm, "已补充材料", false),
                Step::Reply => (Action::Reply, &admin, "已核实并答复（演示）", false),
                Step::Visit {
                    satisfied,
                    resolved,
                } => (
                    Action::Visit { satisfied },
                    &firm,
                    if satisfied { "" } else { "问题仍未解决" },
                    resolved,
                ),
                Step::Close => (Action::Close, &park, "办结", false),
            };
            let m = Move {
                action,
                note: note.into(),
                department: String::new(),
                resolved,
            };
            act(store, &cfg, who, id, &m, at(*d)).await?;
        }
    }
    Ok(plan.len())
}
