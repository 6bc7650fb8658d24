"""scikit-learn Gaussian models -> .mlm (kind gaussian).

GaussianNB, GaussianMixture, BayesianGaussianMixture and EllipticEnvelope are
all K Gaussian components (include/microlearn/gaussian.hpp): a mean, an
upper-triangular factor P of the precision (precision = P P^T, scikit-learn's
precisions_cholesky_) and a constant c_k that holds every term not depending
on x, computed here in float64:

    log_k(x) = c_k - ||P_k^T (x - mu_k)||^2 / 2
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .. import mlm
from ..errors import UnsupportedEstimatorError
from .common import float32_features_only

# Mirrors of include/microlearn/gaussian.hpp.
S_PARAMS, S_FLOAT_PARAMS, S_MEANS, S_CONSTANTS, S_FACTORS, S_CENTRING = 1, 2, 3, 4, 5, 6
TASK_CLASSIFICATION, TASK_ANOMALY, TASK_CLUSTERING = 1, 2, 3
COVARIANCE_TYPES = ("full", "tied", "diag", "spherical")
MAX_FEATURES = 65535
FLOAT32_LOWEST = float(np.finfo(np.float32).min)


@dataclass
class Gaussians:
    means: np.ndarray        # (K, d)
    constants: np.ndarray    # (K,)
    covariance: str          # one of COVARIANCE_TYPES
    factors: np.ndarray      # full (K, d, d) / tied (d, d) upper triangular; diag (K, d); spherical (K,)
    task: int
    classes: np.ndarray | None = None
    offset: float = 0.0
    common: np.ndarray | None = None  # (1 + r, d): a centre m, then G^T (the common term ||G^T (x - m)||^2)
    metadata: dict = field(default_factory=dict)


# ---------------------------------------------------------------- extraction

def upper_factor(precision: np.ndarray) -> np.ndarray:
    """An upper-triangular P with P P^T = precision (symmetric, positive
    semi-definite; pinvh's output may be singular, where Cholesky fails).
    With F = V sqrt(L) from eigh and J the reversal: QR of (J F)^T = Q R gives
    J precision J = R^T R, so P = J R^T J."""
    lam, V = np.linalg.eigh((precision + precision.T) / 2)
    F = V * np.sqrt(np.clip(lam, 0.0, None))
    R = np.linalg.qr(F[::-1].T, mode="r")
    return R.T[::-1, ::-1]


def _triangular(P: np.ndarray) -> np.ndarray:
    """P itself when it is upper triangular (scikit-learn's
    precisions_cholesky_ are), else an upper factor of P P^T."""
    return P if not np.any(np.tril(P, -1)) else upper_factor(P @ P.T)


def naive_bayes(est) -> Gaussians:
    var = np.asarray(est.var_, np.float64)
    if np.any(~(var > 0)):
        raise UnsupportedEstimatorError(
            "GaussianNB with a zero variance (a constant feature and var_smoothing=0): scikit-learn "
            "itself divides by zero there; fit with var_smoothing > 0")
    with np.errstate(divide="ignore"):  # a class prior of 0: log 0 = -inf, never predicted
        log_prior = np.log(np.asarray(est.class_prior_, np.float64))
    theta = np.asarray(est.theta_, np.float64)
    # A feature with the same mean and variance in every class (a feature constant in training:
    # var_smoothing's epsilon) adds the same term to every class's log-likelihood, so it cannot change
    # predict or predict_proba; but away from that constant the term is huge (epsilon is tiny) and in
    # float32 it would drown the classes' differences. Its factor is stored as 0, which drops the x term
    # (the constants keep its log-variance term: the log-likelihoods stay exact at the constant).
    common = np.all(theta == theta[:1], axis=0) & np.all(var == var[:1], axis=0)
    factors = np.where(common, 0.0, 1.0 / np.sqrt(var))
    constants = log_prior - 0.5 * np.sum(np.log(2.0 * np.pi * var), axis=1)
    return Gaussians(theta, constants, "diag", factors, TASK_CLASSIFICATION, classes=est.classes_)


def mixture(est) -> Gaussians:
    """GaussianMixture and BayesianGaussianMixture: scikit-learn's
    _estimate_weighted_log_prob, whose terms beside the quadratic form are
    per-component constants."""
    from sklearn.mixture._gaussian_mixture import _compute_log_det_cholesky, _estimate_log_gaussian_prob
    cov = est.covariance_type
    means = np.asarray(est.means_, np.float64)
    P = np.asarray(est.precisions_cholesky_, np.float64)
    d = means.shape[1]
    log_det = _compute_log_det_cholesky(P, cov, d)
    # BayesianGaussianMixture adds digamma and degrees-of-freedom terms to the
    # log-density (_estimate_log_prob); they do not depend on x, so any row
    # gives them (exactly 0 for GaussianMixture). Component k's at its own
    # mean, where its log-density is small, so the difference rounds least.
    with np.errstate(all="ignore"):
        extra = np.diag(est._estimate_log_prob(means) - _estimate_log_gaussian_prob(means, means, P, cov))
    constants = est._estimate_log_weights() + extra - 0.5 * d * np.log(2.0 * np.pi) + log_det
    if cov == "full":
        P = np.stack([_triangular(p) for p in P])
    elif cov == "tied":
        P = _triangular(P)
    P, common = split_common_term(means, cov, P)
    return Gaussians(means, constants, cov, P, TASK_CLUSTERING, common=common)


STIFF = 1e4          # a precision eigenvalue this many times the smallest one is a "stiff" direction
LEVEL = 1e-9         # components' means may differ along it by this many of its standard deviations,
ROUNDING = 32 * np.finfo(np.float64).eps  # or by this much relative to the means (their float64 rounding)
MARGIN = 1e-7        # the common term stays this fraction below every component's (positive residuals)


def split_common_term(means: np.ndarray, cov: str, P: np.ndarray):
    """(factors, common): the mixture's factors less a term every component
    shares, and that term as (1 + r, d) rows: a centre m, then the columns of
    G, for ||G^T (x - m)||^2; or (P, None) when there is none.

    Data constant in training, or features that are exact linear combinations
    of others, leave only reg_covar's variance in some directions: off that
    subspace every component's q_k(x) holds (distance)^2 / reg_covar, so large
    that float32 lost the components' differences under it (labels differed
    from scikit-learn's). Where the components' means lie level along those
    stiff directions (to LEVEL), G G^T takes all but MARGIN of the smallest
    of the components' precisions there, so that every residual precision
    Lambda_k - G G^T stays positive semi-definite and is factored as before;
    the engine compares the components on the residuals and adds the common
    term back after the logsumexp. The split is exact: q_k(x) = residual_k +
    common, up to the means' differences along G (below LEVEL, or within
    the float64 rounding of means far from 0, which scikit-learn's own
    X P - mu P carries too)."""
    K, d = means.shape
    if cov == "spherical" or K < 2 or d < 2:
        return P, None
    if cov == "diag":
        prec = P ** 2  # (K, d)
        stiff = prec[0] > STIFF * prec[0].min()
        tol = LEVEL / np.sqrt(prec[0]) + ROUNDING * np.abs(means).max(axis=0)
        stiff &= np.all(np.abs(means - means[:1]) <= tol, axis=0)
        if not stiff.any():
            return P, None
        shared = np.where(stiff, prec.min(axis=0) * (1 - MARGIN), 0.0)
        G = np.diag(np.sqrt(shared))[:, stiff]
        return np.sqrt(prec - shared), np.vstack([means[0], G.T])
    precisions = P @ np.swapaxes(P, -1, -2)
    lam, vec = np.linalg.eigh(precisions if cov == "tied" else precisions[0])
    stiff = lam > STIFF * lam.min()
    if not stiff.any():
        return P, None
    V = vec[:, stiff] * np.sqrt(lam[stiff])  # stiff directions scaled by their precision
    tol = LEVEL / np.sqrt(lam[stiff]) + ROUNDING * np.abs(means).max()
    if np.any(np.abs((means - means[:1]) @ vec[:, stiff]) > tol):
        return P, None
    # c V V^T <= Lambda_k  iff  c lambda_max(V^T Lambda_k^-1 V) <= 1 (Schur complement)
    stack = precisions[None] if cov == "tied" else precisions
    c = min(1.0 / np.linalg.eigvalsh(V.T @ np.linalg.solve(p, V)).max() for p in stack) * (1 - MARGIN)
    G = V * np.sqrt(c)
    rest = np.stack([upper_factor(p - G @ G.T) for p in stack])
    return (rest[0] if cov == "tied" else rest), np.vstack([means[0], G.T])


def elliptic_envelope(est) -> Gaussians:
    location = np.asarray(est.location_, np.float64).reshape(1, -1)
    P = upper_factor(np.asarray(est.get_precision(), np.float64))
    return Gaussians(location, np.zeros(1), "full", P[None], TASK_ANOMALY, offset=float(est.offset_))


# ------------------------------------------------------------------ encoding

def packed_triangles(P: np.ndarray) -> np.ndarray:
    """Upper triangles (..., d, d) column by column: P[0..j, j] for each j."""
    d = P.shape[-1]
    rows, cols = np.triu_indices(d)
    order = np.lexsort((rows, cols))  # by column, then row
    return P[..., rows[order], cols[order]].reshape(-1)


def _float32(name: str, values: np.ndarray, estimator: str) -> np.ndarray:
    out = np.asarray(values, np.float64)
    with np.errstate(over="ignore"):
        f = out.astype(np.float32)
    if not np.all(np.isfinite(f)):
        raise UnsupportedEstimatorError(f"{estimator}: its {name} are not finite in float32 "
                                        f"(largest magnitude {np.max(np.abs(out)):.3g})")
    return f


def encode(g: Gaussians, estimator: str) -> bytes:
    K, d = g.means.shape
    factors = packed_triangles(g.factors) if g.covariance in ("full", "tied") else g.factors.reshape(-1)
    constants = np.where(np.isneginf(g.constants), FLOAT32_LOWEST, g.constants)  # a class never predicted
    params = np.array([d, K, K if g.task == TASK_CLASSIFICATION else 0, g.task,
                       COVARIANCE_TYPES.index(g.covariance), 0], np.uint32)
    # The centre c (the float32 nearest the first component's mean, per feature, which is also the
    # common term's m): means are stored relative to it and the engine computes (x - c) - (mu - c),
    # whose first step is exact for x near c, so features far from 0 relative to their spread keep
    # their digits (a float32 mean of 1e4 is off by up to 5e-4), and m - c is below float32's step
    # at c (a stiff direction multiplies its rounding by up to 1e3).
    centre = _float32("means", g.means[0], estimator).astype(np.float64)
    centring = [centre]
    if g.common is not None:
        centring += [g.common[0] - centre, *g.common[1:]]
    sections = {
        S_PARAMS: params,
        S_MEANS: _float32("means", g.means - centre, estimator),
        S_CONSTANTS: _float32("log-density constants", constants, estimator),
        S_FACTORS: _float32("precision factors", factors, estimator),
    }
    if g.offset != 0.0:
        sections[S_FLOAT_PARAMS] = _float32("offset", np.array([g.offset]), estimator)
    sections[S_CENTRING] = _float32("centre and common term", np.vstack(centring), estimator).reshape(-1)
    meta = dict(g.metadata)
    meta.update(estimator=estimator, feature_dtype="float32", covariance_type=g.covariance)
    if g.classes is not None:
        sections.update(mlm.class_label_sections(g.classes))
        meta.update(mlm.classes_metadata(g.classes))
    return mlm.write(mlm.KIND_GAUSSIAN, sections, metadata=meta)


# ----------------------------------------------------------------- dispatch

def extractors():
    """scikit-learn class -> function giving its Gaussians."""
    from sklearn.covariance import EllipticEnvelope
    from sklearn.mixture import BayesianGaussianMixture, GaussianMixture
    from sklearn.naive_bayes import GaussianNB
    return {
        GaussianNB: naive_bayes,
        GaussianMixture: mixture,
        BayesianGaussianMixture: mixture,
        EllipticEnvelope: elliptic_envelope,
    }


def convert(est, base=None, feature_dtype="float32", feature_scale=1.0, feature_offset=0.0) -> bytes:
    """`base`: the scikit-learn class `est` converts as (itself, or the
    supported class of a subclass; microlearn.converters.resolve)."""
    name = type(est).__name__
    float32_features_only(name, "Gaussian models", feature_dtype, feature_scale, feature_offset,
                          " (their log-densities need the float range)")
    if est.n_features_in_ > MAX_FEATURES:
        raise UnsupportedEstimatorError(f"{name} on {est.n_features_in_:,} features: Gaussian models take "
                                        f"at most {MAX_FEATURES:,}")
    g = extractors()[base or type(est)](est)
    names = getattr(est, "feature_names_in_", None)  # fitted on a DataFrame
    if names is not None:
        g.metadata["feature_names"] = [str(n) for n in names]
    return encode(g, name)
