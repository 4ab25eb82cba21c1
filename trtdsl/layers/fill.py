"""IFillLayer, and NumPy's array constructors on it and on Slice: arange, full, zeros, ones, broadcast_to.

Fill makes a tensor of shape ``dims`` (static, or input 0: a 1-D int32/int64 shape tensor) by its
FillOperation:

==============  =================================================================================
LINSPACE        ``alpha + sum_k beta[k] * i_k`` at index ``(i_0, ..., i_r-1)`` (int32, int64, float32);
                static alpha/beta only for 1-D outputs, else inputs 1 (0-D alpha) and 2 (1-D beta,
                one delta per dim)
RANDOM_UNIFORM  uniform values in [alpha, beta] (defaults 0 and 1; float32, float16)
RANDOM_NORMAL   normal values of mean alpha and standard deviation beta (defaults 0 and 1)
==============  =================================================================================

Alpha and beta are both static or both inputs (1 and 2), of the output's dtype (NvInfer.h IFillLayer:
"both must be non-null and have the same data type"; the Python docstrings' IFillLayer table lists
float16 and float32 for the random fills). Random fills differ on every run, in TensorRT and in the
reference (NumPy's default generator): compare them by their statistics. LINSPACE computes in the
output's dtype: int32 wraps, float32 rounds ``alpha + sum(beta * i)`` computed in float64 once
(TensorRT's kernel order is UNCONFIRMED, the difference being one rounding; an engine run of a long
float32 LINSPACE would settle it).

>>> import numpy as np, trtdsl as td
>>> net = td.Network("f")
>>> x = net.input("x", td.float32, ("n", 3))
>>> net.output("i", td.arange(x.shape[0], like=x))            # np.arange(n)
>>> net.output("z", td.zeros((x.shape[0], 2), td.int32, like=x))
>>> net.output("grid", td.fill((2, 3), "linspace", 1, (100, 10), td.int32, like=x))
>>> out = net.run({"x": np.ones((4, 3), np.float32)})
>>> out["i"], out["z"].shape
(array([0, 1, 2, 3]), (4, 2))
>>> out["grid"]                                               # 1 + 100 * i + 10 * j
array([[  1,  11,  21],
       [101, 111, 121]], dtype=int32)
"""

from __future__ import annotations

import enum
import math
from typing import Any, Sequence

import attrs
import numpy as np

from trtdsl import dtypes
from trtdsl.dtypes import DType
from trtdsl.errors import ArgumentError, DTypeError, ShapeError, bad_argument
from trtdsl.ir.dims import MAX_DIM, Dim, DimLike, combine, dim_tuple, network_of_dims, static_shape
from trtdsl.ir.network import Network
from trtdsl.ir.op import Inputs, Op, ir
from trtdsl.ir.tensor import Tensor
from trtdsl.ir.types import TensorType
from trtdsl.layers._common import array_of, as_array, expect_tensor
from trtdsl.layers._shape_args import dim_scalar, dim_tensor, shape_arg, shape_tensor

__all__ = [
    "Fill",
    "FillOperation",
    "arange",
    "broadcast_to",
    "fill",
    "full",
    "full_like",
    "ones",
    "ones_like",
    "random_normal",
    "random_uniform",
    "zeros",
    "zeros_like",
]


class FillOperation(enum.Enum):
    LINSPACE = "linspace"
    RANDOM_UNIFORM = "random_uniform"
    RANDOM_NORMAL = "random_normal"


_F = FillOperation
# The output types NvInfer.h allows per operation.
FILL_DTYPES = {
    _F.LINSPACE: (dtypes.int32, dtypes.int64, dtypes.float32),
    _F.RANDOM_UNIFORM: (dtypes.float32, dtypes.float16),
    _F.RANDOM_NORMAL: (dtypes.float32, dtypes.float16),
}
_DEFAULTS = {_F.LINSPACE: (0, 1), _F.RANDOM_UNIFORM: (0, 1), _F.RANDOM_NORMAL: (0, 1)}


