//! 科技创新生态图谱 (the ecosystem graph, issue 17): one graph of the zone's actors and their ties,
//! built from what the platform already holds, as a pure function of the loaded data
//! ([`EcoInput`], read through the store by [`load`]).
//!
//! Nodes: firms (with their tier, park, first cluster and track), new R&D institutions
//! (新型研发机构), universities and institutes (the institution ends of the cluster link records
//! and the 完成单位 of results in registered technology contracts), funds, parks, clusters and
//! tracks. Edges: membership (firm → park, cluster, track; institution → park; track fund →
//! track) and ties (incubation institution → firm, investment fund → firm with its amount, the
//! link records: supply, technology contract, co-applied patent, shared platform; registered
//! technology contracts result unit → firm with their amount). Several records of the same pair
//! and kind are one edge whose weight is the number of records.
//!
//! What a viewer sees (decided here, tested here and in the web crate):
//! * the zone (administrators, analysts, the CLI): every firm, named;
//! * a park administrator: its own park's firms (named) and their direct neighbours; a
//!   neighbour that is another park's firm is drawn only inside an anonymous group
//!   「其他园区企业 · 园区 · 层级」 (never its name or code), and ties among other parks' firms are
//!   not shown;
//! * firms and departments: nothing (the page is a staff route).
//!
//! Above `max_nodes` (`data/schemes/ecosystem-graph.toml`) the drawn graph groups firms by park ×
//! tier (or by cluster) and says so; the measures ([`measures`]) are computed on the graph before
//! grouping, betweenness on the drawn one.
use crate::data_files;
use crate::error::EvalError;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, HashMap};

#[path = "ecosystem_measures.rs"]
pub mod measures;
pub use measures::*;
#[path = "ecosystem_load.rs"]
mod load_mod;
pub use load_mod::*;
#[path = "ecosystem_export.rs"]
pub mod export;
#[path = "ecosystem_search.rs"]
mod search_mod;
pub use search_mod::*;
#[path = "ecosystem_cache.rs"]
mod cache_mod;
pub use cache_mod::*;
#[path = "ecosystem_isolated.rs"]
mod isolated_mod;
pub use isolated_mod::*;

/// The configuration file in use.
pub const CONFIG_FILE: &str = "ecosystem-graph.toml";

/// How the drawn graph groups firms above the threshold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum GroupBy {
    ParkTier,
    Cluster,
}

/// `data/schemes/ecosystem-graph.toml`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct EcoConfig {
    pub document: String,
    pub version: String,
    pub source: String,
    pub status: String,
    pub max_nodes: usize,
    pub group_by: GroupBy,
    pub top: usize,
    pub high_tiers: Vec<String>,
    /// Where the file was read from (set by [`config`]).
    #[serde(skip_deserializing)]
    pub path: String,
}

impl EcoConfig {
    /// Parses and checks the file (`shown` names it in messages).
    pub fn parse(text: &str, shown: &str) -> Result<EcoConfig, EvalError> {
        let mut c: EcoConfig = toml::from_str(text)
            .map_err(|e| EvalError::NoData(format!("{shown}：生态图谱配置无法读取：{e}")))?;
        if c.max_nodes < 10 {
            return Err(EvalError::NoData(format!(
                "{shown}：max_nodes 须不少于 10（现为 {}）",
                c.max_nodes
            )));
        }
        if c.top == 0 {
            return Err(EvalError::NoData(format!("{shown}：top 须大于 0")));
        }
        for t in &c.high_tiers {
            if Tier::parse(t).is_none() {
                return Err(EvalError::NoData(format!(
                    "{shown}：high_tiers 中的层级「{t}」无效（可用 unicorn、gazelle、hightech、techsme、other）"
                )));
            }
        }
        c.path = shown.to_string();
        Ok(c)
    }

    /// The high tiers as values.
    pub fn high(&self) -> Vec<Tier> {
        self.high_tiers
            .iter()
            .filter_map(|t| Tier::parse(t))
            .collect()
    }
}

/// The configuration from `$GAOXIN_SCHEMES`, `data/schemes` or the shipped copy.
pub fn config() -> Result<EcoConfig, EvalError> {
    let f = data_files::SCHEMES
        .file(CONFIG_FILE)
        .ok_or_else(|| EvalError::NoData(format!("找不到生态图谱配置文件 {CONFIG_FILE}")))?;
    EcoConfig::parse(&f.text, &f.path.display().to_string())
}

