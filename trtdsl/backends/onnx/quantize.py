"""ONNX export of IQuantizeLayer and IDequantizeLayer (QuantizeLinear / DequantizeLinear, what TensorRT's
parser reads as Q/DQ), and of IDynamicQuantizeLayer (not expressible).

TensorRT divides (Q) and multiplies (DQ) in float32, so 16-bit data and scales are widened to float32
first (exactly) and DQ's float32 result is cast to the output type. The zero point is always given (zeros
of the quantized type), since ONNX's default one is uint8. ONNX leaves NaN to the runtime for integer
outputs: the export writes the reference's reading, NaN -> 0 for int8, int4 and fp4 (fp8 keeps NaN).
Granularity: per-tensor and per-channel (``axis``) scales as they are; block scales with ONNX's
``block_size`` (opset 21), one blocked axis -- where TensorRT blocks both of the last two dims, the scale
is first repeated along the second-to-last. Opsets: int8 17, fp8 19, int4 and blocks 21, fp4 23, e8m0
scales 24 (cast to float32, exactly: they are powers of two).
"""

from __future__ import annotations

import math

import numpy as np

from trtdsl import dtypes
from trtdsl.backends.onnx.graph import NodeContext
from trtdsl.backends.onnx.importing import ImportContext, element_dtype, imports
from trtdsl.backends.onnx.registry import exports, not_expressible
from trtdsl.ir.dims import static_shape
from trtdsl.ir.tensor import Tensor
from trtdsl.layers.quantize import Dequantize, DynamicQuantize, Quantize, dequantize, quantize

_F32 = dtypes.float32
_TYPE_OPSET = {"int8": 17, "float8_e4m3": 19, "int4": 21, "float4_e2m1": 23}


def _opset(op: Quantize) -> int:
    return max(_TYPE_OPSET.get(op.to_type.name, 17), 21 if op.block_shape else 17)


def _scale_and_attributes(
    ctx: NodeContext, op: Quantize | Dequantize, data_rank: int, shape: tuple
) -> tuple[str, tuple, dict[str, int]]:
    """The float32 scale as ONNX takes it, its (static) shape, and the axis/block_size attributes."""
    scale, scale_type = ctx.input(1), ctx.input_type(1)
    if scale_type.dtype is not _F32:  # 16-bit floats and e8m0 powers of two widen exactly
        scale = ctx.cast(scale, _F32)
    if not op.block_shape:
        if op.axis == -1 or all(d == 1 for d in scale_type.shape):
            # one element, of any rank (TensorRT ignores the axis then): ONNX's per-tensor scale is 0-D
            return (ctx.emit("Reshape", [scale, ctx.ints([])]) if scale_type.shape != () else scale), (), {}
        return scale, scale_type.shape, {"axis": op.axis}
    blocks = [d if b == -1 else b for b, d in zip(op.block_shape, shape)]
    blocked = [i for i, b in enumerate(blocks) if b != 1]
    if len(blocked) == 2:  # repeat the scale along the second-to-last dim: a block along the last one only
        *lead, a, b = static_shape(scale_type.shape)
        scale = ctx.emit("Unsqueeze", [scale, ctx.ints([data_rank - 1])])
        scale = ctx.emit("Expand", [scale, ctx.ints(lead + [a, blocks[-2], b])])
        repeated = lead + [a * blocks[-2], b]
        scale = ctx.emit("Reshape", [scale, ctx.ints(repeated)])
        return scale, tuple(repeated), {"axis": data_rank - 1, "block_size": blocks[-1]}
    axis = blocked[0] if blocked else data_rank - 1
    return scale, scale_type.shape, {"axis": axis, "block_size": blocks[axis]}


def _zero_point(ctx: NodeContext, shape: tuple, quantized: dtypes.DType) -> str:
    """Zeros of the quantized type with the scale's shape."""
    return ctx.const(np.zeros(shape, np.float32), quantized)


