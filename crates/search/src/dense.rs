//! Exhaustive nearest neighbours by cosine over a flat, quantised matrix: each unit vector is
//! stored as `dim` signed bytes with one scale (its largest component maps to ±127), so a million
//! 64-dimensional vectors take 68 MB and a query is one pass of integer dot products the compiler
//! vectorises. Quantisation changes a cosine by well under 0.01 (tested), far below the gaps
//! that decide a top 10 in practice; the exact cosine of the hits is recomputed for display.
//! Large corpora (≥ [`crate::ivf::IVF_MIN`]) are partitioned ([`crate::ivf`]) and a query scans
//! only the lists nearest to it.
use crate::bm25::{Scored, top_k};
use crate::ivf::{Ivf, NPROBE, PROBE_BUDGET};
use crate::quant::dot;
pub use crate::quant::quantise;

/// The matrix.
#[derive(Debug, Clone, Default)]
pub struct DenseIndex {
    dim: usize,
    codes: Vec<i8>,
    scales: Vec<f32>,
    ivf: Option<Ivf>,
}

impl DenseIndex {
    /// An empty index of `dim`-dimensional vectors.
    pub fn new(dim: usize) -> DenseIndex {
        DenseIndex {
            dim,
            ..DenseIndex::default()
        }
    }

    /// Appends the next document's unit vector (`None`: it has none and never matches).
    pub fn push(&mut self, v: Option<&[f32]>) {
        match v {
            Some(v) if v.len() == self.dim => {
                let s = quantise(v, &mut self.codes);
                self.scales.push(s);
            }
            _ => {
                self.codes.extend(std::iter::repeat_n(0, self.dim));
                self.scales.push(0.0);
            }
        }
    }

    /// Appends another index's documents after these (a partition, if any, is dropped).
    pub fn append(&mut self, other: DenseIndex) {
        self.codes.extend(other.codes);
        self.scales.extend(other.scales);
        self.ivf = None;
    }

    /// Partitions the vectors into `nlist` lists ([`crate::ivf`]); queries then probe lists.
    pub fn index_lists(&mut self, nlist: usize, seed: u64) {
        self.ivf = Some(Ivf::build(&self.codes, &self.scales, self.dim, nlist, seed));
    }

    /// The partition, if built.
    pub fn ivf(&self) -> Option<&Ivf> {
        self.ivf.as_ref()
    }

    /// Whether document `d` has a vector.
    pub fn has(&self, d: u32) -> bool {
        self.scales[d as usize] != 0.0
    }

    pub(crate) fn code(&self, d: u32) -> &[i8] {
        &self.codes[d as usize * self.dim..(d as usize + 1) * self.dim]
    }

    /// Document `d`'s vector as stored (dequantised).
    pub fn vector(&self, d: u32) -> Vec<f32> {
        let s = self.scales[d as usize];
        self.code(d).iter().map(|&x| f32::from(x) * s).collect()
    }

    pub fn len(&self) -> usize {
        self.scales.len()
    }

    pub fn is_empty(&self) -> bool {
        self.scales.is_empty()
    }

    pub fn dim(&self) -> usize {
        self.dim
    }

    /// Bytes in memory.
    pub fn size_bytes(&self) -> usize {
        self.codes.len() + self.scales.len() * 4 + self.ivf.as_ref().map_or(0, Ivf::size_bytes)
    }

    /// The (quantised) cosine of document `doc` with the unit vector `q`.
    pub fn cosine(&self, doc: u32, q: &[f32]) -> f32 {
        let d = doc as usize;
        let c = &self.codes[d * self.dim..(d + 1) * self.dim];
        c.iter().zip(q).map(|(&x, y)| f32::from(x) * y).sum::<f32>() * self.scales[d]
    }

    /// The `top` documents closest to the unit vector `q` among those `pass` accepts (`None`:
    /// every document), best first; documents without a vector are never returned.
    pub fn search(&self, q: &[f32], pass: Option<&dyn Fn(u32) -> bool>, top: usize) -> Vec<Scored> {
        self.search_in(q, pass, top, true, None)
    }

    /// [`search`](Self::search) probing only the lists `lists` marks (by list number; lists it
    /// leaves out must hold no document `pass` accepts — [`crate::groups`] decides): the probe
    /// goes on among the lists that may match, and the exact fallback scans only them.
    pub fn search_lists(
        &self,
        q: &[f32],
        pass: &dyn Fn(u32) -> bool,
        top: usize,
        lists: &[bool],
    ) -> Vec<Scored> {
        self.search_in(q, Some(pass), top, true, Some(lists))
    }

