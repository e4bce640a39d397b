//! The error of a use case that runs an engine, in words for operators and pages.

/// An error of an engine run, in words for operators and pages.
#[derive(Debug, thiserror::Error)]
pub enum EvalError {
    #[error(transparent)]
    Store(#[from] gaoxin_store::Error),
    #[error("计算失败：{0}")]
    Engine(String),
    /// Nothing to compute (e.g. no data for the year).
    #[error("{0}")]
    NoData(String),
}

impl From<gaoxin_index::IndexError> for EvalError {
    fn from(e: gaoxin_index::IndexError) -> Self {
        EvalError::Engine(e.to_string())
    }
}
