//! Synthetic talents for the demo zone (labelled synthetic: `synthetic = 1`, source 合成演示数据).
//!
//! Calibration to the city's 14th five-year plan (seeds 002): 3,000 newly introduced high-level
//! talents over 2021–2025 and 100 top talents (teams) by 2025 — so on the default 30,000-firm zone
//! about 3,000 talents (≈200 per park), arrivals rising towards the plan years (≈550 a year over
//! 2021–2024, on track for the 3,000), about 70 top teams, and 紫金山英才卡 holders about half of
//! them (A 5 %, B 15 %, C 30 %: UNCONFIRMED shares, the plan gives none). Two in three work in a
//! panel firm of their park (firms on a new track preferred), the others at universities and
//! institutes. Same seed, same talents.
use gaoxin_model::rng::Xoshiro256;
use gaoxin_model::{Enterprise, Zone};
use gaoxin_store::{Programme, Store, Talent};

const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "朱", "马", "胡", "郭",
    "何", "林", "高", "罗",
];
const GIVEN: &[&str] = &[
    "伟", "芳", "敏", "静", "磊", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "霞", "平", "刚",
    "宇", "婷", "博", "晨",
];
const FIELDS: &[&str] = &[
    "人工智能",
    "集成电路",
    "生物医药",
    "新能源汽车",
    "软件和信息服务",
    "智能制造装备",
    "新材料",
    "节能环保",
];
const INSTITUTIONS: &[(&str, &str)] = &[
    ("高校", "南京大学"),
    ("高校", "东南大学"),
    ("高校", "南京航空航天大学"),
    ("高校", "南京理工大学"),
    ("高校", "南京邮电大学"),
    ("科研院所", "中国科学院南京分院"),
    ("新型研发机构", "江苏省产业技术研究院"),
    ("新型研发机构", "南京集成电路产业服务中心"),
];
const PROGRAMMES: &[(&str, &str)] = &[
    ("国家级", "国家级人才计划"),
    ("省级", "江苏省“双创计划”"),
    ("市级", "紫金山英才计划"),
    ("区级", "高新区创新创业人才计划"),
];

fn pick<'a, T>(r: &mut Xoshiro256, v: &'a [T]) -> &'a T {
    &v[(r.next_u64() % v.len() as u64) as usize]
}

