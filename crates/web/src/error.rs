//! Error answers: an HTML page for browsers ([`PageError`]) and `{"code", "message"}` JSON for the
//! API ([`ApiError`]). A firm or park outside the caller's scope is a plain 404, the same answer as
//! one that does not exist.
use crate::render;
use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

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
        let mut r = render::error_page(&self.title, &self.message);
        *r.status_mut() = self.status;
        r
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

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (
            self.status,
            Json(serde_json::json!({"code": self.code, "message": self.message})),
        )
            .into_response()
    }
}

impl From<gaoxin_store::Error> for ApiError {
    fn from(e: gaoxin_store::Error) -> Self {
        ApiError::internal(e)
    }
}
