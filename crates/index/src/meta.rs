//! The metadata table that describes a whole index, after COINr's `iMeta`.
//!
//! Every row is a [`Node`]: level 1 rows are indicators, higher levels are aggregates whose
//! children are the rows naming them as `parent`. Directions, weights, targets and denominators
//! live here too, so one table is the single description of the index.

use crate::error::{IndexError, Result};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One row of the metadata table: an indicator (level 1) or an aggregate (level ≥ 2).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Node {
    pub code: String,
    #[serde(default)]
    pub name: String,
    pub level: u32,
    #[serde(default)]
    pub parent: Option<String>,
    /// +1: higher is better, −1: lower is better.
    #[serde(default = "one")]
    pub direction: f64,
    #[serde(default = "one")]
    pub weight: f64,
    #[serde(default)]
    pub unit: Option<String>,
    #[serde(default)]
    pub target: Option<f64>,
    /// Code of the denominator column this indicator is divided by (indicators only).
    #[serde(default)]
    pub denominator: Option<String>,
}

fn one() -> f64 {
    1.0
}

impl Node {
    /// An indicator row with direction +1 and weight 1.
    pub fn indicator(code: &str, parent: &str) -> Self {
        Node {
            code: code.into(),
            name: code.into(),
            level: 1,
            parent: Some(parent.into()),
            direction: 1.0,
            weight: 1.0,
            unit: None,
            target: None,
            denominator: None,
        }
    }

    /// An aggregate row at `level` with weight 1.
    pub fn aggregate(code: &str, level: u32, parent: Option<&str>) -> Self {
        Node {
            code: code.into(),
            name: code.into(),
            level,
            parent: parent.map(Into::into),
            direction: 1.0,
            weight: 1.0,
            unit: None,
            target: None,
            denominator: None,
        }
    }
}

/// A validated index structure with precomputed parent/child links.
#[derive(Debug, Clone, PartialEq)]
pub struct IndexMeta {
    nodes: Vec<Node>,
    index_of: BTreeMap<String, usize>,
    children: Vec<Vec<usize>>,
    /// Named alternative weight sets (code → weight), e.g. "equal", "expert-2024".
    pub weight_sets: BTreeMap<String, BTreeMap<String, f64>>,
}

impl IndexMeta {
    /// Validates the table: unique codes, known parents one level up, directions ±1,
    /// non-negative weights, every aggregate has at least one child.
    pub fn new(nodes: Vec<Node>) -> Result<Self> {
        let mut index_of = BTreeMap::new();
        for (i, n) in nodes.iter().enumerate() {
            if n.code.is_empty() {
                return Err(IndexError::Meta(format!("row {} has an empty code", i + 1)));
            }
            if n.level == 0 {
                return Err(IndexError::Meta(format!("{}: level must be ≥ 1", n.code)));
            }
            if index_of.insert(n.code.clone(), i).is_some() {
                return Err(IndexError::Meta(format!("duplicate code {}", n.code)));
            }
            if n.direction != 1.0 && n.direction != -1.0 {
                return Err(IndexError::Meta(format!(
                    "{}: direction must be 1 or -1, got {}",
                    n.code, n.direction
                )));
            }
            if n.weight.is_nan() || n.weight < 0.0 {
                return Err(IndexError::Meta(format!(
                    "{}: weight must be ≥ 0, got {}",
                    n.code, n.weight
                )));
            }
        }
        let mut children = vec![Vec::new(); nodes.len()];
        let max_level = nodes.iter().map(|n| n.level).max().unwrap_or(0);
        for (i, n) in nodes.iter().enumerate() {
            match &n.parent {
                Some(p) => {
                    let &pi = index_of.get(p).ok_or_else(|| {
                        IndexError::Meta(format!("{}: unknown parent {p}", n.code))
                    })?;
                    if nodes[pi].level != n.level + 1 {
                        return Err(IndexError::Meta(format!(
                            "{}: parent {p} is at level {}, expected {}",
                            n.code,
                            nodes[pi].level,
                            n.level + 1
                        )));
                    }
                    children[pi].push(i);
                }
                None if n.level < max_level => {
                    return Err(IndexError::Meta(format!(
                        "{} (level {}) has no parent",
                        n.code, n.level
                    )));
                }
                None => {}
            }
        }
        for (i, n) in nodes.iter().enumerate() {
            if n.level > 1 && children[i].is_empty() {
                return Err(IndexError::Meta(format!(
                    "aggregate {} has no children",
                    n.code
                )));
            }
        }
        if !nodes.iter().any(|n| n.level == 1) {
            return Err(IndexError::Meta("no indicators (level 1 rows)".into()));
        }
        Ok(IndexMeta {
            nodes,
            index_of,
            children,
            weight_sets: BTreeMap::new(),
        })
    }

