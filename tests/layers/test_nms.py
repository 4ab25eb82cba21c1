"""NMS against greedy non-maximum suppression written in plain Python with exact IoUs (fractions): boxes
lie on a lattice of halves and thresholds are odd multiples of 1/4096, so no IoU is within float32 rounding
of a threshold and float32 and exact arithmetic decide alike."""

from collections import defaultdict
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from support import call, expect_error, inputs

import trtdsl as td
from trtdsl.errors import ArgumentError, DTypeError, ShapeError
from trtdsl.layers.nms import NMS, BoundingBoxFormat
from backend_rows import Row, tensorrt_case, tensorrt_expectation, Layer, Const


def corners(box, center):
    a, b, c, d = (Fraction(float(v)) for v in box)
    if center:
        return a - c / 2, b - d / 2, a + c / 2, b + d / 2
    return min(a, c), min(b, d), max(a, c), max(b, d)


def iou(p, q):
    """Exact IoU; 0 for boxes that do not overlap or have no area."""
    width, height = min(p[2], q[2]) - max(p[0], q[0]), min(p[3], q[3]) - max(p[1], q[1])
    area_p, area_q = (p[2] - p[0]) * (p[3] - p[1]), (q[2] - q[0]) * (q[3] - q[1])
    if width <= 0 or height <= 0 or area_p <= 0 or area_q <= 0:
        return Fraction(0)
    return width * height / (area_p + area_q - width * height)


def expected(boxes, scores, limit, iou_threshold, score_threshold, center, topk):
    """Per batch item: the ``topk`` best (box, class) candidates by score (ties: lower box, then lower
    class), each selected if its score exceeds the threshold, its class has fewer than ``limit`` selected
    boxes and none of them overlaps it with an IoU above the threshold."""
    rows = []
    batch, count, classes = scores.shape
    for b in range(batch):
        candidates = sorted(((float(scores[b, n, c]), n, c) for n in range(count) for c in range(classes)),
                            key=lambda t: (-t[0], t[1], t[2]))[:topk]
        kept = defaultdict(list)
        for score, n, c in candidates:
            box = corners(boxes[b, n, c] if boxes.ndim == 4 else boxes[b, n], center)
            if score > score_threshold and len(kept[c]) < limit and all(
                    iou(box, other) <= iou_threshold for other in kept[c]):
                kept[c].append(box)
                rows.append((b, c, n))
    return np.array(rows, np.int64).reshape(-1, 3)


@st.composite
def case(draw):
    batch, count, classes = draw(st.integers(1, 2)), draw(st.integers(1, 7)), draw(st.integers(1, 3))
    per_class = draw(st.booleans())
    shape = (batch, count, classes, 4) if per_class else (batch, count, 4)
    halves = st.integers(-2, 24).map(lambda v: v / 2)
    boxes = np.array(draw(st.lists(halves, min_size=int(np.prod(shape)), max_size=int(np.prod(shape)))),
                     np.float32).reshape(shape)
    # few distinct scores, so that ties (broken by the documented reading) are common
    levels = st.sampled_from([-0.5, 0.0, 0.125, 0.25, 0.5, 0.75, 1.0, 2.0])
    scores = np.array(draw(st.lists(levels, min_size=batch * count * classes, max_size=batch * count * classes)),
                      np.float32).reshape(batch, count, classes)
    return boxes, scores


thresholds = st.integers(0, 2047).map(lambda k: (2 * k + 1) / 4096)


@pytest.mark.parametrize("dtype", [td.float32, td.float16], ids=lambda d: d.name)
@given(data=case(), limit=st.one_of(st.integers(1, 4), st.sampled_from([0, -1])), iou_threshold=thresholds,
       score_threshold=st.sampled_from([None, -1.0, 0.125, 0.5]), center=st.booleans(), topk=st.integers(1, 12),
       indices=st.sampled_from([td.int32, td.int64]))