/// A firm's rung of the ladder as recorded for the year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Tier {
    Unicorn,
    Gazelle,
    Hightech,
    Techsme,
    Other,
}

impl Tier {
    pub const ALL: [Tier; 5] = [
        Tier::Unicorn,
        Tier::Gazelle,
        Tier::Hightech,
        Tier::Techsme,
        Tier::Other,
    ];

    pub fn key(self) -> &'static str {
        match self {
            Tier::Unicorn => "unicorn",
            Tier::Gazelle => "gazelle",
            Tier::Hightech => "hightech",
            Tier::Techsme => "techsme",
            Tier::Other => "other",
        }
    }

    pub fn zh(self) -> &'static str {
        match self {
            Tier::Unicorn => "独角兽",
            Tier::Gazelle => "瞪羚",
            Tier::Hightech => "高新技术企业",
            Tier::Techsme => "科技型中小企业",
            Tier::Other => "其他企业",
        }
    }

    pub fn parse(s: &str) -> Option<Tier> {
        Tier::ALL.into_iter().find(|t| t.key() == s)
    }

    /// The highest recorded rung in `year`: on the unicorn list, on the gazelle list, a
    /// high-tech certificate of the last three years (its validity), registered as a tech SME.
    pub fn of(
        unicorn: Option<i64>,
        gazelle: Option<i64>,
        cert_date: Option<i64>,
        techsme: Option<i64>,
        year: i32,
    ) -> Tier {
        let cert = cert_date
            .is_some_and(|d| (i64::from(year - 2)..=i64::from(year)).contains(&(d / 10_000)));
        if unicorn == Some(1) {
            Tier::Unicorn
        } else if gazelle == Some(1) {
            Tier::Gazelle
        } else if cert {
            Tier::Hightech
        } else if techsme == Some(1) {
            Tier::Techsme
        } else {
            Tier::Other
        }
    }
}

/// What a node is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NodeKind {
    Firm,
    Group,
    Rdi,
    Institute,
    Fund,
    Park,
    Cluster,
    Track,
}

impl NodeKind {
    pub const ALL: [NodeKind; 8] = [
        NodeKind::Firm,
        NodeKind::Group,
        NodeKind::Rdi,
        NodeKind::Institute,
        NodeKind::Fund,
        NodeKind::Park,
        NodeKind::Cluster,
        NodeKind::Track,
    ];
    /// The kinds a viewer may hide (firms and their groups are always drawn).
    pub const OPTIONAL: [NodeKind; 6] = [
        NodeKind::Rdi,
        NodeKind::Institute,
        NodeKind::Fund,
        NodeKind::Park,
        NodeKind::Cluster,
        NodeKind::Track,
    ];

    pub fn key(self) -> &'static str {
        match self {
            NodeKind::Firm => "firm",
            NodeKind::Group => "group",
            NodeKind::Rdi => "rdi",
            NodeKind::Institute => "institute",
            NodeKind::Fund => "fund",
            NodeKind::Park => "park",
            NodeKind::Cluster => "cluster",
            NodeKind::Track => "track",
        }
    }

    pub fn zh(self) -> &'static str {
        match self {
            NodeKind::Firm => "企业",
            NodeKind::Group => "企业（汇总）",
            NodeKind::Rdi => "新型研发机构",
            NodeKind::Institute => "高校院所",
            NodeKind::Fund => "基金",
            NodeKind::Park => "园区",
            NodeKind::Cluster => "产业集群",
            NodeKind::Track => "新赛道",
        }
    }

    pub fn parse(s: &str) -> Option<NodeKind> {
        NodeKind::ALL.into_iter().find(|k| k.key() == s)
    }
}

/// What an edge is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EdgeKind {
    Located,
    Member,
    OnTrack,
    Incubation,
    Investment,
    Supply,
    TechContract,
    CoPatent,
    SharedPlatform,
    Registered,
}

impl EdgeKind {
    pub const ALL: [EdgeKind; 10] = [
        EdgeKind::Located,
        EdgeKind::Member,
        EdgeKind::OnTrack,
        EdgeKind::Incubation,
        EdgeKind::Investment,
        EdgeKind::Supply,
        EdgeKind::TechContract,
        EdgeKind::CoPatent,
        EdgeKind::SharedPlatform,
        EdgeKind::Registered,
    ];

