//! Loading metadata tables, data tables and scheme files — the only module that reads files.
//!
//! Metadata CSV columns (case-insensitive; COINr's `iMeta` names are accepted as aliases):
//! `code|iCode, name|iName, level, parent, direction, weight, unit, target, denominator[, type]`.
//! Rows whose `type` is `Group`, `Denominator` or `Other` are skipped (they describe columns of
//! the data, not the tree). Errors name the file and the line.

use crate::data::Dataset;
use crate::error::{IndexError, Result};
use crate::meta::{IndexMeta, Node};
use crate::park::ParkScheme;
use crate::points::PointsScheme;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;

fn read(path: &Path) -> Result<String> {
    std::fs::read_to_string(path).map_err(|e| IndexError::Load {
        file: path.display().to_string(),
        line: None,
        msg: e.to_string(),
    })
}

fn load_err(file: &str, line: Option<usize>, msg: impl Into<String>) -> IndexError {
    IndexError::Load {
        file: file.into(),
        line,
        msg: msg.into(),
    }
}

/// Parses a number; empty, "NA", "NaN" and "None" are missing (NaN).
pub fn parse_value(s: &str) -> std::result::Result<f64, String> {
    let t = s.trim();
    if t.is_empty() || t.eq_ignore_ascii_case("na") || t.eq_ignore_ascii_case("nan") || t == "None"
    {
        return Ok(f64::NAN);
    }
    t.parse::<f64>().map_err(|_| format!("not a number: {t:?}"))
}

/// Reads a metadata table from CSV text (see the module docs for columns).
pub fn meta_from_csv_str(text: &str, file: &str) -> Result<IndexMeta> {
    let mut rdr = csv::ReaderBuilder::new().from_reader(text.as_bytes());
    let headers: Vec<String> = rdr
        .headers()
        .map_err(|e| load_err(file, Some(1), e.to_string()))?
        .iter()
        .map(|h| h.trim().to_ascii_lowercase())
        .collect();
    let find = |names: &[&str]| headers.iter().position(|h| names.contains(&h.as_str()));
    let c_code = find(&["code", "icode", "indcode"])
        .ok_or_else(|| load_err(file, Some(1), "no `code` column"))?;
    let c_level =
        find(&["level", "aglevel"]).ok_or_else(|| load_err(file, Some(1), "no `level` column"))?;
    let c_name = find(&["name", "iname", "indname"]);
    let c_parent = find(&["parent"]);
    let c_dir = find(&["direction"]);
    let c_w = find(&["weight", "indweight"]);
    let c_unit = find(&["unit", "indunit"]);
    let c_target = find(&["target"]);
    let c_den = find(&["denominator"]);
    let c_type = find(&["type"]);
    let mut nodes = Vec::new();
    for (k, rec) in rdr.records().enumerate() {
        let line = k + 2;
        let rec = rec.map_err(|e| load_err(file, Some(line), e.to_string()))?;
        let get = |c: Option<usize>| c.and_then(|c| rec.get(c)).map(str::trim).unwrap_or("");
        let opt = |c: Option<usize>| Some(get(c)).filter(|s| !s.is_empty()).map(String::from);
        let num = |c: Option<usize>, default: f64| -> Result<f64> {
            let v = parse_value(get(c)).map_err(|m| load_err(file, Some(line), m))?;
            Ok(if v.is_nan() { default } else { v })
        };
        if matches!(get(c_type), "Group" | "Denominator" | "Other") {
            continue;
        }
        let level = num(Some(c_level), f64::NAN)?;
        if level.is_nan() {
            return Err(load_err(file, Some(line), "missing level"));
        }
        let code = get(Some(c_code)).to_string();
        let target = num(c_target, f64::NAN)?;
        nodes.push(Node {
            name: opt(c_name).unwrap_or_else(|| code.clone()),
            code,
            level: level as u32,
            parent: opt(c_parent),
            direction: num(c_dir, 1.0)?,
            weight: num(c_w, 1.0)?,
            unit: opt(c_unit),
            target: if target.is_nan() { None } else { Some(target) },
            denominator: opt(c_den),
        });
    }
    IndexMeta::new(nodes).map_err(|e| load_err(file, None, e.to_string()))
}

