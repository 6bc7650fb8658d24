"""scikit-learn tree ensembles -> .mlm (kind tree_ensemble).

Every supported estimator is first described as a list of `Tree`s in one
common form (node arrays plus a value vector per leaf), then `encode()` lays
them out as the engine reads them (include/microlearn/trees.hpp).
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np

from .. import mlm
from ..errors import UnsupportedEstimatorError
from .common import _is_default, int16_scale_and_offset

# Mirrors of include/microlearn/trees.hpp.
S_PARAMS, S_FLOAT_PARAMS, S_ROOTS, S_TREE_OUTPUTS, S_FEATURES = 1, 2, 3, 4, 5
S_THRESHOLDS, S_CHILDREN, S_LEAVES, S_BASELINE, S_NAN_LEFT = 6, 7, 8, 9, 10
S_LEAF_OFFSETS, S_LEAF_COLUMNS, S_LEAF_VALUES = 12, 13, 14
S_SLOT_FEATURES, S_SPLIT_VALUES, S_NODES, S_LEAF_BASES = 15, 16, 17, 18
TASK_REGRESSION, TASK_CLASSIFICATION, TASK_ANOMALY = 0, 1, 2
T_MEAN_PROBABILITY, T_LOGISTIC, T_SOFTMAX, T_NONE = 0, 1, 2, 3
FLAG_AVERAGE, FLAG_ZERO_IS_POSITIVE = 1, 2
# Inputs the reference refuses (+-inf, NaN): the engine refuses them too (bad_argument).
FLAG_REFUSES_INF, FLAG_REFUSES_NAN = 4, 8
N_PARAMS = 13  # the last two: layout (0 refs, 1 packed) and the packed node field widths
LAYOUT_REFS, LAYOUT_PACKED = 0, 1
# Header flags (the .mlm header's flags word, docs/model-format.md), so the
# device package picks the module from the header alone
# (device/microlearn/__init__.py): bit 0 on refs-layout files
# (microlearn._trees_refs), bit 1 on int16-input files (packed:
# microlearn._trees_i16), bit 2 on packed float32 files (microlearn._trees),
# bit 3 as well on those of forests and regressors (no logistic, softmax or
# anomaly score: microlearn._trees_forest, a smaller module).
# A file with none of them was written before the flags: any module may read it.
HEADER_FLAG_REFS, HEADER_FLAG_I16, HEADER_FLAG_PACKED_F32, HEADER_FLAG_FOREST = 1, 2, 4, 8


@dataclass
class Tree:
    """One tree in scikit-learn's node-array form. left/right are -1 at leaves."""
    feature: np.ndarray
    threshold: np.ndarray      # float64; go left iff x <= threshold
    left: np.ndarray
    right: np.ndarray
    nan_left: np.ndarray       # bool per node
    value: np.ndarray          # (n_nodes, width) leaf values (rows of split nodes unused)
    output: int = 0            # first raw-score column this tree adds into


@dataclass
class Ensemble:
    trees: list[Tree]
    n_features: int
    n_outputs: int
    task: int
    transform: int
    flags: int = 0
    n_classes: int = 0
    baseline: np.ndarray | None = None
    classes: np.ndarray | None = None  # classifiers: scikit-learn's classes_
    path_norm: float = 1.0
    decision_offset: float = 0.0
    metadata: dict = field(default_factory=dict)


# ---------------------------------------------------------------- extraction

def _sk_tree(tree_, value, features=None, output=0) -> Tree:
    t = tree_
    feature = t.feature.astype(np.int64)
    if features is not None:  # a tree trained on a subset of the columns
        feature = np.where(t.children_left >= 0, np.asarray(features)[np.maximum(feature, 0)], -2)
    nan_left = getattr(t, "missing_go_to_left", np.zeros(t.node_count, np.uint8)).astype(bool)
    return Tree(feature, t.threshold.astype(np.float64), t.children_left.astype(np.int64),
                t.children_right.astype(np.int64), nan_left, np.asarray(value, np.float64), output)


def _class_proba(tree_):
    value = tree_.value[:, 0, :].astype(np.float64)
    total = value.sum(axis=1, keepdims=True)
    total[total == 0] = 1.0
    return value / total


def _check_single_output_classifier(est):
    if getattr(est, "n_outputs_", 1) != 1:
        raise UnsupportedEstimatorError(
            f"{type(est).__name__} with {est.n_outputs_} outputs: multi-output classification "
            "is not supported (multi-output regression is)")