    pub fn key(self) -> &'static str {
        match self {
            EdgeKind::Located => "located",
            EdgeKind::Member => "member",
            EdgeKind::OnTrack => "track",
            EdgeKind::Incubation => "incubation",
            EdgeKind::Investment => "investment",
            EdgeKind::Supply => "supply",
            EdgeKind::TechContract => "tech_contract",
            EdgeKind::CoPatent => "co_patent",
            EdgeKind::SharedPlatform => "shared_platform",
            EdgeKind::Registered => "registered_contract",
        }
    }

    pub fn zh(self) -> &'static str {
        match self {
            EdgeKind::Located => "位于园区",
            EdgeKind::Member => "集群成员",
            EdgeKind::OnTrack => "所属赛道",
            EdgeKind::Incubation => "孵化",
            EdgeKind::Investment => "基金投资",
            EdgeKind::Supply => "供应链",
            EdgeKind::TechContract => "技术合同（关联记录）",
            EdgeKind::CoPatent => "共同申请专利",
            EdgeKind::SharedPlatform => "共享平台",
            EdgeKind::Registered => "技术合同登记",
        }
    }

    /// A link record's kind (the cluster links' keys).
    pub fn from_link(kind: &str) -> Option<EdgeKind> {
        match kind {
            "supply" => Some(EdgeKind::Supply),
            "tech_contract" => Some(EdgeKind::TechContract),
            "co_patent" => Some(EdgeKind::CoPatent),
            "shared_platform" => Some(EdgeKind::SharedPlatform),
            _ => None,
        }
    }

    /// A tie between actors (everything but membership).
    pub fn is_tie(self) -> bool {
        !matches!(
            self,
            EdgeKind::Located | EdgeKind::Member | EdgeKind::OnTrack
        )
    }

    /// An observed link (link records and registered contracts).
    pub fn is_observed(self) -> bool {
        matches!(
            self,
            EdgeKind::Supply
                | EdgeKind::TechContract
                | EdgeKind::CoPatent
                | EdgeKind::SharedPlatform
                | EdgeKind::Registered
        )
    }
}

/// A firm of the year.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FirmIn {
    pub uscc: String,
    pub name: String,
    pub park: String,
    pub tier: Tier,
    /// Cluster definition ids the firm is a member of this year.
    pub clusters: Vec<String>,
    pub tracks: Vec<String>,
}

/// A new R&D institution.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RdiIn {
    pub id: String,
    pub name: String,
    pub park: String,
}

/// A fund.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FundIn {
    pub id: String,
    pub name: String,
    /// Track id of a track fund, else empty.
    pub track: String,
}

/// One end of a tie.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Party {
    Firm(String),
    Institute(String),
}

/// A tie record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TieIn {
    /// Institution id → firm.
    Incubation { rdi: String, uscc: String },
    /// Fund id → firm, amount in fen.
    Investment {
        fund: String,
        uscc: String,
        amount_fen: i64,
    },
    /// A link record of the year.
    Link {
        from: Party,
        to: Party,
        kind: EdgeKind,
    },
    /// A registered technology contract: result unit → firm, amount in fen.
    Contract {
        unit: String,
        uscc: String,
        amount_fen: i64,
    },
}

/// Everything the graph is built from (one year).
#[derive(Debug, Clone, Default)]
pub struct EcoInput {
    pub year: i32,
    /// (id, name), in the zone file's order.
    pub parks: Vec<(String, String)>,
    pub clusters: Vec<(String, String)>,
    pub tracks: Vec<(String, String)>,
    pub firms: Vec<FirmIn>,
    pub rdis: Vec<RdiIn>,
    pub funds: Vec<FundIn>,
    pub ties: Vec<TieIn>,
}

/// The page's filters.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    pub park: Option<String>,
    pub track: Option<String>,
    pub cluster: Option<String>,
    /// Optional kinds hidden (see [`NodeKind::OPTIONAL`]).
    pub hidden: BTreeSet<NodeKind>,
}

/// Who looks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Viewer {
    Zone,
    Park(String),
}

/// A node of the graph.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Node {
    /// Stable id (kind prefix and the record's key).
    pub id: String,
    pub kind: NodeKind,
    pub label: String,
    pub park: Option<String>,
    pub tier: Option<Tier>,
    pub cluster: Option<String>,
    pub track: Option<String>,
    /// Firms the node stands for (1 a firm, N a group, 0 another actor).
    pub firms: u64,
    /// The page a click opens.
    pub href: Option<String>,
}