def test_nms_matches_greedy_suppression(dtype, data, limit, iou_threshold, score_threshold, center, topk,
                                        indices):
    boxes, scores = data
    net = td.Network("nms")
    b, s = net.input("boxes", dtype, boxes.shape), net.input("scores", dtype, scores.shape)
    k = net.input("k", td.int32, ())
    selected = td.nms(b, s, k, iou_threshold=iou_threshold, score_threshold=score_threshold,
                      box_coding="center" if center else "corner", topk_box_limit=topk, indices_dtype=indices)
    net.output("selected", selected)
    net.output("count", selected.producer.outputs[1])
    out = net.run({"boxes": boxes.astype(dtype.numpy), "scores": scores.astype(dtype.numpy),
                   "k": np.array(limit, np.int32)})
    want = expected(boxes, scores, limit, iou_threshold, 0.0 if score_threshold is None else score_threshold,
                    center, topk)
    assert out["selected"].dtype == indices.numpy
    np.testing.assert_array_equal(out["selected"], want)
    assert out["count"].dtype == np.int32 and out["count"].shape == () and out["count"] == len(want)


def run_nms(boxes, scores, *args, **kwargs):
    net = td.Network("nms")
    b, s = net.input("boxes", td.float32, boxes.shape), net.input("scores", td.float32, scores.shape)
    net.output("selected", td.nms(b, s, *args, **kwargs))
    return net.run({"boxes": boxes, "scores": scores})["selected"]


def test_rows_come_by_batch_then_decreasing_score_across_classes():
    boxes = np.array([[[0, 0, 1, 1], [5, 5, 6, 6]], [[0, 0, 1, 1], [5, 5, 6, 6]]], np.float32)
    scores = np.array([[[0.3, 0.9], [0.8, 0.1]], [[0.2, 0.4], [0.6, 0.7]]], np.float32)
    np.testing.assert_array_equal(
        run_nms(boxes, scores, 5, score_threshold=0.15),
        [[0, 1, 0], [0, 0, 1], [0, 0, 0], [1, 1, 1], [1, 0, 1], [1, 1, 0], [1, 0, 0]],
    )


def test_a_score_equal_to_the_threshold_is_not_selected_and_an_iou_equal_to_it_does_not_suppress():
    boxes = np.array([[[0, 0, 1, 1], [0, 0, 1, 2], [5, 5, 6, 6]]], np.float32)  # IoU(0, 1) = 1/2
    scores = np.array([[[0.9], [0.8], [0.5]]], np.float32)
    np.testing.assert_array_equal(run_nms(boxes, scores, 5, iou_threshold=0.5, score_threshold=0.5),
                                  [[0, 0, 0], [0, 0, 1]])


def test_without_thresholds_only_positive_scores_are_kept_and_any_overlap_suppresses():
    boxes = np.array([[[0, 0, 10, 10], [9, 9, 20, 20], [20, 20, 30, 30], [40, 40, 50, 50]]], np.float32)
    scores = np.array([[[0.9], [0.8], [0.7], [0.0]]], np.float32)
    # box 1 overlaps box 0 a little (IoU 1/220 > 0); box 2 only touches box 1, which was suppressed
    np.testing.assert_array_equal(run_nms(boxes, scores, 10), [[0, 0, 0], [0, 0, 2]])


def test_boxes_per_class_are_compared_within_their_class():
    boxes = np.zeros((1, 2, 2, 4), np.float32)
    boxes[0, :, 0] = [[0, 0, 2, 2], [0, 0, 2, 2]]  # class 0: the same box twice
    boxes[0, :, 1] = [[0, 0, 2, 2], [4, 4, 6, 6]]  # class 1: two separate boxes
    scores = np.array([[[0.9, 0.6], [0.8, 0.7]]], np.float32)
    np.testing.assert_array_equal(run_nms(boxes, scores, 2, iou_threshold=0.5),
                                  [[0, 0, 0], [0, 1, 1], [0, 1, 0]])


