"""What valid inputs of a network look like: the sizes of its named dims, each input's value range and
edge values, and the bounds of inputs used as indices. Shared by the hypothesis strategies
(:mod:`trtdsl.testing.strategies`) and :func:`random_inputs` (NumPy only).

Named dims take ranges like an optimization profile: ``dims={"batch": (1, 4, 8)}`` is (min, opt, max);
``(1, 8)`` is (min, max) with opt = min; an int fixes the dim. Unlisted dims range over the network's
optimization profiles (``net.add_profile``; one profile per draw, shape-tensor inputs' values too), or
over :data:`DEFAULT_DIM_RANGE` when it declares none.

>>> import numpy as np, trtdsl as td
>>> from trtdsl.testing import random_inputs
>>> net = td.Network("n")
>>> x = net.input("x", td.float32, ("batch", 3))
>>> net.output("y", x * 2.0)
>>> feeds = random_inputs(net, dims={"batch": (1, 4, 8)})
>>> feeds["x"].shape, feeds["x"].dtype
((4, 3), dtype('float32'))
"""

from __future__ import annotations

from typing import Any, Callable, Mapping

import attrs
import ml_dtypes
import numpy as np

from trtdsl.dtypes import DType
from trtdsl.errors import ArgumentError, InputError, bad_argument, shown
from trtdsl.ir.dims import DimLike, evaluate, static_dim
from trtdsl.ir.network import Network, expect_network
from trtdsl.ir.node import Node
from trtdsl.ir.tensor import Tensor
from trtdsl.layers.gather import Gather


@attrs.frozen
class DimRange:
    """The sizes a named dim takes, as an optimization profile gives them: ``min <= opt <= max``."""

    min: int
    opt: int
    max: int

    @staticmethod
    def of(name: str, value: Any) -> DimRange:
        """A DimRange from ``n``, ``(min, max)`` or ``(min, opt, max)``."""
        items = (
            (value,) * 3 if isinstance(value, (int, np.integer)) and not isinstance(value, bool) else value
        )
        if isinstance(items, (tuple, list)) and len(items) == 2:
            items = (items[0], items[0], items[1])
        ok = (
            isinstance(items, (tuple, list))
            and len(items) == 3
            and all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in items)
            and 0 <= items[0] <= items[1] <= items[2]
        )
        if not ok:
            raise ArgumentError(
                f"inputs: argument 'dims' gives {name!r} = {value!r}; expected an int >= 0, "
                "(min, max) or (min, opt, max) with 0 <= min <= opt <= max"
            )
        return DimRange(*(int(v) for v in items))

    def points(self) -> tuple[int, ...]:
        """min, opt and max (without repeats): the sizes an engine is tuned and checked for."""
        return tuple(dict.fromkeys((self.min, self.opt, self.max)))


DEFAULT_DIM_RANGE = DimRange(1, 2, 4)


def dim_ranges(
    network: Network,
    dims: Mapping[str, Any] | None = None,
    profile: Any = None,
    *,
    other: Callable[[Any], bool] = lambda value: False,
) -> dict[str, DimRange]:
    """The range of every named dim of the network's inputs: ``dims`` where given, else ``profile``'s
    (a ``trtdsl.ir.profiles.Profile``), else the default. Values of ``dims`` must be ranges, or
    values ``other`` accepts (e.g. hypothesis strategies), which are left to the caller.

    >>> import trtdsl as td
    >>> net = td.Network("n")
    >>> _ = net.input("x", td.float32, ("batch", "seq"))
    >>> dim_ranges(net, {"batch": (1, 8)})
    {'batch': DimRange(min=1, opt=1, max=8), 'seq': DimRange(min=1, opt=2, max=4)}
    """
    names = network.dim_names()
    if dims is not None and not isinstance(dims, Mapping):
        raise bad_argument("inputs", "dims", dims,
                           "a dict of dim name -> size, (min, max) or (min, opt, max)")
    given = dict(dims or {})
    unknown = sorted(set(given) - set(names))
    if unknown:
        raise ArgumentError(
            f"inputs: argument 'dims' names {unknown[0]!r}, which is not a named dim of network "
            f"{network.name!r}; its named dims are {names}"
        )
    ranges = {}
    for n in names:
        declared = profile.dim(n) if profile is not None else None
        if n in given and not (other(given[n]) and not _is_range(given[n])):
            ranges[n] = DimRange.of(n, given[n])
            if declared is not None and not declared.min <= ranges[n].min <= ranges[n].max <= declared.max:
                raise ArgumentError(
                    f"inputs: argument 'dims' gives {n!r} the sizes {ranges[n].min} to {ranges[n].max}, "
                    f"outside {declared.min} to {declared.max}, its range in the network's optimization "
                    "profile (which a run checks)"
                )
        elif declared is not None:
            ranges[n] = DimRange(declared.min, declared.opt, declared.max)
        else:
            ranges[n] = DEFAULT_DIM_RANGE
    return ranges


