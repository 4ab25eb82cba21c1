"""What TensorRT must receive for a given op, written from TensorRT's documentation and not from the lowering.

Each :class:`Row` builds a small network with the DSL and states, for one or more of its IR nodes (selected
by op kind), the TensorRT layers that node must become: the method that adds each layer, the values of its
properties as read back through the Python API, and its inputs by index. ``test_expectations.py`` lowers
every row into the strict stand-ins of TensorRT 10.16 and 11.4 and compares.

The sources are NvInfer.h (NVIDIA/TensorRT ``include/NvInfer.h``: the class and method named in each
row's ``source``) and the Python API manifests (``trtdsl/backends/tensorrt/manifests``). Where NvInfer.h
allows several encodings (a negative or a non-negative axis), the row accepts all of them. The parameters
are deliberately lopsided (pre != post padding, different values per axis, non-default enums, negative
axes), so that a value taken from the wrong side, the wrong axis or the wrong enum cannot pass.
"""

from __future__ import annotations

from typing import Any, Callable

import attrs
import numpy as np

import trtdsl as td


# -- how an expectation is written ---------------------------------------------------------------------------
@attrs.frozen
class Const:
    """A layer input computed by an IConstantLayer holding ``values`` (same shape; the same dtype, or any
    integer dtype in ``int_dtypes`` when ``values`` are indices)."""

    values: Any
    int_dtypes: tuple[str, ...] = ()


@attrs.frozen
class Axes:
    """A layer input computed by an IConstantLayer holding integer axes of a tensor of rank ``rank``, in any
    encoding NvInfer.h allows: int32 or int64, each axis as ``a`` or ``a - rank``, in any order (``scalar``:
    a 0-D tensor of one axis, as ICumulativeLayer's; else 1-D, as ISqueezeLayer's)."""

    axes: tuple[int, ...]
    rank: int
    scalar: bool = False


@attrs.frozen
class By:
    """A layer input computed by a layer that ``method`` added (a helper layer of the same node, whose
    tensor's name NvInfer.h leaves to the lowering)."""

    method: str


class _Any:
    """Any present input (a tensor computed by other layers, e.g. a shape tensor)."""

    def __repr__(self) -> str:
        return "ANY"


ANY = _Any()


@attrs.frozen
class Layer:
    """One TensorRT layer: ``method`` added it (an ``INetworkDefinition``, ``ILoop`` or ``IIfConditional``
    method; of a tuple, any); ``properties`` are read back through the Python API (a dotted name through
    the objects on the way, e.g. ``attention.causal``) (Dims and Permutations as tuples, enum
    members as ``"Enum.MEMBER"``, Weights as arrays, floats compared in float32); ``inputs`` are the tensors
    at each input index (a name of a tensor of the network, :class:`Const`, :class:`Axes`, :class:`By`,
    ``ANY`` or None for absent), None leaving them unchecked; ``input_ranks`` are the ranks of the inputs as the IR knows
    them; ``arguments`` are arguments of ``method`` that no property reads back (IDistCollectiveLayer's), as
    the call gave them."""

    method: str | tuple[str, ...]  # a tuple: any of them (a version's own method)
    properties: dict[str, Any] = attrs.field(factory=dict)
    inputs: tuple[Any, ...] | None = None
    input_ranks: tuple[int, ...] | None = None
    arguments: dict[str, Any] = attrs.field(factory=dict)


@attrs.frozen
class Row:
    """``build(net)`` adds inputs, layers and outputs to an empty network; ``expect`` maps an op kind (or
    ``"Kind#i"``, the i-th node of that kind) to the layers its node must become; ``outputs`` maps a
    network output's name to the layer that must compute it; ``source`` says where the expectation comes
    from."""

    name: str
    build: Callable[[td.Network], None]
    expect: dict[str, Layer | tuple[Layer, ...]]
    source: str
    outputs: dict[str, Layer] = attrs.field(factory=dict)


ROWS: list[Row] = []


def row(name: str, source: str, expect: dict[str, Layer | tuple[Layer, ...]],
        outputs: dict[str, Layer] | None = None) -> Callable:
    def register(build: Callable[[td.Network], None]) -> Callable[[td.Network], None]:
        ROWS.append(Row(name, build, expect, source, outputs or {}))
        return build

    return register


def _w(*shape: int, seed: int = 0, dtype: Any = np.float32) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


F = td.float32


# -- one-layer elementwise families -------------------------------------------------------------------------
# NvInfer.h ActivationType: which parameter each function reads (LeakyRelu x>=0 ? x : alpha*x; Selu
# beta*(alpha*exp(x)-alpha); Softplus alpha*log(exp(beta*x)+1); Clip max(alpha, min(beta, x)); HardSigmoid
# max(0, min(1, alpha*x+beta)); ScaledTanh alpha*tanh(beta*x); ThresholdedRelu x>alpha ? x : 0).
ACTIVATIONS = [
    ("relu", lambda x: td.relu(x), "RELU", {}),
    ("sigmoid", lambda x: td.sigmoid(x), "SIGMOID", {}),
    ("tanh", lambda x: td.tanh(x), "TANH", {}),
    ("softsign", lambda x: td.softsign(x), "SOFTSIGN", {}),
    ("leaky_relu", lambda x: td.leaky_relu(x, 0.3), "LEAKY_RELU", {"alpha": 0.3}),
    ("elu", lambda x: td.elu(x, 0.4), "ELU", {"alpha": 0.4}),
    ("selu", lambda x: td.selu(x, 1.5, 0.75), "SELU", {"alpha": 1.5, "beta": 0.75}),
    ("softplus", lambda x: td.softplus(x, 2.0, 0.5), "SOFTPLUS", {"alpha": 2.0, "beta": 0.5}),
    ("clip", lambda x: td.clip(x, -1.5, 2.5), "CLIP", {"alpha": -1.5, "beta": 2.5}),
    ("hard_sigmoid", lambda x: td.hard_sigmoid(x, 0.3, 0.6), "HARD_SIGMOID", {"alpha": 0.3, "beta": 0.6}),
    ("scaled_tanh", lambda x: td.scaled_tanh(x, 1.5, 0.5), "SCALED_TANH", {"alpha": 1.5, "beta": 0.5}),
    ("thresholded_relu", lambda x: td.thresholded_relu(x, 0.7), "THRESHOLDED_RELU", {"alpha": 0.7}),
    ("gelu", lambda x: td.gelu(x), "GELU_ERF", {}),
    ("gelu_tanh", lambda x: td.gelu(x, "tanh"), "GELU_TANH", {}),
]
for _name, _fn, _member, _params in ACTIVATIONS:
    row(f"activation_{_name}", "NvInfer.h ActivationType, IActivationLayer::setAlpha/setBeta",
        {"Activation": Layer("add_activation", {"type": f"ActivationType.{_member}", **_params}, ("x",))})(
        lambda net, fn=_fn: net.output("y", fn(net.input("x", F, ("n", 3))))
    )

UNARIES = [
    (td.exp, "EXP"), (td.log, "LOG"), (td.sqrt, "SQRT"), (td.reciprocal, "RECIP"), (td.abs, "ABS"),
    (td.negative, "NEG"), (td.sin, "SIN"), (td.cos, "COS"), (td.tan, "TAN"), (td.sinh, "SINH"),
    (td.cosh, "COSH"), (td.arcsin, "ASIN"), (td.arccos, "ACOS"), (td.arctan, "ATAN"), (td.arcsinh, "ASINH"),
    (td.arccosh, "ACOSH"), (td.arctanh, "ATANH"), (td.ceil, "CEIL"), (td.floor, "FLOOR"), (td.erf, "ERF"),
    (td.sign, "SIGN"), (td.round, "ROUND"), (td.isinf, "ISINF"), (td.isnan, "ISNAN"),
]
for _fn, _member in UNARIES:
    row(f"unary_{_member.lower()}", "NvInfer.h UnaryOperation, INetworkDefinition::addUnary",
        {"Unary": Layer("add_unary", {"op": f"UnaryOperation.{_member}"}, ("x",))})(
        lambda net, fn=_fn: net.output("y", fn(net.input("x", F, (2, 3))))
    )
row("unary_not", "NvInfer.h UnaryOperation::kNOT (bool input)",
    {"Unary": Layer("add_unary", {"op": "UnaryOperation.NOT"}, ("b",))})(
    lambda net: net.output("y", td.logical_not(net.input("b", td.bool, (3,))))
)

# the operands are different tensors, so that swapping input1 and input2 is seen
ELEMENTWISE = [
    (td.add, "SUM"), (td.multiply, "PROD"), (td.maximum, "MAX"), (td.minimum, "MIN"), (td.subtract, "SUB"),
    (td.divide, "DIV"), (td.power, "POW"), (td.floor_divide, "FLOOR_DIV"), (td.equal, "EQUAL"),
    (td.greater, "GREATER"), (td.less, "LESS"),
]
for _fn, _member in ELEMENTWISE:
    row(f"elementwise_{_member.lower()}", "NvInfer.h IElementWiseLayer: inputs of the same rank",
        {"ElementWise": Layer("add_elementwise", {"op": f"ElementWiseOperation.{_member}"}, ("a", "b"),
                              input_ranks=(2, 2))})(
        lambda net, fn=_fn: net.output(
            "y", fn(net.input("a", F, ("n", 3)), net.input("b", F, ("n", 3)))
        )
    )
