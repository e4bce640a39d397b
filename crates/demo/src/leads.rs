//! Synthetic 新赛道大会 lead history and "五个一" records — labelled synthetic — calibrated to the
//! source (tracks, seeds/000): the 大会 held each year since 2021 (four editions, 2021–2024);
//! 300余家 firms engaged in all, of which 69 unicorn or potential-unicorn firms, 17 listed
//! companies and 超百家 frontier tech firms; leads worked 线上沟通 → 线下走访 → 企业考察 →
//! 项目路演 → 资本对接 → 场景关联 → 落地. What the source does not give (how many landed, the
//! investment, the days per stage, the edition dates) is the generator's assumption, stated here:
//! each stage is passed with probability 0.72, a stage lasts 7–75 days, a lead at 场景关联 lands
//! with probability 0.6 with an investment of 500万–5亿元 (log-uniform); a lead that stops moving
//! is dropped a year later with a coded reason (probability 0.55), else stays open with its next
//! action due around `today`; edition dates are 1 June (UNCONFIRMED).
//!
//! The history ends at `today` (the caller's date): open leads get a next action around it, so
//! some are past their date (stalled) as in real work. Same seed and `today`, same records.
use crate::names;
use crate::rng::Rng;
use gaoxin_model::{Date, Enterprise, Zone};

/// One synthetic lead (the store's lead columns, without depending on the store).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoLead {
    pub id: String,
    pub uscc: String,
    pub firm_name: String,
    pub in_panel: bool,
    pub firm_class: String,
    pub track: String,
    pub event: String,
    pub park: String,
    pub owner: String,
    pub stage: i64,
    pub max_stage: i64,
    pub stage_since: i64,
    pub next_action: String,
    pub next_date: Option<i64>,
    pub outcome: String,
    pub invest_fen: Option<i64>,
    pub landed_park: Option<String>,
    pub drop_reason: Option<String>,
    pub created_at: i64,
    pub created_by: String,
    pub updated_at: i64,
}

/// One history row of a synthetic lead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoLeadEvent {
    pub lead: String,
    pub seq: i64,
    pub at: i64,
    pub by: String,
    pub kind: String,
    pub from_stage: Option<i64>,
    pub to_stage: Option<i64>,
    pub dwell_days: Option<i64>,
    pub note: String,
}

/// One synthetic "五个一" element (element key and status key of `data/tracks/tracks.toml`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoElement {
    pub track: String,
    pub element: String,
    pub name: String,
    pub who: String,
    pub since: Option<i64>,
    pub status: String,
    pub evidence: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DemoLeads {
    pub leads: Vec<DemoLead>,
    pub events: Vec<DemoLeadEvent>,
    pub elements: Vec<DemoElement>,
}

/// The source's figures the history is calibrated to.
pub const FIRMS_ENGAGED: usize = 320;
pub const UNICORN_OR_POTENTIAL: usize = 69;
pub const UNICORNS: usize = 12;
pub const LISTED: usize = 17;
pub const FRONTIER: usize = 110;
/// Firms engaged again at a later edition (a second lead, another track).
const REPEATS: usize = 36;
const EDITIONS: [(&str, i32); 4] = [
    ("conf-2021", 2021),
    ("conf-2022", 2022),
    ("conf-2023", 2023),
    ("conf-2024", 2024),
];
const STAGES: i64 = 7;
const DAY: i64 = 86_400;

const CITIES: &[&str] = &[
    "北京", "上海", "深圳", "杭州", "苏州", "合肥", "广州", "成都", "武汉", "西安",
];
const WORDS: &[(&str, &[&str])] = &[
    ("t01", &["智算", "深度智能", "视觉智能", "认知智能"]),
    ("t02", &["通信", "光网", "星链通信", "毫米波"]),
    ("t03", &["细胞科技", "基因编辑", "生物治疗", "合成生物"]),
    ("t04", &["碳化硅", "氮化镓", "宽禁带半导体", "功率芯片"]),
    ("t05", &["飞行器", "无人机", "低空智航", "电动航空"]),
    ("t06", &["机器人", "具身智能", "灵巧手", "人形机器人"]),
    ("t07", &["大模型", "数据智能", "智能体", "语料科技"]),
    ("t08", &["工业软件", "仿真软件", "工业操作系统", "设计软件"]),
];
const ACTIONS: [&str; 6] = [
    "线上对接会",
    "园区实地走访",
    "组织企业考察",
    "安排项目路演",
    "对接投资机构",
    "对接应用场景",
];
const REASONS: [&str; 6] = ["D01", "D02", "D03", "D04", "D05", "D06"];

