//! A SentencePiece Unigram tokenizer read from a Hugging Face `tokenizer.json` (the kind that
//! static embedding models such as model2vec's ship): NFKC normalisation (what the "Precompiled"
//! normaliser of these models does for the text we index), split on whitespace, each word
//! prefixed with the metaspace `▁`, then the most probable segmentation into vocabulary pieces
//! (Viterbi over the piece log-probabilities). A character no piece covers is the unknown token
//! and is dropped, as model2vec does when it pools.
//!
//! Pieces are kept in a character trie (one hash lookup per step), so a segmentation costs a few
//! lookups per character: a million abstracts are tokenized in seconds, not minutes.
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// A multiplicative hasher for the trie's `(node, char)` keys (SipHash is several times slower
/// and the keys are not attacker-chosen: they come from the model file).
#[derive(Default, Clone, Copy)]
pub(crate) struct MulHasher(u64);

impl Hasher for MulHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x100_0000_01b3);
        }
    }
    fn write_u64(&mut self, x: u64) {
        self.0 = (self.0 ^ x)
            .wrapping_mul(0x9E37_79B9_7F4A_7C15)
            .rotate_left(29);
    }
}

type Fast<K, V> = HashMap<K, V, BuildHasherDefault<MulHasher>>;

const NONE: u32 = u32::MAX;

/// The tokenizer.
#[derive(Debug, Clone)]
pub struct Unigram {
    /// (node << 21 | char) → child node; node 0 is the root.
    children: Fast<u64, u32>,
    /// The piece ending at each node (`NONE` if none).
    piece_at: Vec<u32>,
    scores: Vec<f32>,
    unk_score: f64,
    lowercase: bool,
}

fn err(what: &str) -> String {
    format!("tokenizer.json：{what}")
}

fn mentions(v: &serde_json::Value, ty: &str) -> bool {
    match v {
        serde_json::Value::Object(m) => {
            m.get("type").and_then(|t| t.as_str()) == Some(ty)
                || m.values().any(|x| mentions(x, ty))
        }
        serde_json::Value::Array(a) => a.iter().any(|x| mentions(x, ty)),
        _ => false,
    }
}

impl Unigram {
    /// Reads a `tokenizer.json` whose model is Unigram with a whitespace + metaspace
    /// pre-tokenizer; anything else is refused with what was found.
    pub fn from_json(text: &str) -> Result<Unigram, String> {
        let v: serde_json::Value =
            serde_json::from_str(text).map_err(|e| err(&format!("不是有效的 JSON（{e}）")))?;
        let model = &v["model"];
        if model["type"].as_str() != Some("Unigram") {
            return Err(err(&format!(
                "只支持 Unigram 分词模型，文件中是 {}",
                model["type"]
            )));
        }
        if !mentions(&v["pre_tokenizer"], "Metaspace") {
            return Err(err("只支持 Metaspace（▁）预分词"));
        }
        let vocab = model["vocab"]
            .as_array()
            .ok_or_else(|| err("缺少 model.vocab"))?;
        let mut u = Unigram {
            children: Fast::default(),
            piece_at: vec![NONE],
            scores: Vec::with_capacity(vocab.len()),
            unk_score: 0.0,
            lowercase: mentions(&v["normalizer"], "Lowercase"),
        };
        let mut min = 0.0f64;
        for (id, e) in vocab.iter().enumerate() {
            let (Some(p), Some(s)) = (e[0].as_str(), e[1].as_f64()) else {
                return Err(err(&format!(
                    "model.vocab 第 {} 项不是 [词片, 分数]",
                    id + 1
                )));
            };
            u.scores.push(s as f32);
            min = min.min(s);
            if p.is_empty() {
                continue;
            }
            let mut node = 0u32;
            for c in p.chars() {
                let key = (u64::from(node) << 21) | u64::from(c as u32);
                node = match u.children.get(&key) {
                    Some(&n) => n,
                    None => {
                        let n = u.piece_at.len() as u32;
                        u.piece_at.push(NONE);
                        u.children.insert(key, n);
                        n
                    }
                };
            }
            // the first of repeated pieces wins, as in the reference implementation
            if u.piece_at[node as usize] == NONE {
                u.piece_at[node as usize] = id as u32;
            }
        }
        if u.scores.is_empty() {
            return Err(err("词表为空"));
        }
        u.unk_score = min - 10.0;
        Ok(u)
    }

    /// The number of pieces.
    pub fn vocab_size(&self) -> usize {
        self.scores.len()
    }

    fn child(&self, node: u32, c: char) -> Option<u32> {
        self.children
            .get(&((u64::from(node) << 21) | u64::from(c as u32)))
            .copied()
    }

