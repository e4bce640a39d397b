//! Where the data files are found: rule files (`data/rules/*.toml`) and indicator schemes
//! (`data/schemes/*.toml`), both the same way.
//!
//! 1. A configured directory: the environment variable (`GAOXIN_RULES`, `GAOXIN_SCHEMES`) when
//!    set and not empty, else `data/rules` / `data/schemes` in the working directory when it
//!    exists. An analyst adds a policy or edits an UNCONFIRMED weight by writing a file there,
//!    without a rebuild.
//! 2. Else the files shipped with the binary: every `*.toml` of the workspace's `data/rules` and
//!    `data/schemes` at build time (see `build.rs`), labelled `(内置) <file>`.
//!
//! A set of files (every rule file) comes wholly from one place: a configured directory that
//! cannot be read is an error, never a silent switch to the shipped rules. A named file (a
//! scheme) is read from the configured directory when it holds it, else the shipped copy is used.
use std::path::{Path, PathBuf};

mod shipped {
    include!(concat!(env!("OUT_DIR"), "/shipped.rs"));
}

/// One kind of data file and where it is looked for.
#[derive(Debug, Clone, Copy)]
pub struct DataDir {
    /// The environment variable naming the configured directory.
    pub env: &'static str,
    /// The directory looked for in the working directory.
    pub local: &'static str,
    shipped: &'static [(&'static str, &'static str)],
}

/// Rule files: `$GAOXIN_RULES`, else `data/rules`, else the shipped ones.
pub const RULES: DataDir = DataDir {
    env: "GAOXIN_RULES",
    local: "data/rules",
    shipped: shipped::RULES,
};

/// Indicator schemes: `$GAOXIN_SCHEMES`, else `data/schemes`, else the shipped ones.
pub const SCHEMES: DataDir = DataDir {
    env: "GAOXIN_SCHEMES",
    local: "data/schemes",
    shipped: shipped::SCHEMES,
};

/// Saved reforms (政策测算): `$GAOXIN_REFORMS`, else `data/reforms`, else the shipped examples.
pub const REFORMS: DataDir = DataDir {
    env: "GAOXIN_REFORMS",
    local: "data/reforms",
    shipped: shipped::REFORMS,
};

/// The working-day calendar (one file per year): `$GAOXIN_CALENDAR`, else `data/calendar`, else
/// the shipped years.
pub const CALENDAR: DataDir = DataDir {
    env: "GAOXIN_CALENDAR",
    local: "data/calendar",
    shipped: shipped::CALENDAR,
};

/// Appeals' categories and routing: `$GAOXIN_APPEALS`, else `data/appeals`, else the shipped ones.
pub const APPEALS: DataDir = DataDir {
    env: "GAOXIN_APPEALS",
    local: "data/appeals",
    shipped: shipped::APPEALS,
};

/// Cluster definitions and the diagnosis thresholds: `$GAOXIN_CLUSTERS`, else `data/clusters`,
/// else the shipped ones (read as a whole set, like the rule files).
pub const CLUSTERS: DataDir = DataDir {
    env: "GAOXIN_CLUSTERS",
    local: "data/clusters",
    shipped: shipped::CLUSTERS,
};

/// Where a kind of data file is read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A configured directory (environment variable or `data/…` in the working directory).
    Dir(PathBuf),
    /// The copies compiled into the binary.
    Shipped,
}

/// One data file's text and where it came from (a path, or `(内置) <file>` for a shipped copy).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataFile {
    pub path: PathBuf,
    pub text: String,
}

impl DataDir {
    /// Where the files are read from in this process (environment and working directory).
    pub fn source(&self) -> Source {
        self.source_in(std::env::var(self.env).ok().as_deref(), Path::new(""))
    }

    /// [`DataDir::source`] for a given value of the environment variable and working directory
    /// (`""` is the process's own, so paths read as before: `data/rules/x.toml`).
    pub fn source_in(&self, env: Option<&str>, cwd: &Path) -> Source {
        if let Some(d) = env.filter(|d| !d.is_empty()) {
            return Source::Dir(cwd.join(d));
        }
        let local = cwd.join(self.local);
        if local.is_dir() {
            Source::Dir(local)
        } else {
            Source::Shipped
        }
    }

    /// The shipped copies, sorted by file name.
    pub fn shipped(&self) -> Vec<DataFile> {
        self.shipped
            .iter()
            .map(|(name, text)| DataFile {
                path: PathBuf::from(format!("(内置) {name}")),
                text: (*text).to_string(),
            })
            .collect()
    }