@attrs.frozen
class Fill(Op):
    """A tensor of shape ``shape`` and dtype ``dtype`` filled by ``operation`` (see the module doc).

    ``shape`` holds ints, or the dims as the IR knows them when input 0 gives them. ``alpha`` and
    ``beta`` are the static parameters (None when inputs 1 and 2 give them)."""

    kind = "Fill"
    docs_row = (  # docs/layers.md: DSL functions, TensorRT layer, semantics that differ from NumPy, sources
        "`td.fill`, `td.arange`, `td.random_uniform`, `td.random_normal`",
        "`IFillLayer` (`FillOperation` LINSPACE / RANDOM_UNIFORM / RANDOM_NORMAL)",
        "LINSPACE is `alpha + sum(beta[k] * i_k)` (int32, int64, float32), with static alpha/beta only "
        "for 1-D outputs; random fills (float32, float16) differ on every run. `td.arange` follows "
        "`np.arange` (int64 by default for ints) and takes a dynamic stop, whose length must not be "
        "negative when the network runs (NumPy's would be empty; TensorRT's Fill fails). Dims may be "
        "dynamic (input 0, "
        "a shape tensor). Given dims of a tensor (`td.zeros(x.shape)`, `td.arange(x.shape[0])`), the "
        "constructors add their layers to that tensor's network, with no `like=`.",
        "NvInfer.h and Python docstrings `IFillLayer`; LINSPACE rounding *UNCONFIRMED*",
    )
    input_names = ("dims?", "alpha?", "beta?")
    shape: tuple[DimLike, ...] = attrs.field(converter=dim_tuple)
    operation: FillOperation = attrs.field(default=FillOperation.LINSPACE, metadata=ir(label=True))
    dtype: DType = attrs.field(default=dtypes.float32, metadata=ir(by_name=True))
    alpha: float | int | None = attrs.field(default=0, metadata=ir(unless_none=True))
    beta: float | int | None = attrs.field(default=1, metadata=ir(unless_none=True))

    def infer(self, inputs: Inputs) -> tuple[TensorType, ...]:
        label = self.label()
        dims, alpha, beta = inputs.all
        allowed = FILL_DTYPES[self.operation]
        if self.dtype not in allowed:
            raise DTypeError(
                f"{label}: argument 'dtype' is {self.dtype.name}; {self.operation.name} fills "
                f"{', '.join(d.name for d in allowed)}"
            )
        if dims is not None:
            dims.check_shape_vector(f"{label}: input 'dims'", len(self.shape))
        elif not all(type(d) is int and d >= 0 for d in self.shape):
            raise bad_argument(
                label,
                "shape",
                self.shape,
                "ints >= 0 (dynamic dims come as input 0, a shape tensor)",
                ShapeError,
            )
        if len(self.shape) > 8:
            raise ShapeError(
                f"{label}: shape {self.shape} has rank {len(self.shape)}; TensorRT allows at most 8"
            )
        if (alpha is None) != (beta is None):
            raise ArgumentError(f"{label}: inputs 1 (alpha) and 2 (beta) are both given or both absent")
        if alpha is None:
            self._check_static(label)
        else:
            self._check_dynamic(label, alpha, beta)  # type: ignore[arg-type]
        return (TensorType(self.dtype, self.shape),)

    def _check_static(self, label: str) -> None:
        for arg in ("alpha", "beta"):
            value = getattr(self, arg)
            integral = self.dtype.is_integer
            ok = isinstance(value, int) if integral else isinstance(value, (int, float))
            if isinstance(value, bool) or not ok or (isinstance(value, float) and not math.isfinite(value)):
                raise bad_argument(label, arg, value, "an int" if integral else "a finite float")
        if self.operation is _F.RANDOM_NORMAL and self.beta < 0:  # type: ignore[operator]
            raise bad_argument(label, "beta", self.beta, "a standard deviation >= 0 (random_normal's std)")
        if self.operation is _F.LINSPACE and len(self.shape) != 1:
            raise ShapeError(
                f"{label}: a static alpha and beta fill only 1-D outputs (TensorRT: \"Alpha and beta "
                f"tensor should be set when output an ND tensor\"); shape {_text(self.shape)} needs them as "
                "inputs 1 and 2"
            )

    def _check_dynamic(self, label: str, alpha: TensorType, beta: TensorType) -> None:
        if self.alpha is not None or self.beta is not None:
            raise ArgumentError(
                f"{label}: alpha and beta are given as inputs 1 and 2, so the parameters alpha and beta "
                "are None"
            )
        for arg, ty in (("alpha", alpha), ("beta", beta)):
            if ty.dtype != self.dtype:
                raise DTypeError(
                    f"{label}: input '{arg}' has dtype {ty.dtype.name}; expected {self.dtype.name}, the "
                    "output's dtype"
                )
        if alpha.rank != 0:
            raise ShapeError(f"{label}: input 'alpha' has shape {alpha.shape_text}; expected a 0-D tensor")
        if self.operation is _F.LINSPACE:
            if beta.shape != (len(self.shape),):
                raise ShapeError(
                    f"{label}: input 'beta' has shape {beta.shape_text}; expected ({len(self.shape)},), "
                    "one delta per output dim"
                )
        elif beta.rank != 0:
            raise ShapeError(f"{label}: input 'beta' has shape {beta.shape_text}; expected a 0-D tensor")

    def reference(
        self, dims: np.ndarray | None = None, alpha: np.ndarray | None = None, beta: np.ndarray | None = None
    ) -> tuple[np.ndarray, ...]:
        shape = tuple(int(d) for d in dims) if dims is not None else static_shape(self.shape)
        if min(shape, default=0) < 0:
            raise ValueError(f"the dims {list(shape)} read when the network ran have a negative dim")
        a = self.alpha if alpha is None else alpha.item()
        assert a is not None, "Fill.infer checks a static alpha or input 1"
        b = np.asarray([self.beta] if beta is None else beta)
        target = self.dtype.numpy
        if self.operation is _F.LINSPACE:
            return (_linspace(shape, a, b, target),)
        rng = np.random.default_rng()
        if self.operation is _F.RANDOM_UNIFORM:
            return (rng.uniform(a, b.item(), shape).astype(target),)
        return (rng.normal(a, b.item(), shape).astype(target),)