def shape_value_ranges(network: Network, profile: Any) -> dict[str, list[DimRange]]:
    """For each shape-tensor input that ``profile`` covers, the (min, opt, max) of each element's value."""
    found = {}
    for name in network.inputs:
        declared = profile.value(name) if profile is not None and name in network.shape_inputs else None
        if declared is not None:
            found[name] = [DimRange(r.min, r.opt, r.max) for r in declared]
    return found


def _is_range(value: Any) -> bool:
    return isinstance(value, (int, np.integer, tuple, list))


def input_shape(tensor: Tensor, sizes: Mapping[str, int]) -> tuple[int, ...]:
    """The concrete shape of an input for the named dims' ``sizes``.

    >>> import trtdsl as td
    >>> x = td.Network("n").input("x", td.float32, ("batch", 3))
    >>> input_shape(x, {"batch": 5})
    (5, 3)
    """
    return tuple(evaluate(d, dict(sizes)) for d in tensor.shape)


# The most elements one drawn input may have (a GiB of float32): larger arrays are better made by hand.
MAX_DRAWN_ELEMENTS = 2**28


def check_drawn_size(fn: str, what: str, shape: tuple[int, ...]) -> None:
    """An InputError when ``what`` (an input, an array) of ``shape`` is too large to draw (see
    :data:`MAX_DRAWN_ELEMENTS`)."""
    volume = 1
    for d in shape:
        volume *= d
    if volume > MAX_DRAWN_ELEMENTS:
        raise InputError(f"{fn}: {what} would have shape {shape}; trtdsl.testing draws arrays of at most "
                         f"{MAX_DRAWN_ELEMENTS} elements (choose smaller dims, or give the array yourself)")


# -- values -----------------------------------------------------------------------------------------------
# The default value ranges: moderate numbers that keep most formulas finite; pass values= to widen them.
_DEFAULT_RANGES: dict[str, tuple[float, float]] = {
    "float32": (-100.0, 100.0),
    "float16": (-100.0, 100.0),
    "bfloat16": (-100.0, 100.0),
    "int32": (-100, 100),
    "int64": (-100, 100),
    "int8": (-128, 127),
    "uint8": (0, 255),
    "int4": (-8, 7),
    "float8_e4m3": (-448.0, 448.0),
    "float4_e2m1": (-6.0, 6.0),
    "e8m0": (2.0**-127, 2.0**127),
    "bool": (0, 1),
}


def value_range(name: str, dtype: DType, values: Mapping[str, Any] | None) -> tuple[float, float]:
    """The (low, high) range of input ``name``: ``values[name]`` if given, else the dtype's default.

    >>> import trtdsl as td
    >>> value_range("x", td.int8, None), value_range("x", td.float32, {"x": (0.0, 1.0)})
    ((-128, 127), (0.0, 1.0))
    """
    if values is not None and name in values:
        given = values[name]
        if not (
            isinstance(given, (tuple, list))
            and len(given) == 2
            and all(_is_finite_number(v) for v in given)
            and given[0] <= given[1]
        ):
            raise ArgumentError(
                f"inputs: argument 'values' gives {name!r} = {shown(given)}; expected (low, high), finite "
                "numbers with low <= high"
            )
        return given[0], given[1]
    return _DEFAULT_RANGES[dtype.name]


def _is_finite_number(value: Any) -> bool:
    return (
        isinstance(value, (int, float, np.integer, np.floating))
        and not isinstance(value, (bool, np.bool_))
        and bool(np.isfinite(value))
    )


