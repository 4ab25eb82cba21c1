"""Dimensions: ints, or symbolic expressions over named dynamic dims.

A named dynamic dim (``"batch"`` in ``net.input("x", td.float32, ("batch", 4))``) is a :class:`Dim`
symbol. Shape rules combine dims with ``+ - * //`` and get new expressions; constants fold and the
identities ``d+0``, ``d*1``, ``d//1`` simplify, so static shapes stay ints.

>>> b = Dim.symbol("batch")
>>> (b * 2 + 0, (b - 5) // 1 + 1, 3 * 4)
(Dim('batch*2'), Dim('batch-5+1'), 12)
>>> ((b * 2) // 2).evaluate({"batch": 7})
7

The dims of ``x.shape`` also remember the network of ``x`` (weakly; it is not part of their value: equal
dims of two networks compare equal), and so does the tuple ``x.shape`` itself, so functions given only
dims, such as ``td.zeros(x.shape)``, know which network to add their layers to (:func:`network_of_dims`).
"""

from __future__ import annotations

import operator
import weakref
from typing import TYPE_CHECKING, Any, Callable, Iterable, TypeGuard, Union, cast

import attrs
import numpy as np

from trtdsl.errors import ShapeError

_OPS: dict[str, Callable[[int, int], int]] = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "//": operator.floordiv,
    "%": operator.mod,
}


def _operator(op: str, reflected: bool = False) -> Callable[[Dim, DimLike], DimLike]:
    """A Dim operator: ints (Python or NumPy, not bools) and Dims combine; a float is a ShapeError (it
    would make no dim); anything else is left to the other operand (a Tensor builds a layer) or is
    Python's TypeError."""
    def method(self: Dim, other: object) -> DimLike:
        if isinstance(other, (bool, np.bool_)) or not isinstance(other, (Dim, int, np.integer)):
            if isinstance(other, (float, np.floating)):
                written = f"{other} {op} {self}" if reflected else f"{self} {op} {other}"
                raise ShapeError(f"'{written}' is no dim (dims are ints); round or scale the number first, "
                                 "or compute with the dim inside the network (td.shape_of(x)[i])")
            # mypy allows returning NotImplemented only from methods named like __add__
            return NotImplemented  # type: ignore[no-any-return]
        value = other if isinstance(other, Dim) else int(other)
        return combine(op, value, self) if reflected else combine(op, self, value)

    method.__name__ = f"__{'r' if reflected else ''}{_NAMES[op]}__"
    return method


def _unknown_now(what: str) -> Callable[..., Any]:
    """A Dim method that has no value while the network is defined: a ShapeError saying so, ``what``
    being how the dim was used (``{d}`` the dim, ``{o}`` the other operand)."""
    def method(self: Dim, *other: object) -> Any:
        if other and not isinstance(other[0], (Dim, int, float, np.integer, np.floating)):
            return NotImplemented
        used = what.format(d=self, o=other[0] if other else None)
        raise ShapeError(f"dim {self} is known only when the network runs, so {used}")
    return method


_ORDER_HINT = ("has no value while the network is defined; compare dims inside the network "
               "(td.shape_of(x)[i] {op} ..., a tensor for td.where, td.cond or td.assert_)")


_NAMES = {"+": "add", "-": "sub", "*": "mul", "//": "floordiv", "%": "mod"}