for _fn, _member in [(td.logical_and, "AND"), (td.logical_or, "OR"), (td.logical_xor, "XOR")]:
    row(f"elementwise_{_member.lower()}", "NvInfer.h ElementWiseOperation (bool inputs)",
        {"ElementWise": Layer("add_elementwise", {"op": f"ElementWiseOperation.{_member}"}, ("p", "q"))})(
        lambda net, fn=_fn: net.output("y", fn(net.input("p", td.bool, (3,)), net.input("q", td.bool, (3,))))
    )


@row("elementwise_broadcast_rank", "NvInfer.h IElementWiseLayer: 'The input tensors must have the same rank'",
     {"ElementWise": Layer("add_elementwise", {"op": "ElementWiseOperation.SUB"}, input_ranks=(3, 3))})
def _(net):
    net.output("y", net.input("a", F, ("n", 2, 3)) - net.input("b", F, (3,)))


for _dtype, _member in [(td.float16, "HALF"), (td.int8, "INT8"), (td.bool, "BOOL"), (td.int64, "INT64")]:
    row(f"cast_{_member.lower()}", "NvInfer.h ICastLayer::setToType",
        {"Cast": Layer("add_cast", {"to_type": f"DataType.{_member}"}, ("x",))})(
        lambda net, dt=_dtype: net.output("y", td.cast(net.input("x", F, (4,)), dt))
    )

row("identity", "NvInfer.h INetworkDefinition::addIdentity",
    {"Identity": Layer("add_identity", {}, ("x",))})(
    lambda net: net.output("y", td.identity(net.input("x", F, (2, 3))))
)

# -- constants ---------------------------------------------------------------------------------------------
CONSTANT_F32 = _w(2, 3)
CONSTANT_I64 = np.array([2**40, -1, 7], np.int64)
CONSTANT_F16 = np.array([[1.5, -2.0]], np.float16)
CONSTANT_BOOL = np.array([[True, False, False], [False, True, True]])
BOOL_AS_INT32 = CONSTANT_BOOL.astype(np.int32)


@row("constant_f32", "NvInfer.h IConstantLayer: setDimensions, setWeights (the output type is the weights')",
     {"Constant": Layer("add_constant", {"shape": (2, 3), "weights": CONSTANT_F32.ravel()})})
def _(net):
    net.output("y", net.constant(CONSTANT_F32))


@row("constant_i64_f16_scalar", "NvInfer.h IConstantLayer (INT64, HALF and 0-D weights)",
     {"Constant#0": Layer("add_constant", {"shape": (3,), "weights": CONSTANT_I64}),
      "Constant#1": Layer("add_constant", {"shape": (1, 2), "weights": CONSTANT_F16.ravel()}),
      "Constant#2": Layer("add_constant", {"shape": (), "weights": np.array([4.0], np.float32)})})
def _(net):
    net.output("i64", net.constant(CONSTANT_I64))
    net.output("f16", net.constant(CONSTANT_F16))
    net.output("zero_d", net.constant(np.array(4.0, np.float32)))


@row("constant_bool", "NvInfer.h IConstantLayer: 'This layer does not support boolean types' (so: an integer "
     "constant and a cast to BOOL)",
     {"Constant": (Layer("add_constant", {"shape": (2, 3), "weights": BOOL_AS_INT32.ravel()}),
                   Layer("add_cast", {"to_type": "DataType.BOOL"}, (Const(BOOL_AS_INT32),)))})
def _(net):
    net.output("y", net.constant(CONSTANT_BOOL))


# -- data movement -----------------------------------------------------------------------------------------
@row("concatenation", "NvInfer.h IConcatenationLayer::setAxis (the user's axis -1 of rank-2 inputs is 1)",
     {"Concatenation": Layer("add_concatenation", {"axis": 1}, ("a", "b", "a"))})
def _(net):
    a, b = net.input("a", F, ("n", 2)), net.input("b", F, ("n", 3))
    net.output("y", td.concatenate([a, b, a], axis=-1))


@row("concatenation_axis0", "NvInfer.h IConcatenationLayer::setAxis",
     {"Concatenation": Layer("add_concatenation", {"axis": 0}, ("b", "a"))})
def _(net):
    a, b = net.input("a", F, (1, 3)), net.input("b", F, (2, 3))
    net.output("y", td.concatenate([b, a], axis=0))


GATHER_IDX = np.array([[0, 2]], np.int32)


@row("gather_default", "NvInfer.h IGatherLayer: addGatherV2(data, indices, mode), setGatherAxis (kDEFAULT)",
     {"Gather": Layer("add_gather_v2", {"mode": "GatherMode.DEFAULT", "axis": 1, "num_elementwise_dims": 0},
                      ("data", "idx"))})
def _(net):
    data = net.input("data", F, (3, 4, 5))
    net.output("y", td.take(data, net.input("idx", td.int32, (2,)), axis=-2))


@row("gather_element", "NvInfer.h IGatherLayer (kELEMENT: output[J] = data[J with J[axis] = indices[J]])",
     {"Gather": Layer("add_gather_v2", {"mode": "GatherMode.ELEMENT", "axis": 2, "num_elementwise_dims": 0},
                      ("data", "idx"))})
def _(net):
    data = net.input("data", F, (3, 4, 5))
    net.output("y", td.take_along_axis(data, net.input("idx", td.int32, (3, 4, 2)), axis=-1))


@row("gather_nd", "NvInfer.h IGatherLayer (kND, nbElementwiseDims = the batch dims)",
     {"Gather": Layer("add_gather_v2", {"mode": "GatherMode.ND", "num_elementwise_dims": 1},
                      ("data", "idx"))})
def _(net):
    data = net.input("data", F, (3, 4, 5))
    net.output("y", td.gather_nd(data, net.input("idx", td.int32, (3, 1)), batch_dims=1))


@row("gather_elementwise_dims", "NvInfer.h IGatherLayer (kDEFAULT with nbElementwiseDims = 1)",
     {"Gather": Layer("add_gather_v2", {"mode": "GatherMode.DEFAULT", "axis": 1, "num_elementwise_dims": 1},
                      ("data", Const(np.zeros((3, 2), np.int32))))})
def _(net):
    data = net.input("data", F, (3, 4, 5))
    net.output("y", td.gather(data, np.zeros((3, 2), np.int32), axis=1, num_elementwise_dims=1))


@row("select", "NvInfer.h INetworkDefinition::addSelect(condition, thenInput, elseInput)",
     {"Select": Layer("add_select", {}, ("c", "a", "b"))})
def _(net):
    c = net.input("c", td.bool, (2, 3))
    net.output("y", td.where(c, net.input("a", F, (2, 3)), net.input("b", F, (2, 3))))


@row("shape", "NvInfer.h IShapeLayer: its input is the tensor whose shape it gives",
     {"Shape": Layer("add_shape", {}, ("x",))})
def _(net):
    net.output("y", td.shape_of(net.input("x", F, ("n", 3))))


@row("shape_output", "NvInfer.h markOutputForShapes: 'The tensor must be of type DataType::kINT32'; IShapeLayer: "
     "'The output tensor of this layer is of type DataType::kINT64' (so: a cast to kINT32 gives the output)",
     {"Shape": Layer("add_shape", {}, ("x",))},
     outputs={"dims": Layer("add_cast", {"to_type": "DataType.INT32"}, (By("add_shape"),))})
def _(net):
    net.mark_output_for_shapes("dims", td.shape_of(net.input("x", F, ("n", 3))))


@row("padding_nd", "NvInfer.h IPaddingLayer: pre/post padding of the last two dims, negative crops",
     {"Padding": Layer("add_padding_nd", {"pre_padding_nd": (1, -1), "post_padding_nd": (0, 2)}, ("x",))})
def _(net):
    net.output("y", td.padding_nd(net.input("x", td.int32, (4, 4, 4, 4)), (1, -1), (0, 2)))


def slice_parameters(shape: tuple[int, ...], index: tuple[slice, ...]) -> dict[str, tuple[int, ...]]:
    """ISliceLayer's start, size and stride for ``x[index]`` (output[i] = input[start + i * stride]), from
    Python's own slice rules."""
    start, size, stride = [], [], []
    for n, s in zip(shape, index):
        first, stop, step = s.indices(n)
        start.append(first)
        size.append(len(range(first, stop, step)))
        stride.append(step)
    return {"start": tuple(start), "shape": tuple(size), "stride": tuple(stride)}


SLICED = (slice(1, None), slice(1, 5, 2), slice(None, None, -1))


@row("slice_strided", "NvInfer.h ISliceLayer: output[i] = input[start + i*stride] per dim (kSTRICT_BOUNDS)",
     {"Slice": Layer("add_slice", {**slice_parameters((4, 6, 5), SLICED), "mode": "SampleMode.STRICT_BOUNDS"},
                     ("x",))})