fn unix(d: Date) -> i64 {
    d.days_since_epoch() * DAY - 8 * 3600 + 10 * 3600
}

/// The lead history and the board's records for `zone`'s tracks and `firms` (the panel).
pub fn generate_leads(zone: &Zone, firms: &[Enterprise], seed: u64, today: Date) -> DemoLeads {
    let mut rng = Rng::derive(seed, 0x1EAD, 0);
    let tracks: Vec<&str> = zone.tracks.iter().map(|t| t.id.as_str()).collect();
    let parks: Vec<String> = zone.parks.iter().map(|p| p.id.to_string()).collect();
    // classes: the source's counts, the rest unclassified
    let mut classes: Vec<&str> = Vec::with_capacity(FIRMS_ENGAGED);
    classes.extend(std::iter::repeat_n("unicorn", UNICORNS));
    classes.extend(std::iter::repeat_n(
        "potential_unicorn",
        UNICORN_OR_POTENTIAL - UNICORNS,
    ));
    classes.extend(std::iter::repeat_n("listed", LISTED));
    classes.extend(std::iter::repeat_n("frontier", FRONTIER));
    classes.resize(FIRMS_ENGAGED, "");
    for i in (1..classes.len()).rev() {
        classes.swap(i, rng.below(i + 1));
    }
    // panel firms tagged to a track: about one lead in five is a firm already in the zone
    let mut tagged: Vec<&Enterprise> = firms.iter().filter(|e| !e.tracks.is_empty()).collect();
    for i in (1..tagged.len()).rev() {
        tagged.swap(i, rng.below(i + 1));
    }
    let mut out = DemoLeads::default();
    let mut firm_list: Vec<(String, String, bool, &str, String)> = Vec::new();
    for (i, class) in classes.iter().enumerate() {
        let from_panel = !tagged.is_empty() && rng.chance(0.2) && class.is_empty();
        let picked = if from_panel { tagged.pop() } else { None };
        let in_panel = picked.is_some();
        let (uscc, name, track) = if let Some(e) = picked {
            (
                e.uscc.as_str().to_string(),
                e.name.clone(),
                e.tracks[0].clone(),
            )
        } else {
            let t = *rng.pick(&tracks);
            let words = WORDS
                .iter()
                .find(|w| w.0 == t)
                .map(|w| w.1)
                .unwrap_or(&["科技"]);
            let name = format!(
                "{}{}{}科技有限公司（演示）",
                rng.pick(CITIES),
                rng.pick(words),
                ["云", "芯", "智", "翼", "源", "擎"][rng.below(6)]
            );
            let code = names::uscc(900_000_000 + i as u64, "", 2018)
                .as_str()
                .to_string();
            (code, name, t.to_string())
        };
        firm_list.push((uscc, name, in_panel, class, track));
    }
    let mut n = 0usize;
    let mut first_edition = vec![0usize; firm_list.len()];
    let mut seen = std::collections::HashSet::new();
    for (i, f) in firm_list.iter().enumerate() {
        let e = rng.below(EDITIONS.len());
        first_edition[i] = e;
        seen.insert((f.0.clone(), f.4.clone(), e));
        lead(&mut out, &mut rng, f, &f.4, e, &parks, today, &mut n);
    }
    // repeat engagements: a later edition, another track
    for k in 0..REPEATS {
        let i = (k * 7919) % firm_list.len();
        if first_edition[i] + 1 >= EDITIONS.len() {
            continue;
        }
        let e = first_edition[i] + 1 + rng.below(EDITIONS.len() - first_edition[i] - 1);
        let other = tracks
            .iter()
            .find(|t| **t != firm_list[i].4)
            .copied()
            .unwrap_or("t01");
        if !seen.insert((firm_list[i].0.clone(), other.to_string(), e)) {
            continue;
        }
        lead(
            &mut out,
            &mut rng,
            &firm_list[i],
            other,
            e,
            &parks,
            today,
            &mut n,
        );
    }
    out.elements = elements(zone);
    out
}

