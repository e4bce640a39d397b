//! Chinese search for technology transfer (issue 14): a pure crate, no IO.
//!
//! [`segment`] cuts Chinese text with a domain dictionary (data file) and bigrams for the rest;
//! [`bm25`] is a compact inverted index with field weights and structured filters; [`explain`]
//! says why a document matched (shared terms highlighted in both texts, the fields they are in).
//! [`embed`] reads a static embedding model (model2vec format: [`unigram`] tokenizer, a token →
//! vector table) from a local directory, [`dense`] searches the documents' vectors by cosine, and
//! [`hybrid`] fuses both rankings by reciprocal-rank fusion. Without the model files the callers
//! match on BM25 alone and say so (see ARCHITECTURE.md).
pub mod bm25;
pub mod dense;
pub mod embed;
pub mod explain;
pub mod groups;
pub mod hybrid;
pub mod ivf;
pub mod maxscore;
pub mod quant;
pub mod segment;
pub mod synth;
pub mod unigram;

pub use bm25::{Attrs, Bm25Index, Doc, Filter, Scored};
pub use dense::DenseIndex;
pub use embed::{StaticModel, cosine};
pub use explain::{Explanation, explain, highlight};
pub use hybrid::{Fused, HybridIndex, Mode, RRF_DEPTH, RRF_K, rrf};
pub use segment::{Segmenter, Token};

/// The longest query read, in characters; a longer one is cut and the caller says so.
pub const MAX_QUERY_CHARS: usize = 200;

/// A query prepared for search: its words, and whether it was cut to [`MAX_QUERY_CHARS`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query {
    pub text: String,
    pub words: Vec<String>,
    pub truncated: bool,
}

impl Query {
    /// Cuts `text` to [`MAX_QUERY_CHARS`] and segments it; `words` is empty for a query of only
    /// punctuation or stop words.
    pub fn parse(seg: &Segmenter, text: &str) -> Query {
        let truncated = text.chars().count() > MAX_QUERY_CHARS;
        let text: String = text.chars().take(MAX_QUERY_CHARS).collect();
        let words = seg.words(&text);
        Query {
            text,
            words,
            truncated,
        }
    }
}
