"""Read a grafo model file with nothing but the safetensors specification,
json and NumPy, recompute its predictions on a CSV file, and compare them
with the ones `grafo predict` printed.

    model_numpy.py MODEL DATA.csv PREDICTIONS.csv
        exit 0 if every prediction agrees, 1 (printing what differs) if not
    model_numpy.py --corrupt MODEL OUT
        copy MODEL to OUT with one parameter changed, for the test's check
        that a wrong weight is caught

No grafo code is used: docs/model-files.md is the only description of the
file this follows.  Formulas are kept simple here: every design column must
be a numeric variable read straight from a CSV column of the same name.
"""
import csv
import json
import struct
import sys

import numpy as np

FORMAT_VERSION = 1  # the newest model format this reader knows
NP_DTYPES = {"F32": "<f4", "F64": "<f8", "I32": "<i4", "I64": "<i8", "U8": "u1"}
# Relative tolerances: float32 networks, float64 linear models.
RTOL = {"F32": 1e-5, "F64": 1e-10}


class Mismatch(Exception):
    pass


def read_safetensors(path):
    """The metadata and the tensors, by the format's specification."""
    raw = open(path, "rb").read()
    if len(raw) < 8:
        raise Mismatch(f"{path}: {len(raw)} bytes, too short for a header length")
    (n,) = struct.unpack("<Q", raw[:8])
    if 8 + n > len(raw):
        raise Mismatch(f"{path}: header length {n} runs past the file ({len(raw)} bytes)")
    header = json.loads(raw[8:8 + n].decode("utf-8"))
    data = raw[8 + n:]
    meta = header.pop("__metadata__", {})
    tensors, covered = {}, 0
    for name, info in sorted(header.items(), key=lambda kv: kv[1]["data_offsets"]):
        begin, end = info["data_offsets"]
        if begin != covered:
            raise Mismatch(f"{path}: tensor {name} begins at {begin}, not {covered}")
        covered = end
        dt = np.dtype(NP_DTYPES[info["dtype"]])
        shape = tuple(info["shape"])
        if end - begin != dt.itemsize * int(np.prod(shape, dtype=np.int64)):
            raise Mismatch(f"{path}: tensor {name} has {end - begin} bytes for shape {shape}")
        tensors[name] = (info["dtype"], np.frombuffer(data[begin:end], dtype=dt).reshape(shape))
    if covered != len(data):
        raise Mismatch(f"{path}: the tensors cover {covered} of {len(data)} data bytes")
    return meta, tensors


def read_csv(path):
    """Column name -> list of strings, and the row names (R's write.csv puts
    them in a first column with an empty name; without one, rows are 1..n)."""
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    head, body = rows[0], [r for r in rows[1:] if r]
    named = head[0] == ""
    cols = {h: [r[j] for r in body] for j, h in enumerate(head) if not (named and j == 0)}
    names = [r[0] for r in body] if named else [str(i + 1) for i in range(len(body))]
    return cols, names


def design(desc, cols):
    """The design matrix (n x p, before scaling) for formulas whose columns
    are numeric variables taken as they are."""
    types = {v["name"]: v["type"] for v in desc["variables"]}
    x = []
    for c in desc["columns"]:
        if types.get(c) != "numeric":
            raise Mismatch(f"column '{c}' is not a plain numeric variable; this reader "
                           f"only rebuilds simple formulas")
        x.append([float(v) for v in cols[c]])
    return np.array(x, dtype=np.float64).T


def activation(name, z):
    if name in ("identity", "linear"):
        return z
    if name == "sigmoid":
        return 1 / (1 + np.exp(-z))
    if name == "tanh":
        return np.tanh(z)
    if name == "relu":
        return np.maximum(z, 0)
    if name == "leaky_relu":
        return np.where(z > 0, z, 0.01 * z)
    if name == "elu":
        return np.where(z > 0, z, np.expm1(np.minimum(z, 0)))
    if name == "softplus":
        return np.logaddexp(z, 0)
    if name == "hardtanh":
        return np.clip(z, -1, 1)
    raise Mismatch(f"unknown activation '{name}'")


def softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def sigmoid_columns(z):
    p = 1 / (1 + np.exp(-z))
    return np.column_stack([1 - p, p])


def network(desc, tensors, x):
    """Dense layers x @ W + b; hidden layers apply their activation, the
    output layer's name says how its logits become predictions."""
    layers = [spec.split(":") for spec in desc["network"]["layers"].split(",")]
    names = desc["network"]["parameters"]
    want = [f"{w}{i + 1}" for i in range(len(layers)) for w in ("W", "b")]
    if names != want:
        raise Mismatch(f"parameters {names}, expected {want}")
    h = x
    for i, (units, act) in enumerate(layers):
        w, b = tensors[f"W{i + 1}"][1], tensors[f"b{i + 1}"][1]
        if w.shape != (h.shape[1], int(units)) or b.shape != (int(units),):
            raise Mismatch(f"layer {i + 1}: W{i + 1} {w.shape}, b{i + 1} {b.shape} for "
                           f"{h.shape[1]} inputs and {units} units")
        h = h @ w.astype(np.float64) + b.astype(np.float64)
        if i + 1 < len(layers):
            h = activation(act, h)
    out = layers[-1][1]
    if out == "softmax":
        return None, softmax(h)
    if out == "sigmoid":
        return None, sigmoid_columns(h[:, 0])
    return h[:, 0], None