#[allow(clippy::too_many_arguments)]
fn lead(
    out: &mut DemoLeads,
    rng: &mut Rng,
    f: &(String, String, bool, &str, String),
    track: &str,
    edition: usize,
    parks: &[String],
    today: Date,
    n: &mut usize,
) {
    let (event, year) = EDITIONS[edition];
    let Some(start) = Date::new(year, 6, 1) else {
        return;
    };
    let end = unix(today);
    let created = unix(start) + rng.int(0, 45) * DAY;
    if created >= end {
        return;
    }
    *n += 1;
    let id = format!("LD{:05}", *n);
    let park = if rng.chance(0.15) {
        String::new()
    } else {
        parks[rng.below(parks.len())].clone()
    };
    let owner = if park.is_empty() {
        "admin".to_string()
    } else {
        format!("park-{park}")
    };
    let mut l = DemoLead {
        id: id.clone(),
        uscc: f.0.clone(),
        firm_name: f.1.clone(),
        in_panel: f.2,
        firm_class: f.3.to_string(),
        track: track.to_string(),
        event: event.to_string(),
        park: park.clone(),
        owner: owner.clone(),
        stage: 0,
        max_stage: 0,
        stage_since: created,
        next_action: String::new(),
        next_date: None,
        outcome: "open".into(),
        invest_fen: None,
        landed_park: None,
        drop_reason: None,
        created_at: created,
        created_by: owner.clone(),
        updated_at: created,
    };
    let mut seq = 1;
    let mut push = |out: &mut DemoLeads, at, kind: &str, from, to, dwell, note: String| {
        out.events.push(DemoLeadEvent {
            lead: id.clone(),
            seq,
            at,
            by: owner.clone(),
            kind: kind.into(),
            from_stage: from,
            to_stage: to,
            dwell_days: dwell,
            note,
        });
        seq += 1;
    };
    push(
        out,
        created,
        "created",
        None,
        Some(0),
        None,
        format!("{}现场对接（演示）", event),
    );
    let mut t = created;
    loop {
        let dwell = rng.int(7, 75);
        let next = t + dwell * DAY;
        let s = l.stage;
        if next > end {
            // still in this stage today: the next action is due around today
            l.next_action = ACTIONS[(s as usize).min(5)].into();
            let due = today.days_since_epoch() + rng.int(-40, 60);
            l.next_date = Some(Date::from_days_since_epoch(due).to_int());
            break;
        }
        if s == STAGES - 2 {
            if rng.chance(0.6) {
                let wan = (500.0 * 100f64.powf(rng.f64())).round() as i64;
                let lp = if park.is_empty() {
                    parks[rng.below(parks.len())].clone()
                } else {
                    park.clone()
                };
                l.outcome = "landed".into();
                l.stage = STAGES - 1;
                l.max_stage = STAGES - 1;
                l.invest_fen = Some(wan * 1_000_000);
                l.landed_park = Some(lp);
                push(
                    out,
                    next,
                    "landed",
                    Some(s),
                    Some(STAGES - 1),
                    Some(dwell),
                    "项目签约落地（演示）".into(),
                );
            } else {
                drop_lead(out, &mut l, rng, next, dwell, &mut push);
            }
            t = next;
            break;
        }
        if !rng.chance(0.72) {
            if next + 365 * DAY <= end && rng.chance(0.55) {
                drop_lead(out, &mut l, rng, next + 365 * DAY, dwell + 365, &mut push);
                t = next + 365 * DAY;
            } else {
                l.next_action = ACTIONS[(s as usize).min(5)].into();
                let due = today.days_since_epoch() + rng.int(-60, 45);
                l.next_date = Some(Date::from_days_since_epoch(due).to_int());
            }
            break;
        }
        l.stage = s + 1;
        l.max_stage = l.stage;
        l.stage_since = next;
        push(
            out,
            next,
            "stage",
            Some(s),
            Some(s + 1),
            Some(dwell),
            String::new(),
        );
        t = next;
    }
    l.updated_at = t.max(created);
    if l.outcome != "open" {
        l.stage_since = t;
    }
    out.leads.push(l);
}

