"""Conformance of the ONNX import: the onnx package's backend node test cases (models with inputs and
expected outputs written by the ONNX project) imported with ``td.from_onnx`` and run on the reference.

Each case is *passed* (every output matches the expected one), *refused* (``from_onnx`` or the run
raises a DSLError: the importer does not read the node the way TensorRT's parser would, and says so) or
*wrong* (an output differs, or anything other than a DSLError is raised). No case may be wrong.

Small integer inputs (at most 64 elements: shapes, axes, pads, counts) are frozen as constants
(``from_onnx(freeze=...)``), as they are initializers in exported models and TensorRT's parser needs
many of them when it builds; so are the zero points of QuantizeLinear and DequantizeLinear nodes (of any
type), which the parser reads as weights. Outputs are compared with the case's tolerances, widened for 16-bit floats
(each TensorRT layer rounds its result to 16 bits, where the ONNX reference rounds once at the end) and
to 1e-5 absolute for float32 (a network of several layers rounds more often than NumPy's one formula).
DOUBLE is read as float32, as the parser reads it.

*In scope* are the cases whose ops (subgraphs included) are all in TensorRT's parser support matrix
(:data:`PARSER_OPS`) and whose inputs and outputs are tensors of types the parser reads. Run with ``-s``
to see the counts and the reasons for refusals.
"""

from __future__ import annotations

import collections
import warnings
from typing import Any, Iterator

import numpy as np
import onnx
import pytest
from onnx import numpy_helper

import trtdsl as td

# The ONNX ops of TensorRT's ONNX parser support matrix (onnx-tensorrt docs/operators.md, TensorRT 10)
PARSER_OPS = frozenset("""
Abs Acos Acosh Add AffineGrid And ArgMax ArgMin Asin Asinh Atan Atanh Attention AveragePool
BatchNormalization BlackmanWindow Cast CastLike Ceil Celu Clip Concat Constant ConstantOfShape Conv
ConvTranspose Cos Cosh CumSum DFT DepthToSpace DequantizeLinear Div Dropout DynamicQuantizeLinear Einsum
Elu Equal Erf Exp Expand EyeLike Flatten Floor Gather GatherElements GatherND Gelu Gemm GlobalAveragePool
GlobalLpPool GlobalMaxPool Greater GreaterOrEqual GridSample GroupNormalization GRU HammingWindow
HannWindow HardSigmoid HardSwish Hardmax Identity If InstanceNormalization IsInf IsNaN LayerNormalization
LeakyRelu Less LessOrEqual Log LogSoftmax Loop LpNormalization LpPool LRN LSTM MatMul MatMulInteger Max
MaxPool Mean MeanVarianceNormalization Min Mish Mod Mul Neg NonMaxSuppression NonZero Not OneHot Or Pad
ParametricSoftplus Pow PRelu QuantizeLinear RandomNormal RandomNormalLike RandomUniform RandomUniformLike
Range Reciprocal ReduceL1 ReduceL2 ReduceLogSum ReduceLogSumExp ReduceMax ReduceMean ReduceMin ReduceProd
ReduceSum ReduceSumSquare Relu Reshape Resize ReverseSequence RMSNormalization RNN RoiAlign RotaryEmbedding
Round ScaledTanh Scan Scatter ScatterElements ScatterND Selu Shape Shrink Sigmoid Sign Sin Sinh Size
Slice Softmax Softplus Softsign SpaceToDepth Split Sqrt Squeeze STFT Sub Sum Tan Tanh ThresholdedRelu
Tile TopK Transpose Trilu Unsqueeze Upsample Where Xor
""".split())
# The element types the parser reads (DOUBLE as float32)
PARSER_TYPES = frozenset({
    onnx.TensorProto.FLOAT, onnx.TensorProto.FLOAT16, onnx.TensorProto.BFLOAT16, onnx.TensorProto.DOUBLE,
    onnx.TensorProto.INT8, onnx.TensorProto.UINT8, onnx.TensorProto.INT32, onnx.TensorProto.INT64,
    onnx.TensorProto.BOOL, onnx.TensorProto.FLOAT8E4M3FN, onnx.TensorProto.INT4, onnx.TensorProto.FLOAT4E2M1,
})
_TOLERANCES = {"float16": (1e-2, 1e-3), "bfloat16": (2e-2, 1e-2)}


def _ops(graph: onnx.GraphProto) -> Iterator[str]:
    for node in graph.node:
        yield node.op_type
        for a in node.attribute:
            if a.type == onnx.AttributeProto.GRAPH:
                yield from _ops(a.g)


def _typed(values: Any) -> bool:
    return all(v.type.HasField("tensor_type") and v.type.tensor_type.elem_type in PARSER_TYPES
               for v in values)


def in_scope(model: onnx.ModelProto) -> bool:
    """Whether every op of ``model`` is in the parser's support matrix and every input and output is a
    tensor of a type the parser reads."""
    graph = model.graph
    return set(_ops(graph)) <= PARSER_OPS and _typed(graph.input) and _typed(graph.output)