@exports(Quantize, opset=_opset)
def _quantize(ctx: NodeContext, op: Quantize) -> str:
    x_type = ctx.input_type(0)
    x = ctx.input(0) if x_type.dtype is _F32 else ctx.cast(ctx.input(0), _F32)
    to = op.to_type
    if to is not dtypes.float8_e4m3:
        x = ctx.emit("Where", [ctx.emit("IsNaN", [x]), ctx.const(0.0, _F32), x])
    scale, shape, attrs = _scale_and_attributes(ctx, op, x_type.rank, x_type.shape)
    extra = {"saturate": 1} if to is dtypes.float8_e4m3 else {}
    return ctx.emit("QuantizeLinear", [x, scale, _zero_point(ctx, shape, to)], **attrs, **extra)


@exports(Dequantize, opset=lambda op: max(17, 21 if op.block_shape else 17))
def _dequantize(ctx: NodeContext, op: Dequantize) -> str:
    q_type = ctx.input_type(0)
    scale, shape, attrs = _scale_and_attributes(ctx, op, q_type.rank, q_type.shape)
    y = ctx.emit("DequantizeLinear", [ctx.input(0), scale, _zero_point(ctx, shape, q_type.dtype)], **attrs)
    return y if op.to_type is _F32 else ctx.cast(y, op.to_type)


not_expressible(
    DynamicQuantize,
    "ONNX has no operator for block quantization with scales computed from the data in fp8/e8m0 "
    "(NVFP4/MXFP8); DynamicQuantizeLinear is per-tensor asymmetric uint8",
)


# -- import ---------------------------------------------------------------------------------------------

def _granularity(ctx: ImportContext, x: Tensor, scale: Tensor) -> int | None:
    """The Q/DQ axis: None for a per-tensor scale (0-D or one element), the ``axis`` attribute for a
    1-D per-channel one; block quantization is refused."""
    axis = int(ctx.attr("axis", 1))
    ctx.one_of("block_size", ctx.attr("block_size", 0), (0,))
    if len(scale.shape) == 0 or scale.shape == (1,) and len(x.shape) == 0:
        return None
    ctx.check(len(scale.shape) == 1, f"the scale has shape {scale.shape}; expected a scalar or 1-D")
    return ctx.axis(axis, len(x.shape))


def _given_zero_point(ctx: ImportContext, scale: Tensor) -> Tensor | None:
    """The zero point, which TensorRT's Q/DQ layers take only as zeros (the parser checks them), in the
    scale's shape where both have one element (ONNX accepts ``[1]`` beside a 0-D scale)."""
    zp = ctx.optional(2)
    if zp is None:
        return None
    values = ctx.static(2, "zero point")
    ctx.check(not np.any(values.astype(np.float32) != 0), f"the zero point is {values.reshape(-1)[:4]}...; "
              "TensorRT's quantization is symmetric (zero points must be 0)")
    if zp.shape != scale.shape and values.size == 1 and math.prod(scale.shape) == 1:
        return ctx.constant(values.reshape(scale.shape), zp.dtype)
    return zp


@imports("QuantizeLinear", since=10)
def _import_quantize(ctx: ImportContext) -> Tensor:
    """One Quantize layer to the zero point's dtype (or ``output_dtype``); ONNX's default uint8 has no
    TensorRT quantized type and is refused. ``saturate=0`` is refused."""
    x, s = ctx.input(0), ctx.input(1)
    zp = _given_zero_point(ctx, s)
    ctx.one_of("saturate", ctx.attr("saturate", 1), (1,))
    ctx.attr("precision")
    code = int(ctx.attr("output_dtype", 0))
    if zp is not None:
        to = zp.dtype
    elif code:
        to = element_dtype(code, f"{ctx.where}: output_dtype")
    else:
        raise ctx.refuse("quantizes to ONNX's default uint8, which TensorRT's Quantize layer has no type "
                         "for; give an int8 (or fp8, int4) zero point or output_dtype")
    return quantize(x, s, to, _granularity(ctx, x, s), zero_point=zp)


@imports("DequantizeLinear", since=10)
def _import_dequantize(ctx: ImportContext) -> Tensor:
    """One Dequantize layer to the scale's dtype (or ``output_dtype``)."""
    q, s = ctx.input(0), ctx.input(1)
    zp = _given_zero_point(ctx, s)
    code = int(ctx.attr("output_dtype", 0))
    to = element_dtype(code, f"{ctx.where}: output_dtype") if code else s.dtype
    return dequantize(q, s, to, _granularity(ctx, q, s), zero_point=zp)