fn drop_lead(
    out: &mut DemoLeads,
    l: &mut DemoLead,
    rng: &mut Rng,
    at: i64,
    dwell: i64,
    push: &mut impl FnMut(&mut DemoLeads, i64, &str, Option<i64>, Option<i64>, Option<i64>, String),
) {
    let r = REASONS[rng.below(REASONS.len())];
    l.outcome = "dropped".into();
    l.drop_reason = Some(r.into());
    push(
        out,
        at,
        "dropped",
        Some(l.stage),
        None,
        Some(dwell),
        r.to_string(),
    );
}

/// The board: the two tracks the source says MIIT lists the zone for (人工智能, 新一代信息通信)
/// complete, the others with gaps.
fn elements(zone: &Zone) -> Vec<DemoElement> {
    const KEYS: [&str; 5] = [
        "innovation_sources",
        "specialised_park",
        "promotion_agency",
        "track_fund",
        "flagship_conference",
    ];
    const KINDS: [&str; 5] = [
        "高校院所创新源头",
        "专业园区",
        "产业促进中心",
        "赛道基金",
        "品牌大会分论坛",
    ];
    // elements recorded per track (in KEYS order) and their status: o = operating, b = building, p = planned
    const PLAN: [&str; 8] = [
        "ooooo", "ooooo", "oob-o", "ob--o", "obp-o", "bp--o", "ob-po", "p---o",
    ];
    let mut v = Vec::new();
    for (t, plan) in zone.tracks.iter().zip(PLAN) {
        for (k, c) in plan.chars().enumerate() {
            let status = match c {
                'o' => "operating",
                'b' => "building",
                'p' => "planned",
                _ => continue,
            };
            v.push(DemoElement {
                track: t.id.clone(),
                element: KEYS[k].into(),
                name: format!("{}{}（演示）", t.name, KINDS[k]),
                who: if k == 4 {
                    "南京高新区管委会".into()
                } else {
                    format!("{}{}（演示）", t.name, "牵引单位")
                },
                since: Date::new(2021 + (k as i32 % 3), 6, 1).map(|d| d.to_int()),
                status: status.into(),
                evidence: "合成演示数据，非真实记录".into(),
            });
        }
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calibrated_to_the_source_and_deterministic() {
        let zone = Zone::parse(include_str!("../../../data/reference/zone.toml")).unwrap();
        let demo = crate::generate(
            &zone,
            &crate::DemoConfig {
                enterprises: 400,
                first_year: 2021,
                last_year: 2024,
                seed: 9,
            },
        );
        let today = Date::new(2026, 12, 6).unwrap();
        let a = generate_leads(&zone, &demo.enterprises, 9, today);
        assert_eq!(a, generate_leads(&zone, &demo.enterprises, 9, today));
        let firms: std::collections::HashSet<&str> =
            a.leads.iter().map(|l| l.uscc.as_str()).collect();
        assert!(firms.len() >= 300, "{}", firms.len());
        let distinct = |c: &[&str]| {
            a.leads
                .iter()
                .filter(|l| c.contains(&l.firm_class.as_str()))
                .map(|l| &l.uscc)
                .collect::<std::collections::HashSet<_>>()
                .len()
        };
        assert_eq!(distinct(&["unicorn", "potential_unicorn"]), 69);
        assert_eq!(distinct(&["listed"]), 17);
        assert!(distinct(&["frontier"]) > 100);
        let editions: std::collections::BTreeSet<&str> =
            a.leads.iter().map(|l| l.event.as_str()).collect();
        assert_eq!(editions.len(), 4);
        // every kind of outcome, stalled leads, and a history consistent with the leads
        assert!(
            a.leads.iter().any(|l| l.outcome == "landed")
                && a.leads.iter().any(|l| l.outcome == "dropped")
        );
        let t = today.to_int();
        assert!(
            a.leads
                .iter()
                .any(|l| l.outcome == "open" && l.next_date.is_some_and(|d| d < t))
        );
        for l in &a.leads {
            let h: Vec<_> = a.events.iter().filter(|e| e.lead == l.id).collect();
            assert_eq!(h[0].kind, "created");
            assert!(h.iter().all(|e| e.at <= unix(today)));
            assert!(l.max_stage >= l.stage);
        }
        // the board: complete for two tracks, gaps elsewhere
        assert_eq!(a.elements.iter().filter(|e| e.track == "t01").count(), 5);
        assert!(a.elements.len() < 40);
    }
}
