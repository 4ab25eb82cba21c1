"""Optimization profiles declared on a network: the sizes each named dim takes and the values each
shape-tensor input takes, as (min, opt, max).

``net.add_profile({"batch": (1, 8, 64), "seq": (1, 128, 1024)})`` declares one profile (call it again
for more). A key is a named dim of the inputs or the name of a shape-tensor input
(``net.input("dims", td.int32, (2,), shape_tensor=True)``), whose entry is ``(min, opt, max)`` with each
a list of values (an int for a 0-D input). The profiles are used by every backend: a run whose inputs
fit no profile is an InputError naming the input, the dim and the range; TensorRT builds one
optimization profile per declared profile; trtdsl.testing draws sizes across them.

>>> import numpy as np, trtdsl as td
>>> net = td.Network("p")
>>> x = net.input("x", td.float32, ("batch", 4))
>>> net.output("y", x * 2.0)
>>> net.add_profile({"batch": (1, 8, 64)})
Profile(batch=(1, 8, 64))
>>> try:
...     net.run({"x": np.zeros((65, 4), np.float32)})
... except td.InputError as e:
...     print(e.message)
run: input 'x' dim 0 (batch) is 65; profile 0 allows batch in [1, 64]
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Mapping

import attrs
import numpy as np

from trtdsl.errors import ArgumentError, InputError, bad_argument
from trtdsl.ir.dims import Dim

if TYPE_CHECKING:
    from trtdsl.ir.network import Network
    from trtdsl.ir.tensor import Tensor


@attrs.frozen
class Range:
    """``min <= opt <= max``: the sizes (or values) one profile allows, and the one TensorRT tunes for."""

    min: int
    opt: int
    max: int

    def __contains__(self, value: int) -> bool:
        return self.min <= value <= self.max

    def points(self) -> tuple[int, ...]:
        """min, opt and max without repeats."""
        return tuple(dict.fromkeys((self.min, self.opt, self.max)))

    def __str__(self) -> str:
        return f"[{self.min}, {self.max}]"


@attrs.frozen
class Profile:
    """One optimization profile: a :class:`Range` per named dim (``dims``), and per shape-tensor input a
    Range per element of its value (``values``)."""

    dims: tuple[tuple[str, Range], ...] = ()
    values: tuple[tuple[str, tuple[Range, ...]], ...] = ()

    def dim(self, name: str) -> Range | None:
        return dict(self.dims).get(name)

    def value(self, name: str) -> tuple[Range, ...] | None:
        return dict(self.values).get(name)

    def as_dict(self) -> dict[str, Any]:
        """The profile as ``add_profile`` takes it (and TensorRT's build options): name -> (min, opt, max)."""
        out: dict[str, Any] = {name: (r.min, r.opt, r.max) for name, r in self.dims}
        for name, ranges in self.values:
            out[name] = ([r.min for r in ranges], [r.opt for r in ranges], [r.max for r in ranges])
        return out

    def __repr__(self) -> str:
        parts = [f"{name}=({r.min}, {r.opt}, {r.max})" for name, r in self.dims]
        parts += [
            f"{name}=({[r.min for r in rs]}, {[r.opt for r in rs]}, {[r.max for r in rs]})"
            for name, rs in self.values
        ]
        return f"Profile({', '.join(parts)})"


def make_profile(network: Network, ranges: Mapping[str, Any]) -> Profile:
    """Check ``ranges`` against the network's inputs and return the Profile (see the module doc).

    >>> import trtdsl as td
    >>> net = td.Network("p")
    >>> x = net.input("x", td.float32, ("batch", 4))
    >>> k = net.input("k", td.int32, (), shape_tensor=True)
    >>> make_profile(net, {"batch": (1, 2, 8), "k": (1, 4, 16)})
    Profile(batch=(1, 2, 8), k=([1], [4], [16]))
    """
    fn = "add_profile"
    if not isinstance(ranges, Mapping):
        raise bad_argument(
            fn, "ranges", ranges, "a dict of dim or shape-tensor input name -> (min, opt, max)"
        )
    names = network.dim_names()
    shape_inputs = [n for n in network.inputs if n in network.shape_inputs]
    dims: list[tuple[str, Range]] = []
    values: list[tuple[str, tuple[Range, ...]]] = []
    for name, value in ranges.items():
        if name in names:
            dims.append((name, _dim_range(fn, name, value)))
        elif name in shape_inputs:
            values.append((name, value_ranges(fn, network.inputs[name], value)))
        else:
            raise ArgumentError(
                f"{fn}: {name!r} is not a named dim or shape-tensor input of network {network.name!r} "
                f"(named dims: {', '.join(names) or 'none'}; shape-tensor inputs: "
                f"{', '.join(shape_inputs) or 'none'}); declare the inputs before their profiles"
            )
    return Profile(tuple(dims), tuple(values))


def _dim_range(fn: str, name: str, value: Any) -> Range:
    if (
        isinstance(value, (tuple, list))
        and len(value) == 3
        and all(_is_int(v) for v in value)
        and 0 <= value[0] <= value[1] <= value[2]
    ):
        return Range(*(int(v) for v in value))
    raise bad_argument(fn, name, value, "(min, opt, max) ints with 0 <= min <= opt <= max")


def value_ranges(fn: str, tensor: Tensor, value: Any) -> tuple[Range, ...]:
    """The (min, opt, max) Range of each element of a shape-tensor input's value, checked.

    >>> import trtdsl as td
    >>> k = td.Network("v").input("k", td.int32, (2,), shape_tensor=True)
    >>> value_ranges("add_profile", k, ([1, 4], [2, 4], [8, 4]))
    (Range(min=1, opt=2, max=8), Range(min=4, opt=4, max=4))
    """
    n = tensor.shape[0] if tensor.shape else 1
    expected = (
        "(min, opt, max) ints" if not tensor.shape else f"(min, opt, max), each a list of {n} ints"
    ) + " with min <= opt <= max element by element"
    if not (isinstance(value, (tuple, list)) and len(value) == 3):
        raise bad_argument(fn, tensor.name, value, expected)
    columns = []
    for part in value:
        items = [part] if not tensor.shape and _is_int(part) else part
        if (
            not isinstance(items, (tuple, list, np.ndarray))
            or len(items) != n
            or not all(_is_int(v) for v in items)
        ):
            raise bad_argument(fn, tensor.name, value, expected)
        columns.append([int(v) for v in items])
    if any(not lo <= opt <= hi for lo, opt, hi in zip(*columns)):
        raise bad_argument(fn, tensor.name, value, expected)
    return tuple(Range(lo, opt, hi) for lo, opt, hi in zip(*columns))


def _is_int(v: Any) -> bool:
    return isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_))


