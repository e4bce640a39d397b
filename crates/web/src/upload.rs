//! Imports from the browser and the API, run as background jobs.
//!
//! An upload (multipart field `file`; optional `accept_warnings` = `1`/`on` to accept the
//! warnings of a file seen before) becomes a job that runs [`gaoxin_ingest::import_bytes`]
//! with the uploader's restriction (a park administrator: only rows of their park and only firms
//! stored in it or new, others are row errors; a zone administrator's file that puts a firm in
//! another park moves it, recorded with the uploader's name). The page polls the job (htmx,
//! every 0.7 s) for progress and then shows the result: the counts, the notes (units assumed,
//! park moves), every changed field (old → new), the warnings to confirm, or every error with
//! row, column and message; all downloadable as .xlsx. An import with any error, or with
//! warnings not accepted, writes nothing (ingest's all-or-nothing transaction). A successful import drops the
//! cached dashboards. Jobs are visible only to the user who started them. Their reports live in
//! memory (forgotten after an hour); each job's state, progress and summary are also kept in the
//! store's `jobs` table, so after a restart a job that was running shows as
//! 「已中断（服务重启）」 (upload the file again) and a finished one keeps its summary.
use crate::AppState;
use crate::auth::{CsrfChecked, CurrentUser, constant_time_eq};
use crate::error::{ApiError, PageError};
use crate::export::download;
use crate::render::{self, Page};
use axum::extract::{Multipart, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Json};
use gaoxin_ingest::{ImportOptions, ImportReport, Progress};
use gaoxin_store::{JobKind, JobState as Stored, unix_now};
use minijinja::context;
use serde::Serialize;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Largest accepted upload (bytes).
pub const MAX_UPLOAD: usize = 64 * 1024 * 1024;
const JOB_TTL: Duration = Duration::from_secs(3600);

pub struct Job {
    pub id: String,
    owner: String,
    file_name: String,
    created: Instant,
    state: Mutex<JobState>,
}

#[derive(Default)]
struct JobState {
    progress: Option<Progress>,
    result: Option<Result<ImportReport, String>>,
}

/// The running and finished jobs.
#[derive(Default)]
pub struct Jobs {
    map: Mutex<HashMap<String, Arc<Job>>>,
}

impl Jobs {
    fn insert(&self, owner: &str, file_name: &str) -> Arc<Job> {
        let job = Arc::new(Job {
            id: crate::auth::random_token()[..16].to_string(),
            owner: owner.into(),
            file_name: file_name.into(),
            created: Instant::now(),
            state: Mutex::new(JobState::default()),
        });
        let mut m = self.map.lock().expect("jobs lock");
        m.retain(|_, j| j.created.elapsed() < JOB_TTL);
        m.insert(job.id.clone(), job.clone());
        job
    }

    /// The job, if it exists and belongs to `user` (else `None`: a 404 either way).
    fn get(&self, id: &str, user: &CurrentUser) -> Option<Arc<Job>> {
        let m = self.map.lock().expect("jobs lock");
        m.get(id).filter(|j| j.owner == user.username).cloned()
    }
}

#[derive(Serialize, utoipa::ToSchema)]
struct ErrorView {
    row: u64,
    column: String,
    message: String,
}

fn error_views(v: &[gaoxin_ingest::RowError]) -> Vec<ErrorView> {
    v.iter()
        .map(|e| ErrorView {
            row: e.row,
            column: e.column.clone(),
            message: e.message.clone(),
        })
        .collect()
}

/// Where a job is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
enum JobStatus {
    Running,
    Done,
    Failed,
    /// The server restarted while it ran (upload the file again).
    Interrupted,
}

/// What pages and the API show of a job.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = Job)]
pub struct JobView {
    id: String,
    file_name: String,
    state: JobStatus,
    rows: u64,
    done: u64,
    total: u64,
    percent: u64,
    stage: &'static str,
    ok: bool,
    summary: Option<String>,
    error_count: u64,
    errors: Vec<ErrorView>,
    warning_count: u64,
    warnings: Vec<ErrorView>,
    /// The file has warnings that were not accepted: nothing written, re-upload to confirm.
    needs_confirmation: bool,
    /// Units assumed, park moves.
    notices: Vec<String>,
    /// Changed fields of stored firms (old → new): the first 1,000; `change_count` counts all.
    changes: Vec<gaoxin_ingest::ChangeLine>,
    change_count: u64,
    ignored_columns: Vec<String>,
    message: Option<String>,
    /// The full report is at hand (`errors.xlsx`); false for a job from before a restart.
    report: bool,
}

