//! Inline 术语说明 links: the first occurrence on a page of each term the glossary explains
//! becomes a link to its entry (`/glossary#<anchor>`), server-side, on the rendered HTML.
//!
//! Only running text inside `<main>` is looked at: text within a paragraph, list item or
//! description (`p`, `li`, `dd`), never inside headings, links, buttons, form controls and
//! labels, tables (headers, captions and cells: a table is read by its figures), navigation,
//! scripts and styles, messages (`role="alert"`, `role="status"`: they say what happened, and are
//! read as written), or an element marked `data-noterms` (the 数据截至 line, which links the
//! glossary already). At one place the longest term wins (「创新积分贷」 is not cut to
//! 「创新积分」 when both are terms). The page is otherwise returned byte for byte.
use crate::glossary::Term;

/// Elements whose text never gets a term link.
const SKIP: &[&str] = &[
    "h1", "h2", "h3", "h4", "h5", "h6", "a", "button", "select", "option", "textarea", "label",
    "table", "th", "td", "thead", "caption", "legend", "summary", "nav", "script", "style", "code",
    "svg", "title",
];

/// Elements whose text is running text.
const PROSE: &[&str] = &["p", "li", "dd"];

/// Elements without a closing tag.
const VOID: &[&str] = &[
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track",
    "wbr",
];

/// One text form to look for and the anchor it links to.
#[derive(Debug, Clone, PartialEq)]
pub struct Form {
    pub text: String,
    pub anchor: String,
}

/// The forms of every term: its main form (the term before a bracketed abbreviation:
/// 「科技型中小企业（科小）」 → 「科技型中小企业」) and its listed aliases, longest first.
pub fn forms(terms: &[Term]) -> Vec<Form> {
    let mut v: Vec<Form> = terms
        .iter()
        .flat_map(|t| {
            let anchor = t.anchor();
            std::iter::once(anchor.clone())
                .chain(t.aliases.iter().cloned())
                .filter(|f| f.chars().count() >= 2)
                .map(move |text| Form {
                    text,
                    anchor: anchor.clone(),
                })
        })
        .collect();
    v.sort_by(|a, b| b.text.len().cmp(&a.text.len()).then(a.text.cmp(&b.text)));
    v
}

/// The glossary's forms, read once (empty if the glossary file cannot be read: no links).
pub fn shipped_forms() -> &'static [Form] {
    static FORMS: std::sync::OnceLock<Vec<Form>> = std::sync::OnceLock::new();
    FORMS.get_or_init(|| {
        crate::glossary::terms()
            .map(|t| forms(&t))
            .unwrap_or_default()
    })
}

/// `html` with the first occurrence of each term's anchor linked (see the module docs).
pub fn link_terms(html: &str, forms: &[Form]) -> String {
    let (Some(start), Some(end)) = (html.find("<main"), html.rfind("</main>")) else {
        return html.to_string();
    };
    if end < start || forms.is_empty() {
        return html.to_string();
    }
    let mut out = String::with_capacity(html.len() + 1024);
    out.push_str(&html[..start]);
    link_body(&html[start..end], forms, &mut out);
    out.push_str(&html[end..]);
    out
}

/// A section loaded after its page (an htmx fragment: the firm page's 梯度 and 积分 parts) with
/// the first occurrence of each term in its running text linked, by the same rules as a page's
/// `<main>`: the section is its own unit, so a term the page linked above is linked once more in
/// the section, never twice within it.
pub fn link_fragment(html: &str, forms: &[Form]) -> String {
    if forms.is_empty() {
        return html.to_string();
    }
    let mut out = String::with_capacity(html.len() + 512);
    link_body(html, forms, &mut out);
    out
}

