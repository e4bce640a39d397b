//! The ecosystem graph's exports for tools such as Gephi: nodes and edges as CSV (Gephi's
//! spreadsheet import reads `Id`, `Label`, `Source`, `Target`, `Type`, `Weight`), and the whole
//! graph as GEXF 1.3 (<http://gexf.net/1.3>) with every measure as a node attribute. Both hold
//! the graph before grouping, as the viewer may see it (a park's export has the same anonymous
//! groups as its page).
use super::{EcoInput, Graph, Measures, name_of};
use gaoxin_model::{Money, Unit};

fn yuan(fen: i64) -> String {
    Money(fen).rounded(Unit::Yuan, 2)
}

/// A node's attribute columns (after `Id`, `Label`), in the exports' order.
const NODE_COLS: [(&str, &str, &str); 10] = [
    ("kind", "类型", "string"),
    ("park", "园区", "string"),
    ("tier", "层级", "string"),
    ("cluster", "产业集群", "string"),
    ("track", "新赛道", "string"),
    ("firms", "企业数", "integer"),
    ("degree", "度", "integer"),
    ("weighted_degree", "加权度", "integer"),
    ("cross_park_degree", "跨园区度", "integer"),
    ("component", "连通分量", "integer"),
];

fn node_values(inp: &EcoInput, g: &Graph, m: &Measures, i: usize) -> [String; 10] {
    let n = &g.nodes[i];
    let nm = &m.nodes[i];
    let opt = |v: &Option<String>, list: &[(String, String)]| {
        v.as_deref()
            .map(|x| name_of(list, x).to_string())
            .unwrap_or_default()
    };
    [
        n.kind.zh().to_string(),
        opt(&n.park, &inp.parks),
        n.tier.map(|t| t.zh().to_string()).unwrap_or_default(),
        opt(&n.cluster, &inp.clusters),
        opt(&n.track, &inp.tracks),
        n.firms.to_string(),
        nm.degree.to_string(),
        nm.weighted.to_string(),
        nm.cross_park.to_string(),
        nm.component
            .map(|c| (c + 1).to_string())
            .unwrap_or_default(),
    ]
}

fn csv_bytes(rows: Vec<Vec<String>>) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    for r in rows {
        // writing to a Vec cannot fail
        let _ = w.write_record(&r);
    }
    let mut out = vec![0xEF, 0xBB, 0xBF];
    out.extend(w.into_inner().unwrap_or_default());
    out
}

/// The nodes as CSV (UTF-8 with BOM, so spreadsheet programs read the Chinese).
pub fn nodes_csv(inp: &EcoInput, g: &Graph, m: &Measures) -> Vec<u8> {
    let mut rows = vec![
        ["Id", "Label"]
            .into_iter()
            .map(str::to_string)
            .chain(NODE_COLS.iter().map(|c| c.1.to_string()))
            .collect::<Vec<_>>(),
    ];
    for i in 0..g.nodes.len() {
        let mut r = vec![g.nodes[i].id.clone(), g.nodes[i].label.clone()];
        r.extend(node_values(inp, g, m, i));
        rows.push(r);
    }
    csv_bytes(rows)
}

/// The edges as CSV.
pub fn edges_csv(g: &Graph) -> Vec<u8> {
    let mut rows = vec![
        ["Source", "Target", "Type", "关系", "Weight", "金额（元）"]
            .into_iter()
            .map(str::to_string)
            .collect::<Vec<_>>(),
    ];
    for e in &g.edges {
        rows.push(vec![
            g.nodes[e.source].id.clone(),
            g.nodes[e.target].id.clone(),
            "Undirected".into(),
            e.kind.zh().into(),
            e.weight.to_string(),
            if e.amount_fen != 0 {
                yuan(e.amount_fen)
            } else {
                String::new()
            },
        ]);
    }
    csv_bytes(rows)
}

/// Text as XML attribute content: the five entities escaped, characters XML 1.0 forbids dropped.
fn xml(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&apos;"),
            '\t' | '\n' | '\r' => o.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => o.push(c),
        }
    }
    o
}