fn view(job: &Job) -> JobView {
    let s = job.state.lock().expect("job lock");
    let p = s.progress.unwrap_or(Progress {
        rows: 0,
        bytes: 0,
        total_bytes: 0,
        errors: 0,
    });
    let percent = (p.bytes * 100)
        .checked_div(p.total_bytes)
        .unwrap_or(0)
        .min(100);
    let mut v = JobView {
        id: job.id.clone(),
        file_name: job.file_name.clone(),
        state: JobStatus::Running,
        rows: p.rows,
        done: p.bytes,
        total: p.total_bytes,
        percent,
        stage: if p.rows == 0 {
            "正在读取文件"
        } else {
            "正在校验并写入"
        },
        ok: false,
        summary: None,
        error_count: p.errors,
        errors: vec![],
        warning_count: 0,
        warnings: vec![],
        needs_confirmation: false,
        notices: vec![],
        changes: vec![],
        change_count: 0,
        ignored_columns: vec![],
        message: None,
        report: true,
    };
    match &s.result {
        None => {}
        Some(Ok(r)) => {
            v.state = JobStatus::Done;
            v.percent = 100;
            v.stage = "完成";
            v.rows = r.rows;
            v.ok = r.ok();
            v.summary = Some(r.summary_zh());
            v.error_count = r.error_count;
            v.errors = error_views(&r.errors);
            v.warning_count = r.warning_count;
            v.warnings = error_views(&r.warnings);
            v.needs_confirmation = r.needs_confirmation;
            v.notices = r.notices.clone();
            v.changes = r.changes.clone();
            v.change_count = r.counts.map(|c| c.fields_changed).unwrap_or(0);
            v.ignored_columns = r.ignored_columns.clone();
        }
        Some(Err(m)) => {
            v.state = JobStatus::Failed;
            v.stage = "失败";
            v.message = Some(m.clone());
        }
    }
    v
}

/// The stage shown for a job interrupted by a restart.
pub const INTERRUPTED: &str = "已中断（服务重启）";

/// A job known only from the store (its report was in the memory of a server since restarted).
fn view_record(r: &gaoxin_store::JobRecord) -> JobView {
    let (state, stage, message, summary) = match r.state {
        Stored::Running => (JobStatus::Running, "正在校验并写入", None, None),
        Stored::Done => (JobStatus::Done, "完成", None, r.result.clone()),
        Stored::Failed => (JobStatus::Failed, "失败", r.result.clone(), None),
        Stored::Interrupted => (
            JobStatus::Interrupted,
            INTERRUPTED,
            Some("服务重启时此导入尚未完成，请重新上传该文件".to_string()),
            None,
        ),
    };
    JobView {
        id: r.id.clone(),
        file_name: r.subject.clone(),
        state,
        rows: 0,
        done: 0,
        total: 0,
        percent: r.percent.clamp(0, 100) as u64,
        stage,
        ok: state == JobStatus::Done,
        summary,
        error_count: 0,
        errors: vec![],
        warning_count: 0,
        warnings: vec![],
        needs_confirmation: false,
        notices: vec![],
        changes: vec![],
        change_count: 0,
        ignored_columns: vec![],
        message,
        report: false,
    }
}

/// The job `id` of `user`: from memory (with its report), else from the store.
async fn find(
    state: &AppState,
    id: &str,
    user: &CurrentUser,
) -> Result<Option<JobView>, gaoxin_store::Error> {
    if let Some(job) = state.jobs.get(id, user) {
        return Ok(Some(view(&job)));
    }
    Ok(state
        .store
        .job_of(&user.username, id)
        .await?
        .as_ref()
        .map(view_record))
}

