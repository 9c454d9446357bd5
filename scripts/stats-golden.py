"""Golden values for domain/stats (test/unit/stats-golden.test.ts reads test/fixtures/stats-golden.json).

Run: python3 scripts/stats-golden.py  (needs numpy, scipy, statsmodels (pip install statsmodels); seeded, so re-running writes the same file).
The tests never run this: they compare against the stored values, so CI needs no Python.
"""
import json
import math
import os

import numpy as np
from scipy import integrate, stats
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import proportions_ztest

rng = np.random.default_rng(20261205)
out = {"generator": "scripts/stats-golden.py", "scipy": __import__("scipy").__version__, "statsmodels": __import__("statsmodels").__version__}

out["t_cdf"] = [{"t": t, "df": df, "cdf": float(stats.t.cdf(t, df))} for t in (-6.0, -2.5, -1.0, -0.1, 0.0, 0.7, 1.96, 3.3, 8.0) for df in (1.0, 2.5, 7.0, 29.3, 200.0)]
out["t_ppf"] = [{"p": p, "df": df, "q": float(stats.t.ppf(p, df))} for p in (0.0005, 0.025, 0.1, 0.5, 0.9, 0.975, 0.9995) for df in (1.0, 3.0, 12.7, 60.0, 1000.0)]

welch = []
for n1, n2, mu2, sd2 in [(20, 25, 0.3, 1.0), (8, 40, 1.0, 3.0), (200, 180, 0.05, 1.2), (5, 6, -2.0, 0.5)]:
    # Rounded before testing, so the stored samples are exactly what was tested.
    a = np.round(rng.normal(0.0, 1.0, n1), 6)
    b = np.round(rng.normal(mu2, sd2, n2), 6)
    r = stats.ttest_ind(a, b, equal_var=False)
    ci = r.confidence_interval(0.95)
    welch.append({"a": a.tolist(), "b": b.tolist(), "t": float(r.statistic), "df": float(r.df), "p": float(r.pvalue), "ci95": [float(ci.low), float(ci.high)]})
out["welch"] = welch

props = []
for x1, n1, x2, n2 in [(120, 1000, 150, 1000), (5, 40, 12, 45), (980, 1000, 975, 1000), (3000, 10000, 3100, 10050)]:
    z, p = proportions_ztest([x1, x2], [n1, n2])
    props.append({"x1": x1, "n1": n1, "x2": x2, "n2": n2, "z": float(z), "p": float(p)})
out["two_proportions"] = props

pvals = [0.01, 0.04, 0.03, 0.005, 0.2, 0.049]
out["holm"] = {"p": pvals, "adjusted": [float(x) for x in multipletests(pvals, method="holm")[1]]}

# mSPRT with a normal mixture N(0, tau^2) over the true difference: the mixture likelihood ratio by
# numerical integration, independent of the closed form the code uses.
msprt = []
for delta, v, tau2 in [(0.0, 0.04, 0.25), (0.3, 0.04, 0.25), (-0.5, 0.01, 1.0), (2.0, 1.0, 0.5), (0.05, 0.0004, 0.01)]:
    f = lambda th: stats.norm.pdf(delta, th, math.sqrt(v)) / stats.norm.pdf(delta, 0.0, math.sqrt(v)) * stats.norm.pdf(th, 0.0, math.sqrt(tau2))
    s = math.sqrt(tau2)
    lam, _ = integrate.quad(f, -40 * s, 40 * s, points=[delta], limit=400, epsabs=0, epsrel=1e-11)
    msprt.append({"delta": delta, "variance": v, "tau2": tau2, "lambda": lam})
out["msprt"] = msprt

# Sample-ratio mismatch: chi-square goodness of fit of observed counts to the configured weights.
srm = []
for counts, weights in [([5000, 5100], [0.5, 0.5]), ([5000, 5400], [0.5, 0.5]), ([3300, 3350, 3200], [1, 1, 1]), ([900, 120], [0.9, 0.1]), ([980, 70], [0.9, 0.1])]:
    total = sum(counts)
    expected = [total * w / sum(weights) for w in weights]
    r = stats.chisquare(counts, expected)
    srm.append({"counts": counts, "weights": weights, "chi2": float(r.statistic), "p": float(r.pvalue)})
out["srm"] = srm

# Required sample size per arm for a two-sided two-sample test (normal approximation), as statsmodels solves it.
from statsmodels.stats.power import NormalIndPower
power = []
for effect, alpha, pw in [(0.1, 0.05, 0.8), (0.2, 0.05, 0.9), (0.05, 0.01, 0.8), (0.5, 0.1, 0.95)]:
    n = NormalIndPower().solve_power(effect_size=effect, alpha=alpha, power=pw, ratio=1.0, alternative="two-sided")
    power.append({"effect": effect, "alpha": alpha, "power": pw, "n_per_arm": float(n)})
