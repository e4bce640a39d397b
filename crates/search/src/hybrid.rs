//! Hybrid retrieval: BM25 over the segmented words and cosine over dense embeddings, fused by
//! reciprocal-rank fusion (Cormack, Clarke & Büttcher 2009): a document's fused score is
//! Σ 1 / (k + rank) over the lists it is in, with k = [`RRF_K`] = 60 (the paper's value, not
//! tuned here) and each list cut at [`RRF_DEPTH`]. Ranks, not scores, are fused, so BM25's
//! unbounded scores and cosines need no calibration. Structured filters apply inside both
//! retrievers (the same predicate), so the fused list holds only documents that pass them.
use crate::bm25::{Bm25Index, Doc, Filter, Scored};
use crate::dense::DenseIndex;
use crate::embed::StaticModel;
use crate::groups::ListSummary;
use crate::segment::Segmenter;
use std::collections::HashMap;

/// RRF's constant k.
pub const RRF_K: f32 = 60.0;
/// How many of each list are fused.
pub const RRF_DEPTH: usize = 100;

/// Which retrieval answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// BM25 alone.
    Keywords,
    /// Embeddings alone.
    Semantic,
    /// Both, fused by RRF.
    Hybrid,
}

/// A fused hit: the score that ranked it and each retriever's own score.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Fused {
    pub doc: u32,
    /// The ranking score (RRF in hybrid mode, else the retriever's own).
    pub score: f32,
    /// BM25 score, when the document is in BM25's list.
    pub bm25: Option<f32>,
    /// Cosine of the query and the document (when both have a vector).
    pub semantic: Option<f32>,
}

/// Reciprocal-rank fusion of ranked lists (best first), the best `top` (ties by document number).
pub fn rrf(lists: &[&[Scored]], k: f32, top: usize) -> Vec<Scored> {
    let mut acc: HashMap<u32, f32> = HashMap::new();
    for list in lists {
        for (r, s) in list.iter().enumerate() {
            *acc.entry(s.doc).or_default() += 1.0 / (k + r as f32 + 1.0);
        }
    }
    let mut v: Vec<Scored> = acc
        .into_iter()
        .map(|(doc, score)| Scored { doc, score })
        .collect();
    crate::bm25::top_k(&mut v, top);
    v
}

/// The text of a document that is embedded: title, keywords and body.
pub fn doc_text(d: &Doc) -> String {
    format!("{} {} {}", d.title, d.keywords.join(" "), d.body)
}

/// BM25 and, when a model is given, the documents' embeddings, with one numbering.
pub struct HybridIndex {
    pub bm25: Bm25Index,
    pub dense: Option<DenseIndex>,
    /// What each list of the embeddings' partition holds ([`crate::groups`]; empty when the
    /// embeddings are not partitioned).
    lists: Vec<ListSummary>,
}

