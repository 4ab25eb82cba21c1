"""IRotaryEmbeddingLayer: rotary position embedding (RoPE, arXiv 2104.09864) of ``x[B, N, S, H]``.

The first ``R`` features of each head (``R = rotary_dim``; 0 means all ``H``) are taken as ``R/2`` pairs and
each pair is rotated by the angle whose cosine and sine the caches hold for that batch item and token; the
other ``H - R`` features pass through::

    c, s = cos[:, None], sin[:, None]              # [B, 1, S, R/2]: shared by every head
    # or, with position_ids [B, S]: c, s = cos[position_ids][:, None], sin[position_ids][:, None]
    a, b = x[..., :R // 2], x[..., R // 2:R]       # interleaved=True: a, b = x[..., 0:R:2], x[..., 1:R:2]
    out = x.copy()
    out[..., :R // 2], out[..., R // 2:R] = a * c - b * s, b * c + a * s   # (interleaved: 0:R:2, 1:R:2)

Sources: NvInfer.h (11.1 L7446-L7519 and L9668-L9690; 10.16 L7386-L7459 and L9565-L9587): the inputs (x,
the cosine and sine caches, optional ``positionIds`` at input 3), the caches' shapes ``[B, S, R/2]``, or
``[maxPositionId + 1, R/2]`` indexed by ``positionIds[B, S]``, ``interleaved`` (the rotated pairs are
adjacent features) and ``rotaryEmbeddingDim`` (non-negative and even, 0 for ``H``). TensorRT's Operators
reference (RotaryEmbedding) gives the types: x and the caches share float32, float16 or bfloat16, position
ids are int64; the output has x's shape and type.

The rotation itself is not written in TensorRT's text, which points to the RoPE paper. trtdsl computes ONNX
RotaryEmbedding's formula (opset 23, above), the operator TensorRT's ONNX parser maps onto this layer and
the paper's rotation of each pair ``(a, b)`` by the angle θ: ``(a cos θ - b sin θ, b cos θ + a sin θ)``
(UNCONFIRMED for TensorRT's kernel; an engine run would settle the pairing, which NvInfer.h only names).
16-bit inputs are computed in float32 and rounded once (UNCONFIRMED). A position id outside the cache is
undocumented: the reference raises an ExecutionError naming it.

>>> import numpy as np, trtdsl as td
>>> net = td.Network("rope")
>>> x = net.input("x", td.float32, (1, 1, 2, 4))
>>> angle = np.array([[[0.0, 0.0], [np.pi / 2, 0.0]]], np.float32)     # token 1: first pair by 90°
>>> net.output("y", td.rotary_embedding(x, np.cos(angle), np.sin(angle)))
>>> net.run({"x": np.array([[[[1, 2, 3, 4], [1, 2, 3, 4]]]], np.float32)})["y"].round(6)
array([[[[ 1.,  2.,  3.,  4.],
         [-3.,  2.,  1.,  4.]]]], dtype=float32)
"""

from __future__ import annotations

from typing import Any

import attrs
import numpy as np

from trtdsl import dtypes
from trtdsl.errors import DTypeError, ExecutionError, ShapeError, bad_argument
from trtdsl.ir.dims import DimLike
from trtdsl.ir.op import Inputs, Op
from trtdsl.ir.tensor import Tensor
from trtdsl.ir.types import TensorType
from trtdsl.layers._common import (
    as_tensor, expect_bool, expect_rank, expect_tensor, in_float, is_int,
)

__all__ = ["RotaryEmbedding", "rotary_embedding"]

MAX_ROTARY_DIM = 2**31 - 2  # an even int32


def _fits(a: DimLike, b: DimLike) -> bool:
    """Whether two dims may be equal: equal, or an int against a named dim (known at run time)."""
    return a == b or isinstance(a, int) != isinstance(b, int)


