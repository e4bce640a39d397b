//! Dense sentence embeddings from a static embedding model (model2vec's format: a token → vector
//! table, mean-pooled): `tokenizer.json` (Unigram, see [`crate::unigram`]), `model.safetensors`
//! (`embeddings` [rows, dim] as I8, F32 or F16; optionally `mapping` [vocab] I64 from token to row
//! and `weights` [vocab] F32 per token — the "vocabulary quantised" form) and `config.json`
//! (checked, not needed: vectors are always made unit length). A text's vector is the weighted
//! mean of its tokens' rows, unit length.
//!
//! Nothing here downloads: the files are read from a directory that `scripts/fetch-embeddings`
//! fills from a registry package (see ARCHITECTURE.md). Pure Rust, no inference runtime.
use crate::unigram::Unigram;
use std::path::Path;

/// A loaded static embedding model.
#[derive(Debug, Clone)]
pub struct StaticModel {
    tokenizer: Unigram,
    /// rows × dim, as f32 (a 10,000 × 64 table is 2.5 MB).
    table: Vec<f32>,
    dim: usize,
    /// token → row.
    mapping: Vec<u32>,
    /// token → weight.
    weights: Vec<f32>,
    /// What the model is (directory name), for the product's mode line.
    pub name: String,
}

struct Tensor<'a> {
    dtype: String,
    shape: Vec<usize>,
    bytes: &'a [u8],
}

fn tensors(file: &[u8]) -> Result<Vec<(String, Tensor<'_>)>, String> {
    let bad = |w: &str| format!("model.safetensors：{w}");
    if file.len() < 8 {
        return Err(bad("文件过短"));
    }
    let n = u64::from_le_bytes(file[..8].try_into().map_err(|_| bad("文件过短"))?) as usize;
    let header = file
        .get(8..8usize.saturating_add(n))
        .ok_or_else(|| bad("头部长度超出文件"))?;
    let data = &file[8 + n..];
    let v: serde_json::Value =
        serde_json::from_slice(header).map_err(|e| bad(&format!("头部不是 JSON（{e}）")))?;
    let obj = v.as_object().ok_or_else(|| bad("头部不是对象"))?;
    let mut out = Vec::new();
    for (name, t) in obj {
        if name == "__metadata__" {
            continue;
        }
        let shape: Vec<usize> = t["shape"]
            .as_array()
            .ok_or_else(|| bad(&format!("{name} 缺少 shape")))?
            .iter()
            .map(|x| x.as_u64().unwrap_or(0) as usize)
            .collect();
        let off = t["data_offsets"]
            .as_array()
            .filter(|a| a.len() == 2)
            .ok_or_else(|| bad(&format!("{name} 缺少 data_offsets")))?;
        let (a, b) = (
            off[0].as_u64().unwrap_or(u64::MAX) as usize,
            off[1].as_u64().unwrap_or(0) as usize,
        );
        let bytes = data
            .get(a..b)
            .ok_or_else(|| bad(&format!("{name} 的数据超出文件")))?;
        out.push((
            name.clone(),
            Tensor {
                dtype: t["dtype"].as_str().unwrap_or("").to_string(),
                shape,
                bytes,
            },
        ));
    }
    Ok(out)
}

fn f16_to_f32(h: u16) -> f32 {
    let sign = if h & 0x8000 != 0 { -1.0 } else { 1.0 };
    let exp = i32::from((h >> 10) & 0x1f);
    let frac = f32::from(h & 0x3ff);
    match exp {
        0 => sign * frac * 2f32.powi(-24),
        31 => sign * f32::INFINITY,
        e => sign * (1.0 + frac / 1024.0) * 2f32.powi(e - 15),
    }
}

fn floats(t: &Tensor, what: &str) -> Result<Vec<f32>, String> {
    let count: usize = t.shape.iter().product();
    let size = match t.dtype.as_str() {
        "I8" => 1,
        "F16" => 2,
        "F32" => 4,
        d => return Err(format!("model.safetensors：{what} 的类型 {d} 不支持")),
    };
    if t.bytes.len() != count * size {
        return Err(format!("model.safetensors：{what} 的长度与形状不符"));
    }
    Ok(match size {
        1 => t.bytes.iter().map(|&b| f32::from(b as i8)).collect(),
        2 => t
            .bytes
            .chunks_exact(2)
            .map(|c| f16_to_f32(u16::from_le_bytes([c[0], c[1]])))
            .collect(),
        _ => t
            .bytes
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect(),
    })
}