/// Writes a running job's latest progress to the store as it changes (coalesced: a slow
/// database sees only the latest), until the sender is dropped.
pub(crate) fn progress_writer(
    store: gaoxin_store::Store,
    id: String,
) -> (
    tokio::sync::watch::Sender<(String, i64)>,
    tokio::task::JoinHandle<()>,
) {
    let (tx, mut rx) = tokio::sync::watch::channel((String::new(), 0));
    let task = tokio::spawn(async move {
        while rx.changed().await.is_ok() {
            let (stage, percent) = rx.borrow_and_update().clone();
            if let Err(e) = store.job_progress(&id, &stage, percent).await {
                tracing::warn!(job = %id, "recording job progress: {e}");
            }
        }
    });
    (tx, task)
}

/// A multipart upload: the file, the `_csrf` part if any, and whether warnings are accepted.
struct Upload {
    name: String,
    bytes: Vec<u8>,
    csrf: Option<String>,
    accept_warnings: bool,
}

/// The message for an upload over [`MAX_UPLOAD`].
fn too_large() -> String {
    format!(
        "文件太大：网页上传最大 {} MiB，未写入任何数据；更大的文件请拆分后分批上传，或请平台管理员在服务器上导入",
        MAX_UPLOAD / (1024 * 1024)
    )
}

/// Reads the multipart upload.
async fn read_upload(mut mp: Multipart) -> Result<Upload, String> {
    let mut file = None;
    let mut csrf = None;
    let mut accept_warnings = false;
    while let Some(field) = mp
        .next_field()
        .await
        .map_err(|e| format!("上传内容无法读取：{e}"))?
    {
        match field.name() {
            Some("file") => {
                let name = field.file_name().unwrap_or("upload").to_string();
                let bytes = field.bytes().await.map_err(|e| {
                    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                        too_large()
                    } else {
                        format!("上传内容无法读取：{e}")
                    }
                })?;
                file = Some((name, bytes.to_vec()));
            }
            Some("_csrf") => csrf = Some(field.text().await.map_err(|e| e.to_string())?),
            Some("accept_warnings") => {
                let v = field.text().await.map_err(|e| e.to_string())?;
                accept_warnings = matches!(v.trim(), "1" | "on" | "true" | "yes");
            }
            _ => {}
        }
    }
    let (name, bytes) = file.ok_or("请选择要导入的文件（xlsx 或 csv）")?;
    if bytes.is_empty() {
        return Err("上传的文件是空的".into());
    }
    Ok(Upload {
        name,
        bytes,
        csrf,
        accept_warnings,
    })
}

async fn start(
    state: &AppState,
    user: &CurrentUser,
    up: Upload,
) -> Result<Arc<Job>, gaoxin_store::Error> {
    let Upload {
        name,
        bytes,
        accept_warnings,
        ..
    } = up;
    let job = state.jobs.insert(&user.username, &name);
    state
        .store
        .insert_job(&job.id, JobKind::Import, &user.username, &name, unix_now())
        .await?;
    let opts = ImportOptions {
        only_park: user.role.park().cloned(),
        accept_warnings,
        actor: user.username.clone(),
        file_name: name.clone(),
        role: user.role.key().to_string(),
        job: job.id.clone(),
    };
    let (st, j) = (state.clone(), job.clone());
    tokio::spawn(async move {
        let pj = j.clone();
        let (ptx, writer) = progress_writer(st.store.clone(), j.id.clone());
        let mut on_progress = move |p: Progress| {
            pj.state.lock().expect("job lock").progress = Some(p);
            let v = view(&pj);
            ptx.send_replace((v.stage.to_string(), v.percent as i64));
        };
        let result = match st.config.import_limits {
            Some(l) => {
                gaoxin_ingest::import_bytes_with(
                    &st.store,
                    &st.zone,
                    bytes,
                    &opts,
                    &l,
                    &mut on_progress,
                )
                .await
            }
            None => {
                gaoxin_ingest::import_bytes(&st.store, &st.zone, bytes, &opts, &mut on_progress)
                    .await
            }
        };
        drop(on_progress);
        let _ = writer.await;
        if result.as_ref().is_ok_and(|r| r.ok()) {
            gaoxin_app::clusters::invalidate_cache();
            gaoxin_app::ecosystem::invalidate_cache();
            gaoxin_app::vitality::invalidate_cache();
            crate::warm::after_import(&st);
            // real data now: the published demo accounts are disabled (not deleted)
            match gaoxin_app::accounts::retire_demo_accounts(&st.store, false).await {
                Ok(r) if !r.is_empty() => {
                    tracing::warn!(accounts = ?r, "demo accounts disabled: real data imported")
                }
                Ok(_) => {}
                Err(e) => tracing::error!(error = %e, "could not disable the demo accounts"),
            }
        }
        tracing::info!(job = %j.id, file = %j.file_name, "import finished");
        let (state, text) = match &result {
            Ok(r) => (Stored::Done, r.summary_zh()),
            Err(e) => (Stored::Failed, e.to_string()),
        };
        if let Err(e) = st.store.finish_job(&j.id, state, &text, unix_now()).await {
            tracing::warn!(job = %j.id, "recording the end of an import: {e}");
        }
        j.state.lock().expect("job lock").result = Some(result.map_err(|e| e.to_string()));
    });
    Ok(job)
}

