"""ONNX export of INMSLayer: ONNX NonMaxSuppression (the operator onnx-tensorrt maps onto this layer), with
what makes it the layer's:

- the scores are transposed from TensorRT's ``(B, N, C)`` to ONNX's ``(B, C, N)``;
- boxes per class ``(B, N, C, 4)``, which ONNX does not take, become ``B * C`` batch items of one class
  each (the selection is per batch item and class either way), mapped back to (batch, class) after;
- the top-k limit: when the ``N * C`` candidates may exceed it, the scores of all but the
  ``topk_box_limit`` highest of each batch item (ONNX TopK, ties to the lower flat index, as the
  reference's order) are set to -inf, which no score threshold lets through;
- absent thresholds are given as 0.0 (TensorRT's defaults; ONNX's NonMaxSuppression selects every
  score when the score threshold is absent), the count is cast to int64 and the inputs to float32;
- ONNX lists the selected boxes by batch, class, then decreasing score; three stable sorts (ONNX TopK keeps
  equal keys in index order) by box, by decreasing score, then by batch give the layer's order: increasing
  batch, decreasing score, then the reference's tie order (lower box, then lower class).

onnxruntime orders equal scores of one class as its heap pops them, so where equal scores decide a
suppression the two may differ (the reference's choice is UNCONFIRMED in TensorRT as well)."""

from __future__ import annotations

import numpy as np

from trtdsl import dtypes
from trtdsl.backends.onnx.graph import NodeContext
from trtdsl.backends.onnx.importing import ImportContext, imports
from trtdsl.backends.onnx.registry import exports
from trtdsl.ir.tensor import Tensor
from trtdsl.layers.cast import cast
from trtdsl.layers.elementwise import minimum
from trtdsl.layers.nms import NMS, BoundingBoxFormat, nms
from trtdsl.layers.shuffle import reshape, transpose


def _top_candidates(ctx: NodeContext, scores: str, limit: int) -> str:
    """``scores`` (B, N, C) with all but the ``limit`` highest of each batch item set to -inf."""
    shape = ctx.input_type(1).shape
    if isinstance(shape[1], int) and isinstance(shape[2], int) and shape[1] * shape[2] <= limit:
        return scores
    dims = ctx.emit("Shape", [scores])
    candidates = ctx.emit("Mul", [ctx.emit("Shape", [scores], start=1, end=2),
                                  ctx.emit("Shape", [scores], start=2, end=3)])
    flat = ctx.emit("Reshape", [scores, ctx.emit("Concat", [ctx.emit("Shape", [scores], end=1), candidates],
                                                 axis=0)])
    k = ctx.emit("Min", [ctx.ints([limit]), candidates])
    values, indices = ctx.emit("TopK", [flat, k], outputs=2, axis=1, largest=1, sorted=1)
    floor = ctx.emit("Expand", [ctx.const(float("-inf"), dtypes.float32), ctx.emit("Shape", [flat])])
    return ctx.emit("Reshape", [ctx.emit("ScatterElements", [floor, indices, values], axis=1), dims])


def _column(ctx: NodeContext, rows: str, j: int) -> str:
    return ctx.emit("Gather", [rows, ctx.const(j, dtypes.int64)], axis=1)


