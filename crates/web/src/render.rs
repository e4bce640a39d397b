//! Templates (embedded, minijinja with HTML auto-escaping), the page frame and navigation, and
//! Chinese formatting of money (万元/亿元), counts, percentages and dates.
use crate::assets;
use crate::user::CurrentUser;
use axum::http::{HeaderValue, header};
use axum::response::{Html, IntoResponse, Response};
use gaoxin_model::money::group_thousands;
use gaoxin_model::{Date, present};
use gaoxin_store::Role;
use minijinja::{Environment, Value};
use serde::Serialize;
use std::sync::LazyLock;

const TEMPLATES: &[(&str, &str)] = &[
    ("base.html", include_str!("../templates/base.html")),
    ("macros.html", include_str!("../templates/macros.html")),
    ("login.html", include_str!("../templates/login.html")),
    ("password.html", include_str!("../templates/password.html")),
    ("error.html", include_str!("../templates/error.html")),
    (
        "dashboard.html",
        include_str!("../templates/dashboard.html"),
    ),
    (
        "enterprises.html",
        include_str!("../templates/enterprises.html"),
    ),
    (
        "enterprise_rows.html",
        include_str!("../templates/enterprise_rows.html"),
    ),
    (
        "enterprise.html",
        include_str!("../templates/enterprise.html"),
    ),
    ("upload.html", include_str!("../templates/upload.html")),
    (
        "evaluation.html",
        include_str!("../templates/evaluation.html"),
    ),
    ("report.html", include_str!("../templates/report.html")),
    ("targets.html", include_str!("../templates/targets.html")),
    (
        "enterprise_points.html",
        include_str!("../templates/enterprise_points.html"),
    ),
    (
        "upload_job.html",
        include_str!("../templates/upload_job.html"),
    ),
    (
        "rules_job.html",
        include_str!("../templates/rules_job.html"),
    ),
    (
        "enterprise_ladder.html",
        include_str!("../templates/enterprise_ladder.html"),
    ),
    ("ladder.html", include_str!("../templates/ladder.html")),
    ("policies.html", include_str!("../templates/policies.html")),
    ("reform.html", include_str!("../templates/reform.html")),
    (
        "reform_adopt.html",
        include_str!("../templates/reform_adopt.html"),
    ),
    (
        "reform_compare.html",
        include_str!("../templates/reform_compare.html"),
    ),
    ("glossary.html", include_str!("../templates/glossary.html")),
    (
        "reform_result.html",
        include_str!("../templates/reform_result.html"),
    ),
    ("appeals.html", include_str!("../templates/appeals.html")),
    ("appeal.html", include_str!("../templates/appeal.html")),
    (
        "appeal_due.html",
        include_str!("../templates/appeal_due.html"),
    ),
    (
        "appeal_new.html",
        include_str!("../templates/appeal_new.html"),
    ),
    (
        "appeal_import.html",
        include_str!("../templates/appeal_import.html"),
    ),
    (
        "appeal_measures.html",
        include_str!("../templates/appeal_measures.html"),
    ),
    ("finance.html", include_str!("../templates/finance.html")),
    (
        "finance_firm.html",
        include_str!("../templates/finance_firm.html"),
    ),
    (
        "finance_scenarios.html",
        include_str!("../templates/finance_scenarios.html"),
    ),
    (
        "finance_funds.html",
        include_str!("../templates/finance_funds.html"),
    ),
    (
        "finance_park.html",
        include_str!("../templates/finance_park.html"),
    ),
    ("clusters.html", include_str!("../templates/clusters.html")),
    ("cluster.html", include_str!("../templates/cluster.html")),
    (
        "cluster_park.html",
        include_str!("../templates/cluster_park.html"),
    ),
    (
        "cluster_links.html",
        include_str!("../templates/cluster_links.html"),
    ),
    ("tracks.html", include_str!("../templates/tracks.html")),
    ("track.html", include_str!("../templates/track.html")),
    ("leads.html", include_str!("../templates/leads.html")),
    ("lead.html", include_str!("../templates/lead.html")),
    (
        "lead_pipeline.html",
        include_str!("../templates/lead_pipeline.html"),
    ),
    (
        "lead_stalled.html",
        include_str!("../templates/lead_stalled.html"),
    ),
    ("talents.html", include_str!("../templates/talents.html")),
    ("talent.html", include_str!("../templates/talent.html")),
    (
        "talent_held.html",
        include_str!("../templates/talent_held.html"),
    ),
    (
        "talent_monitor.html",
        include_str!("../templates/talent_monitor.html"),
    ),
    (
        "talent_services.html",
        include_str!("../templates/talent_services.html"),
    ),
    ("payouts.html", include_str!("../templates/payouts.html")),
    ("payout.html", include_str!("../templates/payout.html")),
    (
        "payout_done.html",
        include_str!("../templates/payout_done.html"),
    ),
    (
        "payout_firm.html",
        include_str!("../templates/payout_firm.html"),
    ),
    (
        "payout_funds.html",
        include_str!("../templates/payout_funds.html"),
    ),
    (
        "payout_import.html",
        include_str!("../templates/payout_import.html"),
    ),
    (
        "payout_measures.html",
        include_str!("../templates/payout_measures.html"),
    ),
    ("audit.html", include_str!("../templates/audit.html")),
    ("tech.html", include_str!("../templates/tech.html")),
    (
        "tech_result.html",
        include_str!("../templates/tech_result.html"),
    ),
    (
        "tech_demand.html",
        include_str!("../templates/tech_demand.html"),
    ),
    (
        "tech_cases.html",
        include_str!("../templates/tech_cases.html"),
    ),
    (
        "tech_stats.html",
        include_str!("../templates/tech_stats.html"),
    ),
    (
        "tech_demand_form.html",
        include_str!("../templates/tech_demand_form.html"),
    ),
    (
        "tech_expert_form.html",
        include_str!("../templates/tech_expert_form.html"),
    ),
    ("rdi.html", include_str!("../templates/rdi.html")),
    (
        "rdi_import.html",
        include_str!("../templates/rdi_import.html"),
    ),
    (
        "rdi_institution.html",
        include_str!("../templates/rdi_institution.html"),
    ),
    (
        "rdi_report.html",
        include_str!("../templates/rdi_report.html"),
    ),
    ("vitality.html", include_str!("../templates/vitality.html")),
    ("carriers.html", include_str!("../templates/carriers.html")),
    ("carrier.html", include_str!("../templates/carrier.html")),
    (
        "carrier_eval.html",
        include_str!("../templates/carrier_eval.html"),
    ),
    (
        "carrier_import.html",
        include_str!("../templates/carrier_import.html"),
    ),
    (
        "ecosystem.html",
        include_str!("../templates/ecosystem.html"),
    ),
    (
        "ecosystem_isolated.html",
        include_str!("../templates/ecosystem_isolated.html"),
    ),
    (
        "vitality_progress.html",
        include_str!("../templates/vitality_progress.html"),
    ),
];

