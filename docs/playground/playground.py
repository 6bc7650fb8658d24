# The playground's MicroPython program (docs/playground/index.html runs it in
# the page): loads /model.mlm, reads the rows, predicts each one and writes
# /result.json for the page to show. /config.json says which files to read.
import array
import json
import sys
import time

import microlearn
from microlearn import npyfile


def read_npy(path):
    """The rows of a 2-D .npy file (a 1-D file is one row)."""
    shape, a = npyfile.load(path)
    if len(shape) == 1:
        shape = (1, shape[0])
    if len(shape) != 2:
        raise ValueError("%s: expected a 2-D array of rows, got shape %r" % (path, shape))
    n, d = shape
    return [a[i * d:(i + 1) * d] for i in range(n)]


def read_labels(path):
    """The labels of a .npy file of numbers (one per row)."""
    shape, a = npyfile.load(path)
    return list(a)


def parse_value(s):
    s = s.strip().strip('"')
    try:
        return float(s)
    except ValueError:
        return s


def read_csv(path, label_column):
    rows, labels = [], []
    with open(path) as f:
        for number, line in enumerate(f, 1):
            line = line.strip()
            if not line:
                continue
            values = [parse_value(v) for v in line.split(",")]
            if number == 1 and any(isinstance(v, str) for v in values[:-1 if label_column else None]):
                continue  # a header
            if label_column:
                labels.append(values.pop())
            bad = [v for v in values if isinstance(v, str)]
            if bad:
                raise ValueError("%s, line %d: %r is not a number" % (path, number, bad[0]))
            rows.append(values)
    return rows, labels if label_column else None


def same(a, b):
    if isinstance(a, str) or isinstance(b, str):
        return str(a) == str(b)
    return float(a) == float(b)


def main(config):
    with open("/model.mlm", "rb") as f:
        data = f.read()
    model = microlearn.load(data)
    info = model.info()
    typecode = "h" if info.get("feature_type") == "int16" else "f"
    if config["rows"].endswith(".npy"):
        rows, labels = read_npy(config["rows"]), None
    else:
        rows, labels = read_csv(config["rows"], config["label_column"])
    if config.get("labels"):
        labels = read_labels(config["labels"])
    if labels is not None and len(labels) != len(rows):
        raise ValueError("%d expected labels for %d rows" % (len(labels), len(rows)))
    n_features = info["n_features"]
    xs = []
    for i, r in enumerate(rows):
        if len(r) != n_features:
            raise ValueError("row %d has %d values; the model takes %d features" % (i, len(r), n_features))
        xs.append(array.array(typecode, [int(v) if typecode == "h" else v for v in r]))
    n_out = info.get("n_outputs", 1)
    out = array.array("f", [0] * n_out) if info.get("task") == "regression" and n_out > 1 else None
    predictions = []
    start = time.ticks_us()
    for x in xs:
        predictions.append(list(model.predict(x, out)) if out is not None else model.predict(x))
    elapsed = time.ticks_diff(time.ticks_us(), start)
    result = {
        "model_bytes": len(data),
        "info": {k: (list(v) if isinstance(v, tuple) else v) for k, v in info.items()},
        "predictions": predictions,
        "us_per_predict": elapsed / max(1, len(xs)),
        "platform": sys.implementation._machine,
    }
    if labels is not None:
        result["expected"] = labels
        hits = sum(1 for p, e in zip(predictions, labels) if same(p, e))
        result["agreement"] = hits / max(1, len(labels))
    return result


try:
    with open("/config.json") as f:
        result = main(json.load(f))
except Exception as e:
    result = {"error": "%s: %s" % (type(e).__name__, e)}
with open("/result.json", "w") as f:
    json.dump(result, f)