fn job_fragment(v: &JobView) -> Response {
    render::fragment("upload_job.html", context! { job => render::ser(v) })
}

/// GET /upload — the upload form, and the user's imports interrupted by a restart.
pub async fn page(State(state): State<AppState>, user: CurrentUser) -> Result<Response, PageError> {
    Ok(upload_page(&state, &user, None).await?)
}

async fn upload_page(
    state: &AppState,
    user: &CurrentUser,
    job: Option<&JobView>,
) -> Result<Response, gaoxin_store::Error> {
    let interrupted: Vec<JobView> = state
        .store
        .jobs_of(&user.username, JobKind::Import, 5)
        .await?
        .iter()
        .filter(|r| r.state == Stored::Interrupted && job.is_none_or(|j| j.id != r.id))
        .map(view_record)
        .collect();
    let p = Page::new("数据导入", user, "/upload");
    Ok(render::page(
        "upload.html",
        &p,
        context! {
            job => job.map(render::ser),
            interrupted => render::ser(&interrupted),
            park_only => user.role.park().map(|p| p.as_str()),
        },
    ))
}

/// POST /upload — starts an import; htmx gets the job fragment, a plain form a redirect to it.
pub async fn start_page(
    State(state): State<AppState>,
    user: CurrentUser,
    checked: Option<Extension<CsrfChecked>>,
    headers: HeaderMap,
    mp: Multipart,
) -> Result<Response, PageError> {
    let up = read_upload(mp)
        .await
        .map_err(|m| PageError::bad_request(&m))?;
    if checked.is_none()
        && !up
            .csrf
            .as_ref()
            .is_some_and(|c| constant_time_eq(c.as_bytes(), user.csrf.as_bytes()))
    {
        return Err(PageError::new(
            StatusCode::FORBIDDEN,
            "页面已过期",
            "表单已过期或来源不明，请刷新页面后重试。",
        ));
    }
    let job = start(&state, &user, up)
        .await
        .map_err(PageError::internal)?;
    if headers.contains_key("hx-request") {
        Ok(job_fragment(&view(&job)))
    } else {
        Ok(Redirect::to(&format!("/upload/jobs/{}", job.id)).into_response())
    }
}

/// GET /upload/jobs/{job} — progress and result (fragment for htmx polling, else the whole page).
pub async fn job_page(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let v = find(&state, &id, &user)
        .await
        .map_err(PageError::internal)?
        .ok_or_else(PageError::not_found)?;
    if headers.contains_key("hx-request") {
        Ok(job_fragment(&v))
    } else {
        Ok(upload_page(&state, &user, Some(&v))
            .await
            .map_err(PageError::internal)?)
    }
}

