//! Synthetic appeals (企业诉求直通车) for the demo zone: who files what, when, and how each appeal
//! moves (routing, waiting for the firm, replies, 回访 with some firms unsatisfied → 重办, 办结).
//! Labelled synthetic like the rest of the demo; deterministic for a seed. The texts are a small
//! set of typical appeals per category (not real cases). The app replays the steps through the
//! real workflow (`gaoxin_app::appeals_demo`), so the history is what the workflow records.
use crate::rng::Rng;
use gaoxin_model::Date;

/// One move of a synthetic appeal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Assign,
    Sign,
    Start,
    AskFirm,
    Supplement,
    Reply,
    Visit { satisfied: bool, resolved: bool },
    Close,
}

/// A synthetic appeal: the firm (index into the demo's firms), the day filed, what, and its steps
/// (calendar days after filing, in order).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoAppeal {
    pub firm: usize,
    pub filed: Date,
    pub category: &'static str,
    pub title: &'static str,
    pub description: &'static str,
    pub channel: &'static str,
    pub steps: Vec<(i64, Step)>,
}

const TEXTS: &[(&str, &str, &str)] = &[
    (
        "政策兑现",
        "高企认定奖励未到账",
        "去年认定的高新技术企业奖励至今没有到账，请协助查询拨付进度。",
    ),
    (
        "政策兑现",
        "研发费用补助进度",
        "研发费用补助公示已过三个月，资金何时拨付？",
    ),
    (
        "用地用房",
        "扩产需要新增厂房",
        "公司扩产需要新增约5000平方米厂房，园区是否有可租载体？",
    ),
    (
        "用地用房",
        "人才公寓申请",
        "新引进研发团队希望申请人才公寓。",
    ),
    (
        "融资",
        "流动资金贷款",
        "流动资金紧张，希望对接银行授信，了解宁科贷条件。",
    ),
    (
        "融资",
        "对接产业基金",
        "正在准备A轮融资，希望对接区内产业基金。",
    ),
    (
        "人才",
        "博士落户手续",
        "引进的博士落户手续办理较慢，请协调。",
    ),
    ("人才", "员工子女入学", "外地员工子女入学需要哪些证明材料？"),
    ("审批", "施工许可办理", "施工许可证提交一个月尚未批复。"),
    ("审批", "环评手续时限", "新建实验室的环评手续需要多长时间？"),
    (
        "知识产权",
        "专利被仿制",
        "发明专利被竞争对手仿制，希望获得维权援助。",
    ),
    (
        "市场拓展",
        "应用场景试点",
        "自动驾驶产品希望在区内找到应用场景试点。",
    ),
    (
        "园区配套",
        "园区频繁停电",
        "园区最近频繁停电，影响生产线运行。",
    ),
    (
        "园区配套",
        "增加通勤班车",
        "希望增加一条到地铁站的班车线路。",
    ),
    ("其他", "统计报表口径", "想了解区里统计报表的填报口径。"),
];

/// `n` synthetic appeals by `n_firms` firms, filed between `first` and `last` (inclusive); those
/// filed near `last` are still open.
pub fn appeals(n_firms: usize, n: usize, seed: u64, first: Date, last: Date) -> Vec<DemoAppeal> {
    let mut out = Vec::with_capacity(n);
    if n_firms == 0 {
        return out;
    }
    let span = (last.days_since_epoch() - first.days_since_epoch()).max(1);
    for i in 0..n {
        let mut r = Rng::derive(seed, 0xA99E, i as u64);
        // a few firms file several (repeat appeals): the first fiftieth of the firms weigh more
        let firm = if r.f64() < 0.3 {
            (r.next_u64() as usize) % n_firms.div_ceil(50)
        } else {
            (r.next_u64() as usize) % n_firms
        };
        let (category, title, description) = TEXTS[(r.next_u64() as usize) % TEXTS.len()];
        let offset = (r.next_u64() % span as u64) as i64;
        let filed = Date::from_days_since_epoch(first.days_since_epoch() + offset);
        let age = span - offset;
        let channel = ["企业", "企业", "企业", "电话", "走访"][(r.next_u64() % 5) as usize];
        let mut steps = Vec::new();
        let mut day = 0i64;
        let push = |steps: &mut Vec<(i64, Step)>, d: i64, s: Step| {
            if d <= age {
                steps.push((d, s));
            }
        };
        day += 1 + (r.next_u64() % 2) as i64;
        push(&mut steps, day, Step::Assign);
        day += (r.next_u64() % 2) as i64;
        push(&mut steps, day, Step::Sign);
        push(&mut steps, day, Step::Start);
        if r.f64() < 0.2 {
            day += 1;
            push(&mut steps, day, Step::AskFirm);
            day += 2 + (r.next_u64() % 5) as i64;
            push(&mut steps, day, Step::Supplement);
        }
        // some departments answer late: a long tail of reply times
        day += 2 + (r.next_u64() % if r.f64() < 0.15 { 30 } else { 12 }) as i64;
        push(&mut steps, day, Step::Reply);
        let mut rounds = 0;
        loop {
            day += 1 + (r.next_u64() % 4) as i64;
            let satisfied = rounds > 0 || r.f64() > 0.15;
            let resolved = satisfied && r.f64() > 0.1;
            push(
                &mut steps,
                day,
                Step::Visit {
                    satisfied,
                    resolved,
                },
            );
            if satisfied {
                break;
            }
            rounds += 1;
            day += 3 + (r.next_u64() % 8) as i64;
            push(&mut steps, day, Step::Reply);
        }
        day += 1 + (r.next_u64() % 3) as i64;
        push(&mut steps, day, Step::Close);
        out.push(DemoAppeal {
            firm,
            filed,
            category,
            title,
            description,
            channel,
            steps,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_and_within_the_dates() {
        let a = Date::new(2024, 1, 2).unwrap();
        let b = Date::new(2026, 11, 30).unwrap();
        let x = appeals(100, 300, 42, a, b);
        assert_eq!(x, appeals(100, 300, 42, a, b));
        assert_eq!(x.len(), 300);
        assert!(
            x.iter()
                .all(|p| p.filed >= a && p.filed <= b && p.firm < 100)
        );
        // some closed, some open, some reopened
        assert!(
            x.iter()
                .any(|p| p.steps.last().map(|s| s.1) == Some(Step::Close))
        );
        assert!(
            x.iter()
                .any(|p| p.steps.last().map(|s| s.1) != Some(Step::Close))
        );
        assert!(x.iter().any(|p| p.steps.iter().any(|s| matches!(
            s.1,
            Step::Visit {
                satisfied: false,
                ..
            }
        ))));
        assert!(appeals(0, 5, 1, a, b).is_empty());
    }
}
