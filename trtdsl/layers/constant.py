"""IConstantLayer: a tensor whose values are fixed weights.

>>> import numpy as np, trtdsl as td
>>> net = td.Network("c")
>>> x = net.input("x", td.float32, (2,))
>>> net.output("y", x + net.constant(np.array([10, 20], np.float32)))
>>> net.run({"x": np.array([1, 2], np.float32)})["y"]
array([11., 22.], dtype=float32)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import attrs
import numpy as np

from trtdsl import dtypes
from trtdsl.errors import DTypeError, ShapeError, Where, bad_argument, outward
from trtdsl.ir.functions import ir_function
from trtdsl.ir.op import Inputs, Op
from trtdsl.ir.tensor import Tensor
from trtdsl.ir.types import TensorType, Weights
from trtdsl.layers._common import array_of, as_array

__all__ = ["Constant"]

if TYPE_CHECKING:
    from trtdsl.ir.network import Network


@attrs.frozen
class Constant(Op):
    """A tensor holding ``weights`` (dtype and shape are the weights')."""

    kind = "Constant"
    docs_row = (  # docs/layers.md: DSL functions, TensorRT layer, semantics that differ from NumPy, sources
        "`net.constant`, any NumPy array or number given to a DSL function",
        "`IConstantLayer`",
        "Arrays keep their dtype; Python lists become float32 or int32 (int64 if needed); float64 needs "
        "an explicit dtype. FP8/INT4/FP4 constants feed only Dequantize layers in TensorRT.",
        "Python docstrings `IConstantLayer`; Explicit Quantization guide",
    )
    input_names = ()
    weights: Weights

    def infer(self, inputs: Inputs) -> tuple[TensorType, ...]:
        return (_type(self.weights),)

    def reference(self) -> tuple[np.ndarray, ...]:
        return (self.weights.array,)


# The type of the constants of each dtype (by name) and shape met: a value, made once for them all (a loop
# makes its constants of a few types; making a TensorType costs a call per field)
_TYPES: dict[tuple[str, tuple[int, ...]], TensorType] = {}
_KEPT = 4096


def _type(weights: Weights) -> TensorType:
    """The type of a constant holding ``weights``."""
    key = (weights.dtype.name, weights.array.shape)
    found = _TYPES.get(key)
    if found is None:
        if len(_TYPES) >= _KEPT:  # shapes made on the fly must not pile up
            _TYPES.clear()
        found = _TYPES[key] = TensorType(weights.dtype, key[1])
    return found


@ir_function
def constant(network: Network, values: Any, dtype: Any = None, *, name: str | None = None) -> Tensor:
    """A constant layer holding a copy of ``values``. Python numbers and lists become float32, or int32
    (int64 if they do not fit); NumPy arrays and scalars keep their dtype (``np.float64`` scalars are
    Python floats, so float32), and float64 arrays need an explicit ``dtype`` (TensorRT has no float64).

    >>> import numpy as np, trtdsl as td
    >>> net = td.Network("c")
    >>> [net.constant(v).dtype for v in (1.5, [1, 2], 2**40, np.int64(1), np.float16(1), np.float64(1))]
    [td.float32, td.int32, td.int64, td.int64, td.float16, td.float32]
    """
    if isinstance(values, Tensor):
        raise bad_argument("constant", "values", values, "numbers or an array (a Tensor is already a "
                           "network value: combine tensors with td.concatenate)")
    array = array_of("constant", "values", values)
    numpy_typed = isinstance(values, (np.ndarray, np.generic)) and not isinstance(values, float)
    if dtype is not None:
        array = as_array("constant", "values", array, dtypes.dtype(dtype))
    elif not numpy_typed and array.dtype.kind in "iuf":
        # Python numbers and lists: float32, and int32 when the values fit (else int64)
        fits = array.dtype.kind == "f" or array.size == 0 or (
            array.min() >= np.iinfo(np.int32).min and array.max() <= np.iinfo(np.int32).max)
        array = array.astype(np.float32 if array.dtype.kind == "f" else np.int32 if fits else np.int64)
    elif dtypes.of_array(array) is None:
        raise DTypeError(
            f"constant: argument 'values' has dtype {array.dtype}, which TensorRT does not have; "
            "pass dtype= (e.g. td.float32) or convert the array"
        )
    return owned_constant(network, np.array(array, copy=True, order="C"), name=name, callers=1)


def constant_argument(network: Network, fn: str, arg: str, value: Any) -> Tensor:
    """A number or array given to ``fn`` as its argument ``arg`` (a loop's initial value, a branch's
    output) as a constant by :func:`constant`'s rules, with errors that name ``fn`` and ``arg``."""
    array = array_of(fn, arg, value)
    if array.dtype == object or array.dtype.kind not in "biuf":
        raise bad_argument(fn, arg, value, "a Tensor, a number or an array")
    if isinstance(value, (np.ndarray, np.generic)) and not isinstance(value, float) \
            and dtypes.of_array(array) is None:
        raise DTypeError(f"{fn}: argument '{arg}' has dtype {array.dtype}, which TensorRT does not have; "
                         "convert it first (e.g. .astype(np.float32))")
    return constant(network, value)


@ir_function
def owned_constant(network: Network, array: np.ndarray, *, name: str | None = None,
                   callers: Where = 0) -> Tensor:
    """A constant layer holding ``array`` itself (see :meth:`Weights.owning`): an array of a TensorRT data
    type made for the constant alone, :func:`constant`'s copy of its values or what a layer function made
    of a number or array given to it, already of the dtype it needs (so that :func:`constant`'s checks
    would change nothing, and its copy nothing more). ``callers``: how many of the frames calling it are
    trtdsl's own, its caller's first (which that caller knows): the search for the user's line skips
    them; or the user's line, where the caller found it already (see :data:`~trtdsl.errors.Where`).

    >>> import numpy as np, trtdsl as td
    >>> owned_constant(td.Network("c"), np.full((1, 1), 0.5, np.float32))
    Tensor(%constant_0: f32[1,1])
    """
    if array.ndim > 8:
        raise ShapeError(f"constant: values have rank {array.ndim}; TensorRT allows at most 8")
    weights = Weights.owning(array)
    # owned weights of a TensorRT dtype and at most 8 dims: their type is the constant's, nothing to check
    return network._add(Constant(weights), (), name, outward(callers), (_type(weights),))[0]
