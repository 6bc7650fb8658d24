"""ir.Graph -> .mlm bytes (kind neural_network), with the memory plan.

The sections mirror include/microlearn/neural/model.hpp; docs/neural.md
describes them field by field. The plan:

1. Lifetimes. Each tensor the ops compute lives from the op that writes it
   to the last op that reads it (the model's output to the end); the input
   from before the first op. `ir.Tensor.persistent` tensors (recurrent
   state) live always and are never shared.
2. In place. An op of a kind that can write over its first input (RESHAPE,
   ADD, MUL and the elementwise activations, SOFTMAX) shares that input's
   bytes when the input has the same byte size, is not read after the op,
   and is not the model's output or a state tensor. Shared tensors form one
   buffer whose lifetime is the union.
3. Offsets. Buffers, biggest first (then earliest), each at the lowest
   4-aligned offset where it overlaps no placed buffer alive at the same
   time (TFLite Micro's greedy planner does the same). The arena is the end
   of the highest buffer.

Scratch memory is a tensor too: an int8 CONV_2D gets a second output of
conv_scratch_bytes() (include/microlearn/neural/int8_ops.hpp: the widened
input patches of two output pixels, which Cortex-M4 builds use), written by
that op and read by none, so it lives while the op runs and the plan places
it like any output. Then each such scratch, in op order, becomes
conv_scratch_bytes_4() (four pixels' patches: the Cortex-M4 runs blocks of
four pixels with it) where the plan's arena does not grow: the bigger
scratch only takes bytes the arena has anyway (the engine runs either size).

The engine's loader checks the result: no op writes bytes a tensor still
needed holds.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ... import mlm
from ...errors import UnsupportedEstimatorError
from . import int8_params, ir

# Section ids and record layouts: include/microlearn/neural/model.hpp.
S_PARAMS, S_TENSORS, S_OPS, S_OP_IO, S_OP_INTS, S_OP_FLOATS = 1, 2, 3, 4, 5, 6
S_CONST_F32, S_CONST_I8, S_CONST_I32, S_QUANT_SCALE, S_QUANT_ZERO = 7, 8, 9, 10, 11
T_FIELDS, O_FIELDS, P_COUNT = 12, 8, 9
LOC_ARENA, LOC_CONSTANT, LOC_STATE = 0, 1, 2
DTYPE_CODES = {"float32": 7, "int8": 2, "int32": 6, "int16": 4}  # int16: activations only (no constants)
DTYPE_BYTES = {"float32": 4, "int8": 1, "int32": 4, "int16": 2}
MAX_RANK = 4

# OpKind in model.hpp (tests check the two agree).
OP_CODES = {
    "FULLY_CONNECTED": 1, "CONV_2D": 2, "DEPTHWISE_CONV_2D": 3, "MAX_POOL_2D": 4, "AVERAGE_POOL_2D": 5,
    "MEAN": 6, "REDUCE_MAX": 7, "RESHAPE": 8, "PAD": 9, "ADD": 10, "MUL": 11, "CONCATENATION": 12,
    "RELU": 13, "RELU6": 14, "ELU": 15, "LOGISTIC": 16, "TANH": 17, "HARD_SWISH": 18, "HARD_SIGMOID": 19,
    "LEAKY_RELU": 20, "SOFTMAX": 21, "QUANTIZE": 22, "DEQUANTIZE": 23, "SIMPLE_RNN": 24, "GRU": 25, "LSTM": 26,
    "GELU": 27, "SILU": 28,
}
IN_PLACE_OPS = {"RESHAPE", "ADD", "MUL", "RELU", "RELU6", "ELU", "LOGISTIC", "TANH", "HARD_SWISH",
                "HARD_SIGMOID", "LEAKY_RELU", "SOFTMAX", "GELU", "SILU"}
ACTIVATION_CODES = {a: i for i, a in enumerate(ir.FUSED_ACTIVATIONS)}


def _pair(v) -> tuple[int, int]:
    v = tuple(int(a) for a in (v if isinstance(v, (tuple, list)) else (v, v)))
    return v if len(v) == 2 else (v[0], v[0])


def _axes_mask(op: ir.Op, rank: int) -> int:
    mask = 0
    for a in op.params["axes"]:
        a = int(a) + rank if int(a) < 0 else int(a)
        if not 0 <= a < rank:
            raise ValueError(f"{op.source or op.kind}: axis {a} outside a rank-{rank} input")
        mask |= 1 << a
    return mask


def op_params(op: ir.Op, g: ir.Graph) -> tuple[list[int], list[float]]:
    """The (ints, floats) op_ints / op_floats hold for `op` (docs/neural.md).
    Recurrent and other kinds added later: extend here and in model.hpp."""
    p, kind = op.params, op.kind
    act = ACTIVATION_CODES.get(p.get("activation", "none"), None)
    if kind in ("FULLY_CONNECTED", "ADD", "MUL"):
        return [act], []
    if kind in ("CONV_2D", "DEPTHWISE_CONV_2D"):
        ints = [*_pair(p["stride"]), *_pair(p["dilation"]), *(int(v) for v in p["padding"]), act]
        return ints + ([int(p["depth_multiplier"])] if kind == "DEPTHWISE_CONV_2D" else []), []
    if kind in ("MAX_POOL_2D", "AVERAGE_POOL_2D"):
        return [*_pair(p["filter"]), *_pair(p["stride"]), *(int(v) for v in p["padding"]), act], []
    if kind in ("MEAN", "REDUCE_MAX"):
        return [_axes_mask(op, len(g.tensors[op.inputs[0]].shape))], []
    if kind == "PAD":
        return [int(v) for pair in p["paddings"] for v in pair], []
    if kind == "CONCATENATION":
        rank = len(g.tensors[op.outputs[0]].shape)
        axis = int(p["axis"])
        return [axis + rank if axis < 0 else axis, act], []
    if kind == "LEAKY_RELU":
        return [], [float(p["alpha"])]
    if kind == "GELU":
        return [int(bool(p["approximate"]))], []
    if kind == "SOFTMAX":
        return [], [float(p["beta"])]
    if kind in ("SIMPLE_RNN", "GRU", "LSTM"):  # recurrent.hpp's IntParam order, activations as ir.RECURRENT_ACTIVATIONS
        acts = [ir.RECURRENT_ACTIVATIONS.index(p.get(k, "sigmoid")) for k in ("activation", "recurrent_activation")]
        return [int(p["units"]), *acts, int(p.get("reset_after", False)), int(p["return_sequences"]),
                int(p["stateful"])], []
    return [], []


# ------------------------------------------------------------ memory plan

def conv_scratch_bytes(filter_taps: int) -> int:
    """int8::conv_scratch_bytes(): two pixels' patches of 16-bit values, in groups of 4."""
    return 4 * ((filter_taps + 3) & ~3)


