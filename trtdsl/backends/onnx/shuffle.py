"""ONNX export of IShuffleLayer, ISqueezeLayer and IUnsqueezeLayer.

Shuffle is Transpose, Reshape, Transpose. TensorRT's reshape placeholder 0 (copy the input dim at the
same index) is ONNX Reshape's 0 with ``allowzero=0``; with ``zero_is_placeholder=False`` a 0 is a
zero-length dim, ONNX's ``allowzero=1``. ``-1`` is inferred in both. A dynamic reshape's dims (input 1,
a shape tensor) are Reshape's shape input.
"""

from __future__ import annotations

from typing import Any

from trtdsl import dtypes
from trtdsl.backends.onnx.graph import NodeContext
from trtdsl.backends.onnx.importing import ImportContext, imports, known_dims
from trtdsl.backends.onnx.registry import exports
from trtdsl.ir.dims import is_static, static_shape
from trtdsl.ir.tensor import Tensor
from trtdsl.layers.manipulation import tile
from trtdsl.layers.shuffle import Shuffle, reshape, shuffle, transpose
from trtdsl.layers.squeeze import Squeeze, Unsqueeze, squeeze, unsqueeze

@exports(Shuffle)
def _shuffle(ctx: NodeContext, op: Shuffle) -> str:
    x = ctx.input(0)
    if op.first_transpose is not None:
        x = ctx.emit("Transpose", [x], perm=list(op.first_transpose))
    allowzero = 0 if op.zero_is_placeholder else 1
    if ctx.optional_input(1) is not None:  # dims from a shape tensor, read at run time
        x = ctx.emit("Reshape", [x, ctx.cast(ctx.input(1), dtypes.int64)], allowzero=allowzero)
    elif op.reshape is not None:
        x = ctx.emit("Reshape", [x, ctx.ints(static_shape(op.reshape))], allowzero=allowzero)
    if op.second_transpose is not None:
        x = ctx.emit("Transpose", [x], perm=list(op.second_transpose))
    return x


@exports(Squeeze)
def _squeeze(ctx: NodeContext, op: Squeeze) -> str:
    return ctx.emit("Squeeze", [ctx.input(0), ctx.ints(op.axes)])


@exports(Unsqueeze)
def _unsqueeze(ctx: NodeContext, op: Unsqueeze) -> str:
    return ctx.emit("Unsqueeze", [ctx.input(0), ctx.ints(op.axes)])


# -- import ---------------------------------------------------------------------------------------------

@imports("Reshape", since=5)
def _import_reshape(ctx: ImportContext) -> Tensor:
    """One Shuffle layer whose reshape dims are the shape input, 0 copying the input's dim unless
    ``allowzero`` (a placeholder, as ONNX's 0), -1 inferred."""
    x = ctx.input(0)
    allow_zero = bool(ctx.attr("allowzero", 0))
    known = ctx.peek(1)
    dims: Any = [int(v) for v in known.reshape(-1)] if known is not None else known_dims(ctx.input(1))
    if dims is None:
        dims = ctx.input(1)
    return shuffle(x, reshape=dims, zero_is_placeholder=not allow_zero)


@imports("Transpose")
def _import_transpose(ctx: ImportContext) -> Tensor:
    x = ctx.input(0)
    perm = ctx.ints("perm")
    return transpose(x, perm if perm is not None else list(reversed(range(len(x.shape)))))


def flattened_2d(ctx: ImportContext, x: Tensor) -> Tensor:
    """``x`` as ONNX's Flatten reads it at the node's ``axis`` attribute (default 1): a Shuffle to
    ``(prod(shape[:axis]), prod(shape[axis:]))``."""
    rank = len(x.shape)
    axis = int(ctx.attr("axis", 1))
    ctx.check(-rank <= axis <= rank, f"axis {axis} is out of range for rank {rank}")
    axis = axis + rank if axis < 0 else axis
    outer: Any = 1
    inner: Any = 1
    for i, d in enumerate(x.shape):
        if i < axis:
            outer = outer * d
        else:
            inner = inner * d
    return reshape(x, (outer, inner))


@imports("Flatten")
def _import_flatten(ctx: ImportContext) -> Tensor:
    """A Shuffle to ``(prod(shape[:axis]), prod(shape[axis:]))``."""
    return flattened_2d(ctx, ctx.input(0))


@imports("Squeeze")
def _import_squeeze(ctx: ImportContext) -> Tensor:
    """Without axes, every dim of size 1 (which must be static, as the parser needs to know them)."""
    x = ctx.input(0)
    axes = ctx.axes(1, since=13)
    if axes is None:
        ctx.check(is_static(x.shape),
                  f"Squeeze without axes needs a static shape; the input is {x.type.shape_text}")
        axes = [i for i, d in enumerate(x.shape) if d == 1]
    return squeeze(x, tuple(axes))


@imports("Unsqueeze")
def _import_unsqueeze(ctx: ImportContext) -> Tensor:
    axes = ctx.axes(1, since=13)
    ctx.check(axes is not None, "Unsqueeze needs axes")
    return unsqueeze(ctx.input(0), tuple(axes or ()))


@imports("Tile", since=6)
def _import_tile(ctx: ImportContext) -> Tensor:
    """One Slice layer in WRAP mode repeating the input (the repeats are a build-time constant)."""
    return tile(ctx.input(0), [int(v) for v in ctx.static(1, "repeats").reshape(-1)])


@imports("DepthToSpace", "SpaceToDepth")
def _import_depth_space(ctx: ImportContext) -> Tensor:
    """Shuffle layers (reshape, transpose, reshape) as the parser builds them, on static C, H, W.
    SpaceToDepth's ``mode`` (opset 28) CRD takes the channels before the block offsets, as ONNX defines
    it (UNCONFIRMED: the parser source read here builds DCR's order and reads no ``mode``)."""
    x = ctx.input(0)
    b = int(ctx.attr("blocksize"))
    static = [d for d in x.shape[1:] if isinstance(d, int)]
    if len(x.shape) != 4 or len(static) != 3:
        raise ctx.refuse(f"the input is {x.type.shape_text}; expected (N, C, H, W) with static C, H, W")
    n = x.shape[0]
    c, h, w = static
    mode = ctx.attr("mode", "DCR")
    ctx.one_of("mode", mode, ("DCR", "CRD"))
    if ctx.op_type == "SpaceToDepth":
        t = reshape(x, (n, c, h // b, b, w // b, b))
        order = (0, 3, 5, 1, 2, 4) if mode == "DCR" else (0, 1, 3, 5, 2, 4)
        return reshape(transpose(t, order), (n, c * b * b, h // b, w // b))
    if mode == "DCR":
        t = transpose(reshape(x, (n, b, b, c // (b * b), h, w)), (0, 3, 4, 1, 5, 2))
    else:
        t = transpose(reshape(x, (n, c // (b * b), b, b, h, w)), (0, 1, 4, 2, 5, 3))
    return reshape(t, (n, c // (b * b), h * b, w * b))
