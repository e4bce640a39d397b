//! A deterministic synthetic corpus of research results and firms' demand texts in the zone's
//! fields, for the demo zone (`gaoxin_app::tech_demo`), the evaluation set and the 1,000,000-item
//! benchmark. Each result is drawn from a topic (a field, a subject, its methods and applications);
//! a demand words its topic from the firm's side (the application and the need first), so matching
//! is not a copy test. Names of units end in （演示）: the data are synthetic.
use gaoxin_model::rng::Xoshiro256;

/// A synthetic result: its fields and what it was drawn from (for the evaluation's labels).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SynthResult {
    pub id: String,
    pub name: String,
    pub summary: String,
    pub keywords: Vec<String>,
    pub field: String,
    pub unit: String,
    pub trl: u8,
    /// 参考价格 in 万元.
    pub price_wan: i64,
    pub ip_status: String,
    pub transfer_mode: String,
    pub topic: usize,
    pub subject: String,
    pub application: String,
}

/// A topic: field, subjects (a result names one), methods, applications, and the words a firm
/// would use for the same need.
pub struct Topic {
    pub field: &'static str,
    pub subjects: &'static [&'static str],
    pub methods: &'static [&'static str],
    pub uses: &'static [&'static str],
    pub needs: &'static [&'static str],
}

const fn t(
    field: &'static str,
    subjects: &'static [&'static str],
    methods: &'static [&'static str],
    uses: &'static [&'static str],
    needs: &'static [&'static str],
) -> Topic {
    Topic {
        field,
        subjects,
        methods,
        uses,
        needs,
    }
}

pub const TOPICS: &[Topic] = &[
    t(
        "集成电路",
        &["碳化硅功率器件", "氮化镓射频器件", "第三代半导体外延片"],
        &["外延生长", "栅氧可靠性", "高温封装", "缺陷控制"],
        &["新能源汽车电驱", "光伏逆变器", "5G基站"],
        &["降低功率模块损耗", "提升器件耐压", "国产化替代进口芯片"],
    ),
    t(
        "集成电路",
        &["芯片设计自动化", "低功耗处理器", "存算一体芯片"],
        &["逻辑综合", "时序优化", "近存计算"],
        &["边缘计算终端", "可穿戴设备", "物联网网关"],
        &["缩短芯片设计周期", "降低终端功耗"],
    ),
    t(
        "人工智能",
        &["工业视觉缺陷检测", "深度学习目标检测", "图像识别算法"],
        &["卷积神经网络", "小样本学习", "模型压缩"],
        &["晶圆检测", "锂电池极片检测", "纺织品瑕疵识别"],
        &["产线质检自动化", "替代人工目检", "提高检出率"],
    ),
    t(
        "人工智能",
        &["大模型知识问答", "自然语言处理", "知识图谱构建"],
        &["检索增强生成", "实体抽取", "语义理解"],
        &["政务热线", "智能客服", "专利检索"],
        &["客服工单自动分类", "企业知识库问答"],
    ),
    t(
        "人工智能",
        &["类脑智能芯片", "脉冲神经网络", "脑机接口解码"],
        &["神经形态计算", "脑电信号处理", "低功耗推理"],
        &["康复医疗", "智能机器人", "无人系统"],
        &["低功耗智能感知", "残疾人康复辅助"],
    ),
    t(
        "新能源",
        &["固态电池电解质", "锂电池热管理", "动力电池回收"],
        &["硫化物电解质", "液冷板设计", "湿法冶金"],
        &["新能源汽车", "储能电站", "电动两轮车"],
        &["提高电池安全性", "延长电池寿命", "回收锂钴镍"],
    ),
    t(
        "新能源",
        &["氢燃料电池", "光伏组件", "储能变流器"],
        &["膜电极制备", "钙钛矿叠层", "双向变流控制"],
        &["氢能重卡", "分布式光伏", "电网调峰"],
        &["降低制氢成本", "提升转换效率"],
    ),
    t(
        "生物医药",
        &["抗体药物", "细胞治疗", "基因编辑"],
        &["双特异性抗体", "CAR-T制备", "CRISPR递送"],
        &["肿瘤免疫治疗", "罕见病治疗", "自身免疫疾病"],
        &["创新药临床前研究", "降低细胞制备成本"],
    ),
    t(
        "生物医药",
        &["合成生物", "酶催化", "微生物发酵"],
        &["代谢工程", "定向进化", "高密度发酵"],
        &["化妆品原料", "食品添加剂", "生物基材料"],
        &["替代化学合成工艺", "提高发酵产率"],
    ),
    t(
        "医疗器械",
        &["体外诊断试剂", "微流控芯片", "医学影像"],
        &["化学发光", "核酸扩增", "图像重建"],
        &["基层医院", "床旁检测", "肿瘤早筛"],
        &["快速检测设备国产化", "降低检测成本"],
    ),
    t(
        "智能制造",
        &["工业机器人", "协作机器人", "数控机床"],
        &["运动控制", "力控装配", "误差补偿"],
        &["汽车焊装", "电子装配", "精密加工"],
        &["产线柔性改造", "提高装配精度"],
    ),
    t(
        "智能制造",
        &["工业互联网平台", "设备预测性维护", "数字孪生工厂"],
        &["振动信号分析", "故障诊断", "边缘计算"],
        &["化工装置", "风电机组", "轨道交通"],
        &["减少非计划停机", "设备健康管理"],
    ),
    t(
        "新材料",
        &["石墨烯导热膜", "高分子复合材料", "纳米涂层"],
        &["化学气相沉积", "界面改性", "溶胶凝胶"],
        &["手机散热", "航空航天结构件", "防腐涂装"],
        &["轻量化结构件", "提升散热性能"],
    ),
    t(
        "软件和信息服务",
        &["区块链存证", "数据安全网关", "隐私计算"],
        &["联邦学习", "同态加密", "零信任架构"],
        &["金融风控", "政务数据共享", "医疗数据流通"],
        &["数据合规流通", "防止数据泄露"],
    ),
    t(
        "智能网联汽车",
        &["自动驾驶感知", "激光雷达", "车路协同"],
        &["多传感器融合", "点云分割", "高精定位"],
        &["无人配送", "智慧港口", "城市公交"],
        &["低速无人车落地", "提高感知精度"],
    ),
    t(
        "节能环保",
        &["工业污水处理", "固废资源化", "VOCs治理"],
        &["膜分离", "高级氧化", "催化燃烧"],
        &["化工园区", "印染企业", "电镀行业"],
        &["降低废水处理成本", "达标排放"],
    ),
];

