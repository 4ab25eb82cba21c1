"""Hypothesis strategies that draw valid inputs for a trtdsl network (this module imports hypothesis).

``inputs(net)`` draws one of the network's optimization profiles (if it declares any), one size for
each named dim -- often exactly the min, opt or max of its range, otherwise anything between -- and the
values of shape-tensor inputs within the profile, then arrays of those shapes whose values mix the
input's range with edge values (0, -0.0, ±1, the range's bounds, the dtype's extremes; NaN and ±inf on
request). Inputs used as indices get values within the bounds of the axis they index.

>>> import numpy as np, trtdsl as td
>>> from hypothesis import given, settings
>>> from trtdsl.testing import strategies as tst
>>> net = td.Network("n")
>>> x = net.input("x", td.float32, ("batch", 3))
>>> net.output("y", td.relu(x))
>>> @settings(max_examples=20)
... @given(tst.inputs(net, dims={"batch": (1, 4, 8)}))
... def test_relu(feeds):
...     y = net.run(feeds)["y"]
...     assert 1 <= y.shape[0] <= 8 and np.array_equal(y, np.maximum(feeds["x"], 0))
>>> test_relu()
"""

from __future__ import annotations

import functools
from typing import Any, Mapping

import ml_dtypes
import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from trtdsl import dtypes as td_dtypes
from trtdsl.dtypes import DType
from trtdsl.errors import ArgumentError, Location, bad_argument, user_location
from trtdsl.ir.network import Network, expect_network
from trtdsl.testing.specs import (
    DimRange,
    _check_value_names,
    check_drawn_size,
    dim_ranges,
    edge_values,
    index_bounds,
    input_shape,
    shape_value_ranges,
    value_range,
)


def dim_size(dim_range: DimRange) -> st.SearchStrategy[int]:
    """A size in ``dim_range``: its min, opt or max half of the time, else any size in between."""
    if not isinstance(dim_range, DimRange):
        raise bad_argument("dim_size", "dim_range", dim_range,
                           "a DimRange (DimRange.of(name, (min, opt, max)))")
    return st.one_of(st.sampled_from(dim_range.points()), st.integers(dim_range.min, dim_range.max))


def dim_sizes(
    network: Network, dims: Mapping[str, Any] | None = None, profile: Any = None
) -> st.SearchStrategy[dict[str, int]]:
    """One size for each named dim of the network's inputs. ``dims`` maps names to ranges (an int,
    ``(min, max)`` or ``(min, opt, max)``) or to hypothesis strategies of ints; other dims range over
    ``profile`` (an optimization profile of the network) or the default range."""
    expect_network("dim_sizes", network)
    ranges = dim_ranges(network, dims, profile, other=_is_strategy)
    given = dict(dims or {})
    where = user_location()  # the line that gave the strategies: a draw runs inside hypothesis
    parts = {
        name: given[name].map(functools.partial(_drawn_dim, name, where))
        if isinstance(given.get(name), st.SearchStrategy) else dim_size(ranges[name])
        for name in network.dim_names()
    }
    return st.fixed_dictionaries(parts)


def _drawn_dim(name: str, where: Location | None, size: Any) -> int:
    """A size drawn from the user's strategy for dim ``name`` (given at ``where``): an int >= 0."""
    if isinstance(size, (bool, np.bool_)) or not isinstance(size, (int, np.integer)) or size < 0:
        raise ArgumentError(f"inputs: the strategy given for dim {name!r} drew {size!r}; a dim's size is an "
                            "int >= 0", location=where)
    return int(size)


def _is_strategy(value: Any) -> bool:
    return isinstance(value, st.SearchStrategy)


def arrays(
    dtype: Any,
    shape: tuple[int, ...] | st.SearchStrategy[tuple[int, ...]],
    *,
    min_value: float | None = None,
    max_value: float | None = None,
    allow_nan: bool = False,
    allow_inf: bool = False,
    edges: bool = True,
) -> st.SearchStrategy[np.ndarray]:
    """Arrays of a TensorRT dtype (a DType or its name) and ``shape``, with values in
    [min_value, max_value] (the dtype's default range where not given) mixed with edge values.

    >>> a = arrays("float16", (2, 3), min_value=-1, max_value=1).example()
    >>> a.dtype, a.shape, bool(np.all(np.abs(a.astype(np.float32)) <= 1))
    (dtype('float16'), (2, 3), True)
    """
    dt = td_dtypes.dtype(dtype)
    if not isinstance(shape, st.SearchStrategy):
        shape = _static_shape(shape)
        check_drawn_size("arrays", "the array", shape)
    default_low, default_high = value_range("", dt, None)
    low = default_low if min_value is None else min_value
    high = default_high if max_value is None else max_value
    for arg, value in (("min_value", low), ("max_value", high)):
        number = isinstance(value, (int, float, np.integer, np.floating))
        if not number or isinstance(value, (bool, np.bool_)) or np.isnan(value):
            raise bad_argument("arrays", arg, value, "a number (or None for the dtype's default)")
    if low > high:
        raise ArgumentError(f"arrays: min_value {low!r} is greater than max_value {high!r}")
    base, elements = _elements(dt, low, high, allow_nan, allow_inf, edges)
    return hnp.arrays(base, shape, elements=elements).map(lambda a: a.astype(dt.numpy))


