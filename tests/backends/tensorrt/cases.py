"""Networks for the TensorRT tests: at least one per op kind (with its parameters varied), and the
example networks. Each case is a function that builds a fresh network, so tests can lower, raise and
run it independently; ``inputs(net)`` gives arrays to run it on.

Parameters are lopsided on purpose: padding differs before and after, strides, dilations, windows and
kernels differ per axis, enums are not their defaults, axes are given negative where the user may, and
permutations are not their own inverses. A lowering that reads a parameter from the wrong side or axis
and a raise that makes the same mistake back then cannot give the same IR."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Callable

import ml_dtypes
import numpy as np

import trtdsl as td
from trtdsl.layers.activation import ActivationType
from trtdsl.layers.elementwise import ElementWiseOperation
from trtdsl.layers.unary import UnaryOperation

ROOT = Path(__file__).resolve().parents[3]
CASES: dict[str, Callable[[], td.Network]] = {}
# The op kinds each case is meant to cover (checked: every kind of all_op_types() must be covered).
KINDS: dict[str, set[str]] = {}


def case(fn: Callable[[], td.Network]) -> Callable[[], td.Network]:
    CASES[fn.__name__] = fn
    return fn


def kinds_of(net: td.Network) -> set[str]:
    return {node.op.kind for node in net.nodes}


def _rng(seed: int = 0) -> np.random.Generator:
    return np.random.default_rng(seed)


def _w(*shape: int, dtype=np.float32, seed: int = 0) -> np.ndarray:
    return _rng(seed).standard_normal(shape).astype(dtype)


# -- elementwise families ----------------------------------------------------------------------------------
@case
def activations() -> td.Network:
    net = td.Network("activations")
    x = net.input("x", td.float32, ("n", 5))
    for kind in ActivationType:
        net.output(kind.name.lower(), td.activation(x, kind, 0.25, 1.5))
    h = net.input("h", td.float16, (3,))
    net.output("h_relu", td.relu(h))
    b = net.input("b", td.bfloat16, (3,))
    net.output("b_gelu", td.gelu(b))
    i = net.input("i", td.int32, (3,))
    net.output("i_relu", td.relu(i))
    return net


@case
def unary_ops() -> td.Network:
    net = td.Network("unary")
    x = net.input("x", td.float32, (2, "n"))
    for op in UnaryOperation:
        if op is UnaryOperation.NOT:
            net.output("not", td.logical_not(x > 0))
        else:
            net.output(op.name.lower(), td.unary(x, op))
    i = net.input("i", td.int64, (4,))
    net.output("abs_i", td.abs(i))
    net.output("sign_i", td.sign(i))
    net.output("neg_i", -i)
    return net


@case
def elementwise_ops() -> td.Network:
    net = td.Network("elementwise")
    a = net.input("a", td.float32, ("n", 3))
    b = net.input("b", td.float32, (3,))
    for op in ElementWiseOperation:
        if op.name in ("AND", "OR", "XOR"):
            net.output(op.name.lower(), td.elementwise(a > 0, b > 0, op))
        else:
            net.output(op.name.lower(), td.elementwise(a, b, op))
    i = net.input("i", td.int32, (3,))
    net.output("idiv", i / 2)
    net.output("ifloordiv", i // 3)
    net.output("imod", i % 4)
    net.output("ne", a != b)
    net.output("ge", a >= 1.0)
    return net


@case
def casts() -> td.Network:
    net = td.Network("casts")
    x = net.input("x", td.float32, (4,))
    for to in (td.float16, td.bfloat16, td.int32, td.int64, td.int8, td.uint8, td.bool):
        net.output(f"to_{to.name}", td.cast(x, to))
    i = net.input("i", td.int64, (4,))
    net.output("i_to_f16", td.cast(i, td.float16))
    return net


@case
def identities_and_outputs() -> td.Network:
    net = td.Network("outputs")
    x = net.input("x", td.float32, (2, 2))
    y = td.relu(x, name="act")
    net.output("same_as_input", x)
    net.output("first", y)
    net.output("second", y)
    net.output("copy", td.identity(td.exp(x)))
    return net


@case
def constants() -> td.Network:
    net = td.Network("constants")
    x = net.input("x", td.float32, (2, 3))
    net.output("f32", x + net.constant(_w(2, 3)))
    net.output("scalar", x * 2.5)
    net.output("f16", net.constant(np.array([[1.5, -2]], np.float16)))
    net.output("bf16", net.constant(np.array([1.5, -2, 3.25], ml_dtypes.bfloat16)))
    net.output("i32", net.constant(np.arange(6, dtype=np.int32).reshape(2, 3)))
    net.output("i64", net.constant(np.array([2**40, -1], np.int64)))
    net.output("bool", net.constant(np.array([[True, False], [False, True]])))
    net.output("i8", net.constant(np.array([-128, 0, 127], np.int8)))
    net.output("u8", net.constant(np.array([0, 7, 255], np.uint8)))
    net.output("empty", net.constant(np.zeros((0, 3), np.float32)))
    net.output("zero_d", net.constant(np.array(4.0, np.float32)))
    return net


# -- shuffles ----------------------------------------------------------------------------------------------
@case
def shuffles() -> td.Network:
    net = td.Network("shuffles")
    x = net.input("x", td.float32, ("batch", 2, 3, 4))
    net.output("transposed", td.transpose(x, (0, 3, 1, 2)))
    net.output("reshaped", x.reshape(x.shape[0], 6, -1))
    net.output(
        "both", td.shuffle(x, first_transpose=(0, 2, 3, 1), reshape=(0, 3, 8), second_transpose=(2, 0, 1))
    )
    y = net.input("y", td.float32, (0, 4))
    net.output("zero_dims", td.shuffle(y, reshape=(4, 0), zero_is_placeholder=False))
    net.output("squeezed", td.squeeze(td.unsqueeze(x, (0, -1)), (-1, 0)))
    net.output("expanded", td.expand_dims(x, -1))
    return net


# -- data movement -----------------------------------------------------------------------------------------
@case
def concatenations() -> td.Network:
    net = td.Network("concat")
    a = net.input("a", td.float32, ("n", 2))
    b = net.input("b", td.float32, ("n", 3))
    net.output("axis1", td.concatenate([a, b, a], axis=-1))
    net.output("axis0", td.concatenate([a, np.zeros((1, 2), np.float32)], axis=0))
    net.output("single", td.concatenate([b], axis=1))
    return net


@case
def gathers() -> td.Network:
    net = td.Network("gathers")
    data = net.input("data", td.float32, (3, 4, 5))
    idx = net.input("idx", td.int32, (2,))
    net.output("take", td.take(data, idx, axis=-2))
    net.output("take_const", td.take(data, np.array([[0, 2]], np.int64), axis=2))
    net.output("along", td.take_along_axis(data, np.zeros((3, 4, 2), np.int32), axis=-1))
    net.output("nd", td.gather_nd(data, np.array([[0, 1], [2, 3]], np.int32)))
    net.output("nd_batch", td.gather_nd(data, np.zeros((3, 1), np.int32), batch_dims=1))
    net.output("elementwise", td.gather(data, np.zeros((3, 2), np.int32), axis=1, num_elementwise_dims=1))
    return net


@case
def selects_and_shapes() -> td.Network:
    net = td.Network("select")
    x = net.input("x", td.float32, ("n", 3))
    y = net.input("y", td.float32, (3,))
    net.output("where", td.where(x > y, x, y))
    net.output("where_scalar", td.where(x > 0, x, 0.0))
    net.output("shape", td.shape_of(x))
    net.output("shape_0d", td.shape_of(net.constant(np.array(1.0, np.float32))))
    return net


@case
def slices() -> td.Network:
    net = td.Network("slices")
    x = net.input("x", td.float32, ("n", 6, 5))
    net.output("basic", x[:, 1:5:2, ::-1])
    net.output("index", x[:, 2])
    for mode in ("wrap", "clamp", "reflect"):
        net.output(mode, td.slice(x, (0, -2, 1), (2, 9, 3), (1, 1, 2), mode=mode))
    net.output("fill", td.slice(x, (0, -1, 0), (1, 8, 5), mode="fill", fill=7.0))
    net.output("full_dynamic", td.slice(x, (0, 1, 0), (x.shape[0], 4, 5)))
    y = net.input("y", td.int32, (4, 4, 4, 4))
    net.output("pad_const", td.pad(y, ((0, 0), (1, 2), (0, 0), (3, 0)), constant_values=-1))
    net.output("pad_edge", td.pad(y, ((0, 0), (2, 1), (1, 0), (0, 3)), mode="edge"))
    net.output("padding_nd", td.padding_nd(y, (1, -1), (0, 2)))
    return net


@case
def dynamic_shapes() -> td.Network:
    """Fill, Resize and NonZero, and reshapes, slices and resizes by shape tensors (trtdsl.shapes)."""
    net = td.Network("dynamic_shapes")
    x = net.input("x", td.float32, ("n", 6))
    net.output("reshape", td.reshape(x, (x.shape[0] * 3, -1)))
    net.output("shuffle", td.shuffle(x, (1, 0), td.shape_of(x)[::-1]))
    net.output("slice", td.slice(x, (1, x.shape[1] - 5), (x.shape[0] - 1, 2), (1, 2), mode="wrap"))
    net.output("arange", td.arange(x.shape[0], like=x))
    net.output("linspace", td.fill((x.shape[0], 3), "linspace", 1.0, (10.0, 0.5), like=x))
    net.output("linspace_static", td.fill((4,), "linspace", 3, 2, td.int32, like=x))
    net.output("uniform", td.fill((x.shape[0], 2), "random_uniform", 1.0, 2.0, like=x) >= 1.0)
    net.output("normal", td.isnan(td.random_normal((3,), like=x)))
    net.output("zeros", td.zeros_like(x, td.int32))
    net.output("broadcast", td.broadcast_to(x[:, :1], (x.shape[0], 4)))
    image = net.input("image", td.float32, (1, 2, "h", 4))
    net.output("nearest", td.resize(image, (1, 2, image.shape[2] * 2, 3), nearest_rounding="half_up"))
    half_pixel = {"coordinate_transformation": "half_pixel", "selector": "upper"}
    linear = td.resize(image, scales=(1, 1, 1.5, 0.5), mode="linear", **half_pixel)
    net.output("linear", linear)
    cubic = td.resize(
        image,
        (1, 2, 3, 5),
        mode="cubic",
        coordinate_transformation="align_corners",
        cubic_coeff=-0.5,
        exclude_outside=True,
    )
    net.output("cubic", cubic)
    net.output("nonzero", td.nonzero(x > 0))
    net.output("nonzero64", td.nonzero(x < 0, td.int64))
    net.mark_output_for_shapes("dims", td.shape_of(image) + 1)
    net.mark_output_for_shapes("dims32", td.cast(td.shape_of(image), td.int32))
    return net


@case
def helpers() -> td.Network:
    """The helpers built from layers (td.stack, td.linear, ...): they lower as the layers they are made of."""
    net = td.Network("helpers")
    x = net.input("x", td.float32, ("n", 4, 6))
    n = x.shape[0]
    net.output("stack", td.stack([x, x * 2.0], axis=-1))
    for i, part in enumerate(td.split(x, [2, n], axis=2)):
        net.output(f"split{i}", part)
    net.output("flatten", td.flatten(x, 1))
    net.output("tile", td.tile(x, (1, 2, 1)))
    net.output("repeat", td.repeat(x, 2, axis=1))
    net.output("flip", td.flip(x, (0, 2)))
    net.output("argmax", td.argmax(x, 1))
    net.output("argmin", td.argmin(x, keepdims=True, dtype=td.int64))
    net.output("last", x[n - 1, :n])
    net.output("zeros", td.zeros(x.shape))
    heads = td.split_heads(td.linear(x, _w(6, 6), _w(6)), 2)
    net.output("attention", td.merge_heads(td.silu(heads)))
    images = net.input("images", td.float32, ("n", 4, 3, 3))
    net.output("batch_norm", td.batch_norm(images, *(np.linspace(0.5, 1.5, 4) for _ in range(4))))
    net.output("log_softmax", td.log_softmax(x))
    net.output("hard_swish", td.hard_swish(x))
    return net


# -- reductions and friends --------------------------------------------------------------------------------
@case
def reductions() -> td.Network:
    net = td.Network("reductions")
    x = net.input("x", td.float32, ("n", 4, 5))
    net.output("sum", x.sum(axis=(-1, 1)))
    net.output("mean_keep", x.mean(axis=1, keepdims=True))
    net.output("max", x.max(axis=-1))
    net.output("min", x.min())
    net.output("prod", x.prod(axis=(0, 2), keepdims=True))
    net.output("softmax", td.softmax(x, axis=-2))
    v, i = td.topk(x, 2, axis=-1)
    net.output("top_v", v)
    net.output("top_i", i)
    v2, i2 = td.topk(x, 3, axis=1, largest=False, indices_dtype=td.int64)
    net.output("bottom_v", v2)
    net.output("bottom_i", i2)
    i = net.input("i", td.int32, (6,))
    net.output("cumsum", td.cumsum(i, 0))
    net.output("cumsum_rev_excl", td.cumsum(x, -2, exclusive=True, reverse=True))
    net.output("cumsum_excl", td.cumsum(x, 2, exclusive=True))
    net.output("cumsum_rev", td.cumsum(x, -1, reverse=True))
    return net


@case
def matmuls() -> td.Network:
    net = td.Network("matmuls")
    a = net.input("a", td.float32, ("b", 3, 4))
    v = net.input("v", td.float32, (4,))
    net.output("mm", a @ _w(4, 2))
    net.output("mm_t", td.matmul(a, a, transpose_b=True))
    net.output("mv", a @ v)
    net.output("vv", td.matmul(v, v))
    net.output("vm", v @ _w(4, 3, seed=1))
    h = net.input("h", td.float16, (2, 2))
    net.output("mm_f16", h @ h)
    return net


@case
def normalizations() -> td.Network:
    net = td.Network("norms")
    x = net.input("x", td.float32, ("n", 4, 3, 3))
    net.output("layer", td.layer_norm(x, np.ones((3, 3), np.float32), np.zeros((3, 3), np.float32), eps=1e-3))
    net.output("instance", td.instance_norm(x, _w(4), _w(4, seed=1), eps=1e-4))
    net.output("group", td.group_norm(x, 2, _w(4), _w(4, seed=2), eps=2e-3))
    half = x.astype(td.float16)
    net.output("group_f16", td.group_norm(half, 2, _w(4, dtype=np.float16), _w(4, dtype=np.float16, seed=1)))
    bf16 = td.bfloat16.numpy
    bf = x.astype(td.bfloat16)
    net.output("layer_bf16", td.layer_norm(bf, _w(3, dtype=bf16), _w(3, dtype=bf16, seed=1)))
    return net


# -- convolution and pooling -------------------------------------------------------------------------------
@case
def convolutions() -> td.Network:
    net = td.Network("convs")
    x = net.input("x", td.float32, ("n", 4, 9, 9))
    net.output("conv", td.conv(x, _w(6, 4, 3, 2), _w(6)))
    net.output(
        "conv_strided",
        td.conv(x, _w(4, 2, 3, 2), stride=(2, 1), padding=((1, 2), (0, 1)), dilation=(2, 1), groups=2),
    )
    net.output("conv_same", td.conv(x, _w(2, 4, 2, 3), stride=(1, 2), padding_mode="same_upper"))
    net.output("conv_same_lower", td.conv(x, _w(2, 4, 3, 2), padding_mode="same_lower"))
    net.output("conv_round_up", td.conv(x, _w(2, 4, 2, 2), stride=(3, 2), padding_mode="explicit_round_up"))
    net.output(
        "deconv", td.conv_transpose(x, _w(4, 3, 2, 3), _w(3), stride=(2, 3), padding=((1, 0), (0, 2)))
    )
    net.output(
        "deconv_groups",
        td.conv_transpose(
            x, _w(4, 1, 3, 2), stride=(1, 2), padding=((1, 2), (0, 1)), dilation=(1, 2), groups=2
        ),
    )
    net.output("deconv_same", td.conv_transpose(x, _w(4, 2, 3, 2), stride=(2, 1), padding_mode="same_lower"))
    k = net.input("k", td.float32, (5, 4, 1, 1))
    net.output("conv_tensor_kernel", td.conv(x, k))
    v = net.input("v", td.float16, (1, 2, 4, 4, 4))
    net.output(
        "conv3d",
        td.conv(v, _w(3, 2, 2, 3, 1, dtype=np.float16), stride=(1, 2, 1), padding=((1, 0), (0, 1), (2, 0))),
    )
    return net


@case
def poolings() -> td.Network:
    net = td.Network("pools")
    x = net.input("x", td.float32, ("n", 2, 7, 7))
    net.output("max", td.max_pool(x, (2, 3)))
    net.output("max_ceil", td.max_pool(x, (3, 2), stride=(2, 1), padding=((1, 0), (0, 1)), ceil_mode=True))
    net.output("avg", td.avg_pool(x, (2, 3), padding=((1, 0), (0, 2))))
    net.output("avg_incl", td.avg_pool(x, (3, 2), (1, 2), padding=((0, 1), (1, 0)), count_include_pad=True))
    net.output("blend", td.pool(x, "max_average_blend", (2, 3), (2, 1), blend_factor=0.25))
    net.output("same", td.pool(x, "average", (3, 2), (1, 2), padding_mode="same_lower"))
    net.output("same_upper", td.pool(x, "max", (2, 3), (2, 1), padding_mode="same_upper"))
    v = net.input("v", td.float32, (1, 1, 4, 4, 4))
    net.output("max3d", td.max_pool(v, (2, 1, 3), (1, 2, 1), padding=((1, 0), (0, 0), (0, 2))))
    return net


# -- quantization ------------------------------------------------------------------------------------------
@case
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


@case
def quantizations() -> td.Network:
    net = td.Network("qdq")
    x = net.input("x", td.float32, ("n", 4))
    net.output("fake_int8", td.fake_quant(x, 0.05))
    net.output("fake_fp8", td.fake_quant(x, 0.5, td.fp8))
    w = net.constant(_w(3, 4))
    channel_scales = np.array([0.1, 0.2, 0.3], np.float32)
    net.output("per_channel", td.dequantize(td.quantize(w, channel_scales, axis=-2), channel_scales, axis=0))
    row_scales = np.array([0.5, 0.25, 0.125, 1.0], np.float32)
    net.output("per_row", td.dequantize(td.quantize(w, row_scales, td.fp8, axis=1), row_scales, axis=-1))
    blocks = np.full((3, 2), 0.25, np.float32)
    net.output(
        "int4_blocks",
        td.dequantize(
            td.quantize(w, blocks, td.int4, block_shape=(1, 2)), blocks, td.float32, block_shape=(1, 2)
        ),
    )
    net.output("zero_point", td.dequantize(td.quantize(x, 0.1, zero_point=0), 0.1, zero_point=0))
    y = net.input("y", td.float32, (4, 32))
    q, s = td.dynamic_quantize(y, 16)
    scales = td.dequantize(s, 1.0)
    net.output("dyn_scales", scales)
    net.output("dyn_q", td.dequantize(q, scales, block_shape=(1, 16)))
    z = net.input("z", td.float32, (2, 64, 3))
    mx_q, mx_s = td.dynamic_quantize(z, (1, 32, 1), td.fp8, td.e8m0, 0.5)
    v1_q, v1_s = td.dynamic_quantize_v1(z, -2, 32, td.fp8, td.e8m0, 0.25)
    net.output("v1_q", v1_q)
    net.output("v1_s", v1_s)
    net.output("mx_q", mx_q)
    net.output("mx_s", mx_s)
    return net


# -- ParametricReLU, Scale, ReverseSequence, Assertion -----------------------------------------------------
@case
def prelu_scale_reverse_assert() -> td.Network:
    net = td.Network("prelu_scale_reverse_assert")
    x = net.input("x", td.float32, ("n", 3, 4, 5))
    slope = net.input("slope", td.float32, (1, 3, 1, 5))
    net.output("prelu", td.prelu(x, slope))
    h = net.input("h", td.float16, (2, 3))
    net.output("prelu_h", td.prelu(h, np.array([[0.5], [-2.0]], np.float16)))
    net.output("scale_channel", td.scale(x, shift=_w(3), scale=_w(3, seed=1)))
    net.output("scale_uniform", td.scale(x, power=np.float32(2), mode="uniform", channel_axis=0))
    v = net.input("v", td.float16, (2, 3, 2, 4, 5))
    half = {"scale": _w(2, 4, 5, dtype=np.float16), "shift": _w(2, 4, 5, dtype=np.float16, seed=2),
            "power": np.full((2, 4, 5), 2, np.float16)}
    net.output("scale_elementwise", td.scale(v, **half, mode="elementwise", channel_axis=2))
    lens = net.input("lens", td.int32, (4,))
    net.output("reversed", td.reverse_sequence(x, lens, batch_axis=2, sequence_axis=3))
    net.output("reversed_time_major", td.reverse_sequence(h, np.array([1, 2, 0], np.int64)))
    td.assert_(td.shape_of(x)[0] < 100, "batch below 100")
    td.assert_(td.shape_of(x) > 0, "no empty dims")
    return net


# -- loops and conditionals -------------------------------------------------------------------------------
@case
def loops() -> td.Network:
    net = td.Network("loops")
    xs = net.input("xs", td.float32, (3, "n"))
    ys = net.input("ys", td.float32, (4, 3))
    with td.Loop(trip_count=3) as loop:
        x = loop.iterate(xs)
        back = loop.iterate(ys, axis=1, reverse=True)
        acc = loop.carry(np.zeros(1, np.float32))
        acc.update(acc + x.sum(keepdims=True) * back.max(keepdims=True))
        total = loop.last(acc)
        stacked = loop.collect(x * 2.0, axis=1)
        backwards = loop.collect(back - 1.0, axis=1, reverse=True)
    net.output("total", total)
    net.output("stacked", stacked)
    net.output("backwards", backwards)
    n = net.input("count", td.int32, ())
    with td.Loop() as countdown:
        k = countdown.carry(n)
        steps = countdown.carry(np.int32(0))
        countdown.while_(k > 0)
        k.update(k - 1)
        steps.update(steps + 1)
        counted = countdown.last(steps)
    net.output("steps", counted)
    carry, ys = td.scan(lambda c, x: (c + x, c * x), xs[0] * 0.0, xs)
    net.output("scan_carry", carry)
    net.output("scan_ys", ys)
    return net


@case
def conditionals() -> td.Network:
    net = td.Network("conditionals")
    a = net.input("a", td.int32, ())
    b = net.input("b", td.int32, ())
    lo, hi = td.cond(a < b, lambda: (a, b), lambda: (b, a))
    net.output("lo", lo)
    net.output("hi", hi)
    x = net.input("x", td.float32, (2,))
    with td.If(td.max(x) > 1.0) as branch:
        with branch.then_():
            then_value = td.exp(x)
        with branch.else_():
            else_value = x * 3.0
        chosen = branch.output(then_value, else_value)
    net.output("branch", chosen)
    return net


# -- Einsum, OneHot, Scatter -------------------------------------------------------------------------------
@case
def einsums() -> td.Network:
    net = td.Network("einsums")
    a = net.input("a", td.float32, ("n", 3, 4))
    b = net.input("b", td.float32, ("n", 4, 2))
    net.output("bmm", td.einsum("bij,bjk->bik", a, b))
    net.output("implicit", td.einsum("nij, njk", a, b))
    net.output("transpose_sum", td.einsum("nij->jn", a))
    net.output("ellipsis", td.einsum("...ij,jk->...ik", a, _w(4, 5)))
    net.output("chain", td.einsum("nij,njk,kl->nil", a, b, _w(2, 3, seed=1)))
    h = net.input("h", td.float16, (5,))
    net.output("dot_f16", td.einsum("i,i->", h, h))
    return net


@case
def one_hots() -> td.Network:
    net = td.Network("one_hots")
    i = net.input("i", td.int32, ("n", 3))
    values = net.input("values", td.float16, (2,))
    net.output("last", td.one_hot(i, 4, values=(-1.0, 2.5)))
    net.output("first", td.one_hot(i, 5, values, axis=0))
    net.output("middle", td.one_hot(i, 3, (7, 9), axis=1, dtype=td.int64))
    net.output("bool", td.one_hot(i, 2, (False, True), axis=-2, dtype=td.bool))
    return net


@case
def scatters() -> td.Network:
    net = td.Network("scatters")
    data = net.input("data", td.float32, (3, "n", 4))
    idx = net.input("idx", td.int32, (3, 1, 2))
    upd = net.input("upd", td.float32, (3, 1, 2))
    net.output("element_axis2", td.scatter_elements(data, idx, upd, axis=2))
    ones = np.ones((1, 1, 2), np.float32)
    net.output("element_axis0", td.scatter_elements(data, np.array([[[2, 0]]]), ones))
    rows = np.zeros((2, 2, 4), np.float32)
    net.output("nd_rows", td.scatter_nd(data, np.array([[1], [0]], np.int32), rows))
    net.output("nd_elements", td.scatter_nd(data, np.array([[2, 1, 3]]), np.array([5.0], np.float32)))
    net.output("put", td.put_along_axis(data, np.array([[[3]], [[0]], [[1]]]), -4.0, axis=-1))
    flags = net.input("flags", td.bool, (2, 3))
    net.output("bool", td.scatter_elements(flags, np.array([[1, 0, 1]]), np.ones((1, 3), np.bool_), axis=0))
    return net


# -- Attention ---------------------------------------------------------------------------------------------
@case
def attentions() -> td.Network:
    net = td.Network("attentions")
    q = net.input("q", td.float16, ("b", 6, "s", 4))
    k, v = net.input("k", td.float16, ("b", 2, "t", 4)), net.input("v", td.float16, ("b", 2, "t", 4))
    keep = net.input("keep", td.bool, (1, 6, "s", "t"))
    net.output("causal", td.attention(q, k, v, causal="upper_left", decomposable=True))
    net.output("masked", td.attention(q, v, k, mask=keep))
    add = net.input("add", td.float16, ("b", 1, "s", "t"))
    net.output("unnormalized", td.attention(q, k, v, mask=add, normalization="none"))
    return net


# -- RotaryEmbedding ---------------------------------------------------------------------------------------
@case
def rotary_embeddings() -> td.Network:
    net = td.Network("rotary_embeddings")
    x = net.input("x", td.bfloat16, ("b", 2, "s", 8))
    cos, sin = net.input("cos", td.bfloat16, ("b", "s", 3)), net.input("sin", td.bfloat16, ("b", "s", 3))
    net.output("partial", td.rotary_embedding(x, cos, sin, rotary_dim=6))
    table = [net.input(n, td.bfloat16, (16, 4)) for n in ("cos_table", "sin_table")]
    ids = net.input("ids", td.int64, ("b", "s"))
    net.output("interleaved_ids", td.rotary_embedding(x, *table, position_ids=ids, interleaved=True))
    return net


# -- KVCacheUpdate -----------------------------------------------------------------------------------------
@case
def kv_cache_updates() -> td.Network:
    net = td.Network("kv_cache_updates")
    cache = net.input("cache", td.float16, ("b", 2, 8, 4))
    update = net.input("update", td.float16, ("b", 2, "s", 4))
    net.output("block", td.kv_cache_update(cache, update, net.input("w", td.int32, ("b",))))
    token = net.input("token", td.float16, ("b", 2, 1, 4))
    start = net.input("start", td.int64, ("b",))
    # the decoder's recurrence: one token written per step, at the step's position
    net.output("steps", td.fori_loop(0, 3, lambda i, kv: td.kv_cache_update(kv, token, start + td.cast(i, td.int64)),
                                     cache))
    return net


# -- example networks --------------------------------------------------------------------------------------
def _load_example(name: str):
    """The module of examples/<name>.py (examples import each other, as when they are run)."""
    if str(ROOT / "examples") not in sys.path:
        sys.path.append(str(ROOT / "examples"))
    path = ROOT / "examples" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"example_{name}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@case
def example_mnist() -> td.Network:
    """examples/mnist_from_scratch.py's LeNet (random weights in place of the fitted last layer)."""
    mnist = _load_example("mnist_from_scratch")
    weights = mnist.random_weights(_rng(1))
    weights["dense2"], weights["dense2_bias"] = _w(500, 10, seed=3), _w(10, seed=4)
    return mnist.lenet(weights)


