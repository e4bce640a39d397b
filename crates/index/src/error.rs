//! Error type shared by the whole crate: plain messages, with file and line where a file was read.

use std::fmt;

/// Everything that can go wrong while describing, loading or computing an index.
#[derive(Debug, Clone, PartialEq)]
pub enum IndexError {
    /// The metadata table is inconsistent (unknown parent, duplicate code, …).
    Meta(String),
    /// Data do not fit the metadata or the method (missing column, negative value for a geometric mean, …).
    Data(String),
    /// A file could not be read or parsed; `line` is 1-based when known.
    Load {
        file: String,
        line: Option<usize>,
        msg: String,
    },
    /// An expression in a scheme could not be parsed or refers to an unknown field.
    Expr(String),
    /// A method was given parameters it cannot work with.
    Method(String),
}

impl fmt::Display for IndexError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IndexError::Meta(m) => write!(f, "index metadata: {m}"),
            IndexError::Data(m) => write!(f, "data: {m}"),
            IndexError::Load {
                file,
                line: Some(l),
                msg,
            } => write!(f, "{file}:{l}: {msg}"),
            IndexError::Load {
                file,
                line: None,
                msg,
            } => write!(f, "{file}: {msg}"),
            IndexError::Expr(m) => write!(f, "expression: {m}"),
            IndexError::Method(m) => write!(f, "method: {m}"),
        }
    }
}

impl std::error::Error for IndexError {}

/// Shorthand result type.
pub type Result<T> = std::result::Result<T, IndexError>;

impl IndexError {
    /// A TOML error in `file` (whose text is `text`) as a file:line error.
    pub(crate) fn from_toml(text: &str, file: &str, e: toml::de::Error) -> IndexError {
        let line = e
            .span()
            .map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1);
        IndexError::Load {
            file: file.into(),
            line,
            msg: e.message().to_string(),
        }
    }
}
