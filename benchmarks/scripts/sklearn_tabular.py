"""scikit-learn's side of dev.mlapi.training.SklearnComparisonBenchmark (BENCHMARKS.md).

  python sklearn_tabular.py write DIR
      writes cars.csv, cars_mpg.csv (rows with a blank Miles_per_Gallon dropped) and
      seattle-weather.csv into DIR from the installed vega_datasets package (nothing downloaded).
  python sklearn_tabular.py fit DIR TASKS_JSON
      runs GridSearchCV(Pipeline(ColumnTransformer(...), estimator)) for each task in TASKS_JSON
      (a list of {"id", "csv", "target", "task", "algorithm", "grid", "class_weight", "ignore",
      "dates", "text"}) and prints one JSON line per task: best score, best params, wall seconds.

Preprocessing mirrors the training library's: numeric columns SimpleImputer(median); a date
column split into year, month, day, ISO weekday (numbers, median-imputed); text columns
SimpleImputer(most_frequent) + OneHotEncoder(handle_unknown='ignore'). CV: StratifiedKFold(5,
shuffle=True, random_state=42) for classification, KFold(5, shuffle=True, random_state=42) for
regression; accuracy / R².
"""
import json
import os
import sys
import time

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LinearRegression
from sklearn.model_selection import GridSearchCV, KFold, StratifiedKFold
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import OneHotEncoder
from sklearn.tree import DecisionTreeClassifier

SEED = 42


def write(out):
    import vega_datasets
    base = os.path.join(os.path.dirname(vega_datasets.__file__), "_data")
    os.makedirs(out, exist_ok=True)
    cars = pd.read_json(os.path.join(base, "cars.json"))
    cars["Year"] = pd.to_datetime(cars["Year"]).dt.strftime("%Y-%m-%d")
    cars.to_csv(os.path.join(out, "cars.csv"), index=False)
    cars[cars["Miles_per_Gallon"].notna()].to_csv(os.path.join(out, "cars_mpg.csv"), index=False)
    weather = pd.read_csv(os.path.join(base, "seattle-weather.csv"))
    # the file writes 2012/01/01; ISO-8601 (2012-01-01) is what a date column is
    weather["date"] = pd.to_datetime(weather["date"]).dt.strftime("%Y-%m-%d")
    weather.to_csv(os.path.join(out, "seattle-weather.csv"), index=False)


def estimator(algorithm, regression, class_weight):
    if algorithm == "random_forest":
        if regression:
            return RandomForestRegressor(random_state=SEED)
        return RandomForestClassifier(random_state=SEED, class_weight=class_weight)
    if algorithm == "decision_tree":
        return DecisionTreeClassifier(random_state=SEED, class_weight=class_weight)
    if algorithm == "linear_regression":
        return LinearRegression()
    raise ValueError(algorithm)


def fit(folder, tasks):
    for t in tasks:
        frame = pd.read_csv(os.path.join(folder, t["csv"]), keep_default_na=True)
        y = frame.pop(t["target"])
        frame = frame.drop(columns=t["ignore"])
        for d in t["dates"]:
            parsed = pd.to_datetime(frame.pop(d))
            for part, values in (("year", parsed.dt.year), ("month", parsed.dt.month), ("day", parsed.dt.day),
                                 ("weekday", parsed.dt.dayofweek + 1)):
                frame[d + "_" + part] = values.astype(float)
        text = t["text"]
        numeric = [c for c in frame.columns if c not in text]
        for c in text:
            frame[c] = frame[c].astype(object).where(frame[c].notna(), np.nan)
        pre = ColumnTransformer([
            ("num", SimpleImputer(strategy="median"), numeric),
            ("text", make_pipeline(SimpleImputer(strategy="most_frequent"),
                                   OneHotEncoder(handle_unknown="ignore")), text),
        ])
        regression = t["task"] == "regression"
        pipe = Pipeline([("pre", pre), ("model", estimator(t["algorithm"], regression, t.get("class_weight")))])
        grid = {"model__" + k: v for k, v in t["grid"].items()}
        cv = KFold(5, shuffle=True, random_state=SEED) if regression else StratifiedKFold(5, shuffle=True,
                                                                                          random_state=SEED)
        search = GridSearchCV(pipe, grid if grid else {}, cv=cv, scoring="r2" if regression else "accuracy",
                              n_jobs=1)
        started = time.perf_counter()
        search.fit(frame, y)
        seconds = time.perf_counter() - started
        print(json.dumps({"id": t["id"], "best_score": float(search.best_score_),
                          "best_params": {k[len("model__"):]: v for k, v in search.best_params_.items()},
                          "seconds": seconds, "rows": int(len(frame)), "features_in": numeric + text}), flush=True)


if __name__ == "__main__":
    if sys.argv[1] == "write":
        write(sys.argv[2])
    elif sys.argv[1] == "fit":
        with open(sys.argv[3]) as f:
            fit(sys.argv[2], json.load(f))
    else:
        raise SystemExit(__doc__)
