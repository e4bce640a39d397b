//! A rule's new version file (an adopted band change, draft or yearly value): its text made
//! from the version in force (or the draft), in force from the effective date, and the earlier
//! version's text ending the day before.
use super::{AdoptError, FileVersion, escape, num, one_line, set_param, set_top, values_toml};
use gaoxin_model::Date;
use gaoxin_rules::RuleFile;
use gaoxin_rules::reform::{Reform, What};

/// The day before `d`.
pub(super) fn day_before(d: Date) -> Date {
    Date::from_days_since_epoch(d.days_since_epoch() - 1)
}

/// The new version file of rule `old` (the version in force on `effective`) whose reformed form
/// is `new`, for `changes`.
pub(super) fn new_file(
    old: &RuleFile,
    new: &RuleFile,
    changes: &[&What],
    effective: Date,
    who: &str,
    r: &Reform,
) -> Result<FileVersion, AdoptError> {
    let refuse = |m: String| AdoptError::Refused(m);
    if old.effective_from >= effective {
        return Err(refuse(format!(
            "规则「{}」现行版本（{}）自{}起生效：新版本的生效日期须晚于此日",
            old.name, old.version, old.effective_from
        )));
    }
    let lost = || {
        refuse(format!(
            "无法在 {} 中定位要修改的项，未作任何修改",
            old.path.display()
        ))
    };
    let mut text = old.text.clone();
    for w in changes {
        text = match w {
            What::Replace(_) => Some(new.text.clone()),
            What::Param { name, .. } => {
                let p = new
                    .params
                    .iter()
                    .find(|p| p.name == *name)
                    .ok_or_else(lost)?;
                set_param(&text, name, &values_toml(p), who)
            }
            What::Band {
                table,
                label,
                min,
                points,
            } => set_band(&text, table, label, min, points),
            What::Dates { .. } => None,
        }
        .ok_or_else(lost)?;
    }
    let draft = changes.iter().any(|w| matches!(w, What::Replace(_)));
    text = set_top(&text, "effective_from", &effective.to_string()).ok_or_else(lost)?;
    if draft
        && new.effective_to.is_none()
        && let Some(to) = old.effective_to
    {
        text = set_top(&text, "effective_to", &to.to_string()).ok_or_else(lost)?;
    }
    let new_version = format!("{}+{effective}", new.version);
    text = set_top(&text, "version", &new_version).ok_or_else(lost)?;
    let stem = old
        .path
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or(&old.id);
    let stem = stem.split('@').next().unwrap_or(stem);
    let new_path = old.path.with_file_name(format!("{stem}@{effective}.toml"));
    if new_path.exists() {
        return Err(refuse(format!(
            "{} 已存在：同一生效日期已有新版本，未作任何修改",
            new_path.display()
        )));
    }
    let file_name = |p: &std::path::Path| {
        p.file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    };
    let end = day_before(effective);
    let head = format!(
        "# 版本 {new_version}：{who}{}。\n# 方案说明：{}\n# 接替：{}（版本 {}，至{end}止）\n",
        if draft { "，以草案替换" } else { "" },
        one_line(&r.note),
        file_name(&old.path),
        old.version
    );
    let ended = match old.effective_to {
        Some(to) if to < effective => old.text.clone(),
        _ => {
            let t = set_top(&old.text, "effective_to", &end.to_string()).ok_or_else(lost)?;
            format!(
                "# 至{end}止：自{effective}起由 {} 接替（采纳方案「{}」）。\n{t}",
                file_name(&new_path),
                escape(&r.name)
            )
        }
    };
    Ok(FileVersion {
        rule: old.id.clone(),
        rule_name: old.name.clone(),
        path: old.path.clone(),
        new_path,
        how: format!(
            "新版本{}自{effective}起适用，原版本{}适用至{end}",
            if draft { "（草案）" } else { "" },
            old.version
        ),
        old_version: old.version.clone(),
        new_version,
        old_text: old.text.clone(),
        new_text: format!("{head}{text}"),
        old_ended: Some(ended),
    })
}

/// The fields of an inline table's text (`{ a = 1, b = "x, y" }` → `a = 1`, `b = "x, y"`).
fn fields(inner: &str) -> Vec<String> {
    let mut out = Vec::new();
    let (mut cur, mut in_str, mut prev) = (String::new(), false, ' ');
    for ch in inner.chars() {
        match ch {
            '"' if prev != '\\' => in_str = !in_str,
            ',' if !in_str => {
                out.push(cur.trim().to_string());
                cur.clear();
                prev = ch;
                continue;
            }
            _ => {}
        }
        cur.push(ch);
        prev = ch;
    }
    if !cur.trim().is_empty() {
        out.push(cur.trim().to_string());
    }
    out
}

