"""INMSLayer: non-maximum suppression per batch item and class, ONNX NonMaxSuppression's selection with
TensorRT's input layout and output order.

Inputs, in TensorRT's order (NvInfer.h, TensorRT 11.1, INMSLayer, line 6185):

- ``boxes``: ``(B, N, 4)`` boxes shared by every class, or ``(B, N, C, 4)`` boxes per class; float32 or
  float16. CORNER_PAIRS (the default) holds two diagonal corners ``(x1, y1, x2, y2)`` in either order;
  CENTER_SIZES holds ``(x_center, y_center, width, height)``.
- ``scores``: ``(B, N, C)``, the dtype of ``boxes``. (ONNX's scores are ``(B, C, N)``: onnx-tensorrt's
  NonMaxSuppression importer transposes them for this layer.)
- ``max_output_boxes_per_class``: a 0-D int32 tensor; at most this many boxes are selected per batch item
  and class (none when it is 0 or less).
- ``iou_threshold`` (optional, 0.0 when absent): a 0-D float32 in [0, 1]; a box is suppressed by an
  already selected box of its class whose IoU with it is **greater** than the threshold.
- ``score_threshold`` (optional, 0.0 when absent): a 0-D float32; a box is selected only if its score is
  **greater** than the threshold.

Per batch item ``b``, as NumPy-flavoured Python::

    s = scores[b].reshape(-1)                       # candidate i is (box i // C, class i % C)
    order = np.argsort(-s, kind="stable")[:topk_box_limit]
    for i in order:                                 # decreasing score
        n, c = divmod(i, C)
        if s[i] > score_threshold and len(kept[c]) < max_output_boxes_per_class \\
                and all(iou(box(n, c), box(m, c)) <= iou_threshold for m in kept[c]):
            kept[c].append(n); selected.append((b, c, n))

The outputs are ``selected`` as a ``(K, 3)`` tensor of ``(batch, class, box)`` rows (int32, or int64) and
``K`` as a 0-D int32 tensor. Rows come in increasing batch, then decreasing score (NvInfer.h). ``K``
depends on the data: the IR names it ``nms(%boxes,%scores,...)`` after the inputs (and the box format and
top-k limit when not the defaults), bound when the network runs, like NonZero's count.

Sources: NvInfer.h for the inputs, outputs, the strict score comparison ("must exceed"), IoU "less than or
equal to" the threshold, the class-agnostic top-k of ``topk_box_limit`` candidates per batch item
(at most 5000, TensorRT's default; 2000 on SM 5.3 and 6.2 GPUs), and the output order; onnx-tensorrt's
NonMaxSuppression importer (ONNX's inputs map to these with the scores transposed and
``center_point_box`` 0/1 as CORNER_PAIRS/CENTER_SIZES, so the selection is ONNX's). The IoU is computed
in float32 as onnxruntime computes it: the intersection's sides and the union must be positive, else the
boxes do not overlap (IoU 0). UNCONFIRMED: the order of equal scores, which NvInfer.h leaves unspecified
(trtdsl takes lower box index, then lower class index first, which decides both which box of two equal
ones suppresses the other and the order of the output); the IoU of boxes with no area (taken as 0); and
NaN scores (never selected, and ordered after every number). Running the layer on such inputs would
settle them.

>>> import numpy as np, trtdsl as td
>>> net = td.Network("nms")
>>> boxes = net.input("boxes", td.float32, (1, 3, 4))
>>> scores = net.input("scores", td.float32, (1, 3, 1))
>>> net.output("selected", td.nms(boxes, scores, 10, iou_threshold=0.5))
>>> out = net.run({"boxes": np.array([[[0, 0, 1, 1], [0, 0.1, 1, 1.1], [2, 2, 3, 3]]], np.float32),
...                "scores": np.array([[[0.9], [0.8], [0.7]]], np.float32)})
>>> out["selected"]                     # box 1 overlaps box 0 with IoU 0.82: suppressed
array([[0, 0, 0],
       [0, 0, 2]], dtype=int32)
"""

