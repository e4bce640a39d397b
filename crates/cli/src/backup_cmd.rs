//! `gaoxin backup --out FILE [--native]` and `gaoxin restore FILE`.
use crate::data::Res;
use clap::Args;
use gaoxin_store::Store;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Args)]
pub struct BackupArgs {
    /// The backup file to write (written to FILE.partial first, renamed to FILE when complete).
    #[arg(long)]
    pub out: PathBuf,
    /// Write the backend's own backup instead: SQLite `VACUUM INTO` (a plain SQLite database
    /// file, checked with PRAGMA integrity_check) or PostgreSQL `pg_dump --format=custom`.
    #[arg(long)]
    pub native: bool,
}

#[derive(Args)]
pub struct RestoreArgs {
    /// A file written by `gaoxin backup` (gaoxin's format, restorable into either backend), by
    /// `gaoxin backup --native` on SQLite (a SQLite file: either backend) or on PostgreSQL (a
    /// pg_dump archive: PostgreSQL only); the format is recognised by the file's first bytes.
    pub file: PathBuf,
}

pub async fn backup(url: &str, a: BackupArgs) -> Res {
    let store = Store::open(url).await?;
    let mut partial = a.out.clone().into_os_string();
    partial.push(".partial");
    let partial = PathBuf::from(partial);
    let written = async {
        let s = if a.native {
            // VACUUM INTO refuses an existing file: a stale partial one goes first.
            let _ = std::fs::remove_file(&partial);
            store.backup_native(&partial).await?;
            None
        } else {
            let mut f = std::fs::File::create(&partial)
                .map_err(|e| format!("无法创建备份文件 {}：{e}", partial.display()))?;
            let s = store.backup(&mut f).await?;
            f.sync_all()
                .map_err(|e| format!("无法写入备份文件 {}：{e}", partial.display()))?;
            Some(s)
        };
        std::fs::rename(&partial, &a.out)
            .map_err(|e| format!("无法写入备份文件 {}：{e}", a.out.display()))?;
        Ok::<_, Box<dyn std::error::Error>>(s)
    }
    .await;
    store.close().await;
    let s = match written {
        Ok(Some(s)) => s,
        Ok(None) => {
            let store = Store::open(url).await?;
            let detail = serde_json::json!({"file": a.out.display().to_string(), "native": true});
            crate::audit_cmd::note(&store, "backup.create", None, "database", detail).await?;
            store.close().await;
            println!("已备份（数据库自身格式）：{}", a.out.display());
            return Ok(ExitCode::SUCCESS);
        }
        Err(e) => {
            let _ = std::fs::remove_file(&partial);
            return Err(e);
        }
    };
    let store = Store::open(url).await?;
    let detail = serde_json::json!({"file": a.out.display().to_string(), "rows": s.rows()});
    crate::audit_cmd::note(&store, "backup.create", None, "database", detail).await?;
    store.close().await;
    print_summary(&format!("已备份：{}", a.out.display()), &s);
    Ok(ExitCode::SUCCESS)
}

/// `head` and the schema version, table count and rows, then each table's rows.
fn print_summary(head: &str, s: &gaoxin_store::BackupSummary) {
    println!(
        "{head}（数据库结构版本 {}，{} 张表，共 {} 行）",
        s.schema,
        s.tables.len(),
        s.rows()
    );
    for (t, n) in &s.tables {
        println!("  {t}\t{n}");
    }
}

pub async fn restore(url: &str, a: RestoreArgs) -> Res {
    let store = Store::open(url).await?;
    let res = store.restore_file(&a.file).await;
    if let Ok(s) = &res {
        let detail = serde_json::json!({"file": a.file.display().to_string(), "rows": s.rows()});
        crate::audit_cmd::note(&store, "backup.restore", None, "database", detail).await?;
    }
    store.close().await;
    let s = res?;
    print_summary(
        &format!(
            "已恢复：{} → {}",
            a.file.display(),
            gaoxin_store::masked_url(url)
        ),
        &s,
    );
    Ok(ExitCode::SUCCESS)
}
