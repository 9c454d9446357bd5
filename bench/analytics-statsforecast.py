"""Nixtla statsforecast on the series bench/analytics.ts forecasts (bench only; pip install statsforecast).

Reads JSON {"series": [[...train...]], "horizon": h, "held": [[...]]} from argv[1]; prints one JSON
line: per model MASE on the held-out week (seasonal-naive scale, m = 168), 80/95 % coverage, fit time.
"""
import json
import sys
import time

import numpy as np
import pandas as pd
import statsforecast
from statsforecast import StatsForecast
from statsforecast.models import MSTL, AutoETS, SeasonalNaive

data = json.load(open(sys.argv[1]))
h = data["horizon"]
frames = []
for k, y in enumerate(data["series"]):
    frames.append(pd.DataFrame({"unique_id": f"s{k}", "ds": np.arange(len(y)), "y": y}))
df = pd.concat(frames)
models = [AutoETS(season_length=24, alias="AutoETS"), MSTL(season_length=[24, 168], trend_forecaster=AutoETS(model="ZZN"), alias="MSTL"), SeasonalNaive(season_length=168)]
out = {"statsforecast": statsforecast.__version__}
for model in models:
    sf = StatsForecast(models=[model], freq=1, n_jobs=1)
    t0 = time.perf_counter()
    fc = sf.forecast(df=df, h=h, level=[80, 95])
    seconds = time.perf_counter() - t0
    name = model.alias
    mase, c80, c95 = [], [], []
    for k, y in enumerate(data["series"]):
        f = fc[fc["unique_id"] == f"s{k}"]
        held = np.array(data["held"][k])
        y = np.array(y)
        scale = np.mean(np.abs(y[168:] - y[:-168]))
        mase.append(float(np.mean(np.abs(held - f[name].values)) / scale))
        c80.append(float(np.mean((held >= f[f"{name}-lo-80"].values) & (held <= f[f"{name}-hi-80"].values))))
        c95.append(float(np.mean((held >= f[f"{name}-lo-95"].values) & (held <= f[f"{name}-hi-95"].values))))
    out[name] = {"mase": float(np.mean(mase)), "coverage80": float(np.mean(c80)), "coverage95": float(np.mean(c95)), "secondsPerSeries": seconds / len(data["series"])}
print(json.dumps(out))
