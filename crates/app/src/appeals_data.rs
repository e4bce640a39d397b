//! The appeals' data files: categories with their time limits and keywords
//! (`data/appeals/categories.toml`), the routing table (`data/appeals/routing.toml`: category →
//! department or the firm's park), and the working-day calendar (`data/calendar/YYYY.toml`), read
//! through [`crate::data_files`] (`$GAOXIN_APPEALS` / `$GAOXIN_CALENDAR`, else `data/…`, else the
//! shipped copies). Also the suggested category of an appeal's text (keyword match).
use crate::data_files::{APPEALS, CALENDAR, Source};
use gaoxin_model::{Calendar, Date, DeptId};
use std::collections::HashMap;

/// The department of the demo's department account (`dept-keji`).
pub const DEMO_DEPARTMENT: &str = "keji";

/// The category used when no keyword matches.
pub const OTHER: &str = "其他";

#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Category {
    pub name: String,
    /// Working days from acceptance to the reply.
    pub limit_days: u32,
    /// Not settled by a source (shown as 未确认).
    #[serde(default)]
    pub unconfirmed: bool,
    #[serde(default)]
    pub keywords: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sla {
    /// 临期 when at most this many working days are left.
    pub warn_before_days: u32,
    /// 提级 this many working days after the limit.
    pub escalate_after_days: u32,
    #[serde(default)]
    pub unconfirmed: bool,
}

#[derive(Debug, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct CategoriesFile {
    source: String,
    version: String,
    sla: Sla,
    category: Vec<Category>,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Department {
    pub id: DeptId,
    pub name: String,
}

#[derive(Debug, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct RoutingFile {
    source: String,
    version: String,
    #[serde(default)]
    unconfirmed: bool,
    department: Vec<Department>,
    route: HashMap<String, String>,
}

/// Who handles a category.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    Department(DeptId),
    /// The firm's own park.
    Park,
}

/// Everything the appeals need from data files.
#[derive(Debug, Clone)]
pub struct AppealsConfig {
    pub categories: Vec<Category>,
    pub sla: Sla,
    pub departments: Vec<Department>,
    routes: HashMap<String, Route>,
    pub routing_unconfirmed: bool,
    pub calendar: Calendar,
    /// Where each file came from, with its source document (shown on the pages).
    pub sources: Vec<String>,
}

impl AppealsConfig {
    /// Parses the files; every category must have a route, every route a known category and
    /// department, and [`OTHER`] must exist.
    pub fn parse(
        categories: (&str, &str),
        routing: (&str, &str),
        calendar: &[(String, String)],
    ) -> Result<AppealsConfig, String> {
        let c: CategoriesFile =
            toml::from_str(categories.1).map_err(|e| format!("{}：{e}", categories.0))?;
        let r: RoutingFile =
            toml::from_str(routing.1).map_err(|e| format!("{}：{e}", routing.0))?;
        let calendar = Calendar::parse(calendar)?;
        if !c.category.iter().any(|x| x.name == OTHER) {
            return Err(format!("{}：缺少类别「{OTHER}」", categories.0));
        }
        for (i, x) in c.category.iter().enumerate() {
            if x.limit_days == 0 {
                return Err(format!(
                    "{}：类别「{}」的时限必须大于0",
                    categories.0, x.name
                ));
            }
            if c.category[..i].iter().any(|y| y.name == x.name) {
                return Err(format!("{}：类别「{}」重复", categories.0, x.name));
            }
        }
        let mut routes = HashMap::new();
        for x in &c.category {
            let to = r.route.get(&x.name).ok_or_else(|| {
                format!("{}：类别「{}」没有交办部门（[route]）", routing.0, x.name)
            })?;
            let route = if to == "park" {
                Route::Park
            } else {
                let id = DeptId::parse(to).map_err(|e| format!("{}：{e}", routing.0))?;
                if !r.department.iter().any(|d| d.id == id) {
                    return Err(format!(
                        "{}：部门「{to}」未在 [[department]] 中列出",
                        routing.0
                    ));
                }
                Route::Department(id)
            };
            routes.insert(x.name.clone(), route);
        }
        if let Some(k) = r.route.keys().find(|k| !routes.contains_key(*k)) {
            return Err(format!("{}：[route] 中的类别「{k}」不存在", routing.0));
        }
        let mut sources = vec![
            format!("{}（{}，版本 {}）", categories.0, c.source, c.version),
            format!("{}（{}，版本 {}）", routing.0, r.source, r.version),
        ];
        sources.extend(
            calendar
                .sources()
                .iter()
                .map(|s| format!("{}（{}，{} 发布）", s.file, s.source, s.published)),
        );
        Ok(AppealsConfig {
            categories: c.category,
            sla: c.sla,
            departments: r.department,
            routes,
            routing_unconfirmed: r.unconfirmed,
            calendar,
            sources,
        })
    }