def forest_classifier(est) -> Ensemble:
    _check_single_output_classifier(est)
    estimators = getattr(est, "estimators_", [est])
    trees = [_sk_tree(e.tree_, _class_proba(e.tree_)) for e in estimators]
    n_classes = len(est.classes_)
    return Ensemble(trees, est.n_features_in_, n_classes, TASK_CLASSIFICATION, T_MEAN_PROBABILITY,
                    FLAG_AVERAGE, n_classes, classes=est.classes_)


def forest_regressor(est) -> Ensemble:
    estimators = getattr(est, "estimators_", [est])
    trees = [_sk_tree(e.tree_, e.tree_.value[:, :, 0]) for e in estimators]
    return Ensemble(trees, est.n_features_in_, est.n_outputs_, TASK_REGRESSION, T_NONE, FLAG_AVERAGE)


def _gb_baseline(est, n_outputs):
    init = est.init_
    if init == "zero":
        return np.zeros(n_outputs)
    from sklearn.dummy import DummyClassifier, DummyRegressor
    constant = isinstance(init, (DummyClassifier, DummyRegressor)) and getattr(init, "strategy", None) != "stratified"
    if constant:  # and check it: the same raw score for varied rows
        rows = np.random.default_rng(0).normal(0, 1e3, (64, est.n_features_in_)).astype(np.float32)
        raw = np.asarray(est._raw_predict_init(rows), np.float64)
        constant = bool(np.all(raw == raw[:1]))
    if not constant:
        strategy = getattr(init, "strategy", None)
        raise UnsupportedEstimatorError(
            f"{type(est).__name__} with init={type(init).__name__}"
            + (f"(strategy={strategy!r})" if strategy else "")
            + ": its initial raw score depends on the row, and only a constant init converts "
              "(the default, 'zero', or a DummyClassifier/DummyRegressor with a constant strategy)")
    return raw[0].reshape(-1)


def gradient_boosting(est, classifier: bool) -> Ensemble:
    K = est.estimators_.shape[1]
    lr = float(est.learning_rate)
    trees = [_sk_tree(est.estimators_[i, k].tree_, est.estimators_[i, k].tree_.value[:, 0, :] * lr,
                      output=k)
             for i in range(est.estimators_.shape[0]) for k in range(K)]
    baseline = _gb_baseline(est, K)
    if not classifier:
        return Ensemble(trees, est.n_features_in_, K, TASK_REGRESSION, T_NONE, baseline=baseline)
    if est.loss != "log_loss":
        raise UnsupportedEstimatorError(
            f"GradientBoostingClassifier(loss={est.loss!r}): only loss='log_loss' is supported")
    n_classes = len(est.classes_)
    transform, flags = (T_LOGISTIC, FLAG_ZERO_IS_POSITIVE) if K == 1 else (T_SOFTMAX, 0)
    return Ensemble(trees, est.n_features_in_, K, TASK_CLASSIFICATION, transform, flags, n_classes,
                    baseline=baseline, classes=est.classes_)


def hist_gradient_boosting(est, classifier: bool) -> Ensemble:
    name = type(est).__name__
    if getattr(est, "_preprocessor", None) is not None or getattr(est, "is_categorical_", None) is not None:
        raise UnsupportedEstimatorError(f"{name} with categorical features is not supported")
    trees = []
    for iteration in est._predictors:
        for k, predictor in enumerate(iteration):
            nodes = predictor.nodes
            if np.any(nodes["is_categorical"]):
                raise UnsupportedEstimatorError(f"{name} with categorical splits is not supported")
            leaf = nodes["is_leaf"].astype(bool)
            left = np.where(leaf, -1, nodes["left"].astype(np.int64))
            right = np.where(leaf, -1, nodes["right"].astype(np.int64))
            trees.append(Tree(nodes["feature_idx"].astype(np.int64), nodes["num_threshold"].astype(np.float64),
                              left, right, nodes["missing_go_to_left"].astype(bool),
                              nodes["value"].astype(np.float64).reshape(-1, 1), k))
    K = len(est._predictors[0]) if est._predictors else 1
    baseline = np.asarray(est._baseline_prediction, np.float64).reshape(-1)
    if not classifier:
        link = type(est._loss.link).__name__
        if link != "IdentityLink":
            raise UnsupportedEstimatorError(
                f"HistGradientBoostingRegressor(loss={est.loss!r}) uses a {link}: only losses with "
                "an identity link (squared_error, absolute_error, quantile) are supported")
        return Ensemble(trees, est.n_features_in_, K, TASK_REGRESSION, T_NONE, baseline=baseline)
    n_classes = len(est.classes_)
    if n_classes < 2:  # scikit-learn fits a binary model whose predict_proba has 2 columns
        raise UnsupportedEstimatorError(f"{name} fitted on one class ({est.classes_[0]}): it predicts "
                                        "that class for every row; nothing to convert")
    transform = T_LOGISTIC if K == 1 else T_SOFTMAX
    return Ensemble(trees, est.n_features_in_, K, TASK_CLASSIFICATION, transform, 0, n_classes,
                    baseline=baseline, classes=est.classes_)


