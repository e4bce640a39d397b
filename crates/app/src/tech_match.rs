//! Matching in both directions (issue 14): a query text (typed, or made from a demand, a result or
//! a firm) against results, demands, experts or firms, with structured filters, explanations and
//! the firm's declines applied (a result a firm declined for an excluding reason — 领域不符 — is
//! not shown to that firm again, and that firm is not proposed for that result).
//!
//! Retrieval is hybrid (`gaoxin_search::hybrid`): BM25 over the dictionary segmentation and cosine
//! over the dense embeddings of the static model that `scripts/fetch-embeddings` installs, fused by
//! reciprocal-rank fusion (k = 60); every hit shows its semantic score beside the shared terms.
//! Without the model files matching is BM25 alone and every answer says so ([`MODE_NOTE`]).
use crate::tech::{Embeddings, TechConfig};
use gaoxin_model::Zone;
use gaoxin_search::Attrs;
use gaoxin_search::{
    Doc, Explanation, Filter, HybridIndex, Mode, Query, Segmenter, StaticModel, explain,
};
use gaoxin_store::{CaseState, Scope, Store, TechDemand, TechResult};
use std::collections::{HashMap, HashSet};

/// What the product says on every answer when it matches on BM25 alone.
pub const MODE_NOTE: &str = "仅关键词匹配（BM25）：未安装语义向量模型，无语义得分";

/// What the product says about its retrieval mode (the process's model, see
/// [`crate::tech::embeddings`]).
pub fn mode_note() -> String {
    note(&crate::tech::embeddings())
}

fn note(e: &Embeddings) -> String {
    match e {
        Ok(m) => format!(
            "混合检索：关键词（BM25）与语义向量（{}，{} 维）按倒数排名融合（RRF，k = {}），语义相似度为查询与条目向量的余弦",
            m.name,
            m.dim(),
            gaoxin_search::RRF_K
        ),
        Err(why) if why.starts_with("未安装") => MODE_NOTE.to_string(),
        Err(why) => format!("仅关键词匹配（BM25）：{why}，无语义得分"),
    }
}

/// What is searched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Against {
    Results,
    Demands,
    Experts,
    Firms,
}

impl Against {
    pub fn parse(s: &str) -> Option<Against> {
        match s.trim() {
            "results" | "科技成果" => Some(Against::Results),
            "demands" | "技术需求" => Some(Against::Demands),
            "experts" | "专家" => Some(Against::Experts),
            "firms" | "企业" => Some(Against::Firms),
            _ => None,
        }
    }
    pub fn zh(self) -> &'static str {
        match self {
            Against::Results => "科技成果",
            Against::Demands => "技术需求",
            Against::Experts => "专家和技术经纪人",
            Against::Firms => "企业",
        }
    }
}

/// One searchable item as shown: its key, title, a line naming who/where, and its fields' texts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    pub key: String,
    pub title: String,
    pub subtitle: String,
    pub park: String,
    pub fields: Vec<(String, String)>,
}

struct Corpus {
    index: HybridIndex,
    items: Vec<Item>,
}

impl Corpus {
    fn build(seg: &Segmenter, docs: Vec<(Doc, Item)>, model: Option<&StaticModel>) -> Corpus {
        let (docs, items): (Vec<Doc>, Vec<Item>) = docs.into_iter().unzip();
        Corpus {
            index: HybridIndex::build(seg, &docs, model),
            items,
        }
    }
}

/// A match.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    pub item: Item,
    /// The ranking score: the RRF score in hybrid mode, else BM25's.
    pub score: f64,
    /// BM25 score (when the item is among BM25's candidates).
    pub bm25: Option<f64>,
    /// Cosine of the query's and the item's vectors (with the model).
    pub semantic: Option<f64>,
    pub why: Explanation,
}

/// An answer: hits (best first) and what the user is told (query cut, nothing to search …).
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    pub hits: Vec<Hit>,
    pub messages: Vec<String>,
    /// The retrieval mode said (hybrid, or BM25 alone and why).
    pub mode: String,
}

/// The indexes of one scope: results and experts (public), demands and firms in scope.
pub struct Matcher {
    pub seg: Segmenter,
    results: Corpus,
    demands: Corpus,
    experts: Corpus,
    firms: Corpus,
    /// firm → results it declined for an excluding reason.
    declined: HashMap<String, HashSet<String>>,
    model: Embeddings,
}

