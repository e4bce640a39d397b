//! Attachments of appeals (附件): who may add a file, which files, how large, and reading them
//! back in the actor's scope.
//!
//! A file is added by someone who may act on the appeal (the firm itself, the park, the
//! department handling it, a zone administrator — not a read-only analyst), while the appeal is
//! not yet 办结; at most [`MAX_FILES`] files of at most [`MAX_FILE_BYTES`] each, of the types in
//! [`KINDS`]. Files are never removed. Reads answer "诉求不存在" for an appeal outside the scope,
//! like the appeal itself.
use crate::appeals::{Actor, AppealError};
use gaoxin_store::{Attached, AttachmentInfo, NewAttachment, Store};

/// The largest file accepted (10 MiB).
pub const MAX_FILE_BYTES: usize = 10 * 1024 * 1024;
/// The most files one appeal holds.
pub const MAX_FILES: i64 = 5;
/// Accepted file types: extension → the media type served back.
pub const KINDS: &[(&str, &str)] = &[
    ("pdf", "application/pdf"),
    ("jpg", "image/jpeg"),
    ("jpeg", "image/jpeg"),
    ("png", "image/png"),
    ("doc", "application/msword"),
    (
        "docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ),
    ("xls", "application/vnd.ms-excel"),
    (
        "xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ),
    ("txt", "text/plain; charset=utf-8"),
    ("zip", "application/zip"),
];

/// The file name as shown: the last path component, control characters removed, at most 100
/// characters (the extension kept); and its media type. Refuses an empty name or a type not in
/// [`KINDS`], naming the file.
pub fn clean_name(raw: &str) -> Result<(String, &'static str), AppealError> {
    let last = raw.rsplit(['/', '\\']).next().unwrap_or("");
    let name: String = last
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, '"' | '<' | '>'))
        .collect::<String>()
        .trim()
        .to_string();
    if name.is_empty() || name.starts_with('.') && !name[1..].contains('.') {
        return Err(AppealError::Invalid("附件缺少文件名".into()));
    }
    let ext = name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    let Some((_, mime)) = KINDS.iter().find(|(e, _)| *e == ext) else {
        let allowed: Vec<&str> = KINDS.iter().map(|(e, _)| *e).collect();
        return Err(AppealError::Invalid(format!(
            "附件「{name}」的类型不受支持（可上传：{}）",
            allowed.join("、")
        )));
    };
    let name = if name.chars().count() > 100 {
        let keep: String = name.chars().take(100 - ext.chars().count() - 1).collect();
        format!("{keep}.{ext}")
    } else {
        name
    };
    Ok((name, mime))
}

/// Adds a file to appeal `id`; returns its number (1, 2, …).
pub async fn attach(
    store: &Store,
    actor: &Actor,
    id: i64,
    raw_name: &str,
    bytes: Vec<u8>,
    now: i64,
) -> Result<i64, AppealError> {
    let scope = actor.scope();
    let row = store
        .appeal(&scope, id)
        .await?
        .ok_or(AppealError::NotFound)?;
    if actor.capacities(&row).is_empty() {
        return Err(AppealError::Refused(
            "您只能查看此诉求，不能添加附件".into(),
        ));
    }
    if row.state == "办结" {
        return Err(AppealError::Refused("诉求已办结，不能再添加附件".into()));
    }
    let (name, mime) = clean_name(raw_name)?;
    if bytes.is_empty() {
        return Err(AppealError::Invalid(format!("附件「{name}」是空文件")));
    }
    if bytes.len() > MAX_FILE_BYTES {
        return Err(AppealError::Invalid(format!(
            "附件「{name}」超过 {} MB",
            MAX_FILE_BYTES / (1024 * 1024)
        )));
    }
    let a = NewAttachment {
        appeal_id: id,
        name,
        content_type: mime.to_string(),
        bytes,
        added_by: actor.name(),
        added_at: now,
    };
    let (file_name, size) = (a.name.clone(), a.bytes.len());
    match store.add_appeal_attachment(&scope, &a, MAX_FILES).await? {
        Attached::Stored(seq) => {
            let park = store.appeal(&scope, id).await?.map(|r| r.park);
            let detail = serde_json::json!({"file": file_name, "bytes": size, "seq": seq});
            crate::audit::record(
                store,
                &actor.who(),
                "appeal.attach",
                park.as_deref(),
                &id.to_string(),
                detail,
            )
            .await?;
            Ok(seq)
        }
        Attached::NoAppeal => Err(AppealError::NotFound),
        Attached::Full => Err(AppealError::Refused(format!(
            "每件诉求最多 {MAX_FILES} 个附件"
        ))),
    }
}

/// The files of appeal `id` in the actor's scope.
pub async fn files(
    store: &Store,
    actor: &Actor,
    id: i64,
) -> Result<Vec<AttachmentInfo>, AppealError> {
    store
        .appeal_attachments(&actor.scope(), id)
        .await?
        .ok_or(AppealError::NotFound)
}

/// One file with its bytes, in the actor's scope.
pub async fn file(
    store: &Store,
    actor: &Actor,
    id: i64,
    seq: i64,
) -> Result<(AttachmentInfo, Vec<u8>), AppealError> {
    store
        .appeal_attachment(&actor.scope(), id, seq)
        .await?
        .ok_or(AppealError::NotFound)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_cleaned_and_types_checked() {
        assert_eq!(
            clean_name("C:\\docs\\营业执照.PDF").unwrap(),
            ("营业执照.PDF".to_string(), "application/pdf")
        );
        assert_eq!(clean_name("../../x/a\u{0}b.png").unwrap().0, "ab.png");
        assert!(clean_name("run.exe").is_err());
        assert!(clean_name("noext").is_err());
        assert!(clean_name("  ").is_err());
        assert!(clean_name(".pdf").is_err());
        let long = format!("{}.docx", "长".repeat(150));
        let (n, _) = clean_name(&long).unwrap();
        assert_eq!(n.chars().count(), 100);
        assert!(n.ends_with(".docx"));
    }
}