@attrs.frozen(repr=False)
class Dim:
    """A symbolic dim: a named dim (``op == ""``, ``args == (name,)``) or ``args[0] op args[1]`` (two
    DimLikes).

    ``owner`` is a weak reference to the network whose tensor the dim was read from, or None; ``depth``
    is how many operations deep the expression nests (see :data:`MAX_DEPTH`)."""

    op: str
    args: tuple[Any, ...]
    owner: Any = attrs.field(default=None, eq=False)
    depth: int = attrs.field(default=0, eq=False)

    @staticmethod
    def symbol(name: str) -> Dim:
        """The named dynamic dim ``name``."""
        return Dim("", (name,))

    @property
    def is_symbol(self) -> bool:
        return self.op == ""

    @property
    def network(self) -> Any:
        """The network whose tensor's shape this dim came from (None if unknown or gone)."""
        return None if self.owner is None else self.owner()

    def symbols(self) -> set[str]:
        """The names of the dynamic dims this dim is computed from."""
        if self.is_symbol:
            return {self.args[0]}
        found: set[str] = set()
        for a in self.args:
            if isinstance(a, Dim):
                found |= a.symbols()
        return found

    def evaluate(self, bindings: dict[str, int]) -> int:
        """The dim's value given the named dims' values (KeyError names an unbound dim)."""
        if self.is_symbol:
            return bindings[self.args[0]]
        lhs, rhs = (evaluate(a, bindings) for a in self.args)
        return _OPS[self.op](lhs, rhs)

    def __str__(self) -> str:
        if self.is_symbol:
            return str(self.args[0])
        lhs, rhs = (_operand_text(a, self.op) for a in self.args)
        return f"{lhs}{self.op}{rhs}"

    def __repr__(self) -> str:
        return f"Dim({str(self)!r})"

    __add__ = _operator("+")
    __radd__ = _operator("+", reflected=True)
    __sub__ = _operator("-")
    __rsub__ = _operator("-", reflected=True)
    __mul__ = _operator("*")
    __rmul__ = _operator("*", reflected=True)
    __floordiv__ = _operator("//")
    __rfloordiv__ = _operator("//", reflected=True)
    __mod__ = _operator("%")
    __rmod__ = _operator("%", reflected=True)

    def __neg__(self) -> DimLike:
        """``0 - self``, as ``-n`` is written."""
        return 0 - self

    # What Python does with numbers but a dim cannot: a trtdsl error saying why (not a bare TypeError).
    __lt__ = _unknown_now("'{d} < {o}' " + _ORDER_HINT.format(op="<"))
    __le__ = _unknown_now("'{d} <= {o}' " + _ORDER_HINT.format(op="<="))
    __gt__ = _unknown_now("'{d} > {o}' " + _ORDER_HINT.format(op=">"))
    __ge__ = _unknown_now("'{d} >= {o}' " + _ORDER_HINT.format(op=">="))
    __truediv__ = _unknown_now("'{d} / {o}' is no dim (dims are ints); use // for a dim")
    __rtruediv__ = _unknown_now("'{o} / {d}' is no dim (dims are ints); use // for a dim")
    __int__ = _unknown_now("int() has no value for it yet; pass the dim itself where a shape is taken "
                           "(reshape, slice, td.full, td.arange, ...)")
    __float__ = _unknown_now("float() has no value for it yet; compute with it inside the network "
                             "(td.cast(td.shape_of(x)[i], td.float32))")

    def __index__(self) -> int:
        raise DimIndexError(f"dim {self} is known only when the network runs, so it is no Python int (which "
                            "range(), an index or a NumPy shape needs): pass the dim itself where a shape is "
                            "taken (reshape, slice, td.full, td.arange, ...); a loop over its values runs "
                            "in the network (td.scan, td.loop)")


class DimIndexError(ShapeError, TypeError):
    """A dynamic dim used as a Python int (``range(n)``, ``a[n]``): a ShapeError that is also the TypeError
    Python's protocols raise for a value that is no integer, so that ``operator.index(v)`` still tells a
    dim from an int where trtdsl asks it."""


DimLike = Union[int, Dim]
MAX_DIM = 2**63 - 1  # Dims64 holds int64_t dims
# Expressions are walked recursively (printing, evaluating); deeper ones, from hundreds of layers each
# adding to a dynamic dim, are refused before they could exhaust Python's stack.
MAX_DEPTH = 200


class TensorShape(tuple[DimLike, ...]):
    """A tensor's shape as ``x.shape`` gives it: a tuple of dims that also remembers (weakly) the network
    of the tensor. It is a plain tuple in every other respect; slicing or adding to it gives plain tuples.

    >>> import trtdsl as td
    >>> net = td.Network("s")
    >>> x = net.input("x", td.float32, ("n", 3))
    >>> x.shape, network_of_dims(x.shape) is net, network_of_dims((x.shape[0] * 2, 1)) is net
    ((Dim('n'), 3), True, True)
    """

    owner: Any = None


def bound_shape(shape: tuple[DimLike, ...], network: Any) -> TensorShape:
    """``shape`` as a :class:`TensorShape` of ``network`` whose symbolic dims all remember ``network``."""
    ref = weakref.ref(network)
    for d in shape:
        if not isinstance(d, int):
            out = TensorShape([d if isinstance(d, int) or d.owner is ref else _bound(d, ref) for d in shape])
            break
    else:  # a static shape, most: no dim to bind
        out = TensorShape(shape)
    out.owner = ref
    return out


def _bound(d: DimLike, ref: Any) -> DimLike:
    if isinstance(d, int) or d.owner is ref:
        return d
    if d.is_symbol:
        return Dim("", d.args, ref)
    return Dim(d.op, tuple(_bound(a, ref) for a in d.args), ref, d.depth)


def network_of_dims(value: Any) -> Any:
    """The network that the first of ``value``'s dims remembers: ``value`` is a dim, ``x.shape``, or a
    sequence holding such dims (None when none remembers one)."""
    if isinstance(value, (TensorShape, Dim)) and value.owner is not None:
        found = value.owner()
        if found is not None:
            return found
    if isinstance(value, (tuple, list)):
        for item in value:
            found = network_of_dims(item) if isinstance(item, Dim) else None
            if found is not None:
                return found
    return None