    /// All rows in table order.
    pub fn nodes(&self) -> &[Node] {
        &self.nodes
    }

    /// Row by code.
    pub fn node(&self, code: &str) -> Option<&Node> {
        self.index_of.get(code).map(|&i| &self.nodes[i])
    }

    /// Position of a code in the table.
    pub fn position(&self, code: &str) -> Option<usize> {
        self.index_of.get(code).copied()
    }

    /// Highest level (the index itself when there is a single top node).
    pub fn max_level(&self) -> u32 {
        self.nodes.iter().map(|n| n.level).max().unwrap_or(0)
    }

    /// Rows at `level`, in table order.
    pub fn level(&self, level: u32) -> Vec<&Node> {
        self.nodes.iter().filter(|n| n.level == level).collect()
    }

    /// Codes at `level`, in table order.
    pub fn level_codes(&self, level: u32) -> Vec<String> {
        self.level(level)
            .into_iter()
            .map(|n| n.code.clone())
            .collect()
    }

    /// Indicator codes (level 1) in table order.
    pub fn indicator_codes(&self) -> Vec<String> {
        self.level_codes(1)
    }

    /// Children (codes) of an aggregate, in table order.
    pub fn children(&self, code: &str) -> Vec<&Node> {
        match self.index_of.get(code) {
            Some(&i) => self.children[i].iter().map(|&c| &self.nodes[c]).collect(),
            None => Vec::new(),
        }
    }

    /// Weights of the table, or of the named set (missing codes in a set keep the table weight).
    pub fn weights(&self, set: Option<&str>) -> Result<BTreeMap<String, f64>> {
        let mut w: BTreeMap<String, f64> = self
            .nodes
            .iter()
            .map(|n| (n.code.clone(), n.weight))
            .collect();
        if let Some(name) = set {
            let s = self
                .weight_sets
                .get(name)
                .ok_or_else(|| IndexError::Meta(format!("unknown weight set {name}")))?;
            for (k, v) in s {
                if !w.contains_key(k) {
                    return Err(IndexError::Meta(format!(
                        "weight set {name}: unknown code {k}"
                    )));
                }
                w.insert(k.clone(), *v);
            }
        }
        Ok(w)
    }
}

impl IndexMeta {
    /// The structure restricted to the indicators `codes` (table order kept); aggregates left
    /// without children are dropped level by level. Weight sets are kept.
    pub fn restrict(&self, codes: &[String]) -> Result<IndexMeta> {
        let mut nodes: Vec<Node> = self
            .nodes
            .iter()
            .filter(|n| n.level > 1 || codes.contains(&n.code))
            .cloned()
            .collect();
        for _ in 0..self.max_level() {
            let parents: Vec<String> = nodes.iter().filter_map(|n| n.parent.clone()).collect();
            nodes.retain(|n| n.level == 1 || parents.contains(&n.code));
        }
        let mut m = IndexMeta::new(nodes)?;
        m.weight_sets = self.weight_sets.clone();
        Ok(m)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn small() -> Vec<Node> {
        vec![
            Node::indicator("a", "X"),
            Node::indicator("b", "X"),
            Node::indicator("c", "Y"),
            Node::aggregate("X", 2, Some("I")),
            Node::aggregate("Y", 2, Some("I")),
            Node::aggregate("I", 3, None),
        ]
    }

    #[test]
    fn builds_structure() {
        let m = IndexMeta::new(small()).unwrap();
        assert_eq!(m.max_level(), 3);
        assert_eq!(m.indicator_codes(), vec!["a", "b", "c"]);
        let ch: Vec<_> = m.children("X").iter().map(|n| n.code.as_str()).collect();
        assert_eq!(ch, vec!["a", "b"]);
    }

    #[test]
    fn rejects_bad_tables() {
        let mut n = small();
        n[0].parent = Some("Nope".into());
        assert!(matches!(IndexMeta::new(n), Err(IndexError::Meta(_))));
        let mut n = small();
        n[1].code = "a".into();
        assert!(IndexMeta::new(n).is_err());
        let mut n = small();
        n[0].parent = Some("I".into());
        assert!(IndexMeta::new(n).is_err());
        let mut n = small();
        n[0].direction = 0.5;
        assert!(IndexMeta::new(n).is_err());
        let mut n = small();
        n.remove(2);
        assert!(IndexMeta::new(n).is_err(), "Y has no children");
    }

    #[test]
    fn named_weight_sets_override() {
        let mut m = IndexMeta::new(small()).unwrap();
        m.weight_sets
            .insert("alt".into(), [("a".to_string(), 3.0)].into_iter().collect());
        assert_eq!(m.weights(Some("alt")).unwrap()["a"], 3.0);
        assert_eq!(m.weights(None).unwrap()["a"], 1.0);
        assert!(m.weights(Some("none")).is_err());
    }
}
