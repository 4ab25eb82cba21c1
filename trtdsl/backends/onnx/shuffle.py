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
from trtdsl.ir.dims import Dim, combine, is_static, static_shape
from trtdsl.ir.tensor import Tensor
from trtdsl.layers.cast import cast
from trtdsl.layers.manipulation import tile
from trtdsl.layers.shape import shape_of
from trtdsl.layers.shuffle import Shuffle, reshape, shuffle, transpose
from trtdsl.layers.slice import slice as slice_layer
from trtdsl.layers.squeeze import Squeeze, Unsqueeze, squeeze, unsqueeze

@exports(Shuffle)
def _shuffle(ctx: NodeContext, op: Shuffle) -> str:
    transposes = op.first_transpose is not None or op.second_transpose is not None
    # fp8 as float32 before opset 21, where ONNX's Transpose does not take it
    return ctx.moved(("Transpose",) if transposes else (), lambda x, _: _shuffled(ctx, op, x))


def _shuffled(ctx: NodeContext, op: Shuffle, x: str) -> str:
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
    # fp8 as float32 before opset 21, where ONNX's Squeeze does not take it
    return ctx.moved(("Squeeze",), lambda x, _: ctx.emit("Squeeze", [x, ctx.ints(op.axes)]))


@exports(Unsqueeze)
def _unsqueeze(ctx: NodeContext, op: Unsqueeze) -> str:
    # fp8 as float32 before opset 21, where ONNX's Unsqueeze does not take it
    return ctx.moved(("Unsqueeze",), lambda x, _: ctx.emit("Unsqueeze", [x, ctx.ints(op.axes)]))


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
    """One Squeeze layer. Without axes, every dim of size 1 (which must be static, as the parser needs to
    know them). A listed dim the IR cannot prove to be 1 (a slice clamped when the network runs, such as
    the last token ``x[:, -1:]`` of a dynamic axis) is dropped as the parser drops every squeezed dim
    (onnx-tensorrt ``squeezeTensor``): a Shuffle reshaping to the other dims, read when the network runs.
    The run then fails where that dim is not 1 (the reshape changes the element count), except in an
    empty tensor (nothing is read), as TensorRT's reshape does."""
    x = ctx.input(0)
    axes = ctx.axes(1, since=13)
    if axes is None:
        ctx.check(is_static(x.shape),
                  f"Squeeze without axes needs a static shape; the input is {x.type.shape_text}")
        axes = [i for i, d in enumerate(x.shape) if d == 1]
    rank = len(x.shape)
    dropped = {ctx.axis(a, rank) for a in axes}
    if any(isinstance(x.shape[a], Dim) for a in dropped):
        return reshape(x, tuple(d for i, d in enumerate(x.shape) if i not in dropped))
    return squeeze(x, tuple(axes))


@imports("Unsqueeze")
def _import_unsqueeze(ctx: ImportContext) -> Tensor:
    axes = ctx.axes(1, since=13)
    ctx.check(axes is not None, "Unsqueeze needs axes")
    return unsqueeze(ctx.input(0), tuple(axes or ()))


@imports("Tile", since=6)
def _import_tile(ctx: ImportContext) -> Tensor:
    """One Slice layer in WRAP mode repeating the input, of size ``shape(x) * repeats`` (onnx-tensorrt
    ``DEFINE_BUILTIN_OP_IMPORTER(Tile)``, which reads the repeats as a shape tensor): repeats known when
    the network is built are ints, else the dims they are where the IR knows them (``Concat(2,
    Shape(z))``), else values read when the network runs."""
    x = ctx.input(0)
    known = ctx.peek(1)
    if known is not None:
        return tile(x, [int(v) for v in known.reshape(-1)])
    repeats = ctx.input(1)
    rank = len(x.shape)
    ctx.check(repeats.shape == (rank,), f"repeats has shape {repeats.type.shape_text}; expected ({rank},)")
    dims = known_dims(repeats)
    if dims is not None:
        size: Any = [combine("*", d, r) for d, r in zip(x.shape, dims)]
    else:
        size = shape_of(x) * cast(repeats, dtypes.int64)
    return slice_layer(x, [0] * rank, size, mode="wrap")


@imports("DepthToSpace", "SpaceToDepth")
def _import_depth_space(ctx: ImportContext) -> Tensor:
    """Shuffle layers (reshape, transpose, reshape) as the parser builds them (onnx-tensorrt
    ``DEFINE_BUILTIN_OP_IMPORTER(DepthToSpace)`` / ``(SpaceToDepth)``, whose reshape dims are computed
    from the input's shape): dynamic dims are read when the network runs, and a run whose H or W
    (SpaceToDepth) or C (DepthToSpace) is not a multiple of the block fails in the reshape, as ONNX
    rejects it. SpaceToDepth's ``mode`` (opset 28) CRD takes the channels before the block offsets, as
    ONNX defines it (UNCONFIRMED: the parser source read here builds DCR's order and reads no ``mode``)."""
    x = ctx.input(0)
    b = int(ctx.attr("blocksize"))
    ctx.check(b >= 1, f"blocksize {b} must be at least 1")
    if len(x.shape) != 4:
        raise ctx.refuse(f"the input is {x.type.shape_text}; expected (N, C, H, W)")
    n, c, h, w = x.shape
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
