//! Chinese segmentation for matching: forward maximum matching against a domain dictionary (a data
//! file: `data/tech/dict.txt`), with words inside a long dictionary word emitted too ("search
//! mode", as jieba's `cut_for_search`: 第三代半导体 also yields 半导体), and every stretch of Chinese
//! characters that the dictionary does not cover cut into overlapping two-character words
//! (bigrams), the standard fallback of CJK retrieval. Latin letters and digits form one token per
//! run, lower-cased; full-width forms are read as half-width. Stop words (`data/tech/stopwords.txt`)
//! are matched like dictionary words and dropped, so they also break the bigram stretches.
use std::collections::{HashMap, HashSet};

/// The longest dictionary word looked for, in characters.
const MAX_WORD: usize = 12;

/// A token and where it came from in the text (character offsets, end exclusive).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    pub text: String,
    pub start: usize,
    pub end: usize,
}

/// A segmenter built from a dictionary and a stop-word list (both one entry a line; `#` comments).
#[derive(Debug, Clone, Default)]
pub struct Segmenter {
    /// Word → is it a stop word.
    words: HashMap<String, bool>,
    /// Single characters that are stop words (they break bigram stretches).
    stop_chars: HashSet<char>,
    /// First characters of dictionary and stop words (most positions start none: skipped fast).
    first: HashSet<char>,
    max_len: usize,
}

fn entries(text: &str) -> impl Iterator<Item = &str> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
}

/// Full-width ASCII (U+FF01–U+FF5E) as half-width, the ideographic space as a space, lower case.
fn fold(c: char) -> char {
    let c = match c as u32 {
        0xFF01..=0xFF5E => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        0x3000 => ' ',
        _ => c,
    };
    c.to_ascii_lowercase()
}

/// Whether `c` is a Chinese character (CJK unified ideographs and extension A).
pub fn is_cjk(c: char) -> bool {
    matches!(c as u32, 0x4E00..=0x9FFF | 0x3400..=0x4DBF | 0xF900..=0xFAFF)
}

impl Segmenter {
    /// A segmenter from the dictionary's and the stop list's text.
    pub fn new(dictionary: &str, stop_words: &str) -> Segmenter {
        let mut s = Segmenter::default();
        for w in entries(dictionary) {
            let w: String = w.chars().map(fold).collect();
            s.max_len = s.max_len.max(w.chars().count().min(MAX_WORD));
            s.first.extend(w.chars().next());
            s.words.entry(w).or_insert(false);
        }
        for w in entries(stop_words) {
            let w: String = w.chars().map(fold).collect();
            let mut cs = w.chars();
            if let (Some(c), None) = (cs.next(), cs.next()) {
                s.stop_chars.insert(c);
            }
            s.max_len = s.max_len.max(w.chars().count().min(MAX_WORD));
            s.first.extend(w.chars().next());
            s.words.insert(w, true);
        }
        s
    }

    /// Whether `w` is a stop word.
    pub fn is_stop(&self, w: &str) -> bool {
        self.words.get(w).copied().unwrap_or(false)
    }

    /// The tokens of `text`, in order (a token may repeat; words inside a dictionary word follow it).
    pub fn tokens(&self, text: &str) -> Vec<Token> {
        let chars: Vec<char> = text.chars().map(fold).collect();
        let mut out = Vec::new();
        let mut i = 0;
        while i < chars.len() {
            let c = chars[i];
            if c.is_ascii_alphanumeric() {
                let start = i;
                while i < chars.len() && chars[i].is_ascii_alphanumeric() {
                    i += 1;
                }
                let t: String = chars[start..i].iter().collect();
                if !self.is_stop(&t) {
                    out.push(Token {
                        text: t,
                        start,
                        end: i,
                    });
                }
            } else if is_cjk(c) {
                let start = i;
                while i < chars.len() && is_cjk(chars[i]) {
                    i += 1;
                }
                self.cjk_run(&chars, start, i, &mut out);
            } else {
                i += 1;
            }
        }
        out
    }

