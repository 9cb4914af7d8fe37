"""The peer of `tensorlift predict` in bench/serve-batch.mjs: pandas + scikit-learn doing the
same read-score-write on the same file. The model (a pipeline of one-hot encoding and
scaling, then HistGradientBoosting or LogisticRegression) is fitted on data/mlc_churn.csv
beforehand and not timed; the timed part is read_csv -> predict_proba -> to_csv of the
input columns plus a probability column, as the CLI writes.
  python3 bench/sklearn_batch.py <train.csv> <in.csv> <out.csv> [hgb|logreg]
Prints one JSON line: {"rows", "seconds", "read", "score", "write", "model", "versions"}."""
import json, sys, time

import pandas as pd
import sklearn
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

train_path, in_path, out_path = sys.argv[1:4]
kind = sys.argv[4] if len(sys.argv) > 4 else "hgb"
train = pd.read_csv(train_path)
y = (train.pop("churn") == "yes").astype(int)
cats = [c for c in train.columns if train[c].dtype == object]
nums = [c for c in train.columns if c not in cats]
pre = ColumnTransformer([("cat", OneHotEncoder(handle_unknown="ignore", sparse_output=False), cats), ("num", StandardScaler(), nums)])
clf = HistGradientBoostingClassifier(random_state=0) if kind == "hgb" else LogisticRegression(max_iter=1000)
model = make_pipeline(pre, clf).fit(train, y)

t0 = time.perf_counter()
df = pd.read_csv(in_path)
t1 = time.perf_counter()
df["probability"] = model.predict_proba(df[cats + nums])[:, 1]
t2 = time.perf_counter()
df.to_csv(out_path, index=False)
t3 = time.perf_counter()
print(json.dumps({"rows": len(df), "seconds": t3 - t0, "read": t1 - t0, "score": t2 - t1, "write": t3 - t2, "model": kind,
                  "versions": {"pandas": pd.__version__, "sklearn": sklearn.__version__}}))