/// The linking pass over `body`, appended to `out`.
fn link_body(body: &str, forms: &[Form], out: &mut String) {
    let mut linked: Vec<&str> = Vec::new(); // anchors already linked on this page
    let mut stack: Vec<(String, bool)> = Vec::new();
    let mut skipping = 0usize;
    let mut prose = 0usize;
    let mut i = 0;
    while i < body.len() {
        if body.as_bytes()[i] == b'<' {
            let close = tag_end(body, i);
            let tag = &body[i..close];
            out.push_str(tag);
            let lower = tag.to_ascii_lowercase();
            if lower.starts_with("<!--") || lower.starts_with("<!") {
                // comment or doctype: copied as it is
            } else if let Some(name) = lower.strip_prefix("</") {
                let name = tag_name(name);
                if let Some(pos) = stack.iter().rposition(|(n, _)| *n == name) {
                    for (n, skip) in stack.drain(pos..) {
                        if skip {
                            skipping -= 1;
                        }
                        if PROSE.contains(&n.as_str()) {
                            prose -= 1;
                        }
                    }
                }
            } else {
                let name = tag_name(&lower[1..]);
                if !VOID.contains(&name.as_str()) && !lower.ends_with("/>") {
                    let skip = SKIP.contains(&name.as_str())
                        || lower.contains("data-noterms")
                        || lower.contains("role=\"alert\"")
                        || lower.contains("role=\"status\"");
                    if skip {
                        skipping += 1;
                    }
                    if PROSE.contains(&name.as_str()) {
                        prose += 1;
                    }
                    // Raw text elements: copy to their end without looking inside.
                    if name == "script" || name == "style" {
                        let end_tag = format!("</{name}");
                        let rest = &body[close..];
                        let stop = rest
                            .to_ascii_lowercase()
                            .find(&end_tag)
                            .map(|p| close + p)
                            .unwrap_or(body.len());
                        out.push_str(&body[close..stop]);
                        i = stop;
                        stack.push((name, skip));
                        continue;
                    }
                    stack.push((name, skip));
                }
            }
            i = close;
        } else {
            let next = body[i..].find('<').map(|p| i + p).unwrap_or(body.len());
            let text = &body[i..next];
            if skipping == 0 && prose > 0 && linked.len() < forms.len() {
                link_text(text, forms, &mut linked, out);
            } else {
                out.push_str(text);
            }
            i = next;
        }
    }
}

/// Links the first occurrence of each not yet linked term in one text node.
fn link_text<'f>(text: &str, forms: &'f [Form], linked: &mut Vec<&'f str>, out: &mut String) {
    let mut rest = text;
    loop {
        // The earliest occurrence of any unlinked form; at one place the longest (forms are
        // sorted longest first, and `min_by_key` keeps the first of equals).
        let hit = forms
            .iter()
            .filter(|f| !linked.contains(&f.anchor.as_str()))
            .filter_map(|f| rest.find(&f.text).map(|p| (p, f)))
            .min_by_key(|(p, _)| *p);
        let Some((p, f)) = hit else {
            out.push_str(rest);
            return;
        };
        out.push_str(&rest[..p]);
        out.push_str("<a class=\"term\" href=\"/glossary#");
        out.push_str(&attr_escape(&f.anchor));
        out.push_str("\">");
        out.push_str(&f.text);
        out.push_str("</a>");
        linked.push(&f.anchor);
        rest = &rest[p + f.text.len()..];
    }
}

/// The index just past the tag starting at `i` (quotes in attributes respected).
fn tag_end(s: &str, i: usize) -> usize {
    if s[i..].starts_with("<!--") {
        return s[i..].find("-->").map(|p| i + p + 3).unwrap_or(s.len());
    }
    let b = s.as_bytes();
    let mut quote: Option<u8> = None;
    let mut j = i + 1;
    while j < b.len() {
        match (quote, b[j]) {
            (None, b'"' | b'\'') => quote = Some(b[j]),
            (Some(q), c) if c == q => quote = None,
            (None, b'>') => return j + 1,
            _ => {}
        }
        j += 1;
    }
    s.len()
}

fn tag_name(after_lt: &str) -> String {
    after_lt
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric())
        .collect()
}

