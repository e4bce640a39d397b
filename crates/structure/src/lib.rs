//! Checks of the codebase's shape that review alone does not keep: no source file in
//! `crates/*/src` over [`MAX_FILE_LINES`] lines, no function over [`MAX_FN_LINES`] lines, and no
//! circle among the modules of one crate (module `a` uses `crate::b…` and `b` uses `crate::a…`).
//! The test `tests/structure.rs` runs them over the workspace; they read Rust as text (a small
//! lexer that skips comments, strings and char literals), so they need no parser dependency.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

pub mod lex;

/// Longest source file allowed in `crates/*/src`.
pub const MAX_FILE_LINES: usize = 1_000;
/// Longest function allowed (from its `fn` line to its closing brace, inclusive).
pub const MAX_FN_LINES: usize = 150;

/// One Rust source file of a crate.
#[derive(Debug, Clone)]
pub struct Source {
    /// Path relative to the workspace root.
    pub path: PathBuf,
    /// Module path inside the crate (`""` for lib.rs/main.rs, `plan::kernels` for `plan/kernels.rs`).
    pub module: String,
    pub text: String,
}

/// Every `.rs` file under `crate_dir/src`, with its module path.
pub fn crate_sources(root: &Path, crate_dir: &Path) -> std::io::Result<Vec<Source>> {
    let src = crate_dir.join("src");
    let mut out = Vec::new();
    let mut stack = vec![src.clone()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir)? {
            let p = entry?.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|e| e == "rs") {
                let rel = p.strip_prefix(&src).unwrap_or(&p);
                let mut parts: Vec<String> = rel
                    .with_extension("")
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect();
                if matches!(
                    parts.last().map(String::as_str),
                    Some("mod" | "lib" | "main")
                ) {
                    parts.pop();
                }
                // `src/bin/x.rs` is its own crate root.
                if parts.first().is_some_and(|p| p == "bin") {
                    continue;
                }
                out.push(Source {
                    path: p.strip_prefix(root).unwrap_or(&p).to_path_buf(),
                    module: parts.join("::"),
                    text: std::fs::read_to_string(&p)?,
                });
            }
        }
    }
    out.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(out)
}

/// A function longer than allowed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LongFn {
    pub name: String,
    /// 1-based line of the `fn` keyword.
    pub line: usize,
    pub lines: usize,
}

/// Every function in `text` with its length in lines (the line of `fn` to the line of its closing
/// brace). Declarations without a body (trait methods, `extern` items) are skipped.
pub fn function_lengths(text: &str) -> Vec<LongFn> {
    let toks = lex::tokens(text);
    let mut out = Vec::new();
    let mut i = 0;
    while i < toks.len() {
        if toks[i].text == "fn"
            && let Some(name) = toks.get(i + 1).filter(|t| t.is_ident())
        {
            // The body starts at the first `{` at nesting depth 0 of (), [] and <> before a `;`.
            let mut j = i + 2;
            let mut paren = 0i32;
            let mut body = None;
            while j < toks.len() {
                match toks[j].text.as_str() {
                    "(" | "[" => paren += 1,
                    ")" | "]" => paren -= 1,
                    ";" if paren == 0 => break,
                    "{" if paren == 0 => {
                        body = Some(j);
                        break;
                    }
                    _ => {}
                }
                j += 1;
            }
            if let Some(open) = body {
                let end = toks[lex::closing_brace(&toks, open)].line;
                out.push(LongFn {
                    name: name.text.clone(),
                    line: toks[i].line,
                    lines: end - toks[i].line + 1,
                });
            }
        }
        i += 1;
    }
    out
}

/// The modules of one crate each module refers to through `crate::…` paths outside tests
/// (`#[cfg(test)]` items and `tests.rs` files), mapped to the nearest existing module; a module's
/// own ancestors and descendants are not edges.
pub fn module_edges(sources: &[Source]) -> BTreeMap<String, BTreeSet<String>> {
    let names: BTreeSet<&str> = sources.iter().map(|s| s.module.as_str()).collect();
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for s in sources {
        if s.module.is_empty() || s.module.rsplit("::").next() == Some("tests") {
            continue;
        }
        let toks = lex::tokens(&s.text);
        let toks = lex::without_test_items(&toks);
        let mut i = 0;
        while i + 2 < toks.len() {
            if toks[i].text == "crate" && toks[i + 1].text == "::" {
                let mut path = Vec::new();
                let mut j = i + 2;
                while j < toks.len() && toks[j].is_ident() {
                    path.push(toks[j].text.as_str());
                    if toks.get(j + 1).is_some_and(|t| t.text == "::") {
                        j += 2;
                    } else {
                        break;
                    }
                }
                let target = (1..=path.len())
                    .rev()
                    .map(|k| path[..k].join("::"))
                    .find(|c| names.contains(c.as_str()));
                if let Some(t) = target {
                    let related = t == s.module
                        || s.module.starts_with(&format!("{t}::"))
                        || t.starts_with(&format!("{}::", s.module));
                    if !related {
                        edges.entry(s.module.clone()).or_default().insert(t);
                    }
                }
                i = j;
            }
            i += 1;
        }
    }
    edges
}

