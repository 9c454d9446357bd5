"""Golden values for domain/analytics statistics, computed with scipy (not by our code).

Run: python3 scripts/analytics-golden.py  (writes test/fixtures/analytics/trend-golden.json)
The tests read the stored file; rerun only when adding cases. Needs numpy and scipy.
"""
import json
import math

import numpy as np
from scipy import stats

rng = np.random.default_rng(20261205)


def mann_kendall(y):
    """The textbook Mann-Kendall test (Hipel & McLeod 1994), tie-corrected variance, continuity correction."""
    n = len(y)
    s = 0
    for i in range(n - 1):
        s += np.sign(y[i + 1:] - y[i]).sum()
    _, counts = np.unique(y, return_counts=True)
    var = (n * (n - 1) * (2 * n + 5) - sum(t * (t - 1) * (2 * t + 5) for t in counts)) / 18.0
    if s > 0:
        z = (s - 1) / math.sqrt(var)
    elif s < 0:
        z = (s + 1) / math.sqrt(var)
    else:
        z = 0.0
    p = 2 * (1 - stats.norm.cdf(abs(z)))
    return int(s), float(var), float(z), float(p)


cases = []
series = {
    "rising": 0.70 + 0.004 * np.arange(30) + rng.normal(0, 0.02, 30),
    "flat": 0.80 + rng.normal(0, 0.02, 30),
    "falling_short": 0.85 - 0.01 * np.arange(10) + rng.normal(0, 0.01, 10),
    "ties": np.round(0.75 + 0.002 * np.arange(25) + rng.normal(0, 0.01, 25), 2),
    "noisy_90": 0.78 + 0.0005 * np.arange(90) + rng.normal(0, 0.05, 90),
}
for name, y in series.items():
    x = np.arange(len(y), dtype=float)
    res = stats.theilslopes(y, x, alpha=0.95)
    s, var, z, p = mann_kendall(y)
    cases.append({
        "name": name,
        "y": [float(v) for v in y],
        "theilSen": {"slope": float(res[0]), "intercept": float(res[1]), "low": float(res[2]), "high": float(res[3])},
        "mannKendall": {"s": s, "variance": var, "z": z, "p": p},
    })

with open("test/fixtures/analytics/trend-golden.json", "w") as f:
    json.dump({"generatedBy": "scripts/analytics-golden.py (scipy " + __import__("scipy").__version__ + ")", "cases": cases}, f, indent=1)
print("wrote", len(cases), "cases")
