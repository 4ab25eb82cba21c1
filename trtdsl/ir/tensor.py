"""Tensors: values flowing between layers, with NumPy-style operators that add layers (the layer families
register the functions the operators call: :mod:`trtdsl.ir.functions`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NoReturn

import numpy as np

from trtdsl.dtypes import DType
from trtdsl.errors import DSLError, DTypeError
from trtdsl.ir.dims import DimLike, TensorShape, bound_shape
from trtdsl.ir.functions import tensor_function
from trtdsl.ir.types import TensorType

if TYPE_CHECKING:
    from trtdsl.ir.network import Network
    from trtdsl.ir.node import Node


class Tensor:
    """One tensor of a :class:`~trtdsl.Network`: a network input or a layer's output.

    Tensors have identity semantics (``==`` builds an EQUAL layer; hashing is by identity). Operators
    follow TensorRT's semantics, e.g. ``/`` on integers truncates toward zero and ``//`` floors.

    >>> import numpy as np, trtdsl as td
    >>> net = td.Network("t")
    >>> x = net.input("x", td.int32, (3,))
    >>> net.output("q", x / 2)
    >>> net.output("f", x // 2)
    >>> out = net.run({"x": np.array([-3, 4, 7], np.int32)})
    >>> out["q"], out["f"]
    (array([-1,  2,  3], dtype=int32), array([-2,  2,  3], dtype=int32))
    """

    __slots__ = ("network", "type", "producer", "index", "_name", "user_named", "_shape", "__weakref__")

    def __init__(self, network: Network, type: TensorType, producer: Node | None, index: int,
                 name: str, user_named: bool) -> None:
        self.network = network
        self.type = type
        self.producer = producer
        self.index = index
        self._name = name
        self.user_named = user_named
        self._shape: TensorShape | None = None

    @property
    def name(self) -> str:
        return self._name

    @property
    def dtype(self) -> DType:
        return self.type.dtype

    @property
    def shape(self) -> tuple[DimLike, ...]:
        """The dims, as a tuple that (like its dims) remembers this tensor's network, so that
        ``td.zeros(x.shape)`` needs no ``like=``."""
        shape = self._shape
        if shape is None:
            shape = self._shape = bound_shape(self.type.shape, self.network)
        return shape

    @property
    def ndim(self) -> int:
        return len(self.type.shape)

    def __repr__(self) -> str:
        return f"Tensor(%{self._name}: {self.type})"

    def __bool__(self) -> NoReturn:
        raise DSLError(
            f"Tensor %{self._name} has no Python truth value: its value exists only when the network "
            "runs; use td.cond/td.If for data-dependent control flow or td.where to select values"
        )

    def _no_number(self, call: str, instead: str) -> NoReturn:
        # a DTypeError is a TypeError, as Python's own for an object without the conversion
        raise DTypeError(f"{call} of Tensor %{self._name}: a Tensor has no Python number, its value exists "
                         f"only when the network runs; {instead}")

    def __float__(self) -> NoReturn:
        self._no_number("float()", "read it from net.run's results, or go on computing with td functions")

    def __int__(self) -> NoReturn:
        self._no_number("int()", "read it from net.run's results, or cast the tensor with td.cast")

    def __complex__(self) -> NoReturn:
        self._no_number("complex()", "TensorRT has no complex dtype")

    def __round__(self, ndigits: Any = None) -> NoReturn:
        self._no_number("round()", "td.round(x) rounds half to even when the network runs")

    def __iter__(self) -> NoReturn:
        raise DSLError(f"Tensor %{self._name} is not iterable; index it (x[i]) or use td.Loop/td.scan")

    def __len__(self) -> int:
        if not self.shape or not isinstance(self.shape[0], int):
            raise DSLError(f"len() of Tensor %{self._name}: its first dim is not a static int ({self.type})")
        return self.shape[0]

    __hash__ = object.__hash__

    # NumPy on a Tensor. An array's operators call NumPy's ufuncs (``ndarray + x`` is ``np.add(ndarray, x)``):
    # the ufuncs of the Tensor's own operators run as that operator does, so ``ndarray + x`` is a Tensor.
    # Any other ufunc, a NumPy function or a conversion to an array would compute NumPy's semantics on values
    # that exist only when the network runs: refused, naming trtdsl's function where it has one.
    def __array_ufunc__(self, ufunc: Any, method: str, *inputs: Any, **kwargs: Any) -> Any:
        operator = _UFUNC_OPERATORS.get(ufunc) if method == "__call__" else None
        if operator is not None and not kwargs and len(inputs) == len(operator):
            if inputs[0] is self:  # np.add(x, v), np.negative(x)
                return getattr(self, operator[0])(*inputs[1:])
            return getattr(self, operator[1])(inputs[0])  # np.add(v, x): x's reflected operator
        name = ufunc.__name__ if method == "__call__" else f"{ufunc.__name__}.{method}"
        if kwargs.get("out") is not None:
            raise DSLError(f"np.{name}(..., out=...) on Tensor %{self._name}: a Tensor's values exist only "
                           "when the network runs, so NumPy cannot write them into an array (x += t is such "
                           "a call when x is an array: write x = x + t)")
        if operator is not None:
            given = ", ".join(f"{key}=" for key in kwargs)
            raise DSLError(f"np.{name}(..., {given}) on Tensor %{self._name}: NumPy's keyword arguments "
                           f"mean nothing to a layer; leave them out, or use td.{_NUMPY_EQUIVALENTS[name]}")
        raise DSLError(self._numpy_refused(f"np.{name}", name))

    def __array_function__(self, func: Any, types: Any, args: Any, kwargs: Any) -> Any:
        if func.__name__ in _NUMPY_INQUIRIES and func.__module__ == "numpy":
            return func._implementation(*args, **kwargs)  # np.shape(x) is x.shape: no values needed
        module = func.__module__.replace("numpy", "np", 1)
        if module != "np":  # np.linalg.norm, np.fft.fft: none in trtdsl
            raise DSLError(self._numpy_refused(f"{module}.{func.__name__}", ""))
        raise DSLError(self._numpy_refused(f"np.{func.__name__}", func.__name__))

    def __array__(self, dtype: Any = None, copy: Any = None) -> NoReturn:
        raise DSLError(
            f"Tensor %{self._name} cannot become a NumPy array: its values exist only when the network runs "
            "(net.run returns the outputs' arrays); an array becomes a network value with net.constant")

    def __getattr__(self, name: str) -> NoReturn:
        # reached only for attributes a Tensor lacks (x.squeeze(), x.flatten(1)): name what does it here
        equivalent = None if name.startswith("_") else _NUMPY_EQUIVALENTS.get(name)
        hint = "" if equivalent is None else f"; NumPy's {name} is a function here: td.{equivalent}(x, ...)"
        if not hint and name in _TORCH_METHODS:
            hint = f"; PyTorch's x.{name}(...) is {_TORCH_METHODS[name]} here"
        raise AttributeError(f"'Tensor' object has no attribute {name!r}{hint}")

    def _numpy_refused(self, call: str, name: str) -> str:
        """Why NumPy's ``call`` is refused on this Tensor, and trtdsl's function doing what NumPy's ``name``
        does, where it has one."""
        equivalent = _NUMPY_EQUIVALENTS.get(name)
        use = (f"use td.{equivalent}, which adds a layer" if equivalent is not None
               else "use trtdsl's layer functions (docs/layers.md), which add layers")
        return (f"{call} on Tensor %{self._name}: NumPy computes on arrays, and a Tensor's values exist only "
                f"when the network runs; {use} with TensorRT's semantics")

    # Arithmetic and logic: ElementWise / Unary layers.
    def __add__(self, other: Any) -> Tensor:
        return tensor_function("binary_operator")(self, other, "add")

    def __radd__(self, other: Any) -> Tensor:
        return tensor_function("binary_operator")(other, self, "add")

    def __sub__(self, other: Any) -> Tensor:
        return tensor_function("binary_operator")(self, other, "subtract")

    def __rsub__(self, other: Any) -> Tensor:
        return tensor_function("binary_operator")(other, self, "subtract")

    def __mul__(self, other: Any) -> Tensor:
        return tensor_function("binary_operator")(self, other, "multiply")

    def __rmul__(self, other: Any) -> Tensor:
        return tensor_function("binary_operator")(other, self, "multiply")

    def __truediv__(self, other: Any) -> Tensor:
        return tensor_function("binary_operator")(self, other, "divide")

    def __rtruediv__(self, other: Any) -> Tensor:
        return tensor_function("binary_operator")(other, self, "divide")

    def __floordiv__(self, other: Any) -> Tensor:
        return tensor_function("binary_operator")(self, other, "floor_divide")

    def __rfloordiv__(self, other: Any) -> Tensor:
        return tensor_function("binary_operator")(other, self, "floor_divide")

    def __mod__(self, other: Any) -> Tensor:
        return tensor_function("mod")(self, other)

    def __rmod__(self, other: Any) -> Tensor:
        return tensor_function("mod")(other, self)

    def __pow__(self, other: Any) -> Tensor:
        return tensor_function("binary_operator")(self, other, "power")

    def __rpow__(self, other: Any) -> Tensor:
        return tensor_function("binary_operator")(other, self, "power")

    def __and__(self, other: Any) -> Tensor:
        return tensor_function("binary_operator")(self, other, "logical_and")

    def __rand__(self, other: Any) -> Tensor:
        return tensor_function("binary_operator")(other, self, "logical_and")

    def __or__(self, other: Any) -> Tensor:
        return tensor_function("binary_operator")(self, other, "logical_or")

    def __ror__(self, other: Any) -> Tensor:
        return tensor_function("binary_operator")(other, self, "logical_or")

    def __xor__(self, other: Any) -> Tensor:
        return tensor_function("binary_operator")(self, other, "logical_xor")

    def __rxor__(self, other: Any) -> Tensor:
        return tensor_function("binary_operator")(other, self, "logical_xor")

    def __eq__(self, other: Any) -> Tensor:  # type: ignore[override]
        return tensor_function("binary_operator")(self, other, "equal")

    def __ne__(self, other: Any) -> Tensor:  # type: ignore[override]
        return tensor_function("not_equal")(self, other)

    def __lt__(self, other: Any) -> Tensor:
        return tensor_function("binary_operator")(self, other, "less")

    def __le__(self, other: Any) -> Tensor:
        return tensor_function("less_equal")(self, other)

    def __gt__(self, other: Any) -> Tensor:
        return tensor_function("binary_operator")(self, other, "greater")

    def __ge__(self, other: Any) -> Tensor:
        return tensor_function("greater_equal")(self, other)

    def __neg__(self) -> Tensor:
        return tensor_function("negative")(self)

    def __abs__(self) -> Tensor:
        return tensor_function("abs")(self)

    def __invert__(self) -> Tensor:
        return tensor_function("logical_not")(self)

    def __matmul__(self, other: Any) -> Tensor:
        return tensor_function("matmul")(self, other)

    def __rmatmul__(self, other: Any) -> Tensor:
        return tensor_function("matmul")(other, self)

    def __getitem__(self, key: Any) -> Tensor:
        return tensor_function("getitem")(self, key)

    def __setitem__(self, key: Any, value: Any) -> NoReturn:
        raise DSLError(
            f"Tensor %{self._name} cannot be assigned to (x[...] = v): a network's values are computed "
            "once, by layers; make a new tensor instead: td.where(mask, v, x) to replace some values, "
            "td.scatter_elements / td.scatter_nd to write at indices, td.concatenate of slices for a range"
        )

    # NumPy-style methods.
    def reshape(self, *shape: Any) -> Tensor:
        dims = shape[0] if len(shape) == 1 and isinstance(shape[0], (tuple, list)) else shape
        return tensor_function("reshape")(self, dims)

    def transpose(self, *axes: Any) -> Tensor:
        perm = axes[0] if len(axes) == 1 and isinstance(axes[0], (tuple, list)) else (axes or None)
        return tensor_function("transpose")(self, perm)

    @property
    def T(self) -> Tensor:
        return self.transpose()

    def astype(self, dtype: Any) -> Tensor:
        return tensor_function("cast")(self, dtype)

    def sum(self, axis: Any = None, keepdims: bool = False) -> Tensor:
        return tensor_function("sum")(self, axis=axis, keepdims=keepdims)

    def mean(self, axis: Any = None, keepdims: bool = False) -> Tensor:
        return tensor_function("mean")(self, axis=axis, keepdims=keepdims)

    def max(self, axis: Any = None, keepdims: bool = False) -> Tensor:
        return tensor_function("max")(self, axis=axis, keepdims=keepdims)

    def min(self, axis: Any = None, keepdims: bool = False) -> Tensor:
        return tensor_function("min")(self, axis=axis, keepdims=keepdims)

    def prod(self, axis: Any = None, keepdims: bool = False) -> Tensor:
        return tensor_function("prod")(self, axis=axis, keepdims=keepdims)


# The ufuncs that an array's operators call: the Tensor operator that does the same with the Tensor first,
# and its reflected form with the Tensor second (comparisons reflect into the opposite comparison).
_UFUNC_OPERATORS: dict[np.ufunc, tuple[str, ...]] = {
    np.add: ("__add__", "__radd__"), np.subtract: ("__sub__", "__rsub__"),
    np.multiply: ("__mul__", "__rmul__"), np.divide: ("__truediv__", "__rtruediv__"),
    np.floor_divide: ("__floordiv__", "__rfloordiv__"), np.remainder: ("__mod__", "__rmod__"),
    np.power: ("__pow__", "__rpow__"), np.matmul: ("__matmul__", "__rmatmul__"),
    np.bitwise_and: ("__and__", "__rand__"), np.bitwise_or: ("__or__", "__ror__"),
    np.bitwise_xor: ("__xor__", "__rxor__"), np.equal: ("__eq__", "__eq__"),
    np.not_equal: ("__ne__", "__ne__"),
    np.less: ("__lt__", "__gt__"), np.less_equal: ("__le__", "__ge__"), np.greater: ("__gt__", "__lt__"),
    np.greater_equal: ("__ge__", "__le__"),
    np.negative: ("__neg__",), np.absolute: ("__abs__",), np.invert: ("__invert__",),
}
# NumPy's functions that only ask a value its dims, which a Tensor has: they run
_NUMPY_INQUIRIES = frozenset({"shape", "ndim"})
# PyTorch's Tensor methods that a Tensor lacks, for code ported from PyTorch: what does the same here
_TORCH_METHODS = {
    "flatten": "td.flatten(x, start_dim, end_dim)", "permute": "x.transpose(axes) (td.transpose)",
    "view": "x.reshape(shape)", "size": "x.shape", "dim": "x.ndim", "unsqueeze": "td.unsqueeze(x, axes)",
    "expand": "td.broadcast_to(x, shape)", "repeat": "td.tile(x, reps)",
    "chunk": "td.split(x, sections, axis)",
    "clamp": "td.clip(x, low, high)", "float": "x.astype(td.float32)", "half": "x.astype(td.float16)",
    "to": "x.astype(dtype)", "masked_fill": "td.where(mask, value, x)", "softmax": "td.softmax(x, axis)",
    "contiguous": "nothing (a network's values have no memory layout: leave the call out)",
    "numpy": "what net.run returns (a Tensor's values exist only when the network runs)",
}

# NumPy's functions (and ufunc methods) that a td function of trtdsl does, by NumPy's name: the same operation
# (with TensorRT's semantics), as docs/layers.md lists them
_NUMPY_EQUIVALENTS = {
    **{name: name for name in (
        "add", "subtract", "multiply", "divide", "floor_divide", "power", "maximum", "minimum", "equal",
        "not_equal", "greater", "greater_equal", "less", "less_equal", "logical_and", "logical_or",
        "logical_xor", "logical_not", "matmul", "negative", "exp", "log", "sqrt", "reciprocal", "sin", "cos",
        "tan", "sinh", "cosh", "tanh", "arcsin", "arccos", "arctan", "arcsinh", "arccosh", "arctanh", "ceil",
        "floor", "round", "sign", "isinf", "isnan", "sum", "mean", "prod", "max", "min", "cumsum", "argmax",
        "argmin", "concatenate", "stack", "split", "reshape", "transpose", "squeeze", "expand_dims",
        "broadcast_to", "tile", "flip", "pad", "where", "clip", "einsum", "zeros_like", "ones_like",
        "full_like")},
    "absolute": "abs", "fabs": "abs", "remainder": "mod", "rint": "round", "invert": "logical_not",
    "bitwise_and": "logical_and", "bitwise_or": "logical_or", "bitwise_xor": "logical_xor", "amax": "max",
    "amin": "min", "astype": "cast", "add.reduce": "sum", "multiply.reduce": "prod", "maximum.reduce": "max",
    "minimum.reduce": "min", "add.accumulate": "cumsum",
}