def _linspace(shape: tuple[int, ...], alpha: Any, beta: np.ndarray, target: np.dtype) -> np.ndarray:
    """``alpha + sum_k beta[k] * i_k``: exact for integers (wrapping into ``target``), in float64 then
    rounded for floats."""
    wide = np.int64 if np.dtype(target).kind in "iu" else np.float64
    out = np.full(shape, alpha, wide)
    for k, n in enumerate(shape):
        index = np.arange(n, dtype=wide).reshape((1,) * k + (n,) + (1,) * (len(shape) - k - 1))
        out = out + wide(beta[k]) * index
    return out.astype(target)


def _check_broadcastable(fn: str, dtype: DType) -> None:
    """A DTypeError where ``dtype`` is not one that TensorRT's Slice layer, which broadcasts, takes."""
    from trtdsl.layers.cast import CASTABLE
    from trtdsl.layers.slice import SLICE_DTYPES

    if dtype not in SLICE_DTYPES:
        hint = f"; broadcast int32 values and td.cast the result to {dtype.name}" if dtype in CASTABLE else ""
        raise DTypeError(f"{fn}: values of dtype {dtype.name} cannot be broadcast: TensorRT's Slice layer, "
                         f"which broadcasts them, takes {', '.join(d.name for d in SLICE_DTYPES)}{hint}")


def _text(shape: Sequence[Any]) -> str:
    return "(" + ", ".join(str(d) for d in shape) + ("," if len(shape) == 1 else "") + ")"


def _operation(value: FillOperation | str) -> FillOperation:
    if isinstance(value, FillOperation):
        return value
    if isinstance(value, str) and value.upper() in FillOperation.__members__:
        return FillOperation[value.upper()]
    raise bad_argument("fill", "operation", value,
                       "one of " + ", ".join(repr(m.value) for m in FillOperation))


