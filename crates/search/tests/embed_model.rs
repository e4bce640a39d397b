//! The Rust reading of the shipped embedding model gives the vectors the package's own encoder
//! gives. `embed_reference.jsonl` was written once with the package `tokenlearn-static-model`
//! 0.1.1 (`static_model.get_embeddings(text)`, 6 decimals) — texts with Chinese, full-width
//! letters, punctuation and English. Needs the model files (`scripts/fetch-embeddings`, which
//! .ci/run calls); without them the test says so and checks nothing else.
use gaoxin_search::{StaticModel, cosine};
use std::path::PathBuf;

fn model_dir() -> PathBuf {
    std::env::var_os("GAOXIN_EMBEDDINGS")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../../data/embeddings/tokenlearn-static-model"
            ))
        })
}

#[test]
fn same_vectors_as_the_packages_encoder() {
    let dir = model_dir();
    if !dir.join("model.safetensors").exists() {
        eprintln!(
            "no embedding model in {} (scripts/fetch-embeddings): not checked",
            dir.display()
        );
        return;
    }
    let m = StaticModel::load(&dir).unwrap();
    assert_eq!(m.dim(), 64);
    let refs = include_str!("embed_reference.jsonl");
    let mut n = 0;
    for line in refs.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        let text = v["text"].as_str().unwrap();
        let want: Vec<f32> = v["vector"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_f64().unwrap() as f32)
            .collect();
        let got = m.embed(text).unwrap();
        let c = cosine(&got, &want);
        assert!(c > 0.9999, "{text}: cosine {c} with the package's vector");
        let max = got
            .iter()
            .zip(&want)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0f32, f32::max);
        assert!(max < 1e-4, "{text}: largest difference {max}");
        n += 1;
    }
    assert_eq!(n, 6);
    // a semantic neighbour scores above an unrelated text
    let car = m.embed("电动车电机控制器").unwrap();
    let near = m.embed("新能源汽车电驱").unwrap();
    let far = m.embed("抗体药物").unwrap();
    assert!(cosine(&car, &near) > cosine(&car, &far) + 0.2);
}
