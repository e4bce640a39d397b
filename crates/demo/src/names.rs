//! Company names and unified social credit codes for synthetic firms.
//!
//! Names follow the common pattern 南京 + brand (2–3 characters) + industry word + company form,
//! e.g. 南京博芯微电子科技有限公司; uniqueness is enforced by the caller ([`NameBook`]). Credit codes
//! are `91` (工商, 企业) + a Nanjing district code + a nine-character organisation part that encodes
//! the firm's index bijectively (so codes are unique by construction), followed by the GB 32100
//! check character computed by [`Uscc::from_body`]. Firms founded from 2016 get the post-reform
//! `MA…` organisation part, older ones a numeric one, as real Nanjing codes do.
use crate::rng::Rng;
use gaoxin_model::Uscc;
use std::collections::HashSet;

/// Characters used in brand names: common, auspicious and technical-sounding, nothing a UI could
/// mistake for markup.
const BRAND: &[&str] = &[
    "博", "芯", "华", "创", "瑞", "源", "恒", "宇", "泰", "达", "鼎", "康", "睿", "智", "诺", "凯",
    "天", "浩", "拓", "锐", "海", "盛", "联", "弘", "启", "航", "宁", "金", "普", "润", "明", "辰",
    "昊", "晟", "科", "微", "云", "维", "安", "越", "中", "新", "苏", "钟", "紫", "江", "扬", "长",
    "飞", "腾", "麒", "麟", "星", "汇", "捷", "信", "易", "嘉", "和", "优", "聚", "元", "峰", "远",
    "德", "卓", "欣", "致", "合", "仁", "贝", "思", "奥", "迈", "擎", "璟", "骏", "曜", "澄", "朗",
    "晶", "光", "蓝", "青", "韵", "鑫", "亿", "衡", "恩", "伟", "丰", "祥", "众", "力", "沃", "驰",
];

/// Industry words by GB/T 4754 prefix (longest prefix wins); the first match decides.
const WORDS: &[(&str, &[&str])] = &[
    ("C27", &["生物医药", "药业", "生物制药", "医药", "生物工程"]),
    ("C358", &["医疗器械", "医疗科技", "医学仪器", "生物医疗"]),
    ("C397", &["微电子", "半导体", "集成电路", "芯片"]),
    ("C39", &["电子", "通信设备", "智能装备", "光电", "传感"]),
    ("C38", &["电气", "电力科技", "新能源", "储能", "电池"]),
    ("C37", &["航空科技", "无人机", "航空装备"]),
    ("C36", &["汽车科技", "新能源汽车", "汽车电子", "智能驾驶"]),
    ("C34", &["智能装备", "机器人", "精密机械", "自动化"]),
    ("C35", &["环保装备", "环境设备", "专用设备", "装备制造"]),
    ("C40", &["仪器", "测控", "智能仪表"]),
    ("C26", &["新材料", "化工新材料", "功能材料"]),
    ("D44", &["电力", "能源", "智慧能源"]),
    ("I6520", &["集成电路设计", "芯片设计", "微电子"]),
    ("I63", &["通信", "网络技术", "信息通信"]),
    ("I64", &["网络科技", "数字科技", "数据科技", "互联网科技"]),
    (
        "I65",
        &["软件", "信息技术", "智能科技", "数据", "数字技术", "云计算"],
    ),
    ("M73", &["生物科技", "医药研究", "检测技术", "研究院"]),
    ("M74", &["环境工程", "节能技术", "检测", "工程技术"]),
    ("M75", &["科技服务", "技术转移", "知识产权", "创新服务"]),
    ("N77", &["环保科技", "环境治理", "生态科技"]),
];

/// Company forms; most firms are limited-liability companies.
const FORMS: &[(&str, f64)] = &[
    ("科技有限公司", 0.48),
    ("有限公司", 0.22),
    ("技术有限公司", 0.14),
    ("股份有限公司", 0.08),
    ("科技股份有限公司", 0.08),
];

fn words_for(industry: &str) -> &'static [&'static str] {
    WORDS
        .iter()
        .filter(|(p, _)| industry.starts_with(p))
        .max_by_key(|(p, _)| p.len())
        .map(|(_, w)| *w)
        .unwrap_or(&["科技", "技术", "创新"])
}

/// Hands out unique, clean company names in a deterministic order.
pub struct NameBook {
    rng: Rng,
    seen: HashSet<u64>,
}

fn fnv1a(s: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in s.bytes() {
        h ^= b as u64;
        h = h.wrapping_mul(0x0000_0100_0000_01B3);
    }
    h
}

impl NameBook {
    pub fn new(seed: u64) -> NameBook {
        NameBook {
            rng: Rng::derive(seed, 2, 0),
            seen: HashSet::new(),
        }
    }

