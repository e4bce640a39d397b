//! `gaoxin backup --out FILE` and `gaoxin restore FILE`.
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
}

#[derive(Args)]
pub struct RestoreArgs {
    /// A file written by `gaoxin backup`.
    pub file: PathBuf,
}

pub async fn backup(url: &str, a: BackupArgs) -> Res {
    let store = Store::open(url).await?;
    let mut partial = a.out.clone().into_os_string();
    partial.push(".partial");
    let partial = PathBuf::from(partial);
    let written = async {
        let mut f = std::fs::File::create(&partial)
            .map_err(|e| format!("无法创建备份文件 {}：{e}", partial.display()))?;
        let s = store.backup(&mut f).await?;
        f.sync_all()
            .map_err(|e| format!("无法写入备份文件 {}：{e}", partial.display()))?;
        std::fs::rename(&partial, &a.out)
            .map_err(|e| format!("无法写入备份文件 {}：{e}", a.out.display()))?;
        Ok::<_, Box<dyn std::error::Error>>(s)
    }
    .await;
    store.close().await;
    let s = match written {
        Ok(s) => s,
        Err(e) => {
            let _ = std::fs::remove_file(&partial);
            return Err(e);
        }
    };
    println!(
        "已备份：{}（数据库结构版本 {}，{} 张表，共 {} 行）",
        a.out.display(),
        s.schema,
        s.tables.len(),
        s.rows()
    );
    for (t, n) in &s.tables {
        println!("  {t}\t{n}");
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn restore(url: &str, a: RestoreArgs) -> Res {
    let store = Store::open(url).await?;
    let res = store.restore(&a.file).await;
    store.close().await;
    let s = res?;
    println!(
        "已恢复：{} → {url}（数据库结构版本 {}，{} 张表，共 {} 行）",
        a.file.display(),
        s.schema,
        s.tables.len(),
        s.rows()
    );
    for (t, n) in &s.tables {
        println!("  {t}\t{n}");
    }
    Ok(ExitCode::SUCCESS)
}
