"""Cross-check rows: one small network per op variant and dtype, with the inputs it is checked on.

Each row builds a network with named dims, so one export and one onnxruntime session serve every drawn
input set. ``values`` bound the inputs where the op's domain needs it (otherwise trtdsl.testing's
defaults, with NaN and ±inf mixed in when ``special`` is set).
"""

from __future__ import annotations

from typing import Any, Callable

import attrs
import numpy as np

import trtdsl as td
from trtdsl.layers.activation import ActivationType
from trtdsl.layers.cast import CASTABLE
from trtdsl.layers.elementwise import ElementWiseOperation
from trtdsl.layers.unary import UnaryOperation

FLOATS = (td.float32, td.float16, td.bfloat16)
INTS = (td.int32, td.int64)


@attrs.frozen
class Row:
    id: str
    build: Callable[[td.Network], None]
    values: dict[str, Any] | None = None
    dims: dict[str, Any] | None = None
    special: bool = True  # draw NaN and ±inf too
    nan_only: bool = False  # draw NaN but not ±inf
    rtol: Any = None
    atol: Any = None
    opset: int | None = None

    def network(self) -> td.Network:
        net = td.Network(self.id)
        self.build(net)
        return net


def _one_input(
    dtype: td.DType, layer: Callable[[td.Tensor], Any], shape: tuple = ("n", 3)
) -> Callable[[td.Network], None]:
    def build(net: td.Network) -> None:
        result = layer(net.input("x", dtype, shape))
        for i, t in enumerate(result if isinstance(result, tuple) else (result,)):
            net.output(f"y{i}", t)

    return build


def _two_inputs(
    dtype: td.DType, layer: Callable[[td.Tensor, td.Tensor], Any], b_shape: tuple = ("n", 3)
) -> Callable[[td.Network], None]:
    def build(net: td.Network) -> None:
        a = net.input("a", dtype, ("n", 3))
        b = net.input("b", dtype, b_shape)
        net.output("y", layer(a, b))

    return build


def _each(
    inputs: dict[str, tuple], layers: dict[str, Callable[..., td.Tensor]]
) -> Callable[[td.Network], None]:
    """A network with the given inputs (name -> (dtype, shape)) and one output per layer, named after it:
    several variants checked on the same drawn inputs."""

    def build(net: td.Network) -> None:
        tensors = [net.input(name, dtype, shape) for name, (dtype, shape) in inputs.items()]
        for name, layer in layers.items():
            net.output(name, layer(*tensors))

    return build


def _variants(
    prefix: str,
    dtype: td.DType,
    inputs: dict[str, tuple],
    layers: dict[str, Callable[..., td.Tensor]],
    **row: Any,
) -> list[Row]:
    """bfloat16 variants one row each (onnxruntime lacks most bfloat16 kernels, and a missing kernel skips
    the whole row); other dtypes all variants in one row."""
    if dtype is td.bfloat16:
        return [
            Row(f"{prefix}-{name}-{dtype.name}", _each(inputs, {name: layer}), **row)
            for name, layer in layers.items()
        ]
    return [Row(f"{prefix}-{dtype.name}", _each(inputs, layers), **row)]


# -- Activation -----------------------------------------------------------------------------------------
_A = ActivationType
ACTIVATION_PARAMS: dict[ActivationType, list[tuple[float, float]]] = {
    _A.RELU: [(0.0, 0.0)],
    _A.SIGMOID: [(0.0, 0.0)],
    _A.TANH: [(0.0, 0.0)],
    _A.LEAKY_RELU: [(0.1, 0.0)],
    _A.ELU: [(0.7, 0.0)],
    _A.SELU: [(1.6732632423543772, 1.0507009873554805)],
    _A.SOFTSIGN: [(0.0, 0.0)],
    _A.SOFTPLUS: [(1.0, 1.0), (1.5, 0.5)],
    _A.CLIP: [(-0.5, 2.0)],
    _A.HARD_SIGMOID: [(0.2, 0.5)],
    _A.SCALED_TANH: [(1.7, 0.6)],
    _A.THRESHOLDED_RELU: [(0.5, 0.0)],
    _A.GELU_ERF: [(0.0, 0.0)],
    _A.GELU_TANH: [(0.0, 0.0)],
}


def activation_rows() -> list[Row]:
    layers = {
        f"{kind.name}-{alpha:g}-{beta:g}": (lambda x, k=kind, a=alpha, b=beta: td.activation(x, k, a, b))
        for kind, params in ACTIVATION_PARAMS.items()
        for alpha, beta in params
    }
    rows = []
    for dtype in FLOATS:
        rows += _variants("activation", dtype, {"x": (dtype, ("n", 3))}, layers)
    rows += [Row(f"activation-RELU-{dtype.name}", _one_input(dtype, td.relu)) for dtype in INTS]
    gelu = {kind.name: (lambda x, k=kind: td.activation(x, k)) for kind in (_A.GELU_ERF, _A.GELU_TANH)}
    rows.append(Row("activation-GELU-opset20-float32", _each({"x": (td.float32, ("n", 3))}, gelu), opset=20))
    return rows


# -- Unary ----------------------------------------------------------------------------------------------
_U = UnaryOperation
# Inputs inside the op's domain, where both libraries are accurate (outside it, NaN or overflow, is
# checked by the "outside" row, which draws from the default range with NaN and ±inf).
UNARY_DOMAIN: dict[UnaryOperation, tuple[float, float]] = {
    _U.TAN: (-1.5, 1.5),
    _U.SINH: (-10.0, 10.0),
    _U.COSH: (-10.0, 10.0),
    _U.EXP: (-20.0, 20.0),
    _U.ASIN: (-1.0, 1.0),
    _U.ACOS: (-1.0, 1.0),
    _U.ATANH: (-0.99, 0.99),
    _U.ACOSH: (1.0, 100.0),
    _U.LOG: (1e-3, 100.0),
    _U.SQRT: (0.0, 100.0),
}


def unary_rows() -> list[Row]:
    rows = []
    float_ops = [op for op in UnaryOperation if op is not _U.NOT]
    free = {op.name: (lambda x, o=op: td.unary(x, o)) for op in float_ops if op not in UNARY_DOMAIN}
    for dtype in FLOATS:
        x = {"x": (dtype, ("n", 3))}
        rows += _variants("unary", dtype, x, free)
        in_domain = {
            op.name: (lambda *xs, o=op, i=i: td.unary(xs[i], o)) for i, op in enumerate(UNARY_DOMAIN)
        }
        inputs = {f"x_{op.name}": (dtype, ("n", 3)) for op in UNARY_DOMAIN}
        values = {f"x_{op.name}": domain for op, domain in UNARY_DOMAIN.items()}
        if dtype is td.bfloat16:
            rows += [
                Row(
                    f"unary-{op.name}-in-domain-{dtype.name}",
                    _one_input(dtype, lambda t, o=op: td.unary(t, o)),
                    values={"x": domain},
                    special=False,
                )
                for op, domain in UNARY_DOMAIN.items()
            ]
        else:
            rows.append(
                Row(f"unary-in-domain-{dtype.name}", _each(inputs, in_domain), values=values, special=False)
            )
    bounded = {op.name: (lambda x, o=op: td.unary(x, o)) for op in UNARY_DOMAIN}
    rows.append(Row("unary-outside-domains-float32", _each({"x": (td.float32, ("n", 3))}, bounded)))
    for dtype in INTS:
        rows.append(
            Row(
                f"unary-ABS-SIGN-{dtype.name}",
                _each({"x": (dtype, ("n", 3))}, {"ABS": td.abs, "SIGN": td.sign}),
            )
        )
    rows.append(Row("unary-NOT-bool", _one_input(td.bool_, td.logical_not)))
    return rows


