//! An inverted-file (IVF) partition of the dense vectors for large corpora: spherical k-means
//! (cosine) on a sample gives [`NLIST`] centroids, every document is filed under its nearest
//! centroid, and a query scans only the lists of its [`NPROBE`] nearest centroids, at most
//! [`PROBE_BUDGET`] of the documents (when the filters leave fewer hits than asked there, the
//! index scans every document, filter first, exactly). Approximate: the benchmark reports how much of
//! the exact top 100 it keeps at 1,000,000 documents. Below [`IVF_MIN`] documents the exact scan
//! is fast enough and is used.
use crate::quant::{dot, quantise};
use gaoxin_model::rng::Xoshiro256;

/// Corpora smaller than this are searched exhaustively.
pub const IVF_MIN: usize = 50_000;
/// Number of lists (centroids).
pub const NLIST: usize = 256;
/// Lists scanned per query (≈ 9 % of the documents when the lists are even).
pub const NPROBE: usize = 24;
/// But no more than this share of the documents once enough hits are found: clustered corpora
/// give uneven lists, and a query near the big ones would otherwise scan a third of the corpus.
pub const PROBE_BUDGET: f64 = 0.05;
const ITERATIONS: usize = 8;
const SAMPLE_PER_LIST: usize = 64;

/// The partition: centroids (quantised like the documents) and each list's documents in order.
#[derive(Debug, Clone, Default)]
pub struct Ivf {
    pub(crate) codes: Vec<i8>,
    pub(crate) scales: Vec<f32>,
    /// Documents of list l: `members[offsets[l]..offsets[l + 1]]`, ascending.
    pub(crate) offsets: Vec<usize>,
    pub(crate) members: Vec<u32>,
    /// The members' vectors again, in list order, so a probe reads memory sequentially (at a
    /// million documents, scattered reads cost more than the arithmetic).
    pub(crate) member_codes: Vec<i8>,
    pub(crate) member_scales: Vec<f32>,
}

fn normalise(v: &mut [f32]) {
    let n = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    if n > 0.0 {
        v.iter_mut().for_each(|x| *x /= n);
    }
}

impl Ivf {
    /// Clusters the quantised vectors (`dim` bytes each, a zero scale for none) into `nlist`
    /// lists (deterministic for a seed).
    pub fn build(codes: &[i8], scales: &[f32], dim: usize, nlist: usize, seed: u64) -> Ivf {
        let code = |d: u32| &codes[d as usize * dim..(d as usize + 1) * dim];
        let vector = |d: u32| -> Vec<f32> {
            code(d)
                .iter()
                .map(|&x| f32::from(x) * scales[d as usize])
                .collect()
        };
        let with: Vec<u32> = (0..scales.len() as u32)
            .filter(|&d| scales[d as usize] != 0.0)
            .collect();
        let nlist = nlist.clamp(1, with.len().max(1));
        let mut r = Xoshiro256::new(seed);
        // the sample: a random subset (with repeats possible; harmless)
        let ns = (nlist * SAMPLE_PER_LIST).min(with.len());
        let sample: Vec<Vec<f32>> = (0..ns)
            .map(|_| vector(with[(r.next_u64() % with.len().max(1) as u64) as usize]))
            .collect();
        let mut cents: Vec<Vec<f32>> = sample.iter().take(nlist).cloned().collect();
        while cents.len() < nlist {
            cents.push(vec![0.0; dim]);
        }
        for _ in 0..ITERATIONS {
            let mut sums = vec![vec![0.0f32; dim]; nlist];
            for v in &sample {
                let best = nearest(&cents, v);
                sums[best].iter_mut().zip(v).for_each(|(s, x)| *s += x);
            }
            for (c, mut s) in cents.iter_mut().zip(sums) {
                if s.iter().any(|&x| x != 0.0) {
                    normalise(&mut s);
                    *c = s;
                }
            }
        }
        let mut ivf = Ivf::default();
        for c in &cents {
            let s = quantise(c, &mut ivf.codes);
            ivf.scales.push(s);
        }
        // file every document (two threads: this is the costly part at a million documents)
        let parts: Vec<Vec<u16>> = std::thread::scope(|s| {
            let chunk = with.len().div_ceil(2).max(1);
            let hs: Vec<_> = with
                .chunks(chunk)
                .map(|part| {
                    let ivf = &ivf;
                    s.spawn(move || {
                        part.iter()
                            .map(|&d| ivf.nearest_list(code(d)) as u16)
                            .collect()
                    })
                })
                .collect();
            hs.into_iter()
                .map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
                .collect()
        });
        let lists: Vec<u16> = parts.into_iter().flatten().collect();
        let mut count = vec![0usize; nlist + 1];
        for &l in &lists {
            count[l as usize + 1] += 1;
        }
        for l in 0..nlist {
            count[l + 1] += count[l];
        }
        ivf.offsets = count.clone();
        ivf.members = vec![0; with.len()];
        for (&d, &l) in with.iter().zip(&lists) {
            ivf.members[count[l as usize]] = d;
            count[l as usize] += 1;
        }
        ivf.member_codes = Vec::with_capacity(with.len() * dim);
        for &d in &ivf.members {
            ivf.member_codes.extend_from_slice(code(d));
            ivf.member_scales.push(scales[d as usize]);
        }
        ivf
    }

    pub fn nlist(&self) -> usize {
        self.scales.len()
    }

    /// The size of the largest list.
    pub fn largest(&self) -> usize {
        self.offsets
            .windows(2)
            .map(|w| w[1] - w[0])
            .max()
            .unwrap_or(0)
    }

    fn nearest_list(&self, c: &[i8]) -> usize {
        let dim = c.len();
        let mut best = (f32::NEG_INFINITY, 0);
        for (l, (cc, &s)) in self.codes.chunks_exact(dim).zip(&self.scales).enumerate() {
            let x = dot(c, cc) as f32 * s;
            if x > best.0 {
                best = (x, l);
            }
        }
        best.1
    }

    /// The lists ordered by their centroid's closeness to the quantised query.
    pub(crate) fn order(&self, qc: &[i8]) -> Vec<usize> {
        let dim = qc.len();
        let mut v: Vec<(f32, usize)> = self
            .codes
            .chunks_exact(dim)
            .zip(&self.scales)
            .enumerate()
            .map(|(l, (c, &s))| (dot(c, qc) as f32 * s, l))
            .collect();
        v.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        v.into_iter().map(|x| x.1).collect()
    }

    /// The positions (in `members`) of list `l`.
    pub(crate) fn list(&self, l: usize) -> std::ops::Range<usize> {
        self.offsets[l]..self.offsets[l + 1]
    }

    pub fn size_bytes(&self) -> usize {
        self.codes.len()
            + self.scales.len() * 4
            + self.members.len() * 4
            + self.offsets.len() * 8
            + self.member_codes.len()
            + self.member_scales.len() * 4
    }
}

fn nearest(cents: &[Vec<f32>], v: &[f32]) -> usize {
    let mut best = (f32::NEG_INFINITY, 0);
    for (i, c) in cents.iter().enumerate() {
        let x: f32 = c.iter().zip(v).map(|(a, b)| a * b).sum();
        if x > best.0 {
            best = (x, i);
        }
    }
    best.1
}
