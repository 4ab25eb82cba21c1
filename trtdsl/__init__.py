"""trtdsl: write TensorRT networks in Python, run them anywhere on a NumPy reference that follows
TensorRT's semantics, and build them into TensorRT engines where TensorRT is installed.

>>> import numpy as np, trtdsl as td
>>> net = td.Network("demo")
>>> x = net.input("x", td.float32, ("batch", 4))
>>> y = td.relu(x @ np.ones((4, 3), np.float32) + 1.0)
>>> net.output("y", y)
>>> net.run({"x": np.ones((2, 4), np.float32)})["y"]
array([[5., 5., 5.],
       [5., 5., 5.]], dtype=float32)

``td.`` holds what a network is written with: :class:`Network` and :class:`Tensor`, the dtypes, the
errors, the DSL functions of every layer family and their enums, loops and conditionals (``td.Loop``,
``td.If``, ``td.scan``, ``td.cond``, ...) and plugins (``td.plugin``). The op classes are in
:mod:`trtdsl.ops`; ``td.quantization``, ``td.shapes`` and ``td.regions`` are tools over networks. The
package is layered (``docs/architecture.md``, "Layers"): a module imports only from its own layer or those
below it.
"""

import builtins

from trtdsl import nn, ops, quantization, regions, shapes
from trtdsl._version import __version__ as __version__  # "as": exported to type checkers
from trtdsl.dtypes import (
    DType, bfloat16, bool_, dtype, e8m0, float16, float32, float4_e2m1, float8_e4m3, int32, int4, int64,
    int8, uint8,
)
from trtdsl.errors import (
    ArgumentError, BackendError, DSLError, DTypeError, ExecutionError, InputError, RegionError, ShapeError,
)
from trtdsl.ir.dims import Dim
from trtdsl.ir.network import Network
from trtdsl.ir.tensor import Tensor
from trtdsl.ir.types import TensorType
from trtdsl.layers.activation import (
    ActivationType, activation, clip, elu, gelu, hard_sigmoid, leaky_relu, relu, scaled_tanh, selu,
    sigmoid, softplus, softsign, tanh, thresholded_relu,
)
from trtdsl.layers.cast import cast, identity
from trtdsl.layers.concat import concatenate
from trtdsl.layers.convolution import PaddingMode, conv, conv_transpose
from trtdsl.layers.cumulative import CumulativeOperation, cumsum
from trtdsl.layers.elementwise import (
    ElementWiseOperation, add, divide, elementwise, equal, floor_divide, greater, greater_equal, less,
    less_equal, logical_and, logical_or, logical_xor, maximum, minimum, mod, multiply, not_equal, power,
    subtract,
)
from trtdsl.layers.fill import (
    FillOperation, arange, broadcast_to, fill, full, full_like, ones, ones_like, random_normal,
    random_uniform, zeros, zeros_like,
)
from trtdsl.layers.gather import GatherMode, gather, gather_nd, take, take_along_axis
from trtdsl.layers.grid_sample import GridSampleMode, grid_sample
from trtdsl.layers.lrn import lrn
from trtdsl.layers.manipulation import argmax, argmin, flatten, flip, repeat, split, stack, tile
from trtdsl.layers.matmul import MatrixOperation, matmul
from trtdsl.layers.nms import BoundingBoxFormat, nms
from trtdsl.layers.neural import (
    batch_norm, fold_batch_norm, hard_swish, linear, log_softmax, merge_heads, silu, split_heads,
)
from trtdsl.layers.nonzero import count_symbol, nonzero
from trtdsl.layers.normalization import group_norm, instance_norm, layer_norm, normalization
from trtdsl.layers.padding import pad, padding_nd
from trtdsl.layers.pooling import PoolingType, avg_pool, max_pool, pool
from trtdsl.layers.quantize import dequantize, dynamic_quantize, fake_quant, quantize
from trtdsl.layers.reduce import ReduceOperation, max, mean, min, prod, reduce, sum
from trtdsl.layers.resize import (
    InterpolationMode, ResizeCoordinateTransformation, ResizeRoundMode, ResizeSelector, resize,
)
from trtdsl.layers.select import where
from trtdsl.layers.shape import shape_of
from trtdsl.layers.shuffle import reshape, shuffle, transpose
from trtdsl.layers.slice import SampleMode, slice
from trtdsl.layers.softmax import softmax
from trtdsl.layers.squeeze import expand_dims, squeeze, unsqueeze
from trtdsl.layers.topk import TopKOperation, topk
from trtdsl.layers.unary import (
    UnaryOperation, abs, arccos, arccosh, arcsin, arcsinh, arctan, arctanh, ceil, cos, cosh, erf, exp,
    floor, isinf, isnan, log, logical_not, negative, reciprocal, round, sign, sin, sinh, sqrt, tan, unary,
)
from trtdsl.layers.assertion import assert_
from trtdsl.layers.prelu import prelu
from trtdsl.layers.reverse_sequence import reverse_sequence
from trtdsl.layers.scale import ScaleMode, scale
from trtdsl.loops import Carry, Loop, LoopOutput, TripLimit, fori_loop, scan, while_loop
from trtdsl.conditionals import If, cond
from trtdsl.plugins import AOTKernel, data_dependent_dim, plugin, registry_plugin
from trtdsl.shapes import ShapeSyncWarning

from trtdsl.layers.einsum import einsum
from trtdsl.layers.one_hot import one_hot
from trtdsl.layers.scatter import ScatterMode, put_along_axis, scatter_elements, scatter_nd

