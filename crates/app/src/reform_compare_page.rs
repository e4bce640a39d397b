//! The 方案对比 page's use case: the saved reforms to choose from and the comparison of the
//! chosen ones on the server's kept baselines ([`crate::reform_compare`]).
use crate::error::EvalError;
use gaoxin_store::{Scope, Store};
use serde::Serialize;

/// A saved reform offered for comparison: its key and name, or why it does not load.
#[derive(Debug, Clone, Serialize)]
pub struct Choice {
    pub key: String,
    pub name: String,
    pub author: String,
    pub error: Option<String>,
    pub chosen: bool,
}

/// What the comparison page shows: the years with data, the saved reforms to choose from, and
/// the comparison of the chosen ones (or why it cannot be made).
#[derive(Debug, Clone, Serialize)]
pub struct ComparePage {
    pub year: Option<i32>,
    pub years: Vec<i32>,
    pub choices: Vec<Choice>,
    pub actual: bool,
    pub view: Option<crate::reform_compare_view::CompareView>,
    /// Why nothing was compared (fewer than two chosen, a reform refused), in Chinese.
    pub message: Option<String>,
}

/// The comparison of the saved reforms `keys` for `year` (default: the latest year with data),
/// on the server's kept baselines; with `actual`, last year's actual results beside them.
pub async fn page(
    cache: &crate::reform_cache::BaselineCache,
    store: &Store,
    zone: &gaoxin_model::Zone,
    (year, keys, with_actual): (Option<gaoxin_model::Year>, &[String], bool),
    max_rows: usize,
) -> Result<ComparePage, EvalError> {
    let years = cache.years(store, false).await?;
    let saved = crate::reform::saved().map_err(|e| EvalError::NoData(e.to_string()))?;
    let choices: Vec<Choice> = saved
        .iter()
        .map(|s| Choice {
            key: s.key.clone(),
            name: s
                .reform
                .as_ref()
                .map(|r| r.name.clone())
                .unwrap_or_default(),
            author: s
                .reform
                .as_ref()
                .map(|r| r.author.clone())
                .unwrap_or_default(),
            error: s
                .reform
                .as_ref()
                .err()
                .map(|es| crate::reform::errors_zh(es)),
            chosen: keys.contains(&s.key),
        })
        .collect();
    let mut p = ComparePage {
        year: None,
        years: years.iter().map(|y| y.get()).collect(),
        choices,
        actual: with_actual,
        view: None,
        message: None,
    };
    let year = match year {
        Some(y) if years.contains(&y) => y,
        Some(y) => {
            p.message = Some(format!("{y} 年没有企业数据，无法测算改革方案"));
            return Ok(p);
        }
        None => match years.last() {
            Some(y) => *y,
            None => return Ok(p),
        },
    };
    p.year = Some(year.get());
    let mut chosen = Vec::new();
    for k in keys {
        match saved.iter().find(|s| s.key == *k) {
            Some(s) => match &s.reform {
                Ok(r) => chosen.push((k.clone(), r.clone())),
                Err(es) => {
                    p.message = Some(format!(
                        "方案「{k}」未通过校验：{}",
                        crate::reform::errors_zh(es)
                    ));
                    return Ok(p);
                }
            },
            None => {
                p.message = Some(format!("没有名为「{k}」的已保存方案"));
                return Ok(p);
            }
        }
    }
    if chosen.len() < 2 {
        p.message = Some("请至少选择两个已保存的方案进行对比。".into());
        return Ok(p);
    }
    let base = cache.get(store, year, false).await?;
    let c = tokio::task::spawn_blocking(move || crate::reform_compare::compare(&base, &chosen))
        .await
        .map_err(|e| EvalError::Engine(e.to_string()))?;
    let c = match c {
        Ok(c) => c,
        Err(es) => {
            p.message = Some(format!("方案未通过校验：{}", crate::reform::errors_zh(&es)));
            return Ok(p);
        }
    };
    let a = if with_actual {
        Some(crate::reform_compare::actual(store, &Scope::Zone, year.get()).await?)
    } else {
        None
    };
    p.view = Some(crate::reform_compare_view::view(
        zone,
        &c,
        a.as_ref(),
        max_rows,
    ));
    Ok(p)
}