/// An edge (several records of the same pair and kind merged).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Edge {
    pub source: usize,
    pub target: usize,
    pub kind: EdgeKind,
    /// Records merged into the edge.
    pub weight: u64,
    /// Sum of the records' amounts (fen; investments and registered contracts).
    pub amount_fen: i64,
}

/// A graph as built or as drawn.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Graph {
    pub nodes: Vec<Node>,
    pub edges: Vec<Edge>,
    /// Firms drawn as groups (above the threshold).
    pub aggregated: bool,
    /// Ties inside one group, not drawn (aggregated graph only).
    pub internal_ties: u64,
}

#[derive(Default)]
struct Builder {
    g: Graph,
    ix: HashMap<String, usize>,
    ex: HashMap<(usize, usize, EdgeKind), usize>,
}

impl Builder {
    fn node(&mut self, n: Node) -> usize {
        if let Some(&i) = self.ix.get(&n.id) {
            return i;
        }
        let i = self.g.nodes.len();
        self.ix.insert(n.id.clone(), i);
        self.g.nodes.push(n);
        i
    }

    fn edge(&mut self, a: usize, b: usize, kind: EdgeKind, weight: u64, amount_fen: i64) {
        if a == b {
            self.g.internal_ties += weight;
            return;
        }
        // undirected: a pair's records in either direction are one edge (drawn as first seen)
        let key = (a.min(b), a.max(b), kind);
        match self.ex.get(&key) {
            Some(&e) => {
                self.g.edges[e].weight += weight;
                self.g.edges[e].amount_fen += amount_fen;
            }
            None => {
                self.ex.insert(key, self.g.edges.len());
                self.g.edges.push(Edge {
                    source: a,
                    target: b,
                    kind,
                    weight,
                    amount_fen,
                });
            }
        }
    }
}

fn actor(
    id: String,
    kind: NodeKind,
    label: &str,
    park: Option<&str>,
    href: Option<String>,
) -> Node {
    Node {
        id,
        kind,
        label: label.to_string(),
        park: park.map(str::to_string),
        tier: None,
        cluster: None,
        track: None,
        firms: 0,
        href,
    }
}

fn name_of<'a>(list: &'a [(String, String)], id: &'a str) -> &'a str {
    list.iter()
        .find(|(i, _)| i == id)
        .map(|(_, n)| n.as_str())
        .unwrap_or(id)
}

fn firm_node(f: &FirmIn) -> Node {
    Node {
        id: format!("firm:{}", f.uscc),
        kind: NodeKind::Firm,
        label: f.name.clone(),
        park: Some(f.park.clone()),
        tier: Some(f.tier),
        cluster: f.clusters.first().cloned(),
        track: f.tracks.first().cloned(),
        firms: 1,
        href: Some(format!("/enterprises/{}", f.uscc)),
    }
}

/// The anonymous group standing for another park's firms of one tier (a park viewer's graph).
fn anonymous_group(inp: &EcoInput, park: &str, tier: Tier) -> Node {
    Node {
        id: format!("other:{park}:{}", tier.key()),
        kind: NodeKind::Group,
        label: format!(
            "其他园区企业 · {} · {}",
            name_of(&inp.parks, park),
            tier.zh()
        ),
        park: Some(park.to_string()),
        tier: Some(tier),
        cluster: None,
        track: None,
        firms: 0,
        href: None,
    }
}

