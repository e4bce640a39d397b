//! Adopting a saved reform (issue 20): its parameter values become dated values of new versions
//! of the rule files it changes, in force from the adoption's effective date.
//!
//! The versioning is the rule files' own: a parameter's `values` are dated (`{ from = …, value =
//! … }`, a run uses the value in force on its as-of date), and each file has a `version`. An
//! adoption writes, in each affected file of the rules directory the server reads
//! ([`crate::data_files::RULES`]: `$GAOXIN_RULES`, else `data/rules`), the new value from the
//! effective date — earlier values are kept, so a run of a year whose as-of date is before the
//! effective date reads the old value, a later one the new — bumps `version` to
//! `<old>+<effective date>`, appends to the parameter's `source` who proposed and adopted it, and
//! heads the file with a comment naming the reform, its author, note and adopter. The previous text
//! of each file is kept beside it (`<rules dir>/versions/<id>@<old version>.toml`; not read as a
//! rule file) so every version stays readable.
//!
//! Before anything is written, the new texts are parsed and the whole directory (with them) is
//! checked by the same loader and checker as `gaoxin rules check` (compiled, every file's own test
//! cases run); the parsed new values must be those the reform evaluates. Then each file is
//! written to a temporary file and renamed over the old one; should a rename fail, the files
//! already renamed are put back. Stored runs are never touched.
//!
//! Adopted as dated values inside the file: parameter changes (`[[params]]` without `year`) and
//! effective dates (`[[dates]]`). Adopted as a new version file of the rule (`<name>@<effective
//! date>.toml` beside the old one, in force from the effective date; the version in force until
//! then gets `effective_to` the day before — [`gaoxin_rules::versions`] selects by the as-of date):
//! band changes (`[[bands]]`: a band table has no dated values), drafts (`[[replace]]`) and
//! yearly parameters (`year = …`: a published figure of one year). The new version must start
//! after the version in force; its inherited test cases must pass (else refused).
use crate::audit::{Who, event};
use crate::data_files::{RULES, Source};
use gaoxin_model::Date;
use gaoxin_rules::reform::{AppliedChange, Reform, What, When};
use gaoxin_rules::versions::in_force;
use gaoxin_rules::{RuleFile, file::Param};
use gaoxin_store::{Adoption, Role, Store};
use serde::Serialize;
use std::path::{Path, PathBuf};