def _(net):
    net.output("y", net.input("x", F, (4, 6, 5))[SLICED])


@row("slice_wrap", "NvInfer.h ISliceLayer, SampleMode::kWRAP",
     {"Slice": Layer("add_slice", {"start": (0, -2, 1), "shape": (2, 9, 3), "stride": (1, 1, 2),
                                   "mode": "SampleMode.WRAP"}, ("x",))})
def _(net):
    net.output("y", td.slice(net.input("x", F, (3, 6, 5)), (0, -2, 1), (2, 9, 3), (1, 1, 2), mode="wrap"))


@row("slice_fill", "NvInfer.h ISliceLayer, SampleMode::kFILL: the fill value is input 4 (np.pad's "
     "pre-padding p is start -p)",
     {"Slice": Layer("add_slice", {"start": (0, -1, 0, -3), "shape": (4, 7, 4, 7), "stride": (1, 1, 1, 1),
                                   "mode": "SampleMode.FILL"},
                     ("x", None, None, None, Const(np.array(-1, np.int32))))})
def _(net):
    x = net.input("x", td.int32, (4, 4, 4, 4))
    net.output("y", td.pad(x, ((0, 0), (1, 2), (0, 0), (3, 0)), constant_values=-1))


@row("slice_clamp", "NvInfer.h SampleMode::kCLAMP (np.pad's edge mode)",
     {"Slice": Layer("add_slice", {"start": (-2, -1), "shape": (5, 4), "stride": (1, 1),
                                   "mode": "SampleMode.CLAMP"}, ("x",))})
def _(net):
    net.output("y", td.pad(net.input("x", F, (2, 3)), ((2, 1), (1, 0)), mode="edge"))


@row("slice_reflect", "NvInfer.h SampleMode::kREFLECT",
     {"Slice": Layer("add_slice", {"start": (0, -2), "shape": (2, 6), "stride": (1, 1),
                                   "mode": "SampleMode.REFLECT"}, ("x",))})
def _(net):
    net.output("y", td.pad(net.input("x", F, (2, 3)), ((0, 0), (2, 1)), mode="reflect"))


@row("slice_dynamic_size", "NvInfer.h ISliceLayer: a size computed at run time is input 2 (a 1-D shape "
     "tensor)",
     {"Slice": Layer("add_slice", {"start": (0, 1), "stride": (1, 1), "mode": "SampleMode.STRICT_BOUNDS"},
                     ("x", None, ANY))})
def _(net):
    net.output("y", net.input("x", F, ("n", 6))[:, 1:4])


@row("fill_linspace", "NvInfer.h FillOperation::kLINSPACE: alpha is the start, beta the delta",
     {"Fill": Layer("add_fill", {"shape": (4,), "operation": "FillOperation.LINSPACE",
                                 "to_type": "DataType.INT32", "alpha": 3, "beta": 2})})
def _(net):
    net.output("y", td.fill((4,), "linspace", 3, 2, td.int32, like=net.input("x", F, (2,))))


@row("fill_uniform", "NvInfer.h IFillLayer::setAlpha/setBeta: kRANDOM_UNIFORM's minimum and maximum",
     {"Fill": Layer("add_fill", {"shape": (2, 3), "operation": "FillOperation.RANDOM_UNIFORM",
                                 "to_type": "DataType.FLOAT", "alpha": 1.5, "beta": 4.0})})
def _(net):
    net.output("y", td.random_uniform((2, 3), 1.5, 4.0, like=net.input("x", F, (2,))))


@row("fill_normal", "NvInfer.h IFillLayer::setAlpha/setBeta: kRANDOM_NORMAL's mean and standard deviation",
     {"Fill": Layer("add_fill", {"shape": (3, 2), "operation": "FillOperation.RANDOM_NORMAL",
                                 "to_type": "DataType.HALF", "alpha": 0.5, "beta": 2.0})})
def _(net):
    net.output("y", td.random_normal((3, 2), 0.5, 2.0, td.float16, like=net.input("x", F, (2,))))


@row("fill_dynamic", "NvInfer.h IFillLayer::setInput: 0 the shape, 1 the start (0-D), 2 the delta per dim "
     "(1-D)",
     {"Fill": Layer("add_fill", {"operation": "FillOperation.LINSPACE", "to_type": "DataType.FLOAT"},
                    (ANY, Const(np.array(1.0, np.float32)), Const(np.array([10.0, 0.5], np.float32))))})
def _(net):
    x = net.input("x", F, ("n", 3))
    net.output("y", td.fill((x.shape[0], 3), "linspace", 1.0, (10.0, 0.5), like=x))


@row("resize_dims", "NvInfer.h IResizeLayer: setOutputDimensions, kNEAREST with a non-default rounding",
     {"Resize": Layer("add_resize", {"shape": (1, 2, 6, 3), "resize_mode": "InterpolationMode.NEAREST",
                                     "coordinate_transformation": "ResizeCoordinateTransformation.ASYMMETRIC",
                                     "nearest_rounding": "ResizeRoundMode.HALF_DOWN"}, ("x",))})
def _(net):
    net.output("y", td.resize(net.input("x", F, (1, 2, 4, 4)), (1, 2, 6, 3), nearest_rounding="half_down"))


@row("resize_scales", "NvInfer.h IResizeLayer: ResizeCoordinateTransformation's formulas map coordinates by the "
     "ratio of the lengths; setOutputDimensions with floor(inputDims[i] * scales[i]), scales left unset",
     {"Resize": Layer("add_resize", {"shape": (1, 2, 6, 2), "scales": (),
                                     "resize_mode": "InterpolationMode.LINEAR",
                                     "coordinate_transformation": "ResizeCoordinateTransformation.HALF_PIXEL",
                                     "selector_for_single_pixel": "ResizeSelector.UPPER"}, ("x",))})
def _(net):
    x = net.input("x", F, (1, 2, 4, 4))
    net.output("y", td.resize(x, scales=(1, 1, 1.5, 0.5), mode="linear",
                              coordinate_transformation="half_pixel", selector="upper"))


@row("resize_scales_dynamic", "NvInfer.h IResizeLayer::setInput: 1 the output dims as a 1-D shape tensor "
     "(floor(inputDims[i] * scales[i]) of a dim known at run time), scales left unset",
     {"Resize": Layer("add_resize", {"scales": (), "resize_mode": "InterpolationMode.NEAREST"}, ("x", ANY))})
def _(net):
    net.output("y", td.resize(net.input("x", F, (1, 2, "h", 4)), scales=(1, 1, 1.5, 0.5)))


@row("resize_cubic", "NvInfer.h IResizeLayer::setCubicCoeff, setExcludeOutside",
     {"Resize": Layer("add_resize", {"resize_mode": "InterpolationMode.CUBIC", "cubic_coeff": -0.5,
                                     "exclude_outside": True,
                                     "coordinate_transformation":
                                         "ResizeCoordinateTransformation.ALIGN_CORNERS",
                                     "nearest_rounding": "ResizeRoundMode.CEIL"}, ("x",))})
def _(net):
    x = net.input("x", F, (1, 2, 4, 4))
    net.output("y", td.resize(x, (1, 2, 3, 5), mode="cubic", coordinate_transformation="align_corners",
                              cubic_coeff=-0.5, exclude_outside=True, nearest_rounding="ceil"))


@row("resize_dynamic", "NvInfer.h IResizeLayer::setInput: 1 the output dims as a 1-D shape tensor",
     {"Resize": Layer("add_resize", {"resize_mode": "InterpolationMode.NEAREST"}, ("x", ANY))})
def _(net):
    x = net.input("x", F, (1, 2, "h", 4))
    net.output("y", td.resize(x, (1, 2, x.shape[2] * 2, 3)))


@row("nonzero", "NvInfer.h INonZeroLayer::setIndicesType (kINT32 or kINT64)",
     {"NonZero#0": Layer("add_non_zero", {"indices_type": "DataType.INT64"}, ("b",)),
      "NonZero#1": Layer("add_non_zero", {"indices_type": "DataType.INT32"}, ("b",))})
def _(net):
    b = net.input("b", td.bool, (2, 3))
    net.output("i64", td.nonzero(b, td.int64))
    net.output("i32", td.nonzero(b))


# -- reductions and friends --------------------------------------------------------------------------------
@row("reduce_sum", "NvInfer.h addReduce: 'The bit in position i of bitmask reduceAxes corresponds to "
     "explicit dimension i'",
     {"Reduce": Layer("add_reduce", {"op": "ReduceOperation.SUM", "axes": 0b101, "keep_dims": False},
                      ("x",))})
def _(net):
    net.output("y", net.input("x", F, ("n", 4, 5)).sum(axis=(-1, 0)))


@row("reduce_mean_keepdims", "NvInfer.h addReduce, ReduceOperation::kAVG, keepDimensions",
     {"Reduce": Layer("add_reduce", {"op": "ReduceOperation.AVG", "axes": 0b010, "keep_dims": True}, ("x",))})
def _(net):
    net.output("y", net.input("x", F, ("n", 4, 5)).mean(axis=-2, keepdims=True))