from trtdsl.layers.attention import AttentionNormalizationOp, CausalMaskKind, attention
from trtdsl.layers.rotary_embedding import rotary_embedding
from trtdsl.layers.kv_cache_update import KVCacheMode, kv_cache_update
from trtdsl.layers.dist_collective import (
    CollectiveOperation, all_gather, all_reduce, all_to_all, broadcast, dist_collective, gather_to_root,
    reduce_scatter, reduce_to_root, scatter,
)
from trtdsl.layers.moe import MoEActType, moe
from trtdsl.layers.quantize import dynamic_quantize_v1
from trtdsl.layers.ragged_softmax import ragged_softmax


def from_onnx(model: object, *, name: str | None = None, freeze: object = None,
              check: builtins.bool = True) -> Network:
    """The network that TensorRT's ONNX parser builds for ``model`` (an ``onnx.ModelProto``, a path to a
    ``.onnx`` file, or its bytes); see :mod:`trtdsl.backends.onnx.reader` (needs the ``onnx`` package).

    >>> import numpy as np, trtdsl as td
    >>> net = td.Network("m")
    >>> net.output("y", td.relu(net.input("x", td.float32, ("n", 3))) * 2.0)
    >>> again = td.from_onnx(net.to_onnx())
    >>> again.run({"x": np.array([[-1.0, 0.5, 2.0]], np.float32)})["y"]
    array([[0., 1., 4.]], dtype=float32)
    """
    from trtdsl.backends.onnx.reader import from_onnx as read

    return read(model, name=name, freeze=freeze, check=check)  # type: ignore[arg-type]


bool = bool_  # noqa: A001  (td.bool, like np.bool)
fp8 = float8_e4m3
fp4 = float4_e2m1

__all__ = [
    # the IR
    "Dim", "Network", "Tensor", "TensorType",
    # dtypes
    "DType", "bfloat16", "bool", "bool_", "dtype", "e8m0", "float16", "float32", "float4_e2m1",
    "float8_e4m3", "fp4", "fp8", "int32", "int4", "int64", "int8", "uint8",
    # errors and warnings
    "ArgumentError", "BackendError", "DSLError", "DTypeError", "ExecutionError", "InputError",
    "RegionError", "ShapeError", "ShapeSyncWarning",
    # the layer families' functions and enums
    "ActivationType", "CumulativeOperation", "ElementWiseOperation", "FillOperation", "GatherMode",
    "InterpolationMode", "MatrixOperation", "PaddingMode", "PoolingType", "ReduceOperation",
    "ResizeCoordinateTransformation", "ResizeRoundMode", "ResizeSelector", "SampleMode", "TopKOperation",
    "UnaryOperation", "abs", "activation", "add", "arange", "arccos", "arccosh", "arcsin", "arcsinh",
    "arctan", "arctanh", "avg_pool", "broadcast_to", "cast", "ceil", "clip", "concatenate", "conv",
    "conv_transpose", "cos", "cosh", "count_symbol", "cumsum", "dequantize", "divide", "dynamic_quantize",
    "elementwise", "elu", "equal", "erf", "exp", "expand_dims", "fake_quant", "fill", "floor",
    "floor_divide", "full", "full_like", "gather", "gather_nd", "gelu", "greater", "greater_equal",
    "group_norm", "hard_sigmoid", "identity", "instance_norm", "isinf", "isnan", "layer_norm",
    "leaky_relu", "less", "less_equal", "log", "logical_and", "logical_not", "logical_or", "logical_xor",
    "matmul", "max", "max_pool", "maximum", "mean", "min", "minimum", "mod", "multiply", "negative",
    "nonzero", "normalization", "not_equal", "ones", "ones_like", "pad", "padding_nd", "pool", "power",
    "prod", "quantize", "random_normal", "random_uniform", "reciprocal", "reduce", "relu", "reshape",
    "resize", "round", "scaled_tanh", "selu", "shape_of", "shuffle", "sigmoid", "sign", "sin", "sinh",
    "slice", "softmax", "softplus", "softsign", "sqrt", "squeeze", "subtract", "sum", "take",
    "take_along_axis", "tan", "tanh", "thresholded_relu", "topk", "transpose", "unary", "unsqueeze",
    "where", "zeros", "zeros_like",
    "ScatterMode", "einsum", "one_hot", "put_along_axis", "scatter_elements", "scatter_nd",
    # transformer layers: attention, rotary embedding, KV cache update
    "AttentionNormalizationOp", "CausalMaskKind", "KVCacheMode", "attention", "kv_cache_update",
    "rotary_embedding",
    # detection and vision layers
    "BoundingBoxFormat", "GridSampleMode", "grid_sample", "lrn", "nms",
    # ParametricReLU, Scale, ReverseSequence, Assertion
    "ScaleMode", "assert_", "prelu", "reverse_sequence", "scale",
    # LLM and multi-device layers
    "CollectiveOperation", "all_gather", "all_reduce", "all_to_all", "broadcast", "dist_collective",
    "gather_to_root", "ragged_softmax", "reduce_scatter", "reduce_to_root", "scatter", "MoEActType", "moe",
    "dynamic_quantize_v1",
    # helpers built from the layers above
    "argmax", "argmin", "batch_norm", "flatten", "flip", "fold_batch_norm", "hard_swish", "linear",
    "log_softmax", "merge_heads", "repeat", "silu", "split", "split_heads", "stack", "tile",
    # loops, conditionals and plugins
    "AOTKernel", "Carry", "If", "Loop", "LoopOutput", "TripLimit", "cond", "data_dependent_dim",
    "fori_loop", "plugin", "registry_plugin", "scan", "while_loop",
    # tools over networks, the op classes, and reading ONNX models
    "from_onnx", "ops", "quantization", "regions", "shapes",
    # modules, parameters and checkpoints
    "nn",
]
