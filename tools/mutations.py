"""The plausible mistakes ``tools/mutate.py`` plants, one at a time: in the layers' references, the
TensorRT lowering (and raise), the ONNX export and quantization. Each names the tests that should catch
it (pytest arguments, run from the repository root).

Add a mutation when you fix a bug (the mistake you just fixed, and the test that now catches it) or write
a lowering, an export or a reference: a mistake someone could plausibly make there. A mutation that no
test can tell from the original gets ``equivalent=`` with the reason, and is not counted in the kill rate.
"""

from __future__ import annotations

import attrs


@attrs.frozen
class Mutation:
    """Replace ``original`` (occurring exactly once in ``file``) by ``replacement``; ``tests`` should fail."""

    name: str
    file: str
    original: str
    replacement: str
    description: str
    tests: tuple[str, ...]
    equivalent: str = ""


def paths(tests: tuple[str, ...]) -> tuple[str, ...]:
    """The test paths of pytest arguments (``-k`` and its expression left out)."""
    kept, skip = [], False
    for arg in tests:
        if skip:
            skip = False
        elif arg == "-k":
            skip = True
        elif not arg.startswith("-"):
            kept.append(arg)
    return tuple(kept)


LOWERING = ("tests/backends/tensorrt/test_expectations.py", "tests/backends/tensorrt/test_roundtrip.py")
ROUNDTRIP = ("tests/backends/tensorrt/test_roundtrip.py",)


def onnx(selection: str) -> tuple[str, ...]:
    return ("tests/backends/onnx", "-k", selection)


def layer(name: str) -> tuple[str, ...]:
    return (f"tests/layers/test_{name}.py",)


_L = "trtdsl/backends/tensorrt/lowering/"
_O = "trtdsl/backends/onnx/"

