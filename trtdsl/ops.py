"""Every op class of trtdsl in one place: the parameters of one layer kind, as ``node.op`` holds them
(``docs/architecture.md``, "The IR"). The DSL functions (``td.gather``, ``td.Loop``, ...) create them;
build layers from them directly with ``net.add(op, inputs)``:

>>> import numpy as np, trtdsl as td
>>> net = td.Network("ops")
>>> x = net.input("x", td.float32, (4,))
>>> net.output("y", net.add1(td.ops.Slice((1,), (2,), (1,)), (x,)))
>>> net.run({"x": np.arange(4, dtype=np.float32)})["y"]
array([1., 2.], dtype=float32)
>>> net.nodes[0].op
Slice(start=(1,), size=(2,), stride=(1,), mode=<SampleMode.STRICT_BOUNDS: 'strict_bounds'>)
"""

from trtdsl.conditionals.ops import ConditionalInputLayer, ConditionalOutputLayer, ConditionLayer
from trtdsl.ir.op import Op
from trtdsl.layers.activation import Activation
from trtdsl.layers.assertion import Assertion
from trtdsl.layers.attention import Attention
from trtdsl.layers.cast import Cast, Identity
from trtdsl.layers.concat import Concatenation
from trtdsl.layers.constant import Constant
from trtdsl.layers.convolution import Convolution, Deconvolution
from trtdsl.layers.cumulative import Cumulative
from trtdsl.layers.einsum import Einsum
from trtdsl.layers.elementwise import ElementWise
from trtdsl.layers.fill import Fill
from trtdsl.layers.gather import Gather
from trtdsl.layers.grid_sample import GridSample
from trtdsl.layers.kv_cache_update import KVCacheUpdate
from trtdsl.layers.lrn import LRN
from trtdsl.layers.matmul import MatrixMultiply
from trtdsl.layers.nms import NMS
from trtdsl.layers.nonzero import NonZero
from trtdsl.layers.normalization import Normalization
from trtdsl.layers.one_hot import OneHot
from trtdsl.layers.padding import Padding
from trtdsl.layers.pooling import Pooling
from trtdsl.layers.prelu import ParametricReLU
from trtdsl.layers.quantize import Dequantize, DynamicQuantize, Quantize
from trtdsl.layers.reduce import Reduce
from trtdsl.layers.resize import Resize
from trtdsl.layers.rotary_embedding import RotaryEmbedding
from trtdsl.layers.reverse_sequence import ReverseSequence
from trtdsl.layers.scale import Scale
from trtdsl.layers.scatter import Scatter
from trtdsl.layers.select import Select
from trtdsl.layers.shape import Shape
from trtdsl.layers.shuffle import Shuffle
from trtdsl.layers.slice import Slice
from trtdsl.layers.softmax import SoftMax
from trtdsl.layers.squeeze import Squeeze, Unsqueeze
from trtdsl.layers.topk import TopK
from trtdsl.layers.unary import Unary
from trtdsl.loops.ops import IteratorLayer, LoopOutputLayer, RecurrenceLayer, TripLimitLayer
from trtdsl.plugins.definition import PluginV3

from trtdsl.layers.dist_collective import DistCollective
from trtdsl.layers.moe import MoE
from trtdsl.layers.ragged_softmax import RaggedSoftMax

__all__ = [
    "Activation",
    "Assertion",
    "Attention",
    "Cast",
    "Concatenation",
    "ConditionLayer",
    "ConditionalInputLayer",
    "ConditionalOutputLayer",
    "Constant",
    "Convolution",
    "Cumulative",
    "Deconvolution",
    "Dequantize",
    "DynamicQuantize",
    "Einsum",
    "ElementWise",
    "Fill",
    "Gather",
    "GridSample",
    "Identity",
    "IteratorLayer",
    "KVCacheUpdate",
    "LRN",
    "LoopOutputLayer",
    "MatrixMultiply",
    "NMS",
    "NonZero",
    "Normalization",
    "OneHot",
    "Op",
    "Padding",
    "ParametricReLU",
    "PluginV3",
    "Pooling",
    "Quantize",
    "RecurrenceLayer",
    "Reduce",
    "Resize",
    "ReverseSequence",
    "RotaryEmbedding",
    "Scale",
    "Scatter",
    "Select",
    "Shape",
    "Shuffle",
    "Slice",
    "SoftMax",
    "Squeeze",
    "TopK",
    "TripLimitLayer",
    "Unary",
    "Unsqueeze",
    # LLM and multi-device layers
    "DistCollective",
    "MoE",
    "RaggedSoftMax",
]