    /// The file `name` from `source`: the configured directory's when it holds it (readable),
    /// else the shipped copy; `None` when neither has it.
    pub fn file_in(&self, source: &Source, name: &str) -> Option<DataFile> {
        if let Source::Dir(d) = source {
            let p = d.join(name);
            if let Ok(text) = std::fs::read_to_string(&p) {
                return Some(DataFile { path: p, text });
            }
        }
        self.shipped
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(n, text)| DataFile {
                path: PathBuf::from(format!("(内置) {n}")),
                text: (*text).to_string(),
            })
    }

    /// [`DataDir::file_in`] from this process's [`DataDir::source`].
    pub fn file(&self, name: &str) -> Option<DataFile> {
        self.file_in(&self.source(), name)
    }

    /// The shipped copy of `name` (what [`DataDir::file`] falls back to).
    pub fn shipped_text(&self, name: &str) -> Option<&'static str> {
        self.shipped
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, t)| *t)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn workspace_data(sub: &str) -> PathBuf {
        PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../data")).join(sub)
    }

    #[test]
    fn a_configured_directory_wins_then_the_local_one_then_the_shipped_files() {
        let tmp = std::env::temp_dir().join(format!("gaoxin-data-files-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&tmp);
        std::fs::create_dir_all(&tmp).unwrap();
        // nothing configured, no data/rules here: the shipped files
        assert_eq!(RULES.source_in(None, &tmp), Source::Shipped);
        // an empty variable is no configuration
        assert_eq!(RULES.source_in(Some(""), &tmp), Source::Shipped);
        assert_eq!(SCHEMES.source_in(Some(""), &tmp), Source::Shipped);
        // data/rules in the working directory
        std::fs::create_dir_all(tmp.join("data/rules")).unwrap();
        assert_eq!(
            RULES.source_in(None, &tmp),
            Source::Dir(tmp.join("data/rules"))
        );
        assert_eq!(SCHEMES.source_in(None, &tmp), Source::Shipped);
        // the variable wins, even over an existing local directory
        assert_eq!(
            RULES.source_in(Some("/elsewhere/rules"), &tmp),
            Source::Dir(PathBuf::from("/elsewhere/rules"))
        );
        std::fs::remove_dir_all(&tmp).unwrap();
    }

    #[test]
    fn the_shipped_files_are_the_workspace_data_files() {
        for (d, sub) in [(RULES, "rules"), (SCHEMES, "schemes")] {
            let mut on_disk: Vec<(String, String)> = std::fs::read_dir(workspace_data(sub))
                .unwrap()
                .map(|e| e.unwrap().path())
                .filter(|p| p.extension().is_some_and(|x| x == "toml"))
                .map(|p| {
                    let n = p.file_name().unwrap().to_str().unwrap().to_string();
                    (n, std::fs::read_to_string(&p).unwrap())
                })
                .collect();
            on_disk.sort();
            assert!(!on_disk.is_empty());
            let shipped: Vec<(String, String)> = d
                .shipped()
                .into_iter()
                .map(|f| {
                    let n = f.path.to_str().unwrap().trim_start_matches("(内置) ");
                    (n.to_string(), f.text)
                })
                .collect();
            assert_eq!(shipped, on_disk, "{sub}");
        }
    }

    #[test]
    fn a_named_file_comes_from_the_directory_when_it_holds_it_else_shipped() {
        let tmp = std::env::temp_dir().join(format!("gaoxin-data-named-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&tmp);
        std::fs::create_dir_all(&tmp).unwrap();
        let name = "park-evaluation-2021.toml";
        let src = Source::Dir(tmp.clone());
        let f = SCHEMES.file_in(&src, name).unwrap();
        assert_eq!(f.path, PathBuf::from(format!("(内置) {name}")));
        assert_eq!(f.text, SCHEMES.shipped_text(name).unwrap());
        std::fs::write(tmp.join(name), "# edited\n").unwrap();
        let f = SCHEMES.file_in(&src, name).unwrap();
        assert_eq!((f.path, f.text.as_str()), (tmp.join(name), "# edited\n"));
        assert_eq!(SCHEMES.file_in(&Source::Shipped, "no-such.toml"), None);
        std::fs::remove_dir_all(&tmp).unwrap();
    }
}