def conv_scratch_bytes_4(filter_taps: int) -> int:
    """int8::conv_scratch_bytes_4(): four pixels' patches."""
    return 2 * conv_scratch_bytes(filter_taps)


def _with_scratch(g: ir.Graph) -> ir.Graph:
    """g with a scratch output added to each int8 CONV_2D (the engine requires it)."""
    tensors, ops = dict(g.tensors), []
    for op in g.ops:
        if op.kind == "CONV_2D" and tensors[op.inputs[0]].dtype == "int8":
            name = f"{op.outputs[0]}/scratch"
            taps = int(np.prod(tensors[op.inputs[1]].shape[1:]))
            tensors[name] = ir.Tensor(name, (conv_scratch_bytes(taps),), "int8")
            op = ir.Op(op.kind, op.inputs, [op.outputs[0], name], op.params, op.source)
        ops.append(op)
    return ir.Graph(tensors, ops, g.inputs, g.outputs, g.task, g.classes, g.binary_threshold, g.name)


def _with_scratch_4(g: ir.Graph) -> ir.Graph:
    """g with each int8 CONV_2D's scratch grown to four pixels' patches, in op
    order, where plan()'s arena stays the size it has with two pixels'."""
    arena = plan(g)[1]
    for op in g.ops:
        if op.kind != "CONV_2D" or len(op.outputs) != 2:
            continue
        name = op.outputs[1]
        tensors = dict(g.tensors)
        tensors[name] = ir.Tensor(name, (2 * g.tensors[name].size,), "int8")
        trial = ir.Graph(tensors, g.ops, g.inputs, g.outputs, g.task, g.classes, g.binary_threshold, g.name)
        if plan(trial)[1] <= arena:
            g = trial
    return g