/// The graph `viewer` sees under `filter` (firms not grouped; see the module docs).
pub fn build(inp: &EcoInput, filter: &Filter, viewer: &Viewer) -> Graph {
    let own = |f: &FirmIn| match viewer {
        Viewer::Zone => true,
        Viewer::Park(p) => f.park == *p,
    };
    let matches = |f: &FirmIn| {
        filter.park.as_ref().is_none_or(|p| f.park == *p)
            && filter.track.as_ref().is_none_or(|t| f.tracks.contains(t))
            && filter
                .cluster
                .as_ref()
                .is_none_or(|c| f.clusters.contains(c))
    };
    let shown = |k: NodeKind| !filter.hidden.contains(&k);
    let firm_ix: HashMap<&str, usize> = inp
        .firms
        .iter()
        .enumerate()
        .map(|(i, f)| (f.uscc.as_str(), i))
        .collect();
    let focus: Vec<bool> = inp.firms.iter().map(|f| own(f) && matches(f)).collect();
    let mut b = Builder::default();
    for (i, f) in inp.firms.iter().enumerate() {
        if !focus[i] {
            continue;
        }
        let n = b.node(firm_node(f));
        if shown(NodeKind::Park) {
            let p = b.node(park_node(inp, &f.park));
            b.edge(n, p, EdgeKind::Located, 1, 0);
        }
        if shown(NodeKind::Cluster) {
            for c in &f.clusters {
                let href = Some(format!("/clusters/{c}"));
                let cn = b.node(actor(
                    format!("cluster:{c}"),
                    NodeKind::Cluster,
                    name_of(&inp.clusters, c),
                    None,
                    href,
                ));
                b.edge(n, cn, EdgeKind::Member, 1, 0);
            }
        }
        if shown(NodeKind::Track) {
            for t in &f.tracks {
                let tn = b.node(track_node(inp, t));
                b.edge(n, tn, EdgeKind::OnTrack, 1, 0);
            }
        }
    }
    // a firm end of a tie: its node (an anonymous group for another park's firm of a park viewer)
    let mut firm_end = |b: &mut Builder, uscc: &str| -> Option<usize> {
        let &i = firm_ix.get(uscc)?;
        let f = &inp.firms[i];
        Some(b.node(if own(f) {
            firm_node(f)
        } else {
            anonymous_group(inp, &f.park, f.tier)
        }))
    };
    let mut counted: BTreeSet<(usize, String)> = BTreeSet::new();
    for t in &inp.ties {
        add_tie(
            inp,
            &mut b,
            t,
            &shown,
            &firm_ix,
            &focus,
            &mut firm_end,
            &mut counted,
        );
    }
    // an institution's park, a track fund's track
    let n = b.g.nodes.len();
    for i in 0..n {
        let node = b.g.nodes[i].clone();
        if node.kind == NodeKind::Rdi
            && shown(NodeKind::Park)
            && let Some(p) = &node.park
        {
            let pn = b.node(park_node(inp, p));
            b.edge(i, pn, EdgeKind::Located, 1, 0);
        }
        if node.kind == NodeKind::Fund
            && shown(NodeKind::Track)
            && let Some(t) = &node.track
        {
            let tn = b.node(track_node(inp, t));
            b.edge(i, tn, EdgeKind::OnTrack, 1, 0);
        }
    }
    b.g
}

fn park_node(inp: &EcoInput, park: &str) -> Node {
    actor(
        format!("park:{park}"),
        NodeKind::Park,
        name_of(&inp.parks, park),
        Some(park),
        Some(format!("/parks/{park}")),
    )
}

fn track_node(inp: &EcoInput, track: &str) -> Node {
    actor(
        format!("track:{track}"),
        NodeKind::Track,
        name_of(&inp.tracks, track),
        None,
        Some(format!("/tracks/{track}")),
    )
}

/// The node of a tie's firm end (see [`build`]).
type FirmEnd<'a> = dyn FnMut(&mut Builder, &str) -> Option<usize> + 'a;

#[allow(clippy::too_many_arguments)]
fn add_tie(
    inp: &EcoInput,
    b: &mut Builder,
    t: &TieIn,
    shown: &dyn Fn(NodeKind) -> bool,
    firm_ix: &HashMap<&str, usize>,
    focus: &[bool],
    firm_end: &mut FirmEnd<'_>,
    counted: &mut BTreeSet<(usize, String)>,
) {
    let in_focus = |u: &str| firm_ix.get(u).is_some_and(|&i| focus[i]);
    // the anonymous groups count each firm once
    let mut end = |b: &mut Builder, u: &str| -> Option<usize> {
        let n = firm_end(b, u)?;
        if b.g.nodes[n].kind == NodeKind::Group && counted.insert((n, u.to_string())) {
            b.g.nodes[n].firms += 1;
        }
        Some(n)
    };
    match t {
        TieIn::Incubation { rdi, uscc } => {
            let Some(r) = inp.rdis.iter().find(|r| r.id == *rdi) else {
                return;
            };
            if !in_focus(uscc) || !shown(NodeKind::Rdi) {
                return;
            }
            let Some(f) = end(b, uscc) else { return };
            let href = Some(format!("/rdi/{}", r.id));
            let rn = b.node(actor(
                format!("rdi:{}", r.id),
                NodeKind::Rdi,
                &r.name,
                Some(&r.park),
                href,
            ));
            b.edge(rn, f, EdgeKind::Incubation, 1, 0);
        }
        TieIn::Investment {
            fund,
            uscc,
            amount_fen,
        } => {
            let Some(fd) = inp.funds.iter().find(|x| x.id == *fund) else {
                return;
            };
            if !in_focus(uscc) || !shown(NodeKind::Fund) {
                return;
            }
            let Some(f) = end(b, uscc) else { return };
            let mut node = actor(
                format!("fund:{}", fd.id),
                NodeKind::Fund,
                &fd.name,
                None,
                Some("/finance/funds".into()),
            );
            node.track = (!fd.track.is_empty()).then(|| fd.track.clone());
            let fnode = b.node(node);
            b.edge(fnode, f, EdgeKind::Investment, 1, *amount_fen);
        }
        TieIn::Contract {
            unit,
            uscc,
            amount_fen,
        } => {
            if !in_focus(uscc) || !shown(NodeKind::Institute) {
                return;
            }
            let Some(f) = end(b, uscc) else { return };
            let u = b.node(actor(
                format!("inst:{unit}"),
                NodeKind::Institute,
                unit,
                None,
                None,
            ));
            b.edge(u, f, EdgeKind::Registered, 1, *amount_fen);
        }
        TieIn::Link { from, to, kind } => {
            let focus_end = |p: &Party| matches!(p, Party::Firm(u) if in_focus(u));
            if !focus_end(from) && !focus_end(to) {
                return;
            }
            let mut node_of = |b: &mut Builder, p: &Party| -> Option<usize> {
                match p {
                    Party::Firm(u) => end(b, u),
                    Party::Institute(name) => shown(NodeKind::Institute).then(|| {
                        b.node(actor(
                            format!("inst:{name}"),
                            NodeKind::Institute,
                            name,
                            None,
                            None,
                        ))
                    }),
                }
            };
            let (Some(a), Some(z)) = (node_of(b, from), node_of(b, to)) else {
                return;
            };
            b.edge(a, z, *kind, 1, 0);
        }
    }
}

