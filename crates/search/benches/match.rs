//! Quality and speed of 科技成果转化 matching, with a peer, in one run:
//! `cargo bench -p gaoxin-search --bench match` (`GAOXIN_BENCH_RESULTS=N` for another corpus size,
//! default 1,000,000; `GAOXIN_BENCH_QUERIES=Q`, default 1,000; `GAOXIN_BENCH_PEER_SPEED=0` skips the
//! peer's speed part, which takes minutes at 1,000,000).
//!
//! Quality: the labelled set `data/tech/eval/queries.jsonl` over the first 2,000 synthetic results
//! (seed 20221229; see data/tech/eval/README.md): recall@10 and MRR@10 of BM25 alone, the
//! embeddings alone, the hybrid (RRF, k = 60) and the peer, SQLite FTS5 with its trigram tokenizer
//! (the SQLite that sqlx bundles), ranked by FTS5's bm25. The embedding model is read from
//! `$GAOXIN_EMBEDDINGS`, else `data/embeddings/tokenlearn-static-model` (`scripts/fetch-embeddings`);
//! without it the run says so and reports BM25 and the peer only.
//! Speed: N synthetic results indexed by both; build time and size; p50 / p99 of Q queries (firms'
//! demand texts) for the top 10 with filters (field and TRL ≥ 4), hybrid and each retriever alone.
use gaoxin_search::synth::{self, TOPICS};
use gaoxin_search::{Attrs, Doc, Filter, HybridIndex, Mode, Query, Segmenter, StaticModel, hybrid};
use sqlx::{Connection, Row, SqliteConnection};
use std::time::Instant;

const SEED: u64 = 20_221_229;
const EVAL_CORPUS: usize = 2_000;

fn data(name: &str) -> String {
    let p = concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/tech/").to_string() + name;
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{p}: {e}"))
}

fn model() -> Option<StaticModel> {
    let dir = std::env::var_os("GAOXIN_EMBEDDINGS")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| {
            concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../../data/embeddings/tokenlearn-static-model"
            )
            .into()
        });
    match StaticModel::load(&dir) {
        Ok(m) => Some(m),
        Err(e) => {
            println!("(no embedding model: {e}; run scripts/fetch-embeddings)");
            None
        }
    }
}

fn env_usize(k: &str, d: usize) -> usize {
    std::env::var(k)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(d)
}

fn doc(s: &synth::SynthResult) -> Doc {
    Doc {
        key: s.id.clone(),
        title: s.name.clone(),
        keywords: s.keywords.clone(),
        body: format!("{} {}", s.field, s.summary),
        attrs: Attrs {
            field: s.field.clone(),
            trl: Some(s.trl),
            amount_fen: Some(s.price_wan * 1_000_000),
            ..Attrs::default()
        },
    }
}

/// The FTS5 trigram MATCH expression of a query: every 3-character window of each run of
/// letters/ideographs, OR-ed (the trigram tokenizer cannot match anything shorter).
fn fts_expr(q: &str) -> Option<String> {
    let mut grams: Vec<String> = Vec::new();
    for run in q.split(|c: char| !(c.is_alphanumeric())) {
        let cs: Vec<char> = run.chars().collect();
        for w in cs.windows(3) {
            let g: String = w.iter().collect();
            if !grams.contains(&g) {
                grams.push(g);
            }
        }
    }
    (!grams.is_empty()).then(|| {
        grams
            .iter()
            .map(|g| format!("\"{g}\""))
            .collect::<Vec<_>>()
            .join(" OR ")
    })
}