def edge_values(
    dtype: DType, low: float, high: float, *, allow_nan: bool = False, allow_inf: bool = False
) -> list[Any]:
    """Values where formulas tend to break, within [low, high]: 0, -0.0, ±1, the bounds, the dtype's
    extremes (largest finite, smallest normal and subnormal for floats; min/max for integers); NaN and ±inf
    when allowed.

    >>> import trtdsl as td
    >>> edge_values(td.int8, -128, 127)
    [0, 1, -1, -128, 127]
    """
    if dtype.is_bool:
        return [False, True]
    candidates: list[Any] = [0, 1, -1, low, high]
    found: list[Any]
    if dtype.numpy.kind in "iu" or dtype.name == "int4":
        ints = ml_dtypes.iinfo(dtype.numpy)
        candidates += [int(ints.min), int(ints.max)]
        found = [int(v) for v in candidates if low <= v <= high]
    else:
        floats = ml_dtypes.finfo(dtype.numpy)
        extremes = [float(floats.max), float(floats.smallest_normal), float(floats.smallest_subnormal)]
        candidates += [-0.0] + extremes + [-v for v in extremes]
        found = [float(v) for v in candidates if low <= v <= high]
        found += ([float("nan")] if allow_nan else []) + ([float("inf"), float("-inf")] if allow_inf else [])
    unique: dict[Any, None] = {}
    for v in found:
        unique.setdefault((v, np.signbit(v)) if isinstance(v, float) else v, None)
    return [k[0] if isinstance(k, tuple) else k for k in unique]


# -- index inputs ---------------------------------------------------------------------------------------
# For a layer kind: (node, input position) -> the (tensor, axis, negative) triples whose axis lengths bound
# the values at that position (negative: indices may count from the end), or None if the position is not
# an index operand. Kinds without index operands are absent.
IndexRule = Callable[[Node, int], "list[tuple[Tensor, int, bool]] | None"]


def _gather_indices(node: Node, position: int) -> list[tuple[Tensor, int, bool]] | None:
    if position != 1:
        return None
    data, op = node.input(0), node.op_as(Gather)
    if op.mode.name == "ND":  # each coordinate indexes one of the data's dims after the batch dims
        k = static_dim(node.input(1).shape[-1])
        return [(data, a, True) for a in range(op.num_elementwise_dims, op.num_elementwise_dims + k)]
    return [(data, op.axis, True)]


INDEX_OPERANDS: dict[str, IndexRule] = {"Gather": _gather_indices}

# Layers that pass values through unchanged (so an input's values reach an index operand as they are).
_PASS_THROUGH = frozenset({"Identity", "Shuffle", "Squeeze", "Unsqueeze", "Cast"})

IndexBound = Callable[[Mapping[str, int]], "tuple[int, int]"]


def index_bounds(network: Network) -> dict[str, IndexBound]:
    """For each input whose values are used as indices (through pass-through layers such as reshapes and
    casts), a function from the named dims' sizes to the (low, high) range of valid indices.

    >>> import trtdsl as td
    >>> net = td.Network("n")
    >>> table, i = net.input("table", td.float32, ("rows", 4)), net.input("i", td.int32, (2,))
    >>> net.output("y", td.take(table, i))
    >>> index_bounds(net)["i"]({"rows": 10})       # TensorRT's Gather takes negative indices too
    (-10, 9)
    """
    consumers: dict[Tensor, list[tuple[Node, int]]] = {}
    for node in network.nodes:
        for i, t in enumerate(node.inputs):
            if t is not None:
                consumers.setdefault(t, []).append((node, i))
    bounds: dict[str, IndexBound] = {}
    for name, tensor in network.inputs.items():
        rules = _index_uses(tensor, consumers)
        if rules:
            bounds[name] = _bound_function(rules)
    return bounds


def _index_uses(
    tensor: Tensor, consumers: dict[Tensor, list[tuple[Node, int]]]
) -> list[tuple[Tensor, int, bool]]:
    found: list[tuple[Tensor, int, bool]] = []
    stack, seen = [tensor], set()
    while stack:
        t = stack.pop()
        if t in seen:
            continue
        seen.add(t)
        for node, position in consumers.get(t, []):
            rule = INDEX_OPERANDS.get(node.op.kind)
            uses = rule(node, position) if rule is not None else None
            if uses is not None:
                found.extend(uses)
            elif node.op.kind in _PASS_THROUGH:
                stack.extend(node.outputs)
    return found


def _bound_function(rules: list[tuple[Tensor, int, bool]]) -> IndexBound:
    def bound(sizes: Mapping[str, int]) -> tuple[int, int]:
        low, high = None, None
        for data, axis, negative in rules:
            length = evaluate(data.shape[axis], dict(sizes)) if _known(data.shape[axis], sizes) else None
            if length is None:
                continue
            lo, hi = (-length if negative else 0), length - 1
            low = lo if low is None else max(low, lo)
            high = hi if high is None else min(high, hi)
        return (0, -1) if low is None or high is None else (low, high)

    return bound