impl StaticModel {
    /// Reads the model in `dir` (`tokenizer.json`, `model.safetensors`, `config.json`).
    pub fn load(dir: &Path) -> Result<StaticModel, String> {
        let read = |f: &str| {
            std::fs::read(dir.join(f)).map_err(|e| format!("{}：{e}", dir.join(f).display()))
        };
        let tok = read("tokenizer.json")?;
        let st = read("model.safetensors")?;
        let cfg = read("config.json").unwrap_or_else(|_| b"{}".to_vec());
        let name = dir
            .file_name()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        StaticModel::from_parts(&String::from_utf8_lossy(&tok), &st, &cfg, &name)
    }

    /// A model from the three files' contents.
    pub fn from_parts(
        tokenizer_json: &str,
        safetensors: &[u8],
        config_json: &[u8],
        name: &str,
    ) -> Result<StaticModel, String> {
        let tokenizer = Unigram::from_json(tokenizer_json)?;
        let vocab = tokenizer.vocab_size();
        let ts = tensors(safetensors)?;
        let get = |n: &str| ts.iter().find(|(k, _)| k == n).map(|(_, t)| t);
        let emb = get("embeddings").ok_or("model.safetensors：缺少 embeddings")?;
        if emb.shape.len() != 2 || emb.shape[1] == 0 {
            return Err("model.safetensors：embeddings 应为二维 [行, 维]".into());
        }
        let (rows, dim) = (emb.shape[0], emb.shape[1]);
        let table = floats(emb, "embeddings")?;
        let mapping: Vec<u32> = match get("mapping") {
            Some(m) if m.dtype == "I64" && m.bytes.len() == vocab * 8 => m
                .bytes
                .chunks_exact(8)
                .map(|c| i64::from_le_bytes(c.try_into().unwrap_or([0; 8])) as u32)
                .collect(),
            Some(_) => return Err("model.safetensors：mapping 应为与词表等长的 I64".into()),
            None if rows == vocab => (0..vocab as u32).collect(),
            None => return Err("model.safetensors：embeddings 行数与词表不符且无 mapping".into()),
        };
        if mapping.iter().any(|&r| r as usize >= rows) {
            return Err("model.safetensors：mapping 指向不存在的行".into());
        }
        let weights = match get("weights") {
            Some(w) if w.shape.iter().product::<usize>() == vocab => floats(w, "weights")?,
            Some(_) => return Err("model.safetensors：weights 应与词表等长".into()),
            None => vec![1.0; vocab],
        };
        if !config_json.is_empty()
            && serde_json::from_slice::<serde_json::Value>(config_json).is_err()
        {
            return Err("config.json：不是有效的 JSON".into());
        }
        Ok(StaticModel {
            tokenizer,
            table,
            dim,
            mapping,
            weights,
            name: name.to_string(),
        })
    }

    /// The vectors' dimension.
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// The vector of `text`, unit length (`None` when no token of it is in the vocabulary).
    pub fn embed(&self, text: &str) -> Option<Vec<f32>> {
        let mut ids = Vec::new();
        let mut v = vec![0.0; self.dim];
        self.embed_into(text, &mut ids, &mut v).then_some(v)
    }

    /// [`embed`](Self::embed) into `v` reusing `ids`; false when no token was found.
    pub fn embed_into(&self, text: &str, ids: &mut Vec<u32>, v: &mut [f32]) -> bool {
        ids.clear();
        self.tokenizer.encode_into(text, ids);
        v.iter_mut().for_each(|x| *x = 0.0);
        if ids.is_empty() {
            return false;
        }
        for &t in ids.iter() {
            let w = self.weights[t as usize];
            let r = self.mapping[t as usize] as usize * self.dim;
            for (x, e) in v.iter_mut().zip(&self.table[r..r + self.dim]) {
                *x += w * e;
            }
        }
        let n = ids.len() as f32;
        v.iter_mut().for_each(|x| *x /= n);
        let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
        // unit length whatever config.json says: the index compares by cosine
        if norm == 0.0 {
            return false;
        }
        v.iter_mut().for_each(|x| *x /= norm);
        true
    }
}

