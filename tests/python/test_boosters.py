"""XGBoost, LightGBM and CatBoost boosters: every class and raw score equals
the library's own on float32 rows, including rows exactly at, and one float32
step either side of, every threshold, and NaN; unsupported options refused
by name."""
import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer, load_iris, make_classification, make_regression

import microlearn
from microlearn.converters import boosters
from microlearn.converters.trees import edge_rows

xgb = pytest.importorskip("xgboost")
lgb = pytest.importorskip("lightgbm")
cb = pytest.importorskip("catboost")


def datasets():
    rng = np.random.default_rng(0)
    X, y = load_iris(return_X_y=True)
    Xb, yb = load_breast_cancer(return_X_y=True)
    Xn = Xb.copy()
    Xn[rng.random(Xn.shape) < 0.15] = np.nan
    Xm, ym = make_classification(400, 12, n_informative=6, n_classes=4, random_state=1)
    Xr, yr = make_regression(300, 8, noise=3, random_state=0)
    Xrn = Xr.copy()
    Xrn[rng.random(Xr.shape) < 0.1] = np.nan
    return {"iris": (X, y), "cancer": (Xb, yb), "cancer-nan": (Xn, yb), "four-class": (Xm, ym),
            "regression": (Xr, yr), "regression-nan": (Xrn, yr)}


DATA = datasets()
CLASSIFIERS = {
    "xgb": lambda: xgb.XGBClassifier(n_estimators=25, max_depth=4, learning_rate=0.3),
    "xgb-rf": lambda: xgb.XGBRFClassifier(n_estimators=4, max_depth=4),
    # dart: every tree's leaves times its weight_drop (dropout always on: weights other than 1)
    "xgb-dart": lambda: xgb.XGBClassifier(booster="dart", n_estimators=15, max_depth=3, rate_drop=0.3, skip_drop=0.0),
    "lgb": lambda: lgb.LGBMClassifier(n_estimators=25, num_leaves=12, verbose=-1),
    "lgb-rf": lambda: lgb.LGBMClassifier(boosting_type="rf", n_estimators=6, subsample=0.7, subsample_freq=1,
                                         verbose=-1),
    "cb": lambda: cb.CatBoostClassifier(iterations=25, depth=4, verbose=0, allow_writing_files=False, random_seed=0),
    # Non-symmetric trees (nested nodes in CatBoost's JSON, not "oblivious_trees").
    "cb-lossguide": lambda: cb.CatBoostClassifier(iterations=15, grow_policy="Lossguide", max_leaves=12, verbose=0,
                                                  allow_writing_files=False, random_seed=0),
}
REGRESSORS = {
    "xgb": lambda: xgb.XGBRegressor(n_estimators=25, max_depth=4),
    "xgb-l1": lambda: xgb.XGBRegressor(n_estimators=10, objective="reg:absoluteerror"),
    "xgb-rf": lambda: xgb.XGBRFRegressor(n_estimators=4),
    "xgb-dart": lambda: xgb.XGBRegressor(booster="dart", n_estimators=15, rate_drop=0.5, skip_drop=0.0),
    "lgb": lambda: lgb.LGBMRegressor(n_estimators=25, verbose=-1),
    "lgb-huber": lambda: lgb.LGBMRegressor(n_estimators=10, objective="huber", verbose=-1),
    "lgb-rf": lambda: lgb.LGBMRegressor(boosting_type="rf", n_estimators=6, subsample=0.7, subsample_freq=1,
                                        verbose=-1),
    "cb": lambda: cb.CatBoostRegressor(iterations=25, depth=5, verbose=0, allow_writing_files=False, random_seed=0),
    "cb-depthwise": lambda: cb.CatBoostRegressor(iterations=15, depth=5, grow_policy="Depthwise", verbose=0,
                                                 allow_writing_files=False, random_seed=0),
}


def rows_for(model_est, X):
    """Held-out-like rows plus rows at every threshold of the model."""
    from microlearn.converters.trees import extractors
    ens = extractors()[type(model_est)](model_est)
    return np.vstack([X.astype(np.float32), edge_rows(ens, 400)])