# -- ElementWise ----------------------------------------------------------------------------------------
_E = ElementWiseOperation
_FLOAT_OPS = (
    _E.SUM,
    _E.SUB,
    _E.PROD,
    _E.MAX,
    _E.MIN,
    _E.DIV,
    _E.POW,
    _E.FLOOR_DIV,
    _E.EQUAL,
    _E.GREATER,
    _E.LESS,
)
_INT_OPS = (_E.SUM, _E.SUB, _E.PROD, _E.MAX, _E.MIN, _E.DIV, _E.FLOOR_DIV, _E.EQUAL, _E.GREATER, _E.LESS)
_BOOL_OPS = (_E.AND, _E.OR, _E.XOR, _E.EQUAL)


def elementwise_rows() -> list[Row]:
    rows = []
    for dtype, ops in (
        [(d, _FLOAT_OPS) for d in FLOATS] + [(d, _INT_OPS) for d in INTS] + [(td.bool_, _BOOL_OPS)]
    ):
        layers = {op.name: (lambda a, b, o=op: td.elementwise(a, b, o)) for op in ops}
        rows += _variants("elementwise", dtype, {"a": (dtype, ("n", 3)), "b": (dtype, ("n", 3))}, layers)
        if dtype in (td.float32, td.int32, td.bool_):
            rows.append(
                Row(
                    f"elementwise-broadcast-{dtype.name}",
                    _each({"a": (dtype, ("n", 3)), "b": (dtype, (1, 3))}, layers),
                )
            )
        if dtype in INTS:
            info = np.iinfo(dtype.numpy)
            full = (int(info.min), int(info.max))
            division = {op.name: layers[op.name] for op in (_E.DIV, _E.FLOOR_DIV)}
            rows.append(
                Row(
                    f"elementwise-division-full-range-{dtype.name}",
                    _each({"a": (dtype, ("n", 3)), "b": (dtype, ("n", 3))}, division),
                    values={"a": full, "b": full},
                )
            )
            constant = {
                op.name: (lambda x, o=op, d=dtype: td.elementwise(x, np.array([3, -4, 7], d.numpy), o))
                for op in (_E.DIV, _E.FLOOR_DIV)
            }
            rows.append(
                Row(
                    f"elementwise-constant-divisor-{dtype.name}",
                    _each({"x": (dtype, ("n", 3))}, constant),
                    values={"x": full},
                )
            )
    return rows


# -- Cast, Identity, Constant ---------------------------------------------------------------------------
def cast_rows() -> list[Row]:
    rows = []
    for source in CASTABLE:
        x = {"x": (source, ("n", 3))}
        rows.append(
            Row(
                f"cast-from-{source.name}",
                _each(x, {t.name: (lambda v, t=t: td.cast(v, t)) for t in CASTABLE}),
            )
        )
        if source.is_float:
            for target in (td.int32, td.int64, td.int8, td.uint8):
                info = np.iinfo(target.numpy)
                wide = (float(info.min) * 1.5 - 2, float(info.max) * 1.5 + 2)
                rows.append(
                    Row(
                        f"cast-saturating-{source.name}-to-{target.name}",
                        _each(x, {target.name: lambda v, t=target: td.cast(v, t)}),
                        values={"x": wide},
                    )
                )
    identity_types = FLOATS + INTS + (td.bool_, td.int8, td.uint8)
    rows.append(
        Row(
            "identity",
            _each(
                {f"x_{d.name}": (d, ("n", 3)) for d in identity_types},
                {d.name: (lambda *xs, i=i: td.identity(xs[i])) for i, d in enumerate(identity_types)},
            ),
        )
    )
    rows.append(
        Row(
            "constant-output",
            lambda net: (
                net.input("x", td.float32, (2,)),
                net.output("y", net.constant(np.array([1.5, -2.0], np.float32))),
            ),
        )
    )
    rows.append(
        Row(
            "constant-operand-int64",
            _one_input(td.int64, lambda x: x * x.network.constant(np.array([[2, -3, 5]], np.int64))),
        )
    )
    return rows


# -- Shuffle, Squeeze, Unsqueeze ------------------------------------------------------------------------
def shuffle_rows() -> list[Row]:
    rows = []
    for dtype in (td.float32, td.int64, td.bool_):

        def build(net, dtype=dtype):
            x3 = net.input("x3", dtype, ("n", 3, 2))
            x2 = net.input("x2", dtype, (2, "n", 3))
            x6 = net.input("x6", dtype, ("n", 6))
            ones = net.input("ones", dtype, (1, "n", 1))
            empty = net.input("empty", dtype, (0, 3))
            net.output("transpose", td.transpose(x3))
            net.output("all_three", td.shuffle(x2, (2, 0, 1), (0, -1), (1, 0)))
            net.output("placeholder", td.shuffle(x6, reshape=(0, 3, 2)))
            net.output("zero_length", td.shuffle(empty, reshape=(0, 3), zero_is_placeholder=False))
            net.output("squeeze", td.squeeze(ones, (0, 2)))
            net.output("unsqueeze", td.unsqueeze(x6, (0, 3)))
            net.output("reshape", x6.reshape(x6.shape[0], 3, 2))

        rows.append(Row(f"shuffle-squeeze-unsqueeze-{dtype.name}", build))
    return rows


# -- MatrixMultiply -------------------------------------------------------------------------------------
_MM_SHAPES = {
    "NONE": (("b", 2, 3), ("b", 3, 4)),
    "TRANSPOSE": (("b", 3, 2), ("b", 4, 3)),
    "VECTOR": (("b", 3), ("b", 3)),
}
# Products of values in [-4, 4] summed over 3 terms; absolute tolerances for the cancellations.
_MM_ATOL = {"float32": 1e-4, "float16": 0.05, "bfloat16": 0.5}