static ENV: LazyLock<Environment<'static>> = LazyLock::new(|| {
    let mut env = Environment::new();
    for (name, src) in TEMPLATES {
        env.add_template(name, src).expect("templates parse");
    }
    register_filters(&mut env);
    // every printed text passes the one plain-language check: developers' references (the
    // criteria file, review notes, file names, commands, parameter ids) never reach a page
    env.set_formatter(|out, state, value| {
        if !value.is_safe()
            && let Some(s) = value.as_str()
            && present::has_internal(s)
        {
            return minijinja::escape_formatter(out, state, &Value::from(present::plain(s)));
        }
        minijinja::escape_formatter(out, state, value)
    });
    env
});

/// The presentation filters every template uses, all from the one presentation module
/// (`gaoxin_model::present`): `money` (万元 / 亿元 with the unit), `wan`, `yi` (no unit),
/// `yuan` (a paid amount, labelled 元), `int` / `count` (integers), `num` (at most two
/// decimals), `fixed(n)`, `pct` (a ratio as per cent), `percent` (a value in per cent),
/// `value(unit)` (a value by its unit's rule), `date` (a stored date), `datetime` and `expiry`
/// (unix seconds in Asia/Shanghai). A missing value is 「—」.
fn register_filters(env: &mut Environment<'static>) {
    fn or_dash<T>(v: Option<T>, f: impl Fn(T) -> String) -> String {
        v.map(f).unwrap_or_else(|| "—".into())
    }
    env.add_filter("money", |v: Option<i64>| or_dash(v, present::money));
    env.add_filter("industry", |v: String| {
        gaoxin_model::industry::industry_label(&v)
    });
    env.add_filter("wan", |v: Option<i64>| or_dash(v, present::wan));
    env.add_filter("yi", |v: Option<i64>| or_dash(v, present::yi));
    env.add_filter("yuan", |v: Option<i64>| or_dash(v, present::yuan));
    env.add_filter("int", |v: Option<f64>| or_dash(v, present::count));
    env.add_filter("count", |v: Option<f64>| or_dash(v, present::count));
    env.add_filter("num", |v: Option<f64>| or_dash(v, present::num));
    env.add_filter("fixed", |v: Option<f64>, d: Option<usize>| {
        or_dash(v, |x| present::fixed(x, d.unwrap_or(2)))
    });
    env.add_filter("pct", |v: Option<f64>| or_dash(v, present::pct));
    env.add_filter("percent", |v: Option<f64>| or_dash(v, present::percent));
    env.add_filter("growth", |v: Option<f64>| or_dash(v, present::growth));
    env.add_filter("value", |v: Option<f64>, unit: Option<String>| {
        or_dash(v, |x| present::value(x, unit.as_deref().unwrap_or("")))
    });
    env.add_filter("date", |v: Option<i64>| {
        or_dash(v.and_then(Date::from_int), present::date)
    });
    env.add_filter("datetime", |v: Option<i64>| or_dash(v, present::datetime));
    env.add_filter("expiry", |v: Option<i64>| or_dash(v, present::expiry));
}

