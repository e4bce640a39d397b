//! Per-list summaries of the embeddings' partition ([`crate::ivf`]): which 技术领域 and parks a
//! list's documents hold, and the range of their TRL, amount and date. A filtered query asks
//! [`ListGate`] which lists may hold a document that passes, and the probe skips the others —
//! probing further among the lists that may match, and, when the filters still leave too few
//! hits, scanning exactly only those lists (a list that cannot match holds no passing document, so
//! the answer is the same as a scan of everything, at a fraction of the cost).
//!
//! A summary is conservative: each condition is checked on its own, so a list may be probed that
//! holds no single document passing them all — never the other way round.
use crate::bm25::{Bm25Index, Filter};

/// What one list of documents holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListSummary {
    /// Bit i: a document's field is interned string i.
    fields: Vec<u64>,
    /// Bit i: a document's park is interned string i.
    parks: Vec<u64>,
    /// Over the documents with a TRL (`trl_min` = `u8::MAX`, `trl_max` = 0 when none has one).
    trl_min: u8,
    trl_max: u8,
    /// The smallest amount (`i64::MAX` when none has one).
    amount_min: i64,
    /// The latest date (0 when none has one).
    date_max: i32,
}

fn set(bits: &mut Vec<u64>, i: u32) {
    let (w, b) = (i as usize / 64, i % 64);
    if bits.len() <= w {
        bits.resize(w + 1, 0);
    }
    bits[w] |= 1 << b;
}

fn has(bits: &[u64], i: u32) -> bool {
    bits.get(i as usize / 64)
        .is_some_and(|w| w & (1 << (i % 64)) != 0)
}

impl Bm25Index {
    /// The summary of the documents `docs`.
    pub fn summarise(&self, docs: impl IntoIterator<Item = u32>) -> ListSummary {
        let mut s = ListSummary {
            fields: Vec::new(),
            parks: Vec::new(),
            trl_min: u8::MAX,
            trl_max: 0,
            amount_min: i64::MAX,
            date_max: 0,
        };
        for d in docs {
            let a = &self.attrs[d as usize];
            set(&mut s.fields, self.field_col[d as usize]);
            set(&mut s.parks, a.park);
            if a.trl != 0 {
                s.trl_min = s.trl_min.min(a.trl);
                s.trl_max = s.trl_max.max(a.trl);
            }
            if a.amount >= 0 {
                s.amount_min = s.amount_min.min(a.amount);
            }
            s.date_max = s.date_max.max(a.date);
        }
        s
    }

    /// The gate of `f`: which summarised lists may hold a document passing it.
    pub fn gate(&self, f: &Filter) -> ListGate {
        let fields = f.field.as_ref().map(|want| {
            let mut bits = Vec::new();
            for (i, s) in self.strings.iter().enumerate() {
                if !want.is_empty() && s.contains(want.as_str()) {
                    set(&mut bits, i as u32);
                }
            }
            bits
        });
        let park = f
            .park
            .as_ref()
            .map(|p| self.string_ids.get(p).copied().unwrap_or(u32::MAX));
        ListGate {
            fields,
            park,
            trl_min: f.trl_min,
            trl_max: f.trl_max,
            amount_max: f.amount_max_fen,
            date_from: f.date_from,
        }
    }
}

/// A filter's conditions in the terms of [`ListSummary`].
#[derive(Debug, Clone)]
pub struct ListGate {
    fields: Option<Vec<u64>>,
    park: Option<u32>,
    trl_min: Option<u8>,
    trl_max: Option<u8>,
    amount_max: Option<i64>,
    date_from: Option<i32>,
}

impl ListGate {
    /// Whether the list summarised by `s` may hold a document that passes.
    pub fn may_pass(&self, s: &ListSummary) -> bool {
        self.fields
            .as_ref()
            .is_none_or(|f| f.iter().zip(&s.fields).any(|(a, b)| a & b != 0))
            && self.park.is_none_or(|p| has(&s.parks, p))
            && self
                .trl_min
                .is_none_or(|m| s.trl_max != 0 && s.trl_max >= m)
            && self.trl_max.is_none_or(|m| s.trl_min <= m)
            && self.amount_max.is_none_or(|m| s.amount_min <= m)
            && self
                .date_from
                .is_none_or(|m| s.date_max != 0 && s.date_max >= m)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bm25::{Attrs, Doc};
    use crate::segment::Segmenter;

    fn doc(i: usize, field: &str, trl: u8, park: &str) -> Doc {
        Doc {
            key: format!("D{i}"),
            title: "碳化硅".into(),
            keywords: vec![],
            body: "功率器件".into(),
            attrs: Attrs {
                field: field.into(),
                trl: Some(trl),
                amount_fen: Some(100 * i as i64),
                park: park.into(),
                date: Some(20260101 + i as i32),
            },
        }
    }

    #[test]
    fn a_list_is_skipped_only_when_nothing_in_it_can_pass() {
        let seg = Segmenter::new("碳化硅\n功率器件\n", "");
        let docs = vec![
            doc(0, "集成电路", 3, "jiangbei"),
            doc(1, "集成电路", 6, "xingang"),
            doc(2, "生物医药", 8, "jiangbei"),
        ];
        let ix = Bm25Index::build(&seg, &docs);
        let a = ix.summarise([0, 1]);
        let b = ix.summarise([2]);
        let gate = |f: Filter| {
            let g = ix.gate(&f);
            (g.may_pass(&a), g.may_pass(&b))
        };
        let field = |s: &str| Filter {
            field: Some(s.into()),
            ..Filter::default()
        };
        assert_eq!(gate(Filter::default()), (true, true));
        assert_eq!(gate(field("集成")), (true, false));
        assert_eq!(gate(field("医药")), (false, true));
        assert_eq!(gate(field("能源")), (false, false));
        let trl = |lo: Option<u8>, hi: Option<u8>| Filter {
            trl_min: lo,
            trl_max: hi,
            ..Filter::default()
        };
        assert_eq!(gate(trl(Some(7), None)), (false, true));
        assert_eq!(gate(trl(Some(6), None)), (true, true));
        assert_eq!(gate(trl(None, Some(5))), (true, false));
        let park = Filter {
            park: Some("xingang".into()),
            ..Filter::default()
        };
        assert_eq!(gate(park), (true, false));
        let cheap = Filter {
            amount_max_fen: Some(50),
            ..Filter::default()
        };
        assert_eq!(gate(cheap), (true, false));
        let late = Filter {
            date_from: Some(20260103),
            ..Filter::default()
        };
        assert_eq!(gate(late), (false, true));
        // every condition on its own: field 集成电路 and TRL ≥ 4 may pass list a (doc 1)
        let both = Filter {
            field: Some("集成电路".into()),
            trl_min: Some(4),
            ..Filter::default()
        };
        assert_eq!(gate(both), (true, false));
    }
}