async fn fts_build(
    path: &std::path::Path,
    n: usize,
    results: &dyn Fn(usize) -> synth::SynthResult,
) -> SqliteConnection {
    let _ = std::fs::remove_file(path);
    let mut c = SqliteConnection::connect(&format!("sqlite://{}?mode=rwc", path.display()))
        .await
        .unwrap();
    sqlx::query("PRAGMA journal_mode = OFF")
        .execute(&mut c)
        .await
        .unwrap();
    sqlx::query("PRAGMA synchronous = OFF")
        .execute(&mut c)
        .await
        .unwrap();
    sqlx::query("CREATE VIRTUAL TABLE t USING fts5(key UNINDEXED, field UNINDEXED, trl UNINDEXED, title, body, tokenize = 'trigram')")
        .execute(&mut c)
        .await
        .expect("FTS5 with the trigram tokenizer is compiled into the bundled SQLite");
    let mut tx = c.begin().await.unwrap();
    let t = Instant::now();
    for i in 0..n {
        // progress at a million rows (a killed run still says how far it got, at what rate)
        if n >= 100_000 && i > 0 && i % 100_000 == 0 {
            let s = t.elapsed().as_secs_f64();
            println!(
                "(FTS5 build: {i} rows in {s:.0} s, {:.0} rows/s, load average {})",
                i as f64 / s,
                load()
            );
        }
        let s = results(i);
        sqlx::query("INSERT INTO t (key, field, trl, title, body) VALUES (?, ?, ?, ?, ?)")
            .bind(&s.id)
            .bind(&s.field)
            .bind(i64::from(s.trl))
            .bind(format!("{} {}", s.name, s.keywords.join(" ")))
            .bind(&s.summary)
            .execute(&mut *tx)
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();
    c
}

async fn fts_search(c: &mut SqliteConnection, q: &str, filter: Option<(&str, u8)>) -> Vec<String> {
    let Some(expr) = fts_expr(q) else {
        return Vec::new();
    };
    let sql = match filter {
        Some(_) => {
            "SELECT key FROM t WHERE t MATCH ? AND field = ? AND trl >= ? ORDER BY rank LIMIT 10"
        }
        None => "SELECT key FROM t WHERE t MATCH ? ORDER BY rank LIMIT 10",
    };
    let mut qy = sqlx::query(sql).bind(expr);
    if let Some((f, t)) = filter {
        qy = qy.bind(f.to_string()).bind(i64::from(t));
    }
    qy.fetch_all(c)
        .await
        .unwrap()
        .iter()
        .map(|r| r.get::<String, _>(0))
        .collect()
}

/// This thread's CPU time in ms: on a machine shared with other builds, wall time includes the
/// waits for a core; CPU time is what the query itself costs.
fn cpu_ms() -> f64 {
    let mut t = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes the timespec it is given
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut t) };
    t.tv_sec as f64 * 1e3 + t.tv_nsec as f64 / 1e6
}

/// The machine's load average (1, 5, 15 minutes), as the figures depend on it.
fn load() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}

fn pct(v: &mut [f64], p: f64) -> f64 {
    v.sort_by(f64::total_cmp);
    v[((v.len() as f64 - 1.0) * p).round() as usize]
}

struct Labelled {
    query: String,
    relevant: Vec<String>,
}