    /// A new name for a firm of `industry` (a GB/T 4754 code). Listed companies (`joint_stock`)
    /// always get a 股份有限公司 form.
    pub fn next(&mut self, industry: &str, joint_stock: bool) -> String {
        let words = words_for(industry);
        let mut attempt = 0;
        loop {
            // Mostly two-character brands; three when two are crowded or by taste; four as a last resort.
            let len = if attempt >= 40 {
                4
            } else if attempt >= 12 || self.rng.chance(0.22) {
                3
            } else {
                2
            };
            let mut name = String::from("南京");
            let mut prev = "";
            for _ in 0..len {
                let mut c = *self.rng.pick(BRAND);
                while c == prev {
                    c = *self.rng.pick(BRAND);
                }
                name.push_str(c);
                prev = c;
            }
            let word = words[self.rng.below(words.len())];
            if prev.is_empty() || word.starts_with(prev) {
                // 「芯芯片」: the brand's last character repeated by the industry word
                attempt += 1;
                continue;
            }
            name.push_str(word);
            let form = if joint_stock {
                if self.rng.chance(0.6) {
                    "科技股份有限公司"
                } else {
                    "股份有限公司"
                }
            } else {
                let w: Vec<f64> = FORMS.iter().map(|f| f.1).collect();
                FORMS[self.rng.weighted(&w)].0
            };
            // Avoid doubled words such as 数据科技科技有限公司, 节能技术技术有限公司 or
            // 数据科技技术有限公司: the industry word already says 科技 / 技术.
            let tech = |s: &str| s.ends_with("科技") || s.ends_with("技术");
            if tech(&name) && (form.starts_with("科技") || form.starts_with("技术")) {
                name.push_str(&form["科技".len()..]);
            } else {
                name.push_str(form);
            }
            if self.seen.insert(fnv1a(&name)) {
                return name;
            }
            attempt += 1;
        }
    }
}

const ALPHABET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";

/// A Nanjing administrative-division code for a park id (the district the park lies in).
pub fn division(park: &str) -> &'static str {
    match park {
        "jiangbei" | "pukou" => "320111",
        "xingang" | "qixia" => "320113",
        "jiangning-national" | "jiangning" | "qilin" => "320115",
        "xuanwu" => "320102",
        "qinhuai" => "320104",
        "jianye" => "320105",
        "gulou" => "320106",
        "yuhuatai" => "320114",
        "luhe" => "320116",
        "lishui" => "320117",
        "gaochun" => "320118",
        _ => "320100",
    }
}

/// The credit code of firm number `index` (unique for every index below 10⁹).
pub fn uscc(index: u64, park: &str, founded_year: i32) -> Uscc {
    let mut body = String::with_capacity(17);
    body.push_str("91");
    body.push_str(division(park));
    if founded_year >= 2016 {
        // 31^7 codes; an affine map with a multiplier coprime to 31 is a bijection.
        const M: u64 = 27_512_614_111; // 31^7
        let mut v = (index.wrapping_mul(1_000_003) + 7_654_321) % M;
        body.push_str("MA");
        let mut tail = [b'0'; 7];
        for c in tail.iter_mut().rev() {
            *c = ALPHABET[(v % 31) as usize];
            v /= 31;
        }
        body.push_str(std::str::from_utf8(&tail).expect("ascii"));
    } else {
        // Nine digits; the multiplier 3^18 is coprime to 10, so the map is a bijection mod 10^9.
        let v = (index.wrapping_mul(387_420_489) + 123_456_789) % 1_000_000_000;
        body.push_str(&format!("{v:09}"));
    }
    Uscc::from_body(&body).expect("generated credit-code body is well formed")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_valid_and_unique() {
        let mut seen = HashSet::new();
        for i in 0..20_000u64 {
            let y = if i % 2 == 0 { 2010 } else { 2020 };
            let u = uscc(i, "jiangbei", y);
            assert!(Uscc::parse(u.as_str()).is_ok());
            assert!(seen.insert(u.as_str().to_string()), "duplicate {u}");
        }
        assert!(uscc(5, "xuanwu", 2020).as_str().starts_with("91320102MA"));
    }

    #[test]
    fn names_are_unique_and_clean() {
        let mut book = NameBook::new(1);
        let mut seen = HashSet::new();
        for i in 0..20_000 {
            let ind = ["C2720", "I6513", "C3973", "M7530", "M7410", "X9999"][i % 6];
            let n = book.next(ind, i % 50 == 0);
            assert!(n.starts_with("南京") && n.ends_with("公司"), "{n}");
            for doubled in ["科技科技", "技术技术", "科技技术", "技术科技"] {
                assert!(!n.contains(doubled), "{n}");
            }
            let cs: Vec<char> = n.chars().collect();
            assert!(cs.windows(2).all(|w| w[0] != w[1]), "{n}");
            assert!(n.chars().all(|c| !c.is_ascii()), "{n}");
            assert!(seen.insert(n));
        }
    }
}