/// Fen as 万元 with two decimals, exact, thousands-separated (`12,345.67`): `present::wan`.
pub fn fmt_wan(fen: i64) -> String {
    present::wan(fen)
}

/// Fen as 亿元 with two decimals, exact (`1.23`): `present::yi`.
pub fn fmt_yi(fen: i64) -> String {
    present::yi(fen)
}

/// A number with at most two decimals, thousands-separated: `present::num`.
pub fn fmt_num(x: f64) -> String {
    present::num(x)
}

pub fn fmt_date(d: Date) -> String {
    present::date(d)
}

/// Inserts `,` every three digits of the integer part (the model's one grouping).
pub fn group(s: &str) -> String {
    group_thousands(s)
}

/// One menu entry; `href` decides per role whether (and where) it shows.
pub struct NavItem {
    pub label: &'static str,
    pub href: fn(&Role) -> Option<String>,
}

/// The main menu. A new capability (梯度培育, 政策, 评价 …) adds one entry here.
pub const NAV: &[NavItem] = &[
    NavItem {
        label: "总览",
        href: |r| matches!(r, Role::ZoneAdmin | Role::ZoneAnalyst).then(|| "/".into()),
    },
    NavItem {
        label: "本园区",
        href: |r| r.park().map(|p| format!("/parks/{p}")),
    },
    NavItem {
        label: "本企业",
        href: |r| r.uscc().map(|u| format!("/enterprises/{}", u.as_str())),
    },
    NavItem {
        label: "企业名录",
        href: |r| (!matches!(r, Role::Enterprise(_))).then(|| "/enterprises".into()),
    },
    NavItem {
        label: "评价",
        href: |r| (!matches!(r, Role::Enterprise(_))).then(|| "/evaluation".into()),
    },
    NavItem {
        label: "目标",
        href: |r| (!matches!(r, Role::Enterprise(_))).then(|| "/targets".into()),
    },
    NavItem {
        label: "梯度培育",
        href: |r| (!matches!(r, Role::Enterprise(_))).then(|| "/ladder".into()),
    },
    NavItem {
        label: "政策",
        href: |r| (!matches!(r, Role::Enterprise(_))).then(|| "/policies".into()),
    },
    NavItem {
        label: "政策测算",
        href: |r| matches!(r, Role::ZoneAdmin | Role::ZoneAnalyst).then(|| "/reform".into()),
    },
    NavItem {
        label: "企业诉求",
        href: |_| Some("/appeals".into()),
    },
    NavItem {
        label: "政策兑现",
        href: |r| (!matches!(r, Role::Department(_))).then(|| "/payouts".into()),
    },
    NavItem {
        label: "科技金融",
        href: |r| {
            (!matches!(r, Role::Enterprise(_) | Role::Department(_))).then(|| "/finance".into())
        },
    },
    NavItem {
        label: "新赛道",
        href: |r| {
            (!matches!(r, Role::Enterprise(_) | Role::Department(_))).then(|| "/tracks".into())
        },
    },
    NavItem {
        label: "线索",
        href: |r| {
            (!matches!(r, Role::Enterprise(_) | Role::Department(_))).then(|| "/leads".into())
        },
    },
    NavItem {
        label: "数据导入",
        href: |r| r.may_import().then(|| "/upload".into()),
    },
    NavItem {
        label: "成果转化",
        href: |r| (!matches!(r, Role::Department(_))).then(|| "/tech".into()),
    },
    NavItem {
        label: "产业集群",
        href: |r| {
            (!matches!(r, Role::Enterprise(_) | Role::Department(_))).then(|| "/clusters".into())
        },
    },
    NavItem {
        label: "人才",
        href: |r| match r {
            Role::ZoneAdmin | Role::ParkAdmin(_) => Some("/talents".into()),
            Role::ZoneAnalyst => Some("/talents/monitor".into()),
            Role::Enterprise(_) => Some("/talent-services".into()),
            Role::Department(_) | Role::University(_) => None,
        },
    },
    NavItem {
        label: "操作记录",
        href: |r| r.may_import().then(|| "/audit".into()),
    },
    NavItem {
        label: "新型研发机构",
        href: |r| (!matches!(r, Role::Enterprise(_) | Role::Department(_))).then(|| "/rdi".into()),
    },
    NavItem {
        label: "创新活力指数",
        href: |r| {
            (!matches!(r, Role::Enterprise(_) | Role::Department(_))).then(|| "/vitality".into())
        },
    },
    NavItem {
        label: "孵化载体",
        href: |r| {
            (!matches!(r, Role::Enterprise(_) | Role::Department(_))).then(|| "/carriers".into())
        },
    },
    NavItem {
        label: "生态图谱",
        href: |r| {
            (!matches!(r, Role::Enterprise(_) | Role::Department(_))).then(|| "/ecosystem".into())
        },
    },
];