@dataclass
class Buffer:
    tensors: list[str]
    size: int           # bytes, rounded up to 4
    first: int          # first op it is alive at (-1: before the first op)
    last: int           # last op it is alive at (n_ops: to the end)
    offset: int = -1


def _nbytes(t: ir.Tensor) -> int:
    return t.size * DTYPE_BYTES[t.dtype]


def plan(g: ir.Graph) -> tuple[dict[str, int], int]:
    """Arena offsets of every non-constant tensor, and the arena's size."""
    n = len(g.ops)
    first: dict[str, int] = {g.inputs[0]: -1}
    last: dict[str, int] = {}
    for i, op in enumerate(g.ops):
        for name in op.inputs:
            if not g.tensors[name].is_constant:
                last[name] = i
        for name in op.outputs:
            first.setdefault(name, i)
            last.setdefault(name, i)
    last[g.outputs[0]] = n
    for name, t in g.tensors.items():
        if t.persistent:
            first[name], last[name] = -1, n + 1
    buffer_of: dict[str, Buffer] = {}
    for name in first:
        t = g.tensors[name]
        buffer_of[name] = Buffer([name], (_nbytes(t) + 3) & ~3, first[name], last.get(name, first[name]))
    for i, op in enumerate(g.ops):
        if op.kind not in IN_PLACE_OPS:
            continue
        src, dst = op.inputs[0], op.outputs[0]
        ts, td = g.tensors[src], g.tensors[dst]
        if (ts.is_constant or ts.persistent or src == g.outputs[0] or last[src] != i
                or _nbytes(ts) != _nbytes(td) or src in op.inputs[1:]):
            continue
        b, d = buffer_of[src], buffer_of[dst]
        b.tensors += d.tensors
        b.last = max(b.last, d.last)
        for name in d.tensors:
            buffer_of[name] = b
    buffers = list({id(b): b for b in buffer_of.values()}.values())
    placed: list[Buffer] = []
    for b in sorted(buffers, key=lambda b: (-b.size, b.first)):
        offset = 0
        for o in sorted((o for o in placed if o.first <= b.last and b.first <= o.last), key=lambda o: o.offset):
            if offset + b.size <= o.offset:
                break
            offset = max(offset, o.offset + o.size)
        b.offset = offset
        placed.append(b)
    offsets = {name: buffer_of[name].offset for name in buffer_of}
    return offsets, max((b.offset + b.size for b in buffers), default=0)


# ------------------------------------------------------------ the sections

def _check_graph(g: ir.Graph) -> None:
    g.validate()
    if len(g.inputs) != 1 or len(g.outputs) != 1:
        raise UnsupportedEstimatorError(f"a network with {len(g.inputs)} inputs and {len(g.outputs)} outputs: "
                                        "microlearn runs networks with one input and one output")
    for op in g.ops:
        if op.kind not in OP_CODES:
            raise UnsupportedEstimatorError(f"{op.source or op.kind}: op {op.kind} has no kernel")
    for name, t in g.tensors.items():
        if len(t.shape) > MAX_RANK:
            raise UnsupportedEstimatorError(f"tensor {name!r} of shape {t.shape}: at most {MAX_RANK} axes")