def _network(fn: str, shape: Any, like: Any, *values: Any) -> Network | None:
    """The network ``like``, the values or the shape's tensors belong to, else the one the dims of the
    shape or values were read from (``x.shape``, ``x.shape[0] - 1``); None if nothing tells."""
    if like is not None:
        return expect_tensor(fn, "like", like).network
    for v in (shape, *values):
        if isinstance(v, Tensor):
            return v.network
        if isinstance(v, (tuple, list)):
            for item in v:
                if isinstance(item, Tensor):
                    return item.network
    for v in (shape, *values):
        found = network_of_dims(v)
        if found is not None:
            return found
    return None


def _need_network(fn: str, network: Network | None) -> Network:
    if network is None:
        raise ArgumentError(
            f"{fn}: no argument is a trtdsl Tensor or a dim of one (x.shape), so the network is unknown; "
            "pass like=<a tensor of the network> (as NumPy's like=)"
        )
    return network


def fill(
    shape: Any,
    operation: FillOperation | str = "linspace",
    alpha: Any = None,
    beta: Any = None,
    dtype: Any = dtypes.float32,
    *,
    like: Tensor | None = None,
    name: str | None = None,
) -> Tensor:
    """One IFillLayer of ``shape`` (ints, dims, 0-D int tensors, or a 1-D shape tensor) and ``dtype``.

    LINSPACE: ``alpha + sum_k beta[k] * i_k`` (``alpha`` a number or 0-D tensor, ``beta`` a number for
    1-D outputs or one delta per dim); RANDOM_UNIFORM: uniform in [alpha, beta]; RANDOM_NORMAL: normal
    with mean alpha and standard deviation beta. Defaults: alpha 0, beta 1. ``like`` is a tensor of the
    network when no other argument is one or holds its dims (``x.shape``).

    >>> import numpy as np, trtdsl as td
    >>> net = td.Network("f")
    >>> x = net.input("x", td.float32, ("n",))
    >>> u = td.fill(x.shape, "random_uniform", 2.0, 3.0, like=x)
    >>> net.output("ok", td.logical_and(td.min(u) >= 2.0, td.max(u) <= 3.0))
    >>> bool(net.run({"x": np.zeros(1000, np.float32)})["ok"])
    True
    """
    network = _need_network("fill", _network("fill", shape, like, alpha, beta))
    return _fill(network, shape, _operation(operation), alpha, beta, dtypes.dtype(dtype), name)


def _fill(
    network: Network, shape: Any, op: FillOperation, alpha: Any, beta: Any, dt: DType, name: str | None
) -> Tensor:
    from trtdsl.shapes.rules import use_as_shape

    dims = shape_arg("fill", "shape", shape, network)
    if dims.tensor is not None:
        use_as_shape("fill", dims.tensor, "shape")
    rank = len(dims.dims)
    if beta is None and op is _F.LINSPACE and rank != 1:
        raise bad_argument(
            "fill",
            "beta",
            beta,
            f"{rank} deltas, one per output dim (TensorRT's default delta of 1 is for 1-D fills)",
        )
    default_alpha, default_beta = _DEFAULTS[op]
    alpha = default_alpha if alpha is None else alpha
    beta = default_beta if beta is None else beta
    static = (
        not isinstance(alpha, Tensor)
        and not isinstance(beta, Tensor)
        and array_of("fill", "beta", beta).ndim == 0
        and (op is not _F.LINSPACE or rank == 1)
    )
    if static:
        a, b = (_scalar("fill", arg, v, dt) for arg, v in (("alpha", alpha), ("beta", beta)))
        return network.add1(
            Fill(dims.dims, op, dt, a, b), (dims.tensor,) if dims.tensor is not None else (), name=name
        )
    a_t = _parameter(network, "alpha", alpha, dt, ())
    beta_shape = (rank,) if op is _F.LINSPACE else ()
    if op is _F.LINSPACE and not isinstance(beta, Tensor) and array_of("fill", "beta", beta).ndim == 0:
        beta = [beta] * rank if rank == 1 else beta
    b_t = _parameter(network, "beta", beta, dt, beta_shape)
    return network.add1(Fill(dims.dims, op, dt, None, None), (dims.tensor, a_t, b_t), name=name)