@row("reduce_others", "NvInfer.h ReduceOperation::kMAX, kMIN, kPROD",
     {"Reduce#0": Layer("add_reduce", {"op": "ReduceOperation.MAX", "axes": 0b100, "keep_dims": False}),
      "Reduce#1": Layer("add_reduce", {"op": "ReduceOperation.MIN", "axes": 0b111, "keep_dims": False}),
      "Reduce#2": Layer("add_reduce", {"op": "ReduceOperation.PROD", "axes": 0b011, "keep_dims": True})})
def _(net):
    x = net.input("x", F, ("n", 4, 5))
    net.output("max", x.max(axis=2))
    net.output("min", x.min())
    net.output("prod", x.prod(axis=(1, 0), keepdims=True))


@row("softmax", "NvInfer.h ISoftMaxLayer::setAxes: axes = 1 << axis, one bit",
     {"SoftMax": Layer("add_softmax", {"axes": 0b010}, ("x",))})
def _(net):
    net.output("y", td.softmax(net.input("x", F, ("n", 4, 5)), axis=-2))


@row("softmax_axis0", "NvInfer.h ISoftMaxLayer::setAxes",
     {"SoftMax": Layer("add_softmax", {"axes": 0b001}, ("x",))})
def _(net):
    net.output("y", td.softmax(net.input("x", F, (3, 4)), axis=0))


@row("topk_min", "NvInfer.h addTopK(input, op, k, reduceAxes, indicesType): reduceAxes a one-bit mask",
     {"TopK": Layer("add_topk", {"op": "TopKOperation.MIN", "k": 3, "axes": 0b010,
                                 "indices_type": "DataType.INT64"}, ("x",))})
def _(net):
    v, i = td.topk(net.input("x", F, ("n", 4, 5)), 3, axis=-2, largest=False, indices_dtype=td.int64)
    net.output("v", v)
    net.output("i", i)


@row("topk_max", "NvInfer.h TopKOperation::kMAX",
     {"TopK": Layer("add_topk", {"op": "TopKOperation.MAX", "k": 2, "axes": 0b100,
                                 "indices_type": "DataType.INT32"}, ("x",))})
def _(net):
    v, i = td.topk(net.input("x", F, ("n", 4, 5)), 2)
    net.output("v", v)
    net.output("i", i)


@row("cumulative", "NvInfer.h addCumulative: the axis is a build-time constant 0-D shape tensor in "
     "[-rank, rank-1] (input 1)",
     {"Cumulative": Layer("add_cumulative", {"op": "CumulativeOperation.SUM", "exclusive": True,
                                             "reverse": False}, ("x", Axes((1,), 3, scalar=True)))})
def _(net):
    net.output("y", td.cumsum(net.input("x", F, ("n", 4, 5)), -2, exclusive=True))


@row("cumulative_reverse", "NvInfer.h ICumulativeLayer (reverse, inclusive)",
     {"Cumulative": Layer("add_cumulative", {"op": "CumulativeOperation.SUM", "exclusive": False,
                                             "reverse": True}, ("i", Axes((0,), 1, scalar=True)))})
def _(net):
    net.output("y", td.cumsum(net.input("i", td.int32, (6,)), 0, reverse=True))


MATMUL_B = _w(4, 2)


@row("matmul_transpose_b", "NvInfer.h IMatrixMultiplyLayer: op(getInput(0)) * op(getInput(1))",
     {"MatrixMultiply": Layer("add_matrix_multiply", {"op0": "MatrixOperation.NONE",
                                                      "op1": "MatrixOperation.TRANSPOSE"}, ("a", "b"))})
def _(net):
    net.output("y", td.matmul(net.input("a", F, (2, 3, 4)), net.input("b", F, (2, 5, 4)), transpose_b=True))


@row("matmul_transpose_a", "NvInfer.h MatrixOperation::kTRANSPOSE on input 0",
     {"MatrixMultiply": Layer("add_matrix_multiply", {"op0": "MatrixOperation.TRANSPOSE",
                                                      "op1": "MatrixOperation.NONE"},
                                    ("a", Const(MATMUL_B)))})
def _(net):
    net.output("y", td.matmul(net.input("a", F, (4, 3)), MATMUL_B, transpose_a=True))


@row("matmul_vector", "NvInfer.h MatrixOperation::kVECTOR; 'The number of these extra dimensions for A and B "
     "must match'",
     {"MatrixMultiply#0": Layer("add_matrix_multiply", {"op0": "MatrixOperation.NONE",
                                                        "op1": "MatrixOperation.VECTOR"}, input_ranks=(3, 2)),
      "MatrixMultiply#1": Layer("add_matrix_multiply", {"op0": "MatrixOperation.VECTOR",
                                                        "op1": "MatrixOperation.VECTOR"}, ("v", "v"))})
def _(net):
    a, v = net.input("a", F, ("b", 3, 4)), net.input("v", F, (4,))
    net.output("mv", a @ v)
    net.output("vv", td.matmul(v, v))


LN_SCALE, LN_BIAS = _w(3, 3, seed=1), _w(3, 3, seed=2)
GN_SCALE, GN_BIAS = _w(4, seed=3), _w(4, seed=4)


@row("layer_norm", "NvInfer.h addNormalizationV2: axesMask bit i = dim i; scale and bias of the input's rank",
     {"Normalization": Layer("add_normalization_v2", {"axes": 0b1100, "epsilon": 1e-3, "num_groups": 1},
                             ("x", Const(LN_SCALE.reshape(1, 1, 3, 3)), Const(LN_BIAS.reshape(1, 1, 3, 3))),
                             input_ranks=(4, 4, 4))})
def _(net):
    x = net.input("x", F, ("n", 4, 3, 3))
    net.output("y", td.layer_norm(x, LN_SCALE, LN_BIAS, axis=(-2, -1), eps=1e-3))


@row("instance_norm", "NvInfer.h addNormalizationV2: InstanceNorm's scale and bias are [1, C, 1, 1]",
     {"Normalization": Layer("add_normalization_v2", {"axes": 0b1100, "num_groups": 1},
                             ("x", Const(GN_SCALE.reshape(1, 4, 1, 1)), Const(GN_BIAS.reshape(1, 4, 1, 1))))})
def _(net):
    net.output("y", td.instance_norm(net.input("x", F, ("n", 4, 3, 3)), GN_SCALE, GN_BIAS))


@row("group_norm", "NvInfer.h INormalizationLayer::setNbGroups: with groups, the axes are every dim after C; "
     "addNormalizationV2: scale and bias [1, C, 1, 1]",
     {"Normalization": Layer("add_normalization_v2", {"axes": 0b11100, "num_groups": 2, "epsilon": 1e-4},
                             ("x", Const(GN_SCALE.reshape(1, 4, 1, 1, 1)),
                              Const(GN_BIAS.reshape(1, 4, 1, 1, 1))))})
def _(net):
    net.output("y", td.group_norm(net.input("x", F, ("n", 4, 3, 2, 2)), 2, GN_SCALE, GN_BIAS, eps=1e-4))


GN_SCALE_F16, GN_BIAS_F16 = GN_SCALE.astype(np.float16), GN_BIAS.astype(np.float16)
LN_SCALE_BF16 = LN_SCALE.astype(td.bfloat16.numpy)
LN_BIAS_BF16 = LN_BIAS.astype(td.bfloat16.numpy)


def _in_float32(x: str, scale: Any, bias: Any, back: str, **properties: Any) -> tuple:
    """A 16-bit normalization of ``x`` computed in float32: its data, scale and bias (input expectations)
    cast to kFLOAT, the layer, and a cast back to ``back``."""
    to_float = {"to_type": "DataType.FLOAT"}
    return (Layer("add_cast", to_float, (x,)), Layer("add_cast", to_float, (scale,)),
            Layer("add_cast", to_float, (bias,)),
            Layer("add_normalization_v2", properties, (By("add_cast"), By("add_cast"), By("add_cast"))),
            Layer("add_cast", {"to_type": back}, (By("add_normalization_v2"),)))


@row("normalization_16_bit", "NvInfer.h INormalizationLayer::setComputePrecision: in a strongly typed network "
     "'the compute precision is typically controlled by casting the input tensors' (so: casts to kFLOAT, "
     "the layer, a cast back)",
     {"Normalization#0": _in_float32("h", Const(GN_SCALE_F16.reshape(1, 4, 1, 1)),
                                     Const(GN_BIAS_F16.reshape(1, 4, 1, 1)), "DataType.HALF", axes=0b1100,
                                     num_groups=2, epsilon=1e-3),
      # bfloat16 weights are stored as float32 constants cast to BF16 (kBF16 weights cannot be read back)
      "Normalization#1": _in_float32("b", By("add_cast"), By("add_cast"), "DataType.BF16", axes=0b110,
                                     num_groups=1)},
     outputs={"gn": Layer("add_cast", {"to_type": "DataType.HALF"}, (By("add_normalization_v2"),)),
              "ln": Layer("add_cast", {"to_type": "DataType.BF16"}, (By("add_normalization_v2"),))})