def _array(value: Any) -> np.ndarray:
    return np.asarray(numpy_helper.to_array(value) if isinstance(value, onnx.TensorProto) else value)


def _is_float(a: np.ndarray) -> bool:
    return a.dtype.kind == "f" or "float" in a.dtype.name


def _mismatch(case: Any, name: str, got: np.ndarray, expected: np.ndarray) -> str | None:
    """Why ``got`` is not ``expected`` (None when it is, within the case's tolerances)."""
    if expected.dtype == np.float64:
        expected = expected.astype(np.float32)
    if got.shape != expected.shape:
        return f"output {name}: shape {got.shape}, expected {expected.shape}"
    if _is_float(expected) or _is_float(got):
        rtol, atol = _TOLERANCES.get(expected.dtype.name, (1e-3, 1e-5))
        a, b = got.astype(np.float64), expected.astype(np.float64)
        if not np.allclose(a, b, rtol=max(case.rtol, rtol), atol=max(case.atol, atol), equal_nan=True):
            return f"output {name}: largest difference {np.nanmax(np.abs(a - b))}"
        return None
    if got.dtype != expected.dtype or not np.array_equal(got, expected):
        return f"output {name}: values differ ({got.dtype} vs {expected.dtype})"
    return None


def classify(case: Any) -> tuple[str, str]:
    """("pass" | "refused" | "wrong", why) for one node test case (its first data set)."""
    model = case.model
    initialized = {i.name for i in model.graph.initializer}
    inputs = [v for v in model.graph.input if v.name not in initialized]
    given, expected = case.data_sets[0]
    try:
        feeds = {v.name: _array(a) for v, a in zip(inputs, given)}
        outputs = [_array(a) for a in expected]
    except ValueError:  # sequences and optionals: the importer refuses their graph inputs
        feeds, outputs = {}, []
    zero_points = {n.input[2] for n in model.graph.node
                   if n.op_type in ("QuantizeLinear", "DequantizeLinear") and len(n.input) > 2}
    freeze = {k: v for k, v in feeds.items()
              if v.dtype.kind in "iub" and v.size <= 64 or k in zero_points}
    try:
        net = td.from_onnx(model, freeze=freeze)
        run_feeds = {k: v.astype(net.inputs[k].dtype.numpy) if v.dtype.kind == "f" else v
                     for k, v in feeds.items() if k not in freeze}
        got = net.run(run_feeds)
    except td.DSLError as e:
        return "refused", e.message
    except Exception as e:  # noqa: BLE001  (anything but a DSLError is a wrong answer)
        return "wrong", f"raised {type(e).__name__}: {e}"
    for value, want in zip(model.graph.output, outputs):
        why = _mismatch(case, value.name, got[value.name], want)
        if why is not None:
            return "wrong", why
    return "pass", ""


@pytest.fixture(scope="module")
def results() -> dict[str, tuple[bool, str, str]]:
    from onnx.backend.test.case.node import collect_testcases

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the cases' own generators overflow casts on purpose
        cases = collect_testcases(None)
        return {case.name: (in_scope(case.model), *classify(case)) for case in cases}


def test_no_case_is_wrong(results):
    wrong = {name: why for name, (_, verdict, why) in results.items() if verdict == "wrong"}
    assert not wrong, f"{len(wrong)} cases give wrong answers: {wrong}"


def test_counts(results):
    counts: dict[str, collections.Counter[str]] = {"in scope": collections.Counter(),
                                                   "overall": collections.Counter()}
    reasons: collections.Counter[str] = collections.Counter()
    for scope, verdict, why in results.values():
        counts["overall"][verdict] += 1
        if scope:
            counts["in scope"][verdict] += 1
            if verdict == "refused":
                reasons[why.split(": ", 2)[-1][:100]] += 1
    for label, c in counts.items():
        print(f"ONNX node tests {label}: {c['pass']} pass, {c['refused']} refused, {c['wrong']} wrong")
    for why, n in reasons.most_common():
        print(f"  refused in scope x{n}: {why}")
    assert len(results) > 1000  # the onnx package's cases were found
    assert counts["in scope"]["pass"] >= 0.82 * sum(counts["in scope"].values())


def test_a_refusal_names_the_node_the_op_and_what_is_supported():
    graph = onnx.helper.make_graph(
        [onnx.helper.make_node("Det", ["x"], ["y"], name="determinant")], "g",
        [onnx.helper.make_tensor_value_info("x", onnx.TensorProto.FLOAT, [2, 2])],
        [onnx.helper.make_tensor_value_info("y", onnx.TensorProto.FLOAT, [])])
    model = onnx.helper.make_model(graph, opset_imports=[onnx.helper.make_opsetid("", 17)])
    with pytest.raises(td.BackendError) as info:
        td.from_onnx(model)
    message = info.value.message
    assert message.startswith("from_onnx: <ModelProto>: node determinant (Det): op Det at opset 17 is not "
                              "supported by the importer (TensorRT's parser); supported ops: Abs, Acos,")
    assert ", Conv, " in message