out["sample_size"] = power

# Sticky assignment: FNV-1a 64 of "<experiment>:<salt>:<unit>" (UTF-8), murmur3 fmix64, top 53 bits
# over 2^53 is the unit's point in [0, 1); variants take consecutive slices by weight.
M64 = 2**64 - 1
def assignment_point(exp, salt, unit):
    h = 0xcbf29ce484222325
    for b in f"{exp}:{salt}:{unit}".encode("utf-8"):
        h = ((h ^ b) * 0x100000001b3) & M64
    h ^= h >> 33
    h = (h * 0xff51afd7ed558ccd) & M64
    h ^= h >> 33
    h = (h * 0xc4ceb9fe1a85ec53) & M64
    h ^= h >> 33
    return (h >> 11) / 2**53
assign = []
for exp, salt, unit in [("reranker-v2", "s1", "user-1"), ("reranker-v2", "s1", "user-2"), ("prompt-b", "x", "sess-\u00e9\u00df"), ("model-swap", "2026-12", "42"), ("emoji", "s", "\U0001F600-\u4e2d"), ("", "", "")]:
    assign.append({"experiment": exp, "salt": salt, "unit": unit, "point": assignment_point(exp, salt, unit)})
out["assignment"] = assign

# CUPED: y − θ(x − mean x) with θ = cov(x, y) / var(x) over both arms pooled, then
# Welch test. numpy computes θ and the adjusted values; scipy the test.
x = np.round(rng.normal(10, 2, 300), 6)
y = np.round(0.8 * x + rng.normal(0, 1, 300) + np.r_[np.zeros(150), np.full(150, 0.25)], 6)
theta = float(np.cov(x, y, ddof=1)[0, 1] / np.var(x, ddof=1))
adj = y - theta * (x - x.mean())
r = stats.ttest_ind(adj[150:], adj[:150], equal_var=False)
raw = stats.ttest_ind(y[150:], y[:150], equal_var=False)
out["cuped"] = {"x": x.tolist(), "y": y.tolist(), "split": 150, "theta": theta, "t": float(r.statistic), "p": float(r.pvalue), "raw_p": float(raw.pvalue)}

# Bootstrap: the percentile interval of mean(b) − mean(a) (scipy, many resamples, so its own Monte
# Carlo error is small); the test allows for both sides' resampling error.
ba = np.round(rng.normal(0.70, 0.2, 80), 6)
bb = np.round(rng.normal(0.74, 0.2, 70), 6)
bs = stats.bootstrap((bb, ba), lambda y, x, axis=-1: np.mean(y, axis=axis) - np.mean(x, axis=axis), method="percentile", n_resamples=100000, confidence_level=0.95, random_state=np.random.default_rng(5), vectorized=True)
out["bootstrap"] = {"a": ba.tolist(), "b": bb.tolist(), "ci95": [float(bs.confidence_interval.low), float(bs.confidence_interval.high)], "se": float(bs.standard_error)}

# p95 fixed-horizon reference: scipy's quantile of a log-normal, for the plan's density term.
out["lognormal_p95"] = {"median": 400.0, "log_sd": 0.5, "p95": float(stats.lognorm.ppf(0.95, 0.5, scale=400.0)), "phi_z95": float(stats.norm.pdf(stats.norm.ppf(0.95)))}

# Delta-method (cluster-robust) variance of per-request means when a user's requests are correlated:
# statsmodels' cluster-robust variance of an intercept-only OLS (groups = users) is that variance,
# computed independently of the code's sums formula. Its own generator, so the values above stay put.
import statsmodels.api as sm
crng = np.random.default_rng(17)
def cluster_mean(values, groups):
    r = sm.OLS(np.asarray(values, float), np.ones(len(values))).fit(cov_type="cluster", cov_kwds={"groups": np.asarray(groups)})
    return {"mean": float(r.params[0]), "variance": float(r.bse[0] ** 2)}
arms = []
for lift in (0.0, 0.03):
    units = 40
    sizes = crng.integers(1, 31, units)
    effect = crng.normal(0, 0.15, units)
    unit = np.repeat(np.arange(units), sizes)
    n = len(unit)
    x = np.round(0.7 + effect[unit] + crng.normal(0, 0.05, n), 6)
    q = np.round(0.7 + lift + effect[unit] + crng.normal(0, 0.1, n), 6)
    s = np.round(0.6 + 0.5 * effect[unit] + crng.normal(0, 0.2, n), 6)
    ok = (crng.random(n) < np.clip(0.9 + 0.3 * effect[unit], 0, 1)).astype(int)
    cost = np.round(0.002 * (0.5 + crng.random(n)), 9)
    arms.append({"unit": unit.tolist(), "x": x.tolist(), "quality": q.tolist(), "satisfaction": s.tolist(), "ok": ok.tolist(), "cost": cost.tolist()})