def matmul_rows() -> list[Row]:
    from trtdsl.layers.matmul import MatrixMultiply, MatrixOperation

    rows = []
    for dtype in FLOATS:

        def build(net, dtype=dtype):
            for op0 in MatrixOperation:
                for op1 in MatrixOperation:
                    a = net.input(f"a_{op0.name}_{op1.name}", dtype, _MM_SHAPES[op0.name][0])
                    b = net.input(f"b_{op0.name}_{op1.name}", dtype, _MM_SHAPES[op1.name][1])
                    net.output(f"{op0.name}_{op1.name}", net.add1(MatrixMultiply(op0, op1), (a, b)))

        rows.append(
            Row(
                f"matmul-{dtype.name}",
                build,
                values={
                    f"{x}_{o0.name}_{o1.name}": (-4, 4)
                    for x in "ab"
                    for o0 in MatrixOperation
                    for o1 in MatrixOperation
                },
                atol=_MM_ATOL[dtype.name],
                special=False,
            )
        )
    rows.append(
        Row(
            "matmul-broadcast-float32",
            lambda net: net.output(
                "y",
                td.matmul(
                    net.input("a", td.float32, ("n", 1, 2, 3)), net.input("b", td.float32, (1, "m", 3, 2))
                ),
            ),
            values={"a": (-4, 4), "b": (-4, 4)},
            atol=1e-4,
        )
    )
    rows.append(
        Row("matmul-nan-inf-float32", _two_inputs(td.float32, lambda a, b: td.matmul(a, b), (3, "n")))
    )
    return rows


# -- Reduce, SoftMax, TopK, Cumulative ------------------------------------------------------------------
def reduction_rows() -> list[Row]:
    from trtdsl.layers.reduce import ReduceOperation

    rows = []
    empty_ok = {"n": (0, 2, 4)}
    for op in ReduceOperation:
        for dtype in (td.float32, td.float16, td.bfloat16, td.int32, td.int64):
            values = None
            if dtype in INTS:
                # int PROD, and int64 SUM beyond 2**53, overflow differently in onnxruntime (docs/onnx.md)
                values = (
                    {"x": (-3, 3)}
                    if op is ReduceOperation.PROD
                    else ({"x": (-(2**31), 2**31 - 1)} if dtype is td.int32 else None)
                )
            tol = {"float16": 1e-2, "bfloat16": 5e-2} if op is not ReduceOperation.MAX else None
            variants = {
                "axis1": lambda x, o=op: td.reduce(x, o, 1),
                "axes02-keep": lambda x, o=op: td.reduce(x, o, (0, 2), True),
            }
            rows.append(
                Row(
                    f"reduce-{op.name}-{dtype.name}",
                    _each({"x": (dtype, ("n", 3, 2))}, variants),
                    values=values,
                    dims=empty_ok,
                    rtol=tol,
                    atol=tol,
                )
            )
    for dtype in FLOATS:
        variants = {"axis0": lambda x: td.softmax(x, 0), "axis1": lambda x: td.softmax(x, 1)}
        rows.append(Row(f"softmax-{dtype.name}", _each({"x": (dtype, ("n", 3))}, variants), dims=empty_ok))
    for dtype in FLOATS + INTS:

        def topk(net, dtype=dtype):
            x = net.input("x", dtype, ("n", 5))
            for largest in (True, False):
                for indices in INTS:
                    values, positions = td.topk(x, 2, 1, largest=largest, indices_dtype=indices)
                    net.output(f"values_{largest}_{indices.name}", values)
                    net.output(f"indices_{largest}_{indices.name}", positions)

        rows.append(Row(f"topk-{dtype.name}", topk, values={"x": (-3, 3)}, special=False))
    nan_topk = {
        f"{'max' if lg else 'min'}_{part}": (lambda x, lg=lg, i=i: td.topk(x, 3, 0, largest=lg)[i])
        for lg in (True, False)
        for i, part in enumerate(("values", "indices"))
    }
    rows.append(Row("topk-nan-float32", _each({"x": (td.float32, (4, "n"))}, nan_topk), nan_only=True))
    for dtype in FLOATS + INTS:
        variants = {
            f"{'exclusive' if e else 'inclusive'}_{'reverse' if r else 'forward'}": (
                lambda x, e=e, r=r: td.cumsum(x, 1, exclusive=e, reverse=r)
            )
            for e in (False, True)
            for r in (False, True)
        }
        tol = {"float16": 1e-2, "bfloat16": 5e-2}
        rows.append(
            Row(
                f"cumsum-{dtype.name}",
                _each({"x": (dtype, ("n", 4))}, variants),
                values={"x": (-(2**31), 2**31 - 1)} if dtype is td.int32 else None,
                rtol=tol,
                atol=tol,
            )
        )
    return rows


# -- Concatenation, Select, Shape -----------------------------------------------------------------------
def data_movement_rows() -> list[Row]:
    rows = []
    for dtype in (td.float32, td.float16, td.bfloat16, td.int32, td.int64, td.bool_):

        def build(net, dtype=dtype):
            a = net.input("a", dtype, ("n", 3))
            b = net.input("b", dtype, ("m", 3))
            net.output("concat0", td.concatenate([a, b, a], axis=0))
            net.output("concat1", td.concatenate([a, a], axis=1))
            net.output("shape", td.shape_of(b))

        rows.append(Row(f"concat-shape-{dtype.name}", build))

        def select(net, dtype=dtype):
            c = net.input("c", td.bool_, ("n", 1))
            a = net.input("a", dtype, ("n", 3))
            b = net.input("b", dtype, (1, 3))
            net.output("y", td.where(c, a, b))

        rows.append(Row(f"select-{dtype.name}", select))
    return rows


# -- Gather ---------------------------------------------------------------------------------------------
def gather_rows() -> list[Row]:
    rows = []
    for dtype in (td.float32, td.int64, td.bool_):
        for idx_type in INTS:

            def build(net, dtype=dtype, idx_type=idx_type):
                data = net.input("data", dtype, ("n", 4, 3))
                data4 = net.input("data4", dtype, ("n", 2, 4, 3))
                net.output("take", td.take(data, net.input("i_take", idx_type, ("m", 2)), axis=1))
                net.output(
                    "batched",
                    td.gather(
                        data4, net.input("i_batched", idx_type, (1, "m")), axis=2, num_elementwise_dims=1
                    ),
                )
                net.output(
                    "element", td.take_along_axis(data, net.input("i_element", idx_type, ("n", 3, 2)), axis=1)
                )
                net.output("nd", td.gather_nd(data, net.input("i_nd", idx_type, ("m", 2))))
                net.output(
                    "nd_batched",
                    td.gather_nd(data, net.input("i_nd_batched", idx_type, ("n", 2, 1)), batch_dims=1),
                )

            name = f"gather-{dtype.name}-{idx_type.name}"
            rows.append(Row(name, build))
            # beyond every axis here: TensorRT reads 0 there
            out_of_range = {f"i_{v}": (-7, 7) for v in ("take", "batched", "element", "nd", "nd_batched")}
            rows.append(Row(f"{name}-out-of-range", build, values=out_of_range))
    return rows