@attrs.frozen
class RotaryEmbedding(Op):
    """RoPE of ``x[B, N, S, H]`` over its first ``rotary_dim`` features (0: all), in half-split or
    interleaved pairs (see the module doc)."""

    kind = "RotaryEmbedding"
    docs_row = (  # docs/layers.md: DSL functions, TensorRT layer, semantics that differ from NumPy, sources
        "`td.rotary_embedding`",
        "`IRotaryEmbeddingLayer`",
        "RoPE of `x[B, N, S, H]`: pairs `(a, b)` of the first `rotary_dim` features (0 / `None`: all; even) "
        "become `(a*cos - b*sin, b*cos + a*sin)`, the rest pass through. Pairs are `(k, k + R/2)`, or "
        "adjacent `(2k, 2k+1)` with `interleaved=True`. Caches `[B, S, R/2]`, or `[positions, R/2]` rows "
        "picked by int64 `position_ids [B, S]`. The rotation and pairing are ONNX RotaryEmbedding's "
        "(TensorRT's text only cites the RoPE paper: *UNCONFIRMED*); 16-bit computed in float32; a position "
        "id outside the caches is an `ExecutionError` (*UNCONFIRMED*).",
        "NvInfer.h `IRotaryEmbeddingLayer`, `addRotaryEmbedding`; Operators reference (types); ONNX "
        "RotaryEmbedding (opset 23)",
    )
    input_names = ("x", "cos", "sin", "position_ids?")
    input_dtypes = {"x": dtypes.FLOATS, "position_ids": (dtypes.int64,)}
    interleaved: bool = False
    rotary_dim: int = 0

    def infer(self, inputs: Inputs) -> tuple[TensorType, ...]:
        x, cos, sin = inputs
        ids = inputs.all[3]
        label = self.label()
        if not isinstance(self.interleaved, bool):
            raise bad_argument(label, "interleaved", self.interleaved, "a bool")
        expect_rank(label, "x", x, (4,), "rank 4: [batch, heads, tokens, head size]")
        head = x.shape[3]
        if not is_int(self.rotary_dim) or not (0 <= self.rotary_dim <= MAX_ROTARY_DIM and self.rotary_dim % 2 == 0):
            raise bad_argument(label, "rotary_dim", self.rotary_dim, "an even int >= 0 (0: the whole head)")
        rotary: DimLike = self.rotary_dim or head
        if isinstance(head, int) and (self.rotary_dim > head or head % 2 and not self.rotary_dim):
            raise ShapeError(f"{label}: the head size is {head}; expected an even head size or a rotary_dim "
                             f"<= it (rotary_dim is {self.rotary_dim})")
        half = rotary // 2
        if ids is None:
            want: tuple[DimLike | None, ...] = (x.shape[0], x.shape[2], half)
            form = "[B, S, R/2]"
        else:
            if ids.rank != 2 or not (_fits(ids.shape[0], x.shape[0]) and _fits(ids.shape[1], x.shape[2])):
                raise ShapeError(f"{label}: input 'position_ids' has shape {ids.shape_text}; expected [B, S] = "
                                 f"[{x.shape[0]}, {x.shape[2]}]")
            want, form = (None, half), "[positions, R/2]"  # any number of positions
        for arg, cache in (("cos", cos), ("sin", sin)):
            if cache.dtype != x.dtype:
                raise DTypeError(f"{label}: input '{arg}' has dtype {cache.dtype.name}; expected x's dtype "
                                 f"{x.dtype.name}")
            if cache.rank != len(want) or not all(w is None or _fits(a, w) for a, w in zip(cache.shape, want)):
                raise ShapeError(f"{label}: input '{arg}' has shape {cache.shape_text}; expected {form} with R = "
                                 f"{rotary}")
        if not all(_fits(a, b) for a, b in zip(cos.shape, sin.shape)):
            raise ShapeError(f"{label}: cos {cos.shape_text} and sin {sin.shape_text} differ")
        return (x,)

    def reference(self, x: np.ndarray, cos: np.ndarray, sin: np.ndarray,
                  position_ids: np.ndarray | None = None) -> tuple[np.ndarray, ...]:
        if position_ids is not None:
            bad = (position_ids < 0) | (position_ids >= cos.shape[0])
            if bad.any():
                raise ExecutionError(f"{self.label()}: position id {int(position_ids[bad][0])} is outside the "
                                     f"caches' {cos.shape[0]} positions")
            cos, sin = cos[position_ids], sin[position_ids]
        return (in_float(self._rotate, x.dtype, x, cos, sin),)

    def _rotate(self, x: np.ndarray, cos: np.ndarray, sin: np.ndarray) -> np.ndarray:
        rotary = self.rotary_dim or x.shape[3]
        if self.interleaved:
            first, second = slice(0, rotary, 2), slice(1, rotary, 2)
        else:
            first, second = slice(0, rotary // 2), slice(rotary // 2, rotary)
        c, s = cos[:, None], sin[:, None]
        a, b = x[..., first], x[..., second]
        out = x.copy()
        out[..., first] = a * c - b * s
        out[..., second] = b * c + a * s
        return out


def rotary_embedding(x: Tensor, cos: Any, sin: Any, *, position_ids: Tensor | None = None,
                     interleaved: bool = False, rotary_dim: int | None = None, name: str | None = None) -> Tensor:
    """Rotary position embedding of ``x [B, N, S, H]``: feature pairs ``(a, b)`` of the first ``rotary_dim``
    features (all by default) become ``(a*cos - b*sin, b*cos + a*sin)``. Pairs are ``(k, k + R/2)``, or
    adjacent ``(2k, 2k + 1)`` with ``interleaved=True``. ``cos``/``sin`` (x's dtype; arrays become
    constants) are ``[B, S, R/2]``, or ``[positions, R/2]`` rows picked by int64 ``position_ids [B, S]``.

    >>> import numpy as np, trtdsl as td
    >>> net = td.Network("rope")
    >>> x = net.input("x", td.float32, (1, 1, 1, 4))
    >>> pos = net.input("pos", td.int64, (1, 1))
    >>> angles = np.array([[0.0], [np.pi]], np.float32)                 # two positions, R = 2
    >>> y = td.rotary_embedding(x, np.cos(angles), np.sin(angles), position_ids=pos, rotary_dim=2)
    >>> net.output("y", y)
    >>> net.run({"x": np.array([[[[1, 2, 3, 4]]]], np.float32), "pos": np.array([[1]])})["y"].round(6)
    array([[[[-1., -2.,  3.,  4.]]]], dtype=float32)
    """
    fn = "rotary_embedding"
    x = expect_tensor(fn, "x", x)
    cos_t, sin_t = as_tensor(fn, "cos", cos, x), as_tensor(fn, "sin", sin, x)
    ids = None if position_ids is None else expect_tensor(fn, "position_ids", position_ids)
    if rotary_dim is not None and (not is_int(rotary_dim) or rotary_dim <= 0 or rotary_dim % 2):
        raise bad_argument(fn, "rotary_dim", rotary_dim, "a positive even int, or None for the whole head")
    op = RotaryEmbedding(expect_bool(fn, "interleaved", interleaved), 0 if rotary_dim is None else int(rotary_dim))
    inputs = (x, cos_t, sin_t) if ids is None else (x, cos_t, sin_t, ids)
    return x.network.add1(op, inputs, name=name)