/// The demo talents for `firms` (count: a tenth of the firms, at least 60, at most 3,000),
/// arriving up to `last_year`.
pub fn generate(
    zone: &Zone,
    firms: &[Enterprise],
    seed: u64,
    last_year: i64,
    now: i64,
) -> Vec<Talent> {
    let mut r = Xoshiro256::new(seed ^ 0x007a_1e57);
    let n = (firms.len() / 10).clamp(60, 3000);
    let mut out = Vec::with_capacity(n);
    let mut team_no = 0;
    let mut i = 0;
    while out.len() < n {
        i += 1;
        let park = &pick(&mut r, &zone.parks).id;
        let in_park: Vec<&Enterprise> = firms.iter().filter(|e| &e.park == park).collect();
        // arrivals weighted towards the plan years (2021 on)
        // three in four arrive in the last four years (≈560 a year on the default zone)
        let back = if r.unit() < 0.75 {
            (r.next_u64() % 4) as i64
        } else {
            4 + (r.next_u64() % 6) as i64
        };
        let arrival = last_year - back;
        let (kind, employer, uscc) = if !in_park.is_empty() && r.unit() < 0.67 {
            let on_track: Vec<&&Enterprise> =
                in_park.iter().filter(|e| !e.tracks.is_empty()).collect();
            let e = if !on_track.is_empty() && r.unit() < 0.6 {
                **pick(&mut r, &on_track)
            } else {
                *pick(&mut r, &in_park)
            };
            (
                "企业".to_string(),
                e.name.clone(),
                Some(e.uscc.as_str().to_string()),
            )
        } else {
            let (k, name) = pick(&mut r, INSTITUTIONS);
            (k.to_string(), name.to_string(), None)
        };
        let card = match r.unit() {
            x if x < 0.05 => Some("A"),
            x if x < 0.20 => Some("B"),
            x if x < 0.50 => Some("C"),
            _ => None,
        };
        // a top team: a leader and two to four members, about one talent in forty leads one
        let team_size = if r.unit() < 0.025 {
            3 + (r.next_u64() % 3) as usize
        } else {
            1
        };
        let team = (team_size > 1).then(|| {
            team_no += 1;
            format!("合成团队{team_no:03}")
        });
        let left = (r.unit() < 0.08 && arrival < last_year)
            .then(|| arrival + 1 + (r.next_u64() % (last_year - arrival) as u64) as i64);
        for m in 0..team_size.min(n - out.len()) {
            let (level, prog) = pick(&mut r, PROGRAMMES);
            let field = pick(&mut r, FIELDS).to_string();
            out.push(Talent {
                code: format!("SYN-{:05}", i * 10 + m),
                name: format!(
                    "{}{}{}",
                    pick(&mut r, SURNAMES),
                    pick(&mut r, GIVEN),
                    pick(&mut r, GIVEN)
                ),
                gender: if r.unit() < 0.7 { "男" } else { "女" }.into(),
                birth_year: arrival - 28 - (r.next_u64() % 20) as i64,
                nationality: if r.unit() < 0.9 { "中国" } else { "美国" }.into(),
                degree: if r.unit() < 0.75 { "博士" } else { "硕士" }.into(),
                field,
                title: String::new(),
                employer_kind: kind.clone(),
                employer_uscc: uscc.clone(),
                employer_name: employer.clone(),
                park: park.to_string(),
                team: team.clone(),
                team_role: team
                    .as_ref()
                    .map(|_| if m == 0 { "负责人" } else { "成员" }.to_string()),
                top_team: team.is_some() || r.unit() < 0.005,
                card_level: card.map(str::to_string),
                arrival_year: arrival,
                status: if left.is_some() { "离开" } else { "在岗" }.into(),
                left_year: left,
                id_tail: None,
                source: "合成演示数据（gaoxin demo）".into(),
                updated_at: now,
                synthetic: true,
                programmes: vec![Programme {
                    programme: prog.to_string(),
                    level: level.to_string(),
                    year: arrival,
                    source: "合成演示数据".into(),
                }],
            });
        }
    }
    out
}

/// Replaces the synthetic talents with [`generate`]'s.
pub async fn load(
    store: &Store,
    zone: &Zone,
    firms: &[Enterprise],
    seed: u64,
    last_year: i64,
    now: i64,
) -> Result<usize, gaoxin_store::Error> {
    let v = generate(zone, firms, seed, last_year, now);
    store.replace_synthetic_talents(&v).await?;
    Ok(v.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::talent_monitor::{new_since_plan, top_teams};

    #[test]
    fn the_demo_is_deterministic_and_calibrated_to_the_plan() {
        let zone = Zone::parse(include_str!("../../../data/reference/zone.toml")).unwrap();
        let demo = gaoxin_demo::generate(
            &zone,
            &gaoxin_demo::DemoConfig {
                enterprises: 30_000,
                first_year: 2024,
                last_year: 2024,
                seed: 7,
            },
        );
        let a = generate(&zone, &demo.enterprises, 7, 2024, 1);
        assert_eq!(a, generate(&zone, &demo.enterprises, 7, 2024, 1));
        assert_eq!(a.len(), 3000);
        assert!(a.iter().all(|t| t.synthetic));
        // on track for 3,000 new talents by 2025: 2021–2024 bring roughly four fifths
        let new = new_since_plan(&a, 2024);
        assert!((1800..=2700).contains(&new), "{new}");
        let top = top_teams(&a, 2024).len();
        assert!((40..=110).contains(&top), "{top}");
        let mut codes: Vec<&str> = a.iter().map(|t| t.code.as_str()).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), a.len());
    }
}