/// Embeds `docs` on up to `threads` threads, in order.
pub fn embed_docs(model: &StaticModel, docs: &[Doc], threads: usize) -> DenseIndex {
    let threads = threads.clamp(1, 8);
    let chunk = docs.len().div_ceil(threads).max(1);
    let parts: Vec<DenseIndex> = std::thread::scope(|s| {
        let handles: Vec<_> = docs
            .chunks(chunk)
            .map(|part| {
                s.spawn(move || {
                    let mut ix = DenseIndex::new(model.dim());
                    let (mut ids, mut v) = (Vec::new(), vec![0.0; model.dim()]);
                    for d in part {
                        let ok = model.embed_into(&doc_text(d), &mut ids, &mut v);
                        ix.push(ok.then_some(v.as_slice()));
                    }
                    ix
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
            .collect()
    });
    let mut all = DenseIndex::new(model.dim());
    for p in parts {
        all.append(p);
    }
    if all.len() >= crate::ivf::IVF_MIN {
        all.index_lists(crate::ivf::NLIST, 20_221_229);
    }
    all
}

/// The machine's threads (at least 1).
pub fn threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

impl HybridIndex {
    /// Indexes `docs` (and embeds them when `model` is given).
    pub fn build(seg: &Segmenter, docs: &[Doc], model: Option<&StaticModel>) -> HybridIndex {
        HybridIndex::from_parts(
            Bm25Index::build(seg, docs),
            model.map(|m| embed_docs(m, docs, threads())),
        )
    }

    /// The index of the same documents' BM25 index and embeddings, with the summary of each list
    /// of the embeddings' partition.
    pub fn from_parts(bm25: Bm25Index, dense: Option<DenseIndex>) -> HybridIndex {
        let lists = match dense.as_ref().and_then(DenseIndex::ivf) {
            Some(ivf) => (0..ivf.nlist())
                .map(|l| bm25.summarise(ivf.list(l).map(|p| ivf.members[p])))
                .collect(),
            None => Vec::new(),
        };
        HybridIndex { bm25, dense, lists }
    }

    /// The best `top` documents passing `filter` for the query's `words` and unit vector `qvec`
    /// in `mode`. Without a vector (no model, or no known token) semantic and hybrid modes answer
    /// with BM25 alone; without words, with the embeddings alone.
    pub fn search(
        &self,
        words: &[String],
        qvec: Option<&[f32]>,
        filter: &Filter,
        top: usize,
        mode: Mode,
    ) -> Vec<Fused> {
        let dense = self.dense.as_ref().zip(qvec);
        let mode = match (mode, dense.is_some(), words.is_empty()) {
            (_, false, _) => Mode::Keywords,
            (Mode::Hybrid, true, true) => Mode::Semantic,
            (m, _, _) => m,
        };
        let cos = |d: u32| dense.map(|(ix, q)| ix.cosine(d, q));
        let semantic = |n: usize| -> Vec<Scored> {
            let Some((ix, q)) = dense else {
                return Vec::new();
            };
            if filter.is_empty() {
                ix.search(q, None, n)
            } else {
                let pass = self.bm25.passes(filter);
                if self.lists.is_empty() {
                    return ix.search(q, Some(&pass), n);
                }
                let gate = self.bm25.gate(filter);
                let open: Vec<bool> = self.lists.iter().map(|s| gate.may_pass(s)).collect();
                ix.search_lists(q, &pass, n, &open)
            }
        };
        match mode {
            Mode::Keywords => self
                .bm25
                .search(words, filter, top)
                .into_iter()
                .map(|s| Fused {
                    doc: s.doc,
                    score: s.score,
                    bm25: Some(s.score),
                    semantic: cos(s.doc),
                })
                .collect(),
            Mode::Semantic => semantic(top)
                .into_iter()
                .map(|s| Fused {
                    doc: s.doc,
                    score: s.score,
                    bm25: None,
                    semantic: Some(s.score),
                })
                .collect(),
            Mode::Hybrid => {
                let depth = RRF_DEPTH.max(top);
                let b = self.bm25.search(words, filter, depth);
                let s = semantic(depth);
                rrf(&[&b, &s], RRF_K, top)
                    .into_iter()
                    .map(|f| Fused {
                        doc: f.doc,
                        score: f.score,
                        bm25: b.iter().find(|x| x.doc == f.doc).map(|x| x.score),
                        semantic: cos(f.doc),
                    })
                    .collect()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bm25::Attrs;

    #[test]
    fn rrf_rewards_agreement_and_uses_ranks_only() {
        let l = |v: &[(u32, f32)]| -> Vec<Scored> {
            v.iter()
                .map(|&(doc, score)| Scored { doc, score })
                .collect()
        };
        let a = l(&[(1, 90.0), (2, 80.0), (5, 1.0)]);
        let b = l(&[(3, 0.9), (2, 0.8), (4, 0.7)]);
        let f = rrf(&[&a, &b], 60.0, 10);
        // 2 is second in both lists: 2/62 beats 1 and 3, each first in one list only (1/61)
        assert_eq!(f[0].doc, 2);
        assert!((f[0].score - 2.0 / 62.0).abs() < 1e-6);
        // a tie is broken by document number, whatever the scores behind the ranks were
        assert_eq!((f[1].doc, f[2].doc), (1, 3));
        assert_eq!(f.len(), 5);
        assert_eq!(rrf(&[&a, &b], 60.0, 1).len(), 1);
    }

    #[test]
    fn hybrid_finds_what_only_the_embeddings_see_and_keeps_filters() {
        let seg = Segmenter::new("锂电池\n安全\n", "");
        let m = crate::embed::tests::tiny_model();
        let d = |k: &str, t: &str, trl: u8| Doc {
            key: k.into(),
            title: t.into(),
            attrs: Attrs {
                trl: Some(trl),
                ..Attrs::default()
            },
            ..Doc::default()
        };
        // "电池" shares no BM25 word with the query 锂电池 (a dictionary word), but its vector is
        // the same "battery" row
        let docs = vec![d("A", "安全", 5), d("B", "电池", 5), d("C", "电池", 2)];
        let ix = HybridIndex::build(&seg, &docs, Some(&m));
        let q = seg.words("锂电池");
        let qv = m.embed("锂电池");
        let f = Filter {
            trl_min: Some(4),
            ..Filter::default()
        };
        assert!(
            ix.search(&q, qv.as_deref(), &f, 10, Mode::Keywords)
                .is_empty()
        );
        let h = ix.search(&q, qv.as_deref(), &f, 10, Mode::Hybrid);
        assert_eq!(h[0].doc, 1, "{h:?}");
        assert!(h.iter().all(|x| x.doc != 2), "the TRL filter holds: {h:?}");
        assert!(h[0].semantic.unwrap() > 0.9 && h[0].bm25.is_none());
        // no model: hybrid answers with BM25
        let plain = HybridIndex::build(&seg, &docs, None);
        let q2 = seg.words("安全");
        let k = plain.search(&q2, None, &Filter::default(), 10, Mode::Hybrid);
        assert_eq!((k.len(), k[0].doc, k[0].semantic), (1, 0, None));
    }
}