@case
def example_int8_cnn() -> td.Network:
    """examples/int8_cnn.py's LeNet with INT8 Q/DQ pairs placed by td.quantization.insert_qdq."""
    mnist, int8 = _load_example("mnist_from_scratch"), _load_example("int8_cnn")
    weights = mnist.random_weights(_rng(2))
    weights["dense2"], weights["dense2_bias"] = _w(500, 10, seed=5), _w(10, seed=6)
    return int8.quantized(weights, mnist.render(np.arange(10), _rng(3)), td.int8)


@case
def example_char_rnn() -> td.Network:
    """examples/char_rnn_lstm.py's LSTM text reader (a loop over characters)."""
    rnn = _load_example("char_rnn_lstm")
    return rnn.reader(rnn.make_weights())


@case
def example_char_rnn_generator() -> td.Network:
    """examples/char_rnn_lstm.py's generator (a loop feeding its output back)."""
    rnn = _load_example("char_rnn_lstm")
    return rnn.generator(rnn.make_weights())


@case
def example_tiny_llm_decoder() -> td.Network:
    """examples/tiny_llm_decoder.py (attention, RoPE and KV cache updates, in a prefill and a while loop)."""
    return _load_example("tiny_llm_decoder").build_network()


@case
def example_early_exit() -> td.Network:
    """examples/early_exit.py's classifier (an if-conditional skipping the second stage)."""
    early = _load_example("early_exit")
    return early.classifier(early.make_weights())


