//! Units × columns data in column-major layout.
//!
//! A [`Dataset`] is one stage of the pipeline (raw, denominated, imputed, …): row attributes
//! (unit code, optional year for panels, optional group labels) travel with the values so a
//! stage can drop rows (screening) without losing track of them. Missing values are NaN.

use crate::error::{IndexError, Result};

/// One categorical unit grouping (e.g. "EurAsia": Europe/Asia), one label per row.
#[derive(Debug, Clone, PartialEq)]
pub struct Grouping {
    pub name: String,
    pub labels: Vec<String>,
}

/// A units × columns matrix, stored column-major: `values[j * n_rows + i]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Dataset {
    /// Unit code of every row (repeated across years in a panel).
    pub units: Vec<String>,
    /// Year of every row for panel data.
    pub years: Option<Vec<i32>>,
    /// Unit groupings, one label per row.
    pub groups: Vec<Grouping>,
    /// Column codes.
    pub codes: Vec<String>,
    /// Column-major values; NaN = missing.
    pub values: Vec<f64>,
}

impl Dataset {
    /// Builds from columns (each of length `units.len()`).
    pub fn from_columns(
        units: Vec<String>,
        codes: Vec<String>,
        cols: Vec<Vec<f64>>,
    ) -> Result<Self> {
        if codes.len() != cols.len() {
            return Err(IndexError::Data(format!(
                "{} codes but {} columns",
                codes.len(),
                cols.len()
            )));
        }
        let n = units.len();
        let mut values = Vec::with_capacity(n * cols.len());
        for (c, col) in codes.iter().zip(&cols) {
            if col.len() != n {
                return Err(IndexError::Data(format!(
                    "column {c} has {} values for {n} units",
                    col.len()
                )));
            }
            values.extend_from_slice(col);
        }
        Ok(Dataset {
            units,
            years: None,
            groups: Vec::new(),
            codes,
            values,
        })
    }

    /// Builds from rows (each of length `codes.len()`).
    pub fn from_rows(units: Vec<String>, codes: Vec<String>, rows: &[Vec<f64>]) -> Result<Self> {
        let cols = (0..codes.len())
            .map(|j| {
                rows.iter()
                    .map(|r| r.get(j).copied().unwrap_or(f64::NAN))
                    .collect()
            })
            .collect();
        if rows.len() != units.len() {
            return Err(IndexError::Data(format!(
                "{} rows for {} units",
                rows.len(),
                units.len()
            )));
        }
        Self::from_columns(units, codes, cols)
    }

    /// An empty-valued dataset with the same rows and new columns, all NaN.
    pub fn like_rows(&self, codes: Vec<String>) -> Self {
        Dataset {
            units: self.units.clone(),
            years: self.years.clone(),
            groups: self.groups.clone(),
            values: vec![f64::NAN; self.n_rows() * codes.len()],
            codes,
        }
    }

    /// Adds a grouping (one label per row).
    pub fn with_group(mut self, name: &str, labels: Vec<String>) -> Result<Self> {
        if labels.len() != self.n_rows() {
            return Err(IndexError::Data(format!(
                "group {name}: wrong number of labels"
            )));
        }
        self.groups.push(Grouping {
            name: name.into(),
            labels,
        });
        Ok(self)
    }

    /// Sets the year of every row (panel data).
    pub fn with_years(mut self, years: Vec<i32>) -> Result<Self> {
        if years.len() != self.n_rows() {
            return Err(IndexError::Data("wrong number of years".into()));
        }
        self.years = Some(years);
        Ok(self)
    }

    pub fn n_rows(&self) -> usize {
        self.units.len()
    }

    pub fn n_cols(&self) -> usize {
        self.codes.len()
    }

    /// Column `j`.
    #[inline]
    pub fn col(&self, j: usize) -> &[f64] {
        let n = self.n_rows();
        &self.values[j * n..(j + 1) * n]
    }

    /// Mutable column `j`.
    #[inline]
    pub fn col_mut(&mut self, j: usize) -> &mut [f64] {
        let n = self.n_rows();
        &mut self.values[j * n..(j + 1) * n]
    }

    /// Position of a column code.
    pub fn col_index(&self, code: &str) -> Option<usize> {
        self.codes.iter().position(|c| c == code)
    }

    /// Column by code.
    pub fn column(&self, code: &str) -> Option<&[f64]> {
        self.col_index(code).map(|j| self.col(j))
    }

