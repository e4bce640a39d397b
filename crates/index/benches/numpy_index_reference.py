#!/usr/bin/env python3
"""numpy reference implementations of the gaoxin-index benchmarks, for speed comparison.

  python3 numpy_index_reference.py points 1000000   # innovation points, 16 indicators, 3 stages
  python3 numpy_index_reference.py mc 10000 15 34    # 15 parks x 34 indicators, 10k MC replications

Same computations as the Rust benches (synthetic data drawn with numpy, so values differ):
points = per comparison group (zone x stage) min-max, clamp, stage weight columns, bonus/negative;
MC = precomputed normalised variants (min-max, rank), noisy weight sets, arithmetic or geometric
aggregation over indicator -> dimension -> total, ranks, median/5%/95% rank and mean |shift|.
Both are vectorised (batched over firms / replications), which is numpy's best case.
Prints `seconds=<best of runs>` for the Rust bench to read.
"""
import sys
import time

import numpy as np


def best(fn, runs):
    t = float("inf")
    out = None
    for _ in range(runs):
        s = time.perf_counter()
        out = fn()
        t = min(t, time.perf_counter() - s)
    return t, out


def points(n):
    rng = np.random.default_rng(42)
    zones = 15
    revenue = np.exp(rng.normal(16.5, 1.5, n))
    rd = revenue * rng.uniform(0.01, 0.09, n)
    emp = np.maximum(np.ceil(revenue / 1.2e6 * rng.uniform(0.5, 1.5, n)), 3)
    assets = revenue * rng.uniform(0.5, 1.5, n)
    liab = assets * rng.uniform(0.2, 1.1, n)
    f = {
        "revenue": revenue, "rd_expense": rd, "employees": emp, "rd_staff": np.round(emp * rng.uniform(0.05, 0.25, n)),
        "ip_class1": np.round(np.maximum(np.exp(rng.normal(0.5, 1, n)) - 1, 0)),
        "invention_grants": np.round(np.maximum(np.exp(rng.normal(0, 1, n)) - 1, 0)),
        "transformations": np.floor(rng.uniform(0, 3, n)), "rd_institution": np.floor(rng.uniform(0, 5, n)),
        "standards_led": (rng.uniform(size=n) < 0.1) * 1.0, "net_profit": revenue * rng.uniform(-0.05, 0.15, n),
        "tax_paid": revenue * rng.uniform(0, 0.05, n), "hightech_revenue": revenue * rng.uniform(size=n),
        "equity_financing": np.where(rng.uniform(size=n) < 0.15, np.exp(rng.normal(16, 1, n)), 0.0),
        "hightech_certified": (rng.uniform(size=n) < 0.4) * 1.0, "total_assets": assets, "total_liabilities": liab,
        "age_years": np.floor(rng.uniform(0, 20, n)), "listed": (rng.uniform(size=n) < 0.03) * 1.0,
    }
    zone = rng.integers(0, zones, n)
    W = np.array([[12, 10, 10], [12, 10, 8], [10, 8, 6], [10, 10, 10], [6, 6, 6], [4, 6, 6], [2, 4, 6], [2, 4, 6],
                  [6, 8, 10], [4, 6, 8], [4, 6, 8], [6, 6, 4], [6, 4, 2], [10, 6, 2], [4, 4, 4], [2, 2, 4]], float)
    dirs = np.array([1] * 15 + [-1], float)

    def run():
        with np.errstate(divide="ignore", invalid="ignore"):
            vals = [f["rd_expense"], f["rd_expense"] / f["revenue"], f["rd_staff"] / f["employees"], f["ip_class1"],
                    f["invention_grants"], f["transformations"], (f["rd_institution"] >= 3) * 1.0,
                    f["standards_led"], f["revenue"], f["net_profit"] / f["revenue"], f["tax_paid"], f["employees"],
                    f["hightech_revenue"] / f["revenue"], f["equity_financing"], f["hightech_certified"],
                    f["total_liabilities"] / f["total_assets"]]
        age, rev = f["age_years"], f["revenue"]
        stage = np.where((age < 3) | (rev < 5e6), 0, np.where((age < 10) & (rev < 2e8), 1, 2))
        group = zone * 3 + stage
        ng = zones * 3
        total = np.zeros(n)
        for k, x in enumerate(vals):
            x = np.where(np.isfinite(x), x, np.nan)
            lo = np.full(ng, np.inf)
            hi = np.full(ng, -np.inf)
            ok = ~np.isnan(x)
            np.minimum.at(lo, group[ok], x[ok])
            np.maximum.at(hi, group[ok], x[ok])
            rng_ = (hi - lo)[group]
            with np.errstate(divide="ignore", invalid="ignore"):
                s = (x - lo[group]) / rng_ if dirs[k] > 0 else (hi[group] - x) / rng_
            s = np.where(rng_ > 0, np.clip(s, 0, 1), np.where(x > 0, 1.0, 0.0) if dirs[k] > 0 else np.where(x <= 0, 1.0, 0.0))
            s = np.where(ok, s, 0.0)
            total += W[k][stage] * s
        total += 5 * f["listed"] + 5 * (f["rd_institution"] >= 4) - 10 * (f["total_liabilities"] > f["total_assets"])
        return total

    return best(run, 3)