def _scalar(fn: str, arg: str, value: Any, dtype: DType) -> float | int:
    array = as_array(fn, arg, value, dtype)
    if array.ndim != 0:
        raise bad_argument(fn, arg, value, "a number", ShapeError)
    return int(array) if dtype.is_integer else float(array)


def _parameter(network: Network, arg: str, value: Any, dtype: DType, shape: tuple[int, ...]) -> Tensor:
    """``alpha`` or ``beta`` as a tensor of ``dtype`` and ``shape`` (a Tensor as is, numbers as a
    constant)."""
    if isinstance(value, Tensor):
        return value
    array = as_array("fill", arg, value, dtype)
    if array.shape != shape:
        expected = "a number" if not shape else f"{shape[0]} numbers, one delta per output dim"
        raise bad_argument("fill", arg, value, expected, ShapeError)
    return network.constant(array)


def arange(
    start: Any,
    stop: Any = None,
    step: Any = 1,
    dtype: Any = None,
    *,
    like: Tensor | None = None,
    name: str | None = None,
) -> Tensor:
    """``np.arange(start, stop, step)`` as a LINSPACE Fill: ``start + step * i`` for ``i`` in
    ``range(ceil((stop - start) / step))``.

    ``start`` and ``stop`` may be dynamic dims (``x.shape[0] - 1``) or 0-D integer tensors, with an
    integer ``step``: the length is then computed when the network runs and must not be negative (NumPy
    would give an empty result). ``dtype`` defaults to int64 for integer arguments (NumPy's default) and
    float32 otherwise.

    >>> import numpy as np, trtdsl as td
    >>> net = td.Network("a")
    >>> x = net.input("x", td.float32, ("n",))
    >>> net.output("r", td.arange(1, x.shape[0], 2))
    >>> net.output("down", td.arange(x.shape[0] - 1, -1, -1))
    >>> net.output("f", td.arange(0.0, 1.0, 0.25, like=x))
    >>> out = net.run({"x": np.zeros(8, np.float32)})
    >>> out["r"], out["down"], out["f"]
    (array([1, 3, 5, 7]), array([7, 6, 5, 4, 3, 2, 1, 0]), array([0.  , 0.25, 0.5 , 0.75], dtype=float32))
    """
    if stop is None:
        start, stop = 0, start
    network = _need_network("arange", _network("arange", (), like, start, stop, step))
    for arg, value in (("start", start), ("stop", stop)):
        if not (
            _is_number(value)
            or isinstance(value, Dim)
            or (isinstance(value, Tensor) and value.dtype.is_integer and value.ndim == 0)
        ):
            raise bad_argument("arange", arg, value, "a number, a dynamic dim or a 0-D integer tensor")
        if _is_number(value) and not math.isfinite(value):
            raise bad_argument("arange", arg, value, "a finite number")
    if not _is_number(step) or step == 0 or not math.isfinite(step):
        raise bad_argument("arange", "step", step, "a finite non-zero number")
    floats = any(isinstance(v, (float, np.floating)) for v in (start, stop, step))
    dt = dtypes.dtype(dtype) if dtype is not None else dtypes.float32 if floats else dtypes.int64
    if _is_number(start) and _is_number(stop):
        count = _length(start, stop, step, floats)
        return _fill(network, (count,), _F.LINSPACE, start, step, dt, name)
    if floats:
        raise bad_argument(
            "arange", "start/stop/step", (start, stop, step), "ints when start or stop is dynamic"
        )
    step = int(step)
    if isinstance(start, Tensor) or isinstance(stop, Tensor):
        first, last = (_scalar_tensor(network, v, dtypes.int64) for v in (start, stop))
        length: Any = (
            (last - first + (step - 1)) // step if step > 0 else (first - last + (-step - 1)) // -step
        )
    elif step > 0:
        length = combine("//", combine("+", combine("-", stop, start), step - 1), step)
    else:
        length = combine("//", combine("+", combine("-", start, stop), -step - 1), -step)
    if _is_number(start):
        return _fill(network, (length,), _F.LINSPACE, start, step, dt, name)
    return _fill(network, (length,), _F.LINSPACE, _scalar_tensor(network, start, dt), [step], dt, name)


