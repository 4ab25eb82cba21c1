"""JAX's loop functions (``lax.scan``, ``lax.fori_loop``, ``lax.while_loop``) on TensorRT loops.

Bodies are Python functions, called once with the loop's carries (and slices) to build the body.
Carries are tensors or tuples/lists/dicts of tensors; what a body returns must have the same
structure, dtypes and shapes, and every difference is listed in the error.

>>> import numpy as np, trtdsl as td
>>> net = td.Network("scan")
>>> xs = net.input("xs", td.float32, (4,))
>>> total, running = td.scan(lambda c, x: (c + x, c + x), np.float32(0), xs)
>>> net.output("total", total); net.output("running", running)
>>> out = net.run({"xs": np.array([1, 2, 3, 4], np.float32)})
>>> out["total"], out["running"]
(array(10., dtype=float32), array([ 1.,  3.,  6., 10.], dtype=float32))
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from trtdsl.errors import DTypeError, RegionError, bad_argument
from trtdsl.ir.dims import Dim, network_of_dims
from trtdsl.ir.network import Network, expect_network
from trtdsl.ir.tensor import Tensor
from trtdsl.layers._common import as_tensor, expect_bool, expect_callable
from trtdsl.layers._shape_args import dim_scalar
from trtdsl.layers.elementwise import maximum
from trtdsl.layers.shape import shape_of
from trtdsl.loops.builder import Loop, _check_count, _tensor
from trtdsl.regions.scope import undone_on_error
from trtdsl.regions.tree import NotATree, check_same, flatten, tensors, unflatten
from trtdsl.shapes.algebra import same_dim

__all__ = ["scan", "fori_loop", "while_loop"]

_FIX = ("Cast or reshape the body's results to match (a loop carry keeps its dtype and shape: TensorRT's "
        "rule).")


def scan(f: Callable[[Any, Any], tuple[Any, Any]], init: Any, xs: Any = None, length: Any = None,
         reverse: bool = False, *, network: Network | None = None,
         name: str | None = None) -> tuple[Any, Any]:
    """``lax.scan``: ``f(carry, x) -> (carry, y)`` over the leading axis of ``xs``; returns the final
    carry and the stacked ``y``s. As Python::

        carry, ys = init, []
        for x in xs:                       # reversed(xs) with reverse=True
            carry, y = f(carry, x)
            ys.append(y)
        return carry, np.stack(ys)          # np.stack(ys[::-1]) with reverse=True

    ``init`` may hold numbers (made constants: Python floats float32, ints int32). ``xs`` is a tensor or a
    tree of tensors with the same leading dim, or None with ``length`` (an int, a dim or a 0-D int tensor).
    ``network`` is needed only when no argument is a tensor (as for every function here).

    >>> import numpy as np, trtdsl as td
    >>> net = td.Network("fib")
    >>> x = net.input("x", td.int32, ())
    >>> (a, b), seq = td.scan(lambda c, _: ((c[1], c[0] + c[1]), c[0]), (x, x), length=6)
    >>> net.output("seq", seq)
    >>> net.run({"x": np.int32(1)})["seq"]
    array([1, 1, 2, 3, 5, 8], dtype=int32)
    """
    expect_callable("scan", "f", f, ("carry", "x"))
    reverse = expect_bool("scan", "reverse", reverse)
    x_leaves, x_tree = tensors("scan", "xs", xs)
    net = _network("scan", network, init, xs, length)
    with undone_on_error(net):
        init_leaves, init_tree = _carries(net, "scan", "init", init)
        count = _scan_length(x_leaves, length)
        with Loop(trip_count=count, network=net, name=name) as loop:
            carries = [loop.carry(c) for c in init_leaves]
            slices = [loop.iterate(x, 0, reverse) for x in x_leaves]
            result = f(unflatten(init_tree, carries), None if xs is None else unflatten(x_tree, slices))
            if not isinstance(result, (tuple, list)) or len(result) != 2:
                raise RegionError(f"scan: f must return a pair (carry, y); it returned {_kind(result)}")
            _update("scan", "init", "the carry f returns", init_tree, carries, result[0])
            y_leaves, y_tree = tensors("scan", "the y f returns", result[1])
            finals = [loop.last(c) for c in carries]
            ys = [loop.collect(y, 0, reverse=reverse) for y in y_leaves]
        return unflatten(init_tree, finals), unflatten(y_tree, ys)


def fori_loop(lower: Any, upper: Any, body_fun: Callable[[Tensor, Any], Any], init_val: Any, *,
              network: Network | None = None, name: str | None = None) -> Any:
    """``lax.fori_loop``: ``for i in range(lower, upper): val = body_fun(i, val)``; returns ``val``.

    ``lower`` and ``upper`` are ints, dims (``x.shape[0]``, an int64 when the network runs) or 0-D int
    tensors; ``i`` is a 0-D int tensor (int32 unless a bound is int64 or an int beyond int32).

    >>> import numpy as np, trtdsl as td
    >>> net = td.Network("fact")
    >>> n = net.input("n", td.int32, ())
    >>> net.output("f", td.fori_loop(1, n + 1, lambda i, acc: acc * i, np.int32(1)))
    >>> net.run({"n": np.int32(5)})["f"]
    array(120, dtype=int32)
    """
    expect_callable("fori_loop", "body_fun", body_fun, ("i", "val"))
    net = _network("fori_loop", network, init_val, lower, upper)
    with undone_on_error(net):
        leaves, tree = _carries(net, "fori_loop", "init_val", init_val)
        start, count = _bounds(net, lower, upper)
        with Loop(trip_count=count, network=net, name=name) as loop:
            i = loop.carry(start)
            carries = [loop.carry(c) for c in leaves]
            result = body_fun(i, unflatten(tree, carries))
            _update("fori_loop", "init_val", "body_fun's result", tree, carries, result)
            i.update(i + 1)
            finals = [loop.last(c) for c in carries]
        return unflatten(tree, finals)


def while_loop(cond_fun: Callable[[Any], Tensor], body_fun: Callable[[Any], Any], init_val: Any, *,
               network: Network | None = None, name: str | None = None) -> Any:
    """``lax.while_loop``: ``while cond_fun(val): val = body_fun(val)``; returns ``val``. ``cond_fun``
    returns a 0-D bool tensor; TensorRT evaluates it before each iteration (a WHILE trip limit).

    >>> import numpy as np, trtdsl as td
    >>> net = td.Network("collatz")
    >>> x = net.input("x", td.int32, ())
    >>> steps, _ = td.while_loop(lambda c: c[1] != 1,
    ...                          lambda c: (c[0] + 1, td.where(c[1] % 2 == 0, c[1] // 2, 3 * c[1] + 1)),
    ...                          (np.int32(0), x))
    >>> net.output("steps", steps)
    >>> net.run({"x": np.int32(6)})["steps"]      # 6 3 10 5 16 8 4 2 1
    array(8, dtype=int32)
    """
    expect_callable("while_loop", "cond_fun", cond_fun, ("val",))
    expect_callable("while_loop", "body_fun", body_fun, ("val",))
    net = _network("while_loop", network, init_val)
    with undone_on_error(net):
        leaves, tree = _carries(net, "while_loop", "init_val", init_val)
        with Loop(network=net, name=name) as loop:
            carries = [loop.carry(c) for c in leaves]
            value = unflatten(tree, carries)
            condition = cond_fun(value)
            if not isinstance(condition, Tensor) or condition.ndim != 0 or not condition.dtype.is_bool:
                shown = str(condition.type) if isinstance(condition, Tensor) else _kind(condition)
                raise RegionError(f"while_loop: cond_fun must return a 0-D bool Tensor; it returned {shown}")
            loop.while_(condition)
            _update("while_loop", "init_val", "body_fun's result", tree, carries, body_fun(value))
            finals = [loop.last(c) for c in carries]
        return unflatten(tree, finals)


def _kind(value: Any) -> str:
    if isinstance(value, Tensor):
        return f"a Tensor ({value.type})"
    if isinstance(value, (tuple, list)):
        return f"a {type(value).__name__} of {len(value)}"
    return f"a {type(value).__name__}"


def _network(fn: str, network: Any, *values: Any) -> Network:
    """``network`` if given, else the network of the first tensor in ``values`` (searched through
    containers)."""
    if network is not None:
        return expect_network(fn, network)
    stack = list(values)
    while stack:
        v = stack.pop(0)
        if isinstance(v, Tensor):
            return v.network
        found = network_of_dims(v) if isinstance(v, Dim) else None  # x.shape[0] as a count or bound
        if isinstance(found, Network):
            return found
        if isinstance(v, (tuple, list)):
            stack[:0] = list(v)
        elif isinstance(v, dict):
            stack[:0] = [v[k] for k in sorted(v)]
    raise RegionError(f"{fn}: no argument is a trtdsl Tensor, so the network is unknown; pass network=net")


def _carries(net: Network, fn: str, what: str, tree: Any) -> tuple[list[Tensor], Any]:
    """The leaves of a carry tree as tensors (numbers and arrays become constants)."""
    leaves, structure = _flatten_values(fn, what, tree)
    return [_tensor(net, fn, what, v) for v in leaves], structure


def _flatten_values(fn: str, what: str, tree: Any) -> tuple[list[Any], Any]:
    def is_leaf(x: Any) -> bool:
        return isinstance(x, (Tensor, int, float, np.ndarray, np.generic)) and not isinstance(x, bool)

    try:
        return flatten(tree, is_leaf)
    except NotATree as exc:
        raise RegionError(f"{fn}: {what} {exc}; expected Tensors (or numbers) in tuples, lists and "
                          "dicts") from None


def _update(fn: str, init_name: str, result_name: str, tree: Any, carries: list[Any], result: Any) -> None:
    """Check the body's result against the carries and set it as their next values."""
    leaves, structure = tensors(fn, result_name, result)
    check_same(fn, "carry", (init_name, tree, carries), (result_name, structure, leaves), _FIX)
    for carry, value in zip(carries, leaves):
        carry.update(value)


def _scan_length(x_leaves: list[Tensor], length: Any) -> Any:
    """The trip count of a scan: ``length``, or the leading dim the ``xs`` share."""
    if length is not None and not isinstance(length, (Tensor, Dim)):
        length = _check_count("scan", "length", length)
    for i, x in enumerate(x_leaves):
        if x.ndim == 0:
            raise RegionError(f"scan: xs leaf {i} (%{x.name}) is 0-D; scan slices the leading axis")
    dims = [x.shape[0] for x in x_leaves]
    if length is not None and not isinstance(length, Tensor):
        dims.append(length)
    if any(not same_dim(d, dims[0]) for d in dims[1:]):
        listed = ", ".join(str(d) for d in dims)
        raise RegionError(f"scan: the leading dims of xs{' and length' if length is not None else ''} differ "
                          f"({listed}); they must all be the number of iterations")
    if length is not None:
        return length
    if not x_leaves:
        raise RegionError("scan: give xs or length (the number of iterations)")
    if isinstance(dims[0], int):
        return dims[0]
    from trtdsl.layers.gather import take

    return take(shape_of(x_leaves[0]), 0)


def _bounds(net: Network, lower: Any, upper: Any) -> tuple[Any, Any]:
    """The counter's start (a tensor) and the trip count ``max(upper - lower, 0)`` of a fori_loop; a dim
    bound (``x.shape[0]``) is the int64 it is when the network runs."""
    lower, upper = (dim_scalar(net, v) if isinstance(v, Dim) else v for v in (lower, upper))
    for arg, v in (("lower", lower), ("upper", upper)):
        if isinstance(v, Tensor):
            if v.ndim != 0 or v.dtype.name not in ("int32", "int64"):
                raise DTypeError(f"fori_loop: argument '{arg}' is {v.type}; expected an int, a dim "
                                 "(x.shape[0]) or a 0-D int32/int64 Tensor")
        elif isinstance(v, bool) or not isinstance(v, (int, np.integer)):
            raise bad_argument("fori_loop", arg, v, "an int, a dim (x.shape[0]) or a 0-D int32/int64 Tensor")
    if not isinstance(lower, Tensor) and not isinstance(upper, Tensor):
        bounds = [int(lower), int(upper)]
        for arg, v in zip(("lower", "upper"), bounds):
            if not -(2**63) <= v < 2**63:
                raise bad_argument("fori_loop", arg, v, "an int within int64's range")
        wide = any(not -(2**31) <= v < 2**31 for v in bounds)  # the counter runs up to upper
        start = net.constant(np.int64(bounds[0]) if wide else np.int32(bounds[0]))
        return start, max(bounds[1] - bounds[0], 0)
    like = lower if isinstance(lower, Tensor) else upper
    if isinstance(lower, Tensor) and isinstance(upper, Tensor) and lower.dtype != upper.dtype:
        raise DTypeError(f"fori_loop: 'lower' is {lower.dtype.name} but 'upper' is {upper.dtype.name}; give "
                         "both the same dtype")
    lo = as_tensor("fori_loop", "lower", lower, like)
    hi = as_tensor("fori_loop", "upper", upper, like)
    return lo, maximum(hi - lo, 0)