fn attr_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('"', "&#34;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn term(t: &str, aliases: &[&str]) -> Term {
        Term {
            term: t.into(),
            zh: "说明".into(),
            source: "来源".into(),
            aliases: aliases.iter().map(|s| s.to_string()).collect(),
        }
    }

    fn fs() -> Vec<Form> {
        forms(&[
            term("高新技术企业（高企）", &["高企"]),
            term("创新积分", &[]),
            term("创新积分贷", &[]),
            term("数据截至", &[]),
        ])
    }

    fn page(main: &str) -> String {
        format!(
            "<html><head><title>高新技术企业</title></head><body><header><a>高新技术企业</a> 高新技术企业</header><main id=\"main\">{main}</main><footer>高新技术企业</footer></body></html>"
        )
    }

    #[test]
    fn first_occurrence_in_main_text_only() {
        let html = page("<p>本年高新技术企业 120 家，高新技术企业占比上升。</p>");
        let out = link_terms(&html, &fs());
        assert_eq!(
            out,
            page(
                "<p>本年<a class=\"term\" href=\"/glossary#高新技术企业\">高新技术企业</a> 120 家，高新技术企业占比上升。</p>"
            )
        );
        // An alias links to the same entry, and only if the entry is not linked yet.
        let out = link_terms(&page("<p>高企名单</p><p>高新技术企业</p>"), &fs());
        assert!(
            out.contains("href=\"/glossary#高新技术企业\">高企</a>名单</p><p>高新技术企业</p>")
        );
    }

    #[test]
    fn never_in_headings_links_tables_controls_or_marked_elements() {
        let main = "<h1>高新技术企业</h1><nav>高企</nav><a href=\"/x\">高新技术企业</a>\
            <p class=\"asof\" data-noterms>数据截至：今天</p>\
            <table><thead><tr><th>高新技术企业</th></tr></thead><tbody><tr><td class=\"n\">高企</td>\
            <td class=\"name\">创新积分</td></tr></tbody></table>\
            <select><option>数据截至</option></select><script>var s = \"<b>高企</b>\";</script>\
            <p class=\"warn\" role=\"status\">规则已更新：高新技术企业</p>\
            <div>创新积分</div><p>说明：<small>高企</small></p>";
        let out = link_terms(&page(main), &fs());
        assert_eq!(out.matches("class=\"term\"").count(), 1, "{out}");
        assert!(out.contains("<td class=\"name\">创新积分</td>"));
        assert!(out.contains("<div>创新积分</div>"), "not running text");
        assert!(
            out.contains(
                "<small><a class=\"term\" href=\"/glossary#高新技术企业\">高企</a></small>"
            )
        );
        assert!(out.contains("<script>var s = \"<b>高企</b>\";</script>"));
        assert!(out.contains("<h1>高新技术企业</h1>"));
    }

    #[test]
    fn the_longest_term_wins_and_unclosed_elements_do_not_leak() {
        let out = link_terms(&page("<p>申请创新积分贷<p>创新积分<br>x</p>"), &fs());
        assert!(
            out.contains(">创新积分贷</a>") && out.contains(">创新积分</a>"),
            "{out}"
        );
        // Without <main> nothing changes.
        let plain = "<p>高新技术企业</p>";
        assert_eq!(link_terms(plain, &fs()), plain);
    }

    #[test]
    fn a_fragment_is_linked_as_its_own_section() {
        let section = "<section id=\"ladder-slot\"><h2>高新技术企业</h2>\
            <p>符合条件：高新技术企业认定；创新积分 120。</p><p>高企</p></section>";
        let out = link_fragment(section, &fs());
        assert_eq!(
            out,
            "<section id=\"ladder-slot\"><h2>高新技术企业</h2>\
            <p>符合条件：<a class=\"term\" href=\"/glossary#高新技术企业\">高新技术企业</a>认定；\
            <a class=\"term\" href=\"/glossary#创新积分\">创新积分</a> 120。</p><p>高企</p></section>"
        );
        // a page's linking needs <main>; a fragment has none and is linked all the same
        assert_eq!(link_terms(section, &fs()), section);
    }

    #[test]
    fn the_shipped_glossary_gives_forms() {
        let f = shipped_forms();
        assert!(f.iter().any(|x| x.text == "科技型中小企业"));
        assert!(
            f.iter()
                .any(|x| x.text == "免申即享" && x.anchor == "免申即享")
        );
    }
}
