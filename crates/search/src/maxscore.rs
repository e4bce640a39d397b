//! Exact top-k BM25 by MaxScore (Turtle & Flood 1995), document at a time over the doc-ordered
//! postings. Each query term has an upper bound on what it can add to a document (its idf times
//! the largest `tf · (k1 + 1) / (tf + norm)` among its postings, kept per term at build time).
//! Terms are ordered by bound; once the k-th best score θ exceeds the sum of the smallest bounds,
//! those terms are "non-essential": a document containing only them cannot enter the top k, so
//! candidates come from the essential terms' postings alone, and a non-essential term is looked
//! up (by galloping search in its postings) only while the candidate can still beat θ. Results
//! equal [`Bm25Index::search_exhaustive`] (a test compares them on random queries); long demand
//! texts with ~40 terms skip most postings of their common terms.
use crate::bm25::{Bm25Index, Filter, K1, Scored, top_k};
use std::cmp::Ordering;
use std::collections::BinaryHeap;

struct Cursor {
    pos: usize,
    end: usize,
    idf: f32,
    bound: f32,
}

/// A heap entry ordered so the heap's top is the worst kept hit (lowest score, then highest doc).
#[derive(PartialEq)]
struct Worst(Scored);

impl Eq for Worst {}

impl PartialOrd for Worst {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}

impl Ord for Worst {
    fn cmp(&self, o: &Self) -> Ordering {
        o.0.score
            .total_cmp(&self.0.score)
            .then(self.0.doc.cmp(&o.0.doc))
    }
}

impl Bm25Index {
    /// Moves `c` to its first posting with a document ≥ `d` (galloping, then binary search).
    fn seek(&self, c: &mut Cursor, d: u32) {
        if c.pos >= c.end || self.docs[c.pos] >= d {
            return;
        }
        let mut step = 1;
        let mut lo = c.pos;
        while lo + step < c.end && self.docs[lo + step] < d {
            lo += step;
            step *= 2;
        }
        let hi = (lo + step).min(c.end);
        c.pos = lo + self.docs[lo..hi].partition_point(|&x| x < d);
    }

    fn part(&self, i: usize, idf: f32) -> f32 {
        let tf = f32::from(self.tfs[i]);
        idf * tf * (K1 + 1.0) / (tf + self.norm[self.docs[i] as usize])
    }

    /// The best `top` documents for the query words (repeats ignored) that pass `filter`, best
    /// first (ties by document number): the same answer as
    /// [`search_exhaustive`](Self::search_exhaustive), by MaxScore.
    pub fn search(&self, words: &[String], filter: &Filter, top: usize) -> Vec<Scored> {
        if top == 0 {
            return Vec::new();
        }
        let mut uniq: Vec<&String> = words.iter().collect();
        uniq.sort();
        uniq.dedup();
        let mut cs: Vec<Cursor> = uniq
            .iter()
            .filter_map(|w| self.terms.get(w.as_str()))
            .filter_map(|&t| {
                let (a, b) = (
                    self.offsets[t as usize] as usize,
                    self.offsets[t as usize + 1] as usize,
                );
                if a == b || self.too_common(b - a) {
                    return None;
                }
                let idf = self.idf(b - a);
                Some(Cursor {
                    pos: a,
                    end: b,
                    idf,
                    bound: idf * self.max_part[t as usize],
                })
            })
            .collect();
        cs.sort_by(|a, b| a.bound.total_cmp(&b.bound));
        // prefix[i]: the most the terms before i can add together
        let mut prefix = vec![0.0f32; cs.len() + 1];
        for (i, c) in cs.iter().enumerate() {
            // a little slack so float rounding never prunes a document that belongs in the top
            prefix[i + 1] = prefix[i] + c.bound * (1.0 + 1e-5) + 1e-6;
        }
        let unfiltered = filter.is_empty();
        let pass = self.passes(filter);
        let mut heap: BinaryHeap<Worst> = BinaryHeap::with_capacity(top + 1);
        let mut theta = f32::NEG_INFINITY;
        let mut first = 0; // cs[first..] are essential
        while let Some(d) = cs[first..]
            .iter()
            .filter(|c| c.pos < c.end)
            .map(|c| self.docs[c.pos])
            .min()
        {
            let ok = unfiltered || pass(d);
            let mut score = 0.0f32;
            for c in cs[first..].iter_mut() {
                if c.pos < c.end && self.docs[c.pos] == d {
                    if ok {
                        score += self.part(c.pos, c.idf);
                    }
                    c.pos += 1;
                }
            }
            if !ok {
                continue;
            }
            for i in (0..first).rev() {
                if score + prefix[i + 1] <= theta {
                    break;
                }
                let c = &mut cs[i];
                self.seek(c, d);
                if c.pos < c.end && self.docs[c.pos] == d {
                    score += self.part(c.pos, c.idf);
                }
            }
            if heap.len() < top || score > theta {
                heap.push(Worst(Scored { doc: d, score }));
                if heap.len() > top {
                    heap.pop();
                }
                if heap.len() == top {
                    theta = heap.peek().map_or(f32::NEG_INFINITY, |w| w.0.score);
                    while first < cs.len() && prefix[first + 1] <= theta {
                        first += 1;
                    }
                }
            }
        }
        let mut v: Vec<Scored> = heap.into_iter().map(|w| w.0).collect();
        top_k(&mut v, top);
        v
    }
}