# -- Slice, Padding -------------------------------------------------------------------------------------
def slice_rows() -> list[Row]:
    from trtdsl.layers.slice import SampleMode

    rows = []
    for mode in SampleMode:
        if mode is SampleMode.STRICT_BOUNDS:
            params = [((1, 0), (1, 2), (1, 2)), ((2, 2), (3, 2), (-1, -2)), ((0, 1), (3, 1), (0, 1))]
        else:
            params = [((-2, -1), (7, 5), (1, 1)), ((4, 3), (5, 4), (-2, -1)), ((1, -3), (2, 6), (0, 2))]
        variants = {
            f"start{a}_size{b}_stride{c}".replace(" ", ""): (
                lambda x, a=a, b=b, c=c, m=mode: td.slice(x, a, b, c, mode=m)
            )
            for a, b, c in params
        }
        for dtype in (td.float32, td.int32, td.bool_):
            rows.append(Row(f"slice-{mode.name}-{dtype.name}", _each({"x": (dtype, (3, 3))}, variants)))
            rows.append(
                Row(
                    f"slice-{mode.name}-{dtype.name}-dynamic",
                    _one_input(
                        dtype,
                        lambda x, m=mode: (
                            td.slice(x, (0, -1), (x.shape[0], 4), (1, 1), mode=m)
                            if m is not SampleMode.STRICT_BOUNDS
                            else x[:, 1:]
                        ),
                        ("n", 3),
                    ),
                    dims={"n": (1, 2, 4)},
                )
            )
    rows.append(
        Row(
            "slice-FILL-fill-input-float32",
            lambda net: net.output(
                "y",
                td.slice(
                    net.input("x", td.float32, ("n", 3)),
                    (-1, 1),
                    (net.inputs["x"].shape[0], 4),
                    mode="fill",
                    fill=net.input("f", td.float32, ()),
                ),
            ),
        )
    )
    rows.append(
        Row(
            "slice-FILL-empty-float32",
            _one_input(td.float32, lambda x: td.slice(x, (0, -1), (2, 2), mode="fill", fill=2.5), (3, 0)),
        )
    )
    for dtype in (td.float32, td.float16, td.int32, td.int8):
        rows.append(
            Row(
                f"padding-{dtype.name}",
                _one_input(dtype, lambda x: td.padding_nd(x, (1, -1), (0, 2)), ("n", 1, 3, 3)),
            )
        )
    return rows


# -- Shapes: dynamic reshape and slice, shape-tensor inputs with profiles, Fill, NonZero, Resize ----------
def shape_rows() -> list[Row]:
    rows = []

    def dynamic(net):
        y = net.input("y", td.float32, ("n", 6))
        z = net.input("z", td.float32, (12,))
        dims = net.input("dims", td.int64, (2,), shape_tensor=True)
        net.output("tail", td.slice(y, (1, 0), (y.shape[0] - 1, 6)))
        net.output("strided", td.slice(y, (0, 5), (y.shape[0], 3), (1, -2), mode="wrap"))
        net.output("reshaped", td.reshape(y, (3, y.shape[0] * 2)))
        net.output("by_dims", td.reshape(z, dims))  # [k, -1]: k in 1..4 divides 12
        net.add_profile({"n": (1, 2, 4), "dims": ([1, -1], [2, -1], [4, -1])})

    rows.append(Row("dynamic-shapes", dynamic))

    def fills(net):
        x = net.input("x", td.float32, ("n", 3))
        a = net.input("a", td.int32, ())
        net.output("arange", td.arange(x.shape[0], like=x))
        net.output("arange_f32", td.arange(0.5, 4.0, 0.75, td.float32, like=x))
        net.output("zeros", td.zeros((x.shape[0], 2), td.int32, like=x))
        net.output("grid_int32", td.fill((2, 3), "linspace", a, (100, -10), td.int32, like=x))
        net.output("grid_int64", td.fill((x.shape[0], 3), "linspace", np.int64(-4), (7, 2), td.int64, like=x))
        uniform = td.fill(x.shape, "random_uniform", 2.0, 3.0, like=x)
        net.output("uniform_in_bounds", td.logical_and(td.min(uniform) >= 2.0, td.max(uniform) <= 3.0))
        normal = td.fill((x.shape[0], 4), "random_normal", 1.0, 0.5, td.float32, like=x)
        net.output("normal_finite", td.max(td.abs(td.cast(normal, td.float32))) < 1e4)

    rows.append(Row("fill", fills, values={"a": (-1000, 1000)}))
    rows.append(
        Row(
            "fill-random-normal-float16",
            _one_input(
                td.float32,
                lambda x: (
                    td.max(
                        td.abs(
                            td.cast(td.fill(x.shape, "random_normal", dtype=td.float16, like=x), td.float32)
                        )
                    )
                    < 1e4
                ),
            ),
        )
    )

    def nonzeros(net):
        x = net.input("x", td.float32, ("n", 3))
        b = net.input("b", td.bool_, (2, "m"))
        net.output("int32", td.nonzero(x))
        net.output("int64", td.nonzero(b, td.int64))

    rows.append(Row("nonzero", nonzeros, values={"x": (-1, 1)}))

    from trtdsl.layers.resize import (
        InterpolationMode,
        ResizeCoordinateTransformation,
        ResizeRoundMode,
        ResizeSelector,
    )

    for dtype in (td.float32, td.float16):

        def resizes(net, dtype=dtype):
            x = net.input("x", dtype, (1, 2, "h", 5))
            for mode in InterpolationMode:
                for transform in ResizeCoordinateTransformation:
                    for selector in ResizeSelector:
                        rounding = (
                            list(ResizeRoundMode)
                            if mode is InterpolationMode.NEAREST
                            else [ResizeRoundMode.FLOOR]
                        )
                        for r in rounding:
                            net.output(
                                f"{mode.name}_{transform.name}_{selector.name}_{r.name}",
                                td.resize(
                                    x,
                                    (1, 2, x.shape[2] * 2, 3),
                                    mode=mode,
                                    coordinate_transformation=transform,
                                    selector=selector,
                                    nearest_rounding=r,
                                ),
                            )
            net.output(
                "one_row_upper",
                td.resize(
                    x, (1, 2, 1, 7), mode="linear", coordinate_transformation="half_pixel", selector="upper"
                ),
            )
            net.output(
                "cubic_excluding",
                td.resize(x, (1, 2, 4, 9), mode="cubic", exclude_outside=True, cubic_coeff=-0.5),
            )
            net.output("scaled", td.resize(x, scales=(1, 1, 1.5, 0.6), mode="linear"))

        tol = {"float32": 1e-4, "float16": 4e-3}
        rows.append(
            Row(f"resize-{dtype.name}", resizes, values={"x": (-4, 4)}, special=False, rtol=tol, atol=tol)
        )
    return rows


@td.plugin("crosscheck::offset")
class _Offset:
    delta: float = 1.0

    def shape(self, x):
        return x

    def reference(self, x):
        return x + np.float32(self.delta)


def plugin_rows() -> list[Row]:
    """A plugin layer: exported for TensorRT's parser, which onnxruntime cannot run (the test skips it)."""
    return [Row("plugin-float32", _one_input(td.float32, lambda x: _Offset(delta=0.5)(x)))]


# -- Convolution, Deconvolution, Pooling ----------------------------------------------------------------
_RNG = np.random.default_rng(7)
_W = _RNG.uniform(-1, 1, (4, 2, 3, 3)).astype(np.float32)
_B = _RNG.uniform(-1, 1, (4,)).astype(np.float32)
_W3 = _RNG.uniform(-1, 1, (2, 2, 2, 2, 2)).astype(np.float32)
_WT = _RNG.uniform(-1, 1, (2, 3, 3, 2)).astype(np.float32)
_CONV_TOL = {"float32": 1e-4, "float16": 2e-2, "bfloat16": 0.2}