#[derive(Deserialize)]
struct MetaToml {
    node: Vec<Node>,
    #[serde(default)]
    weight_sets: BTreeMap<String, BTreeMap<String, f64>>,
}

/// Reads a metadata table from TOML: `[[node]]` tables with the [`Node`] fields and optional
/// `[weight_sets.NAME]` tables of code = weight.
pub fn meta_from_toml_str(text: &str, file: &str) -> Result<IndexMeta> {
    let m: MetaToml = toml::from_str(text).map_err(|e| IndexError::from_toml(text, file, e))?;
    let mut meta = IndexMeta::new(m.node).map_err(|e| load_err(file, None, e.to_string()))?;
    meta.weight_sets = m.weight_sets;
    for name in meta.weight_sets.keys() {
        meta.weights(Some(name))
            .map_err(|e| load_err(file, None, e.to_string()))?;
    }
    Ok(meta)
}

/// Reads a metadata file (`.csv` or `.toml`).
pub fn meta_from_path(path: &Path) -> Result<IndexMeta> {
    let text = read(path)?;
    let f = path.display().to_string();
    if path.extension().is_some_and(|e| e == "toml") {
        meta_from_toml_str(&text, &f)
    } else {
        meta_from_csv_str(&text, &f)
    }
}

/// Which columns of a data CSV mean what.
#[derive(Debug, Clone, Default)]
pub struct DataColumns<'a> {
    /// Unit code column.
    pub unit: &'a str,
    /// Optional year column (panel data).
    pub year: Option<&'a str>,
    /// Group columns to attach.
    pub groups: &'a [&'a str],
    /// Value columns to read (all remaining columns that parse if empty).
    pub values: &'a [String],
}

/// Reads units × columns data from CSV text.
pub fn dataset_from_csv_str(text: &str, file: &str, cols: &DataColumns<'_>) -> Result<Dataset> {
    let mut rdr = csv::ReaderBuilder::new().from_reader(text.as_bytes());
    let headers: Vec<String> = rdr
        .headers()
        .map_err(|e| load_err(file, Some(1), e.to_string()))?
        .iter()
        .map(|h| h.trim().to_string())
        .collect();
    let pos = |name: &str| {
        headers
            .iter()
            .position(|h| h == name)
            .ok_or_else(|| load_err(file, Some(1), format!("no column {name}")))
    };
    let c_unit = pos(cols.unit)?;
    let c_year = cols.year.map(pos).transpose()?;
    let c_groups: Vec<usize> = cols.groups.iter().map(|g| pos(g)).collect::<Result<_>>()?;
    let records: Vec<csv::StringRecord> = rdr
        .records()
        .enumerate()
        .map(|(k, r)| r.map_err(|e| load_err(file, Some(k + 2), e.to_string())))
        .collect::<Result<_>>()?;
    let value_names: Vec<String> = if cols.values.is_empty() {
        let skip: Vec<usize> = [Some(c_unit), c_year]
            .into_iter()
            .flatten()
            .chain(c_groups.iter().copied())
            .collect();
        (0..headers.len())
            .filter(|c| !skip.contains(c))
            .filter(|&c| {
                records
                    .iter()
                    .all(|r| parse_value(r.get(c).unwrap_or("")).is_ok())
            })
            .map(|c| headers[c].clone())
            .collect()
    } else {
        cols.values.to_vec()
    };
    let c_vals: Vec<usize> = value_names.iter().map(|v| pos(v)).collect::<Result<_>>()?;
    let units: Vec<String> = records
        .iter()
        .map(|r| r.get(c_unit).unwrap_or("").to_string())
        .collect();
    let mut columns = vec![Vec::with_capacity(records.len()); c_vals.len()];
    for (k, r) in records.iter().enumerate() {
        for (j, &c) in c_vals.iter().enumerate() {
            let v = parse_value(r.get(c).unwrap_or(""))
                .map_err(|m| load_err(file, Some(k + 2), format!("column {}: {m}", headers[c])))?;
            columns[j].push(v);
        }
    }
    let mut d = Dataset::from_columns(units, value_names, columns)?;
    if let Some(cy) = c_year {
        let years = records
            .iter()
            .enumerate()
            .map(|(k, r)| {
                let v = parse_value(r.get(cy).unwrap_or(""))
                    .map_err(|m| load_err(file, Some(k + 2), m))?;
                if v.is_nan() {
                    return Err(load_err(file, Some(k + 2), "missing year"));
                }
                Ok(v as i32)
            })
            .collect::<Result<Vec<_>>>()?;
        d = d.with_years(years)?;
    }
    for (g, &c) in cols.groups.iter().zip(&c_groups) {
        let labels = records
            .iter()
            .map(|r| r.get(c).unwrap_or("").to_string())
            .collect();
        d = d.with_group(g, labels)?;
    }
    Ok(d)
}