@pytest.mark.parametrize("data", ["iris", "cancer", "cancer-nan", "four-class"])
@pytest.mark.parametrize("lib", CLASSIFIERS)
def test_classifiers_equal_the_library(lib, data):
    X, y = DATA[data]
    est = CLASSIFIERS[lib]().fit(X, y)
    model = microlearn.convert(est)
    R = rows_for(est, X)
    np.testing.assert_array_equal(model.predict(R), np.asarray(est.predict(R)).ravel())
    np.testing.assert_allclose(model.predict_proba(R), est.predict_proba(R), atol=2e-6)
    # The library's own raw scores (LightGBM rf's: the sum over iterations).
    raw = est.decision_function(R) if lib.startswith("lgb") else boosters.margin(est, R)
    raw = np.asarray(raw, np.float64).reshape(len(R), -1)
    ours = model.decision_function(R).reshape(len(R), -1)
    np.testing.assert_allclose(ours, raw, rtol=1e-5, atol=1e-5 * max(1, np.abs(raw).max()))


@pytest.mark.parametrize("data", ["regression", "regression-nan"])
@pytest.mark.parametrize("lib", REGRESSORS)
def test_regressors_equal_the_library(lib, data):
    X, y = DATA[data]
    est = REGRESSORS[lib]().fit(X, y)
    model = microlearn.convert(est)
    R = rows_for(est, X)
    want = np.asarray(est.predict(R), np.float64)
    np.testing.assert_allclose(model.predict(R), want, rtol=1e-5, atol=1e-5 * np.abs(want).max())


def test_string_labels_and_raw_boosters():
    X, y = load_iris(return_X_y=True)
    names = np.array(["a", "b", "c"])[y]
    est = lgb.LGBMClassifier(n_estimators=10, verbose=-1).fit(X, names)
    np.testing.assert_array_equal(microlearn.convert(est).predict(X), est.predict(X))
    est = cb.CatBoostClassifier(iterations=10, verbose=0, allow_writing_files=False).fit(X, names)
    np.testing.assert_array_equal(microlearn.convert(est).predict(X), est.predict(X).ravel())
    # Raw Booster objects: their raw margins (what Booster.predict gives for a regression objective).
    dtrain = xgb.DMatrix(X, label=y)
    booster = xgb.train({"objective": "multi:softprob", "num_class": 3, "max_depth": 3}, dtrain, 10)
    margin = booster.predict(xgb.DMatrix(X.astype(np.float32)), output_margin=True)
    np.testing.assert_allclose(microlearn.convert(booster).predict(X), margin, rtol=1e-6, atol=1e-6)
    lbooster = lgb.train({"objective": "regression", "verbose": -1}, lgb.Dataset(X, label=y), 10)
    np.testing.assert_allclose(microlearn.convert(lbooster).predict(X), lbooster.predict(X), rtol=1e-5)


def test_raw_lightgbm_rf_boosters():
    """A raw rf Booster converts as what it predicts: a regression objective's
    prediction (the mean over iterations), a classification objective's raw
    score (LightGBM's sum)."""
    params = {"boosting": "rf", "bagging_fraction": 0.7, "bagging_freq": 1, "verbose": -1}
    Xr, yr = DATA["regression"]
    booster = lgb.train({**params, "objective": "regression"}, lgb.Dataset(Xr, label=yr), 5)
    R = Xr.astype(np.float32)
    want = booster.predict(R)
    np.testing.assert_allclose(microlearn.convert(booster).predict(R), want, rtol=1e-5, atol=1e-5 * np.abs(want).max())
    X, y = DATA["cancer"]
    booster = lgb.train({**params, "objective": "binary"}, lgb.Dataset(X, label=y), 5)
    R = X.astype(np.float32)
    raw = booster.predict(R, raw_score=True)
    np.testing.assert_allclose(microlearn.convert(booster).predict(R), raw, rtol=1e-5, atol=1e-5 * np.abs(raw).max())


def test_zero_as_missing_is_routed_as_lightgbm_routes_it():
    Xb, yb = load_breast_cancer(return_X_y=True)
    rng = np.random.default_rng(3)
    X = np.where(rng.random(Xb.shape) < 0.3, 0.0, Xb)
    est = lgb.LGBMClassifier(n_estimators=30, zero_as_missing=True, verbose=-1).fit(X, yb)
    dump = str(est.booster_.dump_model())
    assert "'missing_type': 'Zero'" in dump
    R = rows_for(est, X)
    R[::3, ::2] = np.float32(1e-36)  # tiny values count as zero for LightGBM
    model = microlearn.convert(est)
    np.testing.assert_array_equal(model.predict(R), est.predict(R))
    np.testing.assert_allclose(model.decision_function(R), est.predict(R, raw_score=True), rtol=1e-5, atol=1e-5)