def _(net):
    h = net.input("h", td.float16, ("n", 4, 3, 3))
    net.output("gn", td.group_norm(h, 2, GN_SCALE_F16, GN_BIAS_F16, eps=1e-3))
    b = net.input("b", td.bfloat16, ("n", 3, 3))
    net.output("ln", td.layer_norm(b, LN_SCALE_BF16, LN_BIAS_BF16, axis=(-2, -1)))


# -- convolution and pooling: every spatial parameter differs per axis and per side ----------------------
CONV_W, CONV_B = _w(6, 2, 3, 2, seed=5), _w(6, seed=6)
EMPTY = np.zeros(0, np.float32)


@row("convolution", "NvInfer.h IConvolutionLayer: kernel KCRS with C = input channels / groups (input 1), "
     "bias input 2 with empty weights; pre/post padding per dim",
     {"Convolution": Layer("add_convolution_nd", {
         "num_output_maps": 6, "kernel_size_nd": (3, 2), "stride_nd": (2, 1), "dilation_nd": (1, 2),
         "pre_padding": (1, 0), "post_padding": (2, 3), "num_groups": 2,
         "padding_mode": "PaddingMode.EXPLICIT_ROUND_DOWN", "kernel": EMPTY},
         ("x", Const(CONV_W), Const(CONV_B)))})
def _(net):
    x = net.input("x", F, ("n", 4, 9, 8))
    net.output("y", td.conv(x, CONV_W, CONV_B, stride=(2, 1), padding=((1, 2), (0, 3)), dilation=(1, 2),
                            groups=2))


CONV3D_W = _w(3, 2, 2, 3, 1, seed=7, dtype=np.float16)


@row("convolution_3d_same", "NvInfer.h IConvolutionLayer::setPaddingMode (kSAME_UPPER), 3-D kernels",
     {"Convolution": Layer("add_convolution_nd", {
         "num_output_maps": 3, "kernel_size_nd": (2, 3, 1), "stride_nd": (1, 2, 3), "num_groups": 1,
         "padding_mode": "PaddingMode.SAME_UPPER"}, ("x", Const(CONV3D_W), None))})
def _(net):
    x = net.input("x", td.float16, (1, 2, 4, 5, 6))
    net.output("y", td.conv(x, CONV3D_W, stride=(1, 2, 3), padding_mode="same_upper"))


@row("convolution_kernel_tensor", "NvInfer.h IConvolutionLayer::setInput: 1 is the kernel tensor",
     {"Convolution": Layer("add_convolution_nd", {"num_output_maps": 5, "kernel_size_nd": (1, 1)},
                           ("x", "k"))})
def _(net):
    net.output("y", td.conv(net.input("x", F, ("n", 4, 3, 3)), net.input("k", F, (5, 4, 1, 1))))


DECONV_W, DECONV_B = _w(4, 3, 2, 3, seed=8), _w(6, seed=9)


@row("deconvolution", "NvInfer.h IDeconvolutionLayer: kernel CKRS (C input channels, K output maps per "
     "group), pre/post padding trim the output per dim",
     {"Deconvolution": Layer("add_deconvolution_nd", {
         "num_output_maps": 6, "kernel_size_nd": (2, 3), "stride_nd": (2, 3), "dilation_nd": (2, 1),
         "pre_padding": (1, 2), "post_padding": (0, 1), "num_groups": 2,
         "padding_mode": "PaddingMode.EXPLICIT_ROUND_DOWN", "kernel": EMPTY},
         ("x", Const(DECONV_W), Const(DECONV_B)))})
def _(net):
    x = net.input("x", F, ("n", 4, 5, 5))
    net.output("y", td.conv_transpose(x, DECONV_W, DECONV_B, stride=(2, 3), padding=((1, 0), (2, 1)),
                                      dilation=(2, 1), groups=2))


@row("pooling_max", "NvInfer.h IPoolingLayer: window, stride, pre/post padding per dim; ceil mode is "
     "kEXPLICIT_ROUND_UP",
     {"Pooling": Layer("add_pooling_nd", {
         "type": "PoolingType.MAX", "window_size_nd": (3, 2), "stride_nd": (2, 1), "pre_padding": (1, 0),
         "post_padding": (0, 1), "padding_mode": "PaddingMode.EXPLICIT_ROUND_UP"}, ("x",))})
def _(net):
    x = net.input("x", F, ("n", 2, 7, 6))
    net.output("y", td.max_pool(x, (3, 2), (2, 1), ((1, 0), (0, 1)), ceil_mode=True))


@row("pooling_average", "NvInfer.h IPoolingLayer::setAverageCountExcludesPadding (count_include_pad = False)",
     {"Pooling": Layer("add_pooling_nd", {
         "type": "PoolingType.AVERAGE", "window_size_nd": (2, 3), "stride_nd": (2, 3), "pre_padding": (0, 1),
         "post_padding": (1, 2), "average_count_excludes_padding": False,
         "padding_mode": "PaddingMode.EXPLICIT_ROUND_DOWN"}, ("x",))})
def _(net):
    x = net.input("x", F, ("n", 2, 7, 6))
    net.output("y", td.avg_pool(x, (2, 3), padding=((0, 1), (1, 2)), count_include_pad=True))


@row("pooling_blend", "NvInfer.h IPoolingLayer::setBlendFactor (kMAX_AVERAGE_BLEND), kSAME_LOWER",
     {"Pooling": Layer("add_pooling_nd", {
         "type": "PoolingType.MAX_AVERAGE_BLEND", "window_size_nd": (2, 2, 3), "stride_nd": (1, 2, 1),
         "blend_factor": 0.25, "average_count_excludes_padding": True,
         "padding_mode": "PaddingMode.SAME_LOWER"}, ("x",))})
def _(net):
    x = net.input("x", F, (1, 1, 4, 4, 5))
    net.output("y", td.pool(x, "max_average_blend", (2, 2, 3), (1, 2, 1), padding_mode="same_lower",
                            blend_factor=0.25))


# -- quantization ------------------------------------------------------------------------------------------
Q_W = _w(3, 4, seed=10)
Q_CHANNEL = np.array([0.1, 0.2, 0.3, 0.4], np.float32)
Q_BLOCKS = np.full((3, 2), 0.25, np.float32)


@row("quantize_per_tensor", "NvInfer.h IQuantizeLayer: input 0 the data, 1 the scale (scalar for "
     "per-tensor), addQuantize(input, scale, outputType)",
     {"Quantize": Layer("add_quantize", {"to_type": "DataType.INT8"}, ("x", ANY)),
      "Dequantize": Layer("add_dequantize", {"to_type": "DataType.HALF"})})
def _(net):
    x = net.input("x", td.float16, ("n", 4))
    net.output("y", td.dequantize(td.quantize(x, np.float16(0.05)), np.float16(0.05), td.float16))


Q_ONE = np.array([0.05], np.float32)


@row("quantize_scale_1d", "NvInfer.h IQuantizeLayer, IDequantizeLayer: the scale is a scalar for per-tensor "
     "quantization (so: a (1,) scale reshaped to 0-D by an IShuffleLayer)",
     {"Quantize": (Layer("add_shuffle", {"reshape_dims": ()}, (Const(Q_ONE),)),
                   Layer("add_quantize", {"to_type": "DataType.INT8"}, ("x", By("add_shuffle")))),
      "Dequantize": (Layer("add_shuffle", {"reshape_dims": ()}, (Const(Q_ONE),)),
                     Layer("add_dequantize", {"to_type": "DataType.FLOAT"},
                           (By("add_quantize"), By("add_shuffle"))))})
def _(net):
    x = net.input("x", F, ("n", 4))
    net.output("y", td.dequantize(td.quantize(x, Q_ONE), Q_ONE))


@row("quantize_per_channel", "NvInfer.h IQuantizeLayer::setAxis: the quantization axis of per-channel scales "
     "(the user's -1 of a rank-2 tensor is 1)",
     {"Quantize": Layer("add_quantize", {"to_type": "DataType.FP8", "axis": 1},
                        (Const(Q_W), Const(Q_CHANNEL))),
      "Dequantize": Layer("add_dequantize", {"to_type": "DataType.FLOAT", "axis": 1},
                          (ANY, Const(Q_CHANNEL)))})
def _(net):
    w = net.constant(Q_W)
    net.output("y", td.dequantize(td.quantize(w, Q_CHANNEL, td.fp8, axis=-1), Q_CHANNEL, axis=-1))


@row("quantize_blocks", "NvInfer.h IQuantizeLayer::setBlockShape; kINT4",
     {"Quantize": Layer("add_quantize", {"to_type": "DataType.INT4", "block_shape": (1, 2)},
                        (Const(Q_W), Const(Q_BLOCKS))),
      "Dequantize": Layer("add_dequantize", {"to_type": "DataType.FLOAT", "block_shape": (1, 2)})})
def _(net):
    w = net.constant(Q_W)
    q = td.quantize(w, Q_BLOCKS, td.int4, block_shape=(1, 2))
    net.output("y", td.dequantize(q, Q_BLOCKS, td.float32, block_shape=(1, 2)))