/// Reads a data CSV file.
pub fn dataset_from_path(path: &Path, cols: &DataColumns<'_>) -> Result<Dataset> {
    dataset_from_csv_str(&read(path)?, &path.display().to_string(), cols)
}

/// Reads a park-evaluation scheme file (see [`crate::park`]).
pub fn park_scheme_from_path(path: &Path) -> Result<ParkScheme> {
    ParkScheme::from_toml_str(&read(path)?, &path.display().to_string())
}

/// Reads an innovation-points scheme file (see [`crate::points`]).
pub fn points_scheme_from_path(path: &Path) -> Result<PointsScheme> {
    PointsScheme::from_toml_str(&read(path)?, &path.display().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn meta_csv_with_coinr_aliases_and_skipped_rows() {
        let text = "Level,iCode,iName,Direction,Weight,Unit,Target,Denominator,Parent,Type\n\
                    1,a,A,1,2,,5,pop,X,Indicator\n\
                    1,b,B,-1,1,,,,X,Indicator\n\
                    2,X,Top,1,1,,,,,Aggregate\n\
                    ,pop,Population,,,,,,,Denominator\n";
        let m = meta_from_csv_str(text, "m.csv").unwrap();
        assert_eq!(m.indicator_codes(), vec!["a", "b"]);
        let a = m.node("a").unwrap();
        assert_eq!(
            (a.weight, a.target, a.denominator.as_deref()),
            (2.0, Some(5.0), Some("pop"))
        );
        assert_eq!(m.node("b").unwrap().direction, -1.0);
    }

    #[test]
    fn meta_errors_name_file_and_line() {
        let text = "code,level,parent\na,1,X\nb,x,X\nX,2,\n";
        let e = meta_from_csv_str(text, "m.csv").unwrap_err();
        assert_eq!(e.to_string(), "m.csv:3: not a number: \"x\"");
        let e = meta_from_toml_str("[[node]]\ncode = 1\n", "m.toml").unwrap_err();
        assert!(e.to_string().starts_with("m.toml:2:"), "{e}");
    }

    #[test]
    fn meta_toml_with_weight_sets() {
        let t = r#"
[[node]]
code = "a"
level = 1
parent = "I"
[[node]]
code = "b"
level = 1
parent = "I"
direction = -1
[[node]]
code = "I"
level = 2
[weight_sets.alt]
a = 2.0
"#;
        let m = meta_from_toml_str(t, "m.toml").unwrap();
        assert_eq!(m.weights(Some("alt")).unwrap()["a"], 2.0);
        assert_eq!(m.node("b").unwrap().direction, -1.0);
    }

    #[test]
    fn data_csv_with_years_groups_and_missing() {
        let text = "unit,year,g,x,y,label\nA,2020,p,1,NA,foo\nA,2021,p,2,3,bar\n";
        let d = dataset_from_csv_str(
            text,
            "d.csv",
            &DataColumns {
                unit: "unit",
                year: Some("year"),
                groups: &["g"],
                values: &[],
            },
        )
        .unwrap();
        assert_eq!(d.codes, vec!["x", "y"]);
        assert!(d.get(0, 1).is_nan());
        assert_eq!(d.years, Some(vec![2020, 2021]));
        assert_eq!(d.group("g").unwrap()[1], "p");
    }
}