    /// The piece ids of `text` (unknown characters dropped), appended to `out`.
    pub fn encode_into(&self, text: &str, out: &mut Vec<u32>) {
        let norm: String = unicode_normalization::UnicodeNormalization::nfkc(text).collect();
        let norm = if self.lowercase {
            norm.to_lowercase()
        } else {
            norm
        };
        let mut chars: Vec<char> = Vec::new();
        let mut best: Vec<(f64, u32, u32)> = Vec::new();
        for word in norm.split_whitespace() {
            chars.clear();
            chars.push('▁');
            chars.extend(word.chars());
            self.viterbi(&chars, &mut best, out);
        }
    }

    /// The piece ids of `text`.
    pub fn encode(&self, text: &str) -> Vec<u32> {
        let mut out = Vec::new();
        self.encode_into(text, &mut out);
        out
    }

    /// Best segmentation of `chars`: `best[i]` = (score of the best path to i, start of its last
    /// piece, the piece or NONE for an unknown character).
    fn viterbi(&self, chars: &[char], best: &mut Vec<(f64, u32, u32)>, out: &mut Vec<u32>) {
        let n = chars.len();
        best.clear();
        best.resize(n + 1, (f64::NEG_INFINITY, 0, NONE));
        best[0].0 = 0.0;
        for i in 0..n {
            let here = best[i].0;
            if here == f64::NEG_INFINITY {
                continue;
            }
            let mut node = 0u32;
            let mut single = false;
            for (j, &c) in chars[i..].iter().enumerate() {
                let Some(next) = self.child(node, c) else {
                    break;
                };
                node = next;
                let p = self.piece_at[node as usize];
                if p != NONE {
                    single |= j == 0;
                    let s = here + f64::from(self.scores[p as usize]);
                    if s > best[i + j + 1].0 {
                        best[i + j + 1] = (s, i as u32, p);
                    }
                }
            }
            if !single {
                let s = here + self.unk_score;
                if s > best[i + 1].0 {
                    best[i + 1] = (s, i as u32, NONE);
                }
            }
        }
        let start = out.len();
        let mut j = n;
        while j > 0 {
            let (_, i, p) = best[j];
            if p != NONE {
                out.push(p);
            }
            j = i as usize;
        }
        out[start..].reverse();
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A small tokenizer in the format of the real one (pieces with log-probabilities).
    pub(crate) fn tiny_json() -> String {
        let vocab = [
            ("<pad>", 0.0),
            ("<unk>", 0.0),
            ("▁", -3.0),
            ("电", -8.0),
            ("池", -8.0),
            ("电池", -6.0),
            ("锂", -7.0),
            ("锂电", -9.0),
            ("安全", -6.5),
            ("安", -8.0),
            ("全", -8.0),
            ("▁SiC", -7.0),
            ("S", -9.0),
            ("i", -9.0),
            ("C", -9.0),
        ];
        let v: Vec<serde_json::Value> = vocab
            .iter()
            .map(|(p, s)| serde_json::json!([p, s]))
            .collect();
        serde_json::json!({
            "normalizer": {"type": "Precompiled", "precompiled_charsmap": ""},
            "pre_tokenizer": {"type": "Sequence", "pretokenizers": [
                {"type": "WhitespaceSplit"},
                {"type": "Metaspace", "replacement": "▁", "prepend_scheme": "always", "split": true}]},
            "model": {"type": "Unigram", "unk_id": 1, "vocab": v}
        })
        .to_string()
    }

    #[test]
    fn most_probable_segmentation_with_metaspace_and_nfkc() {
        let u = Unigram::from_json(&tiny_json()).unwrap();
        // 锂电池: 锂 + 电池 (-7 - 6 = -13) beats 锂电 + 池 (-9 - 8 = -17)
        assert_eq!(u.encode("锂电池"), vec![2, 6, 5]);
        // full-width ＳｉＣ is read as SiC (NFKC), the whole piece ▁SiC beats ▁ + S + i + C
        assert_eq!(u.encode("ＳｉＣ 安全"), vec![11, 2, 8]);
        // an unknown character is dropped, the rest kept
        assert_eq!(u.encode("电X池"), vec![2, 3, 4]);
        assert!(u.encode("   ").is_empty());
    }

    #[test]
    fn other_tokenizers_are_refused_with_what_was_found() {
        let e = Unigram::from_json(r#"{"model": {"type": "WordPiece", "vocab": {}}}"#).unwrap_err();
        assert!(e.contains("WordPiece"), "{e}");
        assert!(Unigram::from_json("{").unwrap_err().contains("JSON"));
    }
}