/// The drawn graph: `g` itself up to `cfg.max_nodes` nodes, else firms grouped by park × tier or
/// by cluster (their ties merged onto the groups; ties inside a group counted, not drawn).
pub fn aggregate(g: &Graph, inp: &EcoInput, cfg: &EcoConfig) -> Graph {
    aggregate_mapped(g, inp, cfg).0
}

/// [`aggregate`] with, for each node of `g`, the index of the drawn node standing for it (itself
/// or its group).
pub fn aggregate_mapped(g: &Graph, inp: &EcoInput, cfg: &EcoConfig) -> (Graph, Vec<usize>) {
    if g.nodes.len() <= cfg.max_nodes {
        return (g.clone(), (0..g.nodes.len()).collect());
    }
    let mut b = Builder::default();
    let mut map = Vec::with_capacity(g.nodes.len());
    for n in &g.nodes {
        let target = if n.kind == NodeKind::Firm {
            let park = n.park.clone().unwrap_or_default();
            let tier = n.tier.unwrap_or(Tier::Other);
            let (id, label) = match (cfg.group_by, &n.cluster) {
                (GroupBy::Cluster, Some(c)) => (
                    format!("group:cluster:{c}"),
                    format!("{} · 成员企业", name_of(&inp.clusters, c)),
                ),
                (GroupBy::Cluster, None) => (
                    format!("group:none:{park}"),
                    format!("{} · 未归入集群的企业", name_of(&inp.parks, &park)),
                ),
                (GroupBy::ParkTier, _) => (
                    format!("group:{park}:{}", tier.key()),
                    format!("{} · {}", name_of(&inp.parks, &park), tier.zh()),
                ),
            };
            let i = b.node(Node {
                id,
                kind: NodeKind::Group,
                label,
                park: Some(park),
                tier: (cfg.group_by == GroupBy::ParkTier).then_some(tier),
                cluster: (cfg.group_by == GroupBy::Cluster)
                    .then(|| n.cluster.clone())
                    .flatten(),
                track: None,
                firms: 0,
                href: None,
            });
            b.g.nodes[i].firms += 1;
            i
        } else {
            b.node(n.clone())
        };
        map.push(target);
    }
    for e in &g.edges {
        b.edge(map[e.source], map[e.target], e.kind, e.weight, e.amount_fen);
    }
    b.g.aggregated = true;
    (b.g, map)
}

/// Node counts per kind (for the page's summary).
pub fn kind_counts(g: &Graph) -> BTreeMap<NodeKind, u64> {
    let mut m = BTreeMap::new();
    for n in &g.nodes {
        *m.entry(n.kind).or_insert(0) += 1;
    }
    m
}

#[cfg(test)]
#[path = "ecosystem_tests.rs"]
mod tests;