    /// The token texts of `text`.
    pub fn words(&self, text: &str) -> Vec<String> {
        self.tokens(text).into_iter().map(|t| t.text).collect()
    }

    /// The longest dictionary (or stop) word starting at `i` and ending by `end`: its length.
    fn longest(&self, chars: &[char], i: usize, end: usize) -> Option<usize> {
        if !self.first.contains(&chars[i]) {
            return None;
        }
        let most = self.max_len.min(end - i);
        (2..=most).rev().find(|&n| {
            let w: String = chars[i..i + n].iter().collect();
            self.words.contains_key(&w)
        })
    }

    fn cjk_run(&self, chars: &[char], start: usize, end: usize, out: &mut Vec<Token>) {
        let mut i = start;
        let mut stretch = start; // start of the uncovered stretch
        while i < end {
            if let Some(n) = self.longest(chars, i, end) {
                self.bigrams(chars, stretch, i, out);
                let w: String = chars[i..i + n].iter().collect();
                if !self.is_stop(&w) {
                    out.push(Token {
                        text: w,
                        start: i,
                        end: i + n,
                    });
                    self.inner_words(chars, i, i + n, out);
                }
                i += n;
                stretch = i;
            } else if self.stop_chars.contains(&chars[i]) {
                self.bigrams(chars, stretch, i, out);
                i += 1;
                stretch = i;
            } else {
                i += 1;
            }
        }
        self.bigrams(chars, stretch, end, out);
    }

    /// Dictionary words strictly inside the word at `a..b` (search mode).
    fn inner_words(&self, chars: &[char], a: usize, b: usize, out: &mut Vec<Token>) {
        if b - a <= 2 {
            return;
        }
        for s in a..b {
            for e in (s + 2)..=b.min(s + self.max_len) {
                if (s, e) == (a, b) {
                    continue;
                }
                let w: String = chars[s..e].iter().collect();
                if self.words.get(&w) == Some(&false) {
                    out.push(Token {
                        text: w,
                        start: s,
                        end: e,
                    });
                }
            }
        }
    }

    /// An uncovered stretch `a..b` as overlapping bigrams (one character alone when it is all).
    fn bigrams(&self, chars: &[char], a: usize, b: usize, out: &mut Vec<Token>) {
        match b.saturating_sub(a) {
            0 => {}
            1 => out.push(Token {
                text: chars[a].to_string(),
                start: a,
                end: b,
            }),
            _ => {
                for s in a..b - 1 {
                    let w: String = chars[s..s + 2].iter().collect();
                    if !self.is_stop(&w) {
                        out.push(Token {
                            text: w,
                            start: s,
                            end: s + 2,
                        });
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seg() -> Segmenter {
        Segmenter::new(
            "第三代半导体\n半导体\n揭榜挂帅\n碳化硅\n深度学习\n",
            "的\n和\n基于\n一种\n",
        )
    }

    #[test]
    fn dictionary_words_whole_and_inner() {
        let w = seg().words("第三代半导体碳化硅");
        assert_eq!(w, vec!["第三代半导体", "半导体", "碳化硅"]);
    }

    #[test]
    fn uncovered_text_as_bigrams_broken_by_stop_words() {
        let w = seg().words("基于深度学习的缺陷检测和分拣");
        assert_eq!(w, vec!["深度学习", "缺陷", "陷检", "检测", "分拣"]);
    }

    #[test]
    fn latin_runs_lower_cased_full_width_folded() {
        let w = seg().words("ＳｉＣ功率MOSFET，5G");
        assert_eq!(w, vec!["sic", "功率", "mosfet", "5g"]);
    }

    #[test]
    fn punctuation_and_stop_words_only_give_nothing() {
        assert!(seg().words("，。！？的和一种").is_empty());
        assert!(seg().words("").is_empty());
    }

    #[test]
    fn offsets_point_at_the_text() {
        let t = seg().tokens("用碳化硅");
        let tok = t.iter().find(|t| t.text == "碳化硅").unwrap();
        assert_eq!((tok.start, tok.end), (1, 4));
    }
}