@case
def example_sum_even() -> td.Network:
    """examples/sum_even.py, written with scopes (a loop holding a conditional)."""
    return _load_example("sum_even").with_scopes()


@case
def example_sum_even_functional() -> td.Network:
    """examples/sum_even.py, written with td.fori_loop and td.cond."""
    return _load_example("sum_even").with_functions()


@case
def example_readme() -> td.Network:
    """The README's first example."""
    net = td.Network("demo")
    x = net.input("x", td.float32, ("batch", 4))
    net.output("y", td.relu(x @ np.ones((4, 3), np.float32) + 1.0))
    return net


@case
def example_attention() -> td.Network:
    """A transformer block: layer norm, attention with softmax, a GELU MLP, residuals."""
    net = td.Network("attention")
    x = net.input("x", td.float32, ("batch", "tokens", 8))
    h = td.layer_norm(x, np.ones(8, np.float32), np.zeros(8, np.float32))
    q, k, v = (h @ _w(8, 8, seed=s) for s in (1, 2, 3))
    scores = td.softmax(td.matmul(q, k, transpose_b=True) * (1 / np.sqrt(8)), axis=-1)
    h = x + (scores @ v) @ _w(8, 8, seed=4)
    mlp = td.gelu(h @ _w(8, 16, seed=5) + _w(16, seed=6)) @ _w(16, 8, seed=7)
    net.output("y", h + mlp)
    return net