from __future__ import annotations

import enum
from typing import Any, Callable, Sequence

import attrs
import numpy as np

from trtdsl import dtypes
from trtdsl.dtypes import DType
from trtdsl.errors import DTypeError, ShapeError, bad_argument
from trtdsl.ir.dims import Dim, DimLike
from trtdsl.ir.network import Network
from trtdsl.ir.op import Inputs, Op, ir
from trtdsl.ir.tensor import Tensor
from trtdsl.ir.types import TensorType
from trtdsl.layers._common import expect_dtype, expect_rank, expect_tensor, finite_float, is_int

__all__ = ["BoundingBoxFormat", "NMS", "nms"]

NMS_DTYPES = (dtypes.float32, dtypes.float16)
MAX_TOPK_BOX_LIMIT = 5000  # NvInfer.h: TensorRT's default and its limit (except on SM 5.3 and 6.2)
INT32_MAX = 2**31 - 1


class BoundingBoxFormat(enum.Enum):
    CORNER_PAIRS = "corner_pairs"
    CENTER_SIZES = "center_sizes"


_BOX_CODINGS = {"corner": BoundingBoxFormat.CORNER_PAIRS, "center": BoundingBoxFormat.CENTER_SIZES}


def nms_count_symbol(inputs: Sequence[Tensor | None], box_format: BoundingBoxFormat = BoundingBoxFormat.CORNER_PAIRS,
                     topk_box_limit: int = MAX_TOPK_BOX_LIMIT) -> Dim:
    """The dim the IR gives the number of boxes an NMS layer selects: named after its inputs (``_`` for an
    absent one) and its parameters that change the count, when they are not the defaults.

    >>> import trtdsl as td
    >>> net = td.Network("c")
    >>> b, s = net.input("b", td.float32, (1, 4, 4)), net.input("s", td.float32, (1, 4, 2))
    >>> k = net.input("k", td.int32, ())
    >>> nms_count_symbol([b, s, k]), nms_count_symbol([b, s, k, None, k], topk_box_limit=100)
    (Dim('nms(%b,%s,%k)'), Dim('nms(%b,%s,%k,_,%k;topk_box_limit=100)'))
    """
    names = ",".join("_" if t is None else f"%{t.name}" for t in inputs)
    extra = ""
    if box_format is not BoundingBoxFormat.CORNER_PAIRS:
        extra += f";{box_format.name}"
    if topk_box_limit != MAX_TOPK_BOX_LIMIT:
        extra += f";topk_box_limit={topk_box_limit}"
    return Dim.symbol(f"nms({names}{extra})")


def _same_dim(label: str, what: str, a: DimLike, b: DimLike, shapes: str) -> None:
    """A ShapeError when dims ``a`` and ``b`` that must be equal are known to differ (two different ints,
    or two different dim expressions)."""
    if a != b and not (isinstance(a, int) ^ isinstance(b, int)):
        raise ShapeError(f"{label}: inputs {shapes} have {what} {a} and {b}; they must be equal")


def _corners(boxes: np.ndarray, box_format: BoundingBoxFormat) -> np.ndarray:
    """``(..., 4)`` boxes as float32 ``(x_min, y_min, x_max, y_max)``."""
    b = boxes.astype(np.float32)
    if box_format is BoundingBoxFormat.CENTER_SIZES:
        half = b[..., 2:] / np.float32(2)
        return np.concatenate([b[..., :2] - half, b[..., :2] + half], axis=-1)
    return np.concatenate([np.minimum(b[..., :2], b[..., 2:]), np.maximum(b[..., :2], b[..., 2:])], axis=-1)


