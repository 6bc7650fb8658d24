"""The float32 error bound of the SVM engine's decision values (docs/svm.md),
shared by the host and device tests.

Per support vector s the engine's kernel value k_s carries the rounding of a
float32 dot product or distance over n features of float32 support vectors
(relative (n + 2) eps of the sum of |terms|), then the kernel function's
own (math::exp, kernels::tanh, powi); the decision sums n_sv products
coef_s k_s in float32. decision_bound() adds these worst cases per row,
computed from float64 kernel values; it is what the tests (and docs) call
the worst case of one decision value. Real errors stay far below it (at
most 1/25 of it over 40 random models), so the tests check one eighth of it:
decision_tolerance()."""
import numpy as np

EPS = 2.0 ** -24


def decision_bound(est, X) -> np.ndarray:
    X = np.asarray(X, np.float64)
    sv = np.asarray(est.support_vectors_.toarray() if hasattr(est.support_vectors_, "toarray")
                    else est.support_vectors_, np.float64)
    coef = np.abs(np.asarray(est._dual_coef_.toarray() if hasattr(est._dual_coef_, "toarray")
                             else est._dual_coef_, np.float64)).sum(axis=0)  # every pair's share at once
    n, n_sv = X.shape[1], len(sv)
    g, c0 = float(est._gamma), float(est.coef0)
    u = (n + 2) * EPS
    absdot = np.abs(X) @ np.abs(sv).T                 # sum_i |x_i sv_i|
    if est.kernel == "linear":
        K = X @ sv.T
        err = u * absdot
    elif est.kernel == "rbf":
        d2 = np.maximum((X ** 2).sum(1)[:, None] + (sv ** 2).sum(1)[None] - 2 * X @ sv.T, 0)
        K = np.exp(-g * d2)
        err = K * (u * g * (d2 + 2 * absdot) + 8 * EPS)
    elif est.kernel == "poly":
        base = g * (X @ sv.T) + c0
        deg = int(est.degree)
        base_err = u * (abs(g) * absdot + abs(c0))
        K = base ** deg
        err = deg * (np.abs(base) + base_err) ** max(deg - 1, 0) * base_err + 2 * deg * EPS * np.abs(K)
    else:  # sigmoid
        z = g * (X @ sv.T) + c0
        K = np.tanh(z)
        err = u * (abs(g) * absdot + abs(c0)) + 3e-7
    b = np.max(np.abs(est._intercept_))
    terms = (coef[None] * np.abs(K)).sum(1)
    return 2 * ((coef[None] * err).sum(1) + (n_sv + 2) * EPS * (terms + b)) + 1e-6


def decision_tolerance(est, X) -> np.ndarray:
    """What the tests allow per row: decision_bound / 8."""
    return decision_bound(est, X) / 8