# -- RaggedSoftMax -----------------------------------------------------------------------------------------
@case
def ragged_softmax() -> td.Network:
    net = td.Network("ragged_softmax")
    x = net.input("x", td.float16, ("n", 3, 5))
    net.output("y", td.ragged_softmax(x, net.input("bounds", td.int32, ("n", 3, 1))))
    net.output("constant_bounds", td.ragged_softmax(x[:1], [[[4], [0], [1]]]))
    return net


# -- DistCollective ----------------------------------------------------------------------------------------
@case
def dist_collectives() -> td.Network:
    """One rank (the fake engines run networks as one rank); TensorRT 10.16's five collectives. The round
    trips of several ranks, groups and TensorRT 11's collectives are in
    tests/layers/test_dist_collective.py."""
    net = td.Network("dist_collectives")
    x = net.input("x", td.float32, ("n", 4))
    net.output("all_reduce", td.all_reduce(x, "max", ranks=1))
    net.output("all_gather", td.all_gather(x, groups=[0]))
    net.output("reduce_scatter", td.reduce_scatter(x, "prod", ranks=1))
    net.output("broadcast", td.broadcast(x, 0, ranks=1))
    net.output("reduce", td.reduce_to_root(td.cast(x, td.int32), "min", root=0, ranks=1))
    return net


