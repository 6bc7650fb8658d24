"""Shared inputs for the tree tests."""
import numpy as np


def at_thresholds(est, X, n=200, seed=0):
    """Rows whose features sit exactly on (float32-rounded) split thresholds,
    and one float32 step either side: where a wrong comparison shows."""
    rng = np.random.default_rng(seed)
    trees = [e.tree_ for e in getattr(est, "estimators_", [est]) if hasattr(e, "tree_")]
    if not trees and hasattr(est, "estimators_"):  # gradient boosting: 2-D array of trees
        trees = [e.tree_ for e in np.ravel(est.estimators_)]
    rows = X[rng.integers(0, len(X), n)].astype(np.float32).copy()
    for t in trees:
        split = t.children_left >= 0
        for f, thr in zip(t.feature[split][:20], t.threshold[split][:20]):
            r = rng.integers(0, n)
            t32 = np.float32(thr)
            rows[r, f] = rng.choice([t32, np.nextafter(t32, np.float32(np.inf)),
                                     np.nextafter(t32, np.float32(-np.inf))])
    return rows
