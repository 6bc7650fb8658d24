"""Model bytes per node for a few tree ensembles on sklearn's digits, in the
packed layout (the default) and the refs layout (convert(..., layout="refs")).

    .venv/bin/python benchmarks/tree_sizes.py
"""
import numpy as np
from sklearn import ensemble as E
from sklearn.datasets import load_digits

import microlearn

MODELS = {
    "RandomForestClassifier(10, max_depth=10)": lambda: E.RandomForestClassifier(10, max_depth=10, random_state=0),
    "RandomForestClassifier(100)": lambda: E.RandomForestClassifier(100, random_state=0),
    "GradientBoostingClassifier(50, max_depth=3)": lambda: E.GradientBoostingClassifier(
        n_estimators=50, max_depth=3, random_state=0),
}


def main():
    X, y = load_digits(return_X_y=True)
    print("| model | file bytes (packed) | refs layout | split nodes | leaf rows | bytes per node (packed) |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, make in MODELS.items():
        est = make().fit(X, y)
        model, refs = microlearn.convert(est), microlearn.convert(est, layout="refs")
        nodes = sum(e.tree_.node_count for e in np.ravel(est.estimators_))
        print(f"| {name} | {model.size:,} | {refs.size:,} | {model.info['n_nodes']:,} | {model.info['n_leaves']:,} "
              f"| {model.size / nodes:.1f} |")


if __name__ == "__main__":
    main()