@row("quantize_zero_point", "NvInfer.h IQuantizeLayer: input 2 is the zero point, of the output type",
     {"Quantize": Layer("add_quantize", {"to_type": "DataType.INT8"},
                        ("x", ANY, Const(np.array(0, np.int8))))})
def _(net):
    x = net.input("x", F, ("n", 4))
    net.output("y", td.quantize(x, 0.1, zero_point=0))


@row("dynamic_quantize", "NvInfer.h addDynamicQuantizeV2(input, blockShape, outputType, scaleType); input 1 "
     "the double-quantization scale (0-D)",
     {"DynamicQuantize": Layer("add_dynamic_quantize_v2", {"block_shape": (1, 16), "to_type": "DataType.FP4",
                                                           "scale_type": "DataType.FP8"},
                               ("x", Const(np.array(1.0, np.float32))))})
def _(net):
    q, s = td.dynamic_quantize(net.input("x", F, (4, 32)), 16)
    net.output("q", td.dequantize(q, td.dequantize(s, 1.0), block_shape=(1, 16)))


@row("dynamic_quantize_mx", "NvInfer.h IDynamicQuantizeLayer: MXFP8 (FP8 data, E8M0 scales), blocks along "
     "the second-to-last dim",
     {"DynamicQuantize": Layer("add_dynamic_quantize_v2", {"block_shape": (1, 32, 1),
                                                           "to_type": "DataType.FP8",
                                                           "scale_type": "DataType.E8M0"},
                               ("x", Const(np.array(0.5, np.float32))))})
def _(net):
    q, s = td.dynamic_quantize(net.input("x", F, (2, 64, 3)), (1, 32, 1), td.fp8, td.e8m0, 0.5)
    net.output("q", q)
    net.output("s", s)


# -- shuffles ----------------------------------------------------------------------------------------------
@row("shuffle_transpose", "NvInfer.h Permutation: CHW -> HWC is [1, 2, 0] (NumPy's transpose axes); a "
     "permutation that is not its own inverse",
     {"Shuffle": Layer("add_shuffle", {"first_transpose": (0, 3, 1, 2)}, ("x",))})
def _(net):
    net.output("y", td.transpose(net.input("x", F, ("b", 2, 3, 4)), (0, 3, 1, 2)))


@row("shuffle_all", "NvInfer.h IShuffleLayer: first transpose, reshape (0 copies the input dim), second "
     "transpose",
     {"Shuffle": Layer("add_shuffle", {"first_transpose": (0, 2, 1, 3), "reshape_dims": (0, 3, 8),
                                       "second_transpose": (2, 0, 1), "zero_is_placeholder": True}, ("x",))})
def _(net):
    x = net.input("x", F, ("b", 2, 3, 4))
    net.output("y", td.shuffle(x, first_transpose=(0, 2, 1, 3), reshape=(0, 3, 8),
                               second_transpose=(2, 0, 1)))


@row("shuffle_zero_is_size", "NvInfer.h IShuffleLayer::setZeroIsPlaceholder(false): 0 is a size",
     {"Shuffle": Layer("add_shuffle", {"reshape_dims": (4, 0), "zero_is_placeholder": False}, ("x",))})
def _(net):
    net.output("y", td.shuffle(net.input("x", F, (0, 4)), reshape=(4, 0), zero_is_placeholder=False))


@row("shuffle_dynamic", "NvInfer.h IShuffleLayer::setInput: 1 the reshape dims as a 1-D shape tensor",
     {"Shuffle": Layer("add_shuffle", {}, ("x", ANY))})
def _(net):
    x = net.input("x", F, ("n", 6))
    net.output("y", td.reshape(x, (x.shape[0] * 3, -1)))


@row("squeeze", "NvInfer.h addSqueeze: axes a constant 1-D Int32/Int64 shape tensor, values in [-r, r-1]",
     {"Squeeze": Layer("add_squeeze", {}, ("x", Axes((1, 3), 4)))})
def _(net):
    net.output("y", td.squeeze(net.input("x", F, (2, 1, 3, 1)), (-1, 1)))


@row("unsqueeze", "NvInfer.h addUnsqueeze: axes in [-r_final, r_final-1], r_final = rank + len(axes)",
     {"Unsqueeze": Layer("add_unsqueeze", {}, ("x", Axes((0, 3), 4)))})
def _(net):
    net.output("y", td.unsqueeze(net.input("x", F, (2, 3)), (0, -1)))


# -- indexing, sampling and detection layers ---------------------------------------------------------------
@row("einsum", "NvInfer.h addEinsum(inputs, nbInputs, equation), IEinsumLayer::getEquation: the operands "
     "in the equation's order",
     {"Einsum": Layer("add_einsum", {"equation": "bji,bkj->bki"}, ("q", "k"))})
def _(net):
    q, k = net.input("q", F, ("b", 3, 2)), net.input("k", F, ("b", 4, 3))
    net.output("y", td.einsum("bji,bkj->bki", q, k))


ONE_HOT_VALUES = np.array([-1.5, 2.0], np.float32)


@row("one_hot", "NvInfer.h addOneHot(indices, values, depth, axis): values [off, on] (input 1), depth a 0-D "
     "Int32/Int64 build-time constant (input 2); IOneHotLayer::setAxis in [-rank-1, rank]",
     {"OneHot": Layer("add_one_hot", {"axis": 1},
                      ("idx", Const(ONE_HOT_VALUES), Const(np.array(5), int_dtypes=("int32", "int64"))))})
def _(net):
    idx = net.input("idx", td.int32, ("n", 3))
    net.output("y", td.one_hot(idx, 5, values=(-1.5, 2.0), axis=1))


@row("scatter_element", "NvInfer.h addScatter(data, indices, updates, ScatterMode::kELEMENT), "
     "IScatterLayer::setAxis",
     {"Scatter": Layer("add_scatter", {"mode": "ScatterMode.ELEMENT", "axis": 1}, ("data", "idx", "upd"))})
def _(net):
    data = net.input("data", F, (3, 4, 5))
    idx, upd = net.input("idx", td.int32, (3, 2, 5)), net.input("upd", F, (3, 2, 5))
    net.output("y", td.scatter_elements(data, idx, upd, axis=1))


@row("scatter_nd", "NvInfer.h ScatterMode::kND: inputs data, indices, updates",
     {"Scatter": Layer("add_scatter", {"mode": "ScatterMode.ND"}, ("data", "idx", "upd"))})
def _(net):
    data = net.input("data", F, (3, 4, 5))
    idx, upd = net.input("idx", td.int64, (2, 2)), net.input("upd", F, (2, 5))
    net.output("y", td.scatter_nd(data, idx, upd))


@row("grid_sample", "NvInfer.h addGridSample(input, grid), IGridSampleLayer::setInterpolationMode, "
     "setAlignCorners, setSampleMode (defaults kLINEAR, false, kFILL)",
     {"GridSample": Layer("add_grid_sample", {"interpolation_mode": "InterpolationMode.CUBIC",
                                              "align_corners": True, "sample_mode": "SampleMode.REFLECT"},
                          ("x", "grid"))})
def _(net):
    x, grid = net.input("x", F, ("n", 2, 4, 5)), net.input("grid", F, ("n", 3, 2, 2))
    net.output("y", td.grid_sample(x, grid, interpolation="cubic", align_corners=True, sample_mode="reflect"))


@row("grid_sample_nearest", "NvInfer.h InterpolationMode::kNEAREST, SampleMode::kCLAMP",
     {"GridSample": Layer("add_grid_sample", {"interpolation_mode": "InterpolationMode.NEAREST",
                                              "align_corners": False, "sample_mode": "SampleMode.CLAMP"},
                          ("x", "grid"))})
def _(net):
    x, grid = net.input("x", F, (1, 2, 4, 5)), net.input("grid", F, (1, 3, 2, 2))
    net.output("y", td.grid_sample(x, grid, interpolation="nearest", sample_mode="clamp"))


@row("nms", "NvInfer.h addNMS(boxes, scores, maxOutputBoxesPerClass); INMSLayer::setInput: 3 the IoU "
     "threshold, 4 the score threshold (0-D float); setBoundingBoxFormat, setTopKBoxLimit, setIndicesType",
     {"NMS": Layer("add_nms", {"bounding_box_format": "BoundingBoxFormat.CENTER_SIZES", "topk_box_limit": 300,
                               "indices_type": "DataType.INT64"},
                   ("boxes", "scores", "per_class", Const(np.array(0.4, np.float32)),
                    Const(np.array(0.2, np.float32))))})
def _(net):
    boxes, scores = net.input("boxes", F, (2, 6, 4)), net.input("scores", F, (2, 6, 3))
    per_class = net.input("per_class", td.int32, ())
    net.output("selected", td.nms(boxes, scores, per_class, iou_threshold=0.4, score_threshold=0.2,
                                  box_coding="center", topk_box_limit=300, indices_dtype=td.int64))


