"""What the IR knows about the value of a 0-D int tensor (a trip count or a concatenation length).

A loop output of kind CONCATENATE/REVERSE gets a new dim whose size is the *value* of its length
input. The IR records that size in the op (``LoopOutputLayer.length``) so every tensor keeps a known
shape: an int when the length is a constant, the input's dim when the length is read from a shape
(``td.take(td.shape_of(x), i)``), else a dim named after the tensor (``%n``), bound when the network
runs.

>>> import numpy as np, trtdsl as td
>>> net = td.Network("v")
>>> x = net.input("x", td.float32, ("T", 3))
>>> n = net.input("n", td.int32, ())
>>> length_dim(net.constant(np.int32(5))), length_dim(td.take(td.shape_of(x), 0)), length_dim(n)
(5, Dim('T'), Dim('%n'))
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from trtdsl.ir.dims import Dim, DimLike, combine
from trtdsl.ir.tensor import Tensor

if TYPE_CHECKING:  # the layers are defined above this package: it tells them by kind
    from trtdsl.layers.constant import Constant
    from trtdsl.layers.elementwise import ElementWise

# ElementWise operations on dims the IR can fold (ints and named dims).
_FOLDS = {"SUM": "+", "SUB": "-", "PROD": "*", "FLOOR_DIV": "//"}


def known_value(t: Tensor) -> DimLike | None:
    """The value of the 0-D integer tensor ``t`` when the IR can tell it (from constants, the dims a
    Shape layer reads, and + - * // of those), else None."""
    if t.ndim != 0 or not t.dtype.is_integer:
        return None
    node = t.producer
    if node is None:
        return None
    kind = node.op.kind
    if kind == "Constant":
        return int(cast("Constant", node.op).weights.array)
    if kind in ("Identity", "Cast", "ConditionalInput"):
        return known_value(node.input(0))
    if kind == "Gather":
        return _shape_element(node)
    operation = cast("ElementWise", node.op).op.name if kind == "ElementWise" else None
    if operation in _FOLDS:
        a, b = known_value(node.input(0)), known_value(node.input(1))
        if a is None or b is None:
            return None
        if operation == "FLOOR_DIV" and b == 0:
            return None
        return combine(_FOLDS[operation], a, b)
    return None


def _shape_element(node: object) -> DimLike | None:
    """``x.shape[i]`` for ``take(shape_of(x), i)`` with a constant ``i``."""
    op, (data, index) = node.op, node.inputs  # type: ignore[attr-defined]
    source = data.producer
    if (source is None or source.op.kind != "Shape" or op.mode.name != "DEFAULT" or op.axis != 0
            or op.num_elementwise_dims != 0):
        return None
    i = known_value(index)
    shape = source.inputs[0].shape
    if not isinstance(i, int) or not -len(shape) <= i < len(shape):
        return None
    return shape[i]


def length_dim(t: Tensor) -> DimLike:
    """The size of the dim a CONCATENATE/REVERSE loop output of length ``t`` adds: ``t``'s known value,
    else the dim ``%<name of t>``."""
    value = known_value(t)
    return value if value is not None else Dim.symbol(f"%{t.name}")
