"""ONNX export of IScaleLayer as its formula: ``Pow(Add(Mul(x, scale), shift), power)``, the coefficients
as float32 initializers shaped to broadcast along the channel axis (16-bit inputs computed in float32,
as the reference reads TensorRT). An empty scale or power is left out (``x * 1`` and ``x ** 1`` are
exact); the shift is always added, 0 when empty, as the reference does."""

from __future__ import annotations

import numpy as np

from trtdsl import dtypes
from trtdsl.backends.onnx.graph import NodeContext
from trtdsl.backends.onnx.importing import ImportContext, imports
from trtdsl.backends.onnx.registry import exports
from trtdsl.ir.tensor import Tensor
from trtdsl.ir.types import Weights
from trtdsl.layers.scale import Scale, coefficient_shape, scale
from trtdsl.layers.squeeze import squeeze, unsqueeze
from trtdsl.layers.unary import unary

@exports(Scale)
def _scale(ctx: NodeContext, op: Scale) -> str:
    x_type = ctx.input_type(0)
    assert x_type is not None
    shape = coefficient_shape(op.mode, x_type.shape, op.channel_axis)

    def coefficient(weights: Weights | None, default: float) -> str:
        values = np.float32(default) if weights is None else weights.array.astype(np.float32).reshape(shape)
        return ctx.const(values, dtypes.float32)

    def build(x: str) -> str:
        y = ctx.emit("Mul", [x, coefficient(op.scale, 1.0)]) if op.scale is not None else x
        y = ctx.emit("Add", [y, coefficient(op.shift, 0.0)])
        return ctx.emit("Pow", [y, coefficient(op.power, 1.0)]) if op.power is not None else y

    return ctx.in_float32(x_type.dtype, build, ctx.input(0))


# -- import ---------------------------------------------------------------------------------------------

@imports("BatchNormalization", since=7)
def _import_batch_norm(ctx: ImportContext) -> Tensor:
    """Inference batch normalization folded as the parser folds it (onnx-tensorrt
    ``DEFINE_BUILTIN_OP_IMPORTER(BatchNormalization)``): with constant statistics, one Scale layer in
    CHANNEL mode with ``scale = s / sqrt(var + eps)`` and ``shift = b - mean * scale`` computed in
    float32 (a rank-3 input made 4-D around it); otherwise the same formula with ElementWise layers.
    ``training_mode=1`` is refused."""
    x = ctx.input(0)
    eps = float(ctx.attr("epsilon", 1e-5))
    ctx.attr("momentum")
    ctx.one_of("training_mode", ctx.attr("training_mode", 0), (0,))
    ctx.one_of("spatial", ctx.attr("spatial", 1), (1,))
    ctx.check(ctx.num_outputs == 1, "the running mean and variance outputs (training) are not supported")
    ctx.check(len(x.shape) >= 2, f"the input has rank {len(x.shape)}; expected (N, C, ...)")
    known = [ctx.peek(i) for i in range(1, 5)]
    if all(k is not None for k in known):
        s_, b_, m_, v_ = (np.asarray(k, np.float32) for k in known)
        factor = s_ / np.sqrt(v_ + np.float32(eps))
        shift = b_ - m_ * factor
        if x.dtype == dtypes.float32 and len(x.shape) == 3:  # (N, C, L): the parser's scaleHelper makes it
            # 4-D with a trailing 1 around the Scale layer, which needs two spatial dims
            folded = scale(unsqueeze(x, 3), shift=shift, scale=factor, mode="channel", channel_axis=1)
            return squeeze(folded, 3)
        if x.dtype == dtypes.float32 and len(x.shape) >= 4:
            return scale(x, shift=shift, scale=factor, mode="channel", channel_axis=1)
        factor_c = ctx.constant(_per_channel(factor, x), x.dtype)
        return x * factor_c + ctx.constant(_per_channel(shift, x), x.dtype)
    rank = len(x.shape)
    s, b, mean, var = (ctx.input(i) for i in range(1, 5))

    def channel(t: Tensor) -> Tensor:
        return t.reshape((-1,) + (1,) * (rank - 2)) if rank > 2 else t

    factor_t = channel(s) / unary(channel(var) + ctx.constant(eps, var.dtype), "sqrt")
    return (x - channel(mean)) * factor_t + channel(b)


def _per_channel(values: np.ndarray, x: Tensor) -> np.ndarray:
    return values.reshape((-1,) + (1,) * (len(x.shape) - 2))