MUTATIONS = [
    # -- the TensorRT lowering ------------------------------------------------------------------------------
    Mutation("lower-conv-pre-from-post", _L + "kernel.py",
             "layer.pre_padding = ctx.trt.Dims(list(op.pre_padding))",
             "layer.pre_padding = ctx.trt.Dims(list(op.post_padding))",
             "convolution and pooling pre-padding set from the post-padding", LOWERING),
    Mutation("lower-conv-post-from-pre", _L + "kernel.py",
             "layer.post_padding = ctx.trt.Dims(list(op.post_padding))",
             "layer.post_padding = ctx.trt.Dims(list(op.pre_padding))",
             "convolution and pooling post-padding set from the pre-padding", LOWERING),
    Mutation("lower-conv-dilation-from-stride", _L + "kernel.py",
             "layer.dilation_nd = ctx.trt.Dims(list(op.dilation))",
             "layer.dilation_nd = ctx.trt.Dims(list(op.stride))",
             "dilation set from the stride", LOWERING),
    Mutation("lower-conv-groups-dropped", _L + "kernel.py",
             "layer.num_groups = op.num_groups",
             "layer.num_groups = 1",
             "grouped convolutions lowered with one group", LOWERING),
    Mutation("lower-conv-kernel-not-set", _L + "kernel.py",
             "ctx.set_inputs(node, layer, 1)",
             "ctx.set_inputs(node, layer, 2)",
             "the kernel tensor not given to the layer (input 1)", LOWERING),
    Mutation("raise-conv-pre-from-post", _L + "kernel.py",
             '''            _dims(layer, "pre_padding"),
            _dims(layer, "post_padding"),
            _dims(layer, "dilation_nd"),''',
             '''            _dims(layer, "post_padding"),
            _dims(layer, "post_padding"),
            _dims(layer, "dilation_nd"),''',
             "raise reads a convolution's pre-padding from its post-padding", ROUNDTRIP),
    Mutation("lower-pool-count-padding-inverted", _L + "kernel.py",
             "layer.average_count_excludes_padding = op.average_count_excludes_padding",
             "layer.average_count_excludes_padding = not op.average_count_excludes_padding",
             "average pooling's count_include_pad read the wrong way round", LOWERING),
    Mutation("lower-activation-alpha-beta-swapped", _L + "pointwise.py",
             "    layer.alpha = op.alpha\n    layer.beta = op.beta",
             "    layer.alpha = op.beta\n    layer.beta = op.alpha",
             "activation alpha and beta swapped", LOWERING),
    Mutation("lower-elementwise-operands-swapped", _L + "pointwise.py",
             'ctx.add(node, "add_elementwise", ctx.input(node, 0), ctx.input(node, 1), operation)',
             'ctx.add(node, "add_elementwise", ctx.input(node, 1), ctx.input(node, 0), operation)',
             "elementwise operands swapped (a - b becomes b - a)", LOWERING),
    Mutation("lower-reduce-keepdims-inverted", _L + "reduction.py",
             "        axes_to_mask(op.axes),\n        op.keepdims,",
             "        axes_to_mask(op.axes),\n        not op.keepdims,",
             "reduce keep_dims inverted", LOWERING),
    Mutation("lower-softmax-axis-not-a-mask", _L + "reduction.py",
             "layer.axes = axes_to_mask((op.axis,))",
             "layer.axes = op.axis",
             "softmax axes given as the axis, not the bitmask 1 << axis", LOWERING),
    Mutation("lower-topk-axis-not-a-mask", _L + "reduction.py",
             "        op.k,\n        axes_to_mask((op.axis,)),",
             "        op.k,\n        op.axis,",
             "top-k axes given as the axis, not a bitmask", LOWERING),
    Mutation("lower-matmul-ops-swapped", _L + "reduction.py",
             "for o in (op.op0, op.op1))",
             "for o in (op.op1, op.op0))",
             "the matrix operations of the two operands swapped", LOWERING),
    Mutation("lower-cumulative-flags-swapped", _L + "reduction.py",
             "        op.exclusive,\n        op.reverse,",
             "        op.reverse,\n        op.exclusive,",
             "cumulative exclusive and reverse swapped", LOWERING),
    Mutation("lower-normalization-cast-back-to-float32", _L + "context.py",
             'back = self.add(node, "add_cast", layer.get_output(0), self.api.dtype(node.outputs[0].dtype))',
             'back = self.add(node, "add_cast", layer.get_output(0), float32)',
             "a 16-bit normalization computed in float32 not cast back to its type", LOWERING),
    Mutation("lower-shape-output-int64", "trtdsl/backends/tensorrt/lower.py",
             "cast = definition.add_cast(itensor, api.dtype(dtypes.int32))",
             "cast = definition.add_cast(itensor, api.dtype(dtypes.int64))",
             "an int64 shape output not cast to int32 (markOutputForShapes takes kINT32)", LOWERING),
    Mutation("lower-normalization-epsilon-dropped", _L + "reduction.py",
             "layer.epsilon = op.epsilon",
             "layer.epsilon = 1e-5",
             "normalization epsilon left at TensorRT's default", LOWERING),
    Mutation("lower-select-branches-swapped", _L + "data.py",
             'ctx.add(node, "add_select", ctx.input(node, 0), ctx.input(node, 1), ctx.input(node, 2))',
             'ctx.add(node, "add_select", ctx.input(node, 0), ctx.input(node, 2), ctx.input(node, 1))',
             "select's then and else inputs swapped", LOWERING),
    Mutation("lower-padding-sides-swapped", _L + "data.py",
             "        ctx.trt.Dims(list(op.pre_padding)),\n        ctx.trt.Dims(list(op.post_padding)),",
             "        ctx.trt.Dims(list(op.post_padding)),\n        ctx.trt.Dims(list(op.pre_padding)),",
             "IPaddingLayer pre and post padding swapped", LOWERING),
    Mutation("lower-slice-stride-from-start", _L + "data.py",
             "dims(_ints(op.start)), dims(static), dims(_ints(op.stride)))",
             "dims(_ints(op.start)), dims(static), dims(_ints(op.start)))",
             "slice stride set from the start", LOWERING),
    Mutation("lower-concat-axis-default", _L + "data.py",
             "range(len(node.inputs))])\n    layer.axis = op.axis",
             "range(len(node.inputs))])\n    layer.axis = 0",
             "concatenation along axis 0 whatever the op says", LOWERING),
    Mutation("lower-gather-elementwise-dims-dropped", _L + "data.py",
             "layer.num_elementwise_dims = op.num_elementwise_dims",
             "layer.num_elementwise_dims = 0",
             "gather's elementwise (batch) dims not set", LOWERING),
    Mutation("lower-fill-alpha-beta-swapped", _L + "shapes.py",
             "        layer.alpha = convert(op.alpha)\n        layer.beta = convert(op.beta)",
             "        layer.alpha = convert(op.beta)\n        layer.beta = convert(op.alpha)",
             "fill start and delta (or min and max) swapped", LOWERING),
    Mutation("lower-resize-exclude-outside-dropped", _L + "shapes.py",
             "layer.exclude_outside = op.exclude_outside",
             "layer.exclude_outside = False",
             "resize exclude_outside not set", LOWERING),
    Mutation("lower-resize-scales-not-dims", _L + "shapes.py",
             "layer.shape = ctx.trt.Dims(list(dims))",
             "layer.scales = [float(s) for s in op.scales]",
             "a static resize by scales given IResizeLayer.scales instead of its output dims", LOWERING),
    Mutation("lower-nonzero-int32-always", _L + "shapes.py",
             'ctx.add(node, "add_non_zero", ctx.input(node, 0), ctx.api.dtype(op.indices_dtype))',
             'ctx.add(node, "add_non_zero", ctx.input(node, 0), ctx.trt.int32)',
             "non-zero indices always int32", LOWERING),
    Mutation("lower-shuffle-inverse-permutation", _L + "shuffle.py",
             "layer.first_transpose = ctx.api.permutation(op.first_transpose)",
             "layer.first_transpose = ctx.api.permutation("
             "[op.first_transpose.index(i) for i in range(len(op.first_transpose))])",
             "the inverse permutation given to TensorRT", LOWERING),
    Mutation("lower-shuffle-zero-placeholder-dropped", _L + "shuffle.py",
             "layer.zero_is_placeholder = op.zero_is_placeholder",
             "layer.zero_is_placeholder = True",
             "zero_is_placeholder left at TensorRT's default", LOWERING),
    Mutation("lower-per-tensor-scale-kept-1d", _L + "quantize.py",
             "shuffle.reshape_dims = ctx.trt.Dims([])",
             "shuffle.reshape_dims = ctx.trt.Dims([1])",
             "a per-tensor scale of shape (1,) not reshaped to 0-D", LOWERING),
    Mutation("lower-quantize-axis-dropped", _L + "quantize.py",
             "layer.axis = op.axis",
             "layer.axis = -1",
             "per-channel quantization axis not set", LOWERING),
    Mutation("lower-dynamic-quantize-types-swapped", _L + "quantize.py",
             "to_type, scale_type = ctx.api.dtype(op.to_type), ctx.api.dtype(op.scale_type)",
             "to_type, scale_type = ctx.api.dtype(op.scale_type), ctx.api.dtype(op.to_type)",
             "dynamic quantization output and scale types swapped", LOWERING),
    Mutation("lower-iterator-reverse-dropped", _L + "regions.py",
             "loop.add_iterator(ctx.input(node, 0), op.axis, op.reverse)",
             "loop.add_iterator(ctx.input(node, 0), op.axis, False)",
             "reverse iterators lowered forward", LOWERING),
    Mutation("lower-conditional-outputs-swapped", _L + "regions.py",
             "conditional.add_output(ctx.input(node, 0), ctx.input(node, 1))",
             "conditional.add_output(ctx.input(node, 1), ctx.input(node, 0))",
             "a conditional's true and false outputs swapped", LOWERING),
    Mutation("lower-loop-output-axis-zero", _L + "regions.py",
             'ctx.api.enum("LoopOutput", op.loop_output), op.axis)',
             'ctx.api.enum("LoopOutput", op.loop_output), 0)',
             "loop outputs always concatenated along axis 0", LOWERING),
    Mutation("lower-widened-constant-not-cast-back", _L + "constant.py",
             'ctx.add(node, "add_cast", stored.get_output(0), ctx.api.dtype(weights.dtype))',
             'ctx.add(node, "add_cast", stored.get_output(0), ctx.api.dtype(wide))',
             "a bool constant's widened copy cast to the wide type, not back to bool", LOWERING),
    # -- the layers' NumPy references -------------------------------------------------------------------
    Mutation("same-upper-lower-swapped", "trtdsl/layers/convolution.py",
             "return (small, total - small) if mode is _P.SAME_UPPER else (total - small, small)",
             "return (total - small, small) if mode is _P.SAME_UPPER else (small, total - small)",
             "SAME_UPPER puts the larger half of the padding first", layer("convolution") + layer("pooling")),
    Mutation("round-up-output-size", "trtdsl/layers/convolution.py",
             "        slack += stride - 1",
             "        slack += stride",
             "EXPLICIT_ROUND_UP's output size one too large", layer("convolution") + layer("pooling")),
    Mutation("leaky-relu-strict", "trtdsl/layers/activation.py",
             "_A.LEAKY_RELU: lambda x, a, b: np.where(x >= 0, x, a * x)",
             "_A.LEAKY_RELU: lambda x, a, b: np.where(x > 0, x, a * x)",
             "LeakyRelu tests x > 0 instead of x >= 0", layer("activation"),
             equivalent="the two differ only in the sign of a zero result (x = -0.0 with a negative "
                        "alpha), which neither the tests nor TensorRT's documentation pin"),
    Mutation("thresholded-relu-inclusive", "trtdsl/layers/activation.py",
             "_A.THRESHOLDED_RELU: lambda x, a, b: np.where(x > a, x, 0)",
             "_A.THRESHOLDED_RELU: lambda x, a, b: np.where(x >= a, x, 0)",
             "ThresholdedRelu keeps x == alpha", layer("activation")),
    Mutation("selu-alpha-beta-swapped", "trtdsl/layers/activation.py",
             "_A.SELU: lambda x, a, b: np.where(x > 0, b * x, b * (a * np.exp(x) - a))",
             "_A.SELU: lambda x, a, b: np.where(x > 0, a * x, a * (b * np.exp(x) - b))",
             "Selu's alpha and beta (gamma) swapped", layer("activation")),
    Mutation("quantize-zero-scale-accepted", "trtdsl/layers/quantize.py",
             "        _check_zero_point(self.label(), zero_point)\n"
             "        s = _runtime_scale(self.label(), scale, zero_ok=False)",
             "        _check_zero_point(self.label(), zero_point)\n"
             "        s = _runtime_scale(self.label(), scale, zero_ok=True)",
             "quantize accepts a zero scale arriving at run time", layer("quantize")),
    Mutation("quantize-int8-symmetric-clamp", "trtdsl/layers/quantize.py",
             "low = -128.0 if to is dtypes.int8 else -8.0 if to is dtypes.int4 else -LIMITS[to]",
             "low = -127.0 if to is dtypes.int8 else -8.0 if to is dtypes.int4 else -LIMITS[to]",
             "int8 quantization clamps at -127", layer("quantize")),
    Mutation("quantize-round-half-up", "trtdsl/layers/quantize.py",
             "        clipped = np.rint(clipped)",
             "        clipped = np.floor(clipped + 0.5)",
             "quantization rounds half up instead of half to even", layer("quantize")),
    Mutation("quantize-round-np-round", "trtdsl/layers/quantize.py",
             "        clipped = np.rint(clipped)",
             "        clipped = np.round(clipped)",
             "np.round in place of np.rint", layer("quantize"),
             equivalent="np.round with no decimals rounds half to even, as np.rint does"),
    Mutation("cumsum-exclusive-ignored", "trtdsl/layers/cumulative.py",
             "        if self.exclusive:",
             "        if False:",
             "exclusive cumulative sums computed inclusive", layer("cumulative")),
    Mutation("resize-half-down-as-half-up", "trtdsl/layers/resize.py",
             "    _R.HALF_DOWN: lambda x: np.ceil(x - 0.5),",
             "    _R.HALF_DOWN: lambda x: np.floor(x + 0.5),",
             "nearest HALF_DOWN rounding as HALF_UP", layer("resize")),
    Mutation("floor-div-truncates", "trtdsl/layers/elementwise.py",
             "    return np.floor(np.divide(a, b))",
             "    return np.trunc(np.divide(a, b))",
             "float FLOOR_DIV truncates toward zero", layer("elementwise")),
    Mutation("normalization-variance-biased-eps", "trtdsl/layers/normalization.py",
             "        y /= np.sqrt(variance + np.float32(self.epsilon))",
             "        y /= np.sqrt(variance) + np.float32(self.epsilon)",
             "epsilon added outside the square root", layer("normalization")),
    Mutation("loop-body-error-loses-line", "trtdsl/reference/regions.py",
             "raise type(exc)(exc.message, location=exc.location,",
             "raise type(exc)(exc.message, location=None,",
             "an error inside a loop body names the line that ran the network, not the layer's",
             ("tests/loops/test_loop_errors.py",)),
    # -- the ONNX export ---------------------------------------------------------------------------------
    Mutation("onnx-pads-interleaved", _O + "convolution.py",
             "            return self.pre + self.post",
             "            return [p for pair in zip(self.pre, self.post) for p in pair]",
             "ONNX pads written per axis (b1, e1, b2, e2) instead of all begins then all ends",
             onnx("convolution or pooling")),
    Mutation("onnx-deconv-trims-swapped", _O + "convolution.py",
             'attrs["pads"] = [b for b, _ in trims] + [a for _, a in trims]',
             'attrs["pads"] = [a for _, a in trims] + [b for b, _ in trims]',
             "ConvTranspose pads written ends first", onnx("convolution")),
    Mutation("onnx-same-split-swapped", _O + "convolution.py",
             "return (small, large) if mode is _P.SAME_UPPER else (large, small)",
             "return (large, small) if mode is _P.SAME_UPPER else (small, large)",
             "dynamic SAME padding split the wrong way", onnx("pooling-dynamic or convolution")),
    Mutation("onnx-count-include-pad-inverted", _O + "convolution.py",
             "count_include_pad=int(not excludes)",
             "count_include_pad=int(excludes)",
             "AveragePool's count_include_pad inverted", onnx("pooling")),
    Mutation("onnx-transpose-inverse", _O + "shuffle.py",
             'x = ctx.emit("Transpose", [x], perm=list(op.first_transpose))',
             'x = ctx.emit("Transpose", [x], perm=[op.first_transpose.index(i) '
             "for i in range(len(op.first_transpose))])",
             "the inverse permutation exported", onnx("shuffle")),
    Mutation("onnx-allowzero-inverted", _O + "shuffle.py",
             "allowzero = 0 if op.zero_is_placeholder else 1",
             "allowzero = 1 if op.zero_is_placeholder else 0",
             "Reshape's allowzero inverted", onnx("shuffle or export")),
    Mutation("onnx-topk-largest-inverted", _O + "topk.py",
             "largest = int(op.op is TopKOperation.MAX)",
             "largest = int(op.op is TopKOperation.MIN)",
             "TopK's largest flag inverted", onnx("topk")),
    Mutation("onnx-cumsum-flags-swapped", _O + "cumulative.py",
             "exclusive=int(op.exclusive), reverse=int(op.reverse)",
             "exclusive=int(op.reverse), reverse=int(op.exclusive)",
             "CumSum's exclusive and reverse swapped", onnx("cumsum")),
    Mutation("onnx-quantize-axis-dropped", _O + "quantize.py",
             'return scale, scale_type.shape, {"axis": op.axis}',
             "return scale, scale_type.shape, {}",
             "per-channel Q/DQ exported without its axis (ONNX's default is 1)", onnx("quantize")),
    Mutation("onnx-select-branches-swapped", _O + "select.py",
             'return ctx.emit("Where", [ctx.input(0), ctx.input(1), ctx.input(2)])',
             'return ctx.emit("Where", [ctx.input(0), ctx.input(2), ctx.input(1)])',
             "Where's branches swapped", onnx("select")),
    Mutation("onnx-selu-gamma-from-alpha", _O + "activation.py",
             '_A.SELU: _single("Selu", alpha=lambda a, b: a, gamma=lambda a, b: b)',
             '_A.SELU: _single("Selu", alpha=lambda a, b: a, gamma=lambda a, b: a)',
             "Selu's gamma exported from alpha", onnx("SELU")),
    # -- quantization placement -----------------------------------------------------------------------------
    Mutation("qdq-deconvolution-axis", "trtdsl/quantization/graph.py",
             "return 1 if index == 1 and node.op_as(Deconvolution).num_groups == 1 else None",
             "return 0 if index == 1 and node.op_as(Deconvolution).num_groups == 1 else None",
             "per-channel scales of deconvolution (CKRS) weights along axis 0", ("tests/quantization",)),
    Mutation("qdq-grouped-deconvolution-per-channel", "trtdsl/quantization/graph.py",
             "return 1 if index == 1 and node.op_as(Deconvolution).num_groups == 1 else None",
             "return 1 if index == 1 else None",
             "grouped deconvolution weights scaled per channel along K/groups", ("tests/quantization",)),
    Mutation("qdq-convolution-axis", "trtdsl/quantization/graph.py",
             "        return 0 if index == 1 else None",
             "        return 1 if index == 1 else None",
             "per-channel scales of convolution (KCRS) weights along axis 1", ("tests/quantization",)),
    Mutation("qdq-matmul-transposed-axis", "trtdsl/quantization/graph.py",
             "last = (index == 1) != (operation == \"TRANSPOSE\")",
             "last = index == 1",
             "a transposed matmul operand's output axis not swapped", ("tests/quantization",)),
    Mutation("qdq-scale-limit", "trtdsl/quantization/insert.py",
             "return np.where(values > 0, np.maximum(values / limit, smallest), 1.0).astype(np.float32)",
             "return np.where(values > 0, np.maximum(values / (limit + 1), smallest), 1.0)"
             ".astype(np.float32)",
             "scales computed as amax / 128", ("tests/quantization",)),
    Mutation("qdq-zero-channel-scale", "trtdsl/quantization/insert.py",
             "return np.where(values > 0, np.maximum(values / limit, smallest), 1.0).astype(np.float32)",
             "return np.maximum(values / limit, smallest).astype(np.float32)",
             "an all-zero channel gets the smallest float32 scale instead of 1", ("tests/quantization",)),
]
