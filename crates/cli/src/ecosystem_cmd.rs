//! `gaoxin ecosystem [--park P] [--year Y] [--format gexf|csv] --out FILE`: the 科技创新生态图谱
//! exported for Gephi and other tools — the same `gaoxin_app::ecosystem` calls as the page.
use crate::data::Res;
use clap::Args;
use gaoxin_app::ecosystem::{self, FilterText};
use gaoxin_model::Zone;
use gaoxin_store::{Scope, Store};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Args)]
pub struct EcosystemArgs {
    /// The park's part of the graph, as its administrator sees it (other parks' firms anonymous);
    /// without it, the whole zone.
    #[arg(long)]
    park: Option<String>,
    /// The year [default: the panel's last].
    #[arg(long)]
    year: Option<i32>,
    /// gexf (GEXF 1.3, one file) or csv (nodes in FILE, edges beside it in FILE_edges.csv)
    /// [default: from the file's extension].
    #[arg(long)]
    format: Option<String>,
    /// The file to write.
    #[arg(long)]
    out: PathBuf,
}

/// Where the edges of a CSV export go: `graph.csv` → `graph_edges.csv`.
fn edges_path(out: &Path) -> PathBuf {
    let stem = out
        .file_stem()
        .map(|s| s.to_string_lossy().to_string())
        .unwrap_or_else(|| "graph".into());
    out.with_file_name(format!("{stem}_edges.csv"))
}

pub async fn ecosystem_cmd(url: &str, zone: &Zone, a: EcosystemArgs) -> Res {
    let ext = a
        .out
        .extension()
        .map(|e| e.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    let format = a.format.clone().unwrap_or(ext);
    if format != "gexf" && format != "csv" {
        return Err(format!("--format 须为 gexf 或 csv（现为「{format}」）").into());
    }
    let scope = match &a.park {
        None => Scope::Zone,
        Some(p) => Scope::Park(
            zone.park(p)
                .map(|x| x.id.clone())
                .ok_or_else(|| format!("园区「{p}」不存在"))?,
        ),
    };
    let store = Store::open(url).await?;
    let f = FilterText {
        year: a.year,
        ..Default::default()
    };
    let b = ecosystem::built(&store, zone, &scope, &f).await;
    store.close().await;
    let b = b?.ok_or("数据库中没有企业年度数据")?;
    if format == "gexf" {
        let text =
            ecosystem::export::gexf(&b.input, &b.graph, &b.measures, &ecosystem::describe(&b));
        std::fs::write(&a.out, text)?;
        eprintln!("已写入 {}", a.out.display());
    } else {
        let edges = edges_path(&a.out);
        std::fs::write(
            &a.out,
            ecosystem::export::nodes_csv(&b.input, &b.graph, &b.measures),
        )?;
        std::fs::write(&edges, ecosystem::export::edges_csv(&b.graph))?;
        eprintln!(
            "已写入 {}（节点）和 {}（关系）",
            a.out.display(),
            edges.display()
        );
    }
    let m = &b.measures;
    eprintln!(
        "{}\n主体间关联 {} 条，跨园区 {} 条；连通分量 {} 个（最大 {} 个主体）；孤立的高层级企业 {} 家",
        ecosystem::describe(&b),
        m.tie_edges,
        m.cross_park_edges,
        m.components.len(),
        m.components.first().copied().unwrap_or(0),
        m.isolated_high_tier.len()
    );
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edges_go_beside_the_nodes() {
        assert_eq!(
            edges_path(Path::new("/tmp/图谱.csv")),
            PathBuf::from("/tmp/图谱_edges.csv")
        );
    }
}