def isolation_forest(est) -> Ensemble:
    from sklearn.ensemble._iforest import _average_path_length
    trees = []
    for e, feats, depth, avg in zip(est.estimators_, est.estimators_features_,
                                     est._decision_path_lengths, est._average_path_length_per_tree):
        trees.append(_sk_tree(e.tree_, (depth + avg - 1.0).reshape(-1, 1), features=feats))
    norm = float(_average_path_length([est._max_samples])[0])
    if norm <= 0:
        raise UnsupportedEstimatorError("IsolationForest with max_samples=1 has no path length scale")
    return Ensemble(trees, est.n_features_in_, 1, TASK_ANOMALY, T_NONE, FLAG_AVERAGE,
                    path_norm=norm, decision_offset=float(est.offset_))


# ------------------------------------------------------------------ encoding

def float32_at_most(t64: np.ndarray) -> np.ndarray:
    """The largest float32 <= t64: for float32 x, x <= t64 iff x <= this."""
    t32 = t64.astype(np.float32)
    above = t32.astype(np.float64) > t64
    t32[above] = np.nextafter(t32[above], np.float32(-np.inf))
    t32[t32 == 0] = 0.0  # +0.0 for -0.0: the same splits, and what the engine accepts
    return t32


ALWAYS_RIGHT = -32769  # int16_thresholds(): no int16 input goes left


def int16_thresholds(t32: np.ndarray, feature: np.ndarray, scale: np.ndarray, offset: np.ndarray):
    """For each split, the largest q in [-32768, 32767] with dequantize(q) <= t,
    where dequantize(q) = float32(q / scale + offset); ALWAYS_RIGHT if there is
    none. Monotone in q, so a vectorised binary search."""
    s, o = scale[feature], offset[feature]

    def deq(q):
        return (q / s + o).astype(np.float32)

    lo = np.full(t32.shape, ALWAYS_RIGHT, np.int64)  # invariant: deq(lo) <= t, or lo = ALWAYS_RIGHT
    hi = np.full(t32.shape, 32768, np.int64)         # invariant: deq(hi) > t, or hi = 32768
    while np.any(hi - lo > 1):
        mid = (lo + hi) // 2
        ok = deq(mid.astype(np.float64)) <= t32
        lo = np.where(ok, mid, lo)
        hi = np.where(ok, hi, mid)
    return lo


def _warn_constant_splits(t16: np.ndarray, feature: np.ndarray, n_features: int) -> None:
    """Warns when feature_scale / feature_offset map split thresholds outside
    int16: such a split sends every int16 input the same way, so the model
    loses it (a scale far too large or an offset far off does this silently)."""
    constant = (t16 == ALWAYS_RIGHT) | (t16 >= 32767)
    if constant.any():
        worst = np.bincount(feature[constant], minlength=n_features).argmax()
        warnings.warn(f"{int(constant.sum())} of {len(t16)} splits have thresholds outside int16 after "
                      f"feature_scale and feature_offset (most on feature {worst}): every input goes the same way "
                      "there, so the model loses them; choose a scale and offset that map the features' range "
                      "into [-32768, 32767] (docs/trees.md)", UserWarning, stacklevel=4)


def bypass(children: np.ndarray, roots: np.ndarray, skip: np.ndarray, leaf_bit: int):
    """Refs to the split nodes marked in `skip` (every input goes right there)
    redirected to where those nodes send everything: their right child,
    followed through further skipped nodes. Right children come later in
    preorder, so the chains end; the skipped nodes stay, unreachable."""
    target = np.arange(len(skip), dtype=np.int64)
    target[skip] = children[2 * np.flatnonzero(skip) + 1]
    while True:
        is_node = target < leaf_bit
        again = np.zeros(len(skip), bool)
        again[is_node] = skip[target[is_node]]
        if not again.any():
            break
        target[again] = children[2 * target[again] + 1]

    def redirect(refs):
        refs = refs.copy()
        hit = refs < leaf_bit
        hit[hit] = skip[refs[hit]]
        refs[hit] = target[refs[hit]]
        return refs

    return redirect(children), redirect(roots)


