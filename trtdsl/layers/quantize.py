"""IQuantizeLayer, IDequantizeLayer and IDynamicQuantizeLayer: explicit quantization (Q/DQ).

TensorRT quantizes symmetrically (``docs/semantics.md``; NvInfer.h; TensorRT's
"Quantization Schemes" page). With ``s`` the scale broadcast to ``x``'s shape:

=============  ==============================================================================
Q to int8      ``np.clip(np.rint(x / s), -128, 127).astype(np.int8)`` (``np.rint`` rounds half to even)
Q to int4      ``np.clip(np.rint(x / s), -8, 7).astype(ml_dtypes.int4)``
Q to fp8       ``np.clip(x / s, -448, 448).astype(ml_dtypes.float8_e4m3fn)``: clipped first, so it saturates
               and never gives NaN for large values; the cast rounds to nearest, ties to even
Q to fp4       ``np.clip(x / s, -6, 6).astype(ml_dtypes.float4_e2m1fn)`` (E2M1: 0, 0.5, 1, 1.5, 2, 3, 4, 6)
DQ             ``(q.astype(np.float32) * s).astype(dtype)``, dtype float32, float16 or bfloat16
=============  ==============================================================================

``x / s`` is computed in float32 (16-bit inputs are widened first, as TensorRT's kernels do).

Readings of what TensorRT leaves open (UNCONFIRMED: no TensorRT document says; an engine run quantizing
±7 (fp4), NaN, and dequantizing to float16 would settle them), used consistently here:

- FP4 clamps at +-6, the E2M1 maximum, and rounds ties to even (as for FP8).
- NaN quantizes to NaN for FP8 (E4M3 has a NaN) and to 0 for INT8, INT4 and FP4 (which have none).
- DQ multiplies in float32 and rounds once to the output type.

The scale has one of three granularities:

- **per-tensor** (``axis=None``): one coefficient (shape ``()`` or ``(1,)``);
- **per-channel** (``axis=k``): shape ``(x.shape[k],)``, ``s = scale`` along dim ``k``. TensorRT allows it
  only for weights, i.e. inputs computed from constants;
- **block** (``block_shape=b``, one entry per dim of ``x``, ``-1`` for the whole dim; implied by a scale
  of ``x``'s rank, as in TensorRT): ``scale.shape[i] == x.shape[i] // b[i]`` and
  ``s[..., i, ...] = scale[..., i // b[i], ...]``. Blocks may span more than one element only along the
  last two dims.

Scale coefficients must be finite and strictly positive; scales are float32, the input's 16-bit float
type (Q) or the output's (DQ), or e8m0 (power-of-two scales of block-quantized FP8/FP4). TensorRT accepts
a zero point only if it is a constant of zeros (symmetric quantization).

>>> import numpy as np, trtdsl as td
>>> net = td.Network("q")
>>> x = net.input("x", td.float32, (6,))
>>> q = td.quantize(x, 0.5)
>>> net.output("q", q)
>>> net.output("y", td.dequantize(q, 0.5))
>>> out = net.run({"x": np.array([0.25, 0.75, -0.25, 1.0, 100.0, -100.0], np.float32)})
>>> out["q"]
array([   0,    2,    0,    2,  127, -128], dtype=int8)
>>> out["y"]
array([  0. ,   1. ,   0. ,   1. ,  63.5, -64. ], dtype=float32)
"""

from __future__ import annotations

import math
from typing import Any, Sequence

import attrs
import numpy as np

from trtdsl import dtypes
from trtdsl.dtypes import DType
from trtdsl.errors import DTypeError, ExecutionError, ShapeError, bad_argument
from trtdsl.ir.dims import DimLike, int_tuple
from trtdsl.ir.op import Inputs, Op, ir
from trtdsl.ir.tensor import Tensor
from trtdsl.ir.types import TensorType
from trtdsl.layers._common import array_of, expect_tensor, normalize_axis, static_ints
from trtdsl.layers.constant import Constant
from trtdsl.shapes.values import fold_constant, is_build_time_constant

__all__ = [
    "Quantize", "Dequantize", "DynamicQuantize", "quantize", "dequantize", "fake_quant", "dynamic_quantize",
    "dynamic_quantize_v1",
]

QUANTIZED: tuple[DType, ...] = (dtypes.int8, dtypes.float8_e4m3, dtypes.int4, dtypes.float4_e2m1)
"""The types Q produces and DQ consumes."""

LIMITS: dict[DType, float] = {
    dtypes.int8: 127.0, dtypes.int4: 7.0, dtypes.float8_e4m3: 448.0, dtypes.float4_e2m1: 6.0,
}
"""The largest magnitude of each quantized type (the negative side of int8/int4 reaches one further)."""

DYNAMIC_TYPES: tuple[DType, ...] = (dtypes.float4_e2m1, dtypes.float8_e4m3, dtypes.int8)
DYNAMIC_SCALE_TYPES: tuple[DType, ...] = (dtypes.float8_e4m3, dtypes.e8m0, dtypes.float32)
V1_TYPES: tuple[DType, ...] = (dtypes.float4_e2m1, dtypes.float8_e4m3)
V1_SCALE_TYPES: tuple[DType, ...] = (dtypes.float8_e4m3, dtypes.e8m0)
V1_BLOCK_SIZES = (16, 32)

def _names(types: Sequence[DType]) -> str:
    return ", ".join(d.name for d in types)