/// `fields` with `key` set to `value` (added before `points`, or last), or removed (`None`).
fn set_field(fields: &mut Vec<String>, key: &str, value: Option<String>) {
    let at = fields
        .iter()
        .position(|f| f.split_once('=').is_some_and(|(k, _)| k.trim() == key));
    match (at, value) {
        (Some(i), Some(v)) => fields[i] = format!("{key} = {v}"),
        (Some(i), None) => {
            fields.remove(i);
        }
        (None, Some(v)) => {
            let before = fields
                .iter()
                .position(|f| f.split_once('=').is_some_and(|(k, _)| k.trim() == "points"))
                .unwrap_or(fields.len());
            fields.insert(before, format!("{key} = {v}"));
        }
        (None, None) => {}
    }
}

/// `text` with band `label` of table `table` given the new lower bound (as written, with its
/// unit) and/or points; `None` when the band is not found.
fn set_band(
    text: &str,
    table: &str,
    label: &str,
    min: &Option<(f64, Option<String>)>,
    points: &Option<f64>,
) -> Option<String> {
    // the [[tables]] block named `table`: from its header to the next header
    let mut offsets = Vec::new();
    let mut at = 0;
    for l in text.split_inclusive('\n') {
        offsets.push((at, l));
        at += l.len();
    }
    let headers: Vec<usize> = offsets
        .iter()
        .filter(|(_, l)| l.trim_start().starts_with('['))
        .map(|(o, _)| *o)
        .collect();
    let (start, end) = headers
        .iter()
        .enumerate()
        .filter(|(_, o)| text[**o..].trim_start().starts_with("[[tables]]"))
        .map(|(i, o)| (*o, headers.get(i + 1).copied().unwrap_or(text.len())))
        .find(|(s, e)| {
            text[*s..*e].lines().any(|l| {
                l.split_once('=').is_some_and(|(k, v)| {
                    k.trim() == "name"
                        && v.split('#').next().unwrap_or("").trim() == format!("\"{table}\"")
                })
            })
        })?;
    let block = &text[start..end];
    let quoted = format!("\"{}\"", escape(label));
    let mut from = 0;
    let li = loop {
        let i = from + block[from..].find(&quoted)?;
        let before = block[..i].trim_end();
        if before.ends_with("label =") || before.ends_with("label=") {
            break i;
        }
        from = i + quoted.len();
    };
    let open = block[..li].rfind('{')?;
    let close = li + block[li..].find('}')?;
    let mut fs = fields(&block[open + 1..close]);
    if let Some(p) = points {
        set_field(&mut fs, "points", Some(num(*p)));
    }
    if let Some((m, unit)) = min {
        set_field(&mut fs, "min", Some(num(*m)));
        set_field(
            &mut fs,
            "min_unit",
            unit.as_ref().map(|u| format!("\"{}\"", escape(u))),
        );
    }
    let entry = format!("{{ {} }}", fs.join(", "));
    Some(format!(
        "{}{}{}",
        &text[..start + open],
        entry,
        &text[start + close + 1..]
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_band_is_rewritten_in_place_and_other_text_kept() {
        let text = "[[tables]]\nname = \"rd_tbl\"\nbands = [\n  { label = \"A（5%以上）\", min = 5, min_unit = \"%\", cut = \"以上\", points = 20 },\n  { label = \"E\", points = 0 },\n]\n\n[[tables]]\nname = \"x\"\nbands = [{ label = \"A（5%以上）\", min = 1, points = 3 }]\n";
        let out = set_band(
            text,
            "rd_tbl",
            "A（5%以上）",
            &Some((4.0, Some("%".into()))),
            &Some(18.0),
        )
        .unwrap();
        assert!(
            out.contains("{ label = \"A（5%以上）\", min = 4, min_unit = \"%\", cut = \"以上\", points = 18 }"),
            "{out}"
        );
        // the other table's band of the same label is untouched
        assert!(
            out.contains("{ label = \"A（5%以上）\", min = 1, points = 3 }"),
            "{out}"
        );
        assert!(set_band(text, "rd_tbl", "Z", &None, &Some(1.0)).is_none());
        assert!(set_band(text, "no_tbl", "E", &None, &Some(1.0)).is_none());
        assert_eq!(
            day_before(Date::new(2027, 1, 1).unwrap()),
            Date::new(2026, 12, 31).unwrap()
        );
    }
}