def leaf_sections(table: np.ndarray) -> dict:
    """The leaf table as stored (float32, or quantized u8/u16): dense rows, or
    sparse rows (nonzero entries only) when that is smaller, as for forest
    classifiers whose leaves give most classes probability 0. Both give the
    same sums."""
    nonzero = table != 0
    nnz = int(nonzero.sum())
    size = table.dtype.itemsize
    if (len(table) + 1) * 4 + nnz * (2 + size) >= table.size * size:
        return {S_LEAVES: table}
    rows, cols = np.nonzero(nonzero)  # row-major order
    offsets = np.zeros(len(table) + 1, np.uint32)
    offsets[1:] = np.cumsum(nonzero.sum(axis=1))
    return {S_LEAF_OFFSETS: offsets, S_LEAF_COLUMNS: cols.astype(np.uint16),
            S_LEAF_VALUES: table[rows, cols]}


def split_keys(t32: np.ndarray) -> np.ndarray:
    """float32 values (no NaN) -> int32 with the same order, as the engine's
    math::split_key: for float32 x and t, x <= t iff key(x) <= key(t)
    (-0.0 maps below +0.0, so thresholds are never -0.0)."""
    bits = np.asarray(t32, np.float32).view(np.uint32)
    return (bits ^ ((bits.view(np.int32) >> 31).view(np.uint32) >> 1)).view(np.int32)


def _packed_values(keys: np.ndarray, int16_features: bool):
    """Distinct split values (sorted) and their storage: int16 for int16
    models; for float32 models int16 when every key is rotr(v, 16) of an
    int16 v (thresholds with 16 low zero bits, e.g. x.5 of small integers),
    int32 otherwise. Returns (stored array, index of each key)."""
    values, index = np.unique(keys, return_inverse=True)
    if int16_features:
        return values.astype(np.int16), index.reshape(-1)
    low = values & 0xFFFF
    if np.all(low == np.where(values < 0, 0xFFFF, 0)):
        return (values >> 16).astype(np.int16), index.reshape(-1)
    return values.astype(np.int32), index.reshape(-1)


