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
    rtol: Any = None
    atol: Any = None
    opset: int | None = None

    def network(self) -> td.Network:
        net = td.Network(self.id)
        self.build(net)
        return net


def _one_input(dtype: td.DType, layer: Callable[[td.Tensor], Any], shape: tuple = ("n", 3)) -> Callable[[td.Network], None]:
    def build(net: td.Network) -> None:
        result = layer(net.input("x", dtype, shape))
        for i, t in enumerate(result if isinstance(result, tuple) else (result,)):
            net.output(f"y{i}", t)

    return build


def _two_inputs(dtype: td.DType, layer: Callable[[td.Tensor, td.Tensor], Any], b_shape: tuple = ("n", 3)) -> Callable[[td.Network], None]:
    def build(net: td.Network) -> None:
        a = net.input("a", dtype, ("n", 3))
        b = net.input("b", dtype, b_shape)
        net.output("y", layer(a, b))

    return build


# -- Activation -----------------------------------------------------------------------------------------
_A = ActivationType
ACTIVATION_PARAMS: dict[ActivationType, list[tuple[float, float]]] = {
    _A.RELU: [(0.0, 0.0)], _A.SIGMOID: [(0.0, 0.0)], _A.TANH: [(0.0, 0.0)], _A.LEAKY_RELU: [(0.1, 0.0)],
    _A.ELU: [(0.7, 0.0)], _A.SELU: [(1.6732632423543772, 1.0507009873554805)], _A.SOFTSIGN: [(0.0, 0.0)],
    _A.SOFTPLUS: [(1.0, 1.0), (1.5, 0.5)], _A.CLIP: [(-0.5, 2.0)], _A.HARD_SIGMOID: [(0.2, 0.5)],
    _A.SCALED_TANH: [(1.7, 0.6)], _A.THRESHOLDED_RELU: [(0.5, 0.0)], _A.GELU_ERF: [(0.0, 0.0)],
    _A.GELU_TANH: [(0.0, 0.0)],
}


def activation_rows() -> list[Row]:
    rows = []
    for kind, params in ACTIVATION_PARAMS.items():
        for alpha, beta in params:
            for dtype in FLOATS + (INTS if kind is _A.RELU else ()):
                tag = f"activation-{kind.name}-{alpha:g}-{beta:g}-{dtype.name}"
                rows.append(Row(tag, _one_input(dtype, lambda x, k=kind, a=alpha, b=beta: td.activation(x, k, a, b))))
        if kind in (_A.GELU_ERF, _A.GELU_TANH):  # ONNX Gelu exists from opset 20
            rows.append(Row(f"activation-{kind.name}-opset20-float32",
                            _one_input(td.float32, lambda x, k=kind: td.activation(x, k)), opset=20))
    return rows


# -- Unary ----------------------------------------------------------------------------------------------
_U = UnaryOperation
# Inputs inside the op's domain, where both libraries are accurate (NaN outside it is checked separately
# by the rows with special values, which draw from the default range).
UNARY_DOMAIN: dict[UnaryOperation, tuple[float, float]] = {
    _U.TAN: (-1.5, 1.5), _U.SINH: (-10.0, 10.0), _U.COSH: (-10.0, 10.0), _U.EXP: (-20.0, 20.0),
    _U.ASIN: (-1.0, 1.0), _U.ACOS: (-1.0, 1.0), _U.ATANH: (-0.99, 0.99), _U.ACOSH: (1.0, 100.0),
    _U.LOG: (1e-3, 100.0), _U.SQRT: (0.0, 100.0),
}


def unary_rows() -> list[Row]:
    rows = []
    for op in UnaryOperation:
        if op is _U.NOT:
            types: tuple = (td.bool_,)
        elif op in (_U.ABS, _U.SIGN):
            types = FLOATS + INTS
        else:
            types = FLOATS
        for dtype in types:
            build = _one_input(dtype, lambda x, o=op: td.unary(x, o))
            domain = UNARY_DOMAIN.get(op)
            rows.append(Row(f"unary-{op.name}-{dtype.name}", build, values={"x": domain} if domain and dtype.is_float else None,
                            special=domain is None))
            if domain and dtype is td.float32:
                rows.append(Row(f"unary-{op.name}-{dtype.name}-outside", build))
    return rows