def _static_shape(shape: Any) -> tuple[int, ...]:
    if not isinstance(shape, (tuple, list)) or not all(
        isinstance(d, (int, np.integer)) and not isinstance(d, (bool, np.bool_)) and d >= 0 for d in shape
    ):
        raise bad_argument("arrays", "shape", shape, "a tuple of ints >= 0, or a strategy of them")
    return tuple(int(d) for d in shape)


@functools.lru_cache(maxsize=512)
def _elements(
    dtype: DType, low: float, high: float, allow_nan: bool, allow_inf: bool, edges: bool
) -> tuple[type, st.SearchStrategy[Any]]:
    """The NumPy dtype arrays are drawn in, and the strategy of their elements."""
    if dtype.is_bool:
        return np.bool_, st.booleans()
    if dtype.numpy.kind in "iu" or dtype.name == "int4":
        elements: st.SearchStrategy[Any] = st.integers(int(low), int(high))
        base: type = np.int64
    else:
        largest = float(ml_dtypes.finfo(dtype.numpy).max)
        low, high = _float32_inside(max(float(low), -largest), min(float(high), largest))
        elements = st.floats(low, high, width=32)
        base = np.float32
    specials = edge_values(dtype, low, high, allow_nan=allow_nan, allow_inf=allow_inf)
    if not edges:
        specials = [v for v in specials if isinstance(v, float) and not np.isfinite(v)]
    return base, st.one_of(st.sampled_from(specials), elements) if specials else elements


def _float32_inside(low: float, high: float) -> tuple[float, float]:
    """The float32 bounds nearest to [low, high] that lie inside it (hypothesis needs float32 bounds)."""
    lo, hi = np.float32(low), np.float32(high)
    if float(lo) < low:
        lo = np.nextafter(lo, np.float32(np.inf))
    if float(hi) > high:
        hi = np.nextafter(hi, np.float32(-np.inf))
    return float(lo), float(max(lo, hi))


def inputs(
    network: Network,
    *,
    dims: Mapping[str, Any] | None = None,
    values: Mapping[str, Any] | None = None,
    allow_nan: bool = False,
    allow_inf: bool = False,
    edges: bool = True,
) -> st.SearchStrategy[dict[str, np.ndarray]]:
    """Dicts of input arrays for ``network``: one of its optimization profiles (if it declares any), one
    size per named dim within it (see :func:`dim_sizes`), shape-tensor inputs' values within it, each other
    input's values in ``values[name] = (low, high)`` or its dtype's default range, indices within bounds."""
    expect_network("inputs", network)
    _check_value_names(network, values)
    bounds = index_bounds(network)
    profiles = network.profiles
    # reject unknown dims, bad ranges and inputs too large to draw now, not when drawing
    for profile in profiles or (None,):
        largest = {n: r.max for n, r in dim_ranges(network, dims, profile, other=_is_strategy).items()}
        for name, tensor in network.inputs.items():
            if all(isinstance(d, int) or d.symbols() <= set(largest) for d in tensor.shape):
                check_drawn_size("inputs", f"input {name!r}", input_shape(tensor, largest))
    choices = [(dim_sizes(network, dims, p), shape_value_ranges(network, p)) for p in profiles or (None,)]

    @st.composite
    def draw_inputs(draw: Any) -> dict[str, np.ndarray]:
        sizes_strategy, shape_values = draw(st.sampled_from(choices))
        chosen = draw(sizes_strategy)
        feeds = {}
        for name, tensor in network.inputs.items():
            shape = input_shape(tensor, chosen)
            if name in shape_values and not (values and name in values):
                elements = [draw(dim_size(r)) for r in shape_values[name]]
                feeds[name] = np.array(elements, tensor.dtype.numpy).reshape(shape)
            elif name in bounds and not (values and name in values):
                first, last = bounds[name](chosen)
                feeds[name] = draw(
                    arrays(tensor.dtype, shape, min_value=first, max_value=max(first, last), edges=edges)
                )
            else:
                low, high = value_range(name, tensor.dtype, values)
                feeds[name] = draw(
                    arrays(
                        tensor.dtype,
                        shape,
                        min_value=low,
                        max_value=high,
                        allow_nan=allow_nan,
                        allow_inf=allow_inf,
                        edges=edges,
                    )
                )
        return feeds

    return draw_inputs()


def dtypes(*categories: str) -> st.SearchStrategy[DType]:
    """TensorRT dtypes of the given categories ("float", "int", "bool", "quantized"; all if none given),
    for tests that build a network per dtype.

    >>> dtypes("float").example() in (td_dtypes.float32, td_dtypes.float16, td_dtypes.bfloat16)
    True
    """
    wanted = set(categories) or {"float", "int", "bool", "quantized"}
    known = {d.category for d in td_dtypes.ALL}
    if not wanted <= known:
        raise ArgumentError(
            f"dtypes: categories {sorted(wanted - known)} are unknown; expected some of {sorted(known)}"
        )
    return st.sampled_from([d for d in td_dtypes.ALL if d.category in wanted])


__all__ = ["arrays", "dim_size", "dim_sizes", "dtypes", "inputs"]
