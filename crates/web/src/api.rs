//! The JSON API under `/api/v1`: the pages' data with the same scopes, errors as
//! `{"code": "...", "message": "..."}`, described by the OpenAPI 3.1 document at
//! `/api/v1/openapi.json` ([`openapi_document`]). Authentication: the session cookie of a
//! browser sign-in; writes also need the `X-CSRF-Token` header (the token is in `/api/v1/me`).
//! Money is in fen (integer, exact) with a 万元/亿元 text beside it where useful.
use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::ApiError;
use crate::pages::{ListPage, ListQuery, ParkQuery, list_page, park_param, park_scope};
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use gaoxin_model::facts::format_value;
use gaoxin_model::{FIELDS, Money, Uscc};
use gaoxin_store::Scope;
use serde::Deserialize;
use serde_json::{Value, json};

fn json_bytes(bytes: axum::body::Bytes) -> Response {
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            ),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("private, no-cache"),
            ),
        ],
        bytes,
    )
        .into_response()
}

/// GET /api/v1/me — the signed-in user, its scope and CSRF token.
pub async fn me(user: CurrentUser) -> Json<Value> {
    Json(json!({
        "username": user.username,
        "role": user.role.key(),
        "role_zh": user.role.zh(),
        "park": user.role.park(),
        "uscc": user.role.uscc().map(|u| u.as_str()),
        "may_import": user.role.may_import(),
        "csrf_token": user.csrf,
    }))
}

/// GET /api/v1/summary — the dashboard of the user's scope (cached; what the zone page charts);
/// `?park=P` is that park's, as /api/v1/parks/P/summary (an unknown park is a 400).
pub async fn summary(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(pq): Query<ParkQuery>,
) -> Result<Response, ApiError> {
    let scope =
        match park_param(&state.zone, pq.park.as_deref()).map_err(|m| ApiError::bad_request(&m))? {
            Some(p) => park_scope(&state, &user, &p).ok_or_else(ApiError::not_found)?,
            None => user.scope(),
        };
    let e = state
        .dashboards
        .get(&state.store, &state.zone, &scope)
        .await?;
    Ok(json_bytes(e.json.clone()))
}

/// GET /api/v1/parks/{park}/summary
pub async fn park_summary(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(park): Path<String>,
) -> Result<Response, ApiError> {
    let scope = park_scope(&state, &user, &park).ok_or_else(ApiError::not_found)?;
    let e = state
        .dashboards
        .get(&state.store, &state.zone, &scope)
        .await?;
    Ok(json_bytes(e.json.clone()))
}

/// GET /api/v1/parks — the parks the user may see, with their firm counts.
pub async fn parks(
    State(state): State<AppState>,
    user: CurrentUser,
) -> Result<Json<Value>, ApiError> {
    let scope = user.scope();
    let e = state
        .dashboards
        .get(&state.store, &state.zone, &scope)
        .await?;
    let items: Vec<Value> = state
        .zone
        .parks
        .iter()
        .filter(|p| match &scope {
            Scope::Zone => true,
            Scope::Park(own) => *own == p.id,
            Scope::Enterprise(_) => false,
        })
        .map(|p| {
            json!({
                "id": p.id,
                "name": p.name,
                "location": p.location,
                "national": p.national,
                "firms": e.data.parks.iter().find(|c| c.id == p.id).map(|c| c.firms).unwrap_or(0),
            })
        })
        .collect();
    Ok(Json(json!({ "items": items })))
}

#[derive(Deserialize, Default)]
pub struct PageSize {
    #[serde(default)]
    page_size: String,
}

impl PageSize {
    /// Rows per page: 50 when absent, numbers clamped to 1–500, anything else a 400.
    fn get(&self) -> Result<u64, ApiError> {
        let s = self.page_size.trim();
        if s.is_empty() {
            return Ok(50);
        }
        let digits = s.strip_prefix('-').unwrap_or(s);
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(ApiError::bad_request(&format!(
                "参数 page_size 的值「{}」不是整数（每页条数，1–500）",
                s.chars().take(32).collect::<String>()
            )));
        }
        Ok(match s.parse::<i64>() {
            Ok(n) => n.clamp(1, 500) as u64,
            Err(_) if s.starts_with('-') => 1,
            Err(_) => 500,
        })
    }
}

fn money(v: Option<i64>) -> Value {
    v.map(Value::from).unwrap_or(Value::Null)
}