@row("nms_defaults", "NvInfer.h INMSLayer: maxOutputBoxesPerClass a 0-D Int32 tensor (input 2), the "
     "thresholds optional inputs; BoundingBoxFormat::kCORNER_PAIRS",
     {"NMS": Layer("add_nms", {"bounding_box_format": "BoundingBoxFormat.CORNER_PAIRS",
                               "indices_type": "DataType.INT32"},
                   ("boxes", "scores", Const(np.array(3, np.int32))))})
def _(net):
    boxes, scores = net.input("boxes", F, (1, 6, 3, 4)), net.input("scores", F, (1, 6, 3))
    net.output("selected", td.nms(boxes, scores, 3))


@row("lrn", "NvInfer.h addLRN(input, window, alpha, beta, k); ILRNLayer::getWindowSize/getAlpha/getBeta/getK",
     {"LRN": Layer("add_lrn", {"window_size": 5, "alpha": 2e-3, "beta": 0.6, "k": 1.5}, ("x",))})
def _(net):
    net.output("y", td.lrn(net.input("x", F, ("n", 7, 3, 2)), 5, alpha=2e-3, beta=0.6, k=1.5))


PRELU_SLOPE = np.array([0.1, -0.5, 3.0], np.float32).reshape(3, 1, 1)


@row("parametric_relu", "NvInfer.h addParametricReLU(input, slope): the slope unidirectionally broadcastable "
     "to the input (the same rank)",
     {"ParametricReLU": Layer("add_parametric_relu", {}, ("x", Const(PRELU_SLOPE.reshape(1, 3, 1, 1))),
                              input_ranks=(4, 4))})
def _(net):
    net.output("y", td.prelu(net.input("x", F, ("n", 3, 2, 2)), PRELU_SLOPE))


@row("parametric_relu_tensor", "NvInfer.h addParametricReLU(input, slope): input 0 the data, 1 the slope",
     {"ParametricReLU": Layer("add_parametric_relu", {}, ("x", "s"))})
def _(net):
    net.output("y", td.prelu(net.input("x", F, (2, 3)), net.input("s", F, (1, 3))))


SCALE_SHIFT, SCALE_SCALE = _w(3, seed=11), _w(3, seed=12)
SCALE_POWER = np.array([1.0, 2.0, 0.5], np.float32)


@row("scale_channel", "NvInfer.h addScaleNd(input, mode, shift, scale, power, channelAxis): kCHANNEL, one "
     "coefficient per index of the channel axis",
     {"Scale": Layer("add_scale_nd", {"mode": "ScaleMode.CHANNEL", "shift": SCALE_SHIFT, "scale": SCALE_SCALE,
                                      "power": SCALE_POWER, "channel_axis": 2}, ("x",))})
def _(net):
    x = net.input("x", F, ("n", 2, 3, 4, 5))
    net.output("y", td.scale(x, shift=SCALE_SHIFT, scale=SCALE_SCALE, power=SCALE_POWER, channel_axis=2))


SCALE_EW = _w(2, 3, 4, seed=13)


@row("scale_uniform_elementwise", "NvInfer.h IScaleLayer: kUNIFORM one value, kELEMENTWISE one per element "
     "of the dims from the channel axis on; an empty Weights takes the default",
     {"Scale#0": Layer("add_scale_nd", {"mode": "ScaleMode.UNIFORM", "shift": np.array([0.5], np.float32),
                                        "scale": EMPTY, "power": np.array([2.0], np.float32),
                                        "channel_axis": 1}, ("x",)),
      "Scale#1": Layer("add_scale_nd", {"mode": "ScaleMode.ELEMENTWISE", "shift": EMPTY, "scale": SCALE_EW,
                                        "power": EMPTY, "channel_axis": 1}, ("x",))})
def _(net):
    x = net.input("x", F, ("n", 2, 3, 4))
    net.output("u", td.scale(x, shift=0.5, power=2.0, mode="uniform"))
    net.output("e", td.scale(x, scale=SCALE_EW, mode="elementwise"))


@row("reverse_sequence", "NvInfer.h addReverseSequence(input, sequenceLens), IReverseSequenceLayer::"
     "setBatchAxis/setSequenceAxis (defaults 1 and 0)",
     {"ReverseSequence": Layer("add_reverse_sequence", {"batch_axis": 2, "sequence_axis": 1}, ("x", "lens"))})
def _(net):
    x, lens = net.input("x", F, (2, 5, 3)), net.input("lens", td.int64, (3,))
    net.output("y", td.reverse_sequence(x, lens, batch_axis=2, sequence_axis=1))


@row("reverse_sequence_constant", "NvInfer.h IReverseSequenceLayer: sequenceLens a 1-D Int32/Int64 tensor of "
     "length dim[batchAxis]",
     {"ReverseSequence": Layer("add_reverse_sequence", {"batch_axis": 0, "sequence_axis": 2},
                               ("x", Const(np.array([3, 1]), int_dtypes=("int32", "int64"))))})
def _(net):
    net.output("y", td.reverse_sequence(net.input("x", F, (2, 4, 3)), [3, 1], batch_axis=0, sequence_axis=2))


@row("assertion", "NvInfer.h addAssertion(condition, message): a bool shape tensor, "
     "IAssertionLayer::getMessage",
     {"Assertion": Layer("add_assertion", {"message": "at most 2 rows"}, ("fits",))})
def _(net):
    x = net.input("x", F, ("n", 4))
    td.assert_(td.less(td.shape_of(x)[0], np.int64(3), name="fits"), "at most 2 rows")
    net.output("y", x)


# -- loops and conditionals --------------------------------------------------------------------------------
LOOP_INIT = np.array([0.5, -1.0, 2.0], np.float32)


@row("loop_count", "NvInfer.h ILoop: addTripLimit(tensor, kCOUNT), addIterator(tensor, axis, reverse), "
     "addRecurrence(initial) with input 1 the next value, addLoopOutput(tensor, kind, axis) with input 1 the "
     "concatenation length (a 0-D shape tensor)",
     {"TripLimit": Layer("add_trip_limit", {"kind": "TripLimit.COUNT"},
                         (Const(np.array(3), int_dtypes=("int32", "int64")),)),
      "Iterator#0": Layer("add_iterator", {"axis": 1, "reverse": False}, ("xs",)),
      "Iterator#1": Layer("add_iterator", {"axis": 0, "reverse": True}, ("zs",)),
      "Recurrence": Layer("add_recurrence", {}, (Const(LOOP_INIT), "next_acc")),
      "LoopOutput#0": Layer("add_loop_output", {"kind": "LoopOutput.LAST_VALUE"}, ("recurrence_0",)),
      "LoopOutput#1": Layer("add_loop_output", {"kind": "LoopOutput.CONCATENATE", "axis": 1},
                            ("iterator_0", Const(np.array(3), int_dtypes=("int32", "int64")))),
      "LoopOutput#2": Layer("add_loop_output", {"kind": "LoopOutput.REVERSE", "axis": 0},
                            ("iterator_1", Const(np.array(3), int_dtypes=("int32", "int64"))))})
def _(net):
    xs, zs = net.input("xs", F, (3, 4)), net.input("zs", F, (4, 3))
    with td.Loop(trip_count=3) as loop:
        a = loop.iterate(xs, axis=1)
        b = loop.iterate(zs, axis=0, reverse=True)
        acc = loop.carry(LOOP_INIT)
        acc.update(td.add(acc, a * b, name="next_acc"))
        last, stacked, backwards = loop.last(acc), loop.collect(a, axis=1), loop.collect(b, reverse=True)
    net.output("last", last)
    net.output("stacked", stacked)
    net.output("reversed", backwards)


@row("loop_while", "NvInfer.h TripLimit::kWHILE: the trip limit tensor is the 0-D bool condition",
     {"TripLimit": Layer("add_trip_limit", {"kind": "TripLimit.WHILE"}, ("keep_going",))})
def _(net):
    n = net.input("n", td.int32, ())
    with td.Loop() as loop:
        k = loop.carry(n)
        loop.while_(td.greater(k, np.int32(0), name="keep_going"))
        k.update(k - 1)
        last = loop.last(k)
    net.output("k", last)


@row("conditional", "NvInfer.h IIfConditional: setCondition(0-D bool), addInput(tensor), "
     "addOutput(trueSubgraphOutput, falseSubgraphOutput)",
     {"Condition": Layer("set_condition", {}, ("p",)),
      "ConditionalInput#0": Layer("add_input", {}, ("x",)),
      "ConditionalOutput": Layer("add_output", {}, ("then_v", "else_v"))})
def _(net):
    x, p = net.input("x", F, (3,)), net.input("p", td.bool, ())
    net.output("y", td.cond(p, lambda: td.multiply(x, 2.0, name="then_v"),
                            lambda: td.add(x, 1.0, name="else_v")))


# -- plugins -----------------------------------------------------------------------------------------------
@td.plugin("trtexp::weighted")
class Weighted:
    """``a * weight + b``: two inputs whose order matters."""

    weight: float = 3.0

    def shape(self, a, b):
        return a

    def reference(self, a, b):
        return (a * np.float32(self.weight) + b).astype(a.dtype)

    def kernel(self, a, b, out, stream):
        raise AssertionError("not run here")