fn result_doc(r: &TechResult) -> (Doc, Item) {
    let doc = Doc {
        key: r.id.clone(),
        title: r.name.clone(),
        keywords: r.keywords.clone(),
        body: format!("{} {}", r.field, r.summary),
        attrs: Attrs {
            field: r.field.clone(),
            trl: r.trl.map(|t| t as u8),
            amount_fen: r.price_fen,
            ..Attrs::default()
        },
    };
    let item = Item {
        key: r.id.clone(),
        title: r.name.clone(),
        subtitle: format!("{} · {}", r.unit, r.field),
        park: String::new(),
        fields: vec![
            ("名称".into(), r.name.clone()),
            ("关键词".into(), r.keywords.join("；")),
            ("领域".into(), r.field.clone()),
            ("摘要".into(), r.summary.clone()),
        ],
    };
    (doc, item)
}

fn demand_doc(d: &TechDemand) -> (Doc, Item) {
    let doc = Doc {
        key: d.id.clone(),
        title: d.name.clone(),
        keywords: vec![d.field.clone()],
        body: d.description.clone(),
        attrs: Attrs {
            field: d.field.clone(),
            amount_fen: d.budget_fen,
            park: d.park.clone(),
            date: d.deadline.map(|x| x as i32),
            ..Attrs::default()
        },
    };
    let item = Item {
        key: d.id.clone(),
        title: d.name.clone(),
        subtitle: format!(
            "{}{}",
            d.firm_name,
            if d.jiebang { " · 揭榜挂帅" } else { "" }
        ),
        park: d.park.clone(),
        fields: vec![
            ("名称".into(), d.name.clone()),
            ("领域".into(), d.field.clone()),
            ("需求描述".into(), d.description.clone()),
        ],
    };
    (doc, item)
}

/// The text a demand is matched by.
pub fn demand_query(d: &TechDemand) -> String {
    format!("{} {} {}", d.name, d.field, d.description)
}

/// The text a result is matched by.
pub fn result_query(r: &TechResult) -> String {
    format!(
        "{} {} {} {}",
        r.name,
        r.keywords.join(" "),
        r.field,
        r.summary
    )
}

async fn firm_docs(
    store: &Store,
    zone: &Zone,
    scope: &Scope,
) -> Result<Vec<(Doc, Item)>, gaoxin_store::Error> {
    let mut latest: HashMap<String, gaoxin_model::Enterprise> = HashMap::new();
    store
        .for_each_row(scope, None, None, |e, _f| {
            latest.insert(e.uscc.as_str().to_string(), e.clone());
            Ok(())
        })
        .await?;
    let mut firms: Vec<gaoxin_model::Enterprise> = latest.into_values().collect();
    firms.sort_by(|a, b| a.uscc.as_str().cmp(b.uscc.as_str()));
    Ok(firms
        .iter()
        .map(|e| {
            let mut tags: Vec<String> = e
                .clusters
                .iter()
                .map(|c| zone.cluster(c).map(|x| x.name.clone()).unwrap_or(c.clone()))
                .collect();
            tags.extend(
                e.tracks
                    .iter()
                    .map(|t| zone.track(t).map(|x| x.name.clone()).unwrap_or(t.clone())),
            );
            tags.extend(e.tech_field.clone());
            let park = e.park.to_string();
            let doc = Doc {
                key: e.uscc.as_str().to_string(),
                title: e.name.clone(),
                keywords: tags.clone(),
                body: String::new(),
                attrs: Attrs {
                    field: e.tech_field.clone().unwrap_or_default(),
                    park: park.clone(),
                    ..Attrs::default()
                },
            };
            let item = Item {
                key: e.uscc.as_str().to_string(),
                title: e.name.clone(),
                subtitle: zone.park(&park).map(|p| p.name.clone()).unwrap_or_default(),
                park,
                fields: vec![
                    ("企业名称".into(), e.name.clone()),
                    ("集群、赛道和技术领域".into(), tags.join("；")),
                ],
            };
            (doc, item)
        })
        .collect())
}

impl Matcher {
    /// Builds the indexes for `scope` from the store, with the process's embedding model.
    pub async fn build(
        store: &Store,
        zone: &Zone,
        scope: &Scope,
        cfg: &TechConfig,
        seg: Segmenter,
    ) -> Result<Matcher, gaoxin_store::Error> {
        Matcher::build_with(store, zone, scope, cfg, seg, crate::tech::embeddings()).await
    }

