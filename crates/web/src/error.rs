//! Error answers: an HTML page for browsers ([`PageError`]) and `{"code", "message"}` JSON for the
//! API ([`ApiError`]). A firm or park outside the caller's scope is a plain 404, the same answer as
//! one that does not exist.
use crate::render;
use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use gaoxin_app::EvalError;

#[derive(Debug)]
pub struct PageError {
    pub status: StatusCode,
    pub title: String,
    pub message: String,
}

impl PageError {
    pub fn new(status: StatusCode, title: &str, message: &str) -> PageError {
        PageError {
            status,
            title: title.into(),
            message: message.into(),
        }
    }
    pub fn not_found() -> PageError {
        PageError::new(
            StatusCode::NOT_FOUND,
            "页面不存在",
            "找不到该页面，或您无权查看。请检查地址，或从导航重新进入。",
        )
    }
    pub fn bad_request(msg: &str) -> PageError {
        PageError::new(StatusCode::BAD_REQUEST, "请求有误", msg)
    }
    pub fn internal(e: impl std::fmt::Display) -> PageError {
        tracing::error!("internal error: {e}");
        PageError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "服务器错误",
            "服务器处理请求时出错，请稍后重试；如果问题持续，请联系管理员。",
        )
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        render::with_status(render::error_page(&self.title, &self.message), self.status)
    }
}

impl From<gaoxin_store::Error> for PageError {
    fn from(e: gaoxin_store::Error) -> Self {
        PageError::internal(e)
    }
}

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: &str) -> ApiError {
        ApiError {
            status,
            code,
            message: message.into(),
        }
    }
    pub fn not_found() -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, "not_found", "资源不存在或无权访问")
    }
    pub fn bad_request(msg: &str) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, "bad_request", msg)
    }
    pub fn internal(e: impl std::fmt::Display) -> ApiError {
        tracing::error!("internal error: {e}");
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "服务器处理请求时出错",
        )
    }
}

/// The body of every API error.
#[derive(serde::Serialize, utoipa::ToSchema)]
#[schema(as = Error)]
pub struct ErrorBody {
    /// not_found, bad_request, unauthenticated, forbidden, csrf, internal.
    pub code: &'static str,
    /// What went wrong, in Chinese.
    pub message: String,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            code: self.code,
            message: self.message,
        };
        (self.status, Json(body)).into_response()
    }
}

impl From<gaoxin_store::Error> for ApiError {
    fn from(e: gaoxin_store::Error) -> Self {
        ApiError::internal(e)
    }
}

/// An engine use case's error: nothing to compute is the caller's 400, the rest a 500 with its cause.
impl From<EvalError> for PageError {
    fn from(e: EvalError) -> Self {
        match e {
            EvalError::NoData(m) => PageError::bad_request(&m),
            other => PageError::internal(other),
        }
    }
}

impl From<EvalError> for ApiError {
    fn from(e: EvalError) -> Self {
        match e {
            EvalError::NoData(m) => ApiError::new(StatusCode::BAD_REQUEST, "no_data", &m),
            other => ApiError::internal(other),
        }
    }
}

/// `axum::extract::Query` whose rejection (a value that does not parse, e.g. `year=abc`) is a
/// Chinese 400 naming the parameter: an error page, or `{"code", "message"}` under `/api/`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Query<T>(pub T);

impl<T, S> axum::extract::FromRequestParts<S> for Query<T>
where
    T: serde::de::DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &S,
    ) -> Result<Self, Self::Rejection> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(v)) => Ok(Query(v)),
            Err(e) => {
                // axum's text: "Failed to deserialize query string: FIELD: serde's reason"
                let text = e.body_text();
                let field = text
                    .split(": ")
                    .nth(1)
                    .filter(|f| {
                        !f.is_empty()
                            && f.len() <= 32
                            && f.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
                    })
                    .filter(|_| text.split(": ").count() > 2);
                let msg = match field {
                    Some(f) => format!(
                        "地址中的查询参数「{f}」的值无法识别，请检查地址（年份、页码等须为整数）。"
                    ),
                    None => "地址中的查询参数无法识别，请检查地址。".to_string(),
                };
                if parts.uri.path().starts_with("/api/") {
                    Err(ApiError::bad_request(&msg).into_response())
                } else {
                    Err(PageError::bad_request(&msg).into_response())
                }
            }
        }
    }
}