# -- ElementWise ----------------------------------------------------------------------------------------
_E = ElementWiseOperation
_FLOAT_OPS = (_E.SUM, _E.SUB, _E.PROD, _E.MAX, _E.MIN, _E.DIV, _E.POW, _E.FLOOR_DIV, _E.EQUAL, _E.GREATER, _E.LESS)
_INT_OPS = (_E.SUM, _E.SUB, _E.PROD, _E.MAX, _E.MIN, _E.DIV, _E.FLOOR_DIV, _E.EQUAL, _E.GREATER, _E.LESS)
_BOOL_OPS = (_E.AND, _E.OR, _E.XOR, _E.EQUAL)


def elementwise_rows() -> list[Row]:
    rows = []
    cases = [(op, d) for op in _FLOAT_OPS for d in FLOATS] + [(op, d) for op in _INT_OPS for d in INTS]
    cases += [(op, td.bool_) for op in _BOOL_OPS]
    for op, dtype in cases:
        layer = lambda a, b, o=op: td.elementwise(a, b, o)  # noqa: E731
        rows.append(Row(f"elementwise-{op.name}-{dtype.name}", _two_inputs(dtype, layer)))
        if dtype in (td.float32, td.int32, td.bool_):
            rows.append(Row(f"elementwise-{op.name}-{dtype.name}-broadcast", _two_inputs(dtype, layer, (1, 3))))
        if dtype in INTS and op in (_E.DIV, _E.FLOOR_DIV):
            info = np.iinfo(dtype.numpy)
            full = (int(info.min), int(info.max))
            rows.append(Row(f"elementwise-{op.name}-{dtype.name}-full-range", _two_inputs(dtype, layer),
                            values={"a": full, "b": full}))
            rows.append(Row(f"elementwise-{op.name}-{dtype.name}-constant-divisor",
                            _one_input(dtype, lambda x, o=op: td.elementwise(x, np.array([3, -4, 7], dtype.numpy), o)),
                            values={"x": full}))
    return rows


# -- Cast, Identity, Constant ---------------------------------------------------------------------------
def cast_rows() -> list[Row]:
    rows = []
    for source in CASTABLE:
        for target in CASTABLE:
            build = _one_input(source, lambda x, t=target: td.cast(x, t))
            rows.append(Row(f"cast-{source.name}-to-{target.name}", build))
            if source.is_float and target.numpy.kind in "iu":
                info = np.iinfo(target.numpy)
                wide = (float(info.min) * 1.5 - 2, float(info.max) * 1.5 + 2)
                rows.append(Row(f"cast-{source.name}-to-{target.name}-saturating", build, values={"x": wide}))
    for dtype in FLOATS + INTS + (td.bool_,):
        rows.append(Row(f"identity-{dtype.name}", _one_input(dtype, td.identity)))
    rows.append(Row("constant-output", lambda net: (net.input("x", td.float32, (2,)),
                                                     net.output("y", net.constant(np.array([1.5, -2.0], np.float32))))))
    rows.append(Row("constant-operand-int64",
                    _one_input(td.int64, lambda x: x * net_const(x, np.array([[2, -3, 5]], np.int64)))))
    return rows


def net_const(like: td.Tensor, values: np.ndarray) -> td.Tensor:
    return like.network.constant(values)


# -- Shuffle, Squeeze, Unsqueeze ------------------------------------------------------------------------
def shuffle_rows() -> list[Row]:
    rows = []
    for dtype in (td.float32, td.int64, td.bool_):
        rows += [
            Row(f"shuffle-transpose-{dtype.name}", _one_input(dtype, lambda x: td.transpose(x), ("n", 3, 2))),
            Row(f"shuffle-all-three-{dtype.name}",
                _one_input(dtype, lambda x: td.shuffle(x, (2, 0, 1), (0, -1), (1, 0)), (2, "n", 3))),
            Row(f"shuffle-placeholder-{dtype.name}", _one_input(dtype, lambda x: td.shuffle(x, reshape=(0, 3, 2)), ("n", 6))),
            Row(f"shuffle-zero-length-{dtype.name}",
                _one_input(dtype, lambda x: td.shuffle(x, reshape=(0, 3), zero_is_placeholder=False), (0, 3))),
            Row(f"squeeze-{dtype.name}", _one_input(dtype, lambda x: td.squeeze(x, (0, 2)), (1, "n", 1))),
            Row(f"unsqueeze-{dtype.name}", _one_input(dtype, lambda x: td.unsqueeze(x, (0, 3)), ("n", 3))),
            Row(f"reshape-{dtype.name}", _one_input(dtype, lambda x: x.reshape(x.shape[0], 3, 2), ("n", 6))),
        ]
    return rows


def all_rows() -> list[Row]:
    return activation_rows() + unary_rows() + elementwise_rows() + cast_rows() + shuffle_rows()