def _operand_text(a: DimLike, op: str) -> str:
    text = str(a)
    if isinstance(a, Dim) and not a.is_symbol and (op in ("*", "//", "%") and a.op in ("+", "-")):
        return f"({text})"
    if isinstance(a, int) and a < 0:
        return f"({text})"
    return text


def combine(op: str, lhs: DimLike, rhs: DimLike) -> DimLike:
    """``lhs op rhs`` with constants folded and trivial identities removed."""
    if isinstance(lhs, int) and isinstance(rhs, int):
        return _OPS[op](lhs, rhs)
    if op == "+" and rhs == 0 or op == "-" and rhs == 0:
        return lhs
    if op == "+" and lhs == 0:
        return rhs
    if op == "*":
        if rhs == 1:
            return lhs
        if lhs == 1:
            return rhs
        if lhs == 0 or rhs == 0:
            return 0
    if op == "//" and rhs == 1:
        return lhs
    if op == "//" and isinstance(lhs, Dim) and lhs.op == "*" and lhs.args[1] == rhs:
        return cast(DimLike, lhs.args[0])
    depth = 1 + max(a.depth if isinstance(a, Dim) else 0 for a in (lhs, rhs))
    if depth > MAX_DEPTH:
        raise ShapeError(f"a dim expression would nest {depth} operations deep (a long chain of layers "
                         f"each changing a dynamic dim); trtdsl allows at most {MAX_DEPTH}: give that dim a "
                         "static size")
    return Dim(op, (lhs, rhs), _owner(lhs, rhs), depth)


def _owner(lhs: DimLike, rhs: DimLike) -> Any:
    """The network reference of the operands (ints and unbound dims have none); None when they differ."""
    owners = {d.owner for d in (lhs, rhs) if isinstance(d, Dim) and d.owner is not None}
    return owners.pop() if len(owners) == 1 else None


def evaluate(d: DimLike, bindings: dict[str, int]) -> int:
    """``d``'s value given the named dims' values (an int is its own value).

    >>> evaluate(Dim.symbol("n") * 3, {"n": 2}), evaluate(4, {})
    (6, 4)
    """
    return d if isinstance(d, int) else d.evaluate(bindings)


def as_dim(value: Any) -> DimLike:
    """An int or a Dim from what a user wrote for one dim (an int, a name, or a Dim)."""
    if isinstance(value, Dim):
        return value
    if isinstance(value, str):
        return Dim.symbol(value)
    return int(value)


if TYPE_CHECKING:  # typed for the ops' constructors
    def dim_tuple(dims: Iterable[DimLike]) -> tuple[DimLike, ...]:
        """``tuple(dims)``: the converter of the ops' shape fields."""

    def int_tuple(values: Iterable[int]) -> tuple[int, ...]:
        """``tuple(values)``: the converter of the ops' axis, window and padding fields."""
else:
    # the builtin itself at run time: every op made calls its converters, and calling a Python function
    # that calls tuple would cost as much again
    dim_tuple = int_tuple = tuple


def is_static(shape: tuple[DimLike, ...]) -> TypeGuard[tuple[int, ...]]:
    """Whether every dim of ``shape`` is an int.

    >>> is_static((2, 3)), is_static((Dim.symbol("n"), 3))
    (True, False)
    """
    return all(isinstance(d, int) for d in shape)


def static_dim(d: DimLike) -> int:
    """``d`` where the caller has established that it is static, as a Python int (a NumPy integer
    from a user's value converts).

    >>> static_dim(3)
    3
    """
    assert not isinstance(d, Dim), f"dim {d} is symbolic where a static dim was established"
    return int(d)


def static_shape(shape: Iterable[DimLike]) -> tuple[int, ...]:
    """``shape`` where the caller has established that it is static (all ints).

    >>> static_shape([2, 3])
    (2, 3)
    """
    return tuple(static_dim(d) for d in shape)


def volume(shape: tuple[DimLike, ...]) -> DimLike:
    """``np.prod(shape)``, as a Dim expression when a dim is symbolic.

    >>> volume((2, 3)), volume((Dim.symbol("n"), 4))
    (6, Dim('n*4'))
    """
    total: DimLike = 1
    for d in shape:
        total = combine("*", total, d)
    return total


def format_shape(shape: tuple[DimLike, ...]) -> str:
    """The shape as the textual IR writes it.

    >>> format_shape((Dim.symbol("n"), 3))
    '[n,3]'
    """
    return "[" + ",".join(str(d) for d in shape) + "]"