/// GET /api/v1/enterprises — the list with the page's filters (`q`, `park`, `industry`, `cluster`,
/// `track`, `listing`, `year`, `sort`, `page`) and `page_size` (1–500, default 50).
pub async fn enterprises(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<ListQuery>,
    Query(ps): Query<PageSize>,
) -> Result<Json<Value>, ApiError> {
    let size = ps.get()?;
    let filter = q
        .filter(&state.zone)
        .map_err(|m| ApiError::bad_request(&m))?;
    let ListPage {
        rows,
        total,
        page_no: page,
        pages,
    } = list_page(&state, &user.scope(), &filter, q.sort(), q.page_no(), size).await?;
    let items: Vec<Value> = rows
        .iter()
        .map(|r| {
            let e = &r.enterprise;
            json!({
                "uscc": e.uscc.as_str(),
                "name": e.name,
                "park": e.park,
                "industry": e.industry.as_str(),
                "listing": e.listing.key(),
                "clusters": e.clusters,
                "tracks": e.tracks,
                "synthetic": e.synthetic,
                "year": r.year,
                "revenue_fen": money(r.revenue),
                "rd_expense_fen": money(r.rd_expense),
                "employees": r.employees,
            })
        })
        .collect();
    Ok(Json(json!({
        "total": total,
        "page": page,
        "pages": pages,
        "page_size": size,
        "sort": q.sort().key(),
        "items": items,
    })))
}

/// GET /api/v1/enterprises/{uscc} — identity and every year's facts with provenance.
pub async fn enterprise(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(code): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let scope = user.scope();
    let uscc = Uscc::parse(&code).map_err(|_| ApiError::not_found())?;
    let e = state
        .store
        .enterprise(&scope, &uscc)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let facts = state.store.facts_of(&scope, &uscc).await?;
    let years: Vec<Value> = facts
        .iter()
        .map(|f| {
            let mut values = serde_json::Map::new();
            for (i, d) in FIELDS.iter().enumerate() {
                let p = &f.provenance[i];
                values.insert(
                    d.key.into(),
                    json!({
                        "value": f.values[i],
                        "text": f.values[i].map(|v| match d.kind {
                            gaoxin_model::Kind::Money { .. } => Money(v).display_zh(),
                            k => format_value(k, v),
                        }),
                        "provenance": p.kind(),
                        "source": match p { gaoxin_model::Provenance::Verified(s) => Some(s.clone()), _ => None },
                    }),
                );
            }
            json!({ "year": f.year.get(), "values": values })
        })
        .collect();
    Ok(Json(json!({
        "uscc": e.uscc.as_str(),
        "name": e.name,
        "park": e.park,
        "founded": e.founded.to_string(),
        "industry": e.industry.as_str(),
        "sector": e.sector.zh(),
        "tech_field": e.tech_field,
        "listing": e.listing.key(),
        "clusters": e.clusters,
        "tracks": e.tracks,
        "synthetic": e.synthetic,
        "facts": years,
    })))
}

/// GET /api/v1/openapi.json
pub async fn openapi() -> Json<Value> {
    Json(openapi_document())
}

fn err_ref() -> Value {
    json!({"description": "错误", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}})
}

fn ok(desc: &str, schema: Value) -> Value {
    json!({"description": desc, "content": {"application/json": {"schema": schema}}})
}

fn param(name: &str, loc: &str, desc: &str) -> Value {
    json!({"name": name, "in": loc, "required": loc == "path", "description": desc, "schema": {"type": "string"}})
}

fn op(summary: &str, params: Vec<Value>, response: Value, extra: Option<(&str, Value)>) -> Value {
    let mut o = json!({
        "summary": summary,
        "parameters": params,
        "responses": {"200": response, "401": err_ref(), "403": err_ref(), "404": err_ref()},
    });
    if let Some((k, v)) = extra {
        o[k] = v;
    }
    o
}

