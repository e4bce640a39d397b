//! A compact BM25 inverted index (Robertson–Spärck Jones, k1 = 1.2, b = 0.75) with field weights
//! (BM25F-style: a term in the title or keywords counts `TITLE_WEIGHT` times), and structured
//! filters checked while postings are scored.
//!
//! Postings are three flat arrays (term offsets, document numbers, term frequencies), so a
//! million short documents fit in a few hundred megabytes and a query touches only its terms'
//! postings; scores accumulate in a dense array reused per query.
use crate::segment::Segmenter;
use std::collections::HashMap;

pub(crate) const K1: f32 = 1.2;
pub(crate) const B: f32 = 0.75;
/// Query terms found in more than this share of the items are skipped (see [`Bm25Index::search`]).
pub const COMMON: f32 = 0.5;
/// Weight of a term occurring in the title or keywords (the body counts 1).
pub const TITLE_WEIGHT: u16 = 3;

/// The filterable attributes of a document; `None`/empty means unknown (a filter on it fails).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Attrs {
    /// Field (技术领域) text.
    pub field: String,
    /// TRL 1–9.
    pub trl: Option<u8>,
    /// A money amount in fen (price of a result, budget of a demand).
    pub amount_fen: Option<i64>,
    /// Park id.
    pub park: String,
    /// yyyymmdd (deadline or date).
    pub date: Option<i32>,
}

/// A document to index.
#[derive(Debug, Clone, Default)]
pub struct Doc {
    /// The external id (编号 or credit code).
    pub key: String,
    pub title: String,
    pub keywords: Vec<String>,
    pub body: String,
    pub attrs: Attrs,
}

/// Structured filters; each set one narrows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    /// The document's field contains this text.
    pub field: Option<String>,
    pub trl_min: Option<u8>,
    pub trl_max: Option<u8>,
    /// Amount at most (fen).
    pub amount_max_fen: Option<i64>,
    pub park: Option<String>,
    /// Date on or after (yyyymmdd).
    pub date_from: Option<i32>,
    /// Keys never returned (e.g. results a firm declined as 领域不符).
    pub exclude: Vec<String>,
}

impl Filter {
    pub fn is_empty(&self) -> bool {
        *self == Filter::default()
    }
}

/// Field ids are interned so a filter compares integers.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Packed {
    pub(crate) trl: u8,
    pub(crate) amount: i64,
    pub(crate) park: u32,
    pub(crate) date: i32,
}

/// The inverted index.
#[derive(Debug, Default)]
pub struct Bm25Index {
    keys: Vec<String>,
    by_key: HashMap<String, u32>,
    doc_len: Vec<u32>,
    pub(crate) attrs: Vec<Packed>,
    /// Each document's field id again, as a column: the field filter, the most selective, reads
    /// 4 bytes per candidate instead of a 24-byte record (a million of which do not stay in cache).
    pub(crate) field_col: Vec<u32>,
    pub(crate) strings: Vec<String>,
    pub(crate) string_ids: HashMap<String, u32>,
    pub(crate) terms: HashMap<String, u32>,
    pub(crate) offsets: Vec<u64>,
    pub(crate) docs: Vec<u32>,
    pub(crate) tfs: Vec<u16>,
    avgdl: f32,
    /// Per document, BM25's length norm `K1 · (1 − B + B · dl / avgdl)`.
    pub(crate) norm: Vec<f32>,
    /// Per term, the largest `tf · (K1 + 1) / (tf + norm)` of its postings (MaxScore's bound).
    pub(crate) max_part: Vec<f32>,
}

/// A document's score for a query.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scored {
    pub doc: u32,
    pub score: f32,
}