def _length(start: Any, stop: Any, step: Any, floats: bool) -> int:
    """``max(ceil((stop - start) / step), 0)``, exact for ints (their float quotient may overflow), and at
    most the largest dim."""
    if floats:
        quotient = (float(stop) - float(start)) / float(step)
    else:
        quotient = -((int(start) - int(stop)) // int(step))
    if quotient > MAX_DIM:
        raise ShapeError(f"arange: start {start}, stop {stop} and step {step} give more than {MAX_DIM} "
                         "elements, TensorRT's largest dim")
    return max(math.ceil(quotient), 0)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(
        value, (bool, np.bool_)
    )


def _scalar_tensor(network: Network, value: Any, dtype: DType) -> Tensor:
    """A number, a dim or a 0-D integer tensor as a 0-D tensor of ``dtype``."""
    from trtdsl.layers.cast import cast

    if isinstance(value, Tensor):
        t = value
    elif isinstance(value, Dim):
        t = dim_scalar(network, value)
    else:
        return network.constant(as_array("arange", "start", value, dtype))
    return t if t.dtype is dtype else cast(t, dtype)


def broadcast_to(x: Tensor, shape: Any, *, name: str | None = None) -> Tensor:
    """``np.broadcast_to(x, shape)``: one Slice reading each dim of 1 with stride 0.

    ``shape`` may hold dynamic dims and 0-D integer tensors; leading dims are added to ``x`` first (an
    Unsqueeze). A dynamic dim of ``x`` broadcast to a different size gets its stride computed when the
    network runs (0 where it is 1), as TensorRT's ONNX importer does for Expand. Where a dim of ``x``
    may be neither 1 nor the target's (one of the two known only at run time), the Slice's start is
    computed too: 0 where the dims broadcast, else outside ``x``, so that the run fails (STRICT_BOUNDS)
    rather than read part of ``x``, as ``np.broadcast_to`` fails. (TensorRT checks a slice's bounds at the
    optimization profile's opt shapes when it builds: opt dims that do not broadcast fail the build.)

    >>> import numpy as np, trtdsl as td
    >>> net = td.Network("b")
    >>> x = net.input("x", td.float32, (3, 1))
    >>> n = net.input("n", td.float32, ("n",))
    >>> y = td.broadcast_to(x, (2, 3, n.shape[0]))
    >>> y.shape
    (2, 3, Dim('n'))
    >>> net.output("y", y)
    >>> out = net.run({"x": np.array([[1], [2], [3]], np.float32), "n": np.zeros(4, np.float32)})["y"]
    >>> np.array_equal(out, np.broadcast_to([[1], [2], [3]], (2, 3, 4)))
    True
    """
    from trtdsl.layers.squeeze import unsqueeze
    from trtdsl.layers.slice import Slice
    from trtdsl.shapes.rules import use_as_shape

    x = expect_tensor("broadcast_to", "x", x)
    _check_broadcastable("broadcast_to", x.dtype)
    target = shape_arg("broadcast_to", "shape", shape, x.network)
    rank = len(target.dims)
    if rank < x.ndim:
        raise ShapeError(
            f"broadcast_to: cannot broadcast shape {x.type.shape_text} to {_text(target.dims)}: the target "
            "has fewer dims"
        )
    if rank > x.ndim:
        x = unsqueeze(x, tuple(range(rank - x.ndim)))
    strides: list[Any] = []
    starts: list[Any] = []
    for axis, (d, t) in enumerate(zip(x.shape, target.dims)):
        if d == 1 or d == t:
            strides.append(0 if d == 1 else 1)
            starts.append(0)
        elif isinstance(d, int) and isinstance(t, int):
            raise ShapeError(
                f"broadcast_to: cannot broadcast shape {x.type.shape_text} to {_text(target.dims)}: dim "
                f"{axis} is {d}, which is neither 1 nor {t}"
            )
        elif isinstance(d, int):
            strides.append(1)
            starts.append((d - t) * d)  # 0 where t is d, else outside [0, d): the run fails
        else:
            from trtdsl.layers.elementwise import minimum

            # stride 0 where the dim is 1, else 1; start 0 where the dim is 1 or t, else outside [0, d)
            dim = dim_tensor(x.network, d)
            stride = minimum(dim - 1, 1)
            strides.append(stride)
            starts.append((dim - dim_tensor(x.network, t)) * stride * dim)
    size = target.tensor
    if size is not None:
        use_as_shape("broadcast_to", size, "shape")
    from trtdsl.shapes.values import value_of

    def as_input(values: list[Any], what: str) -> Tensor | None:
        if all(isinstance(v, int) for v in values):
            return None
        made = shape_tensor(x.network, values)
        use_as_shape("broadcast_to", made, what)
        values[:] = value_of(made) or ()
        return made

    start_tensor, stride_tensor = as_input(starts, "start"), as_input(strides, "stride")
    inputs = [x, start_tensor, size, stride_tensor]
    while inputs[-1] is None:
        inputs.pop()
    return x.network.add1(Slice(tuple(starts), target.dims, tuple(strides)), inputs, name=name)


def full(
    shape: Any, fill_value: Any, dtype: Any = None, *, like: Tensor | None = None, name: str | None = None
) -> Tensor:
    """``np.full(shape, fill_value, dtype)``: a constant broadcast to ``shape`` (which may hold dynamic
    dims). The network is ``like``'s if given, else that of a tensor among the arguments, else the one
    ``shape``'s dims were read from (``x.shape``, ``x.shape[0] + 1``). ``dtype`` defaults to float32 for a
    float value, int32 for an int (int64 if needed), bool for a bool.

    >>> import numpy as np, trtdsl as td
    >>> net = td.Network("full")
    >>> x = net.input("x", td.float32, ("n",))
    >>> net.output("y", td.full((2, x.shape[0]), 7))
    >>> net.run({"x": np.zeros(3, np.float32)})["y"]
    array([[7, 7, 7],
           [7, 7, 7]], dtype=int32)
    """
    network = _need_network("full", _network("full", shape, like, fill_value))
    if isinstance(fill_value, Tensor):
        if fill_value.ndim != 0:
            raise bad_argument("full", "fill_value", fill_value, "a number or a 0-D tensor", ShapeError)
        value = fill_value if dtype is None else fill_value.astype(dtype)
    else:
        if array_of("full", "fill_value", fill_value).ndim != 0:
            raise bad_argument("full", "fill_value", fill_value, "a number or a 0-D tensor", ShapeError)
        value = network.constant(fill_value, dtype)

    target = shape_arg("full", "shape", shape, network)
    from trtdsl.layers.shuffle import reshape

    if target.dims:
        _check_broadcastable("full", value.dtype)

    if not target.dims:
        from trtdsl.layers.cast import identity

        return identity(value, name=name)
    ones = reshape(value, (1,) * len(target.dims))
    return broadcast_to(ones, target.tensor if target.tensor is not None else target.dims, name=name)


def zeros(
    shape: Any, dtype: Any = dtypes.float32, *, like: Tensor | None = None, name: str | None = None
) -> Tensor:
    """``np.zeros(shape, dtype)`` (float32 by default): see :func:`full`.

    >>> import numpy as np, trtdsl as td
    >>> net = td.Network("z")
    >>> x = net.input("x", td.float32, ("n",))
    >>> net.output("z", td.zeros((x.shape[0], 2), td.bool))
    >>> net.run({"x": np.ones(3, np.float32)})["z"].shape
    (3, 2)
    """
    dt = dtypes.dtype(dtype)
    return full(shape, np.zeros((), dt.numpy), dt, like=like, name=name)


def ones(
    shape: Any, dtype: Any = dtypes.float32, *, like: Tensor | None = None, name: str | None = None
) -> Tensor:
    """``np.ones(shape, dtype)`` (float32 by default): see :func:`full`.

    >>> import numpy as np, trtdsl as td
    >>> net = td.Network("o")
    >>> x = net.input("x", td.float32, ("n",))
    >>> net.output("o", td.ones((2,), td.int64, like=x))
    >>> net.run({"x": np.ones(3, np.float32)})["o"]
    array([1, 1])
    """
    dt = dtypes.dtype(dtype)
    return full(shape, np.ones((), dt.numpy), dt, like=like, name=name)


def full_like(x: Tensor, fill_value: Any, dtype: Any = None, *, name: str | None = None) -> Tensor:
    """``np.full_like(x, fill_value, dtype)``: ``x``'s shape (dynamic dims read from ``x`` when the
    network runs) and dtype unless ``dtype`` is given.

    >>> import numpy as np, trtdsl as td
    >>> net = td.Network("fl")
    >>> x = net.input("x", td.int32, ("n",))
    >>> net.output("y", td.full_like(x, 5) + x)
    >>> net.run({"x": np.array([1, 2], np.int32)})["y"]
    array([6, 7], dtype=int32)
    """
    x = expect_tensor("full_like", "x", x)
    return full(x.shape, fill_value, x.dtype if dtype is None else dtype, like=x, name=name)


def zeros_like(x: Tensor, dtype: Any = None, *, name: str | None = None) -> Tensor:
    """``np.zeros_like(x, dtype)``: see :func:`full_like`.

    >>> import numpy as np, trtdsl as td
    >>> net = td.Network("z")
    >>> x = net.input("x", td.int32, ("n",))
    >>> net.output("z", td.zeros_like(x))
    >>> net.run({"x": np.array([4, 5], np.int32)})["z"]
    array([0, 0], dtype=int32)
    """
    x = expect_tensor("zeros_like", "x", x)
    return zeros(x.shape, x.dtype if dtype is None else dtype, like=x, name=name)


def ones_like(x: Tensor, dtype: Any = None, *, name: str | None = None) -> Tensor:
    """``np.ones_like(x, dtype)``: see :func:`full_like`.

    >>> import numpy as np, trtdsl as td
    >>> net = td.Network("o")
    >>> x = net.input("x", td.int32, ("n",))
    >>> net.output("o", td.ones_like(x, td.float32))
    >>> net.run({"x": np.array([4, 5], np.int32)})["o"]
    array([1., 1.], dtype=float32)
    """
    x = expect_tensor("ones_like", "x", x)
    return ones(x.shape, x.dtype if dtype is None else dtype, like=x, name=name)


def random_uniform(
    shape: Any,
    low: Any = 0.0,
    high: Any = 1.0,
    dtype: Any = dtypes.float32,
    *,
    like: Tensor | None = None,
    name: str | None = None,
) -> Tensor:
    """``np.random.uniform(low, high, shape)`` as a RANDOM_UNIFORM Fill (new values on every run).

    >>> import numpy as np, trtdsl as td
    >>> net = td.Network("u")
    >>> x = net.input("x", td.float32, ("n",))
    >>> net.output("u", td.random_uniform((x.shape[0],), -1.0, 1.0, like=x))
    >>> u = net.run({"x": np.zeros(100, np.float32)})["u"]
    >>> u.shape, bool(np.all((-1 <= u) & (u <= 1)))
    ((100,), True)
    """
    return fill(shape, _F.RANDOM_UNIFORM, low, high, dtype, like=like, name=name)


def random_normal(
    shape: Any,
    mean: Any = 0.0,
    std: Any = 1.0,
    dtype: Any = dtypes.float32,
    *,
    like: Tensor | None = None,
    name: str | None = None,
) -> Tensor:
    """``np.random.normal(mean, std, shape)`` as a RANDOM_NORMAL Fill (new values on every run).

    >>> import numpy as np, trtdsl as td
    >>> net = td.Network("g")
    >>> x = net.input("x", td.float32, ("n",))
    >>> net.output("g", td.random_normal((x.shape[0],), 5.0, 0.1, like=x))
    >>> abs(float(net.run({"x": np.zeros(10000, np.float32)})["g"].mean()) - 5) < 0.01
    True
    """
    if _is_number(std) and not std >= 0:  # NaN included
        raise bad_argument("random_normal", "std", std, "a standard deviation >= 0")
    return fill(shape, _F.RANDOM_NORMAL, mean, std, dtype, like=like, name=name)