def test_best_iteration_is_honoured():
    X, y = load_breast_cancer(return_X_y=True)
    Xt, yt, Xv, yv = X[:400], y[:400], X[400:], y[400:]
    est = xgb.XGBClassifier(n_estimators=300, learning_rate=0.5, early_stopping_rounds=3).fit(
        Xt, yt, eval_set=[(Xv, yv)], verbose=False)
    assert est.best_iteration < 299
    model = microlearn.convert(est)
    np.testing.assert_allclose(model.predict_proba(X), est.predict_proba(X.astype(np.float32)), atol=2e-6)
    lest = lgb.LGBMClassifier(n_estimators=300, learning_rate=0.5, verbose=-1).fit(
        Xt, yt, eval_set=[(Xv, yv)], callbacks=[lgb.early_stopping(3, verbose=False)])
    assert 0 < lest.best_iteration_ < 300
    np.testing.assert_allclose(microlearn.convert(lest).predict_proba(X), lest.predict_proba(X), atol=2e-6)


def test_int16_features_are_exact_on_the_quantized_values():
    X, y = load_iris(return_X_y=True)
    for est in (xgb.XGBClassifier(n_estimators=10), lgb.LGBMClassifier(n_estimators=10, verbose=-1),
                cb.CatBoostClassifier(iterations=10, verbose=0, allow_writing_files=False)):
        est.fit(X, y)
        model = microlearn.convert(est, feature_dtype="int16", feature_scale=1000)
        q = model.quantize(X)
        np.testing.assert_array_equal(model.predict(q), np.asarray(est.predict(model.dequantize(q))).ravel())


def test_unsupported_options_are_refused_by_name():
    import pandas as pd
    X, y = load_iris(return_X_y=True)
    refuse = microlearn.UnsupportedEstimatorError
    with pytest.raises(refuse, match="gblinear"):
        microlearn.convert(xgb.XGBClassifier(booster="gblinear", n_estimators=3).fit(X, y))
    # XGBClassifier's predict thresholds a logitraw margin at 0.5, not 0: no link gives its labels.
    with pytest.raises(refuse, match="binary:logitraw.*above 0.5"):
        microlearn.convert(xgb.XGBClassifier(objective="binary:logitraw", n_estimators=3).fit(X, y > 0))
    with pytest.raises(refuse, match="log link"):
        microlearn.convert(xgb.XGBRegressor(objective="count:poisson", n_estimators=3).fit(X, y))
    with pytest.raises(refuse, match="missing=0"):
        microlearn.convert(xgb.XGBClassifier(missing=0, n_estimators=3).fit(X, y))
    # NaN of any float type is NaN (a float32 NaN was refused as "not nan")
    microlearn.convert(xgb.XGBClassifier(missing=np.float32(np.nan), n_estimators=3).fit(X, y))
    df = pd.DataFrame(X, columns=list("abcd"))
    df["color"] = pd.Categorical(np.array(["red", "green", "blue"])[y])
    with pytest.raises(refuse, match="categorical split on feature 4"):
        microlearn.convert(xgb.XGBClassifier(enable_categorical=True, tree_method="hist",
                                             n_estimators=3).fit(df, y))
    with pytest.raises(refuse, match="categorical split on feature 4"):
        microlearn.convert(lgb.LGBMClassifier(n_estimators=3, verbose=-1, min_child_samples=2).fit(df, y))
    with pytest.raises(refuse, match="linear_tree"):
        microlearn.convert(lgb.LGBMRegressor(linear_tree=True, n_estimators=3, verbose=-1).fit(X, y))
    with pytest.raises(refuse, match="reg_sqrt"):   # was converted: predictions off by the square
        microlearn.convert(lgb.LGBMRegressor(reg_sqrt=True, n_estimators=3, verbose=-1).fit(X, y + 1))
    with pytest.raises(refuse, match="poisson"):
        microlearn.convert(lgb.LGBMRegressor(objective="poisson", n_estimators=3, verbose=-1).fit(X, y + 1))
    Xc = np.c_[X, y % 2].astype(object)
    Xc[:, 4] = Xc[:, 4].astype(int).astype(str)
    with pytest.raises(refuse, match="categorical features"):
        microlearn.convert(cb.CatBoostClassifier(iterations=3, verbose=0, allow_writing_files=False, cat_features=[4]).fit(Xc, y))


