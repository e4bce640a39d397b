"""OpenFisca side of the gaoxin benchmark. Invoked by `cargo bench -p gaoxin-rules --bench openfisca`.

Reads the synthetic panel the Rust bench wrote (one .npy per input variable and year), computes
the ported rules for the whole population in one vectorised simulation, writes the outputs as
raw little-endian arrays for the Rust side to compare, measures single-enterprise latency
(build_from_entities + calculate for one firm), and prints one JSON line of figures.
"""
import argparse
import json
import os
import resource
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

YEARLY = [
    "revenue", "rd_expense", "hightech_revenue", "total_cost", "total_assets", "employees",
    "tech_staff", "ip_class1", "ip_class2", "national_award_rank", "standards_led",
    "rd_institution", "major_incident", "credit_blacklist", "valuation_usd",
    "private_investment", "hightech_cert_date",
]
ATTRS = ["manufacturing", "listed", "founded_year"]
OUTPUTS = ["techsme_eligible", "hightech_core_eligible", "gazelle_eligible", "first_unicorn_award"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True)
    ap.add_argument("--first", type=int, required=True)
    ap.add_argument("--last", type=int, required=True)
    ap.add_argument("--single", type=int, default=200)
    ap.add_argument("--repeat", type=int, default=5)
    a = ap.parse_args()
    t_start = time.perf_counter()
    c_start = time.process_time()
    from openfisca_core.simulations import SimulationBuilder
    from gaoxin_openfisca import GaoxinTaxBenefitSystem

    tbs = GaoxinTaxBenefitSystem()
    t_tbs = time.perf_counter()
    years = list(range(a.first, a.last + 1))
    cols = {}
    for v in YEARLY:
        for y in years:
            cols[(v, y)] = np.load(os.path.join(a.data, f"{v}_{y}.npy"))
    attrs = {v: np.load(os.path.join(a.data, f"{v}.npy")) for v in ATTRS}
    n = len(attrs["listed"])
    t_read = time.perf_counter()
    # `--repeat` fresh simulations (OpenFisca caches what it has calculated); calculate time is
    # the best of them, as on the Rust side; the end-to-end time is the first run's.
    calc, calc_cpu, build = [], [], []
    for run in range(a.repeat):
        t_b0 = time.perf_counter()
        sim = SimulationBuilder().build_default_simulation(tbs, count=n)
        for (v, y), arr in cols.items():
            sim.set_input(v, str(y), arr)
        for v, arr in attrs.items():
            sim.set_input(v, "ETERNITY", arr)
        t_built = time.perf_counter()
        c_built = time.process_time()
        out = {v: sim.calculate(v, str(a.last)) for v in OUTPUTS}
        t_calc = time.perf_counter()
        c_calc = time.process_time()
        calc.append(t_calc - t_built)
        calc_cpu.append(c_calc - c_built)
        build.append(t_built - t_b0)
        if run == 0:
            end_to_end = t_calc - t_start
            end_to_end_cpu = c_calc - c_start
    for v, arr in out.items():
        if arr.dtype == np.bool_:
            arr.astype("<i1").tofile(os.path.join(a.data, f"out_{v}.bin"))
        else:
            arr.astype("<i8").tofile(os.path.join(a.data, f"out_{v}.bin"))
    # ru_maxrss is inherited from the parent across fork (Linux keeps the signal struct's
    # maxrss), so when the Rust bench spawns us it reports the Rust process's peak; VmHWM of our
    # own address space is the figure that belongs to this process.
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    vm_hwm_kb = peak_kb
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                vm_hwm_kb = int(line.split()[1])

    # Single enterprise: one situation, one simulation, the four outputs.
    rng = np.random.default_rng(1)
    rows = rng.choice(n, size=min(a.single, n), replace=False)
    # Best of `--repeat` passes over the same firms, as on the Rust side.
    single, single_cpu = [], []
    for _ in range(a.repeat):
        t0 = time.perf_counter()
        c0 = time.process_time()
        for r in rows:
            firm = {v: {str(y): float(cols[(v, y)][r]) for y in years} for v in YEARLY}
            for v in ATTRS:
                firm[v] = {"ETERNITY": float(attrs[v][r])}
            s = SimulationBuilder().build_from_entities(tbs, {"enterprises": {"f": firm}})
            for v in OUTPUTS:
                s.calculate(v, str(a.last))
        single.append((time.perf_counter() - t0) / len(rows) * 1e6)
        single_cpu.append((time.process_time() - c0) / len(rows) * 1e6)
    print(json.dumps({
        "firms": n,
        "tbs_load_s": t_tbs - t_start,
        "read_inputs_s": t_read - t_tbs,
        "build_simulation_s": min(build),
        "calculate_s": min(calc),
        "calculate_runs_s": calc,
        "batch_total_s": end_to_end,
        "calculate_cpu_s": min(calc_cpu),
        "batch_total_cpu_s": end_to_end_cpu,
        "peak_rss_mb": vm_hwm_kb / 1024.0,
        "ru_maxrss_mb": peak_kb / 1024.0,
        "single_us": min(single),
        "single_cpu_us": min(single_cpu),
        "single_samples": int(len(rows)),
    }))


if __name__ == "__main__":
    main()