def _known(dim: DimLike, sizes: Mapping[str, int]) -> bool:
    return isinstance(dim, int) or dim.symbols() <= set(sizes)


# -- NumPy sampling -------------------------------------------------------------------------------------
def random_inputs(
    network: Network,
    *,
    dims: Mapping[str, Any] | None = None,
    values: Mapping[str, Any] | None = None,
    seed: int = 0,
    at: str = "opt",
    profile: int = 0,
) -> dict[str, np.ndarray]:
    """One set of inputs drawn with NumPy (no hypothesis): named dims (and shape-tensor inputs' values) at
    their ``at`` size ("min", "opt" or "max") in optimization profile ``profile`` (when the network
    declares profiles), other values uniform in each input's range (indices within bounds).

    >>> import trtdsl as td
    >>> net = td.Network("n")
    >>> x = net.input("x", td.int32, ("n",))
    >>> net.output("y", x + 1)
    >>> random_inputs(net, dims={"n": (2, 3, 5)}, values={"x": (7, 9)}, at="max")["x"].shape
    (5,)
    """
    expect_network("random_inputs", network)
    if not isinstance(at, str) or at not in ("min", "opt", "max"):
        raise ArgumentError(f"random_inputs: argument 'at' is {shown(at)}; expected 'min', 'opt' or 'max'")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ArgumentError(f"random_inputs: argument 'seed' is {shown(seed)}; expected an int >= 0")
    profiles = network.profiles
    if isinstance(profile, bool) or not isinstance(profile, int) or not 0 <= profile < max(len(profiles), 1):
        expected = (f"an int in [0, {len(profiles) - 1}] (network {network.name!r} has {len(profiles)} "
                    "profiles)" if profiles else
                    f"0 (network {network.name!r} declares no optimization profiles)")
        raise ArgumentError(f"random_inputs: argument 'profile' is {profile!r}; expected {expected}")
    chosen = profiles[profile] if profiles else None
    rng = np.random.default_rng(seed)
    sizes = {name: getattr(r, at) for name, r in dim_ranges(network, dims, chosen).items()}
    shape_values = shape_value_ranges(network, chosen)
    indices = index_bounds(network)
    _check_value_names(network, values)
    feeds = {}
    for name, tensor in network.inputs.items():
        shape = input_shape(tensor, sizes)
        check_drawn_size("random_inputs", f"input {name!r}", shape)
        if name in shape_values and not (values and name in values):
            feeds[name] = np.array([getattr(r, at) for r in shape_values[name]], tensor.dtype.numpy).reshape(
                shape
            )
            continue
        indexed = name in indices and not (values and name in values)
        low, high = indices[name](sizes) if indexed else value_range(name, tensor.dtype, values)
        feeds[name] = sample(rng, tensor.dtype, shape, low, high)
    return feeds


def _check_value_names(network: Network, values: Mapping[str, Any] | None) -> None:
    """``values`` names inputs of ``network`` and gives each a valid range."""
    if values is not None and not isinstance(values, Mapping):
        raise bad_argument("inputs", "values", values, "a dict of input name -> (low, high)")
    unknown = [name for name in values or {} if name not in network.inputs]
    if unknown:
        raise ArgumentError(
            f"inputs: argument 'values' names {shown(unknown[0])}, which is not an input of network "
            f"{network.name!r}; its inputs are {sorted(network.inputs)}"
        )
    for name, tensor in network.inputs.items():
        value_range(name, tensor.dtype, values)


def sample(
    rng: np.random.Generator, dtype: DType, shape: tuple[int, ...], low: float, high: float
) -> np.ndarray:
    """Uniform values of ``dtype`` in [low, high] (integers inclusive; booleans fair).

    >>> import trtdsl as td
    >>> values = sample(np.random.default_rng(0), td.int32, (1000,), -2, 2)
    >>> values.dtype, sorted(set(values.tolist()))
    (dtype('int32'), [-2, -1, 0, 1, 2])
    """
    if dtype.is_bool:
        return rng.random(shape) < 0.5
    if dtype.numpy.kind in "iu" or dtype.name == "int4":
        if high < low:
            return np.zeros(shape, dtype.numpy)
        return rng.integers(int(low), int(high), size=shape, endpoint=True).astype(dtype.numpy)
    with np.errstate(over="ignore"):  # values beyond the dtype's range become infinities, as asked
        return rng.uniform(low, high, size=shape).astype(np.float32).astype(dtype.numpy)
