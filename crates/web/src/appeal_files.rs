//! Attachments of an appeal (附件): the upload form's target and the download (thin: the rules are
//! `gaoxin_app::appeals_files`).
use crate::AppState;
use crate::appeal_pages::{actor, page_err};
use crate::auth::{CsrfChecked, constant_time_eq};
use crate::error::PageError;
use crate::export::download;
use crate::user::CurrentUser;
use axum::Extension;
use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use gaoxin_app::appeals_files::{self, MAX_FILE_BYTES};
use gaoxin_store::unix_now;

/// The request body limit of the upload route: one file and the form's small fields.
pub const MAX_BODY: usize = MAX_FILE_BYTES + 64 * 1024;

/// POST /appeals/{id}/attachments — multipart `_csrf` and `file`; back to the appeal's page.
pub async fn upload(
    State(state): State<AppState>,
    user: CurrentUser,
    checked: Option<Extension<CsrfChecked>>,
    Path(id): Path<String>,
    mut mp: Multipart,
) -> Result<Response, PageError> {
    let id: i64 = id.trim().parse().map_err(|_| PageError::not_found())?;
    let too_large = || {
        PageError::bad_request(&format!(
            "附件超过 {} MB，未保存",
            MAX_FILE_BYTES / (1024 * 1024)
        ))
    };
    let mut csrf = None;
    let mut file = None;
    while let Some(field) = mp.next_field().await.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            too_large()
        } else {
            PageError::bad_request(&format!("上传内容无法读取：{e}"))
        }
    })? {
        match field.name() {
            Some("_csrf") => csrf = field.text().await.ok(),
            Some("file") => {
                let name = field.file_name().unwrap_or("").to_string();
                let bytes = field.bytes().await.map_err(|e| {
                    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                        too_large()
                    } else {
                        PageError::bad_request(&format!("上传内容无法读取：{e}"))
                    }
                })?;
                file = Some((name, bytes.to_vec()));
            }
            _ => {}
        }
    }
    if checked.is_none()
        && !csrf
            .as_ref()
            .is_some_and(|c| constant_time_eq(c.as_bytes(), user.csrf.as_bytes()))
    {
        return Err(PageError::new(
            StatusCode::FORBIDDEN,
            "页面已过期",
            "表单已过期或来源不明，请刷新页面后重试。",
        ));
    }
    let (name, bytes) = file.ok_or_else(|| PageError::bad_request("请选择要上传的附件"))?;
    appeals_files::attach(&state.store, &actor(&user), id, &name, bytes, unix_now())
        .await
        .map_err(page_err)?;
    Ok(Redirect::to(&format!("/appeals/{id}#files")).into_response())
}

/// GET /appeals/{id}/attachments/{seq} — the file, as a download.
pub async fn get(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((id, seq)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let id: i64 = id.trim().parse().map_err(|_| PageError::not_found())?;
    let seq: i64 = seq.trim().parse().map_err(|_| PageError::not_found())?;
    let (info, bytes) = appeals_files::file(&state.store, &actor(&user), id, seq)
        .await
        .map_err(page_err)?;
    // never rendered by the browser (a file is whatever its sender made it): always a download
    Ok(download(bytes, "application/octet-stream", &info.name))
}