    /// Reads the files from their configured directories (or the shipped copies).
    pub fn load() -> Result<AppealsConfig, String> {
        let cat = APPEALS
            .file("categories.toml")
            .ok_or("找不到 data/appeals/categories.toml")?;
        let rt = APPEALS
            .file("routing.toml")
            .ok_or("找不到 data/appeals/routing.toml")?;
        let cal: Vec<(String, String)> = match CALENDAR.source() {
            Source::Dir(d) => {
                let mut files: Vec<_> = std::fs::read_dir(&d)
                    .map_err(|e| format!("无法读取工作日历目录 {}：{e}", d.display()))?
                    .filter_map(|e| e.ok().map(|e| e.path()))
                    .filter(|p| p.extension().is_some_and(|x| x == "toml"))
                    .collect();
                files.sort();
                files
                    .into_iter()
                    .map(|p| {
                        std::fs::read_to_string(&p)
                            .map(|t| (p.display().to_string(), t))
                            .map_err(|e| format!("无法读取 {}：{e}", p.display()))
                    })
                    .collect::<Result<_, _>>()?
            }
            Source::Shipped => CALENDAR
                .shipped()
                .into_iter()
                .map(|f| (f.path.display().to_string(), f.text))
                .collect(),
        };
        AppealsConfig::parse(
            (&cat.path.display().to_string(), &cat.text),
            (&rt.path.display().to_string(), &rt.text),
            &cal,
        )
    }

    pub fn category(&self, name: &str) -> Option<&Category> {
        self.categories.iter().find(|c| c.name == name.trim())
    }

    /// A category by name, or a Chinese error listing the choices.
    pub fn parse_category(&self, name: &str) -> Result<&Category, String> {
        self.category(name).ok_or_else(|| {
            format!(
                "未知诉求类别「{}」（可选：{}）",
                name.trim(),
                self.categories
                    .iter()
                    .map(|c| c.name.as_str())
                    .collect::<Vec<_>>()
                    .join("、")
            )
        })
    }

    pub fn route(&self, category: &str) -> Route {
        self.routes.get(category).cloned().unwrap_or(Route::Park)
    }

    pub fn department(&self, id: &str) -> Option<&Department> {
        self.departments.iter().find(|d| d.id.as_str() == id)
    }

    /// The department's name, or the id when unknown; `None` (routed to the park) → 所在园区.
    pub fn department_name(&self, id: Option<&str>) -> String {
        match id {
            None => "所在园区".into(),
            Some(i) => self
                .department(i)
                .map(|d| d.name.clone())
                .unwrap_or_else(|| i.to_string()),
        }
    }

    /// The suggested category of an appeal's text: the category whose keywords found in the text
    /// weigh most (a keyword weighs its length in characters; the title counts twice); no keyword
    /// found → [`OTHER`]. Ties go to the category listed first.
    pub fn suggest(&self, title: &str, description: &str) -> &str {
        let mut best: (usize, &str) = (0, OTHER);
        for c in &self.categories {
            let score: usize = c
                .keywords
                .iter()
                .map(|k| {
                    let w = k.chars().count();
                    w * (2 * title.matches(k.as_str()).count()
                        + description.matches(k.as_str()).count())
                })
                .sum();
            if score > best.0 {
                best = (score, &c.name);
            }
        }
        best.1
    }
}

/// Today in China (UTC+8) from unix seconds.
pub fn china_date(unix: i64) -> Date {
    Date::from_days_since_epoch((unix + 8 * 3600).div_euclid(86_400))
}

#[cfg(test)]
pub(crate) mod tests;