/// Groups of modules that refer to each other in a circle (strongly connected components of
/// more than one module), each sorted.
pub fn module_circles(edges: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    // Tarjan's algorithm, iterative over a small graph.
    struct St<'a> {
        edges: &'a BTreeMap<String, BTreeSet<String>>,
        index: BTreeMap<&'a str, usize>,
        low: BTreeMap<&'a str, usize>,
        stack: Vec<&'a str>,
        on: BTreeSet<&'a str>,
        next: usize,
        out: Vec<Vec<String>>,
    }
    fn visit<'a>(st: &mut St<'a>, v: &'a str) {
        st.index.insert(v, st.next);
        st.low.insert(v, st.next);
        st.next += 1;
        st.stack.push(v);
        st.on.insert(v);
        if let Some(ws) = st.edges.get(v) {
            for w in ws {
                let w = w.as_str();
                if !st.index.contains_key(w) {
                    visit(st, w);
                    let lw = st.low[w];
                    let lv = st.low.get_mut(v).expect("visited");
                    *lv = (*lv).min(lw);
                } else if st.on.contains(w) {
                    let iw = st.index[w];
                    let lv = st.low.get_mut(v).expect("visited");
                    *lv = (*lv).min(iw);
                }
            }
        }
        if st.low[v] == st.index[v] {
            let mut comp = Vec::new();
            while let Some(w) = st.stack.pop() {
                st.on.remove(w);
                comp.push(w.to_string());
                if w == v {
                    break;
                }
            }
            if comp.len() > 1 {
                comp.sort();
                st.out.push(comp);
            }
        }
    }
    let mut st = St {
        edges,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on: BTreeSet::new(),
        next: 0,
        out: Vec::new(),
    };
    let nodes: BTreeSet<&str> = edges
        .iter()
        .flat_map(|(a, bs)| std::iter::once(a.as_str()).chain(bs.iter().map(String::as_str)))
        .collect();
    for v in nodes {
        if !st.index.contains_key(v) {
            visit(&mut st, v);
        }
    }
    st.out.sort();
    st.out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_skip_braces_in_strings_comments_and_chars() {
        let text = "fn a() {\n    let s = \"}\"; // }\n    let c = '}';\n    let r = r#\"{\"#;\n    /* } */\n}\n\ntrait T {\n    fn decl(&self);\n}\nfn b<'a>(x: &'a str) -> &'a str {\n    x\n}\n";
        let f = function_lengths(text);
        assert_eq!(
            f,
            vec![
                LongFn {
                    name: "a".into(),
                    line: 1,
                    lines: 6
                },
                LongFn {
                    name: "b".into(),
                    line: 11,
                    lines: 3
                },
            ]
        );
    }

    fn src(module: &str, text: &str) -> Source {
        Source {
            path: PathBuf::from(format!("{module}.rs")),
            module: module.into(),
            text: text.into(),
        }
    }

    #[test]
    fn circles_are_found_and_tests_and_comments_do_not_count() {
        let s = vec![
            src("a", "use crate::b::X;\n"),
            src(
                "b",
                "// crate::a\nuse crate::c;\n#[cfg(test)]\nmod tests { use crate::a; }\n",
            ),
            src("c", "fn f() { crate::a::g() }\n"),
            src("d", "/// [`crate::a`]\nuse crate::a;\n"),
        ];
        let e = module_edges(&s);
        assert_eq!(
            module_circles(&e),
            vec![vec!["a".to_string(), "b".into(), "c".into()]]
        );
        let s = vec![
            src("a", "use crate::b::X;\n"),
            src("b", "use crate::a::Y;\n"),
        ];
        assert_eq!(module_circles(&module_edges(&s)).len(), 1);
        let s = vec![src("a", "use crate::b::X;\n"), src("b", "use super::Y;\n")];
        assert!(module_circles(&module_edges(&s)).is_empty());
    }

    #[test]
    fn parent_and_child_modules_are_not_circles() {
        let s = vec![
            src("plan", "use crate::plan::ir::Node;\n"),
            src("plan::ir", "use crate::plan::Plan;\n"),
        ];
        assert!(module_circles(&module_edges(&s)).is_empty());
    }
}