/// The cosine of two unit vectors.
pub fn cosine(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A safetensors file holding `tensors` (name, dtype, shape, little-endian bytes).
    pub(crate) fn safetensors(tensors: &[(&str, &str, Vec<usize>, Vec<u8>)]) -> Vec<u8> {
        let mut header = serde_json::Map::new();
        let mut data = Vec::new();
        for (name, dtype, shape, bytes) in tensors {
            header.insert(
                name.to_string(),
                serde_json::json!({"dtype": dtype, "shape": shape,
                    "data_offsets": [data.len(), data.len() + bytes.len()]}),
            );
            data.extend_from_slice(bytes);
        }
        let h = serde_json::Value::Object(header).to_string();
        let mut out = (h.len() as u64).to_le_bytes().to_vec();
        out.extend_from_slice(h.as_bytes());
        out.extend(data);
        out
    }

    /// The tiny tokenizer of `unigram::tests` with a quantised table: 电/池/电池/锂 share the
    /// "battery" row, 安全/安/全 the "safety" row, the rest a third row.
    pub(crate) fn tiny_model() -> StaticModel {
        let rows: Vec<i8> = vec![100, 0, 0, 0, 100, 0, 0, 0, 100];
        let mapping: Vec<i64> = vec![2, 2, 2, 0, 0, 0, 0, 0, 1, 1, 1, 2, 2, 2, 2];
        let weights: Vec<f32> = vec![1.0; 15];
        let st = safetensors(&[
            (
                "embeddings",
                "I8",
                vec![3, 3],
                rows.iter().map(|&x| x as u8).collect(),
            ),
            (
                "mapping",
                "I64",
                vec![15],
                mapping.iter().flat_map(|x| x.to_le_bytes()).collect(),
            ),
            (
                "weights",
                "F32",
                vec![15],
                weights.iter().flat_map(|x| x.to_le_bytes()).collect(),
            ),
        ]);
        StaticModel::from_parts(
            &crate::unigram::tests::tiny_json(),
            &st,
            br#"{"normalize": true}"#,
            "tiny",
        )
        .unwrap()
    }

    #[test]
    fn weighted_mean_of_the_tokens_rows_unit_length() {
        let m = tiny_model();
        // 锂电池 → ▁ (row 2), 锂 (row 0), 电池 (row 0): mean (2/3, 0, 1/3) normalised
        let v = m.embed("锂电池").unwrap();
        let n = (4.0f32 + 1.0).sqrt();
        assert!(
            (v[0] - 2.0 / n).abs() < 1e-6 && v[1].abs() < 1e-6 && (v[2] - 1.0 / n).abs() < 1e-6
        );
        let s = m.embed("安全").unwrap();
        assert!(cosine(&v, &s) < cosine(&v, &m.embed("电池").unwrap()));
        assert!(m.embed("").is_none());
    }

    #[test]
    fn broken_files_are_refused_with_a_reason() {
        let tok = crate::unigram::tests::tiny_json();
        let e = StaticModel::from_parts(&tok, b"abc", b"{}", "x").unwrap_err();
        assert!(e.contains("过短"), "{e}");
        let st = safetensors(&[("embeddings", "F32", vec![2, 2], vec![0; 16])]);
        let e = StaticModel::from_parts(&tok, &st, b"{}", "x").unwrap_err();
        assert!(e.contains("无 mapping"), "{e}");
        let st = safetensors(&[("embeddings", "F32", vec![15, 2], vec![0; 8])]);
        let e = StaticModel::from_parts(&tok, &st, b"{}", "x").unwrap_err();
        assert!(e.contains("长度与形状不符"), "{e}");
    }

    #[test]
    fn half_floats_read() {
        assert_eq!(f16_to_f32(0x3c00), 1.0);
        assert_eq!(f16_to_f32(0xc000), -2.0);
        assert_eq!(f16_to_f32(0), 0.0);
    }
}
