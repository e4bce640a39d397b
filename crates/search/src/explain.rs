//! Why a document matched a query: the terms they share, highlighted in both texts, and the fields
//! of the document holding them.
use crate::segment::Segmenter;

/// A match explained.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Explanation {
    /// Shared terms, longest first.
    pub shared: Vec<String>,
    /// The document's fields holding a shared term (名称 / 关键词 / 摘要 …), in the order given.
    pub fields: Vec<String>,
    /// The query with shared terms marked 【…】.
    pub query_marked: String,
    /// Each field's text with shared terms marked 【…】 (only fields holding one).
    pub doc_marked: Vec<(String, String)>,
}

/// Marks every occurrence of `terms` in `text` with 【…】 (longest terms first; overlapping
/// occurrences merged).
pub fn highlight(seg: &Segmenter, text: &str, terms: &[String]) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut on = vec![false; chars.len()];
    for t in seg.tokens(text) {
        if terms.contains(&t.text) {
            on[t.start..t.end].iter_mut().for_each(|x| *x = true);
        }
    }
    let mut out = String::new();
    for (i, c) in chars.iter().enumerate() {
        if on[i] && (i == 0 || !on[i - 1]) {
            out.push('【');
        }
        out.push(*c);
        if on[i] && (i + 1 == chars.len() || !on[i + 1]) {
            out.push('】');
        }
    }
    out
}

/// Explains why the document with `fields` (name, text) matched `query`.
pub fn explain(seg: &Segmenter, query: &str, fields: &[(&str, &str)]) -> Explanation {
    let q: Vec<String> = seg.words(query);
    let mut shared: Vec<String> = Vec::new();
    let mut in_fields = Vec::new();
    let mut marked = Vec::new();
    for (name, text) in fields {
        let words = seg.words(text);
        let here: Vec<String> = q.iter().filter(|w| words.contains(w)).cloned().collect();
        if here.is_empty() {
            continue;
        }
        in_fields.push(name.to_string());
        marked.push((name.to_string(), highlight(seg, text, &here)));
        for w in here {
            if !shared.contains(&w) {
                shared.push(w);
            }
        }
    }
    shared.sort_by(|a, b| b.chars().count().cmp(&a.chars().count()).then(a.cmp(b)));
    Explanation {
        query_marked: highlight(seg, query, &shared),
        shared,
        fields: in_fields,
        doc_marked: marked,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shared_terms_marked_in_both_texts_with_their_fields() {
        let s = Segmenter::new("碳化硅\n功率器件\n", "的\n");
        let e = explain(
            &s,
            "寻找碳化硅功率器件的封装方案",
            &[("名称", "碳化硅外延片"), ("摘要", "面向功率器件的封装工艺")],
        );
        assert_eq!(e.fields, vec!["名称", "摘要"]);
        assert!(e.shared.contains(&"碳化硅".to_string()));
        assert!(e.shared.contains(&"封装".to_string()));
        assert_eq!(e.doc_marked[0].1, "【碳化硅】外延片");
        assert!(
            e.query_marked.contains("【碳化硅功率器件】"),
            "{}",
            e.query_marked
        );
        assert!(e.doc_marked[1].1.contains("【封装】"), "{:?}", e.doc_marked);
    }

    #[test]
    fn nothing_shared_nothing_marked() {
        let s = Segmenter::new("", "");
        let e = explain(&s, "储能", &[("名称", "疫苗")]);
        assert!(e.shared.is_empty() && e.fields.is_empty());
        assert_eq!(e.query_marked, "储能");
    }
}