def test_self_check_compares_outputs_not_only_margins():
    """An output transform the converter got wrong (here: a multiclass
    model's softmax read as a mean of probabilities) passes the raw score
    check; the check of the wrapper's own outputs refuses it."""
    import dataclasses
    from microlearn.converters import trees
    X, y = load_iris(return_X_y=True)
    clf = xgb.XGBClassifier(n_estimators=5, max_depth=3).fit(X, y)
    ens = boosters.xgboost_ensemble(clf)
    trees.self_check(clf, ens, trees.encode(ens), boosters.margin)  # right as converted
    wrong = dataclasses.replace(ens, transform=trees.T_MEAN_PROBABILITY)
    with pytest.raises(microlearn.UnsupportedEstimatorError, match="probabilities differ"):
        trees.self_check(clf, wrong, trees.encode(wrong), boosters.margin)


def test_best_iteration_of_callbacks_and_saved_models(tmp_path):
    """XGBoost's predict() uses best_iteration whenever the booster has one:
    an EarlyStopping callback, or a saved early-stopped model loaded again
    (these were refused: the self-check saw all trees against the best)."""
    X, y = load_breast_cancer(return_X_y=True)
    Xt, yt, Xv, yv = X[:400], y[:400], X[400:], y[400:]
    est = xgb.XGBClassifier(n_estimators=300, learning_rate=0.5, callbacks=[xgb.callback.EarlyStopping(rounds=3)]).fit(
        Xt, yt, eval_set=[(Xv, yv)], verbose=False)
    assert est.best_iteration + 1 < est.get_booster().num_boosted_rounds()
    path = str(tmp_path / "model.json")
    est.save_model(path)
    loaded = xgb.XGBClassifier()
    loaded.load_model(path)
    R = X.astype(np.float32)
    for e in (est, loaded):
        np.testing.assert_allclose(microlearn.convert(e).predict_proba(R), est.predict_proba(R), atol=2e-6)


def test_models_fitted_on_dataframes():
    """A DataFrame's column names (XGBoost checks them in predict): an
    XGBoost model fitted on one did not convert at all (XGBoost's ValueError
    'data did not contain feature names' from the self-check)."""
    import pandas as pd
    X, y = load_iris(return_X_y=True, as_frame=True)
    X.columns = ["sepal length", "sepal width", "petal.length", "petal(width)"]
    R = X.astype(np.float32)
    for est in (xgb.XGBClassifier(n_estimators=10, max_depth=3), xgb.XGBRegressor(n_estimators=10)):
        est.fit(X, y)
        model = microlearn.convert(est)
        assert model.metadata["feature_names"] == list(X.columns)
        want = est.predict_proba(R) if hasattr(est, "predict_proba") else est.predict(R)
        got = model.predict_proba(R) if hasattr(est, "predict_proba") else model.predict(R)
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=2e-6)
    booster = xgb.train({"max_depth": 3}, xgb.DMatrix(X, label=y), 5)
    np.testing.assert_allclose(microlearn.convert(booster).predict(R),
                               booster.predict(xgb.DMatrix(R), output_margin=True), rtol=1e-6)
    assert isinstance(R, pd.DataFrame)