@exports(NMS)
def _nms(ctx: NodeContext, op: NMS) -> tuple[str, str]:
    wide = ctx.input_type(0).dtype is not dtypes.float32
    boxes, scores = (ctx.cast(ctx.input(i), dtypes.float32) if wide else ctx.input(i) for i in (0, 1))
    scores = _top_candidates(ctx, scores, op.topk_box_limit)
    limit = ctx.cast(ctx.input(2), dtypes.int64)
    iou, threshold = (ctx.optional_input(i) or ctx.const(0.0, dtypes.float32) for i in (3, 4))
    center = int(op.box_format is BoundingBoxFormat.CENTER_SIZES)
    by_class = ctx.emit("Transpose", [scores], perm=[0, 2, 1])
    if ctx.input_type(0).rank == 3:
        found = ctx.emit("NonMaxSuppression", [boxes, by_class, limit, iou, threshold], center_point_box=center)
        batch, label, box = (_column(ctx, found, j) for j in range(3))
    else:
        classes = ctx.emit("Shape", [boxes], start=2, end=3)
        items = ctx.emit("Mul", [ctx.emit("Shape", [boxes], end=1), classes])
        one_class = ctx.emit("Reshape", [ctx.emit("Transpose", [boxes], perm=[0, 2, 1, 3]), ctx.emit(
            "Concat", [items, ctx.emit("Shape", [boxes], start=1, end=2), ctx.ints([4])], axis=0)])
        one_score = ctx.emit("Reshape", [by_class, ctx.emit(
            "Concat", [items, ctx.ints([1]), ctx.emit("Shape", [scores], start=1, end=2)], axis=0)])
        found = ctx.emit("NonMaxSuppression", [one_class, one_score, limit, iou, threshold],
                         center_point_box=center)
        item, box = _column(ctx, found, 0), _column(ctx, found, 2)
        count = ctx.emit("Squeeze", [classes, ctx.ints([0])])
        batch, label = ctx.emit("Div", [item, count]), ctx.emit("Mod", [item, count])
    score = ctx.emit("GatherND", [scores, ctx.emit("Concat", [ctx.emit("Unsqueeze", [v, ctx.ints([1])])
                                                            for v in (batch, box, label)], axis=1)])
    found_count = ctx.emit("Shape", [found], end=1)
    order = ctx.emit("Range", [ctx.const(0, dtypes.int64), ctx.emit("Squeeze", [found_count, ctx.ints([0])]),
                               ctx.const(1, dtypes.int64)])
    for key, largest in ((box, 0), (score, 1), (batch, 0)):
        _, step = ctx.emit("TopK", [ctx.emit("Gather", [key, order], axis=0), found_count], outputs=2, axis=0,
                           largest=largest, sorted=1)
        order = ctx.emit("Gather", [order, step], axis=0)
    rows = ctx.emit("Concat", [ctx.emit("Unsqueeze", [v, ctx.ints([1])]) for v in (batch, label, box)], axis=1)
    selected = ctx.emit("Gather", [rows, order], axis=0)
    if op.indices_dtype is not dtypes.int64:
        selected = ctx.cast(selected, op.indices_dtype)
    return selected, ctx.cast(ctx.emit("Reshape", [found_count, ctx.ints([])]), dtypes.int32)


# -- import ---------------------------------------------------------------------------------------------

@imports("NonMaxSuppression", since=10)
def _import_nms(ctx: ImportContext) -> Tensor:
    """One NMS layer (onnx-tensorrt ``DEFINE_BUILTIN_OP_IMPORTER(NonMaxSuppression)``): the scores
    transposed to ``(B, N, C)``, ``max_output_boxes_per_class`` clamped to the int32 range and cast to
    int32 (0 when absent), the thresholds as given (TensorRT's 0.0 when absent: only positive scores are
    selected), int64 indices. TensorRT lists the selected boxes by batch and then decreasing score where
    ONNX lists them by batch, class, then score: the two orders agree for one class only, so scores of
    several classes (or a class count known only at run time) are refused."""
    boxes, scores = ctx.input(0), ctx.input(1)
    ctx.check(len(boxes.shape) == 3 and len(scores.shape) == 3,
              f"boxes {boxes.shape} and scores {scores.shape} must be 3-D")
    ctx.check(scores.shape[1] == 1, f"scores have {scores.shape[1]} classes: TensorRT orders the selected "
              "boxes of several classes by score, where ONNX orders them by class")
    center = int(ctx.attr("center_point_box", 0))
    ctx.one_of("center_point_box", center, (0, 1))
    limit = ctx.optional(2)
    if limit is None:
        count: Tensor | int = 0
    else:
        limit = reshape(limit, ())
        if limit.dtype is dtypes.int64:
            limit = minimum(limit, ctx.constant(np.asarray(2**31 - 1, np.int64)))
        count = cast(limit, dtypes.int32)
    iou, threshold = (None if ctx.optional(i) is None else reshape(ctx.input(i), ()) for i in (3, 4))
    return nms(boxes, transpose(scores, (0, 2, 1)), count, iou_threshold=iou, score_threshold=threshold,
               box_coding="center" if center else "corner", indices_dtype=dtypes.int64)