def window_rows() -> list[Row]:
    rows = []
    modes = ("explicit_round_down", "explicit_round_up", "same_upper", "same_lower")
    for dtype in FLOATS:

        def conv(net, dtype=dtype):
            x = net.input("x", dtype, ("n", 2, 5, 6))
            w, b = _W.astype(dtype.numpy), _B.astype(dtype.numpy)
            for mode in modes:
                pad = 0 if mode.startswith("same") else ((1, 0), (2, 1))
                net.output(f"conv_{mode}", td.conv(x, w, b, stride=(2, 1), padding=pad, padding_mode=mode))
            net.output(
                "conv_grouped_dilated",
                td.conv(x, _W[:, :1].astype(dtype.numpy), stride=2, dilation=2, groups=2, padding=2),
            )
            net.output("conv_kernel_input", td.conv(x, net.input("w", dtype, (4, 2, 3, 3))))
            x3 = net.input("x3", dtype, (1, 2, 3, 4, "m"))
            net.output("conv3d", td.conv(x3, _W3.astype(dtype.numpy), padding=1))
            for mode in modes:
                pad = 0 if mode.startswith("same") else ((1, 0), (0, 2))
                net.output(
                    f"deconv_{mode}",
                    td.conv_transpose(
                        x, _WT.astype(dtype.numpy), stride=(2, 3), padding=pad, padding_mode=mode
                    ),
                )
            net.output(
                "deconv_grouped",
                td.conv_transpose(
                    x, _WT[:, :1].astype(dtype.numpy), stride=2, dilation=2, groups=2, padding=1
                ),
            )

        rows.append(
            Row(
                f"convolution-{dtype.name}",
                conv,
                values={"x": (-2, 2), "w": (-1, 1), "x3": (-2, 2)},
                atol=_CONV_TOL[dtype.name],
                rtol=_CONV_TOL[dtype.name],
                special=False,
            )
        )

        def pools(net, dtype=dtype, dynamic=False):
            x = net.input("x", dtype, ("n", 2, "h", 6) if dynamic else ("n", 2, 5, 6))
            for mode in modes:
                pad = 0 if mode.startswith("same") else ((1, 0), (2, 1))
                for kind in ("max", "average", "max_average_blend"):
                    for excludes in (True, False) if kind != "max" else (True,):
                        net.output(
                            f"{kind}_{mode}_{excludes}",
                            td.pool(
                                x,
                                kind,
                                (3, 2),
                                stride=(2, 3),
                                padding=pad,
                                padding_mode=mode,
                                average_count_excludes_padding=excludes,
                                blend_factor=0.25 if kind == "max_average_blend" else 0.0,
                            ),
                        )
            net.output("max_pad_not_smaller", td.max_pool(x, 2, stride=2, padding=((2, 0), (0, 2))))
            net.output("avg_pad_not_smaller", td.avg_pool(x, 2, stride=2, padding=((2, 0), (0, 2))))

        tol = {"float16": 5e-3, "bfloat16": 3e-2}
        rows.append(Row(f"pooling-{dtype.name}", pools, rtol=tol, atol=tol))
        if dtype is td.float32:
            rows.append(
                Row(
                    "pooling-dynamic-float32",
                    lambda net: pools(net, td.float32, True),
                    dims={"h": (3, 5, 7)},
                    rtol=tol,
                    atol=tol,
                )
            )
    return rows


# -- Normalization --------------------------------------------------------------------------------------
def normalization_rows() -> list[Row]:
    rows = []
    for dtype in FLOATS:

        def build(net, dtype=dtype):
            x = net.input("x", dtype, ("n", 4, 3, 2))
            scale = net.input("scale", dtype, (1, 4, 1, 1))
            bias = net.input("bias", dtype, (1, 4, 1, 1))
            gamma = net.input("gamma", dtype, (3, 2))
            beta = net.input("beta", dtype, (3, 2))
            net.output("layer", td.layer_norm(x, gamma, beta, axis=(2, 3)))
            net.output("layer_last", td.layer_norm(x, gamma[0], beta[0], eps=1e-3))
            net.output("instance", td.instance_norm(x, scale, bias))
            net.output("group", td.group_norm(x, 2, scale, bias))
            net.output("axes_0_2", td.normalization(x, scale, bias, (0, 2)))

        tol = {"float32": 1e-4, "float16": 1e-2, "bfloat16": 6e-2}
        rows.append(
            Row(
                f"normalization-{dtype.name}",
                build,
                values={k: (-3, 3) for k in ("x", "scale", "bias", "gamma", "beta")},
                special=False,
                rtol=tol,
                atol=tol,
            )
        )
    return rows


# -- Quantize, Dequantize -------------------------------------------------------------------------------
def quantize_rows() -> list[Row]:

    rows = []
    for dtype in FLOATS:
        for to in (td.int8, td.float8_e4m3, td.int4, td.float4_e2m1):
            limit = {"int8": 127.0, "float8_e4m3": 448.0, "int4": 7.0, "float4_e2m1": 6.0}[to.name]

            def build(net, dtype=dtype, to=to, limit=limit):
                x = net.input("x", dtype, ("n", 4, 6))
                x2 = net.input("x2", dtype, (4, 6))
                w = net.constant(
                    np.linspace(-1.5 * limit, 1.5 * limit, 24, dtype=np.float32)
                    .reshape(4, 6)
                    .astype(dtype.numpy)
                )
                if to is td.int4:  # TensorRT quantizes only weights to int4
                    x, x2 = td.unsqueeze(w, 0), w
                half = np.array(0.5, np.float32)
                per_tensor = td.quantize(x, half, to)
                net.output("q_tensor", per_tensor)
                net.output("dq_tensor", td.dequantize(per_tensor, half, dtype))
                channel = np.array([0.25, 0.5, 1.0, 2.0], np.float32)
                q_channel = td.quantize(w, channel, to, axis=0)
                net.output("q_channel", q_channel)
                net.output("dq_channel", td.dequantize(q_channel, channel, dtype, axis=0))
                block = np.array([[0.5, 1.0, 0.25]], np.float32).repeat(4, axis=0)
                q_block = td.quantize(x2, block, to, block_shape=(1, 2))
                net.output("q_block", q_block)
                net.output("dq_block", td.dequantize(q_block, block, dtype, block_shape=(1, 2)))
                block2 = np.array([[0.5, 2.0, 1.0], [0.25, 1.0, 4.0]], np.float32)
                q_block2 = td.quantize(x2, block2, to, block_shape=(2, 2))
                net.output("q_block2", q_block2)
                net.output("dq_block2", td.dequantize(q_block2, block2, dtype, block_shape=(2, 2)))
                if dtype is not td.float32:
                    net.output("q_native_scale", td.quantize(x, np.array(0.5, dtype.numpy), to))

            rows.append(
                Row(
                    f"quantize-{to.name}-{dtype.name}",
                    build,
                    dims={"n": (1, 2, 4)},
                    values={"x": (-2 * limit, 2 * limit), "x2": (-2 * limit, 2 * limit)},
                    nan_only=True,
                )
            )
    return rows