def packed_sections(feature, keys, nan_left, children, roots, leaf_bit, leaf_table, int16_features):
    """The packed layout (include/microlearn/trees.hpp) of an ensemble in the
    refs layout: (sections, [n_nodes, layout, node bits], leaf table), or
    None when a node does not fit 32 bits. Nodes are laid out again in
    preorder from each root, following the refs (so int16 models' bypassed
    splits drop out): the left child of a split is then the next node, or a
    leaf. Leaves are numbered across the ensemble (shared rows: forests) or,
    when those numbers do not fit, per tree (leaf_bases: boosting, whose
    leaves are all different)."""
    order, tree_of = [], []
    new_roots = np.empty(len(roots), np.int64)
    new_index = np.full(len(feature), -1, np.int64)
    for ti, root in enumerate(roots):
        if root >= leaf_bit:
            new_roots[ti] = (int(root) - leaf_bit) | 0x80000000
            continue
        new_roots[ti] = len(order)
        stack = [int(root)]
        while stack:
            n = stack.pop()
            new_index[n] = len(order)
            order.append(n)
            tree_of.append(ti)
            for c in (int(children[2 * n + 1]), int(children[2 * n])):  # left on top: visited next
                if c < leaf_bit:
                    stack.append(c)
    o = np.asarray(order, np.int64)
    n = len(o)
    if n == 0:
        return {S_ROOTS: new_roots.astype(np.uint32)}, [0, LAYOUT_PACKED, 0], leaf_table
    used = np.unique(feature[o])
    if len(used) > 256:  # the slot field has 8 bits
        return None
    # Slots: the input's columns themselves where they fit the slot field
    # (no slot_features section: the walk then reads x at the node), else
    # the used columns, in order.
    direct = int(used[-1]) < 256
    slot = feature[o] if direct else np.searchsorted(used, feature[o])
    values, g = _packed_values(keys[o], int16_features)
    left, right = children[2 * o], children[2 * o + 1]
    left_leaf, right_leaf = left >= leaf_bit, right >= leaf_bit
    left_id, right_id = np.where(left_leaf, left - leaf_bit, 0), np.where(right_leaf, right - leaf_bit, 0)
    right_offset = 2 * (new_index[np.where(right_leaf, 0, right)] - np.arange(n))
    fb, gb = 8, int(len(values) - 1).bit_length()
    sections = {S_ROOTS: new_roots.astype(np.uint32), S_SPLIT_VALUES: values}
    if not direct:
        sections[S_SLOT_FEATURES] = used.astype(np.uint16)

    def fits(n_leaves, left_id, right_id):
        left_field = np.where(left_leaf, left_id + 1, 0)
        right_field = np.where(right_leaf, 2 * right_id + 1, right_offset)
        lb, rb = int(n_leaves).bit_length(), int(right_field.max()).bit_length()
        if fb + gb + lb + rb > 32:
            return None
        return (slot | (g << fb) | (left_field << (fb + gb)) | (right_field << (fb + gb + lb))).astype(np.uint32), lb

    words = fits(len(leaf_table), left_id, right_id)
    if words is None:  # per-tree leaf numbers: each tree's own rows of the table, in turn
        tree = np.asarray(tree_of, np.int64)
        rows, bases = [], np.zeros(len(roots), np.uint32)
        local_left, local_right = np.zeros(n, np.int64), np.zeros(n, np.int64)
        starts = np.searchsorted(tree, np.arange(len(roots) + 1))
        for ti in range(len(roots)):
            a, b = starts[ti], starts[ti + 1]
            if a == b:
                continue
            ids = np.unique(np.concatenate([left_id[a:b][left_leaf[a:b]], right_id[a:b][right_leaf[a:b]]]))
            bases[ti] = sum(len(r) for r in rows)
            rows.append(ids)
            local_left[a:b] = np.searchsorted(ids, left_id[a:b])
            local_right[a:b] = np.searchsorted(ids, right_id[a:b])
        widest = max(len(r) for r in rows)
        words = fits(widest, local_left, local_right)
        if words is None:
            return None
        table = np.concatenate([leaf_table[np.concatenate(rows)], leaf_table[new_roots[new_roots >= 0x80000000] - 0x80000000]])
        root_leaves = new_roots >= 0x80000000  # leaf roots: their rows after the trees' own
        new_roots[root_leaves] = (sum(len(r) for r in rows) + np.arange(int(root_leaves.sum()))) | 0x80000000
        sections[S_ROOTS] = new_roots.astype(np.uint32)
        sections[S_LEAF_BASES] = bases
        leaf_table = table
    words, lb = words
    sections[S_NODES] = words
    if np.any(nan_left[o]):
        sections[S_NAN_LEFT] = np.packbits(nan_left[o], bitorder="little")
    return sections, [n, LAYOUT_PACKED, fb | gb << 8 | lb << 16], leaf_table


def _preorder(tree: Tree):
    """Split nodes of one tree in depth-first preorder, from the root."""
    order, stack = [], [0]
    while stack:
        n = stack.pop()
        if tree.left[n] < 0:
            continue
        order.append(n)
        stack.append(tree.right[n])
        stack.append(tree.left[n])
    return order


LEAF_LEVELS = {"uint8": 255, "uint16": 65535}  # probability p is stored as round(p * levels)