def test_the_count_is_a_dim_of_the_network():
    net = td.Network("nms")
    b, s = net.input("b", td.float32, (1, 4, 4)), net.input("s", td.float32, (1, 4, 2))
    selected = td.nms(b, s, 3, iou_threshold=0.5)
    assert selected.shape == (td.Dim.symbol("nms(%b,%s,%constant_0,%constant_1)"), 3)
    assert net.nodes[-1].op == NMS(selected.shape[0])
    with pytest.warns(td.ShapeSyncWarning, match=r"include nms\(%b,%s,%constant_0,%constant_1\), which GPU "
                      "layers compute"):
        net.output("rows", td.arange(selected.shape[0], like=selected))
    boxes = np.array([[[0, 0, 1, 1], [2, 2, 3, 3], [0, 0, 1, 1.1], [5, 5, 6, 6]]], np.float32)
    scores = np.array([[[0.9, 0.1], [0.8, 0.2], [0.7, 0.3], [0.6, 0.0]]], np.float32)
    # class 0 keeps boxes 0, 1, 3 (box 2 overlaps box 0); class 1 keeps boxes 2, 1 (box 0 overlaps box 2,
    # box 3 scores 0)
    np.testing.assert_array_equal(net.run({"b": boxes, "s": scores})["rows"], np.arange(5))


def test_the_ir_shows_the_inputs_and_the_parameters_that_are_not_the_defaults():
    (net, (b, s, k, t)) = inputs((td.float16, ("n", 5, 3, 4)), (td.float16, ("n", 5, 3)), (td.int32, ()),
                                 (td.float32, ()))
    td.nms(b, s, k, score_threshold=t, box_coding="center_sizes", topk_box_limit=64, indices_dtype="int64")
    assert net.nodes[-1].op == NMS(td.Dim.symbol("nms(%t0,%t1,%t2,_,%t3;CENTER_SIZES;topk_box_limit=64)"),
                                   BoundingBoxFormat.CENTER_SIZES, 64, td.int64)
    assert ("%nms_0:0 : i64[nms(%t0,%t1,%t2,_,%t3;CENTER_SIZES;topk_box_limit=64),3], %nms_0:1 : i32[] = "
            "NMS(%t0, %t1, %t2, None, %t3, box_format=CENTER_SIZES, topk_box_limit=64, indices_dtype=int64)"
            ) in net.format(locations=False)


