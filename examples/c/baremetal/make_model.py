"""Trains the example's model and writes what the firmware compiles in:
model.h (Model.to_c_header) and rows.h (the rows to classify, as exact
float32 hex literals), into the folder given (default: here)."""
import sys
from pathlib import Path

import numpy as np
from sklearn.datasets import load_iris
from sklearn.ensemble import RandomForestClassifier

import microlearn

out = Path(sys.argv[1] if len(sys.argv) > 1 else ".")
X, y = load_iris(return_X_y=True)
forest = RandomForestClassifier(10, max_depth=3, random_state=0).fit(X, y)
microlearn.convert(forest).to_c_header(out / "model.h", name="model")
rows = X[::5].astype(np.float32)
lines = [f"#define N_ROWS {len(rows)}", f"#define N_FEATURES {rows.shape[1]}",
         "static const float rows[N_ROWS][N_FEATURES] = {"]
lines += ["    {" + ", ".join(f"{float(v).hex()}f" for v in row) + "}," for row in rows]
(out / "rows.h").write_text("\n".join(lines + ["};", ""]))