cl = {"arms": arms, "cluster": [], "cuped_unit": {}, "cuped_request": {}}
for a in arms:
    u = np.asarray(a["unit"])
    res = {m: cluster_mean(a[m], u) for m in ("quality", "satisfaction", "ok", "cost")}
    # Cost per successful answer, Σcost / Σok: the delta method on the per-user sums, written out.
    Y = np.bincount(u, weights=a["cost"]); N = np.bincount(u, weights=a["ok"]); K = len(Y)
    r = Y.sum() / N.sum(); c = np.cov(np.vstack([Y, N]), ddof=1)
    var = (c[0, 0] - 2 * r * c[0, 1] + r * r * c[1, 1]) / (K * N.mean() ** 2)
    res["cost_per_success"] = {"mean": float(r), "variance": float(var)}
    res["naive_quality_variance"] = float(np.var(a["quality"], ddof=1) / len(u))
    cl["cluster"].append(res)
# CUPED per metric: θ = cov(x, y) / var(x) over both arms' requests; y − θ(x − x̄). Per user: the
# cluster-robust variance of the adjusted mean; per request: Welch's t on the adjusted values and the
# share of the difference's variance removed (a proportion's raw variance is p(1 − p)/n).
for m in ("quality", "satisfaction", "ok", "cost"):
    xs = np.concatenate([arms[0]["x"], arms[1]["x"]]); ys = np.concatenate([arms[0][m], arms[1][m]]).astype(float)
    theta = float(np.cov(xs, ys, ddof=1)[0, 1] / np.var(xs, ddof=1))
    adj = [np.asarray(a[m], float) - theta * (np.asarray(a["x"]) - xs.mean()) for a in arms]
    cl["cuped_unit"][m] = {"theta": theta, "arms": [cluster_mean(adj[i], arms[i]["unit"]) for i in (0, 1)]}
    raw = [np.asarray(a[m], float) for a in arms]
    rawvar = sum((y.mean() * (1 - y.mean()) / len(y)) if m == "ok" else (np.var(y, ddof=1) / len(y)) for y in raw)
    adjvar = sum(np.var(z, ddof=1) / len(z) for z in adj)
    t = stats.ttest_ind(adj[1], adj[0], equal_var=False)
    cl["cuped_request"][m] = {"theta": theta, "t": float(t.statistic), "reduction": float(1 - adjvar / rawvar)}
out["cluster"] = cl

# Design effect of the p95's slow indicator under a per-user random effect on log latency:
# log L = σ_u·u + σ_e·e, slow = log L above the 95th percentile of its N(0, σ_u² + σ_e²). Two requests
# of one user are bivariate normal with correlation r = σ_u²/(σ_u² + σ_e²), so the indicator's
# intra-user correlation is (P(both slow) − p²)/(p(1 − p)) from scipy's bivariate normal CDF, and
# with m requests per user deff = 1 + (m − 1)ρ. A numpy simulation (cluster-robust variance of the
# proportion over its binomial variance) checks the formula; the tests compare their own estimate to it.
drng = np.random.default_rng(29)
deff_cases = []
for su, se, m in [(0.5, 0.5, 30), (0.25, 0.43, 35), (0.0, 0.5, 25)]:
    sd = math.hypot(su, se)
    z = stats.norm.ppf(0.95)
    r = su * su / (sd * sd)
    p = 0.05
    both = float(stats.multivariate_normal(mean=[0, 0], cov=[[1, r], [r, 1]]).cdf([-z, -z]))  # P(Z1 > z, Z2 > z) by symmetry
    rho = (both - p * p) / (p * (1 - p))
    users = 20000
    lat = su * drng.normal(size=(users, 1)) + se * drng.normal(size=(users, m))
    s_u = (lat > z * sd).sum(axis=1)
    n = users * m
    ph = s_u.sum() / n
    var = ((s_u - ph * m) ** 2).sum() * users / (users - 1) / n**2
    deff_cases.append({"user_sd": su, "request_sd": se, "m": m, "rho": float(rho), "deff": float(1 + (m - 1) * rho), "numpy_deff": float(var / (ph * (1 - ph) / n))})
out["p95_design_effect"] = deff_cases

path = os.path.join(os.path.dirname(__file__), "..", "test", "fixtures", "stats-golden.json")
with open(path, "w") as fh:
    json.dump(out, fh, indent=1)
    fh.write("\n")
print(f"wrote {os.path.relpath(path)}")
