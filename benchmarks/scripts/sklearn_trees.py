"""scikit-learn's side of dev.mlapi.training.TreeFitBenchmark (BENCHMARKS.md).

  python sklearn_trees.py TASKS_JSON

TASKS_JSON is a list of {"id", "csv", "target", "regression", "algorithm", "params", "train_rows",
"warmup", "rounds"}: each CSV's first train_rows rows train, the rest are scored. For each task:
`warmup` unmeasured fits, then `rounds` measured ones (time.perf_counter around fit alone, one
thread), and one JSON line: the median, minimum and maximum fit seconds and the held-out score
(accuracy or R²) of the last fit. A task with a "grid" instead runs GridSearchCV(n_jobs=1) once on
all the CSV's rows (StratifiedKFold(5, shuffle=True, random_state=42)) and prints its wall seconds
(search and refit), best score and best parameters.
"""
import json
import statistics
import sys
import time

import pandas as pd
from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor
from sklearn.metrics import accuracy_score, r2_score
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

SEED = 42


def estimator(algorithm, regression, params):
    if algorithm == "random_forest":
        cls = RandomForestRegressor if regression else RandomForestClassifier
        return cls(random_state=SEED, n_jobs=1, **params)
    cls = DecisionTreeRegressor if regression else DecisionTreeClassifier
    return cls(random_state=SEED, **params)


def main(tasks_file):
    with open(tasks_file) as f:
        tasks = json.load(f)
    for t in tasks:
        table = pd.read_csv(t["csv"])
        y = table[t["target"]]
        x = table.drop(columns=[t["target"]]).to_numpy(dtype=float)
        if "grid" in t:
            search = GridSearchCV(estimator(t["algorithm"], t["regression"], {}), t["grid"],
                                  cv=StratifiedKFold(5, shuffle=True, random_state=SEED), n_jobs=1)
            started = time.perf_counter()
            search.fit(x, y)
            seconds = time.perf_counter() - started
            print(json.dumps({"id": t["id"], "seconds": seconds, "best_score": search.best_score_,
                              "best_params": search.best_params_}), flush=True)
            continue
        n = t["train_rows"]
        times = []
        model = None
        for i in range(t["warmup"] + t["rounds"]):
            model = estimator(t["algorithm"], t["regression"], t["params"])
            started = time.perf_counter()
            model.fit(x[:n], y[:n])
            if i >= t["warmup"]:
                times.append(time.perf_counter() - started)
        predicted = model.predict(x[n:])
        score = r2_score(y[n:], predicted) if t["regression"] else accuracy_score(y[n:], predicted)
        print(json.dumps({"id": t["id"], "median": statistics.median(times), "min": min(times),
                          "max": max(times), "score": score}), flush=True)


if __name__ == "__main__":
    main(sys.argv[1])