def saturate(values: np.ndarray, to: DType) -> np.ndarray:
    """``values`` (float32) clamped to ``to``'s range and rounded to nearest, ties to even, as Q does.

    >>> saturate(np.array([0.5, 1.5, -200.0, np.nan], np.float32), dtypes.int8)
    array([   0,    2, -128,    0], dtype=int8)
    """
    low = -128.0 if to is dtypes.int8 else -8.0 if to is dtypes.int4 else -LIMITS[to]
    clipped = np.clip(values, low, LIMITS[to])
    if to is dtypes.float8_e4m3:
        return clipped.astype(to.numpy)
    if to is not dtypes.float4_e2m1:
        clipped = np.rint(clipped)
    # INT8, INT4 and FP4 have no NaN: the reference maps it to 0 (its chosen reading)
    return np.where(np.isnan(clipped), np.float32(0), clipped).astype(to.numpy)


# -- granularity -------------------------------------------------------------------------------------


def block_sizes(label: str, block_shape: tuple[int, ...], x: TensorType) -> tuple[DimLike, ...]:
    """Each dim's block extent (``-1`` resolved to the whole dim), validated against TensorRT's rules:
    blocks span more than one element only along the last two dims, and blocked dims are static
    multiples of their block."""
    if len(block_shape) != x.rank:
        raise ShapeError(f"{label}: block_shape {block_shape} has {len(block_shape)} dims; expected one per "
                         f"dim of the input {x.shape_text}")
    sizes: list[DimLike] = []
    for i, (b, d) in enumerate(zip(block_shape, x.shape)):
        if b == 0 or b < -1:
            raise ShapeError(f"{label}: block_shape {block_shape} has {b} at dim {i}; expected a positive "
                             "int or -1 (the whole dim)")
        size = d if b == -1 else b
        if size != 1 and i < x.rank - 2:
            raise ShapeError(f"{label}: block_shape {block_shape} blocks dim {i} of {x.shape_text}; TensorRT "
                             "blocks only the last two dims (use 1 for the others)")
        if b > 1:
            if not isinstance(d, int):
                raise ShapeError(f"{label}: dim {i} of the input {x.shape_text} is dynamic; blocked dims "
                                 "must be static")
            if d % b:
                raise ShapeError(f"{label}: dim {i} of the input {x.shape_text} is {d}, not a multiple of "
                                 f"its block size {b}")
        sizes.append(size)
    return tuple(sizes)


