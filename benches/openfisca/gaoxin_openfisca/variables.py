"""Input and computed variables. Comparisons mirror the Rust engine exactly: integral operands
compare exactly, fractional ones are equal within a relative 1e-12 (see crates/rules/src/expr.rs)."""
import numpy as np
from openfisca_core.periods import DateUnit
from openfisca_core.variables import Variable

from gaoxin_openfisca.entities import Enterprise

YEAR = DateUnit.YEAR
ETERNITY = DateUnit.ETERNITY


def _eq(a, b):
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    integral = (np.mod(a, 1.0) == 0) & (np.mod(b, 1.0) == 0)
    close = np.abs(a - b) <= 1e-12 * np.maximum(np.maximum(np.abs(a), np.abs(b)), 1e-300)
    return np.where(integral, a == b, close)


def ge(a, b):
    return (np.asarray(a) > np.asarray(b)) | _eq(a, b)


def gt(a, b):
    return (np.asarray(a) > np.asarray(b)) & ~_eq(a, b)


def le(a, b):
    return (np.asarray(a) < np.asarray(b)) | _eq(a, b)


def band(x, cuts):
    """cuts: [(min, inclusive, points), ...] highest first, then the catch-all points."""
    *bands, last = cuts
    out = np.full(np.shape(x), float(last))
    done = np.zeros(np.shape(x), dtype=bool)
    for lo, incl, pts in bands:
        hit = (~done) & (ge(x, lo) if incl else gt(x, lo))
        out = np.where(hit, pts, out)
        done |= hit
    return out


class Float64Variable(Variable):
    """OpenFisca stores `float` variables as float32 (7 significant digits), which cannot hold
    money in fen exactly (¥12,345,678.91 has 10 digits); this port widens them to float64."""

    def __init__(self, baseline_variable=None):
        super().__init__(baseline_variable)
        if self.value_type is float:
            self.dtype = np.float64


def _input(name, value_type=float, period=YEAR, label=""):
    return type(name, (Float64Variable,), {
        "value_type": value_type,
        "entity": Enterprise,
        "definition_period": period,
        "label": label or name,
    })


INPUTS = [
    _input("revenue"), _input("rd_expense"), _input("hightech_revenue"), _input("total_cost"),
    _input("total_assets"), _input("employees"), _input("tech_staff"), _input("ip_class1"),
    _input("ip_class2"), _input("national_award_rank"), _input("standards_led"),
    _input("rd_institution"), _input("major_incident"), _input("credit_blacklist"),
    _input("valuation_usd"), _input("private_investment"), _input("hightech_cert_date"),
    _input("manufacturing", period=ETERNITY), _input("listed", period=ETERNITY),
    _input("founded_year", period=ETERNITY),
]


def _sum_years(e, var, period, n):
    """Sum over the last n years, leaving out years before the firm was founded."""
    fy = e("founded_year", period.this_year)
    total = 0.0
    y = period
    for _ in range(n):
        total = total + np.where(y.start.year >= fy, e(var, y), 0.0)
        y = y.last_year
    return total


class techsme_eligible(Variable):
    value_type = bool
    entity = Enterprise
    definition_period = YEAR
    label = "科技型中小企业（评分或直通）"

    def formula_2022_01_01(e, period, parameters):
        p = parameters(period).techsme
        emp, rev = e("employees", period), e("revenue", period)
        size = le(emp, p.max_employees) & le(rev, p.max_revenue) & le(e("total_assets", period), p.max_assets)
        clean = (e("major_incident", period) == 0) & (e("major_incident", period.last_year) == 0) & (e("credit_blacklist", period) == 0)
        tech = band(e("tech_staff", period) / emp, [(0.30, True, 20), (0.25, True, 16), (0.20, True, 12), (0.15, True, 8), (0.10, True, 4), 0])
        rd = e("rd_expense", period)
        rd_score = np.maximum(
            band(rd / rev, [(0.06, True, 50), (0.05, True, 40), (0.04, True, 30), (0.03, True, 20), (0.02, True, 10), 0]),
            band(rd / e("total_cost", period), [(0.30, True, 50), (0.25, True, 40), (0.20, True, 30), (0.15, True, 20), (0.10, True, 10), 0]),
        )
        ip = np.maximum(band(e("ip_class1", period), [(1, True, 30), 0]), band(e("ip_class2", period), [(4, True, 24), (3, True, 18), (2, True, 12), (1, True, 6), 0]))
        score_ok = ge(tech + rd_score + ip, p.min_total) & gt(tech, 0)
        cert = e("hightech_cert_date", period)
        asof = 20250630 if period.start.year == 2024 else (period.start.year + 1) * 10000 + 630
        years = asof // 10000 - cert // 10000 - ((asof % 10000) < (cert % 10000))
        route_cert = (cert > 0) & (years < 3)
        award = np.zeros(len(cert), dtype=bool)
        y = period
        for _ in range(5):
            r = e("national_award_rank", y)
            award |= (r >= 1) & (r <= 3)
            y = y.last_year
        route_inst = e("rd_institution", period) >= 3
        route_std = _sum_years(e, "standards_led", period, 5) >= 1
        return size & clean & (score_ok | route_cert | award | route_inst | route_std)