def mc(reps, units=15, nind=34):
    """The park report's rank intervals (gaoxin_index::report::rank_uncertainty): min-max (1-100)
    or rank normalisation, 1000 weight sets with +-25 % noise on indicators and dimensions,
    arithmetic or geometric aggregation; `nind` indicators in five dimensions."""
    rng = np.random.default_rng(7)
    ndim = 5
    dims = np.concatenate([np.full(len(a), d) for d, a in enumerate(np.array_split(np.arange(nind), ndim))])
    raw = np.exp(rng.normal(0, 1, (units, nind)))

    def run():
        mm = (raw - raw.min(0)) / (raw.max(0) - raw.min(0)) * 99 + 1
        rk = raw.argsort(0).argsort(0) + 1.0
        variants = [mm, rk]
        wsets = 1 + 0.25 * (2 * rng.uniform(size=(1000, nind + ndim)) - 1)
        choice = rng.uniform(size=(reps, 3))
        iw = (choice[:, 0] * 1000).astype(int)
        inorm = (choice[:, 1] * 2).astype(int)
        iagg = (choice[:, 2] * 2).astype(int)
        ranks = np.empty((reps, units))
        onehot = np.eye(ndim)[dims]  # nind x ndim
        for b in range(2):
            for g in range(2):
                sel = np.where((inorm == b) & (iagg == g))[0]
                if len(sel) == 0:
                    continue
                X = variants[b]
                w = wsets[iw[sel]]
                wi, wd = w[:, :nind], w[:, nind:]
                # dimension scores: units x reps x ndim
                num = np.einsum("uj,rj,jd->urd", np.log(X) if g else X, wi, onehot)
                den = wi @ onehot
                d = num / den[None]
                d = np.exp(d) if g else d
                tot = (np.einsum("urd,rd->ur", np.log(d) if g else d, wd) / wd.sum(1)[None])
                tot = np.exp(tot) if g else tot
                order = np.argsort(-tot, axis=0)
                r = np.empty_like(order)
                np.put_along_axis(r, order, np.arange(1, units + 1)[:, None], axis=0)
                ranks[sel] = r.T
        nominal = ranks[0]
        return np.median(ranks, 0), np.percentile(ranks, 5, 0), np.percentile(ranks, 95, 0), np.abs(ranks - nominal).mean(0)

    return best(run, 3)


if __name__ == "__main__":
    what = sys.argv[1] if len(sys.argv) > 1 else "points"
    size = int(sys.argv[2]) if len(sys.argv) > 2 else (1_000_000 if what == "points" else 10_000)
    t, _ = points(size) if what == "points" else mc(size, *(int(a) for a in sys.argv[3:5]))
    print(f"{what} n={size}")
    print(f"seconds={t:.6f}")
    # Peak resident memory of this process (VmHWM; ru_maxrss would report the parent's after fork).
    with open("/proc/self/status") as f:
        hwm = next(int(l.split()[1]) for l in f if l.startswith("VmHWM:"))
    print(f"peak_mib={hwm / 1024:.1f}")