def encode(g: ir.Graph, metadata: dict | None = None) -> bytes:
    """The .mlm file of graph `g`: tensors, ops, constants, quantization and
    the memory plan. `metadata` goes into the file's JSON for the host."""
    _check_graph(g)
    ops = list(g.ops)
    if any(op.kind in ("ADD", "MUL") for op in ops):  # the engine broadcasts the second input only
        ops = [_broadcast_second(op, g) if op.kind in ("ADD", "MUL") else op for op in ops]
        g = ir.Graph(g.tensors, ops, g.inputs, g.outputs, g.task, g.classes, g.binary_threshold, g.name)
    g = _with_scratch_4(_with_silu(_with_scratch(g)))
    ops = g.ops
    used = list(dict.fromkeys([g.inputs[0]] + [n for op in ops for n in op.inputs + op.outputs]
                              + [n for n, t in g.tensors.items() if t.persistent]))
    index = {name: i for i, name in enumerate(used)}
    producer = {name: i + 1 for i, op in enumerate(ops) for name in op.outputs}
    offsets, arena = plan(g)

    consts = {"float32": [], "int8": [], "int32": []}
    const_len = {"float32": 0, "int8": 0, "int32": 0}
    scales, zeros = [], []
    quant_at = {}  # (scales, zero points) -> their offset: tensors of the same quantization share entries
    unread = _unread_quantization(ops, g)
    records = []
    for name in used:
        t = g.tensors[name]
        dims = list(t.shape) + [1] * (MAX_RANK - len(t.shape))
        if t.is_constant:
            data = np.asarray(t.data).astype(t.dtype if t.dtype != "float32" else np.float32).ravel()
            if data.size != t.size:
                raise ValueError(f"constant {name!r}: {data.size} values for shape {t.shape}")
            if t.dtype == "float32" and not np.all(np.isfinite(data)):
                raise UnsupportedEstimatorError(f"constant {name!r} holds NaN or infinity")
            loc, offset = LOC_CONSTANT, const_len[t.dtype]
            consts[t.dtype].append(data)
            const_len[t.dtype] += data.size
        else:
            loc = LOC_STATE if t.persistent else LOC_ARENA
            offset = offsets[name]
        q_off, q_count = 0, 0
        if t.scale is not None and name not in unread:
            s = np.atleast_1d(np.asarray(t.scale, np.float32))
            z = np.atleast_1d(np.asarray(t.zero_point if t.zero_point is not None else 0, np.int64))
            z = np.broadcast_to(z, s.shape)
            key = (s.tobytes(), z.tobytes())
            if key not in quant_at:
                quant_at[key] = len(scales)
                scales += s.tolist()
                zeros += z.tolist()
            q_off, q_count = quant_at[key], s.size
        records.append([DTYPE_CODES[t.dtype], len(t.shape), *dims, loc, offset, producer.get(name, 0),
                        q_off, q_count, t.quant_axis])

    io, ints, floats, op_records = [], [], [], []
    for op in ops:
        i_vals, f_vals = op_params(op, g)
        try:
            i_vals, f_vals = int8_params.extend(op, g, i_vals, f_vals)
        except int8_params.ScaleTooLarge as e:
            raise UnsupportedEstimatorError(f"{op.source or op.kind}: {e}") from None
        if None in i_vals:
            raise UnsupportedEstimatorError(f"{op.source or op.kind}: fused activation "
                                            f"{op.params.get('activation')!r} is not one of {ir.FUSED_ACTIVATIONS}")
        op_records.append([OP_CODES[op.kind], len(op.inputs), len(op.outputs), len(io), len(ints), len(i_vals),
                           len(floats), len(f_vals)])
        io += [index[n] for n in op.inputs + op.outputs]
        ints += i_vals
        floats += f_vals

    classes = g.classes
    task = 1 if g.task == "classification" else 0
    out = g.tensors[g.outputs[0]]
    last = ops[-1].kind if ops else ""
    probabilities = int(task == 1 and last in ("SOFTMAX", "LOGISTIC")
                        or task == 1 and last == "DEQUANTIZE" and len(ops) > 1 and ops[-2].kind in ("SOFTMAX", "LOGISTIC"))
    n_classes = len(classes) if task == 1 else 0
    params = [len(used), len(ops), arena, index[g.inputs[0]], index[g.outputs[0]], task, n_classes, probabilities,
              int(np.float32(g.binary_threshold).view(np.uint32))]
    assert len(params) == P_COUNT
    sections = {
        S_PARAMS: np.asarray(params, np.uint32),
        S_TENSORS: np.asarray(records, np.uint32).ravel(),
        S_OPS: np.asarray(op_records, np.uint32).ravel(),
        S_OP_IO: np.asarray(io, np.uint32),
        S_OP_INTS: np.asarray(ints, np.int32),
        S_OP_FLOATS: np.asarray(floats, np.float32),
    }
    for dtype, sid in (("float32", S_CONST_F32), ("int8", S_CONST_I8), ("int32", S_CONST_I32)):
        if consts[dtype]:
            sections[sid] = np.concatenate(consts[dtype]).astype({"float32": "<f4", "int8": "i1",
                                                                  "int32": "<i4"}[dtype])
    if scales:
        sections[S_QUANT_SCALE] = np.asarray(scales, np.float32)
        sections[S_QUANT_ZERO] = np.asarray(zeros, np.int32)
    meta = dict(metadata or {})
    if task == 1:
        if n_classes < 2 or out.size not in (n_classes, 1 if n_classes == 2 else n_classes):
            raise ValueError(f"a classifier with {n_classes} classes and {out.size} outputs")
        sections.update(mlm.class_label_sections(classes))
        meta.update(mlm.classes_metadata(classes))
    # Header flags: the kernel sets the ops need, so the device package imports the module that has them.
    return mlm.write(mlm.KIND_NEURAL_NETWORK, sections, meta, flags=op_parts(ops, g))