fn quality(keys: &[Vec<String>], set: &[Labelled]) -> (f64, f64) {
    let (mut recall, mut mrr) = (0.0, 0.0);
    for (got, l) in keys.iter().zip(set) {
        let hit = got.iter().filter(|k| l.relevant.contains(k)).count();
        recall += hit as f64 / l.relevant.len().max(1) as f64;
        if let Some(r) = got.iter().position(|k| l.relevant.contains(k)) {
            mrr += 1.0 / (r + 1) as f64;
        }
    }
    (recall / set.len() as f64, mrr / set.len() as f64)
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let seg = Segmenter::new(&data("dict.txt"), &data("stopwords.txt"));
    // ---- quality on the labelled set
    let corpus: Vec<synth::SynthResult> =
        (0..EVAL_CORPUS).map(|i| synth::result(SEED, i)).collect();
    let set: Vec<Labelled> = data("eval/queries.jsonl")
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            let (s, a) = (
                v["subject"].as_str().unwrap(),
                v["application"].as_str().unwrap(),
            );
            Labelled {
                query: v["query"].as_str().unwrap().to_string(),
                relevant: corpus
                    .iter()
                    .filter(|r| r.subject == s && r.application == a)
                    .map(|r| r.id.clone())
                    .collect(),
            }
        })
        .collect();
    let model = model();
    let docs: Vec<Doc> = corpus.iter().map(doc).collect();
    let ix = HybridIndex::build(&seg, &docs, model.as_ref());
    let run = |mode: Mode| -> Vec<Vec<String>> {
        set.iter()
            .map(|l| {
                let q = Query::parse(&seg, &l.query);
                let v = model.as_ref().and_then(|m| m.embed(&q.text));
                ix.search(&q.words, v.as_deref(), &Filter::default(), 10, mode)
                    .iter()
                    .map(|h| ix.bm25.key(h.doc).to_string())
                    .collect()
            })
            .collect()
    };
    let (ours, dense, hybrid) = (run(Mode::Keywords), run(Mode::Semantic), run(Mode::Hybrid));
    let dir = std::env::temp_dir().join(format!("gx_match_bench_{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut fts = fts_build(&dir.join("eval.db"), EVAL_CORPUS, &|i| corpus[i].clone()).await;
    let mut peer = Vec::new();
    for l in &set {
        peer.push(fts_search(&mut fts, &l.query, None).await);
    }
    drop(fts);
    let rel: f64 = set.iter().map(|l| l.relevant.len() as f64).sum::<f64>() / set.len() as f64;
    println!(
        "== quality: {} labelled queries over {EVAL_CORPUS} results (mean {rel:.1} relevant each)",
        set.len()
    );
    println!("variant\trecall@10\tMRR@10");
    let (r, m) = quality(&ours, &set);
    println!("BM25 (gaoxin-search)\t{r:.3}\t{m:.3}");
    if let Some(md) = &model {
        let (r, m) = quality(&dense, &set);
        println!(
            "embeddings alone ({}, {} dims)\t{r:.3}\t{m:.3}",
            md.name,
            md.dim()
        );
        let (r, m) = quality(&hybrid, &set);
        println!(
            "hybrid (RRF k = {}, depth {})\t{r:.3}\t{m:.3}",
            gaoxin_search::RRF_K,
            gaoxin_search::RRF_DEPTH
        );
    } else {
        println!("embeddings alone\t—\t—\t(no model installed)");
        println!(
            "hybrid (RRF)\t—\t—\t(no model installed: the product runs BM25 alone and says so)"
        );
    }
    let (r, m) = quality(&peer, &set);
    println!("SQLite FTS5 trigram (peer)\t{r:.3}\t{m:.3}");

    // ---- speed at N
    let n = env_usize("GAOXIN_BENCH_RESULTS", 1_000_000);
    let nq = env_usize("GAOXIN_BENCH_QUERIES", 1_000);
    let queries: Vec<(String, usize)> = (0..nq)
        .map(|i| {
            let ti = (i * 7) % TOPICS.len();
            (synth::demand_text(SEED, i, ti).1, ti)
        })
        .collect();
    let t = Instant::now();
    let docs: Vec<Doc> = (0..n).map(|i| doc(&synth::result(SEED, i))).collect();
    let gen_s = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let bm25 = gaoxin_search::Bm25Index::build(&seg, &docs);
    let build_s = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let dense = model
        .as_ref()
        .map(|m| hybrid::embed_docs(m, &docs, hybrid::threads()));
    let embed_s = t.elapsed().as_secs_f64();
    drop(docs);
    let ix = HybridIndex::from_parts(bm25, dense);
    println!(
        "== speed: {n} results ({gen_s:.1} s to generate), {nq} queries, top 10, filters field + TRL ≥ 4"
    );
    println!("(load average before the queries: {})", load());
    println!("engine\tbuild s\tsize MB\tp50 ms\tp99 ms\tCPU p50 ms\tCPU p99 ms");
    let modes: &[(Mode, &str)] = if model.is_some() {
        &[
            (Mode::Hybrid, "hybrid (gaoxin-search)"),
            (Mode::Keywords, "  BM25 alone"),
            (Mode::Semantic, "  embeddings alone"),
        ]
    } else {
        &[(Mode::Keywords, "BM25 (gaoxin-search)")]
    };
    if let (Some(d), Some(m)) = (&ix.dense, &model)
        && d.ivf().is_some()
    {
        // how much of the exact top 100 the partition keeps (the hybrid's depth)
        let (mut kept, mut total) = (0, 0);
        for (q, _) in queries.iter().take(100) {
            let Some(v) = m.embed(q) else { continue };
            let want = d.search_exact(&v, None, 100);
            let got = d.search(&v, None, 100);
            kept += got
                .iter()
                .filter(|g| want.iter().any(|w| w.doc == g.doc))
                .count();
            total += want.len();
        }
        println!(
            "(embeddings: {} lists (largest {}), {} probed or {}% of the items; {:.3} of the exact top 100 kept over 100 queries)",
            gaoxin_search::ivf::NLIST,
            d.ivf().map_or(0, |v| v.largest()),
            gaoxin_search::ivf::NPROBE,
            gaoxin_search::ivf::PROBE_BUDGET * 100.0,
            kept as f64 / total.max(1) as f64
        );
    }
    for &(mode, label) in modes {
        let (mut lat, mut cpu) = (Vec::new(), Vec::new());
        for (q, ti) in &queries {
            let t = Instant::now();
            let c = cpu_ms();
            let q = Query::parse(&seg, q);
            let v = match mode {
                Mode::Keywords => None,
                _ => model.as_ref().and_then(|m| m.embed(&q.text)),
            };
            let f = Filter {
                field: Some(TOPICS[*ti].field.to_string()),
                trl_min: Some(4),
                ..Filter::default()
            };
            let hits = ix.search(&q.words, v.as_deref(), &f, 10, mode);
            std::hint::black_box(hits);
            lat.push(t.elapsed().as_secs_f64() * 1e3);
            cpu.push(cpu_ms() - c);
        }
        let (b, size) = match mode {
            Mode::Keywords => (build_s, ix.bm25.size_bytes()),
            Mode::Semantic => (embed_s, ix.dense.as_ref().map_or(0, |d| d.size_bytes())),
            Mode::Hybrid => (
                build_s + embed_s,
                ix.bm25.size_bytes() + ix.dense.as_ref().map_or(0, |d| d.size_bytes()),
            ),
        };
        println!(
            "{label}\t{b:.1}\t{:.0}\t{:.2}\t{:.2}\t{:.2}\t{:.2}",
            size as f64 / 1e6,
            pct(&mut lat, 0.5),
            pct(&mut lat, 0.99),
            pct(&mut cpu, 0.5),
            pct(&mut cpu, 0.99)
        );
    }
    println!("(load average after the queries: {})", load());
    drop(ix);
    if std::env::var("GAOXIN_BENCH_PEER_SPEED").is_ok_and(|v| v == "0") {
        println!("SQLite FTS5 trigram (peer)\t(speed skipped: GAOXIN_BENCH_PEER_SPEED=0)");
        let _ = std::fs::remove_dir_all(&dir);
        return;
    }
    let t = Instant::now();
    let path = dir.join("speed.db");
    let mut fts = fts_build(&path, n, &|i| synth::result(SEED, i)).await;
    let fts_build_s = t.elapsed().as_secs_f64();
    let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
    let mut lat = Vec::new();
    for (q, ti) in &queries {
        let t = Instant::now();
        let hits = fts_search(&mut fts, q, Some((TOPICS[*ti].field, 4))).await;
        std::hint::black_box(hits);
        lat.push(t.elapsed().as_secs_f64() * 1e3);
    }
    println!(
        "SQLite FTS5 trigram (peer)\t{fts_build_s:.1}\t{:.0}\t{:.2}\t{:.2}\t(runs on sqlx's worker thread: wall time only)",
        size as f64 / 1e6,
        pct(&mut lat, 0.5),
        pct(&mut lat, 0.99)
    );
    drop(fts);
    let _ = std::fs::remove_dir_all(&dir);
    println!(
        "reproduce: cargo bench -p gaoxin-search --bench match (GAOXIN_BENCH_RESULTS={n} GAOXIN_BENCH_QUERIES={nq})"
    );
}
