"""ISqueezeLayer and IUnsqueezeLayer: dims of 1 removed and inserted, and NumPy-style rank broadcasting
made explicit with them (TensorRT's layers need inputs of equal ranks).

>>> import numpy as np, trtdsl as td
>>> net = td.Network("sq")
>>> x = net.input("x", td.float32, (3, 1))
>>> net.output("y", td.unsqueeze(td.squeeze(x, 1), 0))
>>> net.run({"x": np.array([[1], [2], [3]], np.float32)})["y"]
array([[1., 2., 3.]], dtype=float32)
"""

from __future__ import annotations

from typing import Sequence

import attrs
import numpy as np

from trtdsl.errors import ShapeError
from trtdsl.ir.dims import int_tuple
from trtdsl.ir.op import Inputs, Op
from trtdsl.ir.tensor import Tensor
from trtdsl.ir.types import TensorType
from trtdsl.layers._common import expect_tensor, normalize_axes

__all__ = ["Squeeze", "Unsqueeze", "expand_dims", "squeeze", "unsqueeze"]


@attrs.frozen
class Squeeze(Op):
    """``np.squeeze(x, axes)``; every listed dim must be 1."""

    kind = "Squeeze"
    docs_row = (  # docs/layers.md: DSL functions, TensorRT layer, semantics that differ from NumPy, sources
        "`td.squeeze`",
        "`ISqueezeLayer`",
        "Listed dims must be 1; `axis=None` squeezes static dims of 1 only.",
        "NvInfer.h `addSqueeze`",
    )
    input_names = ("x",)
    axes: tuple[int, ...] = attrs.field(converter=int_tuple)

    def infer(self, inputs: Inputs) -> tuple[TensorType, ...]:
        (x,) = inputs
        axes = normalize_axes(self.label(), self.axes, x.rank, "axes")
        for a in axes:
            if x.shape[a] != 1:
                raise ShapeError(f"{self.label()}: dim {a} of input shape {x.shape_text} is {x.shape[a]}; squeezed dims must be 1")
        return (TensorType(x.dtype, tuple(d for i, d in enumerate(x.shape) if i not in axes)),)

    def reference(self, x: np.ndarray) -> tuple[np.ndarray, ...]:
        return (np.squeeze(x, self.axes),)


@attrs.frozen
class Unsqueeze(Op):
    """``np.expand_dims(x, axes)``; axes index the output (rank + len(axes))."""

    kind = "Unsqueeze"
    docs_row = (  # docs/layers.md: DSL functions, TensorRT layer, semantics that differ from NumPy, sources
        "`td.unsqueeze`, `td.expand_dims`",
        "`IUnsqueezeLayer`",
        "Axes index the output (`np.expand_dims`).",
        "NvInfer.h `addUnsqueeze`",
    )
    input_names = ("x",)
    axes: tuple[int, ...] = attrs.field(converter=int_tuple)

    def infer(self, inputs: Inputs) -> tuple[TensorType, ...]:
        (x,) = inputs
        rank = x.rank + len(self.axes)
        axes = normalize_axes(self.label(), self.axes, rank, "axes")
        dims = iter(x.shape)
        return (TensorType(x.dtype, tuple(1 if i in axes else next(dims) for i in range(rank))),)

    def reference(self, x: np.ndarray) -> tuple[np.ndarray, ...]:
        return (np.expand_dims(x, self.axes),)


def squeeze(x: Tensor, axis: int | Sequence[int] | None = None, *, name: str | None = None) -> Tensor:
    """``np.squeeze(x, axis)``; ``axis=None`` squeezes every static dim of 1."""
    x = expect_tensor("squeeze", "x", x)
    if axis is None:
        axes = tuple(i for i, d in enumerate(x.shape) if d == 1)
    else:
        axes = normalize_axes("squeeze", axis, x.ndim)
    return x.network.add1(Squeeze(axes), (x,), name=name)


def unsqueeze(x: Tensor, axis: int | Sequence[int], *, name: str | None = None) -> Tensor:
    """``np.expand_dims(x, axis)``: new dims of 1 at ``axis`` (indices into the output)."""
    x = expect_tensor("unsqueeze", "x", x)
    items = tuple(axis) if isinstance(axis, (tuple, list)) else (axis,)
    axes = normalize_axes("unsqueeze", items, x.ndim + len(items))
    return x.network.add1(Unsqueeze(axes), (x,), name=name)


expand_dims = unsqueeze


def align_ranks(tensors: Sequence[Tensor]) -> list[Tensor]:
    """NumPy-style rank broadcasting made explicit: lower-rank tensors get leading dims of 1 through an
    Unsqueeze layer, as TensorRT needs equal ranks."""
    rank = max(t.ndim for t in tensors)
    return [t if t.ndim == rank else unsqueeze(t, tuple(range(rank - t.ndim))) for t in tensors]