def _scale_shape(x: TensorType, sizes: tuple[DimLike, ...]) -> tuple[DimLike, ...]:
    return tuple(d if b == 1 else 1 if b == d else d // b for d, b in zip(x.shape, sizes))


def one_coefficient(x: TensorType, scale: TensorType) -> bool:
    """Whether ``scale`` is per-tensor: one coefficient, of rank 0 or 1 or the input's rank (TensorRT
    ignores the axis of a one-coefficient scale)."""
    return math.prod(scale.shape) == 1 and (scale.rank <= 1 or scale.rank == x.rank)


def inferred_block_shape(label: str, x: TensorType, scale: TensorType) -> tuple[int, ...]:
    """The blocks TensorRT reads from the shapes when a scale has the input's rank but no block shape is
    set: ``x.shape[i] // scale.shape[i]`` along each dim."""
    blocks = []
    for i, (d, n) in enumerate(zip(x.shape, scale.shape)):
        if n == d:
            blocks.append(1)
        elif isinstance(d, int) and isinstance(n, int) and n > 0 and d % n == 0:
            blocks.append(d // n)
        else:
            raise ShapeError(f"{label}: input 'scale' has shape {scale.shape_text}, which does not divide "
                             f"dim {i} of the input {x.shape_text} into blocks")
    return tuple(blocks)


def _check_scale(label: str, axis: int, blocks: tuple[int, ...], x: TensorType, scale: TensorType,
                 zero_point: TensorType | None) -> None:
    """The scale (and zero point) shapes against the granularity: per-tensor, per-channel or block. A scale
    may have dynamic dims where the data has the same ones (block scales computed by dynamic quantization
    of an input with a dynamic batch)."""
    # NvInfer.h also limits scales to rank 2, but says block scales have the input's rank, and dynamic
    # quantization of 3-D inputs makes 3-D ones: trtdsl reads the rank limit as not applying to blocks.
    if blocks:
        expected = _scale_shape(x, block_sizes(label, blocks, x))
        if scale.shape != expected:
            shown = "(" + ", ".join(str(d) for d in expected) + ("," if len(expected) == 1 else "") + ")"
            raise ShapeError(f"{label}: input 'scale' has shape {scale.shape_text}; block_shape "
                             f"{blocks} on an input of shape {x.shape_text} needs {shown}")
    elif one_coefficient(x, scale):
        pass
    elif axis == -1:
        raise ShapeError(f"{label}: input 'scale' has shape {scale.shape_text} but no axis is set; a "
                         "per-tensor scale has one coefficient (give axis for per-channel or block_shape "
                         "for block scales)")
    else:
        if not 0 <= axis < x.rank:
            raise ShapeError(f"{label}: axis {axis} is out of range for the input {x.shape_text}")
        if scale.rank != 1 or scale.shape[0] != x.shape[axis]:
            raise ShapeError(f"{label}: input 'scale' has shape {scale.shape_text}; per-channel scales along "
                             f"axis {axis} of {x.shape_text} need shape ({x.shape[axis]},)")
    if zero_point is not None and zero_point.shape != scale.shape:
        raise ShapeError(f"{label}: input 'zero_point' has shape {zero_point.shape_text}; it must have the "
                         f"scale's shape {scale.shape_text}")


def _check_scale_dtype(label: str, scale: TensorType, data: DType, block: bool, quantized: DType) -> None:
    allowed = [dtypes.float32] + ([data] if data is not dtypes.float32 else [])
    if block and quantized in (dtypes.float8_e4m3, dtypes.float4_e2m1):
        allowed.append(dtypes.e8m0)
    if scale.dtype not in allowed:
        raise DTypeError(f"{label}: input 'scale' has dtype {scale.dtype.name}; expected one of "
                         f"{_names(allowed)} (16-bit scales must match the {data.name} data; e8m0 is for "
                         "block-quantized fp8/fp4)")


def expand_scale(scale: np.ndarray, shape: tuple[int, ...], axis: int,
                 block_shape: tuple[int, ...]) -> np.ndarray:
    """``scale`` (float32) broadcastable to ``shape``: per-tensor, repeated over each block (a scale of the
    data's rank, with or without a block shape), or per-channel along ``axis``."""
    if scale.size == 1:
        return scale.reshape(())
    if block_shape or scale.ndim == len(shape):
        for i, (d, n) in enumerate(zip(shape, scale.shape)):
            if n != d:
                scale = np.repeat(scale, d // n if n else 0, axis=i)
        return scale
    return scale.reshape([-1 if i == axis else 1 for i in range(len(shape))])


def _runtime_scale(label: str, scale: np.ndarray, zero_ok: bool) -> np.ndarray:
    """The scale values of a run (float32), or an ExecutionError if one is not finite and positive (zero
    allowed with ``zero_ok``). NvInfer.h, IQuantizeLayer and IDequantizeLayer: "All scale coefficients must
    have strictly positive values"; scales computed at run time are checked here, as the build checks
    constant ones.

    >>> try:
    ...     _runtime_scale("Quantize[i8]", np.array([0.5, 0.0], np.float32), zero_ok=False)
    ... except ExecutionError as e:
    ...     print(e.message)
    Quantize[i8]: scale coefficient 0.0 is not finite and positive; TensorRT requires strictly positive
    scales (NvInfer.h IQuantizeLayer)
    """
    s = scale.astype(np.float32)
    bad = ~np.isfinite(s) | (s < 0) | (~np.bool_(zero_ok) & (s == 0))
    if bad.any():
        raise ExecutionError(f"{label}: scale coefficient {s[bad].ravel()[0].item()!r} is not finite and "
                             "positive; TensorRT requires strictly positive scales "
                             "(NvInfer.h IQuantizeLayer)")
    return s


def _check_zero_point(label: str, zero_point: np.ndarray | None) -> None:
    if zero_point is not None and np.any(zero_point.astype(np.float32) != 0):
        raise ExecutionError(f"{label}: the zero point holds non-zero values; TensorRT supports symmetric "
                             "quantization only")


# -- ops -----------------------------------------------------------------------------------------------


@attrs.frozen
class _ScaledOp(Op):
    """Parameters Q and DQ share: the quantized or float output type, the per-channel axis (-1 = per
    tensor, TensorRT's default) and the block shape. Like TensorRT, an empty block shape with a scale of
    the input's rank (2 or more, several coefficients) is block quantization with blocks read from the
    shapes; trtdsl's functions always set the block shape."""

    input_names = ("x", "scale", "zero_point?")
    to_type: DType = attrs.field(metadata=ir(label=True))
    axis: int = attrs.field(default=-1, metadata=ir(unless_default=True))
    block_shape: tuple[int, ...] = attrs.field(default=(), converter=int_tuple,
                                               metadata=ir(unless_default=True))

    def blocks(self, x: TensorType, scale: TensorType) -> tuple[int, ...]:
        """The block shape in effect: the one set, or the one read from the shapes, or () if not blocked."""
        if self.block_shape:
            return self.block_shape
        if scale.rank == x.rank >= 2 and not one_coefficient(x, scale):
            return inferred_block_shape(self.label(), x, scale)
        return ()

    def granularity(self, x: TensorType, scale: TensorType) -> str:
        """``"block"``, ``"tensor"`` or ``"channel"``."""
        if self.blocks(x, scale):
            return "block"
        return "tensor" if one_coefficient(x, scale) else "channel"

    def _check(self, inputs: Inputs, data_types: Sequence[DType], to_types: Sequence[DType],
               float_side: int) -> tuple[TensorType, TensorType]:
        x, scale = inputs
        zero_point = inputs.all[2]
        label = self.label()
        if self.to_type not in to_types:
            raise DTypeError(f"{label}: to_type is {self.to_type!r}; expected one of {_names(to_types)}")
        if x.dtype not in data_types:
            raise DTypeError(f"{label}: input 'x' has dtype {x.dtype.name}; expected one of "
                             f"{_names(data_types)}")
        if x.rank == 0:
            raise ShapeError(f"{label}: input 'x' is a scalar; TensorRT quantizes tensors of rank >= 1 "
                             "(reshape it to (1,))")
        floating, quantized = (x.dtype, self.to_type) if float_side == 0 else (self.to_type, x.dtype)
        blocks = self.blocks(x, scale)
        _check_scale_dtype(label, scale, floating, bool(blocks), quantized)
        if zero_point is not None and zero_point.dtype is not quantized:
            raise DTypeError(f"{label}: input 'zero_point' has dtype {zero_point.dtype.name}; expected "
                             f"{quantized.name}, the quantized type")
        _check_scale(label, self.axis, blocks, x, scale, zero_point)
        return x, scale


@attrs.frozen
class Quantize(_ScaledOp):
    """``saturate(x / s)`` into ``to_type`` (int8, fp8, int4, fp4); inputs: x, scale, optional zero point."""

    kind = "Quantize"
    docs_row = (  # docs/layers.md: DSL functions, TensorRT layer, semantics that differ from NumPy, sources
        "`td.quantize`, `td.fake_quant`",
        "`IQuantizeLayer`",
        "Symmetric: `clip(rint(x / s))` to int8 [-128, 127] or int4 [-8, 7] (half to even); FP8 saturates "
        "at ±448 and FP4 at ±6 before rounding; NaN gives NaN for FP8 and 0 for INT8, INT4, FP4 "
        "(*UNCONFIRMED*). Per-tensor, per-channel (weights only) or block scales.",
        "NvInfer.h `IQuantizeLayer`; FP4 and NaN *UNCONFIRMED*",
    )

    def infer(self, inputs: Inputs) -> tuple[TensorType, ...]:
        x, _ = self._check(inputs, dtypes.FLOATS, QUANTIZED, float_side=0)
        return (TensorType(self.to_type, x.shape),)

    def reference(self, x: np.ndarray, scale: np.ndarray, zero_point: np.ndarray | None = None
                  ) -> tuple[np.ndarray, ...]:
        _check_zero_point(self.label(), zero_point)
        s = _runtime_scale(self.label(), scale, zero_ok=False)
        return (saturate(x.astype(np.float32) / expand_scale(s, x.shape, self.axis, self.block_shape),
                         self.to_type),)


@attrs.frozen
class Dequantize(_ScaledOp):
    """``(q * s).astype(to_type)`` (float32, float16, bfloat16); inputs: q, scale, optional zero point."""

    kind = "Dequantize"
    docs_row = (  # docs/layers.md: DSL functions, TensorRT layer, semantics that differ from NumPy, sources
        "`td.dequantize`, `td.fake_quant`",
        "`IDequantizeLayer`",
        "`q * s` computed in float32 and rounded once to the output type (*UNCONFIRMED*).",
        "NvInfer.h `IDequantizeLayer`",
    )

    def infer(self, inputs: Inputs) -> tuple[TensorType, ...]:
        x, _ = self._check(inputs, QUANTIZED, dtypes.FLOATS, float_side=1)
        return (TensorType(self.to_type, x.shape),)

    def reference(self, q: np.ndarray, scale: np.ndarray, zero_point: np.ndarray | None = None
                  ) -> tuple[np.ndarray, ...]:
        _check_zero_point(self.label(), zero_point)
        # a zero coefficient is what dynamic quantization computes for an all-zero block
        s = _runtime_scale(self.label(), scale, zero_ok=True)
        product = q.astype(np.float32) * expand_scale(s, q.shape, self.axis, self.block_shape)
        return (product.astype(self.to_type.numpy),)


_EXPONENT_SPAN = {to: math.floor(math.log2(limit)) for to, limit in LIMITS.items()}
"""floor(log2(max)) of each quantized type: the exponent a power-of-two (e8m0) block scale leaves to it."""


def block_amax(magnitudes: np.ndarray, sizes: Sequence[int]) -> np.ndarray:
    """The maximum of each block of ``magnitudes`` (0 for an empty block); ``sizes`` are the block extents."""
    split: list[int] = []
    for d, b in zip(magnitudes.shape, sizes):
        split += [d // b if b else 1, b]
    blocks = magnitudes.reshape(split)
    return blocks.max(axis=tuple(range(1, len(split), 2)), initial=np.float32(0))


def block_scales(amax: np.ndarray, double_scale: np.ndarray, to: DType, scale_type: DType) -> np.ndarray:
    """The block scales dynamic quantization stores, in ``scale_type``: the block's ``amax / (max(to) *
    double_scale)`` rounded to fp8 (saturating), kept in float32, or for e8m0 the power of two
    ``2 ** (floor(log2(amax / double_scale)) - floor(log2(max(to))))`` (the OCP MX rule; 2**-127 for an
    all-zero block)."""
    if scale_type is dtypes.e8m0:
        ratio = amax / double_scale
        _, exponent = np.frexp(ratio)  # ratio = m * 2**exponent with 0.5 <= m < 1
        power = np.clip(exponent - 1 - _EXPONENT_SPAN[to], -127, 127)
        power = np.where(ratio == 0, -127, power)
        values = np.where(np.isfinite(ratio), np.ldexp(np.float32(1), power), np.float32(np.nan))
        return values.astype(np.float32).astype(scale_type.numpy)
    raw = amax / (np.float32(LIMITS[to]) * double_scale)
    return saturate(raw, scale_type) if scale_type is dtypes.float8_e4m3 else raw.astype(np.float32)


@attrs.frozen
class DynamicQuantize(Op):
    """Block quantization with scales computed from the data (IDynamicQuantizeLayer, V2 API).

    Inputs: x (float, rank 2 or 3) and the double-quantization scale ``d`` (a positive 0-D constant).
    Outputs: ``q`` (``to_type``: fp4, fp8 or int8) and the block scales ``s`` (``scale_type``: fp8, e8m0 or
    float32, shaped like x with each blocked dim divided by its block). Per block, ``s`` is
    :func:`block_scales` of the block's ``amax = max(|x|)`` and ``q = saturate(x / (s * d))`` (0 where
    ``s * d`` is 0), so that ``x ~ q * s * d``.

    TensorRT does not publish this formula (UNCONFIRMED; an engine run on known blocks would settle it):
    trtdsl implements the NVFP4 recipe it is made for (fp8 scales ``amax / 6 / d``) and, for e8m0 scales,
    the OCP MX rule.

    ``v1``: the layer of the deprecated ``addDynamicQuantize(input, axis, blockSize, outputType,
    scaleType)`` (NvInfer.h), which blocks one axis, the last or second-to-last, in blocks of 16 (NVFP4)
    or 32 (MXFP8) elements, with fp4 or fp8 data and fp8 or e8m0 scales; the same computation.
    """

    kind = "DynamicQuantize"
    docs_row = (  # docs/layers.md: DSL functions, TensorRT layer, semantics that differ from NumPy, sources
        "`td.dynamic_quantize`, `td.dynamic_quantize_v1`",
        "`IDynamicQuantizeLayer` (`addDynamicQuantizeV2`; `td.dynamic_quantize_v1`: the deprecated "
        "`addDynamicQuantize`, one axis of the last two in blocks of 16 or 32)",
        "Block quantization with scales computed from the block maxima (the NVFP4/MX recipes, "
        "*UNCONFIRMED*); returns the quantized tensor and its scales.",
        "NvInfer.h `IDynamicQuantizeLayer`, `addDynamicQuantizeV2`",
    )
    input_names = ("x", "double_quant_scale")
    to_type: DType = attrs.field(default=dtypes.float4_e2m1, metadata=ir(label=True))
    scale_type: DType = attrs.field(default=dtypes.float8_e4m3, metadata=ir(label=True))
    block_shape: tuple[int, ...] = attrs.field(default=(), converter=int_tuple)
    v1: bool = attrs.field(default=False, metadata=ir(unless_default=True))

    def blocked_axis(self) -> int:
        """The one axis a v1 layer blocks (``addDynamicQuantize``'s ``axis``)."""
        return next(i for i, b in enumerate(self.block_shape) if b != 1)

    def _check_v1(self, label: str, x: TensorType) -> None:
        """NvInfer.h addDynamicQuantize: "The axis must be the last or second to last dimension", blockSize
        "Valid values are 16 (NVFP4 quantization) and 32 (MXFP8 quantization)", outputType kFP4 or kFP8,
        scaleType kFP8 or kE8M0."""
        if self.to_type not in V1_TYPES or self.scale_type not in V1_SCALE_TYPES:
            raise DTypeError(f"{label}: addDynamicQuantize (v1) quantizes to {_names(V1_TYPES)} with "
                             f"{_names(V1_SCALE_TYPES)} scales; got {self.to_type.name} and "
                             f"{self.scale_type.name}")
        blocked = [(i, b) for i, b in enumerate(self.block_shape) if b != 1]
        if len(blocked) != 1 or blocked[0][0] < x.rank - 2 or blocked[0][1] not in V1_BLOCK_SIZES:
            raise ShapeError(f"{label}: block_shape {self.block_shape} is not an addDynamicQuantize (v1) "
                             "block: one axis, the last or second-to-last, in blocks of 16 or 32 elements")

    def infer(self, inputs: Inputs) -> tuple[TensorType, ...]:
        x, double_scale = inputs
        label = self.label()
        if self.to_type not in DYNAMIC_TYPES:
            raise DTypeError(f"{label}: to_type is {self.to_type!r}; expected one of {_names(DYNAMIC_TYPES)}")
        if self.scale_type not in DYNAMIC_SCALE_TYPES:
            raise DTypeError(f"{label}: scale_type is {self.scale_type!r}; expected one of "
                             f"{_names(DYNAMIC_SCALE_TYPES)}")
        if x.dtype not in dtypes.FLOATS:
            raise DTypeError(f"{label}: input 'x' has dtype {x.dtype.name}; expected one of "
                             f"{_names(dtypes.FLOATS)}")
        if x.rank not in (2, 3):
            raise ShapeError(f"{label}: input 'x' has shape {x.shape_text}; TensorRT quantizes 2-D or 3-D "
                             "tensors dynamically")
        allowed = (dtypes.float32,) if x.dtype is dtypes.float32 else (dtypes.float32, x.dtype)
        if double_scale.dtype not in allowed:
            raise DTypeError(f"{label}: input 'double_quant_scale' has dtype {double_scale.dtype.name}; "
                             f"expected one of {_names(allowed)}")
        if double_scale.rank != 0:
            raise ShapeError(f"{label}: input 'double_quant_scale' has shape {double_scale.shape_text}; "
                             "expected a scalar (shape ())")
        sizes = block_sizes(label, self.block_shape, x)
        if self.v1:
            self._check_v1(label, x)
        return TensorType(self.to_type, x.shape), TensorType(self.scale_type, _scale_shape(x, sizes))

    def reference(self, x: np.ndarray, double_scale: np.ndarray) -> tuple[np.ndarray, ...]:
        d = _runtime_scale(self.label(), double_scale, zero_ok=False)
        data = x.astype(np.float32)
        sizes = [n if b == -1 else b for n, b in zip(x.shape, self.block_shape)]
        scales = block_scales(block_amax(np.abs(data), sizes), d, self.to_type, self.scale_type)
        step = expand_scale(scales.astype(np.float32) * d, x.shape, -1, self.block_shape)
        ratio = np.where(step == 0, np.float32(0), data / np.where(step == 0, np.float32(1), step))
        return saturate(ratio, self.to_type), scales


# -- where inputs come from ----------------------------------------------------------------------------


_SYMMETRIC = "zeros: TensorRT supports symmetric quantization only"


@attrs.frozen
class Problem:
    """A TensorRT rule broken by where a Q/DQ input comes from: ``arg`` is ``value``; ``expected`` says
    what TensorRT needs. ``rule`` names it in :func:`trtdsl.quantization.check` reports."""

    rule: str
    arg: str
    value: Any
    expected: str

    def text(self) -> str:
        return f"{self.arg} is {self.value!r}; expected {self.expected}"


def _shown(values: np.ndarray, bad: np.ndarray) -> Any:
    """The values for a message: all of them if few, else the first bad one (ints stay ints)."""
    kind = dtypes.of_array(values)
    plain = values.astype(np.int64 if kind is not None and kind.is_integer else np.float64)
    return plain.tolist() if plain.size <= 8 else plain[bad].ravel()[0].item()


def scale_problem(arg: str, values: np.ndarray, given: np.ndarray | None = None) -> Problem | None:
    """A Problem if the scale ``values`` are not all finite and strictly positive; the message shows
    ``given`` (what the user wrote, before conversion to the scale's type) if there is one."""
    as_float = values.astype(np.float64)
    bad = ~np.isfinite(as_float) | (as_float <= 0)
    if not bad.any():
        return None
    shown = _shown(values if given is None else given, bad)
    return Problem("scale-not-positive", arg, shown, "finite, strictly positive coefficients")


def source_problems(op: _ScaledOp, x: Tensor, scale: Tensor, zero_point: Tensor | None) -> list[Problem]:
    """TensorRT's rules on where a Q/DQ layer's inputs come from, which the IR's types cannot show:
    per-channel scales and INT4 only on weights, constant positive scales, constant zero zero points."""
    problems: list[Problem] = []
    weights = is_build_time_constant(x)
    quantized = x.dtype if op.kind == "Dequantize" else op.to_type
    if op.granularity(x.type, scale.type) == "channel" and not weights:
        problems.append(Problem(
            "per-channel-activation", "axis", op.axis,
            f"None (a per-tensor scale) for %{x.name}, which is computed from network inputs: TensorRT "
            "allows per-channel scales only on weights (inputs computed from constants)"))
    if quantized is dtypes.int4 and not weights:
        problems.append(Problem(
            "int4-activation", "x", f"%{x.name}",
            "weights (a tensor computed from constants): TensorRT quantizes only weights to int4"))
    values = fold_constant(scale)
    found = scale_problem("scale", values) if values is not None else None
    if found is not None:
        problems.append(found)
    if zero_point is not None:
        source = zero_point.producer
        if source is not None and source.op.kind == "Cast":
            source = source.inputs[0].producer if source.inputs[0] is not None else None
        if source is None or not isinstance(source.op, Constant):
            problems.append(Problem(
                "zero-point-not-constant", "zero_point", f"%{zero_point.name}",
                "a Constant (or a Cast of one): TensorRT needs zero points known when the engine is built"))
        else:
            stored = source.op.weights.array
            if np.any(stored.astype(np.float32) != 0):
                problems.append(Problem("zero-point-not-zero", "zero_point",
                                        _shown(stored, stored.astype(np.float32) != 0), _SYMMETRIC))
    return problems


# -- DSL functions -------------------------------------------------------------------------------------


def _scale_tensor(fn: str, arg: str, value: Any, like: Tensor, kinds: tuple[DType, ...]) -> Tensor:
    """A scale given as a Tensor, or as numbers/arrays that become a constant (float32 unless the array
    already has one of ``kinds``), refusing non-positive and non-finite coefficients."""
    if isinstance(value, Tensor):
        return value
    given = array_of(fn, arg, value)
    array = given
    if dtypes.of_array(array) not in kinds:
        if array.dtype.kind not in "fiu":
            raise bad_argument(fn, arg, value, "a positive float, an array of them, or a Tensor", DTypeError)
        array = array.astype(np.float32)
    problem = scale_problem(arg, array, given)
    if problem is not None:
        raise bad_argument(fn, arg, problem.value, problem.expected)
    return like.network.constant(array)


def _zero_point_tensor(fn: str, value: Any, quantized: DType, scale: Tensor) -> Tensor | None:
    if value is None or isinstance(value, Tensor):
        return value
    array = array_of(fn, "zero_point", value)
    if array.dtype.kind not in "fiub" and dtypes.of_array(array) not in QUANTIZED:
        raise bad_argument(fn, "zero_point", value, "zeros (a number, an array or a Tensor)", DTypeError)
    nonzero = array.astype(np.float64) != 0
    if nonzero.any():
        raise bad_argument(fn, "zero_point", _shown(array, nonzero), _SYMMETRIC)
    return scale.network.constant(np.zeros(array.shape if array.ndim else scale.shape, quantized.numpy))


def _granularity_args(fn: str, x: Tensor, axis: Any, block_shape: Any) -> tuple[int, tuple[int, ...]]:
    if axis is not None and block_shape is not None:
        raise bad_argument(fn, "axis", axis, "None when block_shape is given (a scale is per-channel or "
                                             "blocked, not both)")
    blocks = () if block_shape is None else static_ints(fn, "block_shape", block_shape)
    return (-1 if axis is None else normalize_axis(fn, axis, x.ndim)), blocks


def _add_scaled(fn: str, op: _ScaledOp, x: Tensor, scale: Tensor, zero_point: Tensor | None,
                name: str | None) -> Tensor:
    """Validate ``op`` on its inputs (types, then where they come from) and add the layer, with its block
    shape set when the scale's shape implies one."""
    op.output_types((x.type, scale.type) + ((zero_point.type,) if zero_point is not None else ()))
    blocks = op.blocks(x.type, scale.type)
    if blocks != op.block_shape:
        op = attrs.evolve(op, block_shape=blocks)
    problems = source_problems(op, x, scale, zero_point)
    if problems:
        p = problems[0]
        raise bad_argument(fn, p.arg, p.value, p.expected)
    inputs = (x, scale) if zero_point is None else (x, scale, zero_point)
    return x.network.add1(op, inputs, name=name)


def quantize(x: Tensor, scale: Any, dtype: Any = dtypes.int8, axis: int | None = None,
             block_shape: Sequence[int] | None = None, *, zero_point: Any = None,
             name: str | None = None) -> Tensor:
    """Quantize ``x`` to ``dtype`` (int8, fp8, int4, fp4) with TensorRT's rule (one IQuantizeLayer)::

        np.clip(np.rint(x / s), -128, 127).astype(np.int8)              # int8 (int4: [-8, 7])
        np.clip(x / s, -448, 448).astype(ml_dtypes.float8_e4m3fn)       # fp8  (fp4: [-6, 6])

    ``scale`` is a Tensor or positive numbers (a float32 constant): one coefficient (per tensor), one per
    index of ``axis`` (per channel: weights only), or with ``block_shape`` one per block. ``zero_point``,
    if given, must be zeros.

    >>> import numpy as np, trtdsl as td
    >>> net = td.Network("q")
    >>> x = net.input("x", td.float32, (2, 3))
    >>> w = net.constant(np.array([[1.0, -2.0, 3.0], [10.0, 20.0, 40.0]], np.float32))
    >>> net.output("w", td.quantize(w, [3.0 / 127, 40.0 / 127], axis=0))   # per-channel weights
    >>> net.output("f", td.quantize(x, 1.0, td.fp8))
    >>> out = net.run({"x": np.array([[1.0, 17.0, 19.0], [500.0, -2.6, 0.0]], np.float32)})
    >>> out["w"]
    array([[ 42, -85, 127],
           [ 32,  64, 127]], dtype=int8)
    >>> out["f"].astype(np.float32)
    array([[  1. ,  16. ,  20. ],
           [448. ,  -2.5,   0. ]], dtype=float32)
    """
    x = expect_tensor("quantize", "x", x)
    to = dtypes.dtype(dtype)
    axis_, blocks = _granularity_args("quantize", x, axis, block_shape)
    s = _scale_tensor("quantize", "scale", scale, x, dtypes.FLOATS + (dtypes.e8m0,))
    zp = _zero_point_tensor("quantize", zero_point, to, s)
    return _add_scaled("quantize", Quantize(to, axis_, blocks), x, s, zp, name)


def dequantize(q: Tensor, scale: Any, dtype: Any = dtypes.float32, axis: int | None = None,
               block_shape: Sequence[int] | None = None, *, zero_point: Any = None, name: str | None = None
               ) -> Tensor:
    """``(q.astype(np.float32) * s).astype(dtype)`` for a quantized ``q`` (int8, fp8, int4, fp4), as one
    IDequantizeLayer; ``dtype`` is float32, float16 or bfloat16. Scales and zero point as in :func:`quantize`.

    >>> import numpy as np, trtdsl as td
    >>> net = td.Network("dq")
    >>> q = net.input("q", td.int8, (4,))
    >>> net.output("y", td.dequantize(q, 0.5, td.float16))
    >>> net.run({"q": np.array([-128, -1, 0, 127], np.int8)})["y"]
    array([-64. ,  -0.5,   0. ,  63.5], dtype=float16)
    """
    q = expect_tensor("dequantize", "q", q)
    to = dtypes.dtype(dtype)
    axis_, blocks = _granularity_args("dequantize", q, axis, block_shape)
    s = _scale_tensor("dequantize", "scale", scale, q, dtypes.FLOATS + (dtypes.e8m0,))
    zp = _zero_point_tensor("dequantize", zero_point, q.dtype, s)
    return _add_scaled("dequantize", Dequantize(to, axis_, blocks), q, s, zp, name)


def fake_quant(x: Tensor, scale: Any, dtype: Any = dtypes.int8, axis: int | None = None,
               block_shape: Sequence[int] | None = None, *, name: str | None = None) -> Tensor:
    """``dequantize(quantize(x, scale, dtype), scale, x.dtype)``: a Q/DQ pair sharing one scale, the form
    TensorRT fuses into its quantized kernels. The DQ layer is called ``name`` and the Q ``name + "_q"``.

    >>> import numpy as np, trtdsl as td
    >>> net = td.Network("fq")
    >>> x = net.input("x", td.float32, (5,))
    >>> net.output("y", td.fake_quant(x, 0.5))
    >>> net.run({"x": np.array([0.2, 0.25, 0.3, 0.75, 80.0], np.float32)})["y"]
    array([ 0. ,  0. ,  0.5,  1. , 63.5], dtype=float32)
    """
    x = expect_tensor("fake_quant", "x", x)
    s = _scale_tensor("fake_quant", "scale", scale, x, dtypes.FLOATS + (dtypes.e8m0,))
    q = quantize(x, s, dtype, axis, block_shape, name=None if name is None else f"{name}_q")
    return dequantize(q, s, x.dtype, axis, block_shape, name=name)


def dynamic_quantize(x: Tensor, block_shape: int | Sequence[int] = 16, dtype: Any = dtypes.float4_e2m1,
                     scale_dtype: Any = dtypes.float8_e4m3, double_quant_scale: Any = 1.0, *,
                     name: str | None = None) -> tuple[Tensor, Tensor]:
    """Block-quantize ``x`` with scales computed from its values (one IDynamicQuantizeLayer); returns
    ``(q, scales)``. An int ``block_shape`` means blocks of that many elements along the last dim; a tuple
    has one entry per dim (``-1``: the whole dim). Per block (see :class:`DynamicQuantize`)::

        amax = np.abs(block).max()
        s = fp8(amax / (6 * double_quant_scale))        # NVFP4: dtype fp4, scale_dtype fp8
        q = fp4(np.clip(block / (s * double_quant_scale), -6, 6))

    so ``dequantize(q, dequantize(scales, double_quant_scale), block_shape=...)`` gives ``x`` back
    approximately (the NVFP4 recipe; MXFP8 is ``dtype=td.fp8, scale_dtype=td.e8m0, block_shape=32``).

    >>> import numpy as np, trtdsl as td
    >>> net = td.Network("dyn")
    >>> x = net.input("x", td.float32, (1, 4))
    >>> q, s = td.dynamic_quantize(x, 2)
    >>> net.output("y", td.dequantize(q, td.dequantize(s, 1.0), block_shape=(1, 2)))
    >>> net.output("s", s)
    >>> out = net.run({"x": np.array([[0.5, -3.0, 12.0, 7.0]], np.float32)})
    >>> out["s"].astype(np.float32), out["y"]
    (array([[0.5, 2. ]], dtype=float32), array([[ 0.5, -3. , 12. ,  8. ]], dtype=float32))
    """
    x = expect_tensor("dynamic_quantize", "x", x)
    if isinstance(block_shape, (int, np.integer)) and not isinstance(block_shape, bool):
        blocks = (1,) * (x.ndim - 1) + (int(block_shape),)
    else:
        blocks = static_ints("dynamic_quantize", "block_shape", block_shape)
    return _add_dynamic("dynamic_quantize", x, blocks, dtype, scale_dtype, double_quant_scale, False, name)


def dynamic_quantize_v1(x: Tensor, axis: int = -1, block_size: int = 16, dtype: Any = dtypes.float4_e2m1,
                        scale_dtype: Any = dtypes.float8_e4m3, double_quant_scale: Any = 1.0, *,
                        name: str | None = None) -> tuple[Tensor, Tensor]:
    """:func:`dynamic_quantize` in the form of TensorRT's deprecated ``addDynamicQuantize``: blocks of
    ``block_size`` (16: NVFP4, fp4 data and fp8 scales; 32: MXFP8, fp8 data and e8m0 scales) elements along
    ``axis``, the last or second-to-last dim of a 2-D or 3-D ``x``; the same as
    ``dynamic_quantize(x, block_shape)`` with ``block_shape`` 1 except ``block_size`` at ``axis``, lowered
    with ``add_dynamic_quantize`` instead of ``add_dynamic_quantize_v2``.

    >>> import numpy as np, trtdsl as td
    >>> net = td.Network("dyn1")
    >>> x = net.input("x", td.float32, (32, 2))
    >>> q, s = td.dynamic_quantize_v1(x, axis=0, block_size=32, dtype=td.fp8, scale_dtype=td.e8m0)
    >>> net.output("s", s)
    >>> out = net.run({"x": np.linspace(-1000, 1000, 64, dtype=np.float32).reshape(32, 2)})
    >>> out["s"].astype(np.float32)                  # 2**(floor(log2(1000)) - floor(log2(448)))
    array([[2., 2.]], dtype=float32)
    """
    x = expect_tensor("dynamic_quantize_v1", "x", x)
    if x.ndim not in (2, 3):
        raise ShapeError(f"dynamic_quantize_v1: argument 'x' has shape {x.type.shape_text}; expected a 2-D or 3-D "
                         "tensor (NvInfer.h addDynamicQuantize)")
    at = normalize_axis("dynamic_quantize_v1", axis, x.ndim)
    if at < x.ndim - 2:
        raise bad_argument("dynamic_quantize_v1", "axis", axis, f"the last or second-to-last dim ({x.ndim - 1} or "
                           f"{x.ndim - 2}, or -1 or -2) of a rank-{x.ndim} x: NvInfer.h addDynamicQuantize",
                           ShapeError)
    if not isinstance(block_size, (int, np.integer)) or isinstance(block_size, bool) \
            or block_size not in V1_BLOCK_SIZES:
        raise bad_argument("dynamic_quantize_v1", "block_size", block_size, "16 (NVFP4) or 32 (MXFP8)")
    blocks = tuple(int(block_size) if i == at else 1 for i in range(x.ndim))
    return _add_dynamic("dynamic_quantize_v1", x, blocks, dtype, scale_dtype, double_quant_scale, True, name)


def _add_dynamic(fn: str, x: Tensor, blocks: tuple[int, ...], dtype: Any, scale_dtype: Any,
                 double_quant_scale: Any, v1: bool, name: str | None) -> tuple[Tensor, Tensor]:
    to, scale_type = dtypes.dtype(dtype), dtypes.dtype(scale_dtype)
    d = _scale_tensor(fn, "double_quant_scale", double_quant_scale, x, dtypes.FLOATS)
    op = DynamicQuantize(to, scale_type, blocks, v1)
    op.output_types((x.type, d.type))
    if not is_build_time_constant(d):
        raise bad_argument(fn, "double_quant_scale", f"%{d.name}",
                           "a build-time constant (TensorRT needs it when the engine is built)")
    values = fold_constant(d)
    problem = scale_problem("double_quant_scale", values) if values is not None else None
    if problem is not None:
        raise bad_argument(fn, problem.arg, problem.value, problem.expected)
    q, s = x.network.add(op, (x, d), name=name)
    return q, s