#[cfg(test)]
mod tests {
    use crate::bm25::{Attrs, Bm25Index, Doc, Filter};
    use crate::segment::Segmenter;
    use crate::synth::{self, TOPICS};
    use gaoxin_model::rng::Xoshiro256;

    #[test]
    fn maxscore_equals_exhaustive_bm25_on_random_queries() {
        let seg = Segmenter::new(
            include_str!("../../../data/tech/dict.txt"),
            include_str!("../../../data/tech/stopwords.txt"),
        );
        let docs: Vec<Doc> = (0..6_000)
            .map(|i| {
                let s = synth::result(11, i);
                Doc {
                    key: s.id.clone(),
                    title: s.name,
                    keywords: s.keywords,
                    body: format!("{} {}", s.field, s.summary),
                    attrs: Attrs {
                        field: s.field,
                        trl: Some(s.trl),
                        ..Attrs::default()
                    },
                }
            })
            .collect();
        let ix = Bm25Index::build(&seg, &docs);
        let mut r = Xoshiro256::new(3);
        let mut compared = 0;
        for i in 0..200 {
            let ti = (r.next_u64() % TOPICS.len() as u64) as usize;
            // long demand texts, short random word picks, and filtered forms of both
            let text = if i % 2 == 0 {
                synth::demand_text(5, i, ti).1
            } else {
                let w = seg.words(&synth::demand_text(6, i, ti).1);
                (0..3)
                    .map(|_| w[(r.next_u64() % w.len() as u64) as usize].clone())
                    .collect::<Vec<_>>()
                    .join(" ")
            };
            let f = if i % 3 == 0 {
                Filter {
                    field: Some(TOPICS[ti].field.to_string()),
                    trl_min: Some(4),
                    ..Filter::default()
                }
            } else {
                Filter::default()
            };
            let q = seg.words(&text);
            for top in [1, 10, 100] {
                let want = ix.search_exhaustive(&q, &f, top);
                let got = ix.search(&q, &f, top);
                assert_eq!(got.len(), want.len(), "{text} top {top}");
                for (g, w) in got.iter().zip(&want) {
                    assert!(
                        (g.score - w.score).abs() <= 1e-4 * w.score.max(1.0),
                        "{text}: {g:?} {w:?}"
                    );
                    // same document unless two scores tie within rounding
                    if g.doc != w.doc {
                        let other = want.iter().find(|x| x.doc == g.doc);
                        assert!(
                            other.is_some_and(
                                |o| (o.score - g.score).abs() <= 1e-4 * g.score.max(1.0)
                            ) || (g.score - want.last().unwrap().score).abs()
                                <= 1e-4 * g.score.max(1.0),
                            "{text} top {top}: {g:?} not in the exhaustive answer {want:?}"
                        );
                    }
                }
                compared += 1;
            }
        }
        assert_eq!(compared, 600);
        assert!(ix.search(&[], &Filter::default(), 10).is_empty());
        assert!(
            ix.search(&seg.words("碳化硅"), &Filter::default(), 0)
                .is_empty()
        );
    }
}