const ADJ: [&str; 8] = [
    "高可靠",
    "低成本",
    "高效",
    "新型",
    "一种",
    "面向产业化的",
    "高精度",
    "绿色",
];
const KIND: [&str; 5] = ["技术", "方法及装置", "工艺", "系统", "关键技术研究"];
pub const UNITS: [&str; 8] = [
    "南京大学（演示）",
    "东南大学（演示）",
    "南京航空航天大学（演示）",
    "南京理工大学（演示）",
    "河海大学（演示）",
    "南京工业大学（演示）",
    "南京邮电大学（演示）",
    "中科院南京分院（演示）",
];
const MODES: [&str; 4] = ["转让", "许可", "作价入股", "合作开发"];

pub struct R(pub Xoshiro256);

impl R {
    pub fn below(&mut self, n: usize) -> usize {
        (self.0.next_u64() % n.max(1) as u64) as usize
    }
    pub fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[self.below(xs.len())]
    }
}

/// The `i`-th synthetic result (deterministic for `seed`).
pub fn result(seed: u64, i: usize) -> SynthResult {
    let mut r = R(Xoshiro256::new(
        seed ^ (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15),
    ));
    let ti = r.below(TOPICS.len());
    let tp = &TOPICS[ti];
    let subject = r.pick(tp.subjects);
    let method = r.pick(tp.methods);
    let mut m2 = r.pick(tp.methods);
    if m2 == method {
        let k = tp.methods.iter().position(|m| *m == method).unwrap_or(0);
        m2 = tp.methods[(k + 1) % tp.methods.len()];
    }
    let use_ = r.pick(tp.uses);
    let name = format!("{}{}{}{}", r.pick(&ADJ), subject, method, r.pick(&KIND));
    let summary = format!(
        "本成果针对{use_}中的关键问题，研究{subject}的{method}与{m2}，形成自主知识产权，\
         性能达到国内先进水平，已完成{}验证，可在{use_}等场景推广应用。",
        ["实验室", "小试", "中试", "示范线"][r.below(4)]
    );
    SynthResult {
        id: format!("CG{:07}", i + 1),
        name,
        summary,
        keywords: vec![subject.to_string(), method.to_string(), use_.to_string()],
        field: tp.field.to_string(),
        unit: r.pick(&UNITS).to_string(),
        trl: 3 + r.below(7) as u8,
        price_wan: 20 + r.below(980) as i64,
        ip_status: format!(
            "发明专利 ZL20{}1{:07}.X",
            18 + r.below(7),
            r.below(9_999_999)
        ),
        transfer_mode: r.pick(&MODES).to_string(),
        topic: ti,
        subject: subject.to_string(),
        application: use_.to_string(),
    }
}

/// The `i`-th synthetic demand text of topic `ti`: (name, description), worded from the firm's side.
pub fn demand_text(seed: u64, i: usize, ti: usize) -> (String, String) {
    let mut r = R(Xoshiro256::new(
        seed.rotate_left(17) ^ (i as u64 + 1).wrapping_mul(0xD134_2543_DE82_EF95),
    ));
    let tp = &TOPICS[ti];
    let use_ = r.pick(tp.uses);
    let need = r.pick(tp.needs);
    let subject = r.pick(tp.subjects);
    let name = format!("{use_}{need}");
    let desc = format!(
        "我公司从事{use_}相关业务，目前面临{need}的难题，希望引进{subject}方面的成熟技术或与高校联合攻关，\
         要求具备中试以上验证。"
    );
    (name, desc)
}