def encode(ens: Ensemble, feature_dtype: str = "float32", feature_scale=1.0, feature_offset=0.0,
           layout: str = "auto", leaf_dtype: str = "float32") -> bytes:
    """layout: "packed" (32-bit nodes, integer compares), "refs" (per-node
    thresholds and child refs: what a model that does not fit 32-bit nodes
    gets) or "auto" (packed when it fits). leaf_dtype: "float32" (exact), or
    "uint8"/"uint16" for forest classifiers: each leaf probability rounded
    to a multiple of 1/255 or 1/65535 (fewer bytes, integer sums)."""
    if layout not in ("auto", "packed", "refs"):
        raise ValueError(f"layout must be 'auto', 'packed' or 'refs', not {layout!r}")
    if leaf_dtype != "float32":
        if leaf_dtype not in LEAF_LEVELS:
            raise ValueError(f"leaf_dtype must be 'float32', 'uint16' or 'uint8', not {leaf_dtype!r}")
        if ens.task != TASK_CLASSIFICATION or ens.transform != T_MEAN_PROBABILITY:
            raise ValueError(f"leaf_dtype={leaf_dtype!r} is for forest classifiers (their leaves are class "
                             "probabilities in [0, 1]); this model's leaves are raw scores: use 'float32'")
    width = ens.trees[0].value.shape[1]
    # Distinct leaf vectors, shared by all trees (pure class leaves collapse to a handful).
    leaf_rows, node_count = [], 0
    for t in ens.trees:
        leaf_rows.append(t.value[t.left < 0].astype(np.float32))
    all_leaves = np.concatenate(leaf_rows)
    if leaf_dtype != "float32":  # integers, deduplicated after rounding
        all_leaves = np.rint(all_leaves.astype(np.float64) * LEAF_LEVELS[leaf_dtype]).astype(leaf_dtype)
    leaf_table, leaf_ids = np.unique(all_leaves, axis=0, return_inverse=True)
    leaf_ids = leaf_ids.reshape(-1)

    n_nodes = sum(int(np.sum(t.left >= 0)) for t in ens.trees)
    wide = n_nodes >= 2**15 or len(leaf_table) >= 2**15
    ref_dtype, leaf_bit = (np.uint32, 2**31) if wide else (np.uint16, 2**15)

    feature = np.empty(n_nodes, np.uint16)
    threshold = np.empty(n_nodes, np.float64)
    nan_left = np.zeros(n_nodes, bool)
    children = np.empty(2 * n_nodes, np.int64)
    roots = np.empty(len(ens.trees), np.int64)
    leaf_cursor = 0
    for ti, t in enumerate(ens.trees):
        is_leaf = t.left < 0
        leaf_ref = np.full(len(t.left), -1, np.int64)
        leaf_ref[is_leaf] = leaf_ids[leaf_cursor:leaf_cursor + int(is_leaf.sum())] + leaf_bit
        leaf_cursor += int(is_leaf.sum())
        order = _preorder(t)
        index = np.full(len(t.left), -1, np.int64)
        index[order] = np.arange(node_count, node_count + len(order))
        ref = np.where(is_leaf, leaf_ref, index)
        roots[ti] = ref[0]
        if order:
            o = np.asarray(order)
            sl = slice(node_count, node_count + len(order))
            feature[sl] = t.feature[o]
            threshold[sl] = t.threshold[o]
            nan_left[sl] = t.nan_left[o]
            children[2 * node_count:2 * (node_count + len(order)):2] = ref[t.left[o]]
            children[2 * node_count + 1:2 * (node_count + len(order)):2] = ref[t.right[o]]
        node_count += len(order)

    t32 = float32_at_most(threshold)
    if feature_dtype == "float32":
        if not _is_default(feature_scale, 1.0) or not _is_default(feature_offset, 0.0):
            raise ValueError("feature_scale and feature_offset apply to feature_dtype='int16' only: a float32 "
                             "model takes the features as they are")
        thresholds, ftype = t32, 0
    elif feature_dtype == "int16":
        scale, offset = int16_scale_and_offset(feature_scale, feature_offset, ens.n_features)
        t16 = int16_thresholds(t32, feature.astype(np.int64), scale, offset)
        real = np.isfinite(t32)  # +inf: a split of missing values alone, where every number goes left anyway
        _warn_constant_splits(t16[real], feature[real], ens.n_features)
        always_right = t16 == ALWAYS_RIGHT
        if always_right.any():
            children, roots = bypass(children, roots, always_right, leaf_bit)
        thresholds, ftype = np.maximum(t16, -32768).astype(np.int16), 1
        nan_left[:] = False  # int16 inputs have no NaN
    else:
        raise ValueError(f"feature_dtype must be 'float32' or 'int16', not {feature_dtype!r}")

    packed = None
    if layout != "refs":
        keys = thresholds.astype(np.int32) if ftype == 1 else split_keys(thresholds)
        packed = packed_sections(feature, keys, nan_left, children, roots, leaf_bit, leaf_table, ftype == 1)
        if packed is None and layout == "packed":
            raise ValueError("this ensemble does not fit the packed layout's 32-bit nodes")
    if packed is not None:
        structure, (n_nodes, layout_id, node_bits), leaf_table = packed
    else:
        structure, layout_id, node_bits = {
            S_ROOTS: roots.astype(ref_dtype),
            S_FEATURES: feature,
            S_THRESHOLDS: thresholds,
            S_CHILDREN: children.astype(ref_dtype),
        }, LAYOUT_REFS, 0
        if np.any(nan_left):
            structure[S_NAN_LEFT] = np.packbits(nan_left, bitorder="little")
    params = np.zeros(N_PARAMS, np.uint32)
    params[:] = [ens.n_features, ens.n_outputs, ens.n_classes, len(ens.trees), n_nodes,
                 len(leaf_table), width, ens.task, ens.transform, ftype, ens.flags, layout_id, node_bits]
    sections = {
        S_PARAMS: params,
        S_FLOAT_PARAMS: np.array([ens.path_norm, ens.decision_offset], np.float32),
        **structure,
    }
    sections.update(leaf_sections(leaf_table.astype(np.float32 if leaf_dtype == "float32" else leaf_dtype)))
    outputs = np.array([t.output for t in ens.trees], np.uint16)
    if np.any(outputs != 0) or width != ens.n_outputs:
        sections[S_TREE_OUTPUTS] = outputs
    if ens.baseline is not None and np.any(ens.baseline != 0):
        sections[S_BASELINE] = ens.baseline.astype(np.float32)
    meta = dict(ens.metadata)
    if ens.classes is not None:
        sections.update(mlm.class_label_sections(ens.classes))
        meta.update(mlm.classes_metadata(ens.classes))
    meta["feature_dtype"] = feature_dtype
    if leaf_dtype != "float32":
        meta["leaf_dtype"] = leaf_dtype
    if feature_dtype == "int16":
        meta["feature_scale"], meta["feature_offset"] = scale.tolist(), offset.tolist()
    return mlm.write(mlm.KIND_TREE_ENSEMBLE, sections, metadata=meta,
                     flags=(HEADER_FLAG_REFS if layout_id == LAYOUT_REFS else 0) |
                     (HEADER_FLAG_I16 if ftype == 1 else 0) |
                     (HEADER_FLAG_PACKED_F32 if layout_id == LAYOUT_PACKED and ftype == 0 else 0) |
                     (HEADER_FLAG_FOREST if layout_id == LAYOUT_PACKED and ftype == 0 and ens.task != TASK_ANOMALY
                      and ens.transform in (T_MEAN_PROBABILITY, T_NONE) else 0))