B, S = (td.float32, (1, 4, 4)), (td.float32, (1, 4, 2))
ERRORS = [
    (ArgumentError, "nms: argument 'max_output_boxes_per_class' is -1; expected an int in [0, 2147483647] or a "
                    "0-D int32 tensor",
     call(lambda b, s: td.nms(b, s, -1), B, S)),
    (ArgumentError, "nms: argument 'iou_threshold' is 1.5; expected a float in [0, 1] or a 0-D float32 tensor",
     call(lambda b, s: td.nms(b, s, 1, iou_threshold=1.5), B, S)),
    (ArgumentError, "nms: argument 'score_threshold' is inf; expected a finite float or a 0-D float32 tensor",
     call(lambda b, s: td.nms(b, s, 1, score_threshold=float("inf")), B, S)),
    (ArgumentError, "nms: argument 'box_coding' is 'xywh'; expected 'corner', 'center' or a BoundingBoxFormat",
     call(lambda b, s: td.nms(b, s, 1, box_coding="xywh"), B, S)),
    (ArgumentError, "nms: argument 'topk_box_limit' is 5001; expected an int in [1, 5000]",
     call(lambda b, s: td.nms(b, s, 1, topk_box_limit=5001), B, S)),
    (DTypeError, "NMS: input 'boxes' has dtype bfloat16; expected one of float32, float16",
     call(lambda b, s: td.nms(b, s, 1), (td.bfloat16, (1, 4, 4)), (td.bfloat16, (1, 4, 2)))),
    (DTypeError, "NMS: input 'scores' has dtype float16; expected one of float32 (the dtype of 'boxes')",
     call(lambda b, s: td.nms(b, s, 1), B, (td.float16, (1, 4, 2)))),
    (ShapeError, "NMS: input 'boxes' has shape (4, 4); expected rank 3 (batch, boxes, 4) or 4 (batch, boxes, "
                 "classes, 4)",
     call(lambda b, s: td.nms(b, s, 1), (td.float32, (4, 4)), S)),
    (ShapeError, "NMS: input 'boxes' has shape (1, 4, 2); expected its last dim to be 4",
     call(lambda b, s: td.nms(b, s, 1), (td.float32, (1, 4, 2)), S)),
    (ShapeError, "NMS: input 'scores' has shape (1, 4); expected rank 3 (batch, boxes, classes)",
     call(lambda b, s: td.nms(b, s, 1), B, (td.float32, (1, 4)))),
    (ShapeError, "NMS: inputs 'boxes' (1, 4, 4) and 'scores' (1, 5, 2) have box counts 4 and 5; they must be "
                 "equal",
     call(lambda b, s: td.nms(b, s, 1), B, (td.float32, (1, 5, 2)))),
    (ShapeError, "NMS: inputs 'boxes' (1, 4, 3, 4) and 'scores' (1, 4, 2) have class counts 3 and 2; they must "
                 "be equal",
     call(lambda b, s: td.nms(b, s, 1), (td.float32, (1, 4, 3, 4)), S)),
    (DTypeError, "NMS: input 'max_output_boxes_per_class' has dtype int64; expected one of int32",
     call(lambda b, s, k: td.nms(b, s, k), B, S, (td.int64, ()))),
    (ShapeError, "NMS: input 'max_output_boxes_per_class' has shape (1,); expected rank 0",
     call(lambda b, s, k: td.nms(b, s, k), B, S, (td.int32, (1,)))),
    (DTypeError, "NMS: input 'iou_threshold' has dtype float16; expected one of float32",
     call(lambda b, s, t: td.nms(b, s, 1, iou_threshold=t), B, S, (td.float16, ()))),
    (DTypeError, "NMS: argument 'indices_dtype' is td.float32; expected td.int32 or td.int64",
     call(lambda b, s: td.nms(b, s, 1, indices_dtype=td.float32), B, S)),
    (DTypeError, "nms: argument 'scores' is 0.5; expected a trtdsl Tensor; turn an array or a number into one with net.constant(...)",
     call(lambda b: td.nms(b, 0.5, 1), B)),
]


@pytest.mark.parametrize("cls, message, call_", ERRORS, ids=[f"{i:02d}" for i in range(len(ERRORS))])
def test_invalid_call_gives_exact_message(cls, message, call_):
    expect_error(cls, message, call_)


# -- ONNX cross-check rows (collected by tests/backends/onnx/test_crosscheck.py) --------------------
def onnx_rows() -> list[Row]:
    rows = []
    # onnxruntime orders equal scores of a class as its heap pops them: the scores are distinct constants
    scores = (np.random.default_rng(3).permutation(36).reshape(2, 6, 3) / 36 + 0.01).astype(np.float32)
    for dtype in (td.float32, td.float16):

        def suppressions(net, dtype=dtype):
            boxes = net.input("boxes", dtype, (2, 6, 4))
            per_class = net.input("per_class", dtype, (2, 6, 3, 4))
            k = net.input("k", td.int32, ())
            s = net.constant(scores.astype(dtype.numpy))
            net.output("corner", td.nms(boxes, s, 2, iou_threshold=0.4, score_threshold=0.1))
            net.output("center_int64", td.nms(boxes, s, k, iou_threshold=0.2, box_coding="center",
                                              indices_dtype=td.int64))
            net.output("top5", td.nms(boxes, s, 3, iou_threshold=0.5, topk_box_limit=5))
            net.output("defaults", td.nms(boxes, s, k))
            per_class_nms = td.nms(per_class, s, k, iou_threshold=0.3, score_threshold=0.3, topk_box_limit=7)
            net.output("by_class", per_class_nms)
            net.output("by_class_count", per_class_nms.producer.outputs[1])

        rows.append(Row(f"nms-{dtype.name}", suppressions,
                        values={"boxes": (-4, 8), "per_class": (-4, 8), "k": (-1, 3)}, special=False))
    return rows


