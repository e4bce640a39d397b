//! A small Rust lexer: enough to find items, braces and paths. Comments (doc comments
//! included), string, byte-string, raw-string and char literals become single tokens or vanish,
//! so a brace or a `crate::` inside them is never counted.

/// One token with the 1-based line it starts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    pub text: String,
    pub line: usize,
}

impl Token {
    /// An identifier or keyword.
    pub fn is_ident(&self) -> bool {
        self.text
            .chars()
            .next()
            .is_some_and(|c| c == '_' || c.is_alphabetic())
    }
}

/// Tokens of `text`; comments are dropped, literals are kept as one token `"…"`.
pub fn tokens(text: &str) -> Vec<Token> {
    let c: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    let mut line = 1;
    let bump = |s: &[char], from: usize, to: usize, line: &mut usize| {
        *line += s[from..to.min(s.len())]
            .iter()
            .filter(|x| **x == '\n')
            .count();
    };
    while i < c.len() {
        let ch = c[i];
        let next = c.get(i + 1).copied();
        if ch == '\n' {
            line += 1;
            i += 1;
        } else if ch.is_whitespace() {
            i += 1;
        } else if ch == '/' && next == Some('/') {
            while i < c.len() && c[i] != '\n' {
                i += 1;
            }
        } else if ch == '/' && next == Some('*') {
            let start = i;
            let mut depth = 0;
            while i < c.len() {
                if c[i] == '/' && c.get(i + 1) == Some(&'*') {
                    depth += 1;
                    i += 2;
                } else if c[i] == '*' && c.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
            bump(&c, start, i, &mut line);
        } else if let Some(end) = raw_string_end(&c, i) {
            out.push(Token {
                text: "\"…\"".into(),
                line,
            });
            bump(&c, i, end, &mut line);
            i = end;
        } else if ch == '"' || (ch == 'b' && next == Some('"')) {
            let start = i;
            i += if ch == 'b' { 2 } else { 1 };
            while i < c.len() && c[i] != '"' {
                i += if c[i] == '\\' { 2 } else { 1 };
            }
            i += 1;
            out.push(Token {
                text: "\"…\"".into(),
                line,
            });
            bump(&c, start, i, &mut line);
        } else if ch == '\'' || (ch == 'b' && next == Some('\'')) {
            // A char literal ('x', '\n', '\u{1F600}', b'x') or a lifetime ('a).
            let q = if ch == 'b' { i + 1 } else { i };
            if c.get(q + 1) == Some(&'\\') {
                // The escaped character itself may be a quote ('\'').
                let mut j = q + 3;
                while j < c.len() && c[j] != '\'' {
                    j += 1;
                }
                out.push(Token {
                    text: "'…'".into(),
                    line,
                });
                i = j + 1;
            } else if c.get(q + 2) == Some(&'\'') {
                out.push(Token {
                    text: "'…'".into(),
                    line,
                });
                i = q + 3;
            } else {
                // A lifetime or label: the quote and the identifier after it.
                let mut j = q + 1;
                while j < c.len() && (c[j] == '_' || c[j].is_alphanumeric()) {
                    j += 1;
                }
                out.push(Token {
                    text: c[q..j].iter().collect(),
                    line,
                });
                i = j;
            }
        } else if ch == '_' || ch.is_alphanumeric() {
            let mut j = i;
            while j < c.len() && (c[j] == '_' || c[j].is_alphanumeric()) {
                j += 1;
            }
            out.push(Token {
                text: c[i..j].iter().collect(),
                line,
            });
            i = j;
        } else if ch == ':' && next == Some(':') {
            out.push(Token {
                text: "::".into(),
                line,
            });
            i += 2;
        } else {
            out.push(Token {
                text: ch.to_string(),
                line,
            });
            i += 1;
        }
    }
    out
}

/// Where a raw string starting at `i` (`r"…"`, `r#"…"#`, `br#"…"#`) ends, if one starts there.
fn raw_string_end(c: &[char], i: usize) -> Option<usize> {
    let mut j = i;
    if c.get(j) == Some(&'b') {
        j += 1;
    }
    if c.get(j) != Some(&'r') {
        return None;
    }
    // Not the tail of an identifier such as `bar"`.
    if i > 0 && (c[i - 1] == '_' || c[i - 1].is_alphanumeric()) {
        return None;
    }
    j += 1;
    let mut hashes = 0;
    while c.get(j) == Some(&'#') {
        hashes += 1;
        j += 1;
    }
    if c.get(j) != Some(&'"') {
        return None;
    }
    j += 1;
    while j < c.len() {
        if c[j] == '"' && (1..=hashes).all(|k| c.get(j + k) == Some(&'#')) {
            return Some(j + 1 + hashes);
        }
        j += 1;
    }
    Some(c.len())
}

/// The index of the `}` closing the `{` at `open` (or the last token if it is never closed).
pub fn closing_brace(toks: &[Token], open: usize) -> usize {
    let mut depth = 0i32;
    for (k, t) in toks.iter().enumerate().skip(open) {
        match t.text.as_str() {
            "{" => depth += 1,
            "}" => {
                depth -= 1;
                if depth == 0 {
                    return k;
                }
            }
            _ => {}
        }
    }
    toks.len().saturating_sub(1)
}

/// `toks` without the items marked `#[cfg(test)]` (a test module, a test-only function or use).
pub fn without_test_items(toks: &[Token]) -> Vec<Token> {
    let is_cfg_test = |i: usize| {
        let w: Vec<&str> = toks[i..(i + 7).min(toks.len())]
            .iter()
            .map(|t| t.text.as_str())
            .collect();
        w == ["#", "[", "cfg", "(", "test", ")", "]"]
    };
    let mut out = Vec::new();
    let mut i = 0;
    while i < toks.len() {
        if !is_cfg_test(i) {
            out.push(toks[i].clone());
            i += 1;
            continue;
        }
        // Skip the attribute, then the item: up to a `;` at depth 0 or a balanced `{…}`.
        i += 7;
        let mut depth = 0i32;
        while i < toks.len() {
            match toks[i].text.as_str() {
                "(" | "[" => depth += 1,
                ")" | "]" => depth -= 1,
                ";" if depth == 0 => {
                    i += 1;
                    break;
                }
                "{" if depth == 0 => {
                    i = closing_brace(toks, i) + 1;
                    break;
                }
                _ => {}
            }
            i += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(s: &str) -> Vec<String> {
        tokens(s).into_iter().map(|t| t.text).collect()
    }

    #[test]
    fn literals_and_comments() {
        assert_eq!(
            texts("a::b /* { /* } */ */ \"x{\" r##\"}\"#\"## 'c' '\\'' b'{' 'a x // }\n}"),
            vec![
                "a", "::", "b", "\"…\"", "\"…\"", "'…'", "'…'", "'…'", "'a", "x", "}"
            ]
        );
        let t = tokens("\"a\nb\"\nx");
        assert_eq!(t[1].line, 3);
    }

    #[test]
    fn test_items_are_removed() {
        let t =
            tokens("use a;\n#[cfg(test)]\nuse b;\n#[cfg(test)]\nmod t { fn x() { } }\nfn y() {}");
        let kept: Vec<String> = without_test_items(&t).into_iter().map(|t| t.text).collect();
        assert_eq!(kept, vec!["use", "a", ";", "fn", "y", "(", ")", "{", "}"]);
    }
}
