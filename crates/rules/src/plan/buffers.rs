//! Scratch space of an evaluation: node values and states of a chunk ([`Buffers`]) and the
//! verification masks ([`VerifyScratch`]).
use super::*;

/// Scratch space for evaluating a chunk: `vals[node * len + i]`.
#[derive(Debug, Default, Clone)]
pub struct Buffers {
    pub len: usize,
    pub vals: Vec<f64>,
    pub st: Vec<u8>,
    /// A what-if value for one cell (field, fiscal year, panel row) that fact loads use instead
    /// of the panel's — how gap search tries a change without copying the firm.
    pub cell_override: Option<(u16, i32, usize, f64)>,
    /// Identity of the plan whose constants the buffer holds (0 = none).
    pub consts_of: usize,
    /// Per node: every row of the last chunk evaluated is [`OK`].
    pub clean: Vec<bool>,
    /// Batch only ([`Buffers::for_batch`]), per node: a fact node that may be read in place
    /// from the panel's column instead of being copied into `vals` (empty: copy every fact).
    /// Kernels then read the column directly; such a node must not be read through
    /// [`Buffers::get`], so the batch asks this only for facts no code outside the kernels
    /// reads (`batch::in_place_facts`).
    pub(crate) in_place: Vec<bool>,
    /// Batch only, per node: a fact of `in_place` that may be read in place also when its
    /// column is narrow (`i32`): every consumer is a comparison or a sum over years, which read
    /// it through [`Kids::arg`] and widen each value as they use it (`batch::narrow_in_place`).
    /// Other facts of narrow columns are widened into `vals` first.
    pub(crate) narrow_in_place: Vec<bool>,
    /// Batch only: when a fact is read, ask the CPU to bring the column's rows of the next
    /// chunk into cache (`prefetch_next`): a batch streams dozens of columns at once, more than
    /// the hardware prefetcher follows, and spreading the hints over the chunk's work keeps
    /// them from queueing up.
    pub(crate) prefetch: bool,
    /// Batch only, per node: an exact comparison that is not evaluated on its own but inside
    /// its only consumer, an `all` / `any` (the batch leaves it out of its node list;
    /// `batch::fused_comparisons`). Empty: none.
    pub(crate) fused: Vec<bool>,
    /// Per node: its values for the current chunk are in the panel, not in `vals` (and, when
    /// the node is clean, its states are not in `st` either: they are all [`OK`]).
    pub(super) ext: Vec<bool>,
    /// `len` states [`OK`], for clean nodes read in place.
    pub(super) ok: Vec<u8>,
    /// Founding year per row of the current chunk (scratch).
    pub(super) founded_year: Vec<f64>,
    /// Band indices of a band lookup (scratch).
    pub(super) band: Vec<f64>,
}

impl Buffers {
    /// Buffers for a batch: facts read in place (and of those, the ones read in place from
    /// narrow columns too) and fused comparisons as the batch planned them, and prefetching on.
    pub(crate) fn for_batch(
        in_place: Vec<bool>,
        narrow_in_place: Vec<bool>,
        fused: Vec<bool>,
    ) -> Buffers {
        Buffers {
            in_place,
            narrow_in_place,
            fused,
            prefetch: true,
            ..Buffers::default()
        }
    }

    pub fn get(&self, node: NodeId, i: usize) -> (f64, u8) {
        debug_assert!(
            !self.ext.get(node as usize).copied().unwrap_or(false),
            "node {node} was read in place from the panel; its values are not in the buffer"
        );
        let k = node as usize * self.len + i;
        (self.vals[k], self.st[k])
    }
}

/// Reusable scratch of [`Plan::vtree_verified_chunk`]: per chunk, one mask per fact-year.
#[derive(Debug, Default)]
pub struct VerifyScratch {
    pub(super) stack: Vec<Vec<u8>>,
    /// (panel, year, start, len) of the chunk the masks belong to.
    pub(super) key: (usize, i32, usize, usize),
    pub(super) epoch: u64,
    /// Founding year per row of the chunk.
    pub(super) founded: Vec<i32>,
    /// Per (offset, field): 1 where the cell is verified or the year predates founding;
    /// current when `stamp` equals `epoch`.
    pub(super) masks: HashMap<(u8, u16), (u64, Vec<u8>)>,
}

impl VerifyScratch {
    pub(super) fn mask(
        &mut self,
        panel: &Panel,
        year: i32,
        start: usize,
        len: usize,
        field: u16,
        off: u8,
    ) -> &[u8] {
        let (epoch, fy) = (self.epoch, &self.founded);
        let e = self.masks.entry((off, field)).or_default();
        if e.0 != epoch {
            e.0 = epoch;
            e.1.clear();
            let y = year - off as i32;
            match panel.column(y, field as usize) {
                Some(c) => e.1.extend(
                    c.prov[start..start + len]
                        .iter()
                        .zip(fy)
                        .map(|(p, f)| ((*p == PROV_VERIFIED) | (y < *f)) as u8),
                ),
                None => e.1.extend(fy.iter().map(|f| (y < *f) as u8)),
            }
        }
        &e.1
    }
}