def linear(desc, tensors, x):
    """Each row of coef is one linear predictor, intercept first."""
    coef = tensors["coef"][1]
    z = coef[:, 0] + x @ coef[:, 1:].T
    kind = desc["kind"]
    if kind in ("ols", "ridge", "lasso", "enet"):
        return z[:, 0], None
    if kind == "logistic":
        return None, sigmoid_columns(z[:, 0])
    if kind == "softmax":
        return None, softmax(z)
    if kind in ("perceptron", "linsvm"):
        return None, (np.column_stack([-z[:, 0], z[:, 0]]) if coef.shape[0] == 1 else z)
    raise Mismatch(f"unknown kind '{kind}'")


def labels(desc, score):
    if desc["kind"] == "logistic":
        t = desc.get("settings", {}).get("threshold")
        return (score[:, 1] >= (0.5 if t is None else t)).astype(int)
    if desc["kind"] in ("perceptron", "linsvm") and len(desc["classes"]) == 2:
        return (score[:, 1] >= 0).astype(int)
    return score.argmax(axis=1)


def load_model(path):
    meta, tensors = read_safetensors(path)
    if meta.get("format") != "grafo":
        raise Mismatch(f"{path}: metadata format is {meta.get('format')!r}, not 'grafo'")
    if int(meta["format_version"]) > FORMAT_VERSION:
        raise Mismatch(f"{path}: format_version {meta['format_version']} is newer than "
                       f"{FORMAT_VERSION}")
    desc = json.loads(meta["model"])
    if desc["kind"] != meta["kind"]:
        raise Mismatch(f"{path}: kind {meta['kind']!r} in the metadata, {desc['kind']!r} in "
                       f"the description")
    return meta, desc, tensors


def check(model, data, predictions):
    meta, desc, tensors = load_model(model)
    cols, rownames = read_csv(data)
    x = design(desc, cols)
    used = set()
    if desc["scaling"] != "none":
        shift, scale = tensors["scale.shift"][1], tensors["scale.scale"][1]
        x = (x - shift) / scale
        used |= {"scale.shift", "scale.scale"}
    if desc["kind"] == "network":
        value, score = network(desc, tensors, x)
        used |= set(desc["network"]["parameters"])
        rtol = RTOL["F32"]
    else:
        value, score = linear(desc, tensors, x)
        used.add("coef")
        rtol = RTOL[tensors["coef"][0]]
    if used != set(tensors):
        raise Mismatch(f"{model}: tensors {sorted(tensors)}, the description uses {sorted(used)}")

    with open(predictions, newline="") as f:
        rows = list(csv.reader(f))
    head, body = rows[0], rows[1:]
    errors = []
    if len(body) != x.shape[0]:
        errors.append(f"{len(body)} predictions for {x.shape[0]} rows")
        body = body[:x.shape[0]]
    for i, r in enumerate(body[:len(rownames)]):
        if r[0] != rownames[i]:
            errors.append(f"prediction {i + 1} is for row {r[0]!r}, expected {rownames[i]!r}")
            break
    if value is not None:
        if head != ["row", "prediction"]:
            raise Mismatch(f"{predictions}: header {head}, expected row,prediction")
        got = np.array([float(r[1]) for r in body])
        want, what = value[:len(got)], ["prediction"]
        got, want = got[:, None], want[:, None]
    else:
        classes = desc["classes"]
        prefix = "prob_" if desc["kind"] not in ("perceptron", "linsvm") else "score_"
        want_head = ["row", "class"] + [prefix + c for c in classes]
        if head != want_head:
            raise Mismatch(f"{predictions}: header {head}, expected {want_head}")
        got = np.array([[float(v) for v in r[2:]] for r in body])
        want, what = score[:len(got)], head[2:]
        lab = labels(desc, score)
        for i, r in enumerate(body):
            if r[1] != classes[lab[i]]:
                errors.append(f"row {r[0]}: class {r[1]}, NumPy says {classes[lab[i]]} "
                              f"(scores {score[i]})")
    diff = np.abs(got - want)
    rel = np.divide(diff, np.abs(want), out=np.where(diff == 0, 0.0, np.inf),
                    where=want != 0)
    bad = ~(rel <= rtol)  # NaN counts as a mismatch
    for i, j in zip(*np.nonzero(bad)):
        errors.append(f"row {body[i][0]}, {what[j]}: grafo {got[i, j]!r}, NumPy {want[i, j]!r} "
                      f"(relative difference {rel[i, j]:.3g})")
    if errors:
        print(f"{model} ({desc['kind']}) disagrees with NumPy on {data}:")
        for e in errors[:10]:
            print("   ", e)
        if len(errors) > 10:
            print(f"    ... and {len(errors) - 10} more")
        return 1
    worst = rel.max() if rel.size else 0.0
    print(f"{model}: {desc['kind']}, {len(body)} rows x {got.shape[1]} agree with NumPy "
          f"(worst relative difference {worst:.2g}, tolerance {rtol:g})")
    return 0


def corrupt(model, out):
    """OUT: MODEL with the first element of its first weight tensor (W1 or
    coef) changed by a quarter, bytes elsewhere untouched."""
    raw = bytearray(open(model, "rb").read())
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n].decode("utf-8"))
    name = "W1" if "W1" in header else "coef"
    fmt = {"F32": "<f", "F64": "<d"}[header[name]["dtype"]]
    at = 8 + n + header[name]["data_offsets"][0]
    (v,) = struct.unpack_from(fmt, raw, at)
    struct.pack_into(fmt, raw, at, v + 0.25 * (abs(v) + 1))
    open(out, "wb").write(raw)


def main(argv):
    if len(argv) == 4 and argv[1] == "--corrupt":
        corrupt(argv[2], argv[3])
        return 0
    if len(argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        return check(*argv[1:])
    except (Mismatch, KeyError, ValueError) as e:
        print(f"{argv[1]}: {type(e).__name__}: {e}")
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