impl Bm25Index {
    /// Builds the index of `docs` (document numbers are positions in `docs`).
    pub fn build(seg: &Segmenter, docs: &[Doc]) -> Bm25Index {
        let mut ix = Bm25Index::default();
        let mut ids: HashMap<String, u32> = HashMap::new();
        let mut post: Vec<Vec<(u32, u16)>> = Vec::new();
        let mut total: u64 = 0;
        let mut tf: HashMap<u32, u16> = HashMap::new();
        let mut id_of = |w: String, post: &mut Vec<Vec<(u32, u16)>>| -> u32 {
            if let Some(&i) = ids.get(&w) {
                return i;
            }
            let i = post.len() as u32;
            post.push(Vec::new());
            ids.insert(w, i);
            i
        };
        for (n, d) in docs.iter().enumerate() {
            tf.clear();
            let mut len = 0u32;
            let heavy = d
                .keywords
                .iter()
                .map(String::as_str)
                .chain([d.title.as_str()]);
            for text in heavy {
                for w in seg.words(text) {
                    let t = id_of(w, &mut post);
                    *tf.entry(t).or_default() += TITLE_WEIGHT;
                    len += 1;
                }
            }
            for w in seg.words(&d.body) {
                let t = id_of(w, &mut post);
                *tf.entry(t).or_default() += 1;
                len += 1;
            }
            for (&t, &c) in tf.iter() {
                post[t as usize].push((n as u32, c));
            }
            total += len as u64;
            ix.doc_len.push(len.max(1));
            ix.by_key.insert(d.key.clone(), n as u32);
            ix.keys.push(d.key.clone());
            let field = ix.intern(&d.attrs.field);
            let park = ix.intern(&d.attrs.park);
            ix.field_col.push(field);
            ix.attrs.push(Packed {
                trl: d.attrs.trl.unwrap_or(0),
                amount: d.attrs.amount_fen.unwrap_or(-1),
                park,
                date: d.attrs.date.unwrap_or(0),
            });
        }
        ix.avgdl = if docs.is_empty() {
            1.0
        } else {
            total as f32 / docs.len() as f32
        };
        ix.offsets.push(0);
        for mut ps in post {
            ps.sort_unstable_by_key(|p| p.0);
            for (d, c) in ps {
                ix.docs.push(d);
                ix.tfs.push(c);
            }
            ix.offsets.push(ix.docs.len() as u64);
        }
        ix.terms = ids;
        ix.norm = ix
            .doc_len
            .iter()
            .map(|&dl| K1 * (1.0 - B + B * dl as f32 / ix.avgdl))
            .collect();
        ix.max_part = ix
            .offsets
            .windows(2)
            .map(|w| {
                (w[0] as usize..w[1] as usize)
                    .map(|i| {
                        let tf = f32::from(ix.tfs[i]);
                        tf * (K1 + 1.0) / (tf + ix.norm[ix.docs[i] as usize])
                    })
                    .fold(0.0, f32::max)
            })
            .collect();
        ix
    }

    /// The inverse document frequency of a term found in `df` documents.
    pub(crate) fn idf(&self, df: usize) -> f32 {
        let (n, df) = (self.keys.len() as f32, df as f32);
        (1.0 + (n - df + 0.5) / (df + 0.5)).ln()
    }

    /// Whether a term found in `df` documents is skipped as too common (see [`COMMON`]).
    pub(crate) fn too_common(&self, df: usize) -> bool {
        let n = self.keys.len() as f32;
        df as f32 > COMMON * n && n >= 1_000.0
    }

    fn intern(&mut self, s: &str) -> u32 {
        if let Some(&i) = self.string_ids.get(s) {
            return i;
        }
        let i = self.strings.len() as u32;
        self.strings.push(s.to_string());
        self.string_ids.insert(s.to_string(), i);
        i
    }

