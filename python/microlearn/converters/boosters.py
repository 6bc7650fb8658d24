"""XGBoost, LightGBM and CatBoost boosters -> the trees family's Ensemble.

Each library is read from its own model dump (XGBoost's JSON model, LightGBM's
dump_model(), CatBoost's JSON export), never by evaluating it, and each
library's split rule is turned into the engine's one rule, "go left iff
float32(x) <= t" with a per-node NaN direction:

    XGBoost   left iff x < c (c float32)        -> t = the float32 below c
    LightGBM  left iff double(x) <= c (double)  -> t = largest float32 <= c;
              missing_type None: NaN is 0.0; Zero: |x| <= 1e-35 and NaN take
              the default side; NaN: NaN takes the default side
    CatBoost  bit 1 (right) iff x > b (float32) -> t = b; NaN per feature

so every split decides exactly as the library does on float32 inputs. After
conversion, convert() compares the engine's raw scores with the library's
own on generated rows, thresholds included, and refuses the model if they
differ (a self-check against dump formats changing under us).
"""
from __future__ import annotations

import json
import sys

import numpy as np

from ..errors import UnsupportedEstimatorError
from .trees import (FLAG_AVERAGE, T_LOGISTIC, T_NONE, T_SOFTMAX, TASK_CLASSIFICATION,
                    TASK_REGRESSION, Ensemble, Tree)


def _float32_below(c: np.ndarray) -> np.ndarray:
    """The largest float32 < c, for float32 c (as float64): x < c iff x <= this."""
    c32 = np.asarray(c, np.float64).astype(np.float32)
    return np.nextafter(c32, np.float32(-np.inf)).astype(np.float64)


class _TreeBuilder:
    """Collects one tree's nodes in scikit-learn's array form."""

    def __init__(self, width: int = 1):
        self.feature, self.threshold, self.left, self.right, self.nan_left, self.value = [], [], [], [], [], []
        self.width = width

    def node(self) -> int:
        self.feature.append(-2)
        self.threshold.append(0.0)
        self.left.append(-1)
        self.right.append(-1)
        self.nan_left.append(False)
        self.value.append(np.zeros(self.width))
        return len(self.feature) - 1

    def split(self, i, feature, threshold, nan_left, left, right):
        self.feature[i], self.threshold[i], self.nan_left[i] = feature, threshold, nan_left
        self.left[i], self.right[i] = left, right

    def tree(self, output: int = 0) -> Tree:
        return Tree(np.array(self.feature, np.int64), np.array(self.threshold, np.float64),
                    np.array(self.left, np.int64), np.array(self.right, np.int64),
                    np.array(self.nan_left, bool), np.array(self.value, np.float64).reshape(-1, self.width),
                    output)


def _classes(est, n_classes):
    classes = getattr(est, "classes_", None)
    return np.arange(n_classes) if classes is None else np.asarray(classes)


# ----------------------------------------------------------------- XGBoost

def _xgb_booster(est):
    import xgboost
    if isinstance(est, xgboost.Booster):
        return est, None
    missing = getattr(est, "missing", np.nan)
    if missing is not None and not (isinstance(missing, (float, np.floating)) and np.isnan(missing)):
        raise UnsupportedEstimatorError(
            f"{type(est).__name__}(missing={missing!r}): only missing=nan converts (the device routes NaN, "
            "not other values, as missing)")
    return est.get_booster(), est


def _xgb_iterations(wrapper):
    """The number of iterations the scikit-learn wrapper's predict() uses:
    up to best_iteration whenever the booster has one (early_stopping_rounds,
    an EarlyStopping callback, or a saved model that had either), as XGBoost's
    own _get_iteration_range() does; None for all of them. (A raw Booster's
    predict() uses all iterations.)"""
    try:
        return None if wrapper is None else wrapper.best_iteration + 1
    except AttributeError:
        return None