def _suppressed(box: np.ndarray, kept: np.ndarray, threshold: np.float32) -> bool:
    """Whether a ``kept`` box (rows of corners) overlaps ``box`` with an IoU above ``threshold``."""
    if len(kept) == 0:
        return False
    width = np.minimum(box[2], kept[:, 2]) - np.maximum(box[0], kept[:, 0])
    height = np.minimum(box[3], kept[:, 3]) - np.maximum(box[1], kept[:, 1])
    intersection = width * height
    area = (box[2] - box[0]) * (box[3] - box[1])
    areas = (kept[:, 2] - kept[:, 0]) * (kept[:, 3] - kept[:, 1])
    union = area + areas - intersection
    overlapping = (width > 0) & (height > 0) & (intersection > 0) & (area > 0) & (areas > 0) & (union > 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        iou = intersection / union
    return bool(np.any(overlapping & (iou > threshold)))


@attrs.frozen
class NMS(Op):
    """The boxes non-maximum suppression selects, as ``(batch, class, box)`` rows, and their count (see
    the module). ``count`` is not a TensorRT parameter: it is the dim the IR gives the data-dependent
    number of rows (:func:`nms_count_symbol`)."""

    kind = "NMS"
    docs_row = (  # docs/layers.md: DSL functions, TensorRT layer, semantics that differ from NumPy, sources
        "`td.nms`",
        "`INMSLayer` (`BoundingBoxFormat` CORNER_PAIRS / CENTER_SIZES)",
        "Greedy per batch item and class over the `topk_box_limit` (<= 5000) best candidates: kept if "
        "score **>** threshold and IoU **<=** threshold with the boxes kept for its class (NvInfer.h; "
        "thresholds 0.0 when absent); scores are `(B, N, C)` (ONNX's are `(B, C, N)`), boxes `(B, N, 4)` "
        "or per class `(B, N, C, 4)`; returns `(count, 3)` `(batch, class, box)` rows by batch then "
        "decreasing score, the count a data-dependent dim. *UNCONFIRMED*: equal scores (lower box, then "
        "lower class, first), IoU of boxes with no area (0), NaN scores (never selected).",
        "NvInfer.h `INMSLayer`, onnx-tensorrt NonMaxSuppression importer",
    )
    input_names = ("boxes", "scores", "max_output_boxes_per_class", "iou_threshold?", "score_threshold?")
    input_dtypes = {"boxes": NMS_DTYPES, "max_output_boxes_per_class": (dtypes.int32,)}
    name_stem = "nms"
    count: Dim = attrs.field(metadata=ir(hidden=True))
    box_format: BoundingBoxFormat = attrs.field(default=BoundingBoxFormat.CORNER_PAIRS,
                                                metadata=ir(unless_default=True))
    topk_box_limit: int = attrs.field(default=MAX_TOPK_BOX_LIMIT, metadata=ir(unless_default=True))
    indices_dtype: DType = attrs.field(default=dtypes.int32, metadata=ir(unless_default=True, by_name=True))

    def infer(self, inputs: Inputs) -> tuple[TensorType, ...]:
        boxes, scores, limit = inputs
        iou, score = inputs.all[3:]
        label = self.label()
        if not isinstance(self.box_format, BoundingBoxFormat):
            raise bad_argument(label, "box_format", self.box_format, "a BoundingBoxFormat")
        if isinstance(self.topk_box_limit, bool) or not isinstance(self.topk_box_limit, int) \
                or not 1 <= self.topk_box_limit <= MAX_TOPK_BOX_LIMIT:
            raise bad_argument(label, "topk_box_limit", self.topk_box_limit,
                               f"an int in [1, {MAX_TOPK_BOX_LIMIT}]")
        if self.indices_dtype not in dtypes.INTEGERS:
            raise bad_argument(label, "indices_dtype", self.indices_dtype, "td.int32 or td.int64", DTypeError)
        if not isinstance(self.count, Dim) or not self.count.is_symbol:
            raise bad_argument(label, "count", self.count, "a named dim (the count's symbol)")
        expect_dtype(label, "scores", scores, (boxes.dtype,), " (the dtype of 'boxes')")
        expect_rank(label, "boxes", boxes, (3, 4), "rank 3 (batch, boxes, 4) or 4 (batch, boxes, classes, 4)")
        expect_rank(label, "scores", scores, (3,), "rank 3 (batch, boxes, classes)")
        if boxes.shape[-1] != 4:
            raise ShapeError(f"{label}: input 'boxes' has shape {boxes.shape_text}; expected its last dim to "
                             "be 4")
        pair = f"'boxes' {boxes.shape_text} and 'scores' {scores.shape_text}"
        for axis, what in enumerate(("batch dims", "box counts", "class counts")[: boxes.rank - 1]):
            _same_dim(label, what, boxes.shape[axis], scores.shape[axis], pair)
        expect_rank(label, "max_output_boxes_per_class", limit, (0,), "rank 0")
        for arg, ty in (("iou_threshold", iou), ("score_threshold", score)):
            if ty is not None:
                expect_dtype(label, arg, ty, (dtypes.float32,))
                expect_rank(label, arg, ty, (0,), "rank 0")
        return (TensorType(self.indices_dtype, (self.count, 3)), TensorType(dtypes.int32, ()))

    def reference(self, boxes: np.ndarray, scores: np.ndarray, limit: np.ndarray,
                  iou: np.ndarray | None = None, score: np.ndarray | None = None) -> tuple[np.ndarray, ...]:
        iou_threshold = np.float32(0) if iou is None else np.float32(iou)
        score_threshold = np.float32(0) if score is None else np.float32(score)
        per_class_limit = max(int(limit), 0)
        classes = scores.shape[2]
        corners = _corners(boxes, self.box_format)
        if corners.ndim == 3:  # shared by every class
            corners = np.broadcast_to(corners[:, :, None], corners.shape[:2] + (classes, 4))
        rows = []
        for b in range(scores.shape[0]):
            flat = scores[b].astype(np.float32).reshape(-1)
            order = np.argsort(-flat, kind="stable")[: self.topk_box_limit]  # NaNs sort last
            kept: dict[int, list[np.ndarray]] = {c: [] for c in range(classes)}
            for i in order:
                n, c = divmod(int(i), classes)
                if not flat[i] > score_threshold or len(kept[c]) >= per_class_limit:
                    continue
                box = corners[b, n, c]
                if not _suppressed(box, np.array(kept[c]).reshape(-1, 4), iou_threshold):
                    kept[c].append(box)
                    rows.append((b, c, n))
        selected = np.array(rows, dtype=self.indices_dtype.numpy).reshape(len(rows), 3)
        return selected, np.array(len(rows), np.int32)


def _box_format(value: Any) -> BoundingBoxFormat:
    if isinstance(value, BoundingBoxFormat):
        return value
    if isinstance(value, str):
        if value.lower() in _BOX_CODINGS:
            return _BOX_CODINGS[value.lower()]
        if value.upper() in BoundingBoxFormat.__members__:
            return BoundingBoxFormat[value.upper()]
    raise bad_argument("nms", "box_coding", value, "'corner', 'center' or a BoundingBoxFormat")


def _scalar(net: Network, fn: str, arg: str, value: Any, dtype: DType,
            check: Callable[[str, str, Any], float]) -> Tensor | None:
    """``value`` as a 0-D tensor: a Tensor as given, None as None, a Python number checked by ``check``
    and made a constant of ``dtype``."""
    if value is None or isinstance(value, Tensor):
        return value
    return net.constant(np.array(check(fn, arg, value), dtype.numpy))


def _count(fn: str, arg: str, value: Any) -> int:
    if not is_int(value) or not 0 <= value <= INT32_MAX:
        raise bad_argument(fn, arg, value, f"an int in [0, {INT32_MAX}] or a 0-D int32 tensor")
    return int(value)


def _iou(fn: str, arg: str, value: Any) -> float:
    expected = "a float in [0, 1] or a 0-D float32 tensor"
    number = finite_float(fn, arg, value, expected)
    if not 0 <= number <= 1:
        raise bad_argument(fn, arg, value, expected)
    return number


def _score(fn: str, arg: str, value: Any) -> float:
    return finite_float(fn, arg, value, "a finite float or a 0-D float32 tensor")


def nms(boxes: Tensor, scores: Tensor, max_output_boxes_per_class: Tensor | int, *,
        iou_threshold: Tensor | float | None = None, score_threshold: Tensor | float | None = None,
        box_coding: BoundingBoxFormat | str = "corner", topk_box_limit: int = MAX_TOPK_BOX_LIMIT,
        indices_dtype: DType | str = dtypes.int32, name: str | None = None) -> Tensor:
    """Non-maximum suppression as one INMSLayer: the ``(K, 3)`` ``(batch, class, box)`` indices of the
    selected boxes, in increasing batch and then decreasing score (see the module for the selection).

    ``boxes`` is ``(B, N, 4)`` (or ``(B, N, C, 4)``, per class) and ``scores`` is ``(B, N, C)`` (TensorRT's
    layout: ONNX's ``(B, C, N)`` scores need ``td.transpose(scores, (0, 2, 1))``). The maximum count per
    class is an int or a 0-D int32 tensor; the thresholds are floats or 0-D float32 tensors, left out of
    the layer when None (TensorRT then uses 0.0 for both: only positive scores are selected, and any
    overlap suppresses). ``box_coding`` is "corner" (two diagonal corners, ONNX's ``center_point_box=0``)
    or "center" (centre and sizes). At most ``topk_box_limit`` (<= 5000) highest-scoring (box, class)
    candidates per batch item are considered. ``K`` is ``result.shape[0]``, a dim known when the network
    runs; the layer's second output (the count as a 0-D int32 tensor) is
    ``result.producer.outputs[1]``.

    >>> import numpy as np, trtdsl as td
    >>> net = td.Network("nms")
    >>> boxes = net.input("boxes", td.float32, (1, 2, 4))
    >>> scores = net.input("scores", td.float32, (1, 2, 2))
    >>> selected = td.nms(boxes, scores, 1, iou_threshold=0.5, score_threshold=0.1, box_coding="center")
    >>> selected.shape
    (Dim('nms(%boxes,%scores,%constant_0,%constant_1,%constant_2;CENTER_SIZES)'), 3)
    >>> net.output("selected", selected)
    >>> out = net.run({"boxes": np.array([[[0, 0, 2, 2], [5, 5, 2, 2]]], np.float32),
    ...                "scores": np.array([[[0.2, 0.05], [0.6, 0.3]]], np.float32)})
    >>> out["selected"]                 # class 0 keeps box 1 (0.6), class 1 keeps box 1 (0.3)
    array([[0, 0, 1],
           [0, 1, 1]], dtype=int32)
    """
    boxes = expect_tensor("nms", "boxes", boxes)
    scores = expect_tensor("nms", "scores", scores)
    net = boxes.network
    box_format = _box_format(box_coding)
    if not is_int(topk_box_limit) or not 1 <= topk_box_limit <= MAX_TOPK_BOX_LIMIT:
        raise bad_argument("nms", "topk_box_limit", topk_box_limit, f"an int in [1, {MAX_TOPK_BOX_LIMIT}]")
    inputs = [
        boxes,
        scores,
        _scalar(net, "nms", "max_output_boxes_per_class", max_output_boxes_per_class, dtypes.int32, _count),
        _scalar(net, "nms", "iou_threshold", iou_threshold, dtypes.float32, _iou),
        _scalar(net, "nms", "score_threshold", score_threshold, dtypes.float32, _score),
    ]
    while inputs[-1] is None:
        inputs.pop()
    limit = int(topk_box_limit)
    op = NMS(nms_count_symbol(inputs, box_format, limit), box_format, limit, dtypes.dtype(indices_dtype))
    return net.add(op, inputs, name=name)[0]
