"""Model.report(): what a converted model costs and how well it agrees."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

# RAM a loaded model object takes on a 32-bit device besides the model bytes:
# the native object (view struct, info, pointers; see device/natmods/trees.c).
DEVICE_OBJECT_BYTES = 200


@dataclass
class Report:
    estimator: str
    model_bytes: int
    ram_bytes_in_place: int      # model used from a buffer it does not copy
    ram_bytes_loaded: int        # model file read into RAM with microlearn.load(path)
    n_samples: int = 0
    agreement: float | None = None          # share of rows where converted == original
    accuracy_original: float | None = None
    accuracy_converted: float | None = None
    max_abs_difference: float | None = None  # regressors / scores
    extra: dict = field(default_factory=dict)
    layers: list = field(default_factory=list)  # per op of a neural network (the engine's layers())

    def __str__(self):
        rows = [("estimator", self.estimator),
                ("model bytes (flash)", f"{self.model_bytes:,}"),
                ("RAM, model in place", f"{self.ram_bytes_in_place:,} B"),
                ("RAM, model read into RAM", f"{self.ram_bytes_loaded:,} B")]
        if self.n_samples:
            rows.append(("rows compared", f"{self.n_samples:,}"))
        if self.agreement is not None:
            rows.append(("agreement with original", f"{100 * self.agreement:.2f} %"))
        if self.accuracy_original is not None:
            rows.append(("accuracy original / converted",
                         f"{100 * self.accuracy_original:.2f} % / {100 * self.accuracy_converted:.2f} %"))
        if self.max_abs_difference is not None:
            rows.append(("max |original - converted|", f"{self.max_abs_difference:.3g}"))
        rows += [(k, str(v)) for k, v in self.extra.items()]
        width = max(len(k) for k, _ in rows)
        text = "\n".join(f"{k:<{width}}  {v}" for k, v in rows)
        if self.layers:
            head = ("op", "output", "params", "bytes", "MACs", "arena in use")
            table = [head] + [(l["op"], "x".join(map(str, l["output_shape"])) or "1", f"{l['params']:,}",
                               f"{l['bytes']:,}", f"{l['macs']:,}", f"{l['arena_bytes']:,} B") for l in self.layers]
            widths = [max(len(r[i]) for r in table) for i in range(len(head))]
            text += "\n" + "\n".join("  ".join(c.ljust(w) if i < 2 else c.rjust(w) for i, (c, w) in
                                               enumerate(zip(r, widths))) for r in table)
        return text


def report(model, X, y=None, reference=None) -> Report:
    """Sizes of `model`, and if `reference` (the original estimator) or `y` is
    given, how its predictions on X compare."""
    scratch = 4 * (model.info["n_outputs"] + model.info["n_classes"]) + model.info.get("arena_bytes", 0)
    r = Report(model.metadata.get("estimator", model.kind), model.size,
               DEVICE_OBJECT_BYTES + scratch, DEVICE_OBJECT_BYTES + scratch + model.size)
    X = np.asarray(X)
    r.n_samples = len(X)
    discrete = model._task != "regression"
    if y is not None:
        y = np.asarray(y)
        if discrete and y.ndim == 2 and y.shape[1] == 1:  # a column vector, as scikit-learn's metrics take it
            y = y[:, 0]
        if discrete and (y.ndim != 1 or len(y) != len(X)):
            raise ValueError(f"y must hold one label per row of X ({len(X)},), got shape {y.shape}")
        if not discrete and (y.ndim == 0 or len(y) != len(X)):  # targets: (n,) or (n, n_outputs)
            raise ValueError(f"y must hold one target per row of X ({len(X)} rows), got shape {y.shape}")
    if reference is not None and not hasattr(reference, "predict"):
        raise TypeError(f"reference must be the original estimator (with predict()), got "
                        f"{type(reference).__name__}")
    if hasattr(model._engine, "layers"):  # neural networks: parameters, bytes, MACs, arena per op
        r.layers = model._engine.layers()
        r.extra["arena (RAM, allocated at load)"] = f"{model.info['arena_bytes']:,} B"
        r.extra["MACs per prediction"] = f"{sum(l['macs'] for l in r.layers):,}"
    Xq = X if model.feature_dtype == np.float32 else model.quantize(X)
    got = model.predict(Xq)
    Xref = X.astype(np.float32) if model.feature_dtype == np.float32 else model.dequantize(Xq)
    if reference is not None:  # a Keras model predicts from the same rows, labels or values, as the converted one
        from .converters.neural.keras import as_reference
        reference = as_reference(reference, model)
    want = reference.predict(Xref) if reference is not None else None
    if want is not None:
        if discrete:
            r.agreement = float(np.mean(got == want))
        else:
            r.max_abs_difference = float(np.max(np.abs(got - want)))
    if y is not None and discrete:
        r.accuracy_converted = float(np.mean(got == y))
        r.accuracy_original = float(np.mean(want == y)) if want is not None else None
    return r