def xgboost_ensemble(est) -> Ensemble:
    booster, wrapper = _xgb_booster(est)
    model = json.loads(booster.save_raw(raw_format="json"))["learner"]
    params = model["learner_model_param"]
    objective = model["objective"]["name"]
    gb = model["gradient_booster"]
    # dart: gbtree's trees, each weighted at predict time (weight_drop[i] * leaf).
    weights = gb["weight_drop"] if gb["name"] == "dart" else None
    if gb["name"] == "dart":
        gb = gb["gbtree"]
    if gb["name"] != "gbtree":
        raise UnsupportedEstimatorError(
            f"XGBoost booster={gb['name']!r}: only tree boosters (gbtree, dart) convert; gblinear is a linear model")
    trees_json, tree_info = gb["model"]["trees"], gb["model"]["tree_info"]
    iterations = _xgb_iterations(wrapper)
    if iterations is not None:
        stop = gb["model"]["iteration_indptr"][iterations]
        trees_json, tree_info = trees_json[:stop], tree_info[:stop]
    n_features = int(params["num_feature"])
    n_groups = max(1, int(params["num_class"]))
    if int(params.get("num_target", 1)) > 1:
        raise UnsupportedEstimatorError("XGBoost with several targets (num_target > 1) is not supported")
    trees = []
    for t, group in zip(trees_json, tree_info):
        if int(t["tree_param"].get("size_leaf_vector", 1)) > 1:
            raise UnsupportedEstimatorError("XGBoost multi_strategy='multi_output_tree' is not supported")
        if any(t["split_type"]):
            feature = t["split_indices"][int(np.flatnonzero(t["split_type"])[0])]
            raise UnsupportedEstimatorError(
                f"XGBoost categorical split on feature {feature}: categorical features are not supported "
                "(one-hot encode them before training)")
        left, right = np.array(t["left_children"]), np.array(t["right_children"])
        leaf = left < 0
        cond = np.array(t["split_conditions"], np.float64)
        value = np.where(leaf, cond, 0.0).reshape(-1, 1)
        if weights is not None:  # the product XGBoost computes in float32
            value = (value.astype(np.float32) * np.float32(weights[len(trees)])).astype(np.float64)
        threshold = np.where(leaf, 0.0, _float32_below(cond))
        trees.append(Tree(np.where(leaf, -2, np.array(t["split_indices"])), threshold, left, right,
                          np.array(t["default_left"], bool), value, int(group)))
    kinds = booster.feature_types or []
    if "c" in kinds:  # categorical, though no split above is (XGBoost splits few-category ones by code)
        i = kinds.index("c")
        name = booster.feature_names[i] if booster.feature_names else i
        raise UnsupportedEstimatorError(
            f"XGBoost categorical feature {name!r} (feature {i}, enable_categorical=True): categorical features "
            "are not supported (one-hot encode them before training)")
    base = np.array(json.loads(params["base_score"]) if params["base_score"].startswith("[")
                    else [float(params["base_score"])], np.float64)
    if objective in ("binary:logistic", "reg:logistic"):
        base = np.log(base / (1 - base))  # stored as a probability, added as a margin
    elif objective in ("count:poisson", "reg:gamma", "reg:tweedie"):
        raise UnsupportedEstimatorError(
            f"XGBoost objective={objective!r} uses a log link: only identity and logistic links convert")
    baseline = np.broadcast_to(base, (n_groups,)).astype(np.float64)
    if wrapper is not None and not hasattr(wrapper, "classes_") and objective in (
            "binary:logistic", "reg:logistic", "multi:softprob", "multi:softmax"):
        raise _regressor_with_link(wrapper, objective, "XGBClassifier", "est.get_booster()")
    if objective == "binary:logitraw" and wrapper is not None and hasattr(wrapper, "classes_"):
        raise UnsupportedEstimatorError(
            f"{type(wrapper).__name__}(objective='binary:logitraw'): its predict() labels rows whose raw margin "
            "is above 0.5 (not 0) and its predict_proba() gives [1 - margin, margin], which no link reproduces; "
            "train with binary:logistic, or convert est.get_booster() for the raw margin")
    if objective == "binary:logistic" and wrapper is not None and hasattr(wrapper, "classes_"):
        return Ensemble(trees, n_features, 1, TASK_CLASSIFICATION, T_LOGISTIC, 0, 2, baseline=baseline,
                        classes=_classes(wrapper, 2))
    if objective in ("multi:softprob", "multi:softmax") and wrapper is not None and hasattr(wrapper, "classes_"):
        return Ensemble(trees, n_features, n_groups, TASK_CLASSIFICATION, T_SOFTMAX, 0, n_groups,
                        baseline=baseline, classes=_classes(wrapper, n_groups))
    if objective.startswith(("reg:", "rank:")) and objective != "reg:logistic" or objective in (
            "binary:logitraw", "binary:logistic", "multi:softprob", "multi:softmax"):
        # Regressors, rankers (predict() is the margin), and raw Boosters of any of these: the raw margin.
        return Ensemble(trees, n_features, n_groups, TASK_REGRESSION, T_NONE, baseline=baseline)
    raise UnsupportedEstimatorError(f"XGBoost objective={objective!r} is not supported: identity-link "
                                    "regression, ranking, binary:logistic and multi:softprob/softmax are")