# -- MoE ---------------------------------------------------------------------------------------------------
@case
def moe() -> td.Network:
    net = td.Network("moe")
    x = net.input("x", td.float16, ("n", 2, 3))
    experts, scores = net.input("experts", td.int32, ("n", 2, 2)), net.input("scores", td.float16, ("n", 2, 2))
    w = {"gate_weights": _w(2, 3, 4, dtype=np.float16), "up_weights": _w(2, 3, 4, dtype=np.float16, seed=1),
         "down_weights": _w(2, 4, 3, dtype=np.float16, seed=2)}
    b = {"gate_biases": _w(2, 4, dtype=np.float16), "up_biases": _w(2, 4, dtype=np.float16, seed=1),
         "down_biases": _w(2, 3, dtype=np.float16, seed=2)}
    net.output("silu", td.moe(x, experts, scores, **w))
    net.output("swiglu", td.moe(x, experts, scores, **w, **b, activation="none", swiglu_limit=7.0,
                                swiglu_alpha=1.702, swiglu_beta=1.0))
    net.output("static_fp8", td.moe(x, experts, scores, **w, quantize=td.fp8, quant_scale=0.5))
    net.output("dynamic_fp4", td.moe(x, experts, scores, **w, **b, quantize=td.fp4, quant_scale=2.0,
                                     block_shape=(1, 1, 1, -1), scale_dtype=td.fp8))
    net.output("dynamic_fp8", td.moe(x, experts, scores, **w, quantize=td.fp8, quant_scale=1.0,
                                     block_shape=(1, 1, 2, 2), scale_dtype=td.e8m0))
    return net


def inputs(net: td.Network, seed: int = 0, size: int = 2) -> dict[str, np.ndarray]:
    """Arrays for every input (named dims of ``size``; values in [-2, 2], small ints for integer inputs)."""
    rng = _rng(seed)
    feeds = {}
    for name, t in net.inputs.items():
        shape = tuple(d if isinstance(d, int) else size for d in t.shape)
        if t.dtype.is_bool:
            feeds[name] = rng.random(shape) < 0.5
        elif t.dtype.is_integer:
            feeds[name] = rng.integers(0, 2, shape).astype(t.dtype.numpy)
        else:
            feeds[name] = rng.uniform(-2, 2, shape).astype(np.float32).astype(t.dtype.numpy)
    return feeds