    /// Value at row `i`, column `j`.
    #[inline]
    pub fn get(&self, i: usize, j: usize) -> f64 {
        self.values[j * self.n_rows() + i]
    }

    /// Row index of a unit (first match; use with cross-sections).
    pub fn row_index(&self, unit: &str) -> Option<usize> {
        self.units.iter().position(|u| u == unit)
    }

    /// Value by unit and column code.
    pub fn value(&self, unit: &str, code: &str) -> Option<f64> {
        Some(self.get(self.row_index(unit)?, self.col_index(code)?))
    }

    /// Group labels by grouping name.
    pub fn group(&self, name: &str) -> Option<&[String]> {
        self.groups
            .iter()
            .find(|g| g.name == name)
            .map(|g| g.labels.as_slice())
    }

    /// A new dataset with the given columns (by code) in that order.
    pub fn select_cols(&self, codes: &[String]) -> Result<Self> {
        let mut out = self.like_rows(codes.to_vec());
        for (k, c) in codes.iter().enumerate() {
            let j = self
                .col_index(c)
                .ok_or_else(|| IndexError::Data(format!("no column {c}")))?;
            out.col_mut(k).copy_from_slice(self.col(j));
        }
        Ok(out)
    }

    /// A new dataset keeping rows `keep` (in that order).
    pub fn select_rows(&self, keep: &[usize]) -> Self {
        let pick_s = |v: &[String]| keep.iter().map(|&i| v[i].clone()).collect::<Vec<_>>();
        let mut values = Vec::with_capacity(keep.len() * self.n_cols());
        for j in 0..self.n_cols() {
            let c = self.col(j);
            values.extend(keep.iter().map(|&i| c[i]));
        }
        Dataset {
            units: pick_s(&self.units),
            years: self
                .years
                .as_ref()
                .map(|y| keep.iter().map(|&i| y[i]).collect()),
            groups: self
                .groups
                .iter()
                .map(|g| Grouping {
                    name: g.name.clone(),
                    labels: pick_s(&g.labels),
                })
                .collect(),
            codes: self.codes.clone(),
            values,
        }
    }

    /// Appends the columns of `other` (same rows) to this dataset.
    pub fn append_cols(&mut self, other: &Dataset) -> Result<()> {
        if other.n_rows() != self.n_rows() {
            return Err(IndexError::Data(
                "append_cols: different number of rows".into(),
            ));
        }
        self.codes.extend(other.codes.iter().cloned());
        self.values.extend_from_slice(&other.values);
        Ok(())
    }

    /// Row indices grouped by year (panel) or a single group of all rows (cross-section).
    pub fn year_slices(&self) -> Vec<(Option<i32>, Vec<usize>)> {
        match &self.years {
            None => vec![(None, (0..self.n_rows()).collect())],
            Some(y) => {
                let mut ys: Vec<i32> = y.clone();
                ys.sort_unstable();
                ys.dedup();
                ys.into_iter()
                    .map(|yr| {
                        (
                            Some(yr),
                            (0..self.n_rows()).filter(|&i| y[i] == yr).collect(),
                        )
                    })
                    .collect()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ds() -> Dataset {
        Dataset::from_rows(
            vec!["A".into(), "B".into(), "C".into()],
            vec!["x".into(), "y".into()],
            &[vec![1.0, 2.0], vec![3.0, f64::NAN], vec![5.0, 6.0]],
        )
        .unwrap()
    }

    #[test]
    fn column_major_access() {
        let d = ds();
        assert_eq!(d.col(0), &[1.0, 3.0, 5.0]);
        assert_eq!(d.get(2, 1), 6.0);
        assert!(d.value("B", "y").unwrap().is_nan());
        assert_eq!(d.values.len(), 6);
    }

    #[test]
    fn select_rows_and_cols() {
        let d = ds()
            .with_group("g", vec!["p".into(), "q".into(), "p".into()])
            .unwrap();
        let r = d.select_rows(&[2, 0]);
        assert_eq!(r.units, vec!["C", "A"]);
        assert_eq!(r.col(1), &[6.0, 2.0]);
        assert_eq!(r.group("g").unwrap(), &["p".to_string(), "p".to_string()]);
        let c = d.select_cols(&["y".into()]).unwrap();
        assert_eq!(c.n_cols(), 1);
        assert!(d.select_cols(&["z".into()]).is_err());
    }

    #[test]
    fn rejects_ragged_input() {
        assert!(
            Dataset::from_columns(vec!["A".into()], vec!["x".into()], vec![vec![1.0, 2.0]])
                .is_err()
        );
    }
}