/// GET /upload/jobs/{job}/errors.xlsx — the import report: errors, warnings, changes, notes.
pub async fn job_errors_xlsx(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let job = state
        .jobs
        .get(&id, &user)
        .ok_or_else(PageError::not_found)?;
    let bytes = match &job.state.lock().expect("job lock").result {
        Some(Ok(r)) => r.to_xlsx(),
        _ => return Err(PageError::not_found()),
    };
    let stem = job
        .file_name
        .rsplit_once('.')
        .map(|(a, _)| a)
        .unwrap_or(&job.file_name);
    Ok(download(
        bytes,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        &format!("{stem}-导入报告.xlsx"),
    ))
}

/// GET /upload/template.xlsx — the import template with instructions and reference lists.
pub async fn template(State(state): State<AppState>) -> Response {
    download(
        gaoxin_ingest::template_xlsx(&state.zone),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "企业年度数据导入模板.xlsx",
    )
}

/// The multipart form of `POST /api/v1/imports` (the parts `read_upload` reads).
#[derive(utoipa::ToSchema)]
#[allow(dead_code)] // the schema of the form; the parts are read one by one
struct ImportForm {
    /// The xlsx or csv file.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
    /// 1 = write even though the file has warnings.
    accept_warnings: Option<AcceptWarnings>,
}

#[derive(utoipa::ToSchema)]
#[allow(dead_code)] // a schema: the only accepted value of `accept_warnings`
enum AcceptWarnings {
    #[serde(rename = "1")]
    Yes,
}

/// POST /api/v1/imports — starts an import (CSRF header required); 202 with the job.
#[utoipa::path(post, path = "/api/v1/imports",
    summary = "上传导入文件（xlsx/csv，multipart 字段 file），后台校验并合并导入（文件中没有的列、空白单元格保留已有数据，“清空”清除）；有任何错误、或有警告而未确认（字段 accept_warnings=1）则不写入",
    params(("X-CSRF-Token" = String, Header, description = "会话的 CSRF 令牌")),
    request_body(content = inline(ImportForm), content_type = "multipart/form-data"),
    responses((status = 202, description = "导入任务", body = JobView),
        (status = 400, description = "错误", body = crate::error::ErrorBody),
        (status = 401, description = "错误", body = crate::error::ErrorBody),
        (status = 403, description = "错误", body = crate::error::ErrorBody),
        (status = 404, description = "错误", body = crate::error::ErrorBody)))]
pub async fn start_api(
    State(state): State<AppState>,
    user: CurrentUser,
    mp: Multipart,
) -> Result<Response, ApiError> {
    let up = read_upload(mp)
        .await
        .map_err(|m| ApiError::bad_request(&m))?;
    let job = start(&state, &user, up).await.map_err(ApiError::internal)?;
    Ok((StatusCode::ACCEPTED, Json(view(&job))).into_response())
}

/// GET /api/v1/imports/{job}
#[utoipa::path(get, path = "/api/v1/imports/{job}", summary = "导入任务的进度与结果（含逐行错误）",
    params(("job" = String, Path, description = "任务编号")),
    responses((status = 200, description = "导入任务", body = JobView),
        (status = 401, description = "错误", body = crate::error::ErrorBody),
        (status = 403, description = "错误", body = crate::error::ErrorBody),
        (status = 404, description = "错误", body = crate::error::ErrorBody)))]
pub async fn job_api(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> Result<Json<JobView>, ApiError> {
    let v = find(&state, &id, &user)
        .await
        .map_err(ApiError::internal)?
        .ok_or_else(ApiError::not_found)?;
    Ok(Json(v))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn progress_reaches_the_jobs_table_and_the_last_value_wins() {
        for store in gaoxin_store::testing::all().await.unwrap() {
            store
                .insert_job("p1", JobKind::Import, "alice", "a.csv", 1)
                .await
                .unwrap();
            let (tx, writer) = progress_writer(store.clone(), "p1".into());
            for pct in [10, 20, 55] {
                tx.send_replace(("正在校验并写入".into(), pct));
            }
            drop(tx);
            writer.await.unwrap();
            let j = store.job_of("alice", "p1").await.unwrap().unwrap();
            assert_eq!((j.progress.as_str(), j.percent), ("正在校验并写入", 55));
            assert_eq!(j.state, Stored::Running);
        }
    }
}