def _unread_quantization(ops, g: ir.Graph) -> set:
    """The constants whose scales and zero points no kernel reads: the weights
    and biases of int8 FULLY_CONNECTED, CONV_2D and DEPTHWISE_CONV_2D (their
    rescaling is in the op's parameters, int8_params.py), unless another op
    reads them too. The file leaves their quantization out (fewer bytes)."""
    weighted = ("FULLY_CONNECTED", "CONV_2D", "DEPTHWISE_CONV_2D")
    unread, read = set(), set()
    for op in ops:
        int8 = op.kind in weighted and g.tensors[op.inputs[0]].dtype in ("int8", "int16")
        for k, name in enumerate(op.inputs):
            (unread if int8 and k > 0 and g.tensors[name].is_constant else read).add(name)
    return unread - read


# The int8 ops of a CNN's kernel set (model.hpp's int8_cnn_kind(), part 2); the
# other int8 ops (ADD, MUL, CONCATENATION, PAD, QUANTIZE int8 -> int8) are part 8.
INT8_CNN_OPS = frozenset(("FULLY_CONNECTED", "CONV_2D", "DEPTHWISE_CONV_2D", "MAX_POOL_2D", "AVERAGE_POOL_2D",
                          "MEAN", "REDUCE_MAX", "RESHAPE", "SOFTMAX", "RELU", "RELU6", "LEAKY_RELU", "LOGISTIC",
                          "TANH", "HARD_SWISH"))


def op_parts(ops, g: ir.Graph) -> int:
    """The kernel sets `ops` need, as model.hpp's part_of() computes them:
    1 float32, 2 an int8 CNN's ops (first input int8), 4 recurrent, 8 the other
    int8 ops (ADD, MUL, CONCATENATION, PAD, QUANTIZE int8 -> int8), 16 int16 ops
    (first input int16); the other QUANTIZEs and DEQUANTIZE none."""
    parts = 0
    for op in ops:
        dtype = g.tensors[op.inputs[0]].dtype
        if op.kind in ("SIMPLE_RNN", "GRU", "LSTM"):
            parts |= 4
        elif op.kind not in ("QUANTIZE", "DEQUANTIZE") or op.kind == "QUANTIZE" and dtype == "int8":
            parts |= 16 if dtype == "int16" else (2 if op.kind in INT8_CNN_OPS else 8) if dtype == "int8" else 1
    return parts


def _with_silu(g: ir.Graph) -> ir.Graph:
    """Float32 swish, LOGISTIC(x) -> s then MUL(x, s) (as the Keras converter and TFLiteConverter write it),
    becomes one SILU(x) where nothing else reads s: computed in place, the arena needs no tensor for s."""
    readers: dict[str, int] = {}
    for op in g.ops:
        for n in op.inputs:
            readers[n] = readers.get(n, 0) + 1
    made = {op.outputs[0]: op for op in g.ops if op.kind == "LOGISTIC" and g.tensors[op.inputs[0]].dtype == "float32"}
    ops, dropped = [], set()
    for op in g.ops:
        s = next((n for n in op.inputs if n in made), None) if op.kind == "MUL" else None
        if (s is not None and readers[s] == 1 and s not in g.outputs and op.params.get("activation") == "none"
                and sorted(op.inputs) == sorted([s, made[s].inputs[0]])):
            dropped.add(id(made[s]))
            op = ir.Op("SILU", [made[s].inputs[0]], op.outputs, {}, op.source)
        ops.append(op)
    if not dropped:
        return g
    ops = [op for op in ops if id(op) not in dropped]
    return ir.Graph(g.tensors, ops, g.inputs, g.outputs, g.task, g.classes, g.binary_threshold, g.name)


def _broadcast_second(op: ir.Op, g: ir.Graph) -> ir.Op:
    """ADD / MUL with the smaller operand second (the engine broadcasts that one)."""
    a, b = (g.tensors[n] for n in op.inputs)
    if a.size < b.size:
        return ir.Op(op.kind, [op.inputs[1], op.inputs[0]], op.outputs, op.params, op.source)
    return op