# ----------------------------------------------------------------- dispatch

def extractors():
    """scikit-learn (or booster library) class -> function giving its Ensemble."""
    from . import boosters
    from sklearn import ensemble as E, tree as T
    return {
        T.DecisionTreeClassifier: forest_classifier,
        T.ExtraTreeClassifier: forest_classifier,
        E.RandomForestClassifier: forest_classifier,
        E.ExtraTreesClassifier: forest_classifier,
        T.DecisionTreeRegressor: forest_regressor,
        T.ExtraTreeRegressor: forest_regressor,
        E.RandomForestRegressor: forest_regressor,
        E.ExtraTreesRegressor: forest_regressor,
        E.GradientBoostingClassifier: lambda e: gradient_boosting(e, True),
        E.GradientBoostingRegressor: lambda e: gradient_boosting(e, False),
        E.HistGradientBoostingClassifier: lambda e: hist_gradient_boosting(e, True),
        E.HistGradientBoostingRegressor: lambda e: hist_gradient_boosting(e, False),
        E.IsolationForest: isolation_forest,
        **boosters.extractors(),  # XGBoost, LightGBM, CatBoost: those already imported
    }


def refused_inputs(est) -> int:
    """The flags of the non-finite inputs scikit-learn's `est.predict`
    refuses, found by asking it (one row each): its trees and forests
    predict NaN (a missing value) but raise on +-inf, GradientBoosting
    raises on both, HistGradientBoosting and IsolationForest take both, and
    which is which has changed between versions (missing values in trees
    since 1.3, in ExtraTrees since 1.6)."""
    import warnings
    flags = 0
    for value, flag, words in ((np.inf, FLAG_REFUSES_INF, "infinity"), (np.nan, FLAG_REFUSES_NAN, "NaN")):
        row = np.zeros((1, est.n_features_in_), np.float32)
        row[0, 0] = value
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # e.g. fitted on a DataFrame: "X does not have valid feature names"
                est.predict(row)
        except ValueError as e:
            if words in str(e):
                flags |= flag
    return flags


MAX_FEATURES = 65536  # feature indices are u16
MAX_OUTPUTS = 65535   # leaf columns and tree outputs are u16


OPTIONS = ("layout", "leaf_dtype")  # what microlearn.convert(..., **options) passes on