@tensorrt_case
def detection_and_vision() -> td.Network:
    """GridSample, LRN and NMS with non-default parameters (NMS: optional inputs present and absent)."""
    net = td.Network("detection_and_vision")
    x = net.input("x", td.float32, ("n", 3, 4, 5))
    grid = net.input("grid", td.float32, ("n", 2, 6, 2))
    net.output("bilinear", td.grid_sample(x, grid))
    net.output("nearest_reflect", td.grid_sample(x, grid, interpolation="nearest", sample_mode="reflect"))
    net.output("cubic_border_aligned", td.grid_sample(x, grid, interpolation="cubic", align_corners=True,
                                                      sample_mode="border"))
    h = net.input("h", td.float16, (1, 2, 3, 3))
    net.output("half", td.grid_sample(h, net.input("h_grid", td.float16, (1, 4, 4, 2))))
    net.output("lrn", td.lrn(x, 3, alpha=2e-4, beta=0.6, k=1.5))
    boxes = net.input("boxes", td.float32, ("n", 6, 4))
    scores = net.input("scores", td.float32, ("n", 6, 3))
    limit = net.input("limit", td.int32, ())
    net.output("nms", td.nms(boxes, scores, limit, iou_threshold=0.4, score_threshold=-0.5,
                             box_coding="center", topk_box_limit=10, indices_dtype=td.int64))
    per_class = net.input("per_class", td.float16, ("n", 6, 3, 4))
    half_scores = net.input("half_scores", td.float16, ("n", 6, 3))
    net.output("nms_per_class", td.nms(per_class, half_scores, 2, score_threshold=0.25))
    return net


# -- TensorRT expectations (checked by tests/backends/tensorrt/test_expectations.py) ------------
@tensorrt_expectation("nms", "NvInfer.h addNMS(boxes, scores, maxOutputBoxesPerClass); INMSLayer::setInput: 3 the IoU "
     "threshold, 4 the score threshold (0-D float); setBoundingBoxFormat, setTopKBoxLimit, setIndicesType",
     {"NMS": Layer("add_nms", {"bounding_box_format": "BoundingBoxFormat.CENTER_SIZES", "topk_box_limit": 300,
                               "indices_type": "DataType.INT64"},
                   ("boxes", "scores", "per_class", Const(np.array(0.4, np.float32)),
                    Const(np.array(0.2, np.float32))))})
def _(net):
    boxes, scores = net.input("boxes", td.float32, (2, 6, 4)), net.input("scores", td.float32, (2, 6, 3))
    per_class = net.input("per_class", td.int32, ())
    net.output("selected", td.nms(boxes, scores, per_class, iou_threshold=0.4, score_threshold=0.2,
                                  box_coding="center", topk_box_limit=300, indices_dtype=td.int64))


@tensorrt_expectation("nms_defaults", "NvInfer.h INMSLayer: maxOutputBoxesPerClass a 0-D Int32 tensor (input 2), the "
     "thresholds optional inputs; BoundingBoxFormat::kCORNER_PAIRS",
     {"NMS": Layer("add_nms", {"bounding_box_format": "BoundingBoxFormat.CORNER_PAIRS",
                               "indices_type": "DataType.INT32"},
                   ("boxes", "scores", Const(np.array(3, np.int32))))})
def _(net):
    boxes, scores = net.input("boxes", td.float32, (1, 6, 3, 4)), net.input("scores", td.float32, (1, 6, 3))
    net.output("selected", td.nms(boxes, scores, 3))


# -- adversarial calls: a valid call's arguments (tests/test_adversarial.py gives each bad values) --------
ADVERSARIAL_CALLS = {
    "nms": lambda e: dict(boxes=e.net.constant(np.zeros((1, 5, 4), np.float32)),
                          scores=e.net.constant(np.ones((1, 5, 2), np.float32)), max_output_boxes_per_class=3,
                          iou_threshold=0.5, score_threshold=0.1),
}
