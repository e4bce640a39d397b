//! Several versions of one rule id (issue 20: an adopted band change or draft becomes a new
//! version from its effective date). A directory may hold more than one file with the same `id`
//! when their periods (`effective_from` … `effective_to`) do not overlap and their `version`s
//! differ; an evaluation uses the version in force on its as-of date ([`select`]): the latest
//! one whose `effective_from` is on or before that date, else (a date before every version) the
//! earliest — as a single file is used before its own `effective_from`. Whether the chosen
//! version has expired (`effective_to` before the date) is then decided as for any file
//! (`plan::compile_for_run` leaves it out with a reason).
use std::borrow::Cow;
use std::collections::BTreeMap;

use gaoxin_model::Date;

use crate::file::{LoadError, RuleFile};

/// The line of a top-level key in a file's text (1 when not found).
fn line_of_key(f: &RuleFile, key: &str) -> usize {
    f.text
        .lines()
        .position(|l| {
            l.trim_start()
                .split_once('=')
                .is_some_and(|(k, _)| k.trim() == key)
        })
        .map(|i| i + 1)
        .unwrap_or(1)
}

/// The files grouped by id, each group sorted by `effective_from`.
fn groups(files: &[RuleFile]) -> BTreeMap<&str, Vec<&RuleFile>> {
    let mut g: BTreeMap<&str, Vec<&RuleFile>> = BTreeMap::new();
    for f in files {
        g.entry(f.id.as_str()).or_default().push(f);
    }
    for v in g.values_mut() {
        v.sort_by_key(|f| f.effective_from);
    }
    g
}

/// Why the versions of one id cannot be told apart by date: the same version twice, or a
/// version in force before the previous one ends (each error names the later file and line).
pub fn conflicts(files: &[RuleFile]) -> Vec<LoadError> {
    let mut errors = Vec::new();
    for (id, vs) in groups(files) {
        for w in vs.windows(2) {
            let (a, b) = (w[0], w[1]);
            if a.version == b.version {
                errors.push(LoadError {
                    file: b.path.clone(),
                    line: line_of_key(b, "version"),
                    msg: format!(
                        "规则编号「{id}」的版本「{}」与 {} 重复（同一规则的各版本须有不同的 version）",
                        b.version,
                        a.path.display()
                    ),
                });
            }
            match a.effective_to {
                Some(to) if to < b.effective_from => {}
                _ => errors.push(LoadError {
                    file: b.path.clone(),
                    line: line_of_key(b, "effective_from"),
                    msg: format!(
                        "规则编号「{id}」的版本「{}」自{}起生效，与 {}（版本「{}」，{} 至 {}）的有效期重叠：\
                         同一规则的各版本有效期不能重叠（请为前一版本写 effective_to）",
                        b.version,
                        b.effective_from,
                        a.path.display(),
                        a.version,
                        a.effective_from,
                        a.effective_to
                            .map(|d| d.to_string())
                            .unwrap_or_else(|| "长期".into())
                    ),
                }),
            }
        }
    }
    errors
}

/// Reads every rule file of a directory ([`crate::file::read_files`]); files with the same `id`
/// are versions of one rule, refused unless they can be told apart by date ([`conflicts`]).
pub fn read_dir(dir: &std::path::Path) -> Result<Vec<RuleFile>, Vec<LoadError>> {
    let files = crate::file::read_files(dir)?;
    let errors = conflicts(&files);
    if errors.is_empty() {
        Ok(files)
    } else {
        Err(errors)
    }
}

/// Whether some id has more than one version.
pub fn has_versions(files: &[RuleFile]) -> bool {
    let mut seen = std::collections::BTreeSet::new();
    files.iter().any(|f| !seen.insert(f.id.as_str()))
}

/// The version of each id to use on `as_of` (see the module doc), in the files' order. Borrowed
/// when every id has one version.
pub fn select(files: &[RuleFile], as_of: Date) -> Cow<'_, [RuleFile]> {
    if !has_versions(files) {
        return Cow::Borrowed(files);
    }
    let mut by_id: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, f) in files.iter().enumerate() {
        by_id.entry(f.id.as_str()).or_default().push(i);
    }
    let mut keep = vec![false; files.len()];
    for mut ix in by_id.into_values() {
        ix.sort_by_key(|&i| files[i].effective_from);
        let i = ix
            .iter()
            .rev()
            .find(|&&i| files[i].effective_from <= as_of)
            .unwrap_or(&ix[0]);
        keep[*i] = true;
    }
    Cow::Owned(
        files
            .iter()
            .zip(keep)
            .filter(|(_, k)| *k)
            .map(|(f, _)| f.clone())
            .collect(),
    )
}

/// The version of `id` in force on `as_of` (see [`select`]).
pub fn in_force<'a>(files: &'a [RuleFile], id: &str, as_of: Date) -> Option<&'a RuleFile> {
    let vs = groups(files).remove(id)?;
    Some(
        vs.iter()
            .rev()
            .find(|f| f.effective_from <= as_of)
            .copied()
            .unwrap_or(vs[0]),
    )
}

/// `files` with `f` as the only version of its id (to check one version with its own cases).
pub fn with_version(files: &[RuleFile], f: &RuleFile) -> Vec<RuleFile> {
    files
        .iter()
        .filter(|g| g.id != f.id || (g.path == f.path && g.version == f.version))
        .cloned()
        .collect()
}

#[cfg(test)]
mod tests;