    /// [`search`](Self::search) over every document even when partitioned (the reference the
    /// benchmark measures the partition against).
    pub fn search_exact(
        &self,
        q: &[f32],
        pass: Option<&dyn Fn(u32) -> bool>,
        top: usize,
    ) -> Vec<Scored> {
        self.search_in(q, pass, top, false, None)
    }

    fn search_in(
        &self,
        q: &[f32],
        pass: Option<&dyn Fn(u32) -> bool>,
        top: usize,
        partitioned: bool,
        lists: Option<&[bool]>,
    ) -> Vec<Scored> {
        if q.len() != self.dim || top == 0 {
            return Vec::new();
        }
        let mut qc = Vec::with_capacity(self.dim);
        let qs = quantise(q, &mut qc);
        // keep a bounded buffer, cut to the best `top` whenever it fills
        let cap = (top * 8).max(64);
        let mut best: Vec<Scored> = Vec::with_capacity(cap + 1);
        let mut floor = f32::NEG_INFINITY;
        // the dot product first (sequential reads), the filter (scattered reads) only for a
        // document that would enter the buffer
        let mut consider = |d: u32, code: &[i8], s: f32, best: &mut Vec<Scored>| {
            if s == 0.0 {
                return;
            }
            let score = dot(code, &qc) as f32 * s * qs;
            if score < floor || pass.is_some_and(|p| !p(d)) {
                return;
            }
            best.push(Scored { doc: d, score });
            if best.len() > cap {
                top_k(best, top);
                floor = best.last().map_or(f32::NEG_INFINITY, |x| x.score);
            }
        };
        let dim = self.dim;
        match self.ivf.as_ref().filter(|_| partitioned) {
            None => {
                for (d, (c, &s)) in self.codes.chunks_exact(dim).zip(&self.scales).enumerate() {
                    consider(d as u32, c, s, &mut best);
                }
            }
            Some(ivf) => {
                let budget = (ivf.members.len() as f64 * PROBE_BUDGET) as usize;
                let mut scanned = 0;
                let open = |l: &usize| lists.is_none_or(|ok| ok.get(*l).copied().unwrap_or(true));
                for (i, l) in ivf.order(&qc).into_iter().filter(open).enumerate() {
                    // NPROBE lists or the budget's share of the documents
                    if i >= NPROBE || scanned >= budget {
                        break;
                    }
                    scanned += ivf.list(l).len();
                    for p in ivf.list(l) {
                        let c = &ivf.member_codes[p * dim..(p + 1) * dim];
                        consider(ivf.members[p], c, ivf.member_scales[p], &mut best);
                    }
                }
                if best.len() < top
                    && let Some(pass) = pass
                {
                    // the filters passed too few near the query: every document of the lists
                    // that may match (all lists without summaries), the filter first (what
                    // passes is few, so few dot products), exact
                    best.clear();
                    if lists.is_some() {
                        let mut v: Vec<Scored> = (0..ivf.nlist())
                            .filter(open)
                            .flat_map(|l| ivf.list(l))
                            .filter(|&p| pass(ivf.members[p]))
                            .map(|p| Scored {
                                doc: ivf.members[p],
                                score: dot(&ivf.member_codes[p * dim..(p + 1) * dim], &qc) as f32
                                    * ivf.member_scales[p]
                                    * qs,
                            })
                            .collect();
                        top_k(&mut v, top);
                        return v;
                    }
                    let mut v: Vec<Scored> = (0..self.len() as u32)
                        .filter(|&d| self.scales[d as usize] != 0.0 && pass(d))
                        .map(|d| Scored {
                            doc: d,
                            score: dot(self.code(d), &qc) as f32 * self.scales[d as usize] * qs,
                        })
                        .collect();
                    top_k(&mut v, top);
                    return v;
                }
            }
        }
        top_k(&mut best, top);
        best
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use gaoxin_model::rng::Xoshiro256;

    fn unit(r: &mut Xoshiro256, dim: usize) -> Vec<f32> {
        let v: Vec<f32> = (0..dim).map(|_| r.unit() as f32 - 0.5).collect();
        let n = v.iter().map(|x| x * x).sum::<f32>().sqrt();
        v.into_iter().map(|x| x / n).collect()
    }

    #[test]
    fn same_top_as_exact_cosine_and_quantisation_error_small() {
        let mut r = Xoshiro256::new(7);
        let vs: Vec<Vec<f32>> = (0..3_000).map(|_| unit(&mut r, 64)).collect();
        let mut ix = DenseIndex::new(64);
        for v in &vs {
            ix.push(Some(v));
        }
        ix.push(None);
        let exact = |a: &[f32], b: &[f32]| a.iter().zip(b).map(|(x, y)| x * y).sum::<f32>();
        for _ in 0..20 {
            let q = unit(&mut r, 64);
            let got = ix.search(&q, None, 10);
            let mut want: Vec<Scored> = vs
                .iter()
                .enumerate()
                .map(|(d, v)| Scored {
                    doc: d as u32,
                    score: exact(v, &q),
                })
                .collect();
            top_k(&mut want, 10);
            for (g, w) in got.iter().zip(&want) {
                assert!((g.score - exact(&vs[g.doc as usize], &q)).abs() < 0.01);
                assert!((g.score - w.score).abs() < 0.01, "{g:?} {w:?}");
            }
            let same = got
                .iter()
                .filter(|g| want.iter().any(|w| w.doc == g.doc))
                .count();
            assert!(same >= 9, "{same} of 10 shared with the exact top 10");
        }
    }

    #[test]
    fn filter_and_missing_vectors() {
        let mut ix = DenseIndex::new(2);
        ix.push(Some(&[1.0, 0.0]));
        ix.push(None);
        ix.push(Some(&[0.6, 0.8]));
        let all = ix.search(&[1.0, 0.0], None, 10);
        assert_eq!(all.iter().map(|s| s.doc).collect::<Vec<_>>(), vec![0, 2]);
        let even = |d: u32| d.is_multiple_of(2) && d != 0;
        let f = ix.search(&[1.0, 0.0], Some(&even), 10);
        assert_eq!(f.iter().map(|s| s.doc).collect::<Vec<_>>(), vec![2]);
        assert!((ix.cosine(2, &[1.0, 0.0]) - 0.6).abs() < 0.01);
        assert!(ix.search(&[1.0], None, 10).is_empty());
    }

    #[test]
    fn probing_the_nearest_lists_keeps_most_of_the_exact_top() {
        // clustered data, as embeddings of a corpus in a few fields are
        let mut r = Xoshiro256::new(9);
        let mut unit = |center: &[f32], spread: f32| -> Vec<f32> {
            let mut v: Vec<f32> = center
                .iter()
                .map(|c| c + spread * (r.unit() as f32 - 0.5))
                .collect();
            let n = v.iter().map(|x| x * x).sum::<f32>().sqrt();
            v.iter_mut().for_each(|x| *x /= n);
            v
        };
        let centers: Vec<Vec<f32>> = (0..20).map(|_| unit(&[0.0; 32], 1.0)).collect();
        let mut ix = DenseIndex::new(32);
        for i in 0..20_000 {
            let v = unit(&centers[i % 20], 0.6);
            ix.push(Some(&v));
        }
        ix.push(None);
        let exact = ix.clone();
        ix.index_lists(64, 1);
        let ivf = ix.ivf().unwrap();
        assert_eq!(
            ivf.members.len(),
            20_000,
            "every document with a vector filed once"
        );
        let mut kept = 0;
        for i in 0..50 {
            let q = unit(&centers[i % 20], 0.6);
            let want: Vec<Scored> = exact.search(&q, None, 100);
            let got = ix.search(&q, None, 100);
            assert_eq!(got.len(), 100);
            kept += got
                .iter()
                .filter(|g| want.iter().any(|w| w.doc == g.doc))
                .count();
        }
        assert!(kept as f64 / 5_000.0 > 0.8, "kept {kept} of 5000");
        // a filter passing few documents still fills the answer by probing further
        let rare = |d: u32| d % 1_000 == 7;
        let got = ix.search(&unit(&centers[0], 0.6), Some(&rare), 10);
        assert_eq!(got.len(), 10);
        assert!(got.iter().all(|g| g.doc % 1_000 == 7));
        // probing only the lists that hold a passing document: the exact filtered answer
        let lists: Vec<bool> = (0..ivf.nlist())
            .map(|l| ivf.list(l).any(|p| rare(ivf.members[p])))
            .collect();
        assert!(
            lists.iter().any(|x| !x),
            "some lists hold no passing document"
        );
        for i in 0..20 {
            let q = unit(&centers[i % 20], 0.6);
            let want = exact.search(&q, Some(&rare), 10);
            let got = ix.search_lists(&q, &rare, 10, &lists);
            assert_eq!(
                got.iter().map(|g| g.doc).collect::<Vec<_>>(),
                want.iter().map(|g| g.doc).collect::<Vec<_>>()
            );
        }
    }
}
