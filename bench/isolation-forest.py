"""scikit-learn's IsolationForest on the data bench/isolation-forest.ts wrote, for the side-by-side.

Usage: python3 bench/isolation-forest.py DATA.f64 LABELS.u8 N D SEED REPS [SCORES_OUT.f64]
DATA is N×D float64 little-endian row-major, LABELS N bytes (1 = planted outlier). After one
warm-up fit on the first 10,000 rows, fits and scores REPS times and prints one JSON line
{fitMs, scoreMs, cpuMs (medians), auc, ...}; with SCORES_OUT it also writes the anomaly scores
(−score_samples, higher = more anomalous) so the caller can recompute the AUC with its own code.
Exits 3 with a hint when scikit-learn is not installed. Benchmark only: not a runtime dependency.
"""
import json
import sys
import time

try:
    import numpy as np
    import sklearn
    from sklearn.ensemble import IsolationForest
    from sklearn.metrics import roc_auc_score
except ImportError as err:  # the TypeScript side prints how to install and marks the row skipped
    print(json.dumps({"skipped": f"scikit-learn not importable ({err}); install it with: pip install scikit-learn"}))
    sys.exit(3)


def main() -> None:
    data_path, labels_path = sys.argv[1], sys.argv[2]
    n, d, seed, reps = int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])
    scores_path = sys.argv[7] if len(sys.argv) > 7 else None
    X = np.fromfile(data_path, dtype="<f8").reshape(n, d)
    y = np.fromfile(labels_path, dtype=np.uint8)
    IsolationForest(n_estimators=100, max_samples=256, random_state=seed).fit(X[:10_000]).score_samples(X[:10_000])
    fit_ms, score_ms, cpu_ms = [], [], []
    for _ in range(reps):
        model = IsolationForest(n_estimators=100, max_samples=256, random_state=seed)
        c0 = time.process_time()
        t0 = time.perf_counter()
        model.fit(X)
        t1 = time.perf_counter()
        scores = -model.score_samples(X)
        t2 = time.perf_counter()
        cpu_ms.append((time.process_time() - c0) * 1000)  # ≈ wall time when it runs on one core
        fit_ms.append((t1 - t0) * 1000)
        score_ms.append((t2 - t1) * 1000)
    if scores_path:
        scores.astype("<f8").tofile(scores_path)
    try:
        from threadpoolctl import threadpool_info
        threads = [{"api": p.get("internal_api"), "threads": p.get("num_threads")} for p in threadpool_info()]
    except ImportError:
        threads = []
    print(json.dumps({
        "fitMs": float(np.median(fit_ms)),
        "scoreMs": float(np.median(score_ms)),
        "cpuMs": float(np.median(cpu_ms)),
        "auc": float(roc_auc_score(y, scores)),
        "sklearn": sklearn.__version__,
        "numpy": np.__version__,
        "python": sys.version.split()[0],
        "threads": threads,
    }))


if __name__ == "__main__":
    main()