/// The OpenAPI 3.1 description of every `/api/v1` route.
pub fn openapi_document() -> Value {
    let list_params: Vec<Value> = [
        ("q", "名称或统一社会信用代码中的文字（按字面匹配）"),
        ("park", "园区编号（或园区名称）；不是本区园区时返回 400"),
        ("industry", "国民经济行业代码前缀，如 C 或 C39"),
        ("cluster", "创新型产业集群编号"),
        ("track", "新赛道编号"),
        (
            "listing",
            "上市状态：unlisted, main_board, chinext, star, bse, neeq, overseas；无法识别时返回 400",
        ),
        ("year", "只列出有该年数据的企业，并显示该年数据；不是整数时返回 400"),
        ("sort", "name, revenue, rd, employees, founded"),
        (
            "page",
            "页码，从 1 开始；超过最后一页时返回最后一页（见返回的 page 与 pages）",
        ),
        ("page_size", "每页条数，1–500，默认 50"),
    ]
    .iter()
    .map(|(n, d)| param(n, "query", d))
    .collect();
    let obj = json!({"type": "object"});
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "gaoxin 南京高新区创新治理平台 API",
            "version": "1",
            "description": "与页面相同的数据与权限范围。认证：浏览器登录后的会话 Cookie（gx_session）；写操作还需请求头 X-CSRF-Token（见 /api/v1/me）。金额单位为分（整数）。错误格式：{\"code\", \"message\"}。无权访问的资源与不存在的资源同样返回 404。"
        },
        "components": {
            "securitySchemes": {"session": {"type": "apiKey", "in": "cookie", "name": "gx_session"}},
            "schemas": {
                "Error": {"type": "object", "required": ["code", "message"], "properties": {"code": {"type": "string"}, "message": {"type": "string"}}},
                "Job": {"type": "object", "properties": {
                    "id": {"type": "string"}, "file_name": {"type": "string"},
                    "state": {"type": "string", "enum": ["running", "done", "failed"]},
                    "done": {"type": "integer"}, "total": {"type": "integer"}, "stage": {"type": "string"},
                    "ok": {"type": "boolean"}, "rows": {"type": "integer"}, "error_count": {"type": "integer"},
                    "errors": {"type": "array", "items": {"type": "object", "properties": {"row": {"type": "integer"}, "column": {"type": "string"}, "message": {"type": "string"}}}},
                    "warning_count": {"type": "integer"}, "needs_confirmation": {"type": "boolean"},
                    "warnings": {"type": "array", "items": {"type": "object", "properties": {"row": {"type": "integer"}, "column": {"type": "string"}, "message": {"type": "string"}}}},
                    "notices": {"type": "array", "items": {"type": "string"}},
                    "change_count": {"type": "integer"},
                    "changes": {"type": "array", "items": {"type": "object", "properties": {"uscc": {"type": "string"}, "year": {"type": "string"}, "field": {"type": "string"}, "old": {"type": "string"}, "new": {"type": "string"}}}},
                    "message": {"type": "string"}
                }}
            }
        },
        "security": [{"session": []}],
        "paths": {
            "/api/v1/openapi.json": {"get": {"summary": "本文档", "security": [], "responses": {"200": ok("OpenAPI 3.1 文档", obj.clone())}}},
            "/api/v1/me": {"get": op("当前用户、角色、数据范围与 CSRF 令牌", vec![], ok("当前用户", obj.clone()), None)},
            "/api/v1/summary": {"get": op("当前用户范围内的总览：各园区/集群/赛道企业数、历年营收与研发、目标与现状", vec![param("park", "query", "园区编号（或名称）：只看该园区，同 /api/v1/parks/{park}/summary；不是本区园区时返回 400")], ok("总览", obj.clone()), None)},
            "/api/v1/parks": {"get": op("可见的园区及企业数", vec![], ok("园区列表", obj.clone()), None)},
            "/api/v1/parks/{park}/summary": {"get": op("一个园区的总览", vec![param("park", "path", "园区编号")], ok("园区总览", obj.clone()), None)},
            "/api/v1/enterprises": {"get": op("企业名录（检索、筛选、排序、分页）", list_params, ok("企业列表", obj.clone()), None)},
            "/api/v1/enterprises/{uscc}": {"get": op("一家企业的基本信息与历年数据（含来源）", vec![param("uscc", "path", "统一社会信用代码")], ok("企业", obj.clone()), None)},
            "/api/v1/imports": {"post": op(
                "上传导入文件（xlsx/csv，multipart 字段 file），后台校验并合并导入（文件中没有的列、空白单元格保留已有数据，“清空”清除）；有任何错误、或有警告而未确认（字段 accept_warnings=1）则不写入",
                vec![param("X-CSRF-Token", "header", "会话的 CSRF 令牌")],
                json!({"description": "导入任务", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Job"}}}}),
                Some(("requestBody", json!({"required": true, "content": {"multipart/form-data": {"schema": {"type": "object", "properties": {"file": {"type": "string", "format": "binary"}, "accept_warnings": {"type": "string", "enum": ["1"]}}}}}}))),
            )},
            "/api/v1/imports/{job}": {"get": op("导入任务的进度与结果（含逐行错误）", vec![param("job", "path", "任务编号")], json!({"description": "导入任务", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Job"}}}}), None)},
            "/api/v1/bank/enterprises/{uscc}/points": {"get": op(
                "银行接口：经企业授权（在有效期内、未撤销）读取该企业的创新积分及其构成；请求头 Authorization: Bearer <银行API密钥>。无授权、已过期、已撤销或其他企业一律返回404；每次读取都记录并对企业可见。响应中 placeholder_scheme 为 true 时积分方案是占位方案（指标与权重未经官方确认），scheme_notice 为其说明",
                vec![param("uscc", "path", "统一社会信用代码"), param("Authorization", "header", "Bearer <银行API密钥>")],
                ok("企业历年创新积分及构成", obj.clone()),
                None,
            )}
        }
    })
}