class hightech_core_eligible(Variable):
    value_type = bool
    entity = Enterprise
    definition_period = YEAR
    label = "高企核心条件：研发费用比例（按最近一年营收分档）、科技人员占比、高新收入占比"

    def formula_2016_01_01(e, period, parameters):
        p = parameters(period).hightech
        rev = e("revenue", period)
        ratio = _sum_years(e, "rd_expense", period, 3) / _sum_years(e, "revenue", period, 3)
        threshold = np.where(le(rev, p.band_low_revenue), p.rd_ratio_low, np.where(le(rev, p.band_mid_revenue), p.rd_ratio_mid, p.rd_ratio_high))
        rd_ok = ge(ratio, threshold)
        staff_ok = ge(e("tech_staff", period) / e("employees", period), p.tech_staff_min)
        ht_ok = ge(e("hightech_revenue", period) / rev, p.hightech_revenue_min)
        return rd_ok & staff_ok & ht_ok


class gazelle_eligible(Variable):
    value_type = bool
    entity = Enterprise
    definition_period = YEAR
    label = "南京市瞪羚企业（2024年度口径）"

    def formula_2021_01_01(e, period, parameters):
        p = parameters(period).nanjing
        mfg = e("manufacturing", period.this_year) == 1
        r0 = e("revenue", period)
        r1 = e("revenue", period.last_year)
        r2 = e("revenue", period.last_year.last_year)
        r3 = e("revenue", period.last_year.last_year.last_year)
        base_ok = ge(r3, np.where(mfg, p.gazelle_base_manufacturing, p.gazelle_base_services))
        min_growth = np.minimum(np.minimum(r0 / r1, r1 / r2), r2 / r3) - 1
        cagr = np.power(r0 / r3, 1.0 / 3.0) - 1
        cagr_ok = ge(cagr, np.where(mfg, p.gazelle_cagr_manufacturing, p.gazelle_cagr_services))
        return base_ok & gt(min_growth, 0) & cagr_ok & (e("credit_blacklist", period) == 0)


class nanjing_unicorn(Variable):
    value_type = bool
    entity = Enterprise
    definition_period = YEAR
    label = "南京市独角兽企业（2024年度口径）"

    def formula_2021_01_01(e, period, parameters):
        p = parameters(period).nanjing
        return (
            (e("private_investment", period) == 1)
            & (e("listed", period.this_year) == 0)
            & gt(e("valuation_usd", period), p.unicorn_min_valuation)
            & (e("credit_blacklist", period) == 0)
        )


class first_unicorn_award(Float64Variable):
    value_type = float
    entity = Enterprise
    definition_period = YEAR
    label = "首次入选独角兽奖励（分）：上一年度研发费用5%，最高200万元"

    def formula_2021_01_01(e, period, parameters):
        p = parameters("2025-01-01").nanjing
        # 首次入选 = on the list this year and never since the list began (list_since) or the
        # firm was founded, whichever is later. The bench's firms are all founded before the
        # first data year and have complete data, so no year is unknown.
        founded = e("founded_year", period)
        since = int(p.unicorn_list_since)
        first = e("nanjing_unicorn", period)
        y = period.start.year - 1
        while y >= since:
            before = period.offset(y - period.start.year)
            first = first & ~(e("nanjing_unicorn", before) & (founded <= y))
            y -= 1
        rd = e("rd_expense", period).astype(np.int64)
        # 5 % rounded down to the fen (never more than 5 %), capped.
        amount = np.minimum((rd * 5) // 100, int(p.award_cap))
        return np.where(first, amount, -1).astype(np.float64)


ALL = INPUTS + [techsme_eligible, hightech_core_eligible, gazelle_eligible, nanjing_unicorn, first_unicorn_award]