    pub fn len(&self) -> usize {
        self.keys.len()
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// The key of document `doc`.
    pub fn key(&self, doc: u32) -> &str {
        &self.keys[doc as usize]
    }

    /// The document number of `key`.
    pub fn doc(&self, key: &str) -> Option<u32> {
        self.by_key.get(key).copied()
    }

    /// The approximate size in bytes of the index in memory (postings, keys, attributes, terms).
    pub fn size_bytes(&self) -> usize {
        self.docs.len() * 4
            + self.tfs.len() * 2
            + self.offsets.len() * 8
            + self.keys.iter().map(|k| k.len() + 24).sum::<usize>() * 2
            + self.attrs.len() * std::mem::size_of::<Packed>()
            + self.field_col.len() * 4
            + self.doc_len.len() * 4
            + self.norm.len() * 4
            + self.max_part.len() * 4
            + self.terms.keys().map(|t| t.len() + 32).sum::<usize>()
    }

    /// The documents passing `f`, as a predicate on document numbers.
    pub fn passes(&self, f: &Filter) -> impl Fn(u32) -> bool + '_ {
        // a field filter matches every interned field containing the text
        let fields: Option<Vec<bool>> = f.field.as_ref().map(|want| {
            self.strings
                .iter()
                .map(|s| !want.is_empty() && s.contains(want.as_str()))
                .collect()
        });
        let park = f
            .park
            .as_ref()
            .map(|p| self.string_ids.get(p).copied().unwrap_or(u32::MAX));
        let excluded: Vec<u32> = f.exclude.iter().filter_map(|k| self.doc(k)).collect();
        let f = f.clone();
        move |d: u32| {
            if !fields
                .as_ref()
                .is_none_or(|v| v[self.field_col[d as usize] as usize])
            {
                return false;
            }
            let a = &self.attrs[d as usize];
            park.is_none_or(|p| a.park == p)
                && f.trl_min.is_none_or(|m| a.trl != 0 && a.trl >= m)
                && f.trl_max.is_none_or(|m| a.trl != 0 && a.trl <= m)
                && f.amount_max_fen
                    .is_none_or(|m| a.amount >= 0 && a.amount <= m)
                && f.date_from.is_none_or(|m| a.date != 0 && a.date >= m)
                && !excluded.contains(&d)
        }
    }

    /// The best `top` documents for the query words (repeats ignored) that pass `filter`, best
    /// first (ties by document number), by scoring every posting of every query term — the
    /// reference that [`search`](Self::search) (MaxScore) must equal.
    pub fn search_exhaustive(&self, words: &[String], filter: &Filter, top: usize) -> Vec<Scored> {
        let mut uniq: Vec<&String> = words.iter().collect();
        uniq.sort();
        uniq.dedup();
        let pass = self.passes(filter);
        let unfiltered = filter.is_empty();
        let mut acc: HashMap<u32, f32> = HashMap::new();
        let mut dense: Vec<f32> = Vec::new();
        let mut touched: Vec<u32> = Vec::new();
        let total_postings: u64 = uniq
            .iter()
            .filter_map(|w| self.terms.get(w.as_str()))
            .map(|&t| self.offsets[t as usize + 1] - self.offsets[t as usize])
            .sum();
        let use_dense = total_postings as usize > self.keys.len() / 16;
        if use_dense {
            dense = vec![0.0; self.keys.len()];
        }
        for w in uniq {
            let Some(&t) = self.terms.get(w.as_str()) else {
                continue;
            };
            let (a, b) = (
                self.offsets[t as usize] as usize,
                self.offsets[t as usize + 1] as usize,
            );
            // a term in more than COMMON of the items weighs almost nothing (idf < 0.7) but
            // costs a pass over most postings: skipped (measured in the benchmark's recall)
            if self.too_common(b - a) {
                continue;
            }
            let idf = self.idf(b - a);
            for i in a..b {
                let d = self.docs[i];
                if !unfiltered && !pass(d) {
                    continue;
                }
                let tf = self.tfs[i] as f32;
                let s = idf * tf * (K1 + 1.0) / (tf + self.norm[d as usize]);
                if use_dense {
                    if dense[d as usize] == 0.0 {
                        touched.push(d);
                    }
                    dense[d as usize] += s;
                } else {
                    *acc.entry(d).or_default() += s;
                }
            }
        }
        let mut all: Vec<Scored> = if use_dense {
            touched
                .into_iter()
                .map(|d| Scored {
                    doc: d,
                    score: dense[d as usize],
                })
                .collect()
        } else {
            acc.into_iter()
                .map(|(doc, score)| Scored { doc, score })
                .collect()
        };
        top_k(&mut all, top);
        all
    }
}