# -- Loops and conditionals -----------------------------------------------------------------------------
def region_rows() -> list[Row]:
    def loops(net):
        xs = net.input("xs", td.float32, ("n", 3))
        x = net.input("x", td.int32, ())
        total, running = td.scan(lambda c, v: (c + v, c * 2.0 + v), np.zeros(3, np.float32), xs)
        net.output("total", total)
        net.output("running", running)
        net.output(
            "reversed", td.scan(lambda c, v: (c + v, c - v), np.zeros(3, np.float32), xs, reverse=True)[1]
        )
        net.output("factorial", td.fori_loop(1, x + 1, lambda i, acc: acc * i, np.int32(1)))
        steps, _ = td.while_loop(
            lambda c: c[1] > 1,
            lambda c: (c[0] + 1, td.where(c[1] % 2 == 0, c[1] // 2, 3 * c[1] + 1)),
            (np.int32(0), x),
        )
        net.output("collatz_steps", steps)
        with td.Loop(trip_count=2) as loop:  # both limits, a padded and a reversed collection on axis 1
            k = loop.carry(x)
            row = loop.iterate(xs, axis=1, reverse=True)
            loop.while_(k < 5)
            k.update(k + 2)
            padded = loop.collect(row * 1.5, axis=1, length=4)
            backwards = loop.collect(td.cast(k, td.float32), reverse=True, length=3)
            final = loop.last(k)
        net.output("padded", padded)
        net.output("backwards", backwards)
        net.output("final", final)

    def conditionals(net):
        a = net.input("a", td.int32, ())
        b = net.input("b", td.int32, ())
        v = net.input("v", td.float32, ("n",))
        lo, hi = td.cond(a < b, lambda: (a * 2, b), lambda: (b, a - 1))
        net.output("lo", lo)
        net.output("hi", hi)
        inner = td.cond(a > 0, lambda: td.cond(b > 0, lambda: td.exp(v), lambda: v * 2.0), lambda: -v)
        net.output("nested", inner)
        summed = td.cond(a == b, lambda: td.fori_loop(0, 3, lambda i, acc: acc + v, v), lambda: v)
        net.output("loop_in_branch", summed)

    return [
        Row("loops", loops, values={"xs": (-4, 4), "x": (-3, 40)}, special=False),
        Row("conditionals", conditionals, values={"a": (-3, 3), "b": (-3, 3)}),
    ]


# -- Helpers built from layers (td.stack, td.linear, ...): they export as the layers they are made of --------
def helper_rows() -> list[Row]:
    w = np.linspace(-1, 1, 24, dtype=np.float32).reshape(3, 8)
    rng = np.random.default_rng(0)
    conv_w = rng.uniform(-1, 1, (4, 2, 3, 3)).astype(np.float32)
    bn = [rng.uniform(-1, 1, 4), rng.uniform(0.5, 2, 4), rng.uniform(-1, 1, 4), rng.uniform(-1, 1, 4)]

    def arrays(x, y, k):
        n, m = x.shape[0], k.shape[0]
        left, middle, right = td.split(x, [1, 3], axis=1)
        return {
            "stack": td.stack([x, y], axis=1), "left": left, "middle": middle, "right": right,
            "halves": td.split(y, 2, axis=1)[1], "rows": td.split(x, [m])[1], "flat": td.flatten(x),
            "tile": td.tile(x, (2, 1, 3)), "repeat": td.repeat(y, 2, axis=0), "flip": td.flip(x),
            "last": x[n - 1], "head": x[:m], "argmax": td.argmax(x, 1), "argmin": td.argmin(y, keepdims=True),
            "zeros": td.zeros(x.shape, x.dtype) + td.ones((n, 4), x.dtype),
        }

    def neural(x, images):
        folded_w, folded_b = td.fold_batch_norm(conv_w, None, *bn, transposed=False)
        heads = td.split_heads(td.linear(x, np.vstack([w, w]), np.arange(6, dtype=np.float32)), 3)
        return {
            "linear": td.linear(x, w), "heads": heads, "merged": td.merge_heads(td.silu(heads)),
            "bn": td.batch_norm(x, *(np.linspace(0.5, 1, 8) for _ in range(4)), eps=1e-3, axis=-1),
            "conv_bn": td.batch_norm(td.conv(images, conv_w, padding=1), *bn),
            "folded": td.conv(images, folded_w, folded_b, padding=1),
            "log_softmax": td.log_softmax(x), "hard_swish": td.hard_swish(x), "gelu_tanh": td.gelu(x, "tanh"),
        }

    def build(layers, inputs):
        def network(net: td.Network) -> None:
            tensors = [net.input(name, dtype, shape) for name, (dtype, shape) in inputs.items()]
            for name, t in layers(*tensors).items():
                net.output(name, t)

        return network

    rows = []
    for dtype in (td.float32, td.int32):
        inputs = {"x": (dtype, ("n", 4)), "y": (dtype, ("n", 4)), "k": (dtype, ("m",))}
        rows.append(Row(f"helpers-arrays-{dtype.name}", build(arrays, inputs), dims={"n": (2, 4), "m": (1, 2)},
                        special=False))
    rows.append(Row("helpers-arg-extremes-nan-float32", _each({"x": (td.float32, ("n", 3, 2))}, {
        "argmax": lambda x: td.argmax(x, 1), "argmin": lambda x: td.argmin(x, 1),
        "argmax_flat": lambda x: td.argmax(x), "argmin_flat": lambda x: td.argmin(x, keepdims=True),
    }), values={"x": (-1, 1)}, nan_only=True))
    neural_inputs = {"x": (td.float32, ("batch", "seq", 8)), "images": (td.float32, ("n", 2, 5, 5))}
    rows.append(Row("helpers-neural-float32", build(neural, neural_inputs), values={"x": (-4, 4), "images": (-2, 2)},
                    special=False))
    return rows


# -- Einsum, OneHot, Scatter ----------------------------------------------------------------------------
def einsum_rows() -> list[Row]:
    rows = []
    for dtype in FLOATS:
        variants = {
            "bmm": lambda a, b: td.einsum("nij,njk->nik", a, b),
            "implicit_spaces": lambda a, b: td.einsum("nij, njk", a, b),
            "transpose_sum": lambda a, b: td.einsum("nij->jn", a),
            "ellipsis": lambda a, b: td.einsum("...ij,...jk->...ik", a, b),
            "chain": lambda a, b: td.einsum("nij,njk,nli->lk", a, b, td.transpose(a, (0, 2, 1))),
            "dot": lambda a, b: td.einsum("nij,nij->", a, a),
        }
        tol = {"float16": 1e-2, "bfloat16": 5e-2}
        inputs = {"a": (dtype, ("n", 2, 3)), "b": (dtype, ("n", 3, 4))}
        rows += _variants(f"einsum-{dtype.name}", dtype, inputs, variants, values={"a": (-4, 4), "b": (-4, 4)},
                          special=False, rtol=tol, atol=tol)
    rows.append(Row("einsum-nan-inf-float32", _each({"a": (td.float32, ("n", 3)), "b": (td.float32, (3, 2))},
                                                    {"mm": lambda a, b: td.einsum("ij,jk->ik", a, b)})))
    return rows


def one_hot_rows() -> list[Row]:
    rows = []
    for dtype in FLOATS + INTS + (td.int8, td.bool_):

        def build(net, dtype=dtype):
            i = net.input("i", td.int32, ("n", 3))
            values = net.input("values", dtype, (2,))
            net.output("last", td.one_hot(i, 4, values))
            net.output("first", td.one_hot(i, 5, values, axis=0))
            net.output("middle", td.one_hot(i, 3, values, axis=1))

        # indices in [-6, 6] against depths 3 to 5: negatives that wrap, and indices of no class
        rows.append(Row(f"one-hot-{dtype.name}", build, values={"i": (-6, 6)}))
    return rows


def scatter_rows() -> list[Row]:
    # constant indices without repeats: writes to one element twice are undefined in TensorRT and ONNX
    element = np.array([[[2, -1, 0, 1]], [[0, 1, -2, 3]]])
    rows = []
    for dtype in FLOATS + INTS + (td.int8, td.bool_):
        for idx_type in (np.int32, np.int64):

            def build(net, dtype=dtype, idx_type=idx_type):
                data = net.input("data", dtype, (2, "n", 4))
                net.output("axis2", td.scatter_elements(data, element.astype(idx_type),
                                                        net.input("u_axis2", dtype, (2, 1, 4)), axis=2))
                net.output("axis0", td.scatter_elements(data, np.array([[[1, 0, -1, 0]]], idx_type),
                                                        net.input("u_axis0", dtype, (1, 1, 4))))
                net.output("nd_rows", td.scatter_nd(data, np.array([[1], [-2]], idx_type),
                                                    net.input("u_rows", dtype, (2, "n", 4))))
                net.output("nd_elements", td.scatter_nd(data, np.array([[[0, 0, 3], [1, -1, 0]]], idx_type),
                                                        net.input("u_elements", dtype, (1, 2))))
                net.output("put", td.put_along_axis(data, np.array([[[3]], [[-4]]], idx_type),
                                                    net.input("u_put", dtype, ()), axis=2))

            rows.append(Row(f"scatter-{dtype.name}-{np.dtype(idx_type).name}", build, dims={"n": (1, 3)}))
    return rows


# -- GridSample, LRN, NMS ---------------------------------------------------------------------------------
def detection_rows() -> list[Row]:
    rows = []
    for dtype in FLOATS:

        def samples(net, dtype=dtype):
            x = net.input("x", dtype, ("n", 2, 3, 4))
            grid = net.input("grid", dtype, ("n", 2, 5, 2))
            for mode in ("nearest", "linear", "cubic"):
                for sample_mode in ("fill", "clamp", "reflect"):
                    for align in (False, True):
                        net.output(f"{mode}_{sample_mode}_{align}", td.grid_sample(
                            x, grid, interpolation=mode, sample_mode=sample_mode, align_corners=align))

        values = {"x": (-10, 10), "grid": (-2.5, 2.5)}
        rows.append(Row(f"grid-sample-{dtype.name}", samples, values=values, special=False))
        if dtype is td.float32:
            rows.append(Row("grid-sample-opset20-float32", samples, values=values, special=False, opset=20))

    def lrns(net):
        x = net.input("x", td.float32, ("n", 6, 2, 3))
        for window, alpha, beta, k in ((1, 1e-4, 0.75, 1.0), (3, 0.5, 0.6, 2.0), (5, 2.0, 1.5, 0.5),
                                       (15, 3.0, 0.01, 1e-5)):
            net.output(f"lrn_{window}", td.lrn(x, window, alpha, beta, k))
        net.output("rank3", td.lrn(net.input("y", td.float32, (5, "h", 2)), 3, 0.1, 0.5, 1.0))
        net.output("rank5", td.lrn(net.input("z", td.float32, ("n", 2, 4, 2, 2)), 3, 0.1, 0.5, 1.0))

    # onnxruntime's LRN keeps a running sum of squares along the channels (adding the one entering the window,
    # subtracting the one leaving): relative errors of 1e-5 and more where large squares leave, and NaN for
    # a 0 whose window holds an infinity (inf - inf), where the formula gives 0; so no ±inf, and rtol 1e-4
    rows.append(Row("lrn-float32", lrns, values={"x": (-20, 20), "y": (-20, 20), "z": (-20, 20)}, special=False,
                    rtol=1e-4))

    # onnxruntime orders equal scores of a class as its heap pops them: the scores are distinct constants
    scores = (np.random.default_rng(3).permutation(36).reshape(2, 6, 3) / 36 + 0.01).astype(np.float32)
    for dtype in (td.float32, td.float16):

        def suppressions(net, dtype=dtype):
            boxes = net.input("boxes", dtype, (2, 6, 4))
            per_class = net.input("per_class", dtype, (2, 6, 3, 4))
            k = net.input("k", td.int32, ())
            s = net.constant(scores.astype(dtype.numpy))
            net.output("corner", td.nms(boxes, s, 2, iou_threshold=0.4, score_threshold=0.1))
            net.output("center_int64", td.nms(boxes, s, k, iou_threshold=0.2, box_coding="center",
                                              indices_dtype=td.int64))
            net.output("top5", td.nms(boxes, s, 3, iou_threshold=0.5, topk_box_limit=5))
            net.output("defaults", td.nms(boxes, s, k))
            per_class_nms = td.nms(per_class, s, k, iou_threshold=0.3, score_threshold=0.3, topk_box_limit=7)
            net.output("by_class", per_class_nms)
            net.output("by_class_count", per_class_nms.producer.outputs[1])

        rows.append(Row(f"nms-{dtype.name}", suppressions,
                        values={"boxes": (-4, 8), "per_class": (-4, 8), "k": (-1, 3)}, special=False))
    return rows


# -- ParametricReLU, Scale, ReverseSequence (Assertion has no ONNX form) ----------------------------------
def prelu_scale_reverse_rows() -> list[Row]:
    rows = []
    for dtype in FLOATS:
        slopes = np.array([[-2.0], [0.0], [0.5]], np.float32).astype(dtype.numpy)
        prelu = _one_input(dtype, lambda x, s=slopes: td.prelu(x, s), ("n", 3, 4))
        rows.append(Row(f"prelu-{dtype.name}", prelu))
        # slopes drawn too, finite: ONNX leaves x = 0 with an infinite slope to the runtime
        rows.append(Row(f"prelu-slope-input-{dtype.name}", _two_inputs(dtype, td.prelu, (1, 3)),
                        special=False))

        def scale(net, dtype=dtype):
            x = net.input("x", dtype, ("n", 2, 3, 4))
            grid = np.linspace(-1.5, 1.5, 24, dtype=np.float32).reshape(2, 3, 4)
            net.output("uniform", td.scale(x, shift=-1.0, scale=0.5, power=2.0, mode="uniform",
                                           channel_axis=0))
            net.output("channel", td.scale(x, shift=[0.25, 1.0], scale=[1.5, -2.0], power=[1.0, 3.0]))
            powers = np.where(grid > 0, 0.5, 2.0).astype(np.float32)
            net.output("elementwise", td.scale(x, shift=grid, power=powers, mode="elementwise"))
            net.output("defaults", td.scale(x, mode="elementwise"))

        rows.append(Row(f"scale-{dtype.name}", scale))
    for i, dtype in enumerate(FLOATS + INTS + (td.int8, td.bool_)):

        def reverse(net, dtype=dtype, lens_dtype=INTS[i % 2]):
            x = net.input("x", dtype, (4, "n", 3))
            lens = net.input("lens", lens_dtype, ("n",))
            net.output("time_major", td.reverse_sequence(x, lens))
            net.output("last_axis", td.reverse_sequence(x, lens, sequence_axis=2))

        rows.append(Row(f"reverse-sequence-{dtype.name}", reverse, values={"lens": (0, 3)}))
    return rows


# -- Attention -------------------------------------------------------------------------------------------
def attention_rows() -> list[Row]:
    rows = []
    for dtype in FLOATS:

        def build(net, dtype=dtype):
            q = net.input("q", dtype, ("b", 4, 3, 8))
            kv = [net.input(n, dtype, ("b", 2, "s", 8)) for n in ("k", "v")]
            keep = net.input("keep", td.bool, (1, 4, 3, "s"))
            add = net.input("add", dtype, ("b", 1, 3, "s"))
            net.output("plain", td.attention(q, *kv, decomposable=True))
            net.output("upper_left", td.attention(q, *kv, causal="upper_left"))
            net.output("lower_right", td.attention(q, *kv, causal="lower_right"))
            net.output("bool_mask", td.attention(q, *kv, mask=keep))
            net.output("additive", td.attention(q, *kv, mask=add))
            net.output("unnormalized", td.attention(q, *kv, mask=add, normalization="none"))

        tol = {"float16": 1e-2, "bfloat16": 5e-2}
        rows.append(Row(f"attention-{dtype.name}", build, dims={"b": (1, 2), "s": (3, 5)},
                        values={n: (-2, 2) for n in ("q", "k", "v", "add")}, special=False, rtol=tol, atol=tol))
    return rows


# -- RotaryEmbedding -------------------------------------------------------------------------------------
def rotary_embedding_rows() -> list[Row]:
    rows = []
    for dtype in FLOATS:

        def build(net, dtype=dtype):
            x = net.input("x", dtype, ("b", 3, "s", 8))
            cos, sin = net.input("cos", dtype, ("b", "s", 4)), net.input("sin", dtype, ("b", "s", 4))
            table = [net.input(n, dtype, (6, 2)) for n in ("cos_table", "sin_table")]
            ids = net.input("ids", td.int64, ("b", "s"))
            net.output("halves", td.rotary_embedding(x, cos, sin))
            net.output("interleaved", td.rotary_embedding(x, cos, sin, interleaved=True))
            net.output("partial_ids", td.rotary_embedding(x, *table, position_ids=ids, rotary_dim=4))
            net.output("interleaved_ids", td.rotary_embedding(x, *table, position_ids=ids, rotary_dim=4,
                                                              interleaved=True))

        tol = {"float16": 1e-2, "bfloat16": 5e-2}
        rows.append(Row(f"rotary-embedding-{dtype.name}", build, dims={"b": (1, 2), "s": (1, 4)},
                        values={"ids": (0, 5), "x": (-4, 4), "cos": (-1, 1), "sin": (-1, 1),
                                "cos_table": (-1, 1), "sin_table": (-1, 1)}, special=False, rtol=tol, atol=tol))
    return rows


# -- KVCacheUpdate ---------------------------------------------------------------------------------------
def kv_cache_update_rows() -> list[Row]:
    rows = []
    for dtype in FLOATS:
        for index_type in INTS:

            def build(net, dtype=dtype, index_type=index_type):
                cache = net.input("cache", dtype, ("b", 2, 6, 3))
                update = net.input("update", dtype, ("b", 2, "s", 3))
                net.output("y", td.kv_cache_update(cache, update, net.input("w", index_type, ("b",))))

            # indices from -3 to 8 against 6 positions and 1 to 4 new tokens: writes past both ends
            rows.append(Row(f"kv-cache-update-{dtype.name}-{index_type.name}", build,
                            dims={"b": (1, 3), "s": (1, 4)}, values={"w": (-3, 8)}))
    return rows


# -- RaggedSoftMax ------------------------------------------------------------------------------------------
def ragged_softmax_rows() -> list[Row]:
    rows = []
    for dtype in FLOATS:
        def build(net, dtype=dtype):
            x = net.input("x", dtype, ("n", 3, 5))
            net.output("y", td.ragged_softmax(x, net.input("bounds", td.int32, ("n", 3, 1))))

        rows.append(Row(f"ragged-softmax-{dtype.name}", build, values={"bounds": (0, 5)}, special=False))
    return rows


# -- MoE (the unquantized forms) ----------------------------------------------------------------------------
def moe_rows() -> list[Row]:
    rows = []
    rng = np.random.default_rng(7)
    for dtype in FLOATS:
        w = {name: rng.uniform(-1, 1, shape).astype(np.float32).astype(dtype.numpy) for name, shape in (
            ("gate_weights", (4, 3, 5)), ("up_weights", (4, 3, 5)), ("down_weights", (4, 5, 3)),
            ("gate_biases", (4, 5)), ("up_biases", (4, 5)), ("down_biases", (4, 3)))}

        def build(net, dtype=dtype, w=w):
            x = net.input("x", dtype, ("n", 2, 3))
            experts = net.input("experts", td.int32, ("n", 2, 2))
            scores = net.input("scores", dtype, ("n", 2, 2))
            plain = {k: v for k, v in w.items() if k.endswith("weights")}
            net.output("silu", td.moe(x, experts, scores, **plain))
            net.output("swiglu", td.moe(x, experts, scores, **w, activation="none", swiglu_limit=1.5,
                                        swiglu_alpha=1.702, swiglu_beta=1.0))

        rows.append(Row(f"moe-{dtype.name}", build, values={"experts": (0, 3), "x": (-2, 2), "scores": (0, 1)},
                        special=False))
    return rows


def all_rows() -> list[Row]:
    return (
        activation_rows()
        + unary_rows()
        + elementwise_rows()
        + cast_rows()
        + shuffle_rows()
        + matmul_rows()
        + reduction_rows()
        + data_movement_rows()
        + gather_rows()
        + slice_rows()
        + window_rows()
        + normalization_rows()
        + quantize_rows()
        + region_rows()
        + shape_rows()
        + plugin_rows()
        + helper_rows()
        + einsum_rows()
        + one_hot_rows()
        + scatter_rows()
        + detection_rows()
        + prelu_scale_reverse_rows()
        + attention_rows()
        + rotary_embedding_rows()
        + kv_cache_update_rows()
        + ragged_softmax_rows()
        + moe_rows()
    )