#[derive(Serialize)]
struct NavView {
    href: String,
    label: &'static str,
    active: bool,
}

/// One step of the breadcrumbs (the last has no link: the page itself).
#[derive(Serialize, Debug, PartialEq)]
pub struct Crumb {
    pub label: String,
    pub href: Option<String>,
}

/// Breadcrumbs of `path` for `role`: the role's home (总览, 本园区 or 本企业), the menu section
/// the page belongs to, then the page (`title`). Derived from [`NAV`], so a new menu entry's
/// pages get their crumbs without code here.
pub fn crumbs(role: &Role, path: &str, title: &str) -> Vec<Crumb> {
    let entries: Vec<(&'static str, String)> = NAV
        .iter()
        .filter_map(|n| (n.href)(role).map(|h| (n.label, h)))
        .collect();
    let Some((home_label, home)) = entries.first().cloned() else {
        return vec![];
    };
    if path == home {
        return vec![Crumb {
            label: home_label.into(),
            href: None,
        }];
    }
    let mut out = vec![Crumb {
        label: home_label.into(),
        href: Some(home.clone()),
    }];
    let section = entries
        .iter()
        .skip(1)
        .filter(|(_, h)| h != "/" && (path == h || path.starts_with(&format!("{h}/"))))
        .max_by_key(|(_, h)| h.len());
    match section {
        Some((label, h)) if h == path => out.push(Crumb {
            label: (*label).into(),
            href: None,
        }),
        Some((label, h)) => {
            out.push(Crumb {
                label: (*label).into(),
                href: Some(h.clone()),
            });
            out.push(Crumb {
                label: title.into(),
                href: None,
            });
        }
        None => out.push(Crumb {
            label: title.into(),
            href: None,
        }),
    }
    out
}

#[derive(Serialize)]
struct UserView {
    username: String,
    role: &'static str,
}

/// The frame every rendered page shares: title, user, menu, CSRF token, asset version (a page of
/// a list, offset and size, is `gaoxin_store::PageRequest`).
#[derive(Serialize)]
pub struct Page {
    title: String,
    user: Option<UserView>,
    nav: Vec<NavView>,
    csrf: String,
    v: &'static str,
    crumbs: Vec<Crumb>,
    /// 「数据截至」 in Beijing time.
    as_of: Option<String>,
}

impl Page {
    pub fn new(title: &str, user: &CurrentUser, path: &str) -> Page {
        let nav = NAV
            .iter()
            // a university user (高校/院所) works in 成果转化 only
            .filter(|n| !matches!(user.role, Role::University(_)) || n.label == "成果转化")
            .filter_map(|n| {
                (n.href)(&user.role).map(|href| NavView {
                    active: if href == "/" {
                        path == "/"
                    } else {
                        path.starts_with(&href)
                    },
                    href,
                    label: n.label,
                })
            })
            .collect();
        Page {
            title: title.into(),
            user: Some(UserView {
                username: user.username.clone(),
                role: user.role.zh(),
            }),
            nav,
            csrf: user.csrf.clone(),
            v: assets::version(),
            crumbs: crumbs(&user.role, path, title),
            as_of: user.as_of.map(present::datetime),
        }
    }

    pub fn anonymous(title: &str, csrf: &str) -> Page {
        Page {
            title: title.into(),
            user: None,
            nav: vec![],
            csrf: csrf.into(),
            v: assets::version(),
            crumbs: vec![],
            as_of: None,
        }
    }
}

/// A serialisable value as a template value.
pub fn ser<T: Serialize>(x: T) -> Value {
    Value::from(minijinja::value::Serde(x))
}

/// Renders template `name` with the frame `page` and the template's own values `ctx`.
pub fn page(name: &str, page: &Page, ctx: Value) -> Response {
    // `page` is the frame's (title, user, menu): a page's own value of that name would be
    // shadowed by it and fail only when a template uses it (a pager's `page - 1`)
    debug_assert!(
        ctx.get_attr("page").map_or(true, |v| v.is_undefined()),
        "{name}: the context names a value `page`, which the frame's page shadows"
    );
    let full = minijinja::context! { page => ser(page), ..ctx };
    // 术语说明 links in the page's text (not on the glossary itself).
    let terms = if name == "glossary.html" {
        Terms::None
    } else {
        Terms::Page
    };
    render_value(name, full, terms)
}

/// A page as [`page`] renders it, as text (to be kept: see [`gaoxin_app::byte_cache`]); a failed
/// render is its 500 response.
pub fn page_text(name: &str, page: &Page, ctx: Value) -> Result<String, Box<Response>> {
    let full = minijinja::context! { page => ser(page), ..ctx };
    render_text(name, full, Terms::Page)
}

/// Gives a rendered page the status of what it answers (a refused form's 400 or 422, a sign-in's
/// 401) — unless the page failed to render: that 500 is kept, never dressed up as the user's error.
pub fn with_status(mut r: Response, status: axum::http::StatusCode) -> Response {
    if r.status().is_success() {
        *r.status_mut() = status;
    }
    r
}

/// Renders a fragment (htmx partial) without the frame.
pub fn fragment(name: &str, ctx: Value) -> Response {
    render_value(name, ctx, Terms::None)
}

/// Renders a section a page loads after itself (htmx), with 术语说明 links in its running text
/// as a page has them (`glossary_links::link_fragment`).
pub fn section(name: &str, ctx: Value) -> Response {
    render_value(name, ctx, Terms::Fragment)
}

#[derive(Clone, Copy)]
enum Terms {
    None,
    Page,
    Fragment,
}

fn render_text(name: &str, ctx: Value, terms: Terms) -> Result<String, Box<Response>> {
    use gaoxin_app::glossary_links::{link_fragment, link_terms, shipped_forms};
    match ENV.get_template(name).and_then(|t| t.render(ctx)) {
        Ok(html) => Ok(match terms {
            Terms::Page => link_terms(&html, shipped_forms()),
            Terms::Fragment => link_fragment(&html, shipped_forms()),
            Terms::None => html,
        }),
        Err(e) => {
            tracing::error!("template {name}: {e:#}");
            let mut r = Html(format!(
                "<!doctype html><meta charset=utf-8><title>服务器错误</title><p>页面渲染失败（{}）。</p>",
                html_escape(name)
            ))
            .into_response();
            *r.status_mut() = axum::http::StatusCode::INTERNAL_SERVER_ERROR;
            Err(Box::new(r))
        }
    }
}

/// A rendered page as the response (`no-store`: pages carry the session's CSRF token).
pub fn html_response(html: String) -> Response {
    let mut r = Html(html).into_response();
    // the security headers (CSP, nosniff, …) are added to every response by
    // `crate::security_headers`
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

fn render_value(name: &str, ctx: Value, terms: Terms) -> Response {
    match render_text(name, ctx, terms) {
        Ok(html) => html_response(html),
        Err(r) => *r,
    }
}

/// The error page (no menu: it may be shown to anyone).
pub fn error_page(title: &str, message: &str) -> Response {
    let p = Page::anonymous(title, "");
    page("error.html", &p, minijinja::context! { message => message })
}

pub fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#x27;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_number_formats() {
        assert_eq!(group("1234567.89"), "1,234,567.89");
        assert_eq!(group("-123"), "-123");
        assert_eq!(fmt_wan(12_345_678_900), "12,345.68");
        assert_eq!(fmt_yi(12_345_678_900), "1.23");
    }

    /// Money text is exact: values where `fen as f64 / 1e6` printed with `{:.2}` is off by a cent.
    #[test]
    fn money_text_is_exact_integer_rounding() {
        assert_eq!(fmt_wan(5), "0.00");
        assert_eq!(fmt_wan(1_005_000), "1.01"); // the float text was 1.00
        assert_eq!(fmt_wan(-2_675_000), "-2.68"); // the float text was -2.67
        assert_eq!(fmt_wan(1_234_567_895), "1,234.57");
        assert_eq!(fmt_wan(i64::MAX / 100), "92,233,720,368.55");
        assert_eq!(fmt_wan(i64::MIN), "-9,223,372,036,854.78");
        assert_eq!(fmt_yi(100_500_000), "0.01"); // 0.01005 亿元
        assert_eq!(fmt_yi(-1_250_000_000), "-0.13"); // the float text was -0.12 (to even)
        let env = &*ENV;
        let r = |t: &str, v: i64| env.render_str(t, minijinja::context! { v => v }).unwrap();
        assert_eq!(r("{{ v|wan }}", 1_005_000), "1.01");
        assert_eq!(r("{{ v|yi }}", -1_250_000_000), "-0.13");
        assert_eq!(r("{{ v|money }}", 1_005_000), "1.01万元");
        assert_eq!(r("{{ v|money }}", 119_848_559_450), "11.98亿元");
        assert_eq!(r("{{ v|yuan }}", 2_579_775_296), "25,797,752.96元");
        let f = |t: &str, v: f64| env.render_str(t, minijinja::context! { v => v }).unwrap();
        assert_eq!(f("{{ v|value('家') }}", 366.0), "366家");
        assert_eq!(f("{{ v|value('比例') }}", 0.0659), "6.59%");
        assert_eq!(f("{{ v|count }}", 366.0), "366");
        assert_eq!(f("{{ v|num }}", 105_542.823_094), "105,542.82");
        assert_eq!(r("{{ v|expiry }}", 1_828_108_800), "2027年12月6日 24:00");
        assert_eq!(fmt_num(4.5), "4.50");
        assert_eq!(fmt_num(130.0), "130");
        assert_eq!(fmt_date(Date::new(2021, 3, 1).unwrap()), "2021年3月1日");
    }

    #[test]
    fn breadcrumbs_lead_back_home() {
        let zone = Role::ZoneAnalyst;
        let labels = |c: Vec<Crumb>| {
            c.into_iter()
                .map(|c| format!("{}{}", c.label, if c.href.is_some() { ">" } else { "" }))
                .collect::<Vec<_>>()
                .join(" ")
        };
        assert_eq!(labels(crumbs(&zone, "/", "南京高新区总览")), "总览");
        assert_eq!(
            labels(crumbs(&zone, "/parks/jiangbei", "江北新区")),
            "总览> 江北新区"
        );
        assert_eq!(labels(crumbs(&zone, "/targets", "目标监测")), "总览> 目标");
        assert_eq!(
            labels(crumbs(&zone, "/enterprises/9132", "某公司")),
            "总览> 企业名录> 某公司"
        );
        assert_eq!(
            labels(crumbs(&zone, "/evaluation/report", "报告")),
            "总览> 评价> 报告"
        );
    }

    /// A rule file's note naming the criteria file is printed without it (issue 18).
    #[test]
    fn pages_print_no_developer_references() {
        let t = ENV
            .template_from_named_str("t.html", "{{ s }}")
            .unwrap()
            .render(minijinja::context! { s => "入库登记当年有效（有效期口径见 criteria.md §2.4，待核实）<b>" })
            .unwrap();
        assert_eq!(t, "入库登记当年有效&lt;b&gt;");
    }

    #[test]
    fn every_template_parses() {
        for (name, _) in TEMPLATES {
            ENV.get_template(name).unwrap();
        }
    }
}