def _complete(network: Network, fn: str = "run") -> tuple[Profile, ...]:
    """The declared profiles, each checked to give a range for every named dim and shape-tensor input
    (inputs may have been declared after a profile)."""
    names = network.dim_names()
    shape_inputs = [n for n in network.inputs if n in network.shape_inputs]
    for index, profile in enumerate(network.profiles):
        given = {n for n, _ in profile.dims} | {n for n, _ in profile.values}
        missing = [n for n in names + shape_inputs if n not in given]
        if missing:
            what = "shape-tensor input" if missing[0] in shape_inputs else "dim"
            raise ArgumentError(
                f"{fn}: profile {index} of network {network.name!r} has no (min, opt, max) for "
                f"{what} {missing[0]!r}; every profile covers every named dim and shape-tensor input"
            )
    return network.profiles


def check_feeds(network: Network, arrays: Mapping[str, np.ndarray]) -> None:
    """Raise an InputError when the inputs fit none of the declared profiles (no profiles: nothing to check).

    All inputs must fit one profile, as TensorRT runs each call with one optimization profile.

    >>> import numpy as np, trtdsl as td
    >>> net = td.Network("c")
    >>> x = net.input("x", td.float32, ("n",))
    >>> _ = net.add_profile({"n": (1, 2, 4)}), net.add_profile({"n": (8, 8, 8)})
    >>> check_feeds(net, {"x": np.zeros(8, np.float32)})      # fits profile 1
    >>> try:
    ...     check_feeds(net, {"x": np.zeros(6, np.float32)})
    ... except td.InputError as e:
    ...     print(e.message)
    run: the inputs fit no optimization profile (profile 0: input 'x' dim 0 (n) is 6, outside n in
    [1, 4]; profile 1: input 'x' dim 0 (n) is 6, outside n in [8, 8])
    """
    profiles = _complete(network)
    if not profiles:
        return
    misfits = [_misfit(network, p, arrays) for p in profiles]
    if any(m is None for m in misfits):
        return
    if len(profiles) == 1:
        raise InputError(f"run: {misfits[0]}; profile 0 allows {misfits[0].allowed}")  # type: ignore[union-attr]
    listed = "; ".join(f"profile {i}: {m}, outside {m.allowed}" for i, m in enumerate(misfits))  # type: ignore[union-attr]
    raise InputError(f"run: the inputs fit no optimization profile ({listed})")


def fixed_profile(
    network: Network, values: Mapping[Any, np.ndarray], bindings: Mapping[str, int]
) -> dict[str, Any]:
    """A profile fixed at one run's input sizes and shape-tensor values (min = opt = max), as TensorRT's
    build options take it.

    >>> import numpy as np, trtdsl as td
    >>> from trtdsl.reference.interpreter import bind_inputs
    >>> net = td.Network("f")
    >>> x = net.input("x", td.float32, ("n", 2))
    >>> k = net.input("k", td.int32, (), shape_tensor=True)
    >>> fixed_profile(net, *bind_inputs(net, {"x": np.zeros((3, 2), np.float32), "k": np.int32(6)}))
    {'n': (3, 3, 3), 'k': ([6], [6], [6])}
    """
    out: dict[str, Any] = {
        name: (size, size, size) for name in network.dim_names() for size in [bindings[name]]
    }
    for name in network.shape_inputs:
        value = [int(v) for v in values[network.inputs[name]].reshape(-1)]
        out[name] = (value, value, value)
    return out


@attrs.frozen
class _Misfit:
    """The first input dim or value outside a profile, and what the profile allows there."""

    what: str
    allowed: str

    def __str__(self) -> str:
        return self.what


def _misfit(network: Network, profile: Profile, arrays: Mapping[str, np.ndarray]) -> _Misfit | None:
    for name, tensor in network.inputs.items():
        array = arrays[name]
        for axis, (d, size) in enumerate(zip(tensor.shape, array.shape)):
            if isinstance(d, Dim) and d.is_symbol:
                r = profile.dim(d.args[0])
                if r is not None and size not in r:
                    return _Misfit(f"input {name!r} dim {axis} ({d}) is {size}", f"{d} in {r}")
        ranges = profile.value(name)
        if ranges is not None:
            for i, (v, r) in enumerate(zip(array.reshape(-1), ranges)):
                if int(v) not in r:
                    if not tensor.shape:
                        return _Misfit(f"shape-tensor input {name!r} is {int(v)}", f"values in {r}")
                    return _Misfit(
                        f"element {i} of shape-tensor input {name!r} is {int(v)}", f"element {i} in {r}"
                    )
    return None


__all__ = [
    "Profile",
    "Range",
    "check_feeds",
    "fixed_profile",
    "make_profile",
    "value_ranges",
]