def _regressor_with_link(wrapper, objective, classifier, booster):
    """A scikit-learn regressor trained with a classification objective: its
    predict() applies the link (probabilities, or a class), which converted
    regressors do not; the raw margin converts from the library's Booster."""
    return UnsupportedEstimatorError(
        f"{type(wrapper).__name__}(objective={objective!r}): its predict() gives the objective's link "
        f"(probabilities or a class), which converted regressors do not apply: use {classifier}, or "
        f"convert {booster} for the raw margin")


def xgboost_margin(est, X):
    import xgboost
    booster, wrapper = _xgb_booster(est)
    iterations = _xgb_iterations(wrapper)
    # validate_features=False: X is the model's features in order, without the
    # column names of the DataFrame it may have been fitted on.
    return booster.predict(xgboost.DMatrix(X, missing=np.nan), output_margin=True, validate_features=False,
                           iteration_range=(0, iterations or 0))


# ---------------------------------------------------------------- LightGBM

ZERO_THRESHOLD = float(np.float32(1e-35))  # LightGBM's kZeroThreshold, a float


def _lgb_booster(est):
    import lightgbm
    if isinstance(est, lightgbm.Booster):
        return est, None
    return est.booster_, est


def _at_most(c: float) -> float:
    """The float32 threshold t with: double(x) <= c iff x <= t, for float32 x
    as LightGBM predicts (it clips +-inf inputs to +-1e300 first)."""
    if c >= 1e300:
        return float("inf")  # +inf reads as 1e300 <= c: left, as every finite x
    if c < -3.5e38:
        return float("-inf")  # only -inf (read as -1e300 <= c when c >= -1e300) goes left
    with np.errstate(over="ignore"):  # |c| beyond float32: +-inf, then the step below
        t = np.float32(c)
    return float(t if float(t) <= c else np.nextafter(t, np.float32(-np.inf)))


