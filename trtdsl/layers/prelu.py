"""IParametricReLULayer: a leaky ReLU whose negative slope varies from element to element.

``np.where(x < 0, slope * x, x)``, with ``slope`` broadcast to ``x``: the same rank as ``x``, each dim
equal to ``x``'s or 1 ("unidirectionally broadcastable": NvInfer.h of TensorRT 11.1, ``addParametricReLU``
at line 9022, ``IParametricReLULayer`` at line 3881; the Python API's ``IParametricReLULayer`` doc says
"the rank of the two tensors must be the same"). The output has ``x``'s shape and dtype. Types: float32, float16, bfloat16 (NvInfer.h forbids Int32, Int64, Bool and
UInt8 inputs; the Operators reference also lists int8, a quantized type trtdsl does not compute
with); ``slope`` has ``x``'s dtype.

Elements that are not negative pass through unchanged (the Python API: "input elements are multiplied
with the slopes where the input is negative"), so a NaN stays NaN and -0.0 stays -0.0. TensorRT does not
document NaN inputs; this reading follows its description as a selection, as ONNX PRelu is defined
(*UNCONFIRMED*: a kernel written as ``max(x, 0) + slope * min(x, 0)`` would give 0 for NaN, as RELU's
maximum reading does; an engine run on NaN would settle it).

>>> import numpy as np, trtdsl as td
>>> net = td.Network("prelu")
>>> x = net.input("x", td.float32, (2, 3))
>>> net.output("y", td.prelu(x, [[0.5], [2.0]]))      # one slope per row
>>> net.run({"x": np.array([[-2, 0, 3], [-1, -4, 1]], np.float32)})["y"]
array([[-1.,  0.,  3.],
       [-2., -8.,  1.]], dtype=float32)
"""

from __future__ import annotations

from typing import Any

import attrs
import numpy as np

from trtdsl import dtypes
from trtdsl.errors import DTypeError, ShapeError
from trtdsl.ir.op import Inputs, Op
from trtdsl.ir.tensor import Tensor
from trtdsl.ir.types import TensorType
from trtdsl.layers._common import as_tensor, broadcasts_to, expect_tensor, in_float, ndim_of, select
from trtdsl.layers.squeeze import align_ranks

__all__ = ["ParametricReLU", "prelu"]


@attrs.frozen
class ParametricReLU(Op):
    """``np.where(x < 0, slope * x, x)``; ``slope`` has ``x``'s rank and dtype, each dim 1 or ``x``'s."""

    kind = "ParametricReLU"
    docs_row = (  # docs/layers.md: DSL functions, TensorRT layer, semantics that differ from NumPy, sources
        "`td.prelu`",
        "`IParametricReLULayer`",
        "`np.where(x < 0, slope * x, x)`; the slope has x's dtype and rank (lower ranks get leading 1s), "
        "each dim 1 or x's (NvInfer.h `addParametricReLU`); floats only. NaN and -0.0 pass through "
        "unchanged (*UNCONFIRMED*, read from the Python API's \"multiplied with the slopes where the input "
        "is negative\").",
        "NvInfer.h `IParametricReLULayer`, Python API docs",
    )
    input_names = ("x", "slope")
    input_dtypes = {"x": dtypes.FLOATS}
    name_stem = "prelu"

    def infer(self, inputs: Inputs) -> tuple[TensorType, ...]:
        x, slope = inputs
        label = self.label()
        if slope.dtype != x.dtype:
            raise DTypeError(f"{label}: input 'slope' has dtype {slope.dtype.name} but x has {x.dtype.name}; "
                             "TensorRT networks are strongly typed, so they must be the same")
        if slope.rank != x.rank or not all(broadcasts_to(s, d) for s, d in zip(slope.shape, x.shape)):
            raise ShapeError(f"{label}: input 'slope' has shape {slope.shape_text}; expected rank {x.rank} "
                             f"with each dim 1 or equal to that of x {x.shape_text}")
        return (x,)

    def reference(self, x: np.ndarray, slope: np.ndarray) -> tuple[np.ndarray, ...]:
        return (in_float(_prelu, x.dtype, x, slope),)


def _prelu(x: np.ndarray, slope: np.ndarray) -> np.ndarray:
    return select(x < 0, slope * x, x)


def prelu(x: Tensor, slope: Any, *, name: str | None = None) -> Tensor:
    """``np.where(x < 0, slope * x, x)`` as one IParametricReLULayer (``torch.nn.functional.prelu``, ONNX
    PRelu). ``slope`` is a tensor, number or array of ``x``'s dtype that broadcasts to ``x`` without
    changing its shape; a lower rank gets leading 1s, as in NumPy (an Unsqueeze layer, or a reshaped
    constant), so per-channel slopes of an NCHW ``x`` have shape ``(C, 1, 1)``.

    >>> import numpy as np, trtdsl as td
    >>> net = td.Network("prelu")
    >>> x = net.input("x", td.float32, ("n", 2, 1, 2))
    >>> net.output("y", td.prelu(x, np.array([0.1, 3.0], np.float32).reshape(2, 1, 1)))
    >>> net.run({"x": np.full((1, 2, 1, 2), -1, np.float32)})["y"].ravel()
    array([-0.1, -0.1, -3. , -3. ], dtype=float32)
    """
    x = expect_tensor("prelu", "x", x)
    if ndim_of("prelu", "slope", slope) > x.ndim:
        shape = slope.type.shape_text if isinstance(slope, Tensor) else np.shape(slope)
        raise ShapeError(f"prelu: argument 'slope' has shape {shape}; expected at most the rank of x "
                         f"{x.type.shape_text} ({x.ndim}), broadcasting to x")
    s = as_tensor("prelu", "slope", slope, x, x.ndim)
    _, s = align_ranks((x, s))
    return x.network.add1(ParametricReLU(), (x, s), name=name)