@row("plugin", "NvInfer.h INetworkDefinition::addPluginV3(inputs, nbInputs, shapeInputs, nbShapeInputs, "
     "plugin)",
     {"PluginV3": Layer("add_plugin_v3", {}, ("b", "a"))})
def _(net):
    a, b = net.input("a", F, (2, 3)), net.input("b", F, (2, 3))
    net.output("y", Weighted(weight=0.5)(b, a))


# -- Attention ----------------------------------------------------------------------------------------------
# NvInfer.h 11.1 L6812-L6896: an IAttention puts an IAttentionInputLayer (query, key, value, then the mask at
# input 3, L6859-L6867) and an IAttentionOutputLayer into the network; its properties are read through
# IAttentionBoundaryLayer::getAttention. addAttentionV2 (11.x) or addAttention (10.x, causal=true is
# kUPPER_LEFT, L9614).
ATTENTION_ADDS = ("add_attention", "add_attention_v2")


@row("attention_mask", "NvInfer.h addAttention(V2)(query, key, value, normOp, causal), IAttention::setMask, "
     "setDecomposable; IAttentionInputLayer inputs 0-3",
     {"Attention": (Layer(ATTENTION_ADDS, {"attention.norm_op": "AttentionNormalizationOp.NONE",
                                           "attention.decomposable": True, "attention.causal": False},
                          ("q", "k", "v", "add")),
                    Layer(ATTENTION_ADDS, {"attention.norm_op": "AttentionNormalizationOp.NONE"}))})
def _(net):
    q, k, v = (net.input(n, F, (2, 4, 3, 8) if n == "q" else (2, 2, 5, 8)) for n in "qkv")
    add = net.input("add", F, (1, 4, 3, 5))
    net.output("y", td.attention(q, k, v, mask=add, normalization="none", decomposable=True))


@row("attention_causal", "NvInfer.h CausalMaskKind::kUPPER_LEFT = addAttention's causal=true; normOp kSOFTMAX",
     {"Attention": (Layer(ATTENTION_ADDS, {"attention.norm_op": "AttentionNormalizationOp.SOFTMAX",
                                           "attention.decomposable": False, "attention.causal": True},
                          ("q", "kv", "kv")),
                    Layer(ATTENTION_ADDS, {"attention.causal": True}))})
def _(net):
    q, kv = net.input("q", F, (1, 2, 3, 4)), net.input("kv", F, (1, 1, 3, 4))
    net.output("y", td.attention(q, kv, kv, causal="upper_left"))


# -- RotaryEmbedding ----------------------------------------------------------------------------------------
@row("rotary_embedding", "NvInfer.h addRotaryEmbedding(input, cosCache, sinCache, interleaved, rotaryEmbeddingDim); "
     "IRotaryEmbeddingLayer input 3 is positionIds",
     {"RotaryEmbedding": Layer("add_rotary_embedding", {"interleaved": True, "rotary_embedding_dim": 4},
                               ("x", "cos", "sin", "ids"))})
def _(net):
    x = net.input("x", F, (2, 3, 5, 8))
    cos, sin = net.input("cos", F, (32, 2)), net.input("sin", F, (32, 2))
    ids = net.input("ids", td.int64, (2, 5))
    net.output("y", td.rotary_embedding(x, cos, sin, position_ids=ids, interleaved=True, rotary_dim=4))


# -- KVCacheUpdate ------------------------------------------------------------------------------------------
@row("kv_cache_update", "NvInfer.h addKVCacheUpdate(cache, update, writeIndices, KVCacheMode::kLINEAR)",
     {"KVCacheUpdate": Layer("add_kv_cache_update", {"cache_mode": "KVCacheMode.LINEAR"}, ("cache", "update", "w"))})
def _(net):
    cache, update = net.input("cache", F, (2, 3, 16, 8)), net.input("update", F, (2, 3, 4, 8))
    net.output("y", td.kv_cache_update(cache, update, net.input("w", td.int64, (2,))))


# -- RaggedSoftMax -----------------------------------------------------------------------------------------
@row("ragged_softmax", "NvInfer.h addRaggedSoftMax(input, bounds): input 0 the ZxS data, 1 the Zx1 bounds; "
     "IRaggedSoftMaxLayer has no parameters",
     {"RaggedSoftMax": Layer("add_ragged_softmax", {}, ("x", "bounds"))})
def _(net):
    x, bounds = net.input("x", F, (2, 3, 4)), net.input("bounds", td.int32, (2, 3, 1))
    net.output("y", td.ragged_softmax(x, bounds))


# -- DistCollective ----------------------------------------------------------------------------------------
@row("dist_collective_all_gather", "NvInfer.h addDistCollective(input, kALL_GATHER, kNONE, root -1 (ignored), "
     "groups, groupSize) and ILayer::setNbRanks (the output shape of kALL_GATHER)",
     {"DistCollective": Layer("add_dist_collective", {"num_ranks": 3}, ("x",),
                              arguments={"dist_collective_op": "CollectiveOperation.ALL_GATHER",
                                         "reduce_op": "ReduceOperation.NONE", "root": -1, "groups": (2, 0, 1)})})
def _(net):
    net.output("y", td.all_gather(net.input("x", F, (2, 3)), groups=[2, 0, 1]))


@row("dist_collective_reduce", "NvInfer.h addDistCollective(input, kREDUCE, kMAX, root, nullptr, 0): all ranks",
     {"DistCollective": Layer("add_dist_collective", {"num_ranks": 4}, ("x",),
                              arguments={"dist_collective_op": "CollectiveOperation.REDUCE",
                                         "reduce_op": "ReduceOperation.MAX", "root": 3, "groups": None})})
def _(net):
    net.output("y", td.reduce_to_root(net.input("x", F, (2, 3)), "max", root=3, ranks=4))


# -- MoE ---------------------------------------------------------------------------------------------------
MOE_GATE, MOE_UP, MOE_DOWN = _w(3, 2, 4, seed=21), _w(3, 2, 4, seed=22), _w(3, 4, 2, seed=23)


@row("moe", "NvInfer.h addMoE(hiddenStates, selectedExpertsForTokens, scoresForSelectedExperts), "
     "IMoELayer::setGatedWeights(gate, up, down, kSILU), setSwigluParams(limit, alpha, beta) (defaults +inf, 1, 0)",
     {"MoE": Layer("add_moe", {"activation_type": "MoEActType.SILU", "swiglu_param_limit": 7.0,
                               "swiglu_param_alpha": 1.5, "swiglu_param_beta": -0.5,
                               "quantization_to_type": "DataType.FLOAT"},
                   ("x", "experts", "scores", Const(MOE_GATE), Const(MOE_UP), Const(MOE_DOWN)))})
def _(net):
    x, experts = net.input("x", F, (1, 3, 2)), net.input("experts", td.int32, (1, 3, 2))
    net.output("y", td.moe(x, experts, net.input("scores", F, (1, 3, 2)), gate_weights=MOE_GATE,
                           up_weights=MOE_UP, down_weights=MOE_DOWN, swiglu_limit=7.0, swiglu_alpha=1.5,
                           swiglu_beta=-0.5))


@row("moe_dynamic_quantization", "NvInfer.h IMoELayer::setQuantizationDynamicDblQ(doubleQuantScale, kFP4, "
     "blockShape of rank 4 (batchSize, seqLen, topK, moeInterSize), dynQOutputScaleType)",
     {"MoE": Layer("add_moe", {"activation_type": "MoEActType.NONE", "quantization_to_type": "DataType.FP4",
                               "quantization_block_shape": (1, 1, 1, 4),
                               "dyn_q_output_scale_type": "DataType.FP8"},
                   ("x", "experts", "scores", Const(MOE_GATE), Const(MOE_UP), Const(MOE_DOWN), None, None, None,
                    Const(np.float32(0.5))))})
def _(net):
    x, experts = net.input("x", F, (1, 3, 2)), net.input("experts", td.int32, (1, 3, 2))
    net.output("y", td.moe(x, experts, net.input("scores", F, (1, 3, 2)), gate_weights=MOE_GATE,
                           up_weights=MOE_UP, down_weights=MOE_DOWN, activation="none", quantize=td.fp4,
                           quant_scale=0.5, block_shape=(1, 1, 1, 4)))


# -- DynamicQuantize, the deprecated v1 form -----------------------------------------------------------------
@row("dynamic_quantize_v1", "NvInfer.h addDynamicQuantize(input, axis, blockSize, outputType, scaleType): the axis "
     "the last or second-to-last dim, blockSize 16 (NVFP4) or 32 (MXFP8); input 1 the double-quantization scale",
     {"DynamicQuantize": Layer("add_dynamic_quantize", {"axis": 1, "block_size": 32, "to_type": "DataType.FP8",
                                                        "scale_type": "DataType.E8M0"},
                               ("x", Const(np.float32(0.5))))})
def _(net):
    q, s = td.dynamic_quantize_v1(net.input("x", F, (2, 64, 3)), -2, 32, td.fp8, td.e8m0, 0.5)
    net.output("q", q)
    net.output("s", s)