/// The graph as GEXF 1.3 (undirected; the measures as node attributes, the relation and amount
/// as edge attributes; `description` says what the file holds).
pub fn gexf(inp: &EcoInput, g: &Graph, m: &Measures, description: &str) -> String {
    let mut o = String::new();
    o.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    o.push_str("<gexf xmlns=\"http://gexf.net/1.3\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xsi:schemaLocation=\"http://gexf.net/1.3 http://gexf.net/1.3/gexf.xsd\" version=\"1.3\">\n");
    o.push_str(&format!(
        "  <meta>\n    <creator>gaoxin</creator>\n    <description>{}</description>\n  </meta>\n",
        xml(description)
    ));
    o.push_str("  <graph mode=\"static\" defaultedgetype=\"undirected\">\n");
    o.push_str("    <attributes class=\"node\" mode=\"static\">\n");
    for (id, title, ty) in NODE_COLS {
        o.push_str(&format!(
            "      <attribute id=\"{id}\" title=\"{title}\" type=\"{ty}\"/>\n"
        ));
    }
    o.push_str("    </attributes>\n    <attributes class=\"edge\" mode=\"static\">\n");
    o.push_str("      <attribute id=\"relation\" title=\"关系\" type=\"string\"/>\n");
    o.push_str("      <attribute id=\"amount_yuan\" title=\"金额（元）\" type=\"double\"/>\n");
    o.push_str("    </attributes>\n    <nodes>\n");
    for (i, n) in g.nodes.iter().enumerate() {
        o.push_str(&format!(
            "      <node id=\"{}\" label=\"{}\">\n        <attvalues>\n",
            xml(&n.id),
            xml(&n.label)
        ));
        for ((id, _, _), v) in NODE_COLS.iter().zip(node_values(inp, g, m, i)) {
            if !v.is_empty() {
                o.push_str(&format!(
                    "          <attvalue for=\"{id}\" value=\"{}\"/>\n",
                    xml(&v)
                ));
            }
        }
        o.push_str("        </attvalues>\n      </node>\n");
    }
    o.push_str("    </nodes>\n    <edges>\n");
    for (k, e) in g.edges.iter().enumerate() {
        o.push_str(&format!(
            "      <edge id=\"e{k}\" source=\"{}\" target=\"{}\" weight=\"{}\">\n        <attvalues>\n          <attvalue for=\"relation\" value=\"{}\"/>\n",
            xml(&g.nodes[e.source].id),
            xml(&g.nodes[e.target].id),
            e.weight,
            xml(e.kind.zh())
        ));
        if e.amount_fen != 0 {
            o.push_str(&format!(
                "          <attvalue for=\"amount_yuan\" value=\"{}\"/>\n",
                yuan(e.amount_fen)
            ));
        }
        o.push_str("        </attvalues>\n      </edge>\n");
    }
    o.push_str("    </edges>\n  </graph>\n</gexf>\n");
    o
}

/// The measures as .xlsx: every node with its measures, the bridges between parks and the
/// isolated high-tier firms (the page's tables in full).
pub fn measures_xlsx(
    inp: &EcoInput,
    g: &Graph,
    m: &Measures,
) -> Result<Vec<u8>, crate::error::EvalError> {
    use rust_xlsxwriter::Workbook;
    let xe = |e: rust_xlsxwriter::XlsxError| {
        crate::error::EvalError::Engine(format!("生成 Excel 失败：{e}"))
    };
    let mut wb = Workbook::new();
    let mut head = vec!["名称"];
    head.extend(NODE_COLS.iter().map(|c| c.1));
    let ws = crate::xlsx::list_sheet(&mut wb, "节点与度量", &head, 16.0).map_err(xe)?;
    for i in 0..g.nodes.len() {
        let r = (i + 1) as u32;
        ws.write_string(r, 0, &g.nodes[i].label).map_err(xe)?;
        for (c, (v, (_, _, ty))) in node_values(inp, g, m, i)
            .into_iter()
            .zip(NODE_COLS)
            .enumerate()
        {
            let c = (c + 1) as u16;
            match (ty, v.parse::<f64>()) {
                ("integer", Ok(x)) => ws.write_number(r, c, x).map(|_| ()),
                _ if v.is_empty() => Ok(()),
                _ => ws.write_string(r, c, &v).map(|_| ()),
            }
            .map_err(xe)?;
        }
    }
    let ws = crate::xlsx::list_sheet(
        &mut wb,
        "园区间关联",
        &["园区", "园区", "跨园区关系数"],
        18.0,
    )
    .map_err(xe)?;
    for (k, (a, b, n)) in m.park_pairs.iter().enumerate() {
        let r = (k + 1) as u32;
        ws.write_string(r, 0, name_of(&inp.parks, a)).map_err(xe)?;
        ws.write_string(r, 1, name_of(&inp.parks, b)).map_err(xe)?;
        ws.write_number(r, 2, *n as f64).map_err(xe)?;
    }
    let ws = crate::xlsx::list_sheet(&mut wb, "孤立的高层级企业", &["企业", "园区", "层级"], 24.0)
        .map_err(xe)?;
    for (k, &i) in m.isolated_high_tier.iter().enumerate() {
        let r = (k + 1) as u32;
        let n = &g.nodes[i];
        ws.write_string(r, 0, &n.label).map_err(xe)?;
        ws.write_string(
            r,
            1,
            n.park
                .as_deref()
                .map(|p| name_of(&inp.parks, p))
                .unwrap_or(""),
        )
        .map_err(xe)?;
        ws.write_string(r, 2, n.tier.map(|t| t.zh()).unwrap_or(""))
            .map_err(xe)?;
    }
    wb.save_to_buffer().map_err(xe)
}