def _lgb_node(node: dict, b: _TreeBuilder) -> int:
    """Adds LightGBM's nested node dict (and its subtree) to b; its index."""
    i = b.node()
    if "leaf_value" in node:
        if node.get("leaf_coeff"):
            raise UnsupportedEstimatorError("LightGBM linear_tree=True is not supported (its leaves are "
                                            "linear models)")
        b.value[i][0] = node["leaf_value"]
        return i
    if node["decision_type"] != "<=":
        raise UnsupportedEstimatorError(
            f"LightGBM categorical split on feature {node['split_feature']}: categorical features are not "
            "supported (one-hot encode them, or train without categorical_feature)")
    feature, c = node["split_feature"], float(node["threshold"])
    missing, default_left = node["missing_type"], bool(node["default_left"])
    if missing not in ("None", "Zero", "NaN"):
        raise UnsupportedEstimatorError(f"LightGBM missing_type={missing!r} is not supported")
    # LightGBM's predict reads |x| <= 1e-35 as 0.0 (it keeps only larger
    # values of a dense row), and NaN as 0.0 unless missing_type is NaN.
    zero_left = default_left if missing == "Zero" else 0.0 <= c  # where [-z, z] goes
    nan_left = zero_left if missing == "None" else default_left
    t = _at_most(c)
    if (c >= ZERO_THRESHOLD) if zero_left else (c < -ZERO_THRESHOLD):
        # The threshold sends all of [-z, z] where LightGBM sends 0: one node.
        b.split(i, feature, t, nan_left, _lgb_node(node["left_child"], b), _lgb_node(node["right_child"], b))
        return i
    # Otherwise three ways: x < -z and x > z by the threshold, [-z, z] to the
    # zero side, NaN to its side (the two subtrees are duplicated).
    def by_threshold(nan_to_left):
        j = b.node()
        b.split(j, feature, t, nan_to_left, _lgb_node(node["left_child"], b), _lgb_node(node["right_child"], b))
        return j
    zero_side = _lgb_node(node["left_child" if zero_left else "right_child"], b)
    middle = b.node()
    b.split(middle, feature, ZERO_THRESHOLD, nan_left == zero_left, zero_side, by_threshold(nan_left))
    below_zero = float(np.nextafter(np.float32(-ZERO_THRESHOLD), np.float32(-np.inf)))
    b.split(i, feature, below_zero, False, by_threshold(False), middle)
    return i