def test_categorical_features_without_categorical_splits_are_refused_by_name():
    """A categorical column that no split tests as a category (XGBoost splits
    a two-category one by its code; LightGBM may not split on it): its
    inputs would be category codes, so the model is refused naming the
    feature (it failed inside the library's predict with an unrelated
    message)."""
    import pandas as pd
    X, y = load_iris(return_X_y=True, as_frame=True)
    X.columns = list("abcd")
    X["color"] = pd.Categorical(np.where(np.arange(len(y)) % 2, "red", "blue"))  # no relation to y
    est = xgb.XGBClassifier(enable_categorical=True, tree_method="hist", n_estimators=5, max_depth=3).fit(X, y)
    with pytest.raises(microlearn.UnsupportedEstimatorError, match="categorical feature 'color'"):
        microlearn.convert(est)
    est = lgb.LGBMClassifier(n_estimators=5, verbose=-1, max_cat_to_onehot=1, min_data_per_group=100).fit(X, y)
    assert "'decision_type': '=='" not in str(est.booster_.dump_model())
    with pytest.raises(microlearn.UnsupportedEstimatorError, match="categorical feature 'color'"):
        microlearn.convert(est)


def test_regressors_with_a_classification_objective_and_empty_models_are_refused_by_name():
    """XGBRegressor / LGBMRegressor with a logistic or softmax objective:
    their predict() gives probabilities, which a converted regressor does not
    (the self-check refused them asking for a bug report); a model with no
    trees failed with an IndexError."""
    X, y = load_breast_cancer(return_X_y=True)
    refuse = microlearn.UnsupportedEstimatorError
    with pytest.raises(refuse, match=r"XGBRegressor\(objective='binary:logistic'\).*get_booster"):
        microlearn.convert(xgb.XGBRegressor(objective="binary:logistic", n_estimators=3).fit(X, y))
    with pytest.raises(refuse, match=r"LGBMRegressor\(objective='binary'\).*booster_"):
        microlearn.convert(lgb.LGBMRegressor(objective="binary", n_estimators=3, verbose=-1).fit(X, y))
    with pytest.raises(refuse, match="XGBRegressor has no trees"):
        microlearn.convert(xgb.XGBRegressor(n_estimators=0).fit(X, y))


def test_lightgbm_on_a_dataframe_with_spaces_in_its_column_names():
    """LightGBM stores a feature name's spaces as '_' (its feature_names_in_
    are 'sepal_length_(cm)', ...): the converted model refused the very
    DataFrame it was fitted on; columns in another order are still refused."""
    X, y = load_iris(return_X_y=True, as_frame=True)
    est = lgb.LGBMClassifier(n_estimators=5, verbose=-1).fit(X, y)
    model = microlearn.convert(est)
    np.testing.assert_array_equal(model.predict(X), est.predict(X))
    with pytest.raises(ValueError, match="reorder X's columns"):
        model.predict(X[X.columns[::-1]])


def test_catboost_base_class_converts_as_its_raw_values(tmp_path):
    """catboost.CatBoost (a saved model loaded with CatBoost().load_model())
    predicts raw values (RawFormulaVal), as XGBoost's and LightGBM's Boosters:
    it converted as a classifier, whose predict() gave labels instead."""
    X, y = load_iris(return_X_y=True)
    R = X.astype(np.float32)
    for labels in (y, y > 0):  # MultiClass, Logloss
        path = str(tmp_path / "model.cbm")
        cb.CatBoostClassifier(iterations=10, verbose=0, allow_writing_files=False).fit(X, labels).save_model(path)
        est = cb.CatBoost()
        est.load_model(path)
        want = np.asarray(est.predict(R))
        got = microlearn.convert(est).predict(R)
        np.testing.assert_allclose(got.reshape(want.shape), want, rtol=1e-5, atol=1e-5 * np.abs(want).max())


def test_rankers_convert_as_their_scores():
    """XGBRanker and LGBMRanker (and their Boosters): predict() is the raw
    score, an identity link; they were refused ('rank:ndcg is not supported',
    'XGBRanker is not supported')."""
    X, y = DATA["regression"]
    relevance = (y > 0).astype(int) + (y > 100)
    for est in (xgb.XGBRanker(n_estimators=8).fit(X, relevance, qid=np.repeat(np.arange(6), 50)),
                xgb.XGBRanker(objective="rank:pairwise", n_estimators=8).fit(X, relevance, qid=np.repeat(np.arange(6), 50)),
                lgb.LGBMRanker(n_estimators=8, verbose=-1).fit(X, relevance, group=[50] * 6)):
        rows = rows_for(est, X)
        want = np.asarray(est.predict(rows), np.float64)
        np.testing.assert_allclose(microlearn.convert(est).predict(rows), want, rtol=1e-5,
                                   atol=1e-5 * np.abs(want).max())
