//! 方案对比 and 方案采纳 (issue 20): saved reforms side by side for one year (with last year's
//! actual results), their export, and a zone administrator's adoption of a saved reform. Thin:
//! parse → one `app` call → render.
use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::{PageError, Query};
use crate::render::{self, Page};
use axum::extract::State;
use axum::response::Response;
use gaoxin_app::reform_compare_page as reform_compare;
use gaoxin_model::Year;
use minijinja::context;

/// Firms whose outcome differs, listed on the page (the export has them all).
const LIST: usize = 200;

/// `year`, `file` (repeated: the saved reforms' keys) and `actual=1`.
fn parse(q: &[(String, String)]) -> Result<(Option<Year>, Vec<String>, bool), PageError> {
    let mut year = None;
    let mut keys = Vec::new();
    let mut actual = false;
    for (k, v) in q {
        match k.as_str() {
            "year" if !v.trim().is_empty() => {
                year = Some(Year::parse(v.trim()).map_err(|m| PageError::bad_request(&m))?)
            }
            "file" if !v.is_empty() && !keys.contains(v) => keys.push(v.clone()),
            "actual" => actual = v == "1",
            _ => {}
        }
    }
    Ok((year, keys, actual))
}

/// GET /reform/compare — 方案对比.
pub async fn compare_page(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let (year, keys, actual) = parse(&q)?;
    let p = reform_compare::page(
        &state.reforms,
        &state.store,
        &state.zone,
        (year, &keys, actual),
        LIST,
    )
    .await?;
    let export = q
        .iter()
        .map(|(k, v)| {
            format!(
                "{}={}",
                crate::auth::urlencode(k),
                crate::auth::urlencode(v)
            )
        })
        .collect::<Vec<_>>()
        .join("&");
    let page = Page::new("方案对比", &user, "/reform");
    Ok(render::page(
        "reform_compare.html",
        &page,
        context! { p => render::ser(&p), export => export, list_max => LIST },
    ))
}

/// GET /reform/compare.xlsx — every table of the comparison, every differing firm.
pub async fn compare_xlsx(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let (year, keys, actual) = parse(&q)?;
    let p = reform_compare::page(
        &state.reforms,
        &state.store,
        &state.zone,
        (year, &keys, actual),
        usize::MAX,
    )
    .await?;
    let Some(v) = p.view else {
        return Err(PageError::bad_request(
            p.message.as_deref().unwrap_or("还没有企业年度数据"),
        ));
    };
    let bytes = gaoxin_app::reform_compare_view::workbook(&v).map_err(PageError::internal)?;
    Ok(crate::export::xlsx_download(
        &state,
        &user,
        bytes,
        &format!("方案对比-{}.xlsx", v.year),
    ))
}

/// `file` and `effective` of the adoption page and form.
#[derive(serde::Deserialize, Default)]
pub struct AdoptForm {
    #[serde(default)]
    file: String,
    #[serde(default)]
    effective: String,
}

fn adopt_args(f: &AdoptForm) -> Result<(String, gaoxin_model::Date), String> {
    let key = f.file.trim().to_string();
    if key.is_empty() {
        return Err("请选择要采纳的方案".into());
    }
    let d = gaoxin_model::Date::parse(f.effective.trim())
        .ok_or_else(|| format!("生效日期「{}」无效，请写成 YYYY-MM-DD", f.effective.trim()))?;
    Ok((key, d))
}

/// The adoption page: the saved reforms, the diff of the chosen one (nothing written), the
/// adoptions so far; `done` after a confirmed adoption.
async fn adopt_view(
    state: &AppState,
    user: &CurrentUser,
    f: &AdoptForm,
    confirm: bool,
) -> Result<Response, PageError> {
    let asked = !f.file.trim().is_empty() || !f.effective.trim().is_empty();
    let result = match (asked, adopt_args(f)) {
        (false, _) => None,
        (true, Err(m)) => Some(Err(m)),
        (true, Ok((key, d))) => Some(
            gaoxin_app::reform_adopt::adopt(
                &state.store,
                &user.who(),
                Some(&user.role),
                &key,
                d,
                confirm,
            )
            .await
            .map_err(|e| e.to_string()),
        ),
    };
    let choices = gaoxin_app::reform_adopt::choices();
    let history = gaoxin_app::reform_adopt::history(&state.store).await?;
    let page = Page::new("采纳改革方案", user, "/reform");
    let (proposal, id, refused) = match result {
        None => (None, None, None),
        Some(Ok((p, id))) => (Some(p), id, None),
        Some(Err(m)) => (None, None, Some(m)),
    };
    Ok(render::page(
        "reform_adopt.html",
        &page,
        context! {
            file => f.file.trim(), effective => f.effective.trim(), choices => render::ser(&choices),
            proposal => render::ser(&proposal), adopted => id, refused => refused,
            history => render::ser(&history),
            may_adopt => user.role == gaoxin_store::Role::ZoneAdmin,
        },
    ))
}

/// GET /reform/adopt — choose a saved reform and a date, see the diff before confirming.
pub async fn adopt_page(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(f): Query<AdoptForm>,
) -> Result<Response, PageError> {
    adopt_view(&state, &user, &f, false).await
}

/// POST /reform/adopt — a zone administrator confirms the adoption.
pub async fn adopt(
    State(state): State<AppState>,
    user: CurrentUser,
    axum::Form(f): axum::Form<AdoptForm>,
) -> Result<Response, PageError> {
    adopt_view(&state, &user, &f, true).await
}
