//! Error type shared by the whole crate: plain messages, with file and line where a file was read.

/// Everything that can go wrong while describing, loading or computing an index.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum IndexError {
    /// The metadata table is inconsistent (unknown parent, duplicate code, …).
    #[error("index metadata: {0}")]
    Meta(String),
    /// Data do not fit the metadata or the method (missing column, negative value for a geometric mean, …).
    #[error("data: {0}")]
    Data(String),
    /// A file could not be read or parsed; `line` is 1-based when known.
    #[error("{file}{}: {msg}", line_suffix(*.line))]
    Load {
        file: String,
        line: Option<usize>,
        msg: String,
    },
    /// An expression in a scheme could not be parsed or refers to an unknown field.
    #[error("expression: {0}")]
    Expr(String),
    /// A method was given parameters it cannot work with.
    #[error("method: {0}")]
    Method(String),
}

/// `:line` when the line is known, else nothing.
fn line_suffix(line: Option<usize>) -> String {
    line.map(|l| format!(":{l}")).unwrap_or_default()
}

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

#[cfg(test)]
mod tests {
    use super::IndexError;

    #[test]
    fn messages_name_the_file_and_the_line_when_known() {
        let load = |line| IndexError::Load {
            file: "schemes/a.toml".into(),
            line,
            msg: "bad weight".into(),
        };
        assert_eq!(load(Some(3)).to_string(), "schemes/a.toml:3: bad weight");
        assert_eq!(load(None).to_string(), "schemes/a.toml: bad weight");
        assert_eq!(
            IndexError::Meta("m".into()).to_string(),
            "index metadata: m"
        );
        assert_eq!(IndexError::Data("d".into()).to_string(), "data: d");
        assert_eq!(IndexError::Expr("e".into()).to_string(), "expression: e");
        assert_eq!(IndexError::Method("k".into()).to_string(), "method: k");
    }
}