def lightgbm_ensemble(est) -> Ensemble:
    booster, wrapper = _lgb_booster(est)
    dump = booster.dump_model()  # the best iteration when there is one, as predict() uses
    objective = dump["objective"].split()[0]
    if "sqrt" in dump["objective"].split():
        raise UnsupportedEstimatorError(
            "LightGBM reg_sqrt=True is not supported: its predict() squares the trees' sum (sign(s) * s**2); "
            "train without reg_sqrt")
    n_groups = int(dump["num_tree_per_iteration"])
    trees = []
    for k, info in enumerate(dump["tree_info"]):
        b = _TreeBuilder()
        _lgb_node(info["tree_structure"], b)
        trees.append(b.tree(output=k % n_groups))
    categorical = [name for name, info in dump.get("feature_infos", {}).items() if info.get("values")]
    if categorical:  # categorical, with no categorical split: its inputs would be category codes
        raise UnsupportedEstimatorError(
            f"LightGBM categorical feature {categorical[0]!r}: categorical features are not supported "
            "(one-hot encode them, or train without categorical_feature)")
    # boosting_type='rf': LightGBM's raw scores (decision_function) are the
    # sum over iterations, its probabilities and predictions use the mean.
    # Classifiers keep the sum in the leaves and set the engine's average
    # flag (decision_function sums, predict_proba averages); regressors have
    # predictions only, so their leaves are divided here; a raw Booster with a
    # classification objective converts as its raw score, the sum.
    classifier = wrapper is not None and hasattr(wrapper, "classes_") and objective in _LGB_CLASSIFICATION
    if wrapper is not None and not hasattr(wrapper, "classes_") and objective in _LGB_CLASSIFICATION:
        raise _regressor_with_link(wrapper, objective, "LGBMClassifier", "est.booster_")
    flags = FLAG_AVERAGE if dump.get("average_output") and classifier else 0
    if _lgb_rf_mean(dump, wrapper) and not classifier:
        for t in trees:
            t.value = t.value / (len(trees) // n_groups)
    n_features = int(dump["max_feature_idx"]) + 1
    if objective == "binary":
        sigmoid = float(dump["objective"].split("sigmoid:")[1].split()[0]) if "sigmoid:" in dump["objective"] else 1.0
        if sigmoid != 1.0:
            raise UnsupportedEstimatorError(f"LightGBM binary objective with sigmoid={sigmoid}: only 1.0 converts")
        if wrapper is not None and hasattr(wrapper, "classes_"):
            return Ensemble(trees, n_features, 1, TASK_CLASSIFICATION, T_LOGISTIC, flags, 2,
                            classes=_classes(wrapper, 2))
    elif objective in ("multiclass", "softmax"):
        if wrapper is not None and hasattr(wrapper, "classes_"):
            return Ensemble(trees, n_features, n_groups, TASK_CLASSIFICATION, T_SOFTMAX, flags, n_groups,
                            classes=_classes(wrapper, n_groups))
    elif objective not in ("regression", "regression_l1", "huber", "fair", "quantile", "mape", "lambdarank",
                           "rank_xendcg"):
        raise UnsupportedEstimatorError(
            f"LightGBM objective={objective!r} is not supported: identity-link regression, ranking, binary and "
            "multiclass are (log links such as poisson, gamma, tweedie are not)")
    return Ensemble(trees, n_features, n_groups, TASK_REGRESSION, T_NONE, flags)


_LGB_CLASSIFICATION = ("binary", "multiclass", "softmax")


def _lgb_rf_mean(dump: dict, wrapper) -> bool:
    """boosting_type='rf' models whose converted raw_scores() are the mean
    over iterations: classifiers (for predict_proba) and regression
    objectives (their predictions); not a raw Booster's classification
    raw score, which LightGBM gives as the sum."""
    objective = dump["objective"].split()[0]
    return bool(dump.get("average_output")) and (wrapper is not None or objective not in _LGB_CLASSIFICATION)


def lightgbm_margin(est, X):
    """What the converted model's raw_scores() give: LightGBM's raw scores,
    divided by the number of iterations where _lgb_rf_mean() (its
    raw_score=True and decision_function give the sum, as the converted
    model's decision_function does; its probabilities and predictions use
    the mean)."""
    booster, wrapper = _lgb_booster(est)
    out = booster.predict(np.asarray(X, np.float64), raw_score=True)
    dump = booster.dump_model(num_iteration=None)
    if _lgb_rf_mean(dump, wrapper):
        out = out / (len(dump["tree_info"]) // int(dump["num_tree_per_iteration"]))
    return out


# ---------------------------------------------------------------- CatBoost

def catboost_ensemble(est) -> Ensemble:
    import os
    import tempfile
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "model.json")
        est.save_model(path, format="json")
        with open(path) as f:
            model = json.load(f)
    info = model["features_info"]
    for kind in ("categorical_features", "text_features", "embedding_features"):
        if info.get(kind):
            name = info[kind][0].get("feature_id") or info[kind][0].get("flat_feature_index")
            raise UnsupportedEstimatorError(
                f"CatBoost {kind.replace('_', ' ')} ({name!r}) are not supported: numeric features only")
    floats = {f["feature_index"]: f for f in info.get("float_features", [])}
    n_features = 1 + max([f["flat_feature_index"] for f in floats.values()], default=-1)
    scale, bias = model.get("scale_and_bias", [1.0, [0.0]])
    bias = np.atleast_1d(np.asarray(bias, np.float64))
    width = len(bias)
    def split(s):
        # (feature, border, NaN goes left) of a split: going right when x > border.
        if s["split_type"] != "FloatFeature":
            raise UnsupportedEstimatorError(f"CatBoost split of type {s['split_type']} is not supported")
        f = floats[s["float_feature_index"]]
        return f["flat_feature_index"], float(np.float32(s["border"])), f.get("nan_value_treatment", "AsIs") != "AsTrue"

    trees = []
    for t in model.get("oblivious_trees") or model.get("trees", []):
        b = _TreeBuilder(width)
        if "splits" in t:
            # An oblivious tree as a full binary tree: level d tests splits[d];
            # going right sets bit d of the leaf index (CatBoost's layout).
            splits = [split(s) for s in t["splits"]]
            leaves = np.asarray(t["leaf_values"], np.float64).reshape(-1, width) * scale

            def grow(d, index):
                i = b.node()
                if d == len(splits):
                    b.value[i][:] = leaves[index]
                else:
                    b.split(i, *splits[d], grow(d + 1, index), grow(d + 1, index | (1 << d)))
                return i
            grow(0, 0)
        else:
            # grow_policy='Depthwise' or 'Lossguide': nested nodes, leaves {"value": ...}.
            def grow(node):
                i = b.node()
                if "split" in node:
                    b.split(i, *split(node["split"]), grow(node["left"]), grow(node["right"]))
                else:
                    b.value[i][:] = np.asarray(node["value"], np.float64) * scale
                return i
            grow(t)
        trees.append(b.tree())
    loss = model["model_info"]["params"].get("loss_function", {}).get("type", "RMSE")
    classes = getattr(est, "classes_", None)
    import catboost
    if not isinstance(est, (catboost.CatBoostClassifier, catboost.CatBoostRegressor)) and \
            loss in ("Logloss", "CrossEntropy", "MultiClass"):
        # The base class catboost.CatBoost (e.g. CatBoost().load_model(path)):
        # its predict() gives the raw values, as the other libraries' Boosters.
        return Ensemble(trees, n_features, width, TASK_REGRESSION, T_NONE, baseline=bias)
    if loss in ("Logloss", "CrossEntropy"):
        return Ensemble(trees, n_features, 1, TASK_CLASSIFICATION, T_LOGISTIC, 0, 2, baseline=bias,
                        classes=_classes(est, 2))
    if loss in ("MultiClass",):
        return Ensemble(trees, n_features, width, TASK_CLASSIFICATION, T_SOFTMAX, 0, width, baseline=bias,
                        classes=np.asarray(classes) if classes is not None else np.arange(width))
    if loss in ("RMSE", "MAE", "Quantile", "Huber", "MAPE", "Lq", "Expectile", "LogCosh", "MultiRMSE"):
        return Ensemble(trees, n_features, width, TASK_REGRESSION, T_NONE, baseline=bias)
    raise UnsupportedEstimatorError(f"CatBoost loss_function={loss!r} is not supported: RMSE-like regression, "
                                    "Logloss and MultiClass are")


def catboost_margin(est, X):
    return est.predict(np.asarray(X, np.float32), prediction_type="RawFormulaVal")


# ------------------------------------------------------------------ dispatch

def extractors() -> dict:
    """The booster classes of the libraries already imported (a user with an
    XGBoost model has imported xgboost): class -> function giving its Ensemble."""
    table = {}
    if "xgboost" in sys.modules:
        import xgboost
        for cls in (xgboost.XGBClassifier, xgboost.XGBRegressor, xgboost.XGBRFClassifier,
                    xgboost.XGBRFRegressor, xgboost.XGBRanker, xgboost.Booster):
            table[cls] = xgboost_ensemble
    if "lightgbm" in sys.modules:
        import lightgbm
        for cls in (lightgbm.LGBMClassifier, lightgbm.LGBMRegressor, lightgbm.LGBMRanker, lightgbm.Booster):
            table[cls] = lightgbm_ensemble
    if "catboost" in sys.modules:
        import catboost
        for cls in (catboost.CatBoostClassifier, catboost.CatBoostRegressor, catboost.CatBoost):
            table[cls] = catboost_ensemble
    return table


def margin(est, X):
    """The library's own raw scores of float32 rows X, (n, n_outputs)."""
    module = type(est).__module__.split(".")[0]
    fn = {"xgboost": xgboost_margin, "lightgbm": lightgbm_margin, "catboost": catboost_margin}[module]
    return np.asarray(fn(est, np.asarray(X, np.float32)), np.float64).reshape(len(X), -1)