    /// [`build`](Self::build) with the given model (or the reason there is none).
    pub async fn build_with(
        store: &Store,
        zone: &Zone,
        scope: &Scope,
        cfg: &TechConfig,
        seg: Segmenter,
        model: Embeddings,
    ) -> Result<Matcher, gaoxin_store::Error> {
        let results: Vec<(Doc, Item)> = store
            .tech_results(scope)
            .await?
            .iter()
            .map(result_doc)
            .collect();
        let demands: Vec<(Doc, Item)> = store
            .tech_demands(scope)
            .await?
            .iter()
            .map(demand_doc)
            .collect();
        let experts: Vec<(Doc, Item)> = store
            .tech_experts(scope)
            .await?
            .iter()
            .map(|x| {
                let doc = Doc {
                    key: x.id.clone(),
                    title: x.name.clone(),
                    keywords: x.keywords.clone(),
                    body: x.fields.clone(),
                    attrs: Attrs {
                        field: x.fields.clone(),
                        ..Attrs::default()
                    },
                };
                let kind = if x.kind == "broker" {
                    "技术经纪人"
                } else {
                    "专家"
                };
                let item = Item {
                    key: x.id.clone(),
                    title: x.name.clone(),
                    subtitle: format!("{kind} · {}", x.unit),
                    park: String::new(),
                    fields: vec![
                        ("领域".into(), x.fields.clone()),
                        ("关键词".into(), x.keywords.join("；")),
                    ],
                };
                (doc, item)
            })
            .collect();
        let firms = firm_docs(store, zone, scope).await?;
        let mut declined: HashMap<String, HashSet<String>> = HashMap::new();
        for c in store.tech_cases(scope, Some(CaseState::Declined)).await? {
            if c.decline_reason
                .as_ref()
                .is_some_and(|r| cfg.exclude_reasons.contains(r))
            {
                declined.entry(c.uscc).or_default().insert(c.result_id);
            }
        }
        let m = model.as_ref().ok().map(|m| m.as_ref());
        Ok(Matcher {
            results: Corpus::build(&seg, results, m),
            demands: Corpus::build(&seg, demands, m),
            experts: Corpus::build(&seg, experts, m),
            firms: Corpus::build(&seg, firms, m),
            seg,
            declined,
            model,
        })
    }

    /// What this matcher says about its retrieval mode.
    pub fn mode_note(&self) -> String {
        note(&self.model)
    }

    fn corpus(&self, a: Against) -> &Corpus {
        match a {
            Against::Results => &self.results,
            Against::Demands => &self.demands,
            Against::Experts => &self.experts,
            Against::Firms => &self.firms,
        }
    }

    /// Searches `against` for `text` with `filter`; `for_firm` (a credit code) hides the results
    /// that firm declined; `for_result` hides the firms that declined that result.
    pub fn search(
        &self,
        against: Against,
        text: &str,
        filter: &Filter,
        top: usize,
        for_firm: Option<&str>,
        for_result: Option<&str>,
    ) -> Answer {
        let q = Query::parse(&self.seg, text);
        let mut messages = Vec::new();
        if q.truncated {
            messages.push(format!(
                "查询过长，只使用了前 {} 个字",
                gaoxin_search::MAX_QUERY_CHARS
            ));
        }
        if q.words.is_empty() {
            messages.push("查询中没有可检索的词（只有标点或停用词），请换用具体的技术词语".into());
            return Answer {
                hits: Vec::new(),
                messages,
                mode: self.mode_note(),
            };
        }
        let mut filter = filter.clone();
        if against == Against::Results
            && let Some(f) = for_firm.and_then(|f| self.declined.get(f))
        {
            filter.exclude.extend(f.iter().cloned());
        }
        if against == Against::Firms
            && let Some(r) = for_result
        {
            filter.exclude.extend(
                self.declined
                    .iter()
                    .filter(|(_, rs)| rs.contains(r))
                    .map(|(f, _)| f.clone()),
            );
        }
        let c = self.corpus(against);
        let qvec = self.model.as_ref().ok().and_then(|m| m.embed(&q.text));
        let hits = c
            .index
            .search(&q.words, qvec.as_deref(), &filter, top, Mode::Hybrid)
            .into_iter()
            .map(|s| {
                let item = c.items[s.doc as usize].clone();
                let fields: Vec<(&str, &str)> = item
                    .fields
                    .iter()
                    .map(|(a, b)| (a.as_str(), b.as_str()))
                    .collect();
                let why = explain(&self.seg, &q.text, &fields);
                Hit {
                    score: f64::from(s.score),
                    bm25: s.bm25.map(f64::from),
                    semantic: s.semantic.map(f64::from),
                    why,
                    item,
                }
            })
            .collect();
        Answer {
            hits,
            messages,
            mode: self.mode_note(),
        }
    }
}