/// Why an adoption was refused (nothing written), in Chinese.
#[derive(Debug, thiserror::Error)]
pub enum AdoptError {
    #[error("{0}")]
    Refused(String),
    #[error("没有名为「{0}」的已保存方案")]
    NoSuchReform(String),
    #[error("只有园区管委会（全区）管理员可以采纳改革方案")]
    NotAllowed,
    #[error(transparent)]
    Store(#[from] gaoxin_store::Error),
}

/// One rule file's new version.
#[derive(Debug, Clone, Serialize)]
pub struct FileVersion {
    pub rule: String,
    pub rule_name: String,
    /// The file of the version in force on the effective date.
    pub path: PathBuf,
    /// Where the new version is written: `path` itself (dated parameter values, dates), or a
    /// new file beside it (`<name>@<effective date>.toml`) in force from the effective date.
    pub new_path: PathBuf,
    /// How the new version is kept, in Chinese (shown with the diff).
    pub how: String,
    pub old_version: String,
    pub new_version: String,
    #[serde(skip)]
    pub old_text: String,
    #[serde(skip)]
    pub new_text: String,
    /// For a new version file: the old file's text, now ending the day before the effective date.
    #[serde(skip)]
    pub old_ended: Option<String>,
}

/// What an adoption would write: the diff shown before confirming and the new file versions.
#[derive(Debug, Clone, Serialize)]
pub struct Proposal {
    pub key: String,
    pub name: String,
    pub author: String,
    pub note: String,
    pub effective: Date,
    pub dir: PathBuf,
    pub changes: Vec<AppliedChange>,
    pub files: Vec<FileVersion>,
}

/// The rules directory adoptions write to; the shipped copies cannot be adopted into.
pub fn rules_dir() -> Result<PathBuf, AdoptError> {
    match RULES.source() {
        Source::Dir(d) => Ok(d),
        Source::Shipped => Err(AdoptError::Refused(
            "规则文件来自程序内置副本，没有可写入的规则目录：请设置 GAOXIN_RULES 或在工作目录建立 data/rules 后再采纳".into(),
        )),
    }
}

/// Whether a change is adopted as a new version file of its rule (from the effective date, the
/// earlier version ending the day before) rather than as a dated value inside the file: a band
/// table and a draft have no dated values, and a yearly parameter's value is one year's figure.
fn new_version(w: &What) -> bool {
    matches!(
        w,
        What::Band { .. }
            | What::Replace(_)
            | What::Param {
                when: When::Year(_),
                ..
            }
    )
}

/// The reform as adopted: every (not yearly) parameter change from `effective` on.
fn as_adopted(r: &Reform, effective: Date) -> Result<Reform, AdoptError> {
    let mut out = r.clone();
    for c in &mut out.changes {
        if let What::Param {
            when: when @ (When::Always | When::From(_)),
            ..
        } = &mut c.what
        {
            *when = When::From(effective);
        }
    }
    let mut why = Vec::new();
    for c in &out.changes {
        let versioned = out
            .changes
            .iter()
            .any(|o| o.rule == c.rule && new_version(&o.what));
        if versioned && matches!(c.what, What::Dates { .. }) {
            why.push(format!(
                "{}:{}: 规则「{}」既修改有效期又成为新版本（分数段、草案或年度取值）：新版本自采纳的生效日期起适用，请分两次采纳",
                r.path.display(),
                c.line,
                c.rule
            ));
        }
    }
    if why.is_empty() {
        Ok(out)
    } else {
        Err(AdoptError::Refused(why.join("；")))
    }
}

/// The proposal of adopting `r` (saved as `key`) from `effective` into the rule files of `dir`,
/// by `adopter`: every new text made and checked, nothing written.
pub fn propose(
    dir: &Path,
    key: &str,
    r: &Reform,
    effective: Date,
    adopter: &str,
) -> Result<Proposal, AdoptError> {
    let files = gaoxin_rules::load_dir(dir).map_err(|es| {
        AdoptError::Refused(format!(
            "规则目录未通过校验：{}",
            crate::reform::errors_zh(&es)
        ))
    })?;
    let adopted = as_adopted(r, effective)?;
    let applied = adopted.apply(&files, effective).map_err(|es| {
        AdoptError::Refused(format!("方案未通过校验：{}", crate::reform::errors_zh(&es)))
    })?;
    let who = format!(
        "自{effective}起：采纳方案「{}」（提出人：{}；采纳人：{adopter}）",
        r.name, r.author
    );
    let mut ids: Vec<&str> = Vec::new();
    for c in &adopted.changes {
        if !ids.contains(&c.rule.as_str()) {
            ids.push(&c.rule);
        }
    }
    let mut versions = Vec::new();
    for id in ids {
        let old = in_force(&files, id, effective).expect("an applied rule exists");
        let new = applied
            .files
            .iter()
            .find(|f| f.id == id)
            .expect("applied rule");
        let changes: Vec<&What> = adopted
            .changes
            .iter()
            .filter(|c| c.rule == id)
            .map(|c| &c.what)
            .collect();
        let v = if changes.iter().any(|w| new_version(w)) {
            text::new_file(old, new, &changes, effective, &who, r)?
        } else {
            in_place(old, new, &changes, effective, &who, r)?
        };
        versions.push(v);
    }
    check(&files, &applied.files, &versions, effective)?;
    Ok(Proposal {
        key: key.to_string(),
        name: r.name.clone(),
        author: r.author.clone(),
        note: r.note.clone(),
        effective,
        dir: dir.to_path_buf(),
        changes: applied.changes,
        files: versions,
    })
}

/// A rule's changes as dated values (and dates) inside its file: a new text of the same file.
fn in_place(
    old: &RuleFile,
    new: &RuleFile,
    changes: &[&What],
    effective: Date,
    who: &str,
    r: &Reform,
) -> Result<FileVersion, AdoptError> {
    let mut text = old.text.clone();
    for w in changes {
        text = match w {
            What::Param { name, .. } => {
                let p = new
                    .params
                    .iter()
                    .find(|p| p.name == *name)
                    .expect("applied parameter");
                set_param(&text, name, &values_toml(p), who)
            }
            What::Dates {
                effective_from,
                effective_to,
            } => set_dates(&text, *effective_from, *effective_to),
            _ => None,
        }
        .ok_or_else(|| {
            AdoptError::Refused(format!(
                "无法在 {} 中定位要修改的项，未作任何修改",
                old.path.display()
            ))
        })?;
    }
    let new_version = format!("{}+{effective}", old.version);
    text = set_top(&text, "version", &new_version)
        .ok_or_else(|| AdoptError::Refused(format!("{} 没有 version 一行", old.path.display())))?;
    let head = format!(
        "# 版本 {new_version}：{who}。\n# 方案说明：{}\n# 上一版本：versions/{}@{}.toml\n",
        one_line(&r.note),
        old.id,
        old.version
    );
    Ok(FileVersion {
        rule: old.id.clone(),
        rule_name: old.name.clone(),
        path: old.path.clone(),
        new_path: old.path.clone(),
        how: format!("同一规则文件内自{effective}起的新取值（此前的取值保留）"),
        old_version: old.version.clone(),
        new_version,
        old_text: old.text.clone(),
        new_text: format!("{head}{text}"),
        old_ended: None,
    })
}

/// Whether two parsed files give the same values: parameters (dated values), band tables.
fn same_values(a: &RuleFile, b: &RuleFile) -> bool {
    let params = a.params.len() == b.params.len()
        && a.params.iter().zip(&b.params).all(|(a, b)| {
            a.name == b.name
                && a.values.len() == b.values.len()
                && a.values
                    .iter()
                    .zip(&b.values)
                    .all(|(x, y)| x.from == y.from && x.year == y.year && x.value == y.value)
        });
    let tables = a.tables.len() == b.tables.len()
        && a.tables.iter().zip(&b.tables).all(|(a, b)| {
            a.name == b.name
                && a.bands.len() == b.bands.len()
                && a.bands
                    .iter()
                    .zip(&b.bands)
                    .all(|(x, y)| x.label == y.label && x.min == y.min && x.points == y.points)
        });
    params && tables
}

/// The new texts parsed, compared with what the reform evaluates, and the whole directory with
/// them checked (compiled, every file's cases run — of a rule with several versions, each
/// version's own).
fn check(
    files: &[RuleFile],
    applied: &[RuleFile],
    versions: &[FileVersion],
    effective: Date,
) -> Result<(), AdoptError> {
    let parse = |path: &Path, text: &str| {
        gaoxin_rules::file::parse_file(path, text)
            .map_err(|e| AdoptError::Refused(format!("新版本未通过校验：{e}")))
    };
    let differs = |path: &Path| {
        AdoptError::Refused(format!(
            "{} 的新版本与方案测算的取值不一致，未作任何修改",
            path.display()
        ))
    };
    let mut all = Vec::new();
    for f in files {
        match versions.iter().find(|v| v.path == f.path) {
            None => all.push(f.clone()),
            Some(v) => {
                let want = applied.iter().find(|a| a.id == f.id).expect("applied");
                let parsed = parse(&v.new_path, &v.new_text)?;
                match &v.old_ended {
                    None => {
                        if !same_values(&parsed, want)
                            || parsed.effective_from != want.effective_from
                            || parsed.effective_to != want.effective_to
                        {
                            return Err(differs(&v.new_path));
                        }
                    }
                    Some(ended) => {
                        let before = parse(&v.path, ended)?;
                        if !same_values(&before, f)
                            || before.effective_from != f.effective_from
                            || before.effective_to.is_none_or(|t| t >= effective)
                        {
                            return Err(differs(&v.path));
                        }
                        if !same_values(&parsed, want) || parsed.effective_from != effective {
                            return Err(differs(&v.new_path));
                        }
                        all.push(before);
                    }
                }
                all.push(parsed);
            }
        }
    }
    let es = gaoxin_rules::versions::conflicts(&all);
    if !es.is_empty() {
        return Err(AdoptError::Refused(format!(
            "采纳后同一规则的版本有效期冲突，未作任何修改：{}",
            crate::reform::errors_zh(&es)
        )));
    }
    let rep = gaoxin_rules::check(&all);
    if rep.ok() {
        Ok(())
    } else {
        Err(AdoptError::Refused(format!(
            "采纳后的规则文件未通过校验（含各文件自带的测试用例），未作任何修改：\n{}",
            rep.render_zh()
        )))
    }
}

/// Writes the proposal's files: the old text kept under `versions/`, each new text (and an
/// ended old version's text) written to a temporary file and renamed into place; a failure puts
/// back what was written.
pub fn write(p: &Proposal) -> Result<(), AdoptError> {
    let io = |e: std::io::Error, what: &Path| {
        AdoptError::Refused(format!("写入 {} 失败：{e}", what.display()))
    };
    let archive = p.dir.join("versions");
    std::fs::create_dir_all(&archive).map_err(|e| io(e, &archive))?;
    // (temporary, final) pairs
    let mut moves: Vec<(PathBuf, PathBuf)> = Vec::new();
    let stage = |text: &str, to: &Path, moves: &mut Vec<(PathBuf, PathBuf)>| {
        let tmp = to.with_extension("toml.adopting");
        std::fs::write(&tmp, text).map_err(|e| io(e, &tmp))?;
        moves.push((tmp, to.to_path_buf()));
        Ok::<(), AdoptError>(())
    };
    let mut staged = Ok(());
    for v in &p.files {
        let keep = archive.join(format!("{}@{}.toml", v.rule, v.old_version));
        staged = std::fs::write(&keep, &v.old_text).map_err(|e| io(e, &keep));
        if staged.is_ok() {
            staged = stage(&v.new_text, &v.new_path, &mut moves);
        }
        if staged.is_ok()
            && let Some(ended) = &v.old_ended
        {
            staged = stage(ended, &v.path, &mut moves);
        }
        if staged.is_err() {
            break;
        }
    }
    if let Err(e) = staged {
        for (t, _) in &moves {
            let _ = std::fs::remove_file(t);
        }
        return Err(e);
    }
    for (k, (tmp, to)) in moves.iter().enumerate() {
        if let Err(e) = std::fs::rename(tmp, to) {
            put_back(p);
            for (t, _) in &moves[k..] {
                let _ = std::fs::remove_file(t);
            }
            return Err(io(e, to));
        }
    }
    Ok(())
}

/// Every file of the proposal as it was: old texts written back, new version files removed.
fn put_back(p: &Proposal) {
    for v in &p.files {
        let _ = std::fs::write(&v.path, &v.old_text);
        if v.new_path != v.path {
            let _ = std::fs::remove_file(&v.new_path);
        }
    }
}

/// The saved reform `key` adopted from `effective` by `who` (a zone administrator, or the command
/// line): the files written, then the adoption and its audit event `reform.adopt` recorded in one
/// transaction (should that fail, the files are put back). With `confirm` false, only the
/// proposal (the diff) is returned and nothing is written.
pub async fn adopt(
    store: &Store,
    who: &Who,
    role: Option<&Role>,
    key: &str,
    effective: Date,
    confirm: bool,
) -> Result<(Proposal, Option<i64>), AdoptError> {
    if let Some(role) = role
        && *role != Role::ZoneAdmin
    {
        return Err(AdoptError::NotAllowed);
    }
    let r = crate::reform::saved_one(key)
        .map_err(|es| {
            AdoptError::Refused(format!("方案未通过校验：{}", crate::reform::errors_zh(&es)))
        })?
        .ok_or_else(|| AdoptError::NoSuchReform(key.to_string()))?;
    adopt_in(store, who, &rules_dir()?, (key, r), effective, confirm).await
}

/// [`adopt`] of reform `r` (saved as `key`) into the rule files of `dir`.
pub async fn adopt_in(
    store: &Store,
    who: &Who,
    dir: &Path,
    (key, r): (&str, Reform),
    effective: Date,
    confirm: bool,
) -> Result<(Proposal, Option<i64>), AdoptError> {
    let adopter = who.actor.clone();
    let (dir2, key2) = (dir.to_path_buf(), key.to_string());
    let p = tokio::task::spawn_blocking(move || propose(&dir2, &key2, &r, effective, &adopter))
        .await
        .map_err(|e| AdoptError::Refused(e.to_string()))??;
    if !confirm {
        return Ok((p, None));
    }
    write(&p)?;
    let files = p
        .files
        .iter()
        .map(|v| format!("{}: {} → {}", v.rule, v.old_version, v.new_version))
        .collect::<Vec<_>>()
        .join("\n");
    let diff = serde_json::to_string(&p.changes).unwrap_or_else(|_| "[]".into());
    let a = Adoption {
        id: 0,
        at: gaoxin_store::unix_now(),
        adopter: who.actor.clone(),
        reform_key: key.to_string(),
        reform_name: p.name.clone(),
        author: p.author.clone(),
        note: p.note.clone(),
        effective_on: effective.to_int(),
        files: files.clone(),
        diff,
        rules_dir: dir.display().to_string(),
    };
    let detail = serde_json::json!({
        "reform": p.name,
        "effective": effective.to_string(),
        "files": files,
        "changes": p.changes.iter().map(|c| format!("{} · {}：{} → {}", c.rule_name, c.item, c.before, c.after)).collect::<Vec<_>>(),
    });
    let ev = event(who, "reform.adopt", None, key, detail);
    match store.record_adoption(&a, &ev).await {
        Ok(id) => Ok((p, Some(id))),
        Err(e) => {
            put_back(&p);
            Err(e.into())
        }
    }
}

/// The saved reforms offered for adoption: (key, name, or why it does not load).
pub fn choices() -> Vec<(String, String, Option<String>)> {
    match crate::reform::saved() {
        Ok(saved) => saved
            .into_iter()
            .map(|s| match s.reform {
                Ok(r) => (s.key, r.name, None),
                Err(es) => (s.key.clone(), s.key, Some(crate::reform::errors_zh(&es))),
            })
            .collect(),
        Err(e) => vec![(String::new(), String::new(), Some(e.to_string()))],
    }
}

/// An adoption as the page lists it.
#[derive(Debug, Clone, Serialize)]
pub struct HistoryRow {
    pub id: i64,
    pub at: String,
    pub adopter: String,
    pub reform: String,
    pub author: String,
    pub effective: String,
    pub files: Vec<String>,
    pub changes: Vec<String>,
}

/// The adoptions so far, newest first (zone users).
pub async fn history(store: &Store) -> Result<Vec<HistoryRow>, gaoxin_store::Error> {
    let names = crate::payouts::policy_names();
    Ok(store
        .adoptions(&gaoxin_store::Scope::Zone)
        .await?
        .into_iter()
        .map(|a| HistoryRow {
            id: a.id,
            at: gaoxin_model::present::datetime(a.at),
            adopter: a.adopter,
            reform: a.reform_name,
            author: a.author,
            effective: Date::from_int(a.effective_on)
                .map(|d| d.to_string())
                .unwrap_or_default(),
            files: a
                .files
                .lines()
                .map(|l| match l.split_once(": ") {
                    Some((id, v)) => format!(
                        "{}：{v}",
                        names.get(id).cloned().unwrap_or_else(|| id.to_string())
                    ),
                    None => l.to_string(),
                })
                .collect(),
            changes: serde_json::from_str::<Vec<AppliedChange>>(&a.diff)
                .map(|cs| {
                    cs.iter()
                        .map(|c| {
                            format!("{} · {}：{} → {}", c.rule_name, c.item, c.before, c.after)
                        })
                        .collect()
                })
                .unwrap_or_default(),
        })
        .collect())
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A number as TOML writes it (integers without a fraction).
fn num(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{}", x as i64)
    } else {
        format!("{x}")
    }
}

/// The `values = [...]` line of a parameter, in its written unit.
fn values_toml(p: &Param) -> String {
    let items: Vec<String> = p
        .values
        .iter()
        .map(|d| match d.year {
            Some(y) => format!("{{ year = {y}, value = {} }}", num(d.value / p.factor)),
            None => format!(
                "{{ from = \"{}\", value = {} }}",
                d.from,
                num(d.value / p.factor)
            ),
        })
        .collect();
    format!("values = [{}]", items.join(", "))
}

fn escape(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', " ")
}

fn key_of(line: &str) -> Option<&str> {
    let t = line.trim_start();
    let (k, _) = t.split_once('=')?;
    Some(k.trim())
}

/// Where a multi-line value starting at `lines[i]` ends: brackets balanced outside strings.
fn value_end(lines: &[&str], i: usize) -> usize {
    let mut depth = 0i32;
    for (k, l) in lines.iter().enumerate().skip(i) {
        let mut in_str = false;
        let mut prev = ' ';
        for ch in l.chars() {
            match ch {
                '"' if prev != '\\' => in_str = !in_str,
                '#' if !in_str => break,
                '[' | '{' if !in_str => depth += 1,
                ']' | '}' if !in_str => depth -= 1,
                _ => {}
            }
            prev = ch;
        }
        if depth <= 0 {
            return k;
        }
    }
    lines.len() - 1
}

/// `text` with parameter `name`'s `values` replaced by `values` and `note` appended to its
/// `source` (or a `source` line added); `None` when the parameter is not found.
fn set_param(text: &str, name: &str, values: &str, note: &str) -> Option<String> {
    let lines: Vec<&str> = text.lines().collect();
    // the [[params]] blocks: header line .. next header
    let mut start = None;
    let mut block = None;
    for (i, l) in lines.iter().enumerate() {
        let t = l.trim();
        if t.starts_with('[') {
            if let (Some(s), None) = (start, block)
                && is_named(&lines[s..i], name)
            {
                block = Some((s, i));
            }
            start = (t == "[[params]]").then_some(i);
        }
    }
    if block.is_none()
        && let Some(s) = start
        && is_named(&lines[s..], name)
    {
        block = Some((s, lines.len()));
    }
    let (s, e) = block?;
    let vi = (s..e).find(|&i| key_of(lines[i]) == Some("values"))?;
    let ve = value_end(&lines, vi);
    let mut out: Vec<String> = Vec::with_capacity(lines.len() + 1);
    out.extend(lines[..vi].iter().map(|l| l.to_string()));
    out.push(values.to_string());
    out.extend(lines[ve + 1..].iter().map(|l| l.to_string()));
    // the source line of the block (indices before `vi` are unchanged)
    let shift = ve - vi;
    let e2 = e - shift;
    let si = (s..e2).find(|&i| key_of(&out[i]) == Some("source"));
    match si {
        Some(i) if out[i].trim_end().ends_with('"') && !out[i].contains("\"\"\"") => {
            let l = out[i].trim_end();
            out[i] = format!("{}；{}\"", &l[..l.len() - 1], escape(note));
        }
        Some(_) => {}
        None => {
            let ni = (s..e2).find(|&i| key_of(&out[i]) == Some("name"))?;
            out.insert(ni + 1, format!("source = \"{}\"", escape(note)));
        }
    }
    Some(out.join("\n") + "\n")
}

fn is_named(block: &[&str], name: &str) -> bool {
    block.iter().any(|l| {
        key_of(l) == Some("name")
            && l.split_once('=')
                .map(|(_, v)| v.split('#').next().unwrap_or("").trim().trim_matches('"') == name)
                .unwrap_or(false)
    })
}

/// `text` with the top-level `key = "value"` set (before the first table).
fn set_top(text: &str, key: &str, value: &str) -> Option<String> {
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let end = lines
        .iter()
        .position(|l| l.trim_start().starts_with('['))
        .unwrap_or(lines.len());
    match (0..end).find(|&i| key_of(&lines[i]) == Some(key)) {
        Some(i) => lines[i] = format!("{key} = \"{}\"", escape(value)),
        None => {
            let after = (0..end).find(|&i| key_of(&lines[i]) == Some("effective_from"))?;
            lines.insert(after + 1, format!("{key} = \"{}\"", escape(value)));
        }
    }
    Some(lines.join("\n") + "\n")
}

fn set_dates(text: &str, from: Option<Date>, to: Option<Date>) -> Option<String> {
    let mut t = text.to_string();
    if let Some(d) = from {
        t = set_top(&t, "effective_from", &d.to_string())?;
    }
    if let Some(d) = to {
        t = set_top(&t, "effective_to", &d.to_string())?;
    }
    Some(t)
}

mod text;

#[cfg(test)]
mod tests;