def convert(est, base=None, feature_dtype="float32", feature_scale=1.0, feature_offset=0.0,
            layout="auto", leaf_dtype="float32") -> bytes:
    """`base`: the scikit-learn class `est` converts as (itself, or the
    supported class of a subclass; microlearn.converters.resolve). `layout`,
    `leaf_dtype`: encode()'s."""
    from . import boosters
    name = type(est).__name__
    n_features = getattr(est, "n_features_in_", 0)
    if n_features > MAX_FEATURES:
        raise UnsupportedEstimatorError(
            f"{name} on {n_features:,} features: tree ensembles take at most {MAX_FEATURES:,} "
            "features (16-bit feature indices); select features first")
    ens = extractors()[base or type(est)](est)
    if not ens.trees:  # e.g. XGBoost's n_estimators=0, or a booster sliced to nothing
        raise UnsupportedEstimatorError(f"{name} has no trees: a tree ensemble needs at least one")
    if ens.n_features > MAX_FEATURES:
        raise UnsupportedEstimatorError(f"{name} on {ens.n_features:,} features: at most {MAX_FEATURES:,}")
    if ens.n_outputs > MAX_OUTPUTS:
        raise UnsupportedEstimatorError(f"{name} with {ens.n_outputs:,} outputs or classes: at most "
                                        f"{MAX_OUTPUTS:,} are supported")
    ens.metadata["estimator"] = name
    if feature_dtype == "float32" and (base or type(est)) not in boosters.extractors():
        ens.flags |= refused_inputs(est)  # XGBoost, LightGBM and CatBoost take NaN and +-inf
    names = getattr(est, "feature_names_in_", None)  # fitted on a DataFrame
    if names is not None:
        ens.metadata["feature_names"] = [str(n) for n in names]
    data = encode(ens, feature_dtype, feature_scale, feature_offset, layout, leaf_dtype)
    if (base or type(est)) in boosters.extractors() and feature_dtype == "float32":
        self_check(est, ens, data, boosters.margin)
    return data


def edge_rows(ens: Ensemble, n_rows: int = 512, seed: int = 0) -> np.ndarray:
    """float32 rows whose values sit at, and one float32 step either side of,
    the ensemble's thresholds, with NaN, zeros and tiny values mixed in."""
    rng = np.random.default_rng(seed)
    per_feature = [[np.nan, 0.0, -0.0, 1e-36, -1e-36] for _ in range(ens.n_features)]
    with np.errstate(over="ignore"):
        return _edge_rows(ens, per_feature, rng, n_rows)


def _edge_rows(ens, per_feature, rng, n_rows):
    for t in ens.trees:
        split = t.left >= 0
        for f, c in zip(t.feature[split], float32_at_most(t.threshold[split])):
            up = np.nextafter(c, np.float32(np.inf))
            per_feature[f] += [float(c), float(up), float(np.nextafter(c, np.float32(-np.inf)))]
    X = np.empty((n_rows, ens.n_features), np.float32)
    for f, values in enumerate(per_feature):  # (the step above float32's largest value is inf: fine)
        X[:, f] = rng.choice(np.asarray(values, np.float32), n_rows)
    return X


def self_check(est, ens: Ensemble, data: bytes, library_margin) -> None:
    """The converted model's raw scores against the library's own on edge
    rows: a split read wrongly shows up as a leaf's worth of difference."""
    from .. import _engine
    X = edge_rows(ens)
    ours = np.asarray(_engine.TreesModel(data).raw_scores(X), np.float64)
    theirs = library_margin(est, X)
    _refuse_if_differ(est, "raw scores", ours, theirs, len(X))
    # Equal margins are not enough: an objective whose output transform the
    # converter does not know (a link, a threshold other than 0) shows up in
    # the predictions of the library's scikit-learn wrapper.
    from ..model import Model
    model = Model(data)
    names = getattr(est, "feature_names_in_", None)
    if names is not None:  # fitted on a DataFrame: XGBoost's wrapper checks the columns' names
        import pandas as pd
        X = pd.DataFrame(X, columns=names)
    if "predict_proba" in model.info["methods"] and hasattr(est, "predict_proba"):
        ours, theirs, what = model.predict_proba(X), est.predict_proba(X), "probabilities"
    elif model.info["task"] == "regression" and type(est).__name__.endswith(("Regressor", "Ranker")):
        ours, theirs, what = model.predict(X), est.predict(X), "predictions"
    else:  # a raw Booster: its predict() output depends on arguments the converter cannot know
        return
    _refuse_if_differ(est, what, *(np.asarray(v, np.float64).reshape(len(X), -1) for v in (ours, theirs)), len(X))


def _refuse_if_differ(est, what: str, ours: np.ndarray, theirs: np.ndarray, n_rows: int) -> None:
    scale = max(1.0, float(np.abs(theirs).max()))
    bad = ~np.isclose(ours, theirs, rtol=1e-5, atol=1e-5 * scale).all(axis=1)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise UnsupportedEstimatorError(
            f"{type(est).__name__}: the converted model's {what} differ from the library's on "
            f"{int(bad.sum())} of {n_rows} check rows (row {i}: {ours[i]} vs {theirs[i]}); this model uses "
            "something microlearn does not read correctly: please report it")
