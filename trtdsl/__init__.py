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
"""

from trtdsl.dtypes import (
    DType, bfloat16, bool_, dtype, e8m0, float4_e2m1, float8_e4m3, float16, float32, int4, int8, int32, int64,
    uint8,
)
from trtdsl.errors import (
    ArgumentError, BackendError, DSLError, DTypeError, ExecutionError, InputError, RegionError, ShapeError,
)
from trtdsl.ir.dims import Dim
from trtdsl.ir.network import Network
from trtdsl.ir.tensor import Tensor
from trtdsl.ir.types import TensorType
from trtdsl.layers.activation import (
    ActivationType, activation, clip, elu, gelu, hard_sigmoid, leaky_relu, relu, scaled_tanh, selu, sigmoid,
    softplus, softsign, tanh, thresholded_relu,
)
from trtdsl.layers.cast import cast, identity
from trtdsl.layers.elementwise import (
    ElementWiseOperation, add, divide, elementwise, equal, floor_divide, greater, greater_equal, less, less_equal,
    logical_and, logical_or, logical_xor, maximum, minimum, mod, multiply, not_equal, power, subtract,
)
from trtdsl.layers.shuffle import expand_dims, reshape, shuffle, squeeze, transpose, unsqueeze
from trtdsl.layers.unary import (
    UnaryOperation, abs, arccos, arccosh, arcsin, arcsinh, arctan, arctanh, ceil, cos, cosh, erf, exp, floor,
    isinf, isnan, log, logical_not, negative, reciprocal, round, sign, sin, sinh, sqrt, tan, unary,
)

# Layer families and regions being filled in export what their __all__ lists.
from trtdsl.layers.concat import *  # noqa: E402,F401,F403
from trtdsl.layers.slice import *  # noqa: E402,F401,F403
from trtdsl.layers.padding import *  # noqa: E402,F401,F403
from trtdsl.layers.gather import *  # noqa: E402,F401,F403
from trtdsl.layers.select import *  # noqa: E402,F401,F403
from trtdsl.layers.shape import *  # noqa: E402,F401,F403
from trtdsl.layers.matmul import *  # noqa: E402,F401,F403
from trtdsl.layers.reduce import *  # noqa: E402,F401,F403
from trtdsl.layers.softmax import *  # noqa: E402,F401,F403
from trtdsl.layers.topk import *  # noqa: E402,F401,F403
from trtdsl.layers.cumulative import *  # noqa: E402,F401,F403
from trtdsl.layers.normalization import *  # noqa: E402,F401,F403
from trtdsl.layers.convolution import *  # noqa: E402,F401,F403
from trtdsl.layers.pooling import *  # noqa: E402,F401,F403
from trtdsl.layers.quantize import *  # noqa: E402,F401,F403
from trtdsl.layers.fill import *  # noqa: E402,F401,F403
from trtdsl.layers.nonzero import *  # noqa: E402,F401,F403
from trtdsl.layers.resize import *  # noqa: E402,F401,F403
from trtdsl.layers.manipulation import *  # noqa: E402,F401,F403
from trtdsl.layers.neural import *  # noqa: E402,F401,F403
from trtdsl.loops import *  # noqa: E402,F401,F403
from trtdsl.conditionals import *  # noqa: E402,F401,F403
from trtdsl.plugins import *  # noqa: E402,F401,F403
from trtdsl import quantization  # noqa: E402,F401
from trtdsl import shapes  # noqa: E402,F401
from trtdsl.shapes import ShapeSyncWarning  # noqa: E402,F401

bool = bool_  # noqa: A001  (td.bool, like np.bool)
fp8 = float8_e4m3
fp4 = float4_e2m1

__version__ = "0.1.0"