/// Keeps the best `k` of `v`, sorted best first (ties by document number).
pub fn top_k(v: &mut Vec<Scored>, k: usize) {
    let cmp = |a: &Scored, b: &Scored| b.score.total_cmp(&a.score).then(a.doc.cmp(&b.doc));
    if v.len() > k && k > 0 {
        v.select_nth_unstable_by(k - 1, cmp);
        v.truncate(k);
    }
    if k == 0 {
        v.clear();
    }
    v.sort_by(cmp);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn docs() -> Vec<Doc> {
        let d = |k: &str, t: &str, b: &str, field: &str, trl: u8| Doc {
            key: k.into(),
            title: t.into(),
            keywords: vec![],
            body: b.into(),
            attrs: Attrs {
                field: field.into(),
                trl: Some(trl),
                ..Attrs::default()
            },
        };
        vec![
            d("A", "碳化硅功率器件", "高压碳化硅器件封装", "集成电路", 6),
            d("B", "锂电池管理", "储能电池热管理", "新能源", 4),
            d(
                "C",
                "缺陷检测算法",
                "基于深度学习的晶圆缺陷检测",
                "人工智能",
                7,
            ),
        ]
    }

    fn seg() -> Segmenter {
        Segmenter::new(
            "碳化硅\n功率器件\n深度学习\n锂电池\n热管理\n晶圆\n",
            "的\n基于\n",
        )
    }

    #[test]
    fn ranks_the_document_sharing_the_rare_terms_first() {
        let s = seg();
        let ix = Bm25Index::build(&s, &docs());
        let hits = ix.search(&s.words("晶圆缺陷检测"), &Filter::default(), 10);
        assert_eq!(ix.key(hits[0].doc), "C");
        assert_eq!(hits.len(), 1);
    }

    #[test]
    fn filters_narrow_and_exclusions_remove() {
        let s = seg();
        let ix = Bm25Index::build(&s, &docs());
        let q = s.words("碳化硅 锂电池 缺陷检测");
        assert_eq!(ix.search(&q, &Filter::default(), 10).len(), 3);
        let f = Filter {
            trl_min: Some(5),
            ..Filter::default()
        };
        let keys: Vec<&str> = ix
            .search(&q, &f, 10)
            .iter()
            .map(|h| ix.key(h.doc))
            .collect();
        assert_eq!(keys.len(), 2);
        assert!(!keys.contains(&"B"));
        let f = Filter {
            field: Some("新能源".into()),
            exclude: vec![],
            ..Filter::default()
        };
        let hits = ix.search(&q, &f, 10);
        assert_eq!((hits.len(), ix.key(hits[0].doc)), (1, "B"));
        let f = Filter {
            exclude: vec!["A".into(), "C".into()],
            ..Filter::default()
        };
        let hits = ix.search(&q, &f, 10);
        assert_eq!((hits.len(), ix.key(hits[0].doc)), (1, "B"));
    }

    #[test]
    fn top_k_keeps_the_best_in_order() {
        let mut v: Vec<Scored> = (0..10)
            .map(|d| Scored {
                doc: d,
                score: (d % 4) as f32,
            })
            .collect();
        top_k(&mut v, 3);
        assert_eq!(v.iter().map(|s| s.doc).collect::<Vec<_>>(), vec![3, 7, 2]);
    }
}
